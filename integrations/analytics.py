"""Fetching counts from the networks politely, and a channel's daily counts.

Every request for counts is paid from the channel's hourly budget (the provider's
``metrics_per_hour``), spent in slices (``TICKS_PER_HOUR`` rounds an hour) so a channel's
requests spread over the hour instead of bursting. A refused permission stops fetching
the channel's counts and says so on the Analytics page until the channel is reconnected;
a throttled or failing network pauses the channel for a while. None of this runs in the
publisher: the jobs are django-q2 tasks (integrations.tasks, posts.analytics.tasks).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.models import (
    ChannelAnalytics,
    ChannelMetric,
    Integration,
    OrganizationMetricDay,
)
from integrations.providers import get_provider
from integrations.providers.base import ErrorKind, Metrics
from organizations.texts import Text, english, stored

logger = logging.getLogger("postiz.integrations")

# The analytics rounds run every 5 minutes; each may spend this share of an hour's budget.
TICKS_PER_HOUR = 12
# How long a channel rests after the network throttled or failed without saying how long.
PAUSE_AFTER_FAILURE = timedelta(minutes=30)
# Channel counts are read once a day; the first read looks back this far where the
# network keeps a history.
DAILY = timedelta(hours=23)
FIRST_LOOKBACK_DAYS = 30


class MetricsUnavailable(Exception):
    """The counts could not be read now (refused, throttled, failing); the channel's
    state says why and when to try again."""


def provider_analytics(identifier: str) -> str:
    """ "none", "post", "account" or "both" for a network identifier ("none" if unknown)."""
    from integrations.providers import provider_classes

    cls = provider_classes().get(identifier)
    return cls.analytics if cls else "none"


def providers_with(kind: str) -> list[str]:
    """Identifiers of the networks that report ``kind`` ("post" or "account") counts."""
    from integrations.providers import provider_classes

    wanted = {kind, "both"}
    return sorted(i for i, cls in provider_classes().items() if cls.analytics in wanted)


def analytics_state(integration: Integration) -> ChannelAnalytics:
    state, _ = ChannelAnalytics.objects.get_or_create(
        integration=integration, defaults={"organization_id": integration.organization_id}
    )
    return state


def budget_slice(integration: Integration) -> int:
    """How many requests one round may make for this channel: its hourly budget shared
    over the rounds of an hour (at least one)."""
    per_hour = get_provider(integration.provider).metrics_per_hour
    return max(1, math.ceil(per_hour / TICKS_PER_HOUR))


def budget_reserve(*, integration: Integration, wanted: int, now: datetime | None = None) -> int:
    """The fetch jobs call this before asking the network; returns how many of ``wanted``
    requests the channel's hourly budget allows now (0 while it is paused or refused).
    Safe under concurrent jobs: the row is locked while the budget is counted."""
    now = now or timezone.now()
    per_hour = get_provider(integration.provider).metrics_per_hour
    analytics_state(integration)
    with transaction.atomic():
        state = ChannelAnalytics.objects.select_for_update().get(integration=integration)
        if state.needs_reconnect or (state.paused_until and state.paused_until > now):
            return 0
        if now - state.window_start >= timedelta(hours=1):
            state.window_start, state.window_used = now, 0
        granted = max(0, min(wanted, per_hour - state.window_used))
        state.window_used += granted
        state.save(update_fields=["window_start", "window_used"])
    return granted


def budget_return(*, integration: Integration, unused: int) -> None:
    """Give back requests reserved but not made (fewer posts were due than reserved)."""
    if unused > 0:
        from django.db.models import F
        from django.db.models.functions import Greatest

        ChannelAnalytics.objects.filter(integration=integration).update(
            window_used=Greatest(F("window_used") - unused, 0)
        )


def analytics_refused(*, integration: Integration, message: str | Text) -> None:
    """Record that the network refused the counts' permission; fetching stops until the
    channel is reconnected (integration_connect clears it)."""
    state = analytics_state(integration)
    state.needs_reconnect = True
    state.message, state.message_text = english(message), stored(message)
    state.refused_at = timezone.now()
    state.save(update_fields=["needs_reconnect", "message", "message_text", "refused_at"])


def analytics_reconnected(*, integration: Integration) -> None:
    """Called when a channel is connected again: its counts may be fetched again."""
    ChannelAnalytics.objects.filter(integration=integration, needs_reconnect=True).update(
        needs_reconnect=False, message="", message_text=None, refused_at=None, paused_until=None
    )


def _pause(integration: Integration, seconds: float | None) -> None:
    until = timezone.now() + (timedelta(seconds=seconds) if seconds else PAUSE_AFTER_FAILURE)
    ChannelAnalytics.objects.filter(integration=integration).update(paused_until=until)


def metrics_call(integration: Integration, what: str, call: Callable[[Any], Any]) -> Any:
    """``call(channel)`` with fresh credentials; a refusal or failure is recorded on the
    channel's analytics state and raised as MetricsUnavailable."""
    from integrations.tools import ChannelDisconnected, ToolFailed, _with_credentials

    analytics_state(integration)
    try:
        return _with_credentials(integration, what, call)
    except ChannelDisconnected as gone:
        analytics_refused(integration=integration, message=str(gone))
        raise MetricsUnavailable(str(gone)) from gone
    except ToolFailed as failed:
        error = failed.error
        if error is not None and error.kind == ErrorKind.PERMISSION_DENIED:
            network = get_provider(integration.provider).display_name
            analytics_refused(
                integration=integration,
                message=Text(
                    gettext_noop(
                        "%(network)s refused to share this channel's counts: %(reason)s "
                        "Reconnect the channel and grant the permission."
                    ),
                    network=network,
                    reason=error.text or failed.message,
                ),
            )
        else:
            _pause(integration, error.retry_after if error is not None else None)
        raise MetricsUnavailable(failed.message) from failed


