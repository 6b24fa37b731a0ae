"""Reads for the Analytics page, its report and CSV, and both APIs: always scoped to one
organization, a fixed number of queries whatever the period or the number of channels.

Days are UTC days. A period of N days ends today and starts N-1 days before; the period
before it has the same length. Channel counts (followers, impressions…) come per day from
the channels; post counts are what the posts published in the period achieved (each
post's latest count), so the change compares this period's posts with the previous
period's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from integrations.analytics import provider_analytics
from integrations.models import (
    ChannelAnalytics,
    ChannelMetric,
    Customer,
    Integration,
    OrganizationMetricDay,
)
from integrations.providers.base.data import METRIC_LABELS, METRIC_NAMES
from integrations.selectors import acting_limit, visible_customers_q
from organizations.models import Organization
from posts.analytics.models import PostMetric, PostMetricLatest
from posts.models import Post, PostItem
from posts.selectors import limit_posts
from posts.states import State

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
# Counts that are a level (the account's size), not a sum of events: a period shows the
# last day's value, and its change compares the last days of the two periods.
LEVELS = frozenset({"followers"})
TOP_POSTS = 10
ENGAGEMENT = ("likes", "comments", "shares", "saves", "clicks")


@dataclass(frozen=True)
class Period:
    days: int
    start: date
    end: date

    @property
    def previous(self) -> Period:
        return Period(self.days, self.start - timedelta(days=self.days), self.start - timedelta(1))

    @property
    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware UTC datetimes [start, end + 1 day)."""
        return (
            datetime.combine(self.start, time.min, tzinfo=UTC),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC),
        )


def period_of(days: int, today: date | None = None) -> Period:
    today = today or timezone.now().date()
    return Period(days, today - timedelta(days=days - 1), today)


@dataclass
class Series:
    """One metric over a period: the day values (None where nothing was told), the
    period's figure and the previous period's, and the change in percent."""

    metric: str
    source: str  # "channel" or "posts"
    points: list[tuple[date, int | None]]
    total: int
    previous: int
    change: float | None = field(default=None)

    @property
    def label(self) -> str:
        return str(METRIC_LABELS.get(self.metric, self.metric.capitalize()))


def change_percent(current: int, previous: int) -> float | None:
    """The change from previous to current in percent (one decimal); None when there is
    nothing to compare with."""
    if not previous:
        return None
    return round((current - previous) * 100.0 / previous, 1)


def analytics_channels(
    *,
    organization: Organization,
    customer: Customer | None = None,
    channel=None,
    with_deleted: bool = False,
) -> QuerySet[Integration]:
    """The organization's live channels the page covers (one customer's, or one)."""
    found = Integration.objects.filter(organization=organization)
    found = found.filter(visible_customers_q(organization))
    if not with_deleted:
        found = found.filter(deleted_at__isnull=True)
    if customer is not None:
        found = found.filter(customer=customer)
    if channel is not None:
        found = found.filter(pk=channel.pk)
    return found.order_by("name", "pk")


def _scope(organization: Organization, ids: list[int] | None, gone: list[int] = ()) -> Q:
    """The organization's rows but those of deleted channels (``gone``), or only these
    channels' (a filter was chosen). Never an empty IN: the same queries run whatever is
    selected."""
    scope = Q(organization=organization)
    if ids is not None:
        return scope & Q(integration_id__in=ids or [0])
    return scope & ~Q(integration_id__in=list(gone) or [0])


def _channel_series(scope: Q, period: Period, *, whole: Organization | None = None) -> list[Series]:
    """Per-channel rows summed per day; for the ``whole`` organization (no filter) its
    daily sums kept ready (OrganizationMetricDay)."""
    previous = period.previous
    source = (
        OrganizationMetricDay.objects.filter(organization=whole)
        if whole is not None
        else ChannelMetric.objects.filter(scope)
    )
    rows = (
        source.filter(day__gte=previous.start, day__lte=period.end)
        .values("metric", "day")
        .annotate(total=Sum("value"))
    )
    by_metric: dict[str, dict[date, int]] = {}
    for row in rows:
        by_metric.setdefault(row["metric"], {})[row["day"]] = row["total"]
    found = []
    for metric in METRIC_NAMES:
        days = by_metric.get(metric)
        if not days:
            continue
        points = [(d, days.get(d)) for d in period.dates]
        if metric in LEVELS:
            total = _last(days, period)
            before = _last(days, previous)
        else:
            total = sum(v for d, v in days.items() if period.start <= d <= period.end)
            before = sum(v for d, v in days.items() if previous.start <= d <= previous.end)
        found.append(
            Series(metric, "channel", points, total, before, change_percent(total, before))
        )
    return found


