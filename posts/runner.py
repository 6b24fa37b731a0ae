"""The publisher loop: how due posts get from the queue to the networks, on time.

django-q2's scheduler ticks every 30 seconds, far too coarse to time posts, so a periodic
job starts this loop every minute and the loop runs for just under a minute: it claims
what is due (``engine.claim_due``, SKIP LOCKED, so several loops share the queue), hands
each post to a thread pool, and sleeps only until the next post is due (at most a second,
so a post scheduled "now" waits no longer). Network calls dominate the time a publish
takes, so the pool's size sets the throughput; per-network and per-channel limits keep
each network within what it allows and each channel's posts in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from integrations.providers import provider_classes
from posts import engine
from posts.models import Post
from posts.states import State

logger = logging.getLogger("postiz.publisher")

MAX_SLEEP = 1.0  # seconds: the longest a newly due post waits to be claimed
MIN_SLEEP = 0.05  # due rows locked by another loop: wait a moment rather than spin


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


def run(*, seconds: float = 55.0, workers: int | None = None) -> int:
    """Publish what falls due during the next ``seconds``; returns how many posts it
    handled. Any number of these may run at once, on any number of machines."""
    workers = workers or settings.POSTIZ_PUBLISH_CONCURRENCY
    deadline = time.monotonic() + seconds
    limits = Limits()
    in_flight = threading.Semaphore(workers)
    handled = 0
    engine.release_stale()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish") as pool:
        while time.monotonic() < deadline:
            # Wait for a free slot (never spin), then take every other free one too.
            if not in_flight.acquire(timeout=max(deadline - time.monotonic(), 0)):
                break
            slots = 1
            while slots < workers and in_flight.acquire(blocking=False):
                slots += 1
            claimed = engine.claim_due(limit=slots)
            for _ in range(slots - len(claimed)):
                in_flight.release()
            if not claimed:
                _sleep_until_next_due(deadline)
                continue
            rows = Post.objects.filter(pk__in=claimed).values_list(
                "pk", "integration__provider", "integration_id", "integration__meta"
            )
            for pk, provider, channel_id, meta in rows:
                limit = limits.for_post(provider, channel_id, meta)
                pool.submit(_publish, pk, limit, in_flight)
            handled += len(claimed)
    connection.close()  # this loop's own connection; the next loop opens its own
    return handled


def _free_slots(in_flight: threading.Semaphore, workers: int) -> int:
    # Claim no more than the pool can start now: claimed posts are held by this loop.
    return min(workers, max(in_flight._value, 0))


def _publish(post_id: int, limits, in_flight: threading.Semaphore) -> None:
    family, channel = limits
    try:
        with family, channel:
            engine.publish_post(post_id)
    except Exception:
        # The post stays "publishing"; the lease hands it back, and the next attempt looks
        # before it sends. Nothing else would be safe.
        logger.exception("publishing post %s failed unexpectedly", post_id)
    finally:
        in_flight.release()
        connection.close()


def _sleep_until_next_due(deadline: float) -> None:
    next_due = Post.objects.filter(state=State.SCHEDULED).aggregate(at=Min("publish_at"))["at"]
    wait = MAX_SLEEP
    if next_due is not None:
        wait = min(wait, max((next_due - timezone.now()) / timedelta(seconds=1), 0.0))
    time.sleep(max(min(max(wait, MIN_SLEEP), deadline - time.monotonic()), 0.0))
