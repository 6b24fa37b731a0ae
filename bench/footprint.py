"""How much memory a started, idle Postiz holds, in its two shapes.

    .venv/bin/python bench/footprint.py [--shapes make_run,procfile] [--var-dir DIR]
        [--settle SECONDS] [--idle SECONDS] [--timeout SECONDS] [--detail]

make_run: `make run` (the supervisor, the web server, the publisher and its loops, the
background worker, the embedded PostgreSQL server it starts). procfile: the Procfile's
roles as a platform runs them, each in a session of its own (gunicorn and `manage.py
worker`: the publisher and the job cluster), after its release line, against an embedded PostgreSQL
server this bench starts and hands them as DATABASE_URL (as a platform hands its database).

Each shape is started on a free port in its own state directory (POSTIZ_VAR_DIR=
var/bench-footprint), waited for until /health answers 200 (the worker's first heartbeat
comes within a minute) and the set of processes has not changed for ``--settle`` seconds,
then measured every 5 s for ``--idle`` seconds (60: the periodic jobs run every minute, and
a job worker grows by what its first jobs load), and the median kept: the proportional set
size (PSS, /proc/<pid>/smaps_rollup: shared pages
counted once, split between the processes sharing them) of every process in its trees,
PostgreSQL's included. Then it is stopped (Ctrl-C to make's group; SIGTERM to each
Procfile role). One line per shape:

    BENCH footprint shape=make_run pss_mb=… processes=…
    BENCH footprint shape=procfile pss_mb=… processes=…

``--detail`` also lists each process with its PSS. The machine's load average matters
little here (memory, not time), but a loaded machine takes longer to settle.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # the project, not bench/ (bench/calendar.py shadows the stdlib's)
import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

from bench.startup import alive, cmdline, descendants, free_port, postgres_servers  # noqa: E402

SHAPES = ("make_run", "procfile")


def rollup(pid: int) -> dict[str, int]:
    """The process's memory summary in kB (Rss, Pss, Private_Dirty, …; empty when gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            return {
                words[0].rstrip(":"): int(words[1])
                for words in (line.split() for line in handle)
                if len(words) == 3 and words[2] == "kB"
            }
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return {}


def pss_kb(pid: int) -> int:
    """The process's proportional set size in kB (0 when it is gone)."""
    return rollup(pid).get("Pss", 0)


def tree(root: int) -> set[int]:
    """``root`` and every live process below it."""
    return {root, *(pid for pid, _ in descendants(root))} if _exists(root) else set()


