"""How long `make run` takes to serve its first page, how soon publishing resumes when a
publisher loop is killed, and how fast a stop leaves nothing behind.

    .venv/bin/python bench/startup.py [--var-dir DIR] [--timeout SECONDS]

A warm-up run comes first (it creates the database, migrates, collects static files), then
the measured run: a restart, as a person sees it every day, stopped with Ctrl-C (SIGINT to
the whole process group, as a terminal sends it). A third run is stopped with SIGTERM to
the `manage.py run` process alone (as a process manager or `kill <pid>` does); before
that, the bench kills one publisher loop with SIGKILL and times how long a post made due
right after takes to reach a fake Mastodon server on 127.0.0.1, then does the same after
killing every loop (then nothing publishes until the publisher starts them again). Last,
the Procfile's roles are started as a platform starts them (bench/footprint.py: gunicorn
and `manage.py worker`, each in a session of its own) and stopped with SIGTERM to each,
timed until every one of their processes is gone. Prints one line:

    BENCH startup serving_s=… stop_ctrl_c_s=… stop_sigterm_s=… resume_one_loop_killed_s=…
        resume_all_loops_killed_s=… stop_procfile_sigterm_s=…

and a second line, exiting non-zero, only if a process or the embedded PostgreSQL server
outlives a stop.

By default the runs use their own state directory (POSTIZ_VAR_DIR=var/bench-startup), so the
measurement neither depends on nor disturbs the embedded database under var/.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The project, not bench/, first on the path (bench/calendar.py would shadow the stdlib's,
# which urllib.request imports).
sys.path[0] = str(ROOT)
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

from bench import _common  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(parent pid, state, start time) of a process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return int(fields[1]), fields[0], int(fields[19])


def descendants(root: int) -> set[tuple[int, int]]:
    """Every live process below ``root`` (any session, any group), as (pid, start time)."""
    parents: dict[int, list[tuple[int, int]]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None:
            parents.setdefault(info[0], []).append((int(entry), info[2]))
    found, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child[0])
    return found


def alive(process: tuple[int, int]) -> bool:
    info = _stat(process[0])
    return info is not None and info[2] == process[1] and info[1] != "Z"


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def postgres_servers(pgdata: Path) -> list[int]:
    """Live PostgreSQL servers whose data directory is ``pgdata``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        info = _stat(int(entry))
        line = cmdline(int(entry))
        if info and info[1] != "Z" and "postgres" in line and f"-D {pgdata}" in line:
            found.append(int(entry))
    return found


def supervisor(make_pid: int) -> int:
    """The `manage.py run` process under make (it runs on as postiz/supervisor.py)."""
    for pid, _ in descendants(make_pid):
        line = cmdline(pid)
        words = line.split()
        python = bool(words) and "python" in Path(words[0]).name  # not make's shell
        if python and ("postiz/supervisor.py" in line or words[-2:] == ["manage.py", "run"]):
            return pid
    raise SystemExit("no manage.py run process under make")


def run_once(env: dict, port: int, timeout: float, log, *, stop="ctrl-c", before_stop=None):
    """Start `make run`, wait for /health to answer, then ``before_stop(make_pid)`` and stop
    it (``stop``: "ctrl-c" to the group or "sigterm" to manage.py run); report times and
    leftovers."""
    started = time.monotonic()
    make = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, like a terminal's foreground job
    )
    serving = None
    seen: set[tuple[int, int]] = set()
    url = f"http://127.0.0.1:{port}/health"
    try:
        while time.monotonic() - started < timeout:
            if make.poll() is not None:
                break
            seen |= descendants(make.pid)
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    response.read(1)
            except urllib.error.HTTPError:
                pass  # any answer counts: the web process is serving
            except OSError:
                time.sleep(0.05)
                continue
            serving = time.monotonic() - started
            break
        # The worker starts alongside the web server; give it a moment to be counted too.
        time.sleep(0.5)
        seen |= descendants(make.pid)
        measured = before_stop(make.pid) if before_stop and serving is not None else {}
        seen |= descendants(make.pid)
    finally:
        stopping = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            if stop == "sigterm":
                os.kill(supervisor(make.pid), signal.SIGTERM)  # what a process manager does
            else:
                os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        with contextlib.suppress(subprocess.TimeoutExpired):
            make.wait(timeout=60)
        stopped = time.monotonic() - stopping
    time.sleep(0.2)
    return {
        **measured,
        "serving": serving,
        "stopped": stopped,
        "leftovers": sorted(pid for pid, start in seen if alive((pid, start))),
        "group_alive": _group_alive(make.pid),
    }


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def run_procfile(var_dir: Path, timeout: float, log) -> dict:
    """Start the Procfile's roles, wait until the web answers and the processes have not
    changed for a second, then SIGTERM each; report the stop's time and leftovers."""
    from bench import footprint

    port = free_port()
    roles = footprint.Procfile(var_dir, port, log)
    serving = None
    try:
        serving = footprint.settle(
            roles.roots, port, var_dir, timeout=timeout, quiet=1.0, answer=lambda status: True
        )
    finally:
        stopped = roles.stop()
    return {"serving": serving, "stopped": stopped, "leftovers": roles.leftovers}


