"""`make run`: prepare the database, then run the web server and the worker until Ctrl-C.

The two processes are supervised here rather than by a Procfile runner because the worker
must be stopped the way django-q2 expects: SIGTERM to the cluster's main process only, which
then stops its own sentinel, pusher, workers and monitor (about a second). Signalling the
whole process group instead kills the sentinel in the middle of waiting on a shared event,
which leaves the main process blocked on that event until it is SIGKILLed.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import suppress

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from postiz.schedules import install_schedules

# How long the children get to stop after Ctrl-C before they are killed. A second Ctrl-C
# kills them at once.
STOP_GRACE_SECONDS = 10


class Child:
    """One supervised process in its own session, its output prefixed with its name."""

    def __init__(self, name: str, argv: list[str], env: dict, *, signal_group: bool, out):
        self.name = name
        # Whether SIGTERM goes to the whole process group (runserver and its autoreloader
        # child) or to the main process only (the qcluster, which stops its children).
        self.signal_group = signal_group
        self.out = out
        self.process = subprocess.Popen(
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor only, which decides
        )
        self.reader = threading.Thread(target=self._copy_output, daemon=True)
        self.reader.start()

    def _copy_output(self) -> None:
        for line in iter(self.process.stdout.readline, b""):
            self.out(self.name, line.decode(errors="replace").rstrip("\n"))
        self.process.stdout.close()

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        with suppress(ProcessLookupError):
            if self.signal_group:
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                os.kill(self.process.pid, signal.SIGTERM)

    def kill_group(self) -> None:
        """SIGKILL whatever is left in the group (nothing, after a clean stop)."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


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
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]

        url = f"http://{host}:{port}"
        self.stdout.write(self.style.SUCCESS(f"Postiz is starting on {url}  (Ctrl-C stops it)"))
        sys.exit(self.supervise(env, manage, host=host, port=port, worker=not no_worker))

    # -- supervision ---------------------------------------------------------------------
    def supervise(self, env, manage, *, host, port, worker) -> int:
        """Run web (and worker) until a signal or until one exits; returns the exit code."""
        lock = threading.Lock()
        width = 6

        def out(name: str, line: str) -> None:
            with lock:
                self.stdout.write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {line}")
                self.stdout.flush()

        requests = []  # one entry per Ctrl-C / SIGTERM received

        def on_signal(signum, frame):
            requests.append(signum)

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            return self._supervise(
                env, manage, host=host, port=port, worker=worker, out=out, requests=requests
            )
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _supervise(self, env, manage, *, host, port, worker, out, requests) -> int:
        children = [
            Child("web", [*manage, "runserver", f"{host}:{port}"], env, signal_group=True, out=out)
        ]
        if worker:
            children.append(
                Child("worker", [*manage, "qcluster"], env, signal_group=False, out=out)
            )
        for child in children:
            out("system", f"{child.name} started (pid={child.process.pid})")

        while not requests and all(child.running for child in children):
            time.sleep(0.1)
        if requests:
            out("system", "stopping (press Ctrl-C again to kill at once)")
            returncode = 0
        else:
            died = next(child for child in children if not child.running)
            out("system", f"{died.name} exited (rc={died.process.returncode}); stopping")
            returncode = died.process.returncode or 1

        for child in children:
            child.terminate()
        seen = len(requests)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while any(child.running for child in children):
            if len(requests) > seen or time.monotonic() > deadline:
                for child in children:
                    if child.running:
                        out("system", f"killing {child.name} (pid={child.process.pid})")
                break
            time.sleep(0.05)
        for child in children:
            child.kill_group()
            child.process.wait()
            child.reader.join(timeout=2)
        out("system", "stopped")
        return returncode
