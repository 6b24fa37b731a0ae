"""How long `make run` takes to serve its first page, and whether Ctrl-C leaves nothing behind.

    .venv/bin/python bench/startup.py [--var-dir DIR] [--timeout SECONDS]

A warm-up run comes first (it creates the database, migrates, collects static files), then
the measured run: a restart, as a person sees it every day. Prints one line; prints a second
line and exits non-zero only if a process or the embedded PostgreSQL server outlives Ctrl-C.

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
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def run_once(env: dict, port: int, timeout: float, log) -> dict:
    """Start `make run`, wait for /health to answer, Ctrl-C it; report times and leftovers."""
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
    finally:
        stopping = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        with contextlib.suppress(subprocess.TimeoutExpired):
            make.wait(timeout=60)
        stopped = time.monotonic() - stopping
    time.sleep(0.2)
    return {
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench-startup"))
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args()

    var_dir = Path(args.var_dir).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PORT"}}
    env["POSTIZ_VAR_DIR"] = str(var_dir)
    log_path = var_dir / "startup.log"

    with open(log_path, "w") as log:
        results = [run_once(env, free_port(), args.timeout, log) for _ in ("warm-up", "measured")]
    result = results[-1]

    if result["serving"] is None:
        print(f"startup: web never answered within {args.timeout:.0f} s (see {log_path})")
        return 1
    print(
        f"startup: web serving {result['serving']:.1f} s after make run (second run); "
        f"Ctrl-C stopped everything in {result['stopped']:.1f} s"
    )

    stray = []
    for outcome in results:
        stray += [f"{pid} {cmdline(pid)}" for pid in outcome["leftovers"]]
        if outcome["group_alive"]:
            stray.append("processes left in the make run process group")
    stray += [f"{pid} PostgreSQL" for pid in postgres_servers(var_dir / "postgres")]
    if stray:
        print(f"startup: left running after Ctrl-C: {'; '.join(stray)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
