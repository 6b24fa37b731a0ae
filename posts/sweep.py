"""The sweep: every minute, whatever the publisher loops did not take care of.

- Posts due longer ago than the grace window (``POSTIZ_MISSED_GRACE_MINUTES``) were due
  while nothing was running. They are not sent late: they become "missed" and the people
  of the organization are told, so they can post now, reschedule or cancel.
- Posts of a disabled channel are held, not missed, while the channel stays disabled.
- Repeating series get their next occurrence (posts.repeats).
- Posts whose time came while they waited for approval are held, never published, and
  the team is told once (posts.services.approvals).
- Posts held by a worker that died are handed back (posts.engine.release_orphans).
- Events recorded by a process that died before telling them are told.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.models import Integration
from organizations import events as organization_events
from organizations.texts import Text
from posts import engine, events, repeats
from posts.models import Post
from posts.services import approvals
from posts.states import State, transition

logger = logging.getLogger("postiz.sweep")

MISSED_MESSAGE = gettext_noop(
    "This post was due while the service was not running, and it was not sent late. "
    "Post it now, pick a new time or cancel it."
)


def grace() -> timedelta:
    return timedelta(minutes=settings.POSTIZ_MISSED_GRACE_MINUTES)


def late_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=settings.POSTIZ_LATE_POST_MINUTES)


def overdue_posts(*, now: datetime | None = None):
    """Posts that should have gone out by now and have not (held posts excluded): what the
    late-post alarm counts."""
    cutoff = late_cutoff(now)
    # Due at its retry time when the engine set one (always after the requested time).
    return Post.objects.annotate(due_at=Coalesce("retry_at", "publish_at")).filter(
        Q(retry_at=None) | Q(retry_at__lt=cutoff),
        state=State.SCHEDULED,
        publish_at__lt=cutoff,
        integration__status=Integration.Status.ACTIVE,
        integration__deleted_at__isnull=True,
    )


def sweep_missed(*, now: datetime | None = None) -> int:
    """The sweep calls this; marks posts overdue past the grace window as missed, once."""
    now = now or timezone.now()
    # First attempts only: a post the engine retries (or looks for after a crash) was on
    # its way at its time, and may already be on the network.
    candidates = Post.objects.filter(
        state=State.SCHEDULED, publish_at__lt=now - grace(), retry_at=None
    ).exclude(integration__status=Integration.Status.DISABLED)
    missed = list(candidates.values_list("pk", "organization_id", "integration_id")[:1000])
    if not missed:
        return 0
    moved_ids = []
    for pk, organization_id, integration_id in missed:
        # One conditional UPDATE each: a post a loop claims meanwhile is left to the loop.
        with transaction.atomic():
            if transition(
                Post.objects.filter(pk=pk, publish_at__lt=now - grace(), retry_at=None),
                State.MISSED,
                error_kind="missed",
                **Post.error_changes(Text(MISSED_MESSAGE)),
            ):
                moved_ids.append(pk)
                events.emit(
                    events.POST_MISSED,
                    organization_id=organization_id,
                    post_id=pk,
                    integration_id=integration_id,
                    message=Text(MISSED_MESSAGE),
                )
    if moved_ids:
        logger.warning("%d overdue posts marked missed", len(moved_ids))
    return len(moved_ids)


def sweep(*, now: datetime | None = None) -> dict:
    """The periodic job: hand back dead workers' posts, mark missed ones, create repeats."""
    now = now or timezone.now()
    return {
        "released": len(engine.release_orphans(now=now)),
        "missed": sweep_missed(now=now),
        "repeats": repeats.repeats_create_due(now=now),
        "held": approvals.reviews_hold_due(now=now),
        # Events a process recorded but died before telling (organizations.events).
        "told": organization_events.dispatch_all(),
    }
