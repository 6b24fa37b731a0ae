"""The publisher process (`manage.py publisher`): publisher loops, kept running.

One parent forks ``POSTIZ_PUBLISHERS`` children, one per slot, after Django is set up and
its database connections are closed, so the children share the imported code (copy on
write) and each opens connections of its own. A child runs ``runner.run`` again and again
(each run lasts just under a minute, so connections and state are renewed) until it is told
to stop or its parent is gone. The parent starts a child that died again within a moment
(longer, up to RESTART_MAX, while it keeps dying soon after its start: the database is
down). The posts a dead child held are handed back by the next run, which looks before
it sends again (``engine.release_orphans``).

SIGTERM or SIGINT to the parent: each child claims nothing more, gives its sends in flight
POSTIZ_PUBLISHER_STOP_GRACE seconds to return, and exits; the parent kills what is left
shortly after that and exits. The parent itself never touches the database.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

logger = logging.getLogger("postiz.publisher")

# A child that died is started again after RESTART_FIRST seconds, twice as long each time
# it dies again within STABLE seconds of its start, up to RESTART_MAX.
RESTART_FIRST = 0.2
RESTART_MAX = 5.0
STABLE = 10.0
# How often the parent looks at its children, and a child at its parent.
TICK = 0.05
# A run that ended this soon (its slot is held by another publisher process, or it had
# nothing to do and was told so) is followed by a pause, not by a busy loop.
SHORT_RUN = 1.0
# After the stop grace, a child gets this long to save what returned and exit before the
# parent kills it (a kill is safe: its posts are handed back and looked up).
EXIT_MARGIN = 0.5

# What a child runs: body(slot, stop) publishes until ``stop`` is set.
Body = Callable[[int, threading.Event], None]


@dataclass
class Loop:
    slot: int
    pid: int = 0
    started: float = 0.0
    failures: int = 0  # deaths in a row, each soon after its start
    restart_at: float | None = None


def publish_forever(slot: int, stop: threading.Event, seconds: float | None = None) -> None:
    """A child's work: publisher loops for ``slot``, one after another, until ``stop``."""
    from posts import engine, runner

    seconds = seconds or engine.LOOP_SECONDS
    while not stop.is_set():
        began = time.monotonic()
        runner.run(seconds=seconds, slot=slot, stop=stop)
        if time.monotonic() - began < SHORT_RUN:
            stop.wait(SHORT_RUN)


def serve(*, loops: int, grace: float, body: Body = publish_forever) -> int:
    """Run ``loops`` children until SIGTERM or SIGINT; returns the exit code (0).

    Call it from the main thread of a process that has no other thread (it forks)."""
    from django.db import connections

    connections.close_all()  # the children open their own
    # Everything imported so far stays as it is: the children share its pages (the
    # collector would otherwise touch, and so copy, them), and the parent exits fast.
    gc.freeze()
    requests: list[int] = []

    def on_signal(signum, frame):
        requests.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    children = [Loop(slot) for slot in range(loops)]
    try:
        for loop in children:
            _start(loop, body, grace)
        logger.info(
            "publisher: %d loops started (%s)",
            loops,
            ", ".join(f"slot {loop.slot} pid={loop.pid}" for loop in children),
        )
        while not requests:
            _reap(children)
            now = time.monotonic()
            for loop in children:
                if loop.pid == 0 and loop.restart_at is not None and now >= loop.restart_at:
                    _start(loop, body, grace)
                    logger.info("publisher loop slot=%d restarted (pid=%d)", loop.slot, loop.pid)
            time.sleep(TICK)
        _stop(children, grace)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _start(loop: Loop, body: Body, grace: float) -> None:
    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        with suppress(ValueError, OSError):
            stream.flush()  # or the child would write the parent's buffered lines again
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _child(loop.slot, parent, body, grace)
        finally:
            os._exit(code)  # never the parent's atexit handlers (the embedded server)
    loop.pid, loop.started, loop.restart_at = pid, time.monotonic(), None


def _reap(children: list[Loop]) -> None:
    """Notice the children that exited and plan their restarts."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        loop = next((loop for loop in children if loop.pid == pid), None)
        if loop is None:
            continue
        code = os.waitstatus_to_exitcode(status)
        now = time.monotonic()
        loop.failures = loop.failures + 1 if now - loop.started < STABLE else 0
        delay = min(RESTART_FIRST * 2 ** max(loop.failures - 1, 0), RESTART_MAX)
        loop.pid, loop.restart_at = 0, now + delay
        logger.warning(
            "publisher loop slot=%d (pid=%d) exited (rc=%d); restarting in %.1f s",
            loop.slot,
            pid,
            code,
            delay,
        )


def _stop(children: list[Loop], grace: float) -> None:
    """SIGTERM every child, wait for them (the grace and a margin), kill what is left."""
    running = [loop for loop in children if loop.pid]
    for loop in running:
        with suppress(ProcessLookupError):
            os.kill(loop.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace + EXIT_MARGIN
    while running and time.monotonic() < deadline:
        _reap_quietly(running)
        time.sleep(TICK / 2)
    for loop in running:
        logger.warning("publisher loop slot=%d (pid=%d) killed at stop", loop.slot, loop.pid)
        with suppress(ProcessLookupError):
            os.kill(loop.pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(loop.pid, 0)
    logger.info("publisher: stopped")


def _reap_quietly(running: list[Loop]) -> None:
    for loop in list(running):
        with suppress(ChildProcessError):
            pid, _ = os.waitpid(loop.pid, os.WNOHANG)
            if pid == 0:
                continue
        running.remove(loop)


def _child(slot: int, parent: int, body: Body, grace: float) -> int:
    """A forked child: runs ``body`` on a thread until told to stop (a signal, or its
    parent is gone), then gives it ``grace`` and a margin to end. Returns the exit code:
    1 when the body failed (a database error), so the parent restarts it after a pause."""
    told: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        # The handler only notes the signal: it runs between two bytecodes of this thread,
        # which may hold the very locks that setting an Event takes.
        signal.signal(sig, lambda signum, frame: told.append(signum))
    stop = threading.Event()
    failed: list[BaseException] = []

    def work() -> None:
        try:
            body(slot, stop)
        except Exception as error:
            failed.append(error)
            stop.set()

    worker = threading.Thread(target=work, name=f"publisher-{slot}")
    worker.start()
    while worker.is_alive() and not told and os.getppid() == parent:
        worker.join(TICK * 2)
    stop.set()
    worker.join(grace + EXIT_MARGIN / 2)
    if failed:
        error = failed[0]
        if _is_database_error(error):
            logger.error("publisher loop slot=%d: the database failed: %s", slot, error)
        else:
            logger.error("publisher loop slot=%d failed", slot, exc_info=error)
        return 1
    return 0


def _is_database_error(error: BaseException) -> bool:
    from django.db import InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError)
