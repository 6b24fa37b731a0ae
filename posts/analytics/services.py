"""Fetching published posts' counts on a decaying cadence, and on demand.

A published post of a network that reports post counts gets a track (PostMetricsTrack)
due 1 h after publishing, then 6 h, 24 h, 3 d, 7 d and 30 d after; past the last point
it is no longer fetched unless someone asks (``post_metrics_refresh``). The 5-minute
round (``metrics_round``) enrols newly published posts and queues one job per channel
with posts due; that job (``post_metrics_fetch``) claims the channel's due posts, asks
the network for them in batches of ``metrics_batch`` within the slice of the channel's
hourly budget, and upserts the counts. Everything here runs in the django-q2 worker.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integrations.analytics import (
    MetricsUnavailable,
    budget_reserve,
    budget_return,
    budget_slice,
    metrics_call,
    providers_with,
)
from integrations.models import ChannelAnalytics, Integration
from integrations.providers import get_provider
from integrations.providers.base import Metrics, RemoteRef
from posts.analytics.models import PostMetric, PostMetricLatest, PostMetricsTrack
from posts.models import Post
from posts.states import State

logger = logging.getLogger("postiz.posts")

CADENCE = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(hours=24),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=30),
)
# A claimed post is not claimed again for this long (a job that died gives it back).
LEASE = timedelta(minutes=15)
ENROL_BATCH = 5000


def next_due(published_at: datetime, now: datetime) -> datetime | None:
    """The first cadence point after ``now``, or None when the cadence is over."""
    for offset in CADENCE:
        if published_at + offset > now:
            return published_at + offset
    return None


def tracks_enrol(*, now: datetime | None = None) -> int:
    """Give every recently published post of a counting network its track; returns how
    many were added. Safe to run twice (a post has at most one track)."""
    now = now or timezone.now()
    fresh = (
        Post.objects.filter(
            state=State.PUBLISHED,
            published_at__gte=now - CADENCE[-1],
            metrics_track__isnull=True,
            integration__provider__in=providers_with("post"),
            integration__deleted_at__isnull=True,
        )
        .exclude(remote_id="")
        .values_list("pk", "organization_id", "integration_id", "published_at")[:ENROL_BATCH]
    )
    rows = [
        PostMetricsTrack(
            post_id=pk,
            organization_id=org,
            integration_id=integration,
            published_at=published,
            due_at=next_due(published, now) or now,
        )
        for pk, org, integration, published in fresh
    ]
    PostMetricsTrack.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def channels_with_due_posts(*, now: datetime | None = None) -> list[int]:
    """Channels that have posts due and may be asked now (not refused, not paused)."""
    now = now or timezone.now()
    due = set(
        PostMetricsTrack.objects.filter(
            due_at__lte=now,
            integration__deleted_at__isnull=True,
            integration__status=Integration.Status.ACTIVE,
        )
        .values_list("integration_id", flat=True)
        .distinct()
    )
    resting = set(
        ChannelAnalytics.objects.filter(integration_id__in=due, needs_reconnect=True).values_list(
            "integration_id", flat=True
        )
    ) | set(
        ChannelAnalytics.objects.filter(integration_id__in=due, paused_until__gt=now).values_list(
            "integration_id", flat=True
        )
    )
    return sorted(due - resting)


def metrics_round() -> dict:
    """The 5-minute job: enrol new posts, then queue one fetch job per channel with posts
    due. The jobs go to the worker queue, never to the publisher."""
    from django_q.tasks import async_task

    enrolled = tracks_enrol()
    channels = channels_with_due_posts()
    for integration_id in channels:
        async_task("posts.analytics.tasks.fetch_post_metrics", integration_id)
    return {"enrolled": enrolled, "channels": len(channels)}


def _claim(integration: Integration, limit: int, now: datetime) -> list[PostMetricsTrack]:
    """The channel's posts due first, leased so a second job does not take them too."""
    with transaction.atomic():
        tracks = list(
            PostMetricsTrack.objects.select_for_update(skip_locked=True)
            .filter(integration=integration, due_at__lte=now)
            .order_by("due_at")[:limit]
        )
        if tracks:
            PostMetricsTrack.objects.filter(pk__in=[t.pk for t in tracks]).update(
                due_at=now + LEASE
            )
    return tracks