def _exists(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def postgres_tree(var_dir: Path) -> set[int]:
    """The embedded server of ``var_dir`` and its backends."""
    found: set[int] = set()
    for postmaster in postgres_servers(var_dir / "postgres"):
        found |= tree(postmaster)
    return found


def health(port: int) -> int | None:
    """The status /health answers (None: no answer)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def settle(
    roots, port: int, var_dir: Path, *, timeout: float, quiet: float, answer=(200).__eq__
) -> set[int] | None:
    """Wait until /health gives an ``answer`` (by default: 200, all is well) and the
    processes have not changed for ``quiet`` s; returns them (None when it never settled).
    ``roots()`` lists the shape's main pids."""
    deadline = time.monotonic() + timeout
    seen, since = set(), time.monotonic()
    while time.monotonic() < deadline:
        if not all(_exists(pid) for pid in roots()):
            return None  # a role died while starting
        now = {pid for root in roots() for pid in tree(root)} | postgres_tree(var_dir)
        if now != seen:
            seen, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet and (status := health(port)) and answer(status):
            return seen
        time.sleep(0.5)
    return None


def measure(pids: set[int]) -> tuple[float, int, list[tuple[int, dict, str]]]:
    rows = [(pid, rollup(pid), cmdline(pid)) for pid in pids]
    rows = sorted((row for row in rows if row[1].get("Pss")), key=lambda row: -row[1]["Pss"])
    return sum(row[1]["Pss"] for row in rows) / 1024, len(rows), rows


def environment(var_dir: Path, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT", "DEBUG"}}
    env.update(
        POSTIZ_VAR_DIR=str(var_dir),
        PORT=str(port),
        PATH=f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


class MakeRun:
    """`make run`, in its own process group as a terminal's foreground job."""

    def __init__(self, var_dir: Path, port: int, log):
        self.var_dir = var_dir
        self.make = subprocess.Popen(
            ["make", "run"],
            cwd=ROOT,
            env=environment(var_dir, port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def roots(self) -> list[int]:
        return [self.make.pid]

    def stop(self) -> float:
        """Ctrl-C; returns the seconds until make exited."""
        stopping = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.make.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.make.wait(timeout=60)
        return time.monotonic() - stopping


class Procfile:
    """The Procfile's roles, each started as a platform starts it (`sh -c`, a session of its
    own), on an embedded PostgreSQL server this process owns (passed as DATABASE_URL)."""

    def __init__(self, var_dir: Path, port: int, log):
        from postiz.database import EmbeddedPostgres

        self.var_dir = var_dir
        self.database = EmbeddedPostgres(var_dir)
        self.database.acquire()
        self.env = {**environment(var_dir, port), "DATABASE_URL": self.database.url()}
        self.env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
        roles = {}
        for line in (ROOT / "Procfile").read_text().splitlines():
            name, _, command = line.partition(":")
            if command.strip():
                roles[name.strip()] = command.strip()
        # What a platform does once per release: static files are collected at build time.
        python = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
        subprocess.run(
            ["sh", "-c", roles.pop("release")],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )
        self.processes = {
            name: subprocess.Popen(
                ["sh", "-c", f"exec {command}"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for name, command in roles.items()
        }
        self.seen: set[tuple[int, int]] = set()

    def roots(self) -> list[int]:
        for process in self.processes.values():
            self.seen |= descendants(process.pid)
        return [process.pid for process in self.processes.values()]

    def stop(self) -> float:
        """SIGTERM to each role's process (as a platform stops them); returns the seconds
        until every process of every role was gone. Then the database is stopped."""
        self.roots()
        stopping = time.monotonic()
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        deadline = stopping + 60
        while time.monotonic() < deadline:
            running = [p for p in self.processes.values() if p.poll() is None]
            if not running and not any(alive(process) for process in self.seen):
                break
            time.sleep(0.02)
        took = time.monotonic() - stopping
        self.leftovers = sorted(pid for pid, start in self.seen if alive((pid, start)))
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        self.database.release()
        return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-footprint"))
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--detail", action="store_true")
    args = parser.parse_args()
    # Stopped early (SIGTERM, a timeout), the shape being measured is stopped too: without
    # this its processes would outlive the bench and be counted by the next run.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))

    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    log_path = var_dir / "footprint.log"
    failed = False
    with open(log_path, "w") as log:
        for shape in args.shapes.split(","):
            port = free_port()
            running = (MakeRun if shape == "make_run" else Procfile)(var_dir, port, log)
            try:
                pids = settle(running.roots, port, var_dir, timeout=args.timeout, quiet=args.settle)
                if pids is None:
                    print(f"footprint: {shape} did not settle (see {log_path})")
                    failed = True
                    continue
                samples = [measure(pids)]
                for _ in range(int(args.idle // 5)):
                    time.sleep(5)
                    pids = {p for root in running.roots() for p in tree(root)}
                    samples.append(measure(pids | postgres_tree(var_dir)))
                samples.sort(key=lambda sample: sample[0])
                total, count, rows = samples[len(samples) // 2]
            finally:
                running.stop()
            if args.detail:
                print(f"  {shape}     pid  pss_mb  rss_mb  private_mb  command")
                for pid, kb, line in rows:
                    private = kb.get("Private_Clean", 0) + kb.get("Private_Dirty", 0)
                    print(
                        f"  {shape} {pid:>7} {kb['Pss'] / 1024:7.1f} {kb['Rss'] / 1024:7.1f} "
                        f"{private / 1024:11.1f}  {line[:100]}"
                    )
            print(f"BENCH footprint shape={shape} pss_mb={total:.0f} processes={count}")
            sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
