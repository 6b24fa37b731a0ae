"""Repeating posts: the next occurrence, in the series' local wall-clock time.

A series is a post group with ``repeat_every`` set (its root); each later occurrence is a
copy of the root, linked by ``repeat_of``. Only one future occurrence exists at a time:
the sweep creates the next one once the latest has become due, so editing or deleting the
root changes every occurrence not yet created.

Times repeat in the series' zone, by the wall clock: a post at 09:00 in Europe/Berlin is
at 09:00 in winter and in summer. Two days a year the wall clock is ambiguous:

- In the spring gap (02:30 does not exist the night clocks go forward) the post goes out
  the gap's length later, at 03:30: the moment the wall clock would have shown 02:30 had
  it not jumped.
- In the autumn overlap (01:30 happens twice) it goes out at the first 01:30 only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max, Min, Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from billing import limits as plan_limits
from organizations.texts import Text
from posts.models import (
    LATEST_DATE,
    Notification,
    Post,
    PostGroup,
    PostItem,
    PostItemMedia,
    ReviewState,
)
from posts.services import approvals
from posts.services.validation import date_in_range, day_in_range
from posts.states import State

# States of a post that count as the series having been scheduled (not a draft).
_LIVE = (
    State.SCHEDULED,
    State.PUBLISHING,
    State.PUBLISHED,
    State.FAILED,
    State.UNCONFIRMED,
    State.MISSED,
    State.REVIEW,
)


def wall_clock_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """A local wall-clock time to UTC: the gap shifts forward, the overlap takes the first."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def step_of(every: int, unit: str) -> timedelta:
    return timedelta(days=every * (7 if unit == PostGroup.RepeatUnit.WEEK else 1))


def next_occurrence(
    *, first: datetime, every: int, unit: str, zone: str, after: datetime, until: date | None
) -> datetime | None:
    """The first occurrence strictly after ``after``, or None once ``until`` is passed.

    ``first`` is the series' first time; every occurrence keeps its local wall-clock time.
    No occurrence is made past the last date a post may be given (2099), whatever
    ``until`` says: a series saved with an "until" in the year 9999 simply stops there."""
    tz = ZoneInfo(zone)
    wall = first.astimezone(tz).replace(tzinfo=None)
    step = step_of(every, unit)
    # Jump close to ``after`` without walking every occurrence of a long series.
    k = max(int((after - first) / step) - 1, 1)
    while True:
        local = wall + k * step
        if until is not None and local.date() > until:
            return None
        # The local day is checked before converting, so no time near the year 9999 is
        # ever converted (which would overflow), then the instant itself.
        if not day_in_range(local.date()):
            return None
        candidate = wall_clock_to_utc(local, tz)
        if not date_in_range(candidate):
            return None
        if candidate > after:
            return candidate
        k += 1


def occurrences_between(
    *,
    first: datetime,
    every: int,
    unit: str,
    zone: str,
    until: date | None,
    start: datetime,
    end: datetime,
) -> list[datetime]:
    """The times of a series within [start, end], in order: ``first`` and every step after
    it, each at its local wall-clock time, never past ``until`` nor the last date a post
    may be given (what the APIs list for a repeating post)."""
    if start > end or start >= LATEST_DATE:
        return []  # nothing is ever there (and no step is computed toward the year 9999)
    tz = ZoneInfo(zone or "UTC")
    wall = first.astimezone(tz).replace(tzinfo=None)
    step = step_of(every, unit)
    # Jump close to ``start`` without walking every occurrence of a long series.
    k = max(int((start - first) / step) - 1, 0) if start > first else 0
    found = []
    while True:
        local = wall + k * step
        if (until is not None and local.date() > until) or not day_in_range(local.date()):
            break
        moment = wall_clock_to_utc(local, tz)
        if not date_in_range(moment) or moment > end:
            break
        if moment >= start:
            found.append(moment)
        k += 1
    return found


def repeats_create_due(*, now: datetime) -> int:
    """The sweep calls this; creates the next occurrence of every series whose latest
    occurrence has become due. Safe to run in parallel: each series is locked while its
    next occurrence is decided."""
    roots = PostGroup.objects.filter(
        repeat_every__isnull=False, repeat_of__isnull=True, deleted_at__isnull=True
    ).values_list("pk", flat=True)
    created = 0
    for root_id in roots:
        created += _create_next(root_id, now)
    return created