def _last(days: dict[date, int], period: Period) -> int:
    inside = [d for d in days if period.start <= d <= period.end]
    return days[max(inside)] if inside else 0


def _post_series(scope: Q, period: Period) -> list[Series]:
    """Sums of the latest counts of the posts published each day of this period and the
    one before (one query); the period's figure is the sum over its days."""
    _, end = period.bounds()
    before_start, _ = period.previous.bounds()
    daily: dict[str, dict[date, int]] = {}
    for row in (
        PostMetricLatest.objects.filter(scope, published_at__gte=before_start, published_at__lt=end)
        .annotate(day=TruncDate("published_at", tzinfo=UTC))
        .values("metric", "day")
        .annotate(total=Sum("value"))
    ):
        daily.setdefault(row["metric"], {})[row["day"]] = row["total"]
    found = []
    for metric in METRIC_NAMES:
        days = daily.get(metric)
        if not days:
            continue
        now = sum(v for d, v in days.items() if d >= period.start)
        before = sum(v for d, v in days.items() if d < period.start)
        points = [(d, days.get(d)) for d in period.dates]
        found.append(Series(metric, "posts", points, now, before, change_percent(now, before)))
    return found


def top_posts(*, scope: Q, period: Period, limit: int = TOP_POSTS) -> list[Post]:
    """The period's posts with the most engagement (likes, comments, shares, saves,
    clicks), each with ``engagement`` and ``counts`` ({metric: value}) set."""
    start, end = period.bounds()
    ranked = list(
        PostMetricLatest.objects.filter(scope, published_at__gte=start, published_at__lt=end)
        .values("post_id")
        .annotate(engagement=Sum("value", filter=Q(metric__in=ENGAGEMENT)))
        .order_by("-engagement", "-post_id")[:limit]
    )
    order = [row["post_id"] for row in ranked] or [0]
    posts = {
        p.pk: p
        for p in Post.objects.filter(pk__in=order)
        .select_related("integration")
        .prefetch_related("items", "latest_metrics")
    }
    found = []
    for row in ranked:
        post = posts[row["post_id"]]
        post.engagement = row["engagement"] or 0
        post.counts = {m.metric: m.value for m in post.latest_metrics.all()}
        first = min(post.items.all(), key=lambda item: item.position, default=None)
        post.preview = (first.content if first else "")[:140]
        found.append(post)
    return found


@dataclass
class ChannelNote:
    channel: Integration
    analytics: str
    needs_reconnect: bool
    message: str


def channel_notes(channels: list[Integration]) -> list[ChannelNote]:
    """What the page says of each channel: which counts its network gives, and a refusal
    that needs a reconnect (one query)."""
    states = {
        s.integration_id: s
        for s in ChannelAnalytics.objects.filter(integration_id__in=[c.pk for c in channels] or [0])
    }
    notes = []
    for channel in channels:
        state = states.get(channel.pk)
        refused = bool(state and state.needs_reconnect)
        if channel.status == Integration.Status.NEEDS_RECONNECT:
            refused = True
        if state and state.needs_reconnect:
            message = state.message_display
        else:
            message = channel.last_error_display
        notes.append(
            ChannelNote(channel, provider_analytics(channel.provider), refused, message or "")
        )
    return notes


@dataclass
class Overview:
    period: Period
    channels: list[Integration]
    series: list[Series]
    top: list[Post]
    notes: list[ChannelNote]

    @property
    def empty(self) -> bool:
        return not self.series


def overview(
    *,
    organization: Organization,
    days: int = DEFAULT_PERIOD,
    customer: Customer | None = None,
    channel: Integration | None = None,
    today: date | None = None,
) -> Overview:
    """Everything the Analytics page shows for these filters, in six queries."""
    period = period_of(days, today)
    # Deleted channels too, in the same query: their rows stay out of the sums.
    every = list(
        analytics_channels(
            organization=organization, customer=customer, channel=channel, with_deleted=True
        )
    )
    channels = [c for c in every if c.deleted_at is None]
    gone = [c.pk for c in every if c.deleted_at is not None]
    # A member limited to customers reads their channels' rows only, never the whole
    # organization's sums.
    filtered = customer is not None or channel is not None or bool(acting_limit(organization))
    scope = _scope(organization, [c.pk for c in channels] if filtered else None, gone)
    return Overview(
        period=period,
        channels=channels,
        series=_channel_series(scope, period, whole=None if filtered else organization)
        + _post_series(scope, period),
        top=top_posts(scope=scope, period=period),
        notes=channel_notes(channels),
    )


# -- one channel, one post (the APIs) ---------------------------------------------------
def channel_series(*, integration: Integration, days: int, today: date | None = None):
    """The channel's series (its own counts, then its posts') over the last ``days``."""
    period = period_of(days, today)
    scope = _scope(integration.organization, [integration.pk])
    return _channel_series(scope, period) + _post_series(scope, period)


