"""django-q2 entry points for the token lifecycle. Each takes ids, re-fetches, calls one
service and is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from integrations import services
from integrations.models import Integration
from integrations.providers import provider_classes

logger = logging.getLogger("postiz.integrations")

REMIND_BEFORE = timedelta(days=7)


def _live():
    return Integration.objects.filter(
        deleted_at__isnull=True, status=Integration.Status.ACTIVE, token_expires_at__isnull=False
    )


def refresh_expiring_channels() -> dict:
    """Every 5 minutes: refresh tokens expiring within their provider's refresh_ahead,
    and remind once about tokens that cannot be refreshed and expire within 7 days."""
    now = timezone.now()
    refreshed = failed = reminded = 0
    refreshable, fixed = [], []
    for identifier, cls in provider_classes().items():
        (refreshable if cls.refresh_ahead > 0 else fixed).append((identifier, cls))
    for identifier, cls in refreshable:
        ids = list(
            _live()
            .filter(
                provider=identifier,
                token_expires_at__lte=now + timedelta(seconds=cls.refresh_ahead),
            )
            .order_by("token_expires_at")
            .values_list("pk", flat=True)
        )
        for pk in ids:
            refresh_channel(pk, cls.refresh_ahead)
            integration = (
                Integration.objects.filter(pk=pk).only("status", "last_refreshed_at").first()
            )
            if (
                integration
                and integration.last_refreshed_at
                and integration.last_refreshed_at >= now
            ):
                refreshed += 1
            else:
                failed += 1
    if fixed:
        ids = list(
            _live()
            .filter(
                provider__in=[identifier for identifier, _ in fixed],
                token_expires_at__lte=now + REMIND_BEFORE,
            )
            .exclude(meta__has_key=services.REMINDER_FLAG)
            .values_list("pk", flat=True)
        )
        for pk in ids:
            reminded += services.integration_remind_expiry(integration_id=pk)
    return {"refreshed": refreshed, "failed": failed, "reminded": reminded}


def refresh_channel(integration_id: int, within_seconds: int | None = None) -> None:
    """One channel; a failure of one never stops the job for the others."""
    try:
        services.integration_refresh(
            integration_id=integration_id, only_if_expiring_within=within_seconds
        )
    except Exception:  # one broken provider must not starve the rest
        logger.exception("refresh of channel %s crashed", integration_id)


def store_channel_picture(integration_id: int) -> bool:
    """After a connect or a check: copy the channel's picture (never raises)."""
    try:
        return services.integration_store_picture(integration_id=integration_id)
    except Exception:  # a picture must never fail a job loudly
        logger.exception("picture of channel %s crashed", integration_id)
        return False


PICTURES_PER_RUN = 20


def copy_channel_pictures() -> dict:
    """Every 15 minutes: copy the pictures still loaded from the networks' servers (channels
    connected before copies were kept, copies that failed a day ago), a few at a time."""
    ids = services.channels_missing_pictures(limit=PICTURES_PER_RUN)
    copied = sum(store_channel_picture(pk) for pk in ids)
    return {"copied": copied, "failed": len(ids) - copied}


# -- analytics ------------------------------------------------------------------------------
def channel_metrics_round() -> dict:
    """Every hour: queue the daily counts of channels not read in the last 23 hours. Each
    channel is its own job, so one slow network does not hold the others up."""
    from django_q.tasks import async_task

    from integrations.analytics import channels_due_daily

    ids = channels_due_daily()
    for integration_id in ids:
        async_task("integrations.tasks.fetch_channel_metrics", integration_id)
    return {"queued": len(ids)}


def fetch_channel_metrics(integration_id: int) -> int:
    from integrations.analytics import channel_metrics_fetch

    return channel_metrics_fetch(integration_id=integration_id)