@transaction.atomic
def _create_next(root_id: int, now: datetime) -> int:
    root = (
        PostGroup.objects.select_for_update()
        .filter(pk=root_id, deleted_at__isnull=True, repeat_every__isnull=False)
        .first()
    )
    if root is None:
        return 0
    live = Post.objects.filter(
        Q(group=root) | Q(group__repeat_of=root, group__deleted_at__isnull=True),
        state__in=_LIVE,
    )
    latest = live.aggregate(at=Max("publish_at"))["at"]
    first = Post.objects.filter(group=root, state__in=_LIVE).aggregate(at=Min("publish_at"))["at"]
    if first is None or latest is None or latest > now:
        return 0  # a draft series, or its next occurrence is still ahead
    when = next_occurrence(
        first=first,
        every=root.repeat_every,
        unit=root.repeat_unit,
        zone=root.timezone,
        after=max(latest, now),
        until=root.repeat_until,
    )
    if when is None:
        return 0
    channels = (
        root.posts.filter(integration__deleted_at__isnull=True)
        .exclude(state__in=(State.CANCELLED, State.DRAFT))
        .count()
    )
    try:
        plan_limits.check(root.organization, "posts_per_month", adding=channels)
    except plan_limits.LimitReached as reached:
        # This occurrence is skipped, not queued: the series goes on by itself with the
        # first occurrence due once the plan allows it again (a new month, a bigger plan).
        _tell_limit_reached(root, when, reached)
        return 0
    _copy(root, when)
    return 1


def _tell_limit_reached(root: PostGroup, when: datetime, reached) -> None:
    """Once a month per series, everyone in the organization is told that the plan's
    posts-per-month limit skipped an occurrence, with a link to billing."""
    from posts.services.notifications import Outcome, notifications_record_many

    url = reverse("posts:edit", args=[root.organization.slug, root.pk])
    already = Notification.objects.filter(
        organization=root.organization,
        kind=Notification.Kind.INFO,
        url=url,
        created_at__gte=plan_limits.month_start(root.organization),
    ).exists()
    if already:
        return
    local = when.astimezone(ZoneInfo(root.timezone or "UTC"))
    first = (
        PostItem.objects.filter(post__group=root, position=0)
        .order_by("post_id")
        .values_list("content", flat=True)
        .first()
        or ""
    )
    notifications_record_many(
        outcomes=[
            Outcome(
                root.organization,
                Notification.Kind.INFO,
                text=first,
                message=Text(
                    gettext_noop(
                        "The occurrence of %(when)s (%(zone)s) was not scheduled: %(reason)s "
                        "The series continues when the plan allows it again. Billing: %(url)s"
                    ),
                    when=f"{local:%Y-%m-%d %H:%M}",
                    zone=root.timezone,
                    reason=reached.message,
                    url=reached.billing_url(),
                ),
                url=url,
                title=Text(gettext_noop("A repeating post was not scheduled: plan limit reached")),
            )
        ]
    )


def _copy(root: PostGroup, when: datetime) -> PostGroup:
    occurrence = PostGroup.objects.create(
        organization=root.organization,
        created_by=root.created_by,
        creation_method=root.creation_method,
        timezone=root.timezone,
        content=root.content,
        repeat_of=root,
    )
    occurrence.tags.set(root.tags.all())
    templates = (
        root.posts.filter(integration__deleted_at__isnull=True)
        .exclude(state__in=(State.CANCELLED, State.DRAFT))
        .select_related("integration__customer", "integration__organization")
        .prefetch_related("items__attachments")
    )
    waiting = []
    for template in templates:
        # An occurrence says what the series' root says: a root approved for its channel
        # has its later occurrences approved with it (the same content); otherwise each
        # occurrence waits for approval like any post (posts.services.approvals).
        state, review_state = approvals.review_gate(
            integration=template.integration,
            review_state=ReviewState.APPROVED
            if template.review_state == ReviewState.APPROVED
            else "",
        )
        post = Post.objects.create(
            organization=root.organization,
            group=occurrence,
            integration_id=template.integration_id,
            state=state,
            review_state=review_state,
            publish_at=when,
            settings=template.settings,
            customized=template.customized,
        )
        for item in template.items.all():
            copy = PostItem.objects.create(
                post=post,
                position=item.position,
                content=item.content,
                delay_minutes=item.delay_minutes,
            )
            PostItemMedia.objects.bulk_create(
                PostItemMedia(
                    item=copy,
                    media_id=attachment.media_id,
                    position=attachment.position,
                    alt_text=attachment.alt_text,
                )
                for attachment in item.attachments.all()
            )
        if state == State.REVIEW:
            waiting.append(post)
    approvals.review_requested(group=occurrence, actor=None, posts=waiting)
    return occurrence