def post_metrics_store(
    *,
    integration: Integration,
    found: dict[int, Metrics],
    published: dict[int, datetime],
    now: datetime | None = None,
) -> int:
    """Upsert today's counts of these posts (by our post id, with when each was
    published) and their latest values; returns how many day rows were written."""
    now = now or timezone.now()
    today = now.date()
    org = integration.organization_id
    day_rows, latest_rows = [], []
    for post_id, metrics in found.items():
        for name, value in metrics.values.items():
            common = {
                "organization_id": org,
                "post_id": post_id,
                "integration_id": integration.pk,
                "metric": name,
                "value": value,
                "updated_at": now,
            }
            day_rows.append(PostMetric(day=today, **common))
            latest_rows.append(
                PostMetricLatest(changed_at=now, published_at=published[post_id], **common)
            )
    if not day_rows:
        return 0
    PostMetric.objects.bulk_create(
        day_rows,
        update_conflicts=True,
        unique_fields=["post", "metric", "day"],
        update_fields=["value", "updated_at"],
    )
    # changed_at moves only when the value did: "reached 100 likes since" stays answerable.
    existing = {
        (row.post_id, row.metric): row.value
        for row in PostMetricLatest.objects.filter(post_id__in=list(found)).only(
            "post_id", "metric", "value"
        )
    }
    changed = [r for r in latest_rows if existing.get((r.post_id, r.metric)) != r.value]
    same = [r for r in latest_rows if existing.get((r.post_id, r.metric)) == r.value]
    for rows, fields in ((changed, ["value", "updated_at", "changed_at"]), (same, ["updated_at"])):
        if rows:
            PostMetricLatest.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["post", "metric"],
                update_fields=fields,
            )
    # Plugs act on what was just read: a threshold crossed claims its run here.
    from posts.plugs.services import plugs_crossed

    plugs_crossed(integration=integration, found=found, now=now)
    return len(day_rows)


def post_metrics_fetch(*, integration_id: int, now: datetime | None = None) -> dict:
    """The per-channel job: fetch the channel's due posts within its budget slice.
    Returns {"requests", "posts", "rows"}; the channel's state says why when nothing was
    fetched (refused, paused, budget spent)."""
    outcome = {"requests": 0, "posts": 0, "rows": 0}
    integration = Integration.objects.filter(
        pk=integration_id, deleted_at__isnull=True, status=Integration.Status.ACTIVE
    ).first()
    if integration is None:
        return outcome
    provider = get_provider(integration.provider)
    if provider.analytics not in ("post", "both"):
        return outcome
    now = now or timezone.now()
    batch = max(1, provider.metrics_batch)
    granted = budget_reserve(integration=integration, wanted=budget_slice(integration), now=now)
    if not granted:
        return outcome
    tracks = _claim(integration, granted * batch, now)
    batches = [tracks[i : i + batch] for i in range(0, len(tracks), batch)]
    budget_return(integration=integration, unused=granted - len(batches))
    posts = dict(Post.objects.filter(pk__in=[t.pk for t in tracks]).values_list("pk", "remote_id"))
    for index, chunk in enumerate(batches):
        by_remote = {posts[t.pk]: t.pk for t in chunk if posts.get(t.pk)}
        refs = [RemoteRef(id=remote_id) for remote_id in by_remote]
        try:
            answered = metrics_call(
                integration,
                "post counts",
                lambda channel, refs=refs: provider.post_metrics(channel, refs),
            )
        except MetricsUnavailable:
            # Give the unasked posts back as due: they go when the channel may ask again.
            rest = [t.pk for c in batches[index:] for t in c]
            PostMetricsTrack.objects.filter(pk__in=rest).update(due_at=now)
            budget_return(integration=integration, unused=len(batches) - index - 1)
            break
        outcome["requests"] += 1
        found = {
            by_remote[remote_id]: metrics
            for remote_id, metrics in (answered or {}).items()
            if remote_id in by_remote
        }
        outcome["rows"] += post_metrics_store(
            integration=integration,
            found=found,
            published={t.pk: t.published_at for t in chunk},
        )
        outcome["posts"] += len(chunk)
        done = timezone.now()
        for track in chunk:
            track.due_at = next_due(track.published_at, done)
            track.fetched_at = done
            track.fetches += 1
        PostMetricsTrack.objects.bulk_update(chunk, ["due_at", "fetched_at", "fetches"])
    return outcome


def post_metrics_refresh(*, post: Post) -> bool:
    """The page's Refresh button and the API's refresh action call this for a post of the
    caller's organization (posts.publish checked by the view); makes its counts due now
    and queues its channel's job after commit. False when the post has nothing to fetch
    (not published, no id on the network, or a network without post counts)."""
    from django_q.tasks import async_task

    if post.state != State.PUBLISHED or not post.remote_id or post.published_at is None:
        return False
    if post.integration.provider not in providers_with("post"):
        return False
    PostMetricsTrack.objects.update_or_create(
        post=post,
        defaults={
            "organization_id": post.organization_id,
            "integration_id": post.integration_id,
            "published_at": post.published_at,
            "due_at": timezone.now(),
        },
    )
    integration_id = post.integration_id
    transaction.on_commit(
        lambda: async_task("posts.analytics.tasks.fetch_post_metrics", integration_id)
    )
    return True
