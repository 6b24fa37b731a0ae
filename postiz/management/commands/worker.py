"""`manage.py worker`: the publisher and the background jobs, forked from one loaded Django.

Run as two programs (`manage.py publisher`, `manage.py qcluster`), each would import
Django, the project, the networks and the jobs' code on its own: two copies of the same
60-odd MB. Here they are imported once and frozen (``gc.freeze``: the collector never
touches, and so never copies, them); then this process forks the publisher (exactly
`manage.py publisher`, in a session of its own: its loops claim due posts, the jobs never
run there) and starts django-q2's cluster itself, as `manage.py qcluster`'s process would
(the cluster's sentinel forks its pusher, job workers and monitor). Only the loaded code
is shared. bench/footprint.py measures the Procfile shape, which runs this.

A publisher that dies is forked again (after 1 s, twice as long each time it dies again
soon after its start, up to 30 s). A cluster whose sentinel died stops the whole worker
with exit code 1, as `manage.py qcluster` ends then: the process manager starts it again
(Compose's restart policy, a platform's), with nothing of the old one left. SIGTERM or
SIGINT: the
publisher gets SIGTERM (its sends in flight get POSTIZ_PUBLISHER_STOP_GRACE seconds) and
the cluster is told to stop (its processes finish their jobs); whatever is left after
STOP_GRACE is killed, so a stop takes at most about three seconds.

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

RESTART_FIRST = 1.0
RESTART_MAX = 30.0
STABLE = 10.0
STOP_GRACE = 2.6
TICK = 0.05


@dataclass
class Restarts:
    """When a part that died may start again."""

    started: float = 0.0
    failures: int = 0
    at: float | None = 0.0  # None: running

    def died(self, what: str, code: int | None) -> None:
        now = time.monotonic()
        self.failures = self.failures + 1 if now - self.started < STABLE else 0
        delay = min(RESTART_FIRST * 2 ** max(self.failures - 1, 0), RESTART_MAX)
        self.at = now + delay
        logger.warning(
            "worker: the %s exited (rc=%s); starting it again in %.0f s", what, code, delay
        )

    def due(self) -> bool:
        return self.at is not None and time.monotonic() >= self.at

    def running(self) -> None:
        self.started, self.at = time.monotonic(), None


class Command(BaseCommand):
    help = (
        "Run the publisher and the background jobs (django-q2's cluster) from one loaded "
        "Django, until SIGTERM or Ctrl-C."
    )
    requires_system_checks = []

    def handle(self, *args, **options):
        from django.db import connections

        import posts.publisher
        import posts.runner  # noqa: F401
        from postiz.forkserver import preload_jobs

        preload_jobs()
        connections.close_all()  # each part opens its own
        gc.freeze()
        Worker().serve()


class Worker:
    def __init__(self):
        self.told: list[int] = []
        self.publisher_pid = 0
        self.publisher = Restarts()
        self.cluster = None
        self.failed = False

    def _listen(self) -> None:
        # django-q2's Cluster installs handlers that stop it from inside the handler; ours
        # only note the signal, and the loop below stops everything in order.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, frame: self.told.append(signum))

    def serve(self) -> None:
        from postiz.supervisor import become_subreaper

        # A sentinel that dies leaves its pusher, job worker and monitor behind: adopted by
        # this process, they are stopped with the rest instead of running on unowned.
        become_subreaper()
        self._listen()
        try:
            self._start_cluster()
            while not self.told and not self.failed:
                self._watch()
                time.sleep(TICK)
        finally:
            self._stop()
        if self.failed:
            raise SystemExit(1)

    def _watch(self) -> None:
        from postiz.supervisor import reap_orphans

        # A killed publisher's loop, adopted: collected here (our own children, the
        # publisher and the cluster's sentinel, are left to whoever waits for them).
        sentinel = self.cluster.sentinel.pid if self.cluster is not None else 0
        reap_orphans({self.publisher_pid, sentinel} - {0})
        if self.publisher_pid:
            with suppress(ChildProcessError):
                pid, status = os.waitpid(self.publisher_pid, os.WNOHANG)
                if pid:
                    self.publisher_pid = 0
                    self.publisher.died("publisher", os.waitstatus_to_exitcode(status))
        if not self.publisher_pid and self.publisher.due():
            self._start_publisher()
        if self.cluster is not None and not self.cluster.sentinel.is_alive():
            logger.error(
                "worker: the job cluster's sentinel exited (rc=%s); stopping",
                self.cluster.sentinel.exitcode,
            )
            self.failed = True

    def _start_publisher(self) -> None:
        from postiz.forkserver import run_role

        for stream in (sys.stdout, sys.stderr):
            with suppress(ValueError, OSError):
                stream.flush()  # or the child would write the parent's buffered lines again
        pid = os.fork()
        if pid == 0:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)  # the publisher installs its own
            os.setsid()  # its own group: a terminal's Ctrl-C reaches this process only
            run_role(["publisher"])  # never returns
        self.publisher_pid = pid
        self.publisher.running()

    def _start_cluster(self) -> None:
        from django.db import connections
        from django_q.cluster import Cluster

        connections.close_all()  # the sentinel's processes open their own
        self.cluster = Cluster()
        self._listen()  # Cluster() replaced our handlers
        try:
            self.cluster.start()
        except RuntimeError as error:  # its sentinel died while starting
            logger.error("worker: %s", error)
            self.failed = True

    def _stop(self) -> None:
        """SIGTERM to the publisher (never its group: it stops its own loops) and the
        cluster told to stop, both at once; what is left after STOP_GRACE is killed."""
        deadline = time.monotonic() + STOP_GRACE
        if self.publisher_pid:
            with suppress(ProcessLookupError):
                os.kill(self.publisher_pid, signal.SIGTERM)
        sentinel = self.cluster.sentinel if self.cluster is not None else None
        if sentinel is not None and sentinel.is_alive():
            self.cluster.stop_event.set()
            sentinel.join(max(deadline - time.monotonic(), 0))
            if sentinel.is_alive():
                logger.warning("worker: the job cluster killed at stop")
                for pid in (*_descendants(sentinel.pid), sentinel.pid):
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                sentinel.join()
        while self.publisher_pid and time.monotonic() < deadline:
            with suppress(ChildProcessError):
                if os.waitpid(self.publisher_pid, os.WNOHANG)[0] == 0:
                    time.sleep(TICK)
                    continue
            self.publisher_pid = 0
        if self.publisher_pid:
            logger.warning("worker: the publisher killed at stop")
            with suppress(ProcessLookupError):
                os.killpg(self.publisher_pid, signal.SIGKILL)
            with suppress(ChildProcessError):
                os.waitpid(self.publisher_pid, 0)
        for pid in _descendants(os.getpid()):  # a dead sentinel's processes, adopted
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        logger.info("worker: stopped")


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (Linux's /proc; none where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = [int(word) for word in handle.read().split()]
    except OSError:
        return []
    found = []
    for child in children:
        found += [*_descendants(child), child]
    return found
