"""`manage.py worker`: the publisher and the background jobs, forked from one loaded Django.

Run as two programs (`manage.py publisher`, `manage.py qcluster`), each would import
Django, the project, the networks and the jobs' code on its own: two copies of the same
60-odd MB. Here they are imported once, frozen (``gc.freeze``: the collector never touches,
and so never copies, them) and the two roles are forked from this process, each exactly
the command of its name, in a session of its own. Publishing keeps its own processes (the
publisher's loops claim due posts; the jobs never run there); only the loaded code is
shared. bench/footprint.py measures the Procfile shape, which runs this.

A role that dies is forked again (after 1 s, twice as long each time it dies again soon
after its start, up to 30 s). SIGTERM or SIGINT: each role's main process gets SIGTERM (the
publisher gives its sends in flight POSTIZ_PUBLISHER_STOP_GRACE seconds, django-q2's
cluster stops its own processes), and whatever is left after STOP_GRACE is killed, so a
stop takes at most about three seconds.

To scale publishing and jobs apart, run `manage.py publisher` and `manage.py qcluster` as
roles of their own instead (README: Scaling out).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time
from contextlib import suppress
from dataclasses import dataclass

from django.core.management.base import BaseCommand

logger = logging.getLogger("postiz.worker")

ROLES = ("publisher", "qcluster")
RESTART_FIRST = 1.0
RESTART_MAX = 30.0
STABLE = 10.0
STOP_GRACE = 2.6
TICK = 0.05


@dataclass
class Role:
    name: str
    pid: int = 0
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = 0.0


class Command(BaseCommand):
    help = (
        "Run the publisher and the background jobs (django-q2's cluster) as two roles "
        "forked from one loaded Django, until SIGTERM or Ctrl-C."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        from django.db import connections

        import posts.publisher
        import posts.runner  # noqa: F401
        from postiz.forkserver import preload_jobs

        preload_jobs()
        connections.close_all()  # each role opens its own
        gc.freeze()
        return serve([Role(name) for name in ROLES])


def serve(roles: list[Role]) -> None:
    told: list[int] = []
    previous = {
        sig: signal.signal(sig, lambda signum, frame: told.append(signum))
        for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not told:
            now = time.monotonic()
            for role in roles:
                if role.pid == 0 and role.restart_at is not None and now >= role.restart_at:
                    _start(role)
            _reap(roles)
            time.sleep(TICK)
        _stop(roles)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(role: Role) -> None:
    from postiz.forkserver import run_role

    for stream in (sys.stdout, sys.stderr):
        with suppress(ValueError, OSError):
            stream.flush()  # or the child would write the parent's buffered lines again
    pid = os.fork()
    if pid == 0:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)  # the role installs its own
        os.setsid()  # its own group: a terminal's Ctrl-C reaches this process only
        run_role([role.name])  # never returns
    role.pid, role.started, role.restart_at = pid, time.monotonic(), None


def _reap(roles: list[Role]) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        role = next((role for role in roles if role.pid == pid), None)
        if role is None:
            continue
        now = time.monotonic()
        role.failures = role.failures + 1 if now - role.started < STABLE else 0
        delay = min(RESTART_FIRST * 2 ** max(role.failures - 1, 0), RESTART_MAX)
        role.pid, role.restart_at = 0, now + delay
        logger.warning(
            "worker: %s (pid %d) exited (rc=%d); starting it again in %.0f s",
            role.name,
            pid,
            os.waitstatus_to_exitcode(status),
            delay,
        )


def _stop(roles: list[Role]) -> None:
    """SIGTERM to each role's main process (never its group: django-q2's processes must be
    stopped by their cluster), then kill each group still there after STOP_GRACE."""
    running = [role for role in roles if role.pid]
    for role in running:
        with suppress(ProcessLookupError):
            os.kill(role.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    while running and time.monotonic() < deadline:
        for role in list(running):
            with suppress(ChildProcessError):
                if os.waitpid(role.pid, os.WNOHANG)[0] == 0:
                    continue
            running.remove(role)
            logger.info("worker: %s stopped", role.name)
        time.sleep(TICK)
    for role in running:
        logger.warning("worker: %s killed at stop", role.name)
        with suppress(ProcessLookupError):
            os.killpg(role.pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(role.pid, 0)
