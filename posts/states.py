"""A post's life, written down once.

    draft ──► scheduled ──► publishing ──► published
      ▲           │  ▲          │  │
      │           │  └──────────┘  ├──► failed ──► scheduled (retry) / published (marked)
      └───────────┤  (retry later) └──► unconfirmed ──► published / failed (after a check)
                  ▼      └──► missed (due during downtime, past the grace window)
              cancelled         └──► scheduled (post now / reschedule) / cancelled

    draft / scheduled / failed / missed ──► review ──► scheduled (once approved)
                                              └──► draft (rejected) / cancelled

A post in ``review`` waits for approvals (posts.services.approvals). The engine claims only
``scheduled`` posts, and a database CHECK (posts.models.Post) keeps any post whose
``review_state`` is not approved out of ``scheduled`` and ``publishing``, so a post that
lacks an approval is never published whichever path forgets to ask.

Every change goes through ``transition``, a single conditional UPDATE: it succeeds only
if the post is still in one of the states the change is allowed from. Two workers, or a
worker and a person editing, can never both win: the loser's UPDATE touches no row.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class State(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    SCHEDULED = "scheduled", gettext_lazy("Scheduled")
    PUBLISHING = "publishing", gettext_lazy("Publishing")
    PUBLISHED = "published", gettext_lazy("Published")
    FAILED = "failed", gettext_lazy("Failed")
    UNCONFIRMED = "unconfirmed", gettext_lazy("Unconfirmed")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    # Due during downtime and past the grace window: the person decides (post now,
    # reschedule or cancel) instead of it going out late.
    MISSED = "missed", gettext_lazy("Missed")
    # Meant to go out at its time, but still waiting for the approvals its channel needs.
    REVIEW = "review", gettext_lazy("Waiting for approval")


# to-state → the states it may be reached from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset(
        {State.SCHEDULED, State.FAILED, State.CANCELLED, State.MISSED, State.REVIEW}
    ),
    State.SCHEDULED: frozenset(
        {
            State.DRAFT,
            State.SCHEDULED,
            State.PUBLISHING,
            State.FAILED,
            State.UNCONFIRMED,
            State.MISSED,
            State.REVIEW,
        }
    ),
    State.PUBLISHING: frozenset({State.SCHEDULED}),
    State.PUBLISHED: frozenset({State.PUBLISHING, State.FAILED, State.UNCONFIRMED}),
    State.FAILED: frozenset({State.PUBLISHING, State.UNCONFIRMED}),
    State.UNCONFIRMED: frozenset({State.PUBLISHING}),
    State.CANCELLED: frozenset(
        {State.DRAFT, State.SCHEDULED, State.FAILED, State.UNCONFIRMED, State.MISSED, State.REVIEW}
    ),
    State.MISSED: frozenset({State.SCHEDULED}),
    State.REVIEW: frozenset(
        {State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED, State.REVIEW}
    ),
}

# States a person may still edit: never while a worker holds the post, never once it is out.
EDITABLE = frozenset({State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED, State.REVIEW})


def can_transition(current: str, target: str) -> bool:
    return current in ALLOWED_FROM[target]


def transition(queryset, target: str, **changes) -> int:
    """Move every post of ``queryset`` that may go to ``target``; returns how many moved.

    The caller narrows the queryset (one id, a channel's posts, a claim batch); the allowed
    source states are added here, so no caller can skip the rules. A new requested time
    (``publish_at``) also drops any retry time the engine had set, unless one is given.
    """
    changes.setdefault("state_changed_at", timezone.now())
    if "publish_at" in changes:
        changes.setdefault("retry_at", None)
    return queryset.filter(state__in=ALLOWED_FROM[target]).update(state=target, **changes)
