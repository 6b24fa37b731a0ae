"""The publishing engine: claiming due posts and publishing each exactly once.

The rules, in one place:

- A post is claimed by a conditional transition (scheduled → publishing) on rows locked
  with ``FOR UPDATE SKIP LOCKED``, so any number of workers share the queue and a post is
  held by at most one of them.
- Items go out in order (the root, then each reply after its delay), each pointing at the
  previous one. Before an item is sent, ``commit_started_at`` is written: if the outcome
  is then unclear (a timeout, a 502, a crash), the next attempt looks before it sends.
- What happens after an error depends only on its kind (see ``_after_error``):
  auth_expired refreshes once and retries once; rate_limited waits as long as the network
  asks; transient_before_send retries with backoff, three times; unknown_outcome is never
  sent blindly again: the network's idempotency or a lookup decides, or the post becomes
  unconfirmed and the person is told; everything else fails with the network's message.
- Whoever claims a post also takes a session-level PostgreSQL advisory lock keyed by the
  post's id, on the connection that made the claim. The lock dies with that connection, so
  "is the post's holder still alive?" is one look at ``pg_locks``: a post whose holder is
  gone (a worker killed mid-publish) is handed back at once, and the next attempt looks
  before it sends; a live holder's posts are never taken within the lease.
- The publisher loop (posts/runner.py) claims a batch (one statement, then its posts and
  items), writes ``commit_started_at`` right before the sends in one UPDATE, sends from
  its threads without touching the database, and records a batch of outcomes in one
  statement for the items and the posts (``claim_batch``, ``begin_sends``,
  ``send_prepared``, ``finish_batch``). Anything less
  simple than a one-item post (threads, a look-up first, a refused channel) takes the
  one-post path, ``publish_post``.
"""

from posts.engine.batches import (
    announce_published,
    begin_sends,
    finish_batch,
    mark_started,
    prepare_sends,
    send_prepared,
)
from posts.engine.claims import (
    claim_batch,
    claim_due,
    claim_next,
    release_orphans,
    release_stale,
    unlock,
)
from posts.engine.jobs import (
    BACKOFF,
    CLAIM_SPACE,
    LOOP_SECONDS,
    MAX_UNCLEAR,
    PENDING_HANDLE_KEY,
    Job,
    Outcome,
    lease,
)
from posts.engine.sending import _provider, _safe_to_resend, publish_post

__all__ = [
    "BACKOFF",
    "CLAIM_SPACE",
    "LOOP_SECONDS",
    "MAX_UNCLEAR",
    "PENDING_HANDLE_KEY",
    "Job",
    "Outcome",
    "_provider",
    "_safe_to_resend",
    "announce_published",
    "begin_sends",
    "claim_batch",
    "claim_due",
    "claim_next",
    "finish_batch",
    "lease",
    "mark_started",
    "prepare_sends",
    "publish_post",
    "release_orphans",
    "release_stale",
    "send_prepared",
    "unlock",
]
