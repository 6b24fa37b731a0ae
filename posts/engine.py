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

from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations.models import Integration
from integrations.providers import get_provider
from integrations.providers.base import (
    ErrorKind,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
)
from integrations.services import integration_refresh, integration_set_status
from posts import events
from posts.attachments import media_for_items
from posts.models import Post, PostItem, PostItemMedia
from posts.states import ALLOWED_FROM, State, transition

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
TRANSIENT_KEY = "engine_transient_failures"
# A publish the network accepted but is still making (PublishResult.state "pending") is
# checked (provider.check_status) this often, this many times.
PENDING = "pending"
PENDING_CHECK = 30
MAX_PENDING_CHECKS = 20
PENDING_KEY = "engine_pending_checks"
PENDING_HANDLE_KEY = "engine_pending_handle"
# A publisher loop runs this long before it stops claiming (posts/runner.py).
LOOP_SECONDS = 55


def lease() -> timedelta:
    """How long a worker may hold a post before it is taken back.

    It must outlast the longest a publish can live, or a slow upload would be handed to a
    second worker while the first still runs: the task timeout that django-q2 enforces
    on a publisher loop, plus the loop's own run, plus a margin (and never under ten
    minutes)."""
    longest = settings.Q_CLUSTER["timeout"] + LOOP_SECONDS
    return max(timedelta(minutes=10), timedelta(seconds=longest + 120))


# The high 32 bits of a claim's advisory-lock key (ASCII "post"); the low 32 bits are the
# post's id. pg_locks shows such a lock as classid = CLAIM_SPACE, objid = id, objsubid = 1.
CLAIM_SPACE = 0x706F7374


@dataclass
class Outcome:
    state: str
    message: str = ""


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


# -- Claiming ---------------------------------------------------------------------------
# One statement, so one round trip and one implicit transaction: due posts are locked
# (SKIP LOCKED: rows another worker is claiming are passed over), each gets its holder's
# advisory lock before the claim commits (whoever sees the post "publishing" also sees
# its holder's lock; a lock someone else still holds, never unless a holder outlived its
# lease, leaves that post where it is), and the conditional move of states.transition
# marks them publishing. Posts overdue past the grace window are the sweep's (missed,
# never sent late); posts of a disabled channel are held until it is enabled again. The
# last row (id NULL) says when the next scheduled post falls due, for the loop's sleep.
_CLAIM = """
    WITH due AS (
        SELECT id FROM posts_post
        WHERE state = %(scheduled)s AND publish_at <= %(now)s AND publish_at >= %(grace)s
          AND integration_id NOT IN (
              SELECT id FROM integrations_integration WHERE status = %(disabled)s)
        ORDER BY publish_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
    ), held AS (
        SELECT id FROM due WHERE pg_try_advisory_lock((%(space)s::bigint << 32) + id)
    ), moved AS (
        UPDATE posts_post p SET state = %(publishing)s, state_changed_at = %(changed)s,
            attempts = p.attempts + 1
        FROM held WHERE p.id = held.id AND p.state = ANY(%(allowed)s)
        RETURNING p.id, p.publish_at
    )
    SELECT id, publish_at FROM moved
    UNION ALL
    SELECT NULL, min(publish_at) FROM posts_post
    WHERE state = %(scheduled)s AND publish_at > %(now)s
"""


def claim_due(*, limit: int = 50, now=None) -> list[int]:
    """Any worker may call; returns the ids it now holds (scheduled → publishing), each
    also held by an advisory lock of this connection until ``unlock`` or disconnection."""
    return _claim(limit=limit, now=now)[0]


