"""The supervisor of `make run`: runs the web server, the publisher and the worker, starting
again whichever dies, until Ctrl-C or SIGTERM.

`manage.py run` prepares the database and static files, then replaces itself with this
module run as a program (same pid, so `make`, a terminal and a process manager still see
it). It imports nothing of Django (a test keeps it so): it only spawns and watches, so it
holds no application in memory.

The processes are supervised here rather than by a Procfile runner for two reasons. The
worker must be stopped the way django-q2 expects: SIGTERM to the cluster's main process
only, which then stops its own sentinel, pusher, workers and monitor (about a second).
Signalling the whole process group instead kills the sentinel in the middle of waiting on
a shared event, which leaves the main process blocked on that event until it is SIGKILLed.
And this process owns the embedded PostgreSQL server: it starts it again if it dies.

The web server is runserver without its autoreloader (which is a second process holding a
second copy of Django): this process starts it again when a Python file or a template of
the project changes.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from pathlib import Path

# A child that dies is started again after RESTART_FIRST seconds, twice as long each time
# it dies again within STABLE seconds of its start, up to RESTART_MAX.
RESTART_FIRST = 1.0
RESTART_MAX = 30.0
STABLE = 10.0
# How long the children get to stop after Ctrl-C before they are killed (the publisher
# gives its sends in flight 2 s); a second Ctrl-C kills them at once.
STOP_GRACE_SECONDS = 2.6
# How long a role may wait for the fork server to answer (it answers once it has loaded
# Django, a few seconds after its start); then the role is started as a program of its own.
SPAWN_TIMEOUT = 60.0
# How often the embedded PostgreSQL server is looked at, and the project's files.
DATABASE_CHECK = 1.0
RELOAD_CHECK = 1.0
TICK = 0.05

BASE_DIR = Path(__file__).resolve().parents[1]


class Child:
    """One supervised process in its own session, its output prefixed with its name."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict,
        *,
        signal_group: bool,
        out,
        survives_database: bool = True,
        done_when_childless: bool = False,
        forks: ForkServer | None = None,
        args: list[str] | None = None,
    ):
        self.name = name
        self.argv = argv
        # With a fork server, the role (``manage.py <args>``) is forked from it; without one,
        # or when it cannot answer, ``argv`` is started as a program.
        self.forks = forks
        self.args = args
        self.env = env
        # Whether SIGTERM goes to the whole process group (runserver, and whatever a view
        # started) or to the main process only (the qcluster and the publisher stop their
        # own children).
        self.signal_group = signal_group
        # Whether it reconnects by itself when the database comes back after a crash (the
        # qcluster does not: it keeps its broken connections, so it is restarted).
        self.survives_database = survives_database
        # Whether, once asked to stop, it has done all it had to when its own children are
        # gone (the qcluster: what is left is tearing down its interpreter, a garbage
        # collection of all of Django that takes a second or two on a busy machine).
        self.done_when_childless = done_when_childless
        self.out = out
        self.process: subprocess.Popen | None = None
        self.reader: threading.Thread | None = None
        self.started = 0.0
        self.failures = 0  # deaths in a row, each soon after its start
        self.restart_at: float | None = None
        self.kill_at: float | None = None  # asked to stop (to be restarted): killed then
        self.next_delay: float | None = None  # asked to stop: started again this soon
        self.groups: list[int] = []  # every process group it had (leftovers are killed)

    def start(self) -> None:
        self.process = self._open()
        self.groups.append(self.process.pid)
        self.started = time.monotonic()
        self.restart_at = self.kill_at = self.next_delay = None
        self.reader = threading.Thread(target=self._copy_output, args=(self.process,))
        self.reader.daemon = True
        self.reader.start()

    def _open(self):
        forked = self.forks.spawn(self.args) if self.forks is not None else None
        return forked or self._launch()

    def _launch(self, **options) -> subprocess.Popen:
        return subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the supervisor only, which decides
            **options,
        )

    def _copy_output(self, process: subprocess.Popen) -> None:
        for line in iter(process.stdout.readline, b""):
            self.out(self.name, line.decode(errors="replace").rstrip("\n"))
        process.stdout.close()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exited(self) -> float:
        """It died: plan its restart; returns the delay. What it left (a runserver child
        holding the port, a publisher's loops) is told to stop."""
        now = time.monotonic()
        if self.next_delay is not None:  # it was asked to stop: no failure of its own
            delay = self.next_delay
        else:
            self.failures = self.failures + 1 if now - self.started < STABLE else 0
            delay = min(RESTART_FIRST * 2 ** max(self.failures - 1, 0), RESTART_MAX)
        self.restart_at, self.kill_at = now + delay, None
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGTERM)
        return delay

    def recycle(self, *, delay: float | None = None) -> None:
        """Ask it to stop so that it is started again (killed if it lingers): after
        ``delay`` seconds, or as after a failure when None."""
        self.terminate()
        self.kill_at = time.monotonic() + STOP_GRACE_SECONDS
        self.next_delay = delay

    def restart_soon(self) -> None:
        """Start it again at once: stop it if it runs, else end its wait to be restarted."""
        if self.running:
            if self.kill_at is None:
                self.recycle(delay=0.0)
        elif self.restart_at is not None:
            self.failures = 0
            self.restart_at = time.monotonic()

    def terminate(self) -> None:
        with suppress(ProcessLookupError):
            if self.signal_group:
                os.killpg(self.process.pid, signal.SIGTERM)
            else:
                os.kill(self.process.pid, signal.SIGTERM)

    def childless(self) -> bool:
        """Whether its main process has no child process (False when it cannot be told)."""
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                return not handle.read().split()
        except OSError:
            return False

    def kill_groups(self) -> None:
        """SIGKILL whatever is left in its groups (nothing, after a clean stop)."""
        for group in self.groups:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


