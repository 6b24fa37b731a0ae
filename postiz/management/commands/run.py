"""`make run`: prepare the database and static files, then run the web server, the
publisher and the worker under the supervisor (postiz/supervisor.py), until Ctrl-C.

Once the database is prepared, this process replaces itself with the supervisor (same pid,
so `make`, a terminal and a process manager still see it), a program that imports nothing
of Django: it holds no application in memory.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from postiz import supervisor


class Command(BaseCommand):
    help = (
        "Prepare the database and static files, then run the web server, the publisher and "
        "the background worker together, starting again whichever dies, until Ctrl-C "
        "(which also stops the embedded database)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Run the web server only (no publisher, no background worker).",
        )
        parser.add_argument(
            "--noreload",
            action="store_true",
            help="Do not start the web server again when a Python file or template changes.",
        )

    def handle(self, *args, host, port, no_worker, noreload, **options):
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        from postiz.schedules import install_schedules

        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        install_schedules()
        connections.close_all()

        database = settings.EMBEDDED_POSTGRES
        env = supervisor.children_env(os.environ, host=host, port=port, database=database)
        argv = supervisor_argv(
            host=host,
            port=port,
            worker=not no_worker,
            reload=not noreload,
            embedded=database.var_dir if database is not None else None,
        )
        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"Postiz is starting on {url}  (Ctrl-C stops it)"))
        self.stdout.flush()
        sys.stderr.flush()
        # Signals that arrive while the supervisor starts are ignored rather than fatal
        # (ignored signals stay ignored across exec; the supervisor then handles them).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        os.execve(sys.executable, argv, env)  # noqa: S606 - this same Python, fixed arguments


def supervisor_argv(*, host, port, worker: bool, reload: bool, embedded=None) -> list[str]:
    """The supervisor's command line: this same Python running postiz/supervisor.py (`ps`
    shows it as such), without its folder on the path (-P)."""
    argv = [
        sys.executable,
        "-P",
        str(Path(supervisor.__file__).resolve()),
        "--host",
        host,
        "--port",
        str(port),
    ]
    if not worker:
        argv.append("--no-worker")
    if not reload:
        argv.append("--noreload")
    if embedded is not None:
        argv += ["--embedded", str(embedded)]
    return argv