def _upsert(model, rows: list, unique: list[str]) -> None:
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=unique, update_fields=["value", "updated_at"]
    )


def channel_metrics_store(
    *, integration: Integration, found: dict[date, Metrics], now: datetime | None = None
) -> int:
    """Upsert what the network told of each day; returns how many rows were written."""
    now = now or timezone.now()
    rows = [
        ChannelMetric(
            organization_id=integration.organization_id,
            integration=integration,
            metric=name,
            day=day,
            value=value,
            updated_at=now,
        )
        for day, metrics in found.items()
        for name, value in metrics.values.items()
    ]
    if rows:
        _upsert(ChannelMetric, rows, ["integration", "metric", "day"])
        organization_days_rebuild(organization_id=integration.organization_id, days=set(found))
    return len(rows)


def organization_days_rebuild(*, organization_id: int, days: set[date] | None = None) -> None:
    """Recompute the organization's per-day sums (OrganizationMetricDay) from its live
    channels' rows, for ``days`` or every day; called after writes and deletions."""
    from django.db import connection

    where, params = "", [organization_id]
    if days is not None:
        if not days:
            return
        where = " AND m.day = ANY(%s)"
        params.append(sorted(days))
    with transaction.atomic():
        scope = OrganizationMetricDay.objects.filter(organization_id=organization_id)
        (scope.filter(day__in=days) if days is not None else scope).delete()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {OrganizationMetricDay._meta.db_table} "  # noqa: S608 - names only
                "(organization_id, metric, day, value) "
                "SELECT m.organization_id, m.metric, m.day, SUM(m.value) "
                f"FROM {ChannelMetric._meta.db_table} m "
                f"JOIN {Integration._meta.db_table} i ON i.id = m.integration_id "
                f"WHERE m.organization_id = %s AND i.deleted_at IS NULL{where} "
                "GROUP BY m.organization_id, m.metric, m.day",
                params,
            )


def channel_metrics_fetch(*, integration_id: int) -> int:
    """The daily job calls this per channel; reads the days since the last read (the last
    30 the first time) and stores them. Returns rows written (0 when it could not)."""
    integration = Integration.objects.filter(
        pk=integration_id, deleted_at__isnull=True, status=Integration.Status.ACTIVE
    ).first()
    if integration is None or provider_analytics(integration.provider) not in ("account", "both"):
        return 0
    if not budget_reserve(integration=integration, wanted=1):
        return 0
    state = analytics_state(integration)
    today = timezone.now().date()
    since = today - timedelta(days=FIRST_LOOKBACK_DAYS)
    if state.channel_fetched_at:
        since = max(since, state.channel_fetched_at.date() - timedelta(days=1))
    provider = get_provider(integration.provider)
    try:
        found = metrics_call(
            integration,
            "channel counts",
            lambda channel: provider.channel_metrics(channel, since, today),
        )
    except MetricsUnavailable:
        return 0
    written = channel_metrics_store(integration=integration, found=found or {})
    ChannelAnalytics.objects.filter(integration=integration).update(
        channel_fetched_at=timezone.now()
    )
    return written


def channels_due_daily(*, limit: int = 500) -> list[int]:
    """Channels whose daily counts were not read in the last 23 hours, oldest first."""
    from django.db.models import F, Q

    cutoff = timezone.now() - DAILY
    return list(
        Integration.objects.filter(
            deleted_at__isnull=True,
            status=Integration.Status.ACTIVE,
            provider__in=providers_with("account"),
        )
        .filter(
            Q(analytics_state__isnull=True)
            | Q(
                analytics_state__needs_reconnect=False,
                analytics_state__channel_fetched_at__isnull=True,
            )
            | Q(
                analytics_state__needs_reconnect=False,
                analytics_state__channel_fetched_at__lt=cutoff,
            )
        )
        .order_by(F("analytics_state__channel_fetched_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