class Resume:
    """Kills publisher loops of a running `make run` and times how soon publishing resumes:
    a post made due right after the kill, until the fake network receives it."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.network, self.server, self.base = _common.start_network(0.0)
        self.channel = None

    def __call__(self, make_pid: int) -> dict:
        self._connect()
        from django.db import connection

        try:
            loops = self._loops(make_pid, killed=set())
            one = self._publish_after("one", [loops[0]])
            loops = self._loops(make_pid, killed={loops[0]})
            every = self._publish_after("all", list(loops.values()))
        finally:
            connection.close()
            self.server.shutdown()
            self.server.server_close()  # a late request is refused, not left hanging
        return {"resume_one": one, "resume_all": every}

    def _connect(self) -> None:
        """Django in this process, on the run's embedded database (already running)."""
        from postiz.database import EmbeddedPostgres

        os.environ.update(
            POSTIZ_VAR_DIR=str(self.var_dir),
            DATABASE_URL=EmbeddedPostgres(self.var_dir).url(),
            DJANGO_SETTINGS_MODULE="postiz.settings",
            LOG_LEVEL="WARNING",
        )
        import django

        django.setup()
        from integrations.models import Integration
        from organizations.models import Organization
        from posts.models import Post

        organization, _ = Organization.objects.get_or_create(
            slug="bench-startup", defaults={"name": "Bench"}
        )
        Post.objects.filter(organization=organization).delete()  # an earlier run's
        self.channel, _ = Integration.objects.update_or_create(
            organization=organization,
            provider="mastodon",
            external_id="1",
            defaults={
                "name": "Bench",
                "credentials": {"access_token": "bench-token-1"},
                "meta": {"instance": f"{self.base}/server0", "account_id": "1"},
            },
        )

    def _loops(self, make_pid: int, killed: set[int], timeout: float = 60) -> dict[int, int]:
        """Slot → pid of every loop under make, once each slot has one (none ``killed``)."""
        from django.conf import settings
        from django.db import connection

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ours = {pid for pid, _ in descendants(make_pid)} - killed
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT application_name FROM pg_stat_activity "
                    "WHERE application_name LIKE 'postiz publisher slot=%%'"
                )
                names = [row[0] for row in cursor.fetchall()]
            loops = {}
            for name in names:
                slot, pid = (int(part.split("=")[1]) for part in name.split()[2:4])
                if pid in ours:
                    loops[slot] = pid
            if len(loops) == settings.POSTIZ_PUBLISHERS:
                return loops
            time.sleep(0.05)
        raise SystemExit("the publisher loops did not start")

    def _publish_after(self, marker: str, victims: list[int]) -> float:
        from django.utils import timezone

        from posts.models import Post, PostGroup, PostItem
        from posts.states import State

        marker += str(os.getpid())  # this run's post, whatever earlier runs left
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        killed = time.time()
        group = PostGroup.objects.create(organization=self.channel.organization)
        post = Post.objects.create(
            organization=self.channel.organization,
            group=group,
            integration=self.channel,
            state=State.SCHEDULED,
            publish_at=timezone.now(),
        )
        PostItem.objects.create(post=post, position=0, content=f"Resumed [{marker}]")
        deadline = time.monotonic() + 60
        while marker not in self.network.first_seen:
            if time.monotonic() > deadline:
                raise SystemExit(f"publishing did not resume after killing {victims}")
            time.sleep(0.01)
        return self.network.first_seen[marker] - killed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-startup"))
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()

    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT"}}
    env["POSTIZ_VAR_DIR"] = str(var_dir)
    env["POSTIZ_ALLOW_PRIVATE_URLS"] = "1"  # the fake network lives on this machine
    log_path = var_dir / "startup.log"

    with open(log_path, "w") as log:
        results = [run_once(env, free_port(), args.timeout, log) for _ in ("warm-up", "measured")]
        results.append(
            run_once(
                env,
                free_port(),
                args.timeout,
                log,
                stop="sigterm",
                before_stop=Resume(var_dir),
            )
        )
        procfile = run_procfile(var_dir, args.timeout, log)
    results.append({**procfile, "group_alive": False})
    measured, terminated = results[1], results[2]

    if measured["serving"] is None or terminated["serving"] is None or not procfile["serving"]:
        print(f"startup: web never answered within {args.timeout:.0f} s (see {log_path})")
        return 1
    print(
        f"BENCH startup serving_s={measured['serving']:.1f} "
        f"stop_ctrl_c_s={measured['stopped']:.2f} stop_sigterm_s={terminated['stopped']:.2f} "
        f"resume_one_loop_killed_s={terminated['resume_one']:.2f} "
        f"resume_all_loops_killed_s={terminated['resume_all']:.2f} "
        f"stop_procfile_sigterm_s={procfile['stopped']:.2f}"
    )

    stray = []
    for outcome in results:
        stray += [f"{pid} {cmdline(pid)}" for pid in outcome["leftovers"]]
        if outcome["group_alive"]:
            stray.append("processes left in the make run process group")
    stray += [f"{pid} PostgreSQL" for pid in postgres_servers(var_dir / "postgres")]
    if stray:
        print(f"startup: left running after a stop: {'; '.join(stray)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
