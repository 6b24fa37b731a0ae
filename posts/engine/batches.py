"""The publisher loop's batch path: one-item posts sent from threads without touching the
database, their outcomes saved in one statement."""

from __future__ import annotations

import json

from django.db import connection
from django.utils import timezone

from integrations.providers.base import ProviderError
from organizations.events import POST_PUBLISHED, dispatch_quietly
from posts.attachments import media_for_items
from posts.engine.jobs import PENDING, Job, Outcome
from posts.engine.sending import (
    _after_error,
    _channel_refusal,
    _provider,
    _send,
    _still_pending,
    request_for,
)
from posts.links.services import items_to_shorten, posts_wanting_short_links
from posts.models import Post
from posts.states import ALLOWED_FROM, State


# -- Publishing a batch (the publisher loop) ---------------------------------------------
def begin_sends(jobs: list[Job]) -> None:
    """Whoever claimed ``jobs`` may call this to mark them started before anything is sent
    (``prepare_sends``, then ``mark_started`` in one UPDATE): each is then treated as
    possibly on the network. The loop does not: each request marks its item itself
    right before its commit (``PublishRequest.on_commit``)."""
    mark_started(prepare_sends(jobs))


def prepare_sends(jobs: list[Job]) -> list[Job]:
    """Give each one-item post that can go out now its request (no database; its
    checkpoints write through this thread's connection unless the loop replaces them);
    returns those jobs. The others (threads, a look-up first, a refused channel) keep none and
    take the one-post path. One query reads the attached files of the whole batch."""
    ready = []
    # Posts whose links are still to be shortened take the one-post path, which makes
    # them before anything is sent (at most two queries, only when some text has a link).
    undecided = [job.post for job in jobs if items_to_shorten(job.items)]
    shortening = posts_wanting_short_links(undecided) if undecided else set()
    for job in jobs:
        post, items = job.post, job.items
        if len(items) != 1 or _channel_refusal(post, post.integration):
            continue
        if post.pk in shortening:
            continue
        item = items[0]
        if item.published_at or item.commit_started_at is not None:
            continue
        # A copy: the batch's outcomes save the progress only where a send changed it.
        job.request = request_for(post, item, progress=dict(item.progress), ends_thread=True)
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
    """Must run, and commit, right before the commit requests of the prepared ``jobs``
    (the loop's starter thread, from ``PublishRequest.on_commit``): one UPDATE writes
    ``commit_started_at`` for all their items (the exactly-once rule)."""
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


def save_progress(saves: list[tuple[Job, dict]]) -> None:
    """The batch path's checkpoint (``PublishRequest.before_commit``): each item's progress
    as its provider is about to commit, in one UPDATE."""
    if not saves:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE posts_postitem i SET progress = v.progress::jsonb "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, progress) WHERE i.id = v.id",
            [[job.items[0].pk for job, _ in saves], [json.dumps(p) for _, p in saves]],
        )


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
    items and posts, every item's step results and the published posts' events are saved
    in one statement; errors go through ``_after_error``. ``announce()`` is called when
    events wait to be told (by default they are told here and now)."""
    announce = announce or dispatch_quietly
    published = _save_batch(jobs)
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
    if published or any(outcome.announce for outcome in outcomes):
        announce()
    return outcomes


# A batch's outcomes in one statement (one implicit transaction, one round trip): each
# item's step results (uploaded media, record keys: they survive whatever happens next)
# and, for the published ones (``at`` set), the network's ids on the item and the post,
# and the post's "published" event (organizations.events, told afterwards). The post
# moves with the same conditional move as states.transition.
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
    ), moved AS (
        UPDATE posts_post p SET state = %(published)s, state_changed_at = %(changed)s,
            remote_id = v.rid, remote_url = v.url, published_at = v.at,
            error_kind = '', error_message = '', error_text = NULL
        FROM v WHERE p.id = v.post AND v.at IS NOT NULL AND p.state = ANY(%(allowed)s)
        RETURNING p.id, p.organization_id, p.integration_id
    ), told AS (
        INSERT INTO organizations_event
            (organization_id, name, post_id, integration_id, message, created_at)
        SELECT organization_id, %(event)s, id, integration_id, '', %(changed)s FROM moved
    )
    SELECT id FROM moved
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
                "event": POST_PUBLISHED,
                "changed": timezone.now(),
                "allowed": list(ALLOWED_FROM[State.PUBLISHED]),
            },
        )
        moved = {row[0] for row in cursor.fetchall()}
    for job in jobs:
        if job.pk in done:
            job.extra["state"] = State.PUBLISHED if job.pk in moved else "skipped"
    return [job.post for job in jobs if job.pk in moved]