class Forked:
    """A role the fork server forked and this process adopted (it is a subreaper): what
    the supervision reads of a ``subprocess.Popen``."""

    def __init__(self, pid: int, stdout):
        self.pid = pid
        self.stdout = stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # not ours after all: it is gone as far as we know
                self.returncode = 1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        while self.poll() is None:
            time.sleep(TICK / 2)
        return self.returncode


class ForkServer(Child):
    """`manage.py forkserver` (postiz/forkserver.py): Django loaded once, the roles forked
    from it so that they share it. Supervised like the roles (started again if it dies);
    the roles it forked live on without it."""

    def __init__(self, manage: list[str], env: dict, *, out):
        super().__init__("django", [*manage, "forkserver"], env, signal_group=False, out=out)
        self.manage = manage
        self.channel: socket.socket | None = None

    def _open(self) -> subprocess.Popen:
        if self.channel is not None:
            self.channel.close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.argv = [*self.manage, "forkserver", str(theirs.fileno())]
            process = self._launch(pass_fds=(theirs.fileno(),))
        ours.settimeout(SPAWN_TIMEOUT)
        self.channel = ours
        return process

    def spawn(self, args: list[str]) -> Forked | None:
        """``manage.py <args>`` forked from the loaded Django, or None when the server is
        not there to answer (the caller then starts the program)."""
        if not self.running or self.channel is None:
            return None
        read, write = os.pipe()
        try:
            socket.send_fds(self.channel, [json.dumps(args).encode()], [write])
            pid = int(self.channel.recv(64) or 0)
        except (OSError, ValueError):
            pid = 0
        finally:
            os.close(write)
        if pid <= 0:
            os.close(read)
            return None
        return Forked(pid, os.fdopen(read, "rb"))


