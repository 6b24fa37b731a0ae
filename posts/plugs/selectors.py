"""Reading plugs and their runs, always through a channel or post the caller may see."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from integrations.models import Integration
from posts.plugs.models import Plug, PlugRun


def plugs_of_channel(*, integration: Integration) -> QuerySet[Plug]:
    """The channel's plugs (the caller found the channel through the tenancy selectors),
    each with how many times it fired."""
    from django.db.models import Count, Q

    return Plug.objects.filter(integration=integration).annotate(
        fired=Count("runs", filter=Q(runs__state=PlugRun.State.DONE))
    )


def plug_of_channel(*, integration: Integration, public_id) -> Plug | None:
    """One of the channel's plugs by its public id; None for any other (404)."""
    try:
        found = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return Plug.objects.filter(integration=integration, public_id=found).first()


def runs_of_posts(*, post_ids) -> dict[int, list[PlugRun]]:
    """The plug runs of these posts (ids the caller already read through a selector),
    oldest first, by post id: one query."""
    found: dict[int, list[PlugRun]] = {}
    for run in PlugRun.objects.filter(post_id__in=list(post_ids)).order_by("created_at", "id"):
        found.setdefault(run.post_id, []).append(run)
    return found
