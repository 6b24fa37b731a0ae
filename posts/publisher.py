"""The publisher process (`manage.py publisher`): publisher loops, kept running.

One parent forks ``POSTIZ_PUBLISHERS`` children (slots 0, 1, …: names, not locks, so every
publisher process on every host runs its own loops, and they add up), after Django is set
up and its database connections are closed, so the children share the imported code (copy on
write) and each opens connections of its own. A child runs ``runner.run`` again and again
(each run lasts just under a minute, so connections and state are renewed) until it is told
to stop or its parent is gone. The parent starts a child that died again within a moment
(longer, up to RESTART_MAX, while it keeps dying soon after its start: the database is
down). The posts a dead child held are handed back by the next run, which looks before
it sends again (``engine.release_orphans``).

SIGTERM or SIGINT to the parent: each child claims nothing more, gives its sends in flight
POSTIZ_PUBLISHER_STOP_GRACE seconds to return, and exits; the parent kills what is left
shortly after that and exits. The parent touches the database only before the children
start (``preflight``): the loops hold their claims with session-level advisory locks, so
the publisher connects through POSTIZ_PUBLISHER_DATABASE_URL when it is set, and refuses
to run where its connections go through a pooler in transaction mode.
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
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
# A run that ended this soon (it was told to stop, or failed) is followed by a pause, not
# by a busy loop.
SHORT_RUN = 1.0
# After the stop grace, a child gets this long to save what returned and exit before the
# parent kills it (a kill is safe: its posts are handed back and looked up).
EXIT_MARGIN = 0.5

# A publisher that finds its database connection going through a pooler in transaction
# mode refuses to run, and says so under this heartbeat name (/health shows it).
PUBLISHER_POOLED = "publisher:transaction-pooler"
POOLED_ERROR = (
    "the publisher's database connection goes through a pooler in transaction mode, "
    "which cannot keep the session locks that hold its posts: set "
    "POSTIZ_PUBLISHER_DATABASE_URL to reach PostgreSQL directly (or through a pooler in "
    "session mode)"
)

# What a child runs: body(slot, stop) publishes until ``stop`` is set.
Body = Callable[[int, threading.Event], None]


@dataclass
class Loop:
    slot: int
    pid: int = 0
    started: float = 0.0
    failures: int = 0  # deaths in a row, each soon after its start
    restart_at: float | None = None


def use_publisher_database() -> None:
    """Point this process's connections at POSTIZ_PUBLISHER_DATABASE_URL when it is set
    (the web and the worker keep DATABASE_URL, which may go through a pooler in
    transaction mode); call it before any connection is opened."""
    from django.conf import settings
    from django.db import connections

    own = settings.POSTIZ_PUBLISHER_DATABASE
    if not own:
        return
    connections.close_all()
    # The very dict every connection of this process reads, old and new (Django keeps one).
    target = connections.settings["default"]
    for name in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        target[name] = own.get(name) or ""
    target["OPTIONS"] = dict(own.get("OPTIONS") or {})
    target["DISABLE_SERVER_SIDE_CURSORS"] = False


def pooled_in_transactions(*, using=None, attempts: int = 3) -> bool:
    """Whether this process's connections (or those of the connection ``using``) go
    through a pooler in transaction (or statement) mode: a session setting made on one
    connection is then seen by another, which the pooler gave the same server connection.
    Never true for a direct connection or a pooler in session mode; a busy pooler may hide
    it (so it is tried ``attempts`` times). Opens two connections of its own, closed before
    it returns."""
    from django.db import connection

    connection = using or connection
    params = connection.get_connection_params()
    first = connection.get_new_connection(params)
    try:
        second = connection.get_new_connection(params)
        try:
            for conn in (first, second):
                conn.autocommit = True  # a transaction would pin a server connection
            for _ in range(attempts):
                token = secrets.token_hex(8)
                with first.cursor() as cursor:
                    cursor.execute("SELECT set_config('postiz.session_probe', %s, false)", [token])
                with second.cursor() as cursor:
                    cursor.execute("SELECT current_setting('postiz.session_probe', true)")
                    if cursor.fetchone()[0] == token:
                        cursor.execute("SELECT set_config('postiz.session_probe', '', false)")
                        return True
            return False
        finally:
            second.close()
    finally:
        first.close()


def preflight() -> bool:
    """``manage.py publisher`` calls this before ``serve``: switches to the publisher's own
    database setting, refuses a pooler in transaction mode (in the log, and on /health for
    a minute), and says in the log when the keys cannot read the stored credentials.
    Returns False when the publisher must not run."""
    from django.db import DatabaseError, connections

    from integrations.vault import credentials_log
    from postiz.models import WorkerHeartbeat

    use_publisher_database()
    try:
        if pooled_in_transactions():
            logger.error("publisher: not starting: %s.", POOLED_ERROR)
            WorkerHeartbeat.beat(PUBLISHER_POOLED)
            return False
    except DatabaseError as error:  # the loops wait for the database and try again
        logger.warning("publisher: could not check its database connection yet: %s", error)
    else:
        credentials_log("publisher")
    finally:
        connections.close_all()
    return True


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