def _claim(*, limit: int, now=None) -> tuple[list[int], datetime | None]:
    """``claim_due``, and when the next post falls due after ``now`` (None: nothing is
    scheduled later)."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _CLAIM,
            {
                "scheduled": State.SCHEDULED,
                "publishing": State.PUBLISHING,
                "allowed": list(ALLOWED_FROM[State.PUBLISHING]),
                "disabled": Integration.Status.DISABLED,
                "now": now,
                "grace": now - timedelta(minutes=settings.POSTIZ_MISSED_GRACE_MINUTES),
                "limit": limit,
                "space": CLAIM_SPACE,
                "changed": timezone.now(),
            },
        )
        rows = cursor.fetchall()
    next_due = next((at for pk, at in rows if pk is None), None)
    claimed = sorted((at, pk) for pk, at in rows if pk is not None)
    return [pk for _, pk in claimed], next_due


def claim_batch(*, limit: int, now=None) -> list[Job]:
    """The publisher loop calls this: claims up to ``limit`` due posts (as ``claim_due``)
    and loads each with its channel and items, in three queries whatever the batch size."""
    return claim_next(limit=limit, now=now)[0]


# What a send never reads, left out of a claim's rows (in a burst, turning each row into
# objects costs more than the query).
_NOT_FOR_SENDING = (
    "customized",
    "remote_id",
    "remote_url",
    "published_at",
    "error_kind",
    "error_message",
    "state_changed_at",
    "created_at",
    "updated_at",
    "integration__profile_url",
    "integration__avatar_url",
    "integration__token_expires_at",
    "integration__refresh_expires_at",
    "integration__scopes",
    "integration__last_error",
    "integration__last_error_at",
    "integration__last_refreshed_at",
    "integration__posting_times",
    "integration__timezone",
    "integration__created_at",
    "integration__updated_at",
)


def claim_next(*, limit: int, now=None) -> tuple[list[Job], datetime | None]:
    """``claim_batch``, and when the next post falls due (the loop sleeps until then)."""
    ids, next_due = _claim(limit=limit, now=now)
    if not ids:
        return [], next_due
    posts = {
        p.pk: p
        for p in Post.objects.select_related("integration")
        .defer(*_NOT_FOR_SENDING)
        .filter(pk__in=ids)
    }
    items: dict[int, list[PostItem]] = {pk: [] for pk in ids}
    attached = PostItemMedia.objects.filter(item=OuterRef("pk"))
    rows = (
        PostItem.objects.filter(post_id__in=ids)
        .annotate(has_media=Exists(attached))
        .order_by("post_id", "position")
    )
    for item in rows:
        items[item.post_id].append(item)
    return [Job(post=posts[pk], items=items[pk]) for pk in ids if pk in posts], next_due


def unlock(ids: list[int]) -> None:
    """The connection that claimed the posts calls this once their outcome is saved."""
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM unnest(%s::bigint[]) AS id "
            "WHERE pg_advisory_unlock((%s::bigint << 32) + id)",
            [list(ids), CLAIM_SPACE],
        )


# Posts in "publishing" whose holder's advisory lock is not in pg_locks: the holder's
# connection, and so the holder, is gone.
_RELEASE_ORPHANS = """
    UPDATE posts_post p SET state = %s, publish_at = %s, state_changed_at = %s
    WHERE p.state = %s AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = %s AND l.objid::bigint = p.id
    )
    RETURNING p.id
"""


def release_orphans(*, now=None) -> list[int]:
    """Any worker may call: posts in "publishing" whose holder is gone go back to the queue
    at once; a post with a live holder is never touched. One UPDATE, so a post claimed
    again meanwhile (its new holder's lock is taken before its claim commits) is safe."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _RELEASE_ORPHANS,
            [State.SCHEDULED, now, now, State.PUBLISHING, CLAIM_SPACE],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids:
        logger.warning("%d posts held by a worker that is gone were handed back", len(ids))
    return ids


def release_stale(*, now=None) -> int:
    """The sweep and the publisher loops call this: posts whose holder died go back to the
    queue at once, and the items whose commit had started are looked up before anything
    is sent again. A live holder keeps its posts for the whole lease (past it no publish
    can still be running: django-q2 has killed the task)."""
    now = now or timezone.now()
    released = len(release_orphans(now=now))
    stale = Post.objects.filter(state=State.PUBLISHING, state_changed_at__lt=now - lease())
    return released + transition(stale, State.SCHEDULED, publish_at=now)


# -- Publishing a batch (the publisher loop) ---------------------------------------------
def begin_sends(jobs: list[Job]) -> None:
    """Whoever claimed ``jobs`` may call this when all of them go out at once: prepares
    them (``prepare_sends``) and marks them started (``mark_started``) in one UPDATE."""
    mark_started(prepare_sends(jobs))


def prepare_sends(jobs: list[Job]) -> list[Job]:
    """Give each one-item post that can go out now its request (no database); returns
    those jobs. The others (threads, a look-up first, a refused channel) keep none and
    take the one-post path. One query reads the attached files of the whole batch."""
    ready = []
    for job in jobs:
        post, items = job.post, job.items
        if len(items) != 1 or _channel_refusal(post, post.integration):
            continue
        item = items[0]
        if item.published_at or item.commit_started_at is not None:
            continue
        job.request = PublishRequest(
            post_id=str(item.pk),
            text=item.content,
            settings=dict(post.settings),
            scheduled_at=post.publish_at,
            progress=dict(item.progress),
            ends_thread=True,  # a one-item post is its own last item
        )
        ready.append(job)
    # One query for the whole batch's attached files, none when nothing has any (the
    # claim says which items do).
    with_media = [job.items[0].pk for job in ready if getattr(job.items[0], "has_media", True)]
    if with_media:
        media = media_for_items(with_media)
        for job in ready:
            job.request.media = media.get(job.items[0].pk, [])
    return ready


def mark_started(jobs: list[Job]) -> None:
    """Must run, and commit, right before the prepared ``jobs`` are sent: one UPDATE
    writes ``commit_started_at`` for all their items (the exactly-once rule)."""
    if not jobs:
        return
    started = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE posts_postitem SET commit_started_at = %s WHERE id = ANY(%s)",
            [started, [job.items[0].pk for job in jobs]],
        )
    for job in jobs:
        job.items[0].commit_started_at = started


