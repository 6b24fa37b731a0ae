"""The publisher loop: how due posts get from the queue to the networks, on time.

``manage.py publisher`` (posts/publisher.py) keeps ``POSTIZ_PUBLISHERS`` loops running,
each in a process of its own, and starts one again at once when it dies. A loop runs for
just under a minute and then its process runs a fresh one (new connection, new state).
Loops are numbered within their publisher process (slot 0, 1, …): a name for operators,
shown as the loop's connection's application_name, not a lock, so every publisher process
on every host runs its own loops and they all share the queue. A loop claims what is due in
batches (``engine.claim_batch``, SKIP LOCKED, so several loops share the queue), writes
"commit started" for the batch, hands each post to a thread that only talks to the
network, and records the outcomes in batches from its own thread. It sleeps only until
the next post is due (at most a second, so a post scheduled "now" waits no longer).
Every few seconds it also hands back posts whose holder died (``engine.release_orphans``).
Network calls dominate the time a publish takes, so the threads set the throughput;
per-network and per-channel limits keep each network within what it allows and each
channel's posts in order. Told to stop, a loop claims nothing more and gives the sends in
flight a moment (POSTIZ_PUBLISHER_STOP_GRACE) to return.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from integrations.providers import provider_classes
from organizations import events as organization_events
from posts import engine

logger = logging.getLogger("postiz.publisher")

MAX_SLEEP = 1.0  # seconds: the longest a newly due post waits to be claimed
MIN_SLEEP = 0.01  # never spin
# A loop holds up to this many posts per thread: the next ones are claimed while the
# current ones are sent, so a thread that is done takes the next post at once instead of
# waiting for the loop to save outcomes and claim again. Claimed posts still waiting for a
# thread are not marked started (Starter), so if the worker dies they go out later
# without doubt.
PREFETCH = 2
# After the first send of a wait returns, gather others this long so the outcomes are
# saved (and the freed slots claimed) in one batch rather than one at a time.
GATHER = 0.02
# How often a loop looks for posts whose holder died (one read of pg_locks).
ORPHAN_CHECK = 5.0
# While every send slot is busy (a burst), events wait for publishing, at most this long.
ANNOUNCE_DELAY = 30.0
# Once a stop may come, waits for sends are cut into pieces this long so it is seen at once.
STOP_POLL = 0.2
# How often a loop tells /health it is alive (one upsert).
HEARTBEAT_EVERY = 10.0


class Limits:
    """Semaphores per network (the provider's max_concurrency) and per channel.

    For networks where each person names their own server (Mastodon, Lemmy, a self-hosted
    Bluesky PDS) the limit applies per server: they do not share one API."""

    def __init__(self):
        self._lock = threading.Lock()
        self._networks: dict[str, threading.Semaphore] = {}
        self._channels: dict[int, threading.Lock] = defaultdict(threading.Lock)
        self._classes = provider_classes()

    def for_post(self, provider: str, channel_id: int, meta: dict | None = None):
        cls = self._classes.get(provider)
        network = provider.split("-", 1)[0]
        size = cls.max_concurrency if cls else 1
        if cls is not None and cls.custom_instance:
            meta = meta or {}
            network += " " + str(meta.get("instance") or meta.get("pds") or "")
        with self._lock:
            if network not in self._networks:
                self._networks[network] = threading.Semaphore(max(size, 1))
            return self._networks[network], self._channels[channel_id]


class Starter:
    """Writes what must be saved during a send, in batches, on a thread (and database
    connection) of its own: "commit started" for the items whose commit request is about
    to go out (``PublishRequest.before_commit``: a publish thread waits here for one
    UPDATE shared with every other thread at the same point), with the progress saved
    then (a signed Nostr event, a Threads container), and the progress of the steps
    before it (``PublishRequest.save_progress``: an upload's session and offset). A post
    still waiting for its turn, or still uploading, is not marked, so if the worker dies
    then, the next attempt sends (or resumes) it without doubt instead of asking."""

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="publish-start", daemon=True)
        self._thread.start()

    def hooks(self, job: engine.Job):
        """The job's ``PublishRequest.checkpoint`` and ``on_commit``: each saves its
        progress through this thread when it changed since it was last saved (``on_commit``
        also marks the item started, once) and returns once it is committed."""
        saved = [dict(job.items[0].progress)]

        def save(progress: dict) -> None:
            if progress != saved[0]:
                self._wait(("save", job, dict(progress)))
                saved[0] = dict(progress)

        def commit(progress: dict) -> None:
            if job.items[0].commit_started_at is not None:
                save(progress)
                return
            self._wait(("start", job, dict(progress) if progress != saved[0] else None))
            saved[0] = dict(progress)

        return save, commit

    def _wait(self, entry) -> None:
        # A bare lock, released by the starter: the cheapest hand-off there is.
        ready = threading.Lock()
        ready.acquire()
        failure: list[BaseException] = []
        self._queue.put((*entry, ready, failure))
        ready.acquire()
        if failure:
            raise failure[0]

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                batch = [self._queue.get()]
                while True:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                waiting = [entry for entry in batch if entry is not None]
                try:
                    # Progress first: once an item is marked, what its commit needs is saved.
                    saves = [(job, p) for _, job, p, _, _ in waiting if p is not None]
                    engine.save_progress(saves)
                    engine.mark_started([job for kind, job, _, _, _ in waiting if kind == "start"])
                except Exception as error:  # the sends do not happen; the posts stay held
                    for *_, failure in waiting:
                        failure.append(error)
                for *_, ready, _ in waiting:
                    ready.release()
                if len(waiting) < len(batch):
                    return
        finally:
            connection.close()


class Announcer:
    """Tells the events of what the loop published (organizations.events: notifications
    and webhook deliveries, several queries each, more than publishing the post took) on
    a thread and connection of its own, behind publishing: while ``busy()`` (every send
    slot taken, a burst) it waits, up to ANNOUNCE_DELAY, so the burst goes out first and
    the bell follows. The events themselves were saved with the posts' new states, so a
    crash loses none: the sweep tells what a dead loop did not."""

    def __init__(self, busy: Callable[[], bool]):
        self._busy = busy
        self._since: float | None = None  # when events first waited to be told
        self._changed = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="publish-announce", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Events wait to be told."""
        with self._changed:
            if self._since is None:
                self._since = time.monotonic()
            self._changed.notify()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify()
        self._thread.join()

    def _run(self) -> None:
        try:
            while True:
                with self._changed:
                    while self._since is None and not self._closed:
                        self._changed.wait()
                    if self._since is None:
                        return
                    if (
                        not self._closed
                        and self._busy()
                        and time.monotonic() - self._since < ANNOUNCE_DELAY
                    ):
                        self._changed.wait(0.2)
                        continue
                    self._since = None
                try:
                    # What waited goes out together: a handful of queries per batch.
                    organization_events.dispatch_all()
                except Exception:  # events never stop publishing; the sweep tells them
                    logger.exception("telling the published posts' events failed")
        finally:
            connection.close()


def _name_loop(slot: int) -> None:
    """Name the loop's connection (the one holding its claims) after its slot and process,
    so operators (and bench/) see in pg_stat_activity which process runs which loop."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('application_name', %s, false)",
            [f"postiz publisher slot={slot} pid={os.getpid()}"],
        )


def run(
    *,
    seconds: float = 55.0,
    workers: int | None = None,
    slot: int | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Publish what falls due during the next ``seconds``; returns how many posts it
    handled. Any number of these may run at once, on any number of machines. A ``slot``
    (the loop's number in its publisher process) only names its connection.

    Once ``stop`` is set the loop claims nothing more, hands back the posts it claimed
    but has not started sending, gives the sends in flight up to
    POSTIZ_PUBLISHER_STOP_GRACE seconds to return (their outcomes are saved), and
    returns. A send still running then is not waited for: the caller ends the process, and
    the post, left "publishing", is handed back by the next loop, which looks before it
    sends again. While it runs, the loop tells /health it is alive (a heartbeat)."""
    from postiz.models import WorkerHeartbeat

    workers = workers or settings.POSTIZ_PUBLISH_CONCURRENCY
    stoppable = stop is not None
    stop = stop if stop is not None else threading.Event()
    if stop.is_set():
        return 0
    if slot is not None:
        _name_loop(slot)
    deadline = time.monotonic() + seconds
    limits = Limits()
    held: dict[Future, engine.Job] = {}
    returned: queue.SimpleQueue = queue.SimpleQueue()  # sends that returned, in order
    handled = 0
    engine.release_orphans()
    next_orphan_check = time.monotonic() + ORPHAN_CHECK
    next_beat = 0.0

    def beat() -> None:
        nonlocal next_beat
        if time.monotonic() >= next_beat:
            WorkerHeartbeat.beat("publisher")
            next_beat = time.monotonic() + HEARTBEAT_EVERY

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")
    starter = Starter()
    # More is due than this loop can take right now: a burst.
    backlog = False
    next_due = None
    # Events wait while every thread is sending and more posts wait for one.
    announcer = Announcer(busy=lambda: backlog or len(held) > workers)
    try:
        while time.monotonic() < deadline and not stop.is_set():
            free = workers * PREFETCH - len(held)
            if free > 0:
                jobs, next_due = engine.claim_next(limit=free)
                backlog = len(jobs) == free
                if jobs:
                    engine.prepare_sends(jobs)
                    for job in jobs:
                        integration = job.post.integration
                        limit = limits.for_post(
                            integration.provider, integration.pk, integration.meta
                        )
                        future = pool.submit(_publish, job, limit, starter)
                        held[future] = job
                        future.add_done_callback(returned.put)
                    handled += len(jobs)
            if time.monotonic() >= next_orphan_check:
                engine.release_orphans()
                next_orphan_check = time.monotonic() + ORPHAN_CHECK
            beat()
            # Sleep until a send returns, or (when nothing more is due) the next due post.
            timeout = max(deadline - time.monotonic(), 0.0)
            if not backlog:
                timeout = min(timeout, _until(next_due))
            if held:
                if stoppable:  # a stop is seen while sends take their time
                    timeout = min(timeout, STOP_POLL)
                done = _returned(returned, timeout)
                if done and len(done) < workers // 4:
                    time.sleep(GATHER)
                    done += _returned(returned, 0)
                _finish(held, done, announcer)
            elif timeout > 0:
                stop.wait(timeout)
        backlog = False
        grace_ends = None
        unsent: list[int] = []
        while held:
            wait = STOP_POLL if stoppable else HEARTBEAT_EVERY
            if stop.is_set():
                if grace_ends is None:
                    grace_ends = time.monotonic() + settings.POSTIZ_PUBLISHER_STOP_GRACE
                    for future in held:
                        future.cancel()  # only succeeds for a post no thread has taken
                wait = min(wait, grace_ends - time.monotonic())
                if wait <= 0:
                    break
            done = _returned(returned, wait)
            unsent += [held.pop(future).pk for future in done if future.cancelled()]
            _finish(held, [future for future in done if not future.cancelled()], announcer)
            beat()
        if unsent:
            # Claimed, never sent: back to the queue now, to go out without doubt.
            engine.unlock(unsent)
            engine.release_orphans()
        if held:
            logger.warning(
                "stopping with %d posts still being sent; they are handed back and looked "
                "up before any new attempt",
                len(held),
            )
    finally:
        # Sends that did not return in time (a stop, or an error) are not waited for: the
        # caller ends the process (a send still waiting for its channel's turn would wait
        # for the closed starter for ever).
        pool.shutdown(wait=not held, cancel_futures=bool(held))
        starter.close()
        announcer.close()
        connection.close()  # this loop's own connection (and its locks); the next opens its own
    return handled


def _returned(returned: queue.SimpleQueue, timeout: float | None) -> list[Future]:
    """The sends that returned: waits up to ``timeout`` (None: for ever) for the first."""
    try:
        done = [returned.get(timeout=timeout) if timeout != 0 else returned.get_nowait()]
    except queue.Empty:
        return []
    while True:
        try:
            done.append(returned.get_nowait())
        except queue.Empty:
            return done


def _finish(held: dict[Future, engine.Job], finished: list[Future], announcer: Announcer) -> None:
    """Save the outcomes of the sends that returned and let go of their posts."""
    batch, release = [], []
    for future in finished:
        job = held.pop(future)
        if future.exception() is not None:
            # The post stays "publishing", still held by this loop: it is handed back when
            # the loop ends, and the next attempt looks before it sends. Nothing else would
            # be safe.
            logger.error(
                "publishing post %s failed unexpectedly",
                job.pk,
                exc_info=future.exception(),
            )
            continue
        if job.request is not None:
            batch.append(job)
        release.append(job.pk)
    if batch:
        engine.finish_batch(batch, announce=announcer.poke)
    engine.unlock(release)


def _publish(job: engine.Job, limits, starter: Starter) -> None:
    family, channel = limits
    try:
        with family, channel:
            if job.request is not None:
                # Marked started by its provider's commit request, not before: a send that
                # dies while uploading is resumed, not looked up.
                job.request.checkpoint, job.request.on_commit = starter.hooks(job)
                engine.send_prepared(job)
            else:
                engine.publish_post(job.pk)
    finally:
        if connection.connection is not None:  # only the rare paths open one
            connection.close()


def _until(next_due) -> float:
    """Seconds to sleep for a post due at ``next_due`` (as the last claim saw it): until
    then, and at most MAX_SLEEP, so a post scheduled "now" meanwhile waits no longer."""
    wait_for = MAX_SLEEP
    if next_due is not None:
        wait_for = min(wait_for, (next_due - timezone.now()) / timedelta(seconds=1))
    return max(wait_for, MIN_SLEEP)
