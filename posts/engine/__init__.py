"""The publishing engine: claiming due posts and publishing each exactly once.

The rules, in one place:

- Every item has a permanent key (``PostItem.key``, written with the item). Every
  idempotency key a network sees (a Bluesky record key, Mastodon's Idempotency-Key, a
  Discord nonce) is derived from it and nothing else: no time, no attempt, no hand-back.
- A post is claimed by a conditional transition (scheduled → publishing) on rows locked
  with ``FOR UPDATE SKIP LOCKED``, so any number of workers share the queue and a post is
  held by at most one of them. It is due at its retry time if the engine set one, else at
  the time the person asked for, which the engine never moves.
- Items go out in order (the root, then each reply after its delay), each pointing at the
  previous one. Right before the first request that can create the post (every
  COMMIT-phase request calls ``PublishRequest.before_commit``), the item's progress (a
  signed Nostr event, a Threads container, uploaded media) is saved and
  ``commit_started_at`` written and committed. Steps before it (an upload session, its
  chunks, a container) only save their progress (``save_progress``), so a worker that dies
  there is followed by an attempt that resumes them. While ``commit_started_at`` is set
  the item may be on the network: the next attempt looks before it sends, and resends
  only where the network de-duplicates the same key.
- A post the network took but is still making (``PublishResult`` "pending") is checked
  (``check_status``) at the provider's pace, or the network's suggestion, within the
  provider's window (``pending_window``). The network's verdict settles it (a refusal
  fails it with its words); a check that cannot tell is asked again (a stale token
  renewed once); past the window, or when checking is impossible, it is unconfirmed.
- What happens after an error depends only on its kind (see ``_after_error``):
  auth_expired refreshes once and retries once; rate_limited waits as long as the network
  asks; transient_before_send retries with backoff, three times; unknown_outcome is never
  sent blindly again: the network's idempotency or a lookup decides, or the post becomes
  unconfirmed and the person is told; everything else fails with the network's message.
- Whoever claims a post also takes a session-level PostgreSQL advisory lock keyed by the
  post's id, on the connection that made the claim. The lock dies with that connection, so
  "is the post's holder still alive?" is one look at ``pg_locks``: a post whose holder is
  gone (a worker killed mid-publish) is handed back at once, and the next attempt looks
  before it sends; a live holder's posts are never taken.
- A state change and its event ("published", "failed"…) are saved in one transaction
  (organizations.events, the outbox), and told afterwards exactly once.
- The publisher loop (posts/runner.py) claims a batch (one statement, then its posts and
  items), sends from its threads, which touch the database only through its starter
  thread (``commit_started_at`` right before each commit request, progress saves), and
  records a batch of outcomes in one statement for the items, the posts and their events
  (``claim_batch``, ``prepare_sends``, ``send_prepared``, ``finish_batch``). Anything
  less simple than a one-item post (threads, a look-up first, a refused channel) takes
  the one-post path, ``publish_post``.
"""

from posts.engine.batches import (
    begin_sends,
    finish_batch,
    mark_started,
    prepare_sends,
    save_progress,
    send_prepared,
)
from posts.engine.claims import (
    claim_batch,
    claim_due,
    claim_next,
    release_orphans,
    unlock,
)
from posts.engine.jobs import (
    BACKOFF,
    CLAIM_SPACE,
    LOOP_SECONDS,
    MAX_UNCLEAR,
    PENDING_HANDLE_KEY,
    PENDING_SINCE_KEY,
    Job,
    Outcome,
)
from posts.engine.sending import (
    _provider,
    _safe_to_resend,
    progress_saver,
    publish_post,
    request_for,
)

__all__ = [
    "BACKOFF",
    "CLAIM_SPACE",
    "LOOP_SECONDS",
    "MAX_UNCLEAR",
    "PENDING_HANDLE_KEY",
    "PENDING_SINCE_KEY",
    "Job",
    "Outcome",
    "_provider",
    "_safe_to_resend",
    "begin_sends",
    "claim_batch",
    "claim_due",
    "claim_next",
    "finish_batch",
    "mark_started",
    "prepare_sends",
    "progress_saver",
    "publish_post",
    "release_orphans",
    "request_for",
    "save_progress",
    "send_prepared",
    "unlock",
]