def send_prepared(job: Job) -> None:
    """A loop thread calls this for a job ``begin_sends`` prepared: the network call only,
    no database (except refreshing a stale credential, which locks the channel)."""
    integration = job.post.integration
    provider = _provider(integration.provider)
    try:
        job.result = _send(provider, integration, job.request)
    except ProviderError as error:
        job.error = error
    job.sent_at = timezone.now()


def finish_batch(jobs: list[Job], *, announce=None) -> list[Outcome]:
    """The loop that claimed ``jobs`` calls this once their sends returned: published
    items and posts, and every item's step results, are saved in one statement; errors
    go through ``_after_error``. ``announce(posts)`` is handed the posts that moved to
    published, after the commit (by default each gets its event here and now)."""
    published = _save_batch(jobs)
    if published:
        transaction.on_commit(lambda: (announce or announce_published)(published))
    outcomes = []
    for job in jobs:
        job.items[0].progress = job.request.progress  # as just saved
        if job.error is not None:
            provider = _provider(job.post.integration.provider)
            outcomes.append(
                _after_error(job.post, job.items[0], provider, job.error, published_before=0)
            )
        elif job.result is not None and job.result.state == PENDING:
            provider = _provider(job.post.integration.provider)
            outcomes.append(_still_pending(job.post, job.items[0], provider, job.result))
        elif job.result is not None:
            outcomes.append(Outcome(job.extra.get("state", "skipped")))
    return outcomes


# A batch's outcomes in one statement (one implicit transaction, one round trip): each
# item's step results (uploaded media, record keys: they survive whatever happens next)
# and, for the published ones (``at`` set), the network's ids on the item and the post.
# The post moves with the same conditional move as states.transition.
_SAVE_BATCH = """
    WITH v AS (
        SELECT * FROM unnest(%(posts)s::bigint[], %(items)s::bigint[], %(rids)s::text[],
            %(urls)s::text[], %(extras)s::text[], %(progress)s::text[], %(at)s::timestamptz[])
        AS v(post, item, rid, url, extra, progress, at)
    ), items AS (
        UPDATE posts_postitem i SET
            progress = coalesce(v.progress::jsonb, i.progress),
            remote_id = coalesce(v.rid, i.remote_id),
            remote_url = coalesce(v.url, i.remote_url),
            remote_extra = coalesce(v.extra::jsonb, i.remote_extra),
            published_at = coalesce(v.at, i.published_at)
        FROM v WHERE i.id = v.item
    )
    UPDATE posts_post p SET state = %(published)s, state_changed_at = %(changed)s,
        remote_id = v.rid, remote_url = v.url, published_at = v.at,
        error_kind = '', error_message = ''
    FROM v WHERE p.id = v.post AND v.at IS NOT NULL AND p.state = ANY(%(allowed)s)
    RETURNING p.id
"""