def post_series(*, post: Post, days: int, today: date | None = None) -> list[Series]:
    """A post's counts per day over the last ``days``; the change compares the last
    value with the one before the period (or the first inside it)."""
    period = period_of(days, today)
    rows = PostMetric.objects.filter(post=post, day__lte=period.end).order_by("metric", "day")
    by_metric: dict[str, dict[date, int]] = {}
    for row in rows.values("metric", "day", "value"):
        by_metric.setdefault(row["metric"], {})[row["day"]] = row["value"]
    found = []
    for metric in METRIC_NAMES:
        days_seen = by_metric.get(metric)
        if not days_seen:
            continue
        inside = sorted(d for d in days_seen if d >= period.start)
        if not inside:
            continue
        earlier = sorted(d for d in days_seen if d < period.start)
        last = days_seen[inside[-1]]
        base = days_seen[earlier[-1]] if earlier else days_seen[inside[0]]
        points = [(d, days_seen.get(d)) for d in period.dates]
        found.append(Series(metric, "post", points, last, base, change_percent(last, base) or 0.0))
    return found


def post_metric_rows(*, organization: Organization, post: Post) -> QuerySet[PostMetric]:
    """A post's day rows (the native API pages them)."""
    return PostMetric.objects.filter(organization=organization, post=post)


def channel_metric_rows(
    *, organization: Organization, integration: Integration
) -> QuerySet[ChannelMetric]:
    return ChannelMetric.objects.filter(organization=organization, integration=integration)


def latest_counts(*, organization: Organization, post_ids: list[int]) -> dict[int, dict]:
    """{post id: {metric: value}} for the calendar's popover and list (one query)."""
    found: dict[int, dict] = {}
    for post_id, metric, value in PostMetricLatest.objects.filter(
        organization=organization, post_id__in=post_ids
    ).values_list("post_id", "metric", "value"):
        found.setdefault(post_id, {})[metric] = value
    return found


def calendar_counts(*, organization: Organization, group_ids: list[int]) -> dict[tuple, str]:
    """{(group id, channel id): "21 likes · 3 comments"} for the calendar's published
    posts (one query), in the order of METRIC_NAMES."""
    if not group_ids:
        return {}
    found: dict[tuple, dict] = {}
    for group_id, channel_id, metric, value in PostMetricLatest.objects.filter(
        organization=organization, post__group_id__in=group_ids
    ).values_list("post__group_id", "integration_id", "metric", "value"):
        found.setdefault((group_id, channel_id), {})[metric] = value
    return {
        key: " · ".join(f"{counts[m]:,} {m}" for m in METRIC_NAMES if m in counts)
        for key, counts in found.items()
    }


# -- CSV exports (the Analytics page's per-post and per-channel files) --------------------
def export_post_counts(
    *,
    organization: Organization,
    days: int = DEFAULT_PERIOD,
    customer: Customer | None = None,
    channel: Integration | None = None,
    today: date | None = None,
):
    """Every post published in the period on the page's channels with its latest count
    per metric, oldest first, read in chunks: (post, {metric: value}) pairs."""
    period = period_of(days, today)
    channels = analytics_channels(organization=organization, customer=customer, channel=channel)
    published = Post.objects.filter(
        organization=organization,
        integration__in=channels,
        state=State.PUBLISHED,
        published_at__date__gte=period.start,
        published_at__date__lte=period.end,
    )
    # As the posts pages show them: a limited member's, never a post of a group that is
    # also on another customer's channel.
    posts = (
        limit_posts(published, organization)
        .select_related("integration")
        .prefetch_related(
            "latest_metrics", Prefetch("items", queryset=PostItem.objects.filter(position=0))
        )
        .order_by("published_at", "pk")
    )
    for post in posts.iterator(chunk_size=1000):
        root = next(iter(post.items.all()), None)
        post.preview = root.content if root else ""
        yield post, {m.metric: m.value for m in post.latest_metrics.all()}


def export_channel_counts(
    *,
    organization: Organization,
    days: int = DEFAULT_PERIOD,
    customer: Customer | None = None,
    channel: Integration | None = None,
    today: date | None = None,
) -> QuerySet:
    """Each channel's own counts per day over the period (what its network reports),
    as rows of (channel name, day, metric, value)."""
    period = period_of(days, today)
    channels = analytics_channels(organization=organization, customer=customer, channel=channel)
    return (
        ChannelMetric.objects.filter(
            organization=organization,
            integration__in=channels,
            day__gte=period.start,
            day__lte=period.end,
        )
        .order_by("integration__name", "integration_id", "day", "metric")
        .values_list("integration__name", "day", "metric", "value")
    )
