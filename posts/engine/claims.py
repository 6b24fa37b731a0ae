"""Claiming due posts (``FOR UPDATE SKIP LOCKED`` plus a per-post advisory lock) and
handing back the posts of a worker that died."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations.models import Integration
from posts.engine.jobs import CLAIM_SPACE, Job, logger
from posts.models import Post, PostItem, PostItemMedia
from posts.states import ALLOWED_FROM, State

# -- Claiming ---------------------------------------------------------------------------
# One statement, so one round trip and one implicit transaction: due posts are locked
# (SKIP LOCKED: rows another worker is claiming are passed over), each gets its holder's
# advisory lock before the claim commits (whoever sees the post "publishing" also sees
# its holder's lock; a lock someone else still holds, never unless a holder outlived its
# lease, leaves that post where it is), and the conditional move of states.transition
# marks them publishing. A post is due at its retry time when the engine set one (a
# retry, a look after an unclear outcome, a hand-back), else at the time the person asked
# for (the posts_due_at index is on that very expression). A first attempt overdue past
# the grace window is the sweep's (missed, never sent late); posts of a disabled channel
# are held until it is enabled again. The last row (id NULL) says when the next scheduled
# post falls due, for the loop's sleep.
_CLAIM = """
    WITH due AS (
        SELECT id FROM posts_post
        WHERE state = %(scheduled)s AND COALESCE(retry_at, publish_at) <= %(now)s
          AND (retry_at IS NOT NULL OR publish_at >= %(grace)s)
          AND integration_id NOT IN (
              SELECT id FROM integrations_integration WHERE status = %(disabled)s)
        ORDER BY COALESCE(retry_at, publish_at), id LIMIT %(limit)s FOR UPDATE SKIP LOCKED
    ), held AS (
        SELECT id FROM due WHERE pg_try_advisory_lock((%(space)s::bigint << 32) + id)
    ), moved AS (
        UPDATE posts_post p SET state = %(publishing)s, state_changed_at = %(changed)s,
            attempts = p.attempts + 1
        FROM held WHERE p.id = held.id AND p.state = ANY(%(allowed)s)
        RETURNING p.id, COALESCE(p.retry_at, p.publish_at) AS due_at
    )
    SELECT id, due_at FROM moved
    UNION ALL
    SELECT NULL, min(COALESCE(retry_at, publish_at)) FROM posts_post
    WHERE state = %(scheduled)s AND COALESCE(retry_at, publish_at) > %(now)s
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
    "error_text",
    "state_changed_at",
    "created_at",
    "updated_at",
    "integration__profile_url",
    "integration__avatar_url",
    "integration__token_expires_at",
    "integration__refresh_expires_at",
    "integration__scopes",
    "integration__last_error",
    "integration__last_error_text",
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
    UPDATE posts_post p SET state = %s, retry_at = %s, state_changed_at = %s
    WHERE p.state = %s AND NOT EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid::bigint = %s AND l.objid::bigint = p.id
    )
    RETURNING p.id
"""


def release_orphans(*, now=None) -> list[int]:
    """Any worker (and the sweep) may call: posts in "publishing" whose holder is gone go
    back to the queue at once (due now, as a retry: the time the person asked for is kept),
    and the next attempt looks before it sends. A post with a live holder is never touched,
    however long it takes (a holder stuck for good is ended by its process, and then its
    lock goes). One UPDATE, so a post claimed again meanwhile (its new
    holder's lock is taken before its claim commits) is safe."""
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