def _save_batch(jobs: list[Job]) -> list[Post]:
    """Save what the sends of ``jobs`` returned; the posts that moved to published."""
    rows = {key: [] for key in ("posts", "items", "rids", "urls", "extras", "progress", "at")}
    done = set()
    for job in jobs:
        item = job.items[0]
        progress = job.request.progress
        published = job.result is not None and job.result.state != PENDING
        if not published and progress == item.progress:
            continue  # nothing to save here; _after_error / _still_pending decide
        ref = job.result.ref if published else None
        rows["posts"].append(job.pk)
        rows["items"].append(item.pk)
        rows["rids"].append(str(ref.id) if ref else None)
        rows["urls"].append((ref.url or "") if ref else None)
        rows["extras"].append(json.dumps(dict(ref.extra)) if ref else None)
        rows["progress"].append(json.dumps(progress) if progress != item.progress else None)
        rows["at"].append(job.sent_at if ref else None)
        if published:
            done.add(job.pk)
    if not rows["posts"]:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _SAVE_BATCH,
            {
                **rows,
                "published": State.PUBLISHED,
                "changed": timezone.now(),
                "allowed": list(ALLOWED_FROM[State.PUBLISHED]),
            },
        )
        moved = {row[0] for row in cursor.fetchall()}
    for job in jobs:
        if job.pk in done:
            job.extra["state"] = State.PUBLISHED if job.pk in moved else "skipped"
    return [job.post for job in jobs if job.pk in moved]


def announce_published(posts: list[Post]) -> None:
    """Tell everyone who wants to know that these posts were published (posts.events), in
    a handful of queries for the whole batch."""
    events.emit_many(events.POST_PUBLISHED, post_ids=[post.pk for post in posts])


# -- Publishing one post ----------------------------------------------------------------
def publish_post(post_id: int) -> Outcome:
    """The publish job calls this with a claimed post's id; safe to call twice (a post that
    is no longer ``publishing`` is left alone)."""
    post = (
        Post.objects.select_related("integration", "organization")
        .filter(pk=post_id, state=State.PUBLISHING)
        .first()
    )
    if post is None:
        return Outcome("skipped")
    integration = post.integration
    refusal = _channel_refusal(post, integration)
    if refusal:
        return _fail(post, ErrorKind.PERMISSION_DENIED, refusal)
    provider = _provider(integration.provider)
    items = list(post.items.order_by("position"))
    if not items:
        return _fail(post, ErrorKind.CONTENT_REJECTED, "The post has nothing to publish.")

    for index, item in enumerate(items):
        if item.published_at:
            continue
        previous = items[index - 1] if index else None
        if previous and item.delay_minutes:
            due = previous.published_at + timedelta(minutes=item.delay_minutes)
            if due > timezone.now():
                return _reschedule(post, due, "")  # the next reply waits for its delay
        request = PublishRequest(
            post_id=str(item.pk),
            text=item.content,
            settings=dict(post.settings),
            reply_to=_ref(previous),
            root=_ref(items[0]) if index else None,
            scheduled_at=post.publish_at,
            progress=item.progress,
            media=media_for_items([item.pk]).get(item.pk, []),
            ends_thread=index == len(items) - 1,
        )
        try:
            result = _publish_item(provider, integration, item, request)
        except ProviderError as error:
            return _after_error(post, item, provider, error, published_before=index)
        if result is None:  # an earlier attempt's outcome could not be confirmed
            return _unconfirmed(post, provider)
        if result.state == PENDING:  # accepted; the network is still making the post
            return _still_pending(post, item, provider, result)
        _record(item, result)

    root = items[0]
    moved = transition(
        Post.objects.filter(pk=post.pk),
        State.PUBLISHED,
        remote_id=root.remote_id,
        remote_url=root.remote_url,
        published_at=root.published_at,
        error_kind="",
        error_message="",
    )
    if moved:
        _emit(events.POST_PUBLISHED, post)
    return Outcome(State.PUBLISHED)


def _emit(event: str, post: Post, message: str = "") -> None:
    events.emit(
        event,
        organization_id=post.organization_id,
        post_id=post.pk,
        integration_id=post.integration_id,
        message=message,
    )


def _provider(identifier: str) -> Provider:
    cache = getattr(_providers, "by_identifier", None)
    if cache is None:
        cache = _providers.by_identifier = {}
    if identifier not in cache:
        cache[identifier] = get_provider(identifier)
    return cache[identifier]


def _channel_refusal(post: Post, integration: Integration) -> str:
    if integration.organization_id != post.organization_id:  # never cross tenants
        return "The channel belongs to another organization."
    if integration.deleted_at is not None:
        return "The channel was deleted."
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        return f"{integration.name} needs reconnecting before it can publish."
    if integration.status == Integration.Status.DISABLED:
        return f"{integration.name} is disabled."
    return ""


def _ref(item: PostItem | None) -> RemoteRef | None:
    if item is None:
        return None
    return RemoteRef(id=item.remote_id, url=item.remote_url, extra=dict(item.remote_extra))


