"""The queue: the next free posting slot of the chosen channels, in each channel's local
wall-clock time (so 09:00 stays 09:00 across DST)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone as dj_timezone

from integrations.models import Integration
from organizations.models import Organization
from posts.models import Post
from posts.states import State

# How far ahead "queue" looks for a free slot.
QUEUE_HORIZON_DAYS = 400


# -- The queue --------------------------------------------------------------------------
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_slot(day: date, hhmm: str, zone: ZoneInfo) -> datetime | None:
    """``hhmm`` on ``day`` in ``zone``, as an aware UTC instant.

    In the spring-forward gap (02:30 that never happens) the slot moves forward by the
    gap, to 03:30; in the autumn overlap (02:30 twice) it is the first 02:30."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":")[:2])
        local = datetime.combine(day, time(hour, minute), tzinfo=zone)
    except (ValueError, TypeError):
        return None
    return local.astimezone(ZoneInfo("UTC"))


def next_free_slot(
    *,
    organization: Organization,
    integrations: Sequence[Integration],
    after: datetime | None = None,
) -> datetime | None:
    """Anyone may ask; never in the past. The earliest posting slot of any of the chosen
    channels (their local times in their own zones) at which none of them already has a
    scheduled post; None when there is none within a year."""
    now = dj_timezone.now()
    after = max(after or now, now)
    integrations = [i for i in integrations if i.organization_id == organization.pk]
    if not integrations:
        return None
    horizon = after + timedelta(days=QUEUE_HORIZON_DAYS)
    taken = {
        at.replace(second=0, microsecond=0)
        for at in Post.objects.filter(
            organization=organization,
            integration__in=integrations,
            # A post waiting for approval holds its slot: it goes out there once approved.
            state__in=(State.SCHEDULED, State.REVIEW),
            publish_at__gt=after,
            publish_at__lte=horizon,
        ).values_list("publish_at", flat=True)
    }
    zones = [(_zone(i.timezone), list(i.posting_times or [])) for i in integrations]
    for offset in range(-1, QUEUE_HORIZON_DAYS + 1):
        candidates = set()
        for zone, times in zones:
            # Each channel's calendar day, so a slot near midnight lands on the right date.
            day = after.astimezone(zone).date() + timedelta(days=offset)
            for hhmm in times:
                at = _local_slot(day, hhmm, zone)
                if at is not None and at > after and at not in taken:
                    candidates.add(at)
        if candidates:
            return min(candidates)
    return None