def become_subreaper() -> bool:
    """Adopt the orphans of our descendants (Linux's PR_SET_CHILD_SUBREAPER), so that a
    role the fork server forks becomes our child; False where that is not possible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_orphans(known: set[int]) -> None:
    """Collect the exit of adopted processes nobody waits for (a dead role's children, a
    restarted PostgreSQL's pg_ctl), leaving our own children to their owners."""
    while True:
        try:
            info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return
        if info is None or info.si_pid in known:
            return
        with suppress(ChildProcessError):
            os.waitpid(info.si_pid, 0)


def children_env(environ, *, host: str, port, database=None) -> dict:
    """What the web server, the publisher and the worker run with: this environment, the
    embedded server's address, and (unless SITE_URL is set) the address served here, so
    links in emails, media paths and API URLs name the port really in use."""
    env = dict(environ)
    if database is not None:
        # This process owns the embedded server; the children just connect to it.
        env["DATABASE_URL"] = database.url()
    if not env.get("SITE_URL"):
        reachable = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        if reachable == "::":
            reachable = "::1"
        if ":" in reachable:
            reachable = f"[{reachable}]"
        env["SITE_URL"] = f"http://{reachable}:{port}"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def main(argv: list[str]) -> int:
    """The supervisor, in place of `manage.py run` (same pid): runs until a signal."""
    parser = argparse.ArgumentParser(prog="postiz.supervisor")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", required=True)
    parser.add_argument("--no-worker", action="store_true")
    parser.add_argument("--noreload", action="store_true")
    parser.add_argument("--embedded", help="the embedded server's state directory")
    options = parser.parse_args(argv)
    database = None
    if options.embedded:
        from postiz.database import EmbeddedPostgres

        database = EmbeddedPostgres(Path(options.embedded))
    lock = threading.Lock()

    def write(line: str) -> None:
        with lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    try:
        return supervise(
            os.environ.copy(),
            [sys.executable, str(BASE_DIR / "manage.py")],
            host=options.host,
            port=options.port,
            worker=not options.no_worker,
            write=write,
            database=database,
            reload=None if options.noreload else BASE_DIR,
            fork=become_subreaper(),
        )
    finally:
        if database is not None:
            database.release()  # registered by `manage.py run` under this same pid


def supervise(
    env, manage, *, host, port, worker, write, database=None, reload=None, fork=False
) -> int:
    """Run web (and publisher and worker), starting again whichever exits, until SIGINT or
    SIGTERM; then stop them all (within STOP_GRACE_SECONDS) and return 0. With ``reload``
    (a folder), web is started again when a Python file or a template in it changes. With
    ``fork`` (this process must be a subreaper), the roles are forked from a fork server."""
    width = 9

    def out(name: str, line: str) -> None:
        write(f"{time.strftime('%H:%M:%S')} {name:<{width}} | {line}")

    requests = []  # one entry per Ctrl-C / SIGTERM received

    def on_signal(signum, frame):
        requests.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return _supervise(
            env,
            manage,
            host=host,
            port=port,
            worker=worker,
            out=out,
            requests=requests,
            database=database,
            reload=reload,
            fork=fork,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _supervise(env, manage, *, host, port, worker, out, requests, database, reload, fork) -> int:
    # The three roles share one loaded Django when they can (a fork server, and this process
    # a subreaper that adopts what it forks); the web server alone gains nothing from it.
    forks = ForkServer(manage, env, out=out) if fork and worker else None

    def role(name, args, **options):
        return Child(name, [*manage, *args], env, out=out, forks=forks, args=args, **options)

    web = role("web", ["runserver", "--noreload", f"{host}:{port}"], signal_group=True)
    children = [web]
    if worker:
        children += [
            role("publisher", ["publisher"], signal_group=False),
            role(
                "worker",
                ["qcluster"],
                signal_group=False,
                survives_database=False,
                done_when_childless=True,
            ),
        ]
    if forks is not None:
        children.insert(0, forks)
    for child in children:
        child.start()
        out("system", f"{child.name} started (pid={child.process.pid})")

    watch = _DatabaseWatch(database, out)
    code = _CodeWatch(Path(reload)) if reload is not None else None
    reload_after = None
    while not requests:
        for child in children:
            if child.restart_at is None and not child.running:
                delay = child.exited()
                out(
                    "system",
                    f"{child.name} exited (rc={child.process.returncode}); "
                    f"restarting in {delay:g} s",
                )
            elif child.restart_at is not None and time.monotonic() >= child.restart_at:
                child.start()
                out("system", f"{child.name} started again (pid={child.process.pid})")
            elif child.kill_at is not None and time.monotonic() >= child.kill_at:
                child.kill_groups()
        if watch.check():
            for child in children:
                if not child.survives_database and child.running and child.kill_at is None:
                    out("system", f"restarting {child.name}: it does not reconnect by itself")
                    child.recycle()
        if code is not None and (changed := code.check()):
            out("system", f"{changed} changed; restarting web")
            if forks is None:
                web.restart_soon()
            else:  # web is forked again once the server has loaded the new code
                forks.restart_soon()
                reload_after = time.monotonic()
        if forks is not None:
            if reload_after is not None and forks.running and forks.started > reload_after:
                web.restart_soon()
                reload_after = None
            reap_orphans({child.process.pid for child in children})
        time.sleep(TICK)

    out("system", "stopping (press Ctrl-C again to kill at once)")
    for child in children:
        if child.running:
            child.terminate()
    seen = len(requests)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while any(child.running for child in children):
        if len(requests) > seen or time.monotonic() > deadline:
            for child in children:
                if child.running:
                    out("system", f"killing {child.name} (pid={child.process.pid})")
            break
        for child in children:
            if child.done_when_childless and child.running and child.childless():
                child.kill_groups()
        time.sleep(TICK / 2)
    for child in children:
        child.kill_groups()
        child.process.wait()
        child.reader.join(timeout=2)
    out("system", "stopped")
    return 0


class _CodeWatch:
    """Notices a Python file or a template of the project that changed (every RELOAD_CHECK
    s), as runserver's autoreloader would, by the files' modification times."""

    SUFFIXES = (".py", ".html", ".txt")
    SKIP = frozenset({"var", "static", "tests", "bench", "node_modules", "__pycache__"})

    def __init__(self, root: Path):
        self.root = root
        self.files = self._scan()
        self.next_check = time.monotonic() + RELOAD_CHECK

    def _scan(self) -> dict[str, int]:
        found = {}
        for folder, folders, names in os.walk(self.root):
            folders[:] = [f for f in folders if not f.startswith(".") and f not in self.SKIP]
            for name in names:
                if name.endswith(self.SUFFIXES):
                    path = os.path.join(folder, name)
                    with suppress(OSError):
                        found[path] = os.stat(path).st_mtime_ns
        return found

    def check(self) -> str | None:
        """The project-relative path of a file added, changed or removed since the last
        check, if any."""
        if time.monotonic() < self.next_check:
            return None
        files = self._scan()
        self.next_check = time.monotonic() + RELOAD_CHECK
        changed = sorted(
            p for p in files.keys() | self.files.keys() if files.get(p) != self.files.get(p)
        )
        self.files = files
        return os.path.relpath(changed[0], self.root) if changed else None


class _DatabaseWatch:
    """Starts the embedded PostgreSQL server again when it died (every DATABASE_CHECK s)."""

    def __init__(self, database, out):
        self.database = database
        self.out = out
        self.next_check = time.monotonic() + DATABASE_CHECK
        self.failing = False

    def check(self) -> bool:
        """Whether the server was started again just now."""
        if self.database is None or time.monotonic() < self.next_check:
            return False
        restarted = False
        try:
            restarted = self.database.ensure_running()
            if restarted:
                self.out("system", "the embedded PostgreSQL server had stopped; started it again")
            self.failing = False
        except Exception as error:  # tried again next time; said once
            if not self.failing:
                self.out("system", f"the embedded PostgreSQL server does not start: {error}")
            self.failing = True
        self.next_check = time.monotonic() + DATABASE_CHECK
        return restarted


if __name__ == "__main__":
    # Run with `python -P` (as `manage.py run` does), this file's folder is not on the path
    # (postiz/http.py would shadow the standard library's); the project is.
    sys.path.insert(0, str(BASE_DIR))
    sys.exit(main(sys.argv[1:]))