def _publish_item(
    provider: Provider, integration: Integration, item: PostItem, request: PublishRequest
) -> PublishResult | None:
    """Send one item, or adopt it if an earlier attempt already did; None = cannot tell."""
    if item.commit_started_at is not None:
        handle = item.progress.get(PENDING_HANDLE_KEY)
        try:
            if handle:  # sent, and the network said it was still making the post
                checked = provider.check_status(integration.as_channel(), handle)
                return checked or PublishResult(ref=RemoteRef(id=""), state=PENDING, handle=handle)
            found = _look(provider, integration, request)
        except ProviderError as error:
            # Whatever the look-up's trouble, the earlier send may be live: the next
            # attempt must look again, never send blindly.
            error.during_lookup = True
            raise
        if found is not None:
            return PublishResult(ref=found)
        if not _safe_to_resend(provider, item):
            return None
    else:
        # A resend keeps the first start: a native key's window runs from the first send.
        item.commit_started_at = timezone.now()
    item.save(update_fields=["commit_started_at", "progress"])
    try:
        return _send(provider, integration, request)
    finally:
        # Step results (uploaded media, record keys) survive whatever happens next.
        PostItem.objects.filter(pk=item.pk).update(progress=request.progress)


def _look(provider: Provider, integration: Integration, request: PublishRequest):
    if provider.lookup == "none":
        return None
    return provider.find_existing(integration.as_channel(), request)


def _safe_to_resend(provider: Provider, item: PostItem) -> bool:
    """Whether sending again cannot create a second post."""
    if provider.idempotency in ("deterministic-key", "container-handle"):
        return True
    if provider.idempotency == "native-key":
        # Each network honours its key for its own time (Mastodon about an hour, Discord a
        # few minutes); past it, a resend could post twice.
        window = timedelta(seconds=provider.idempotency_window)
        return timezone.now() - item.commit_started_at < window
    return False


def _send(provider: Provider, integration: Integration, request: PublishRequest):
    """Publish; a stale credential is refreshed once (under the channel's lock) and the
    step retried once, so auth errors cannot loop."""
    try:
        return provider.publish(integration.as_channel(), request)
    except ProviderError as error:
        migrated = getattr(error, "migrated_chat_id", None)
        if migrated and migrated != integration.meta.get("chat_id"):
            # A Telegram group became a supergroup (nothing was posted): keep its new id
            # and send once more there.
            return provider.publish(_chat_moved(integration, migrated).as_channel(), request)
        if error.kind != ErrorKind.AUTH_EXPIRED:
            raise
    refreshed = integration_refresh(integration_id=integration.pk, raise_errors=True)
    try:
        return provider.publish(refreshed.as_channel(), request)
    except ProviderError as error:
        if error.kind == ErrorKind.AUTH_EXPIRED:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                error.user_message,
                network_code=error.network_code,
                raw_excerpt=error.raw_excerpt,
            ) from error
        raise


def _chat_moved(integration: Integration, chat_id: str) -> Integration:
    """The channel's chat now lives under ``chat_id``: saved for every later post too."""
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        locked.meta = {**locked.meta, "chat_id": str(chat_id)}
        locked.save(update_fields=["meta"])
    integration.meta = locked.meta
    return integration


def _record(item: PostItem, result: PublishResult) -> None:
    item.remote_id = result.ref.id
    item.remote_url = result.ref.url
    item.remote_extra = dict(result.ref.extra)
    item.published_at = timezone.now()
    item.save(update_fields=["remote_id", "remote_url", "remote_extra", "published_at"])


