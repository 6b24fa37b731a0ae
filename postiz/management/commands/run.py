import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from postiz.schedules import install_schedules


class Command(BaseCommand):
    help = (
        "Prepare the database and static files, then run the web server and the background "
        "worker together until Ctrl-C (which also stops the embedded database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--no-worker", action="store_true", help="Run the web server only.")

    def handle(self, *args, host, port, no_worker, **options):
        from honcho.manager import Manager

        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        install_schedules()

        env = os.environ.copy()
        if settings.EMBEDDED_POSTGRES is not None:
            # This process owns the embedded server; the children just connect to it.
            env["DATABASE_URL"] = settings.EMBEDDED_POSTGRES.url()
        env.setdefault("PYTHONUNBUFFERED", "1")
        manage = f"{sys.executable} {settings.BASE_DIR / 'manage.py'}"

        manager = Manager()
        manager.add_process("web", f"{manage} runserver {host}:{port}", env=env)
        if not no_worker:
            manager.add_process("worker", f"{manage} qcluster", env=env)
        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"Postiz is starting on {url}  (Ctrl-C stops it)"))
        manager.loop()
        sys.exit(manager.returncode)
