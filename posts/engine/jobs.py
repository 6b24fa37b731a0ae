"""What the engine's parts share: its timings and limits, a claimed post (``Job``) and
the outcome of publishing one (``Outcome``)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from integrations.providers.base import (
    ProviderError,
    PublishRequest,
    PublishResult,
)
from posts.models import Post, PostItem

logger = logging.getLogger("postiz.engine")

# One provider (with its HTTP session and kept-alive connections) per thread and network.
_providers = threading.local()

# Seconds to wait after the 1st, 2nd… transient failure; past the last one the post fails.
BACKOFF = (30, 120, 480)
# Rate limits longer than this (a daily quota) fail the post with the network's message.
MAX_RATE_LIMIT_WAIT = 24 * 3600
# A lookup by content waits for the network's lists to catch up before it looks.
LOOKUP_SETTLE = 45
# After an unclear outcome on a network that de-duplicates, look again this soon.
RECONCILE_SOON = 10
# Unclear outcomes (a 502 after the send, a timeout) of one item at which the post is left
# unconfirmed for the person to check, like the three retries of a transient failure.
MAX_UNCLEAR = len(BACKOFF) + 1
UNCLEAR_KEY = "engine_unclear_outcomes"
# Set on an item once an attempt may have reached the network (a crash mid-send, an
# unclear answer): from then on every attempt looks first, whatever later attempts hear.
POSSIBLY_SENT_KEY = "engine_possibly_sent"
TRANSIENT_KEY = "engine_transient_failures"
# Failures of the shortener before a post was sent, counted on its root item.
SHORTENING_KEY = "engine_shortening_failures"
# A publish the network accepted but is still making (PublishResult.state "pending") is
# checked (provider.check_status) as its provider says (``pending_interval``, growing by
# ``pending_growth``, or the network's own ``check_after``) until ``pending_window`` has
# passed since it was first pending: the checks made, the handle, and when it began.
PENDING = "pending"
# A check's answer for a pending post that was prepared but not yet published (a media
# container the network was still processing): the handle is dropped and the item is
# sent at once, through ``provider.send``, so its commit is marked like any other.
READY = "ready"
PENDING_KEY = "engine_pending_checks"
PENDING_HANDLE_KEY = "engine_pending_handle"
PENDING_SINCE_KEY = "engine_pending_since"
# Set while a post is pending before its commit (``PublishResult.committed`` False).
PENDING_UNSENT_KEY = "engine_pending_unsent"
# A network's suggested wait is taken within these bounds (seconds).
MIN_PENDING_CHECK = 5
# A publisher loop runs this long before it stops claiming (posts/runner.py).
LOOP_SECONDS = 55


# The high 32 bits of a claim's advisory-lock key (ASCII "post"); the low 32 bits are the
# post's id. pg_locks shows such a lock as classid = CLAIM_SPACE, objid = id, objsubid = 1.
CLAIM_SPACE = 0x706F7374


@dataclass
class Outcome:
    state: str
    message: str = ""
    # An event was recorded with this outcome and waits to be told.
    announce: bool = False


@dataclass
class Job:
    """A claimed post with what publishing it needs, loaded in the claim's few queries."""

    post: Post
    items: list[PostItem]
    # Set by begin_sends when the post can go out on the batch path (one item, nothing
    # sent before); otherwise the thread takes the one-post path.
    request: PublishRequest | None = None
    result: PublishResult | None = None
    error: ProviderError | None = None
    sent_at: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def pk(self) -> int:
        return self.post.pk