# -- After an error ---------------------------------------------------------------------
def _after_error(
    post: Post, item: PostItem, provider: Provider, error: ProviderError, *, published_before: int
) -> Outcome:
    kind = error.kind
    logger.info("post %s item %s: %s (%s)", post.pk, item.pk, kind, error.network_code)
    if kind == ErrorKind.UNKNOWN_OUTCOME:
        # Counted per item (in its progress, which survives attempts): a network that
        # never answers clearly ends with the person asked, not with endless retries.
        if _count(item, UNCLEAR_KEY) >= MAX_UNCLEAR:
            return _unconfirmed(post, provider)
        if provider.lookup == "by-content":
            return _reschedule(post, _in(LOOKUP_SETTLE), error.user_message, kind)
        if provider.lookup != "none" or _safe_to_resend(provider, item):
            return _reschedule(post, _in(RECONCILE_SOON), error.user_message, kind)
        return _unconfirmed(post, provider)
    if getattr(error, "during_lookup", False):
        # Looking failed; the item's earlier send stays "started", so the next attempt
        # looks again. Only a wait can help: anything else asks the person.
        if kind == ErrorKind.RATE_LIMITED:
            wait = error.retry_after if error.retry_after is not None else 60
            if wait <= MAX_RATE_LIMIT_WAIT:
                return _reschedule(post, _in(wait), error.user_message, kind)
        if kind == ErrorKind.TRANSIENT_BEFORE_SEND:
            failures = _count(item, TRANSIENT_KEY)
            if failures <= len(BACKOFF):
                return _reschedule(post, _in(_backoff(failures)), error.user_message, kind)
        return _unconfirmed(post, provider)
    # The network said no, or never got the request: nothing went out for this item.
    PostItem.objects.filter(pk=item.pk).update(commit_started_at=None)
    if kind == ErrorKind.RATE_LIMITED:
        wait = error.retry_after if error.retry_after is not None else 60
        if wait > MAX_RATE_LIMIT_WAIT:
            return _fail(post, kind, error.user_message, published_before)
        return _reschedule(post, _in(wait), error.user_message, kind)
    if kind == ErrorKind.TRANSIENT_BEFORE_SEND:
        # Counted per item, not per claim: each part of a drip thread (and each wait for
        # a rate limit) is a claim of its own, and must not use up the next part's tries.
        failures = _count(item, TRANSIENT_KEY)
        if failures > len(BACKOFF):
            return _fail(post, kind, error.user_message, published_before)
        return _reschedule(post, _in(_backoff(failures)), error.user_message, kind)
    if kind in (ErrorKind.AUTH_REVOKED, ErrorKind.AUTH_EXPIRED):
        integration_set_status(
            integration=post.integration,
            status=Integration.Status.NEEDS_RECONNECT,
            error=error.user_message,
        )
    return _fail(post, kind, error.user_message, published_before)


def _still_pending(
    post: Post, item: PostItem, provider: Provider, result: PublishResult
) -> Outcome:
    """The network took the post and is still making it (a video, a media upload): the
    handle is kept and checked again soon; after MAX_PENDING_CHECKS the person is asked."""
    item.progress = {**item.progress, PENDING_HANDLE_KEY: result.handle}
    if _count(item, PENDING_KEY) > MAX_PENDING_CHECKS:
        return _unconfirmed(post, provider)
    message = f"{provider.display_name} is still processing this post; we will check again."
    return _reschedule(post, _in(PENDING_CHECK), message)


def _count(item: PostItem, key: str) -> int:
    """Add one to a counter kept in the item's progress (it survives attempts); the new
    value."""
    value = int(item.progress.get(key, 0)) + 1
    item.progress = {**item.progress, key: value}
    PostItem.objects.filter(pk=item.pk).update(progress=item.progress)
    return value


def _backoff(failures: int) -> float:
    return BACKOFF[failures - 1] * random.uniform(1.0, 1.25)  # noqa: S311 - jitter


def _in(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def _reschedule(post: Post, when, message: str, kind: str = "") -> Outcome:
    transition(
        Post.objects.filter(pk=post.pk),
        State.SCHEDULED,
        publish_at=when,
        error_kind=kind,
        error_message=message,
    )
    return Outcome(State.SCHEDULED, message)


def _fail(post: Post, kind: str, message: str, published_before: int = 0) -> Outcome:
    if published_before:
        message = (
            f"The first {published_before} part{'s' if published_before > 1 else ''} of the "
            f"thread went out; the next one did not: {message}"
        )
    moved = transition(
        Post.objects.filter(pk=post.pk), State.FAILED, error_kind=kind, error_message=message
    )
    if moved:
        _emit(events.POST_FAILED, post, message)
    return Outcome(State.FAILED, message)


def _unconfirmed(post: Post, provider: Provider) -> Outcome:
    network = provider.display_name
    if provider.lookup == "none":
        why = f"and {network} gives us no way to check"
    else:
        why = f"and we did not find it on {network} afterwards (it may still appear)"
    message = (
        f"We sent this to {network} but could not confirm it was published, {why}. "
        "Look at the channel before posting it again."
    )
    moved = transition(
        Post.objects.filter(pk=post.pk),
        State.UNCONFIRMED,
        error_kind=ErrorKind.UNKNOWN_OUTCOME,
        error_message=message,
    )
    if moved:
        _emit(events.POST_UNCONFIRMED, post, message)
    return Outcome(State.UNCONFIRMED, message)
