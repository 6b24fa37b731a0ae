"""What follows from time and settings rather than from a person's review: posts whose
time came while still in review are held and reviews that wait too long are reminded (the
django-q2 worker, never the publisher), and posts follow a change of who must approve."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_noop

from organizations.texts import Text
from posts.models import EARLIEST_DATE, Notification, Post, PostGroup, ReviewEvent, ReviewState
from posts.services.approvals import (
    NONE,
    Action,
    _approvers,
    _audit,
    _author,
    _channels,
    _record,
    _transition,
    approval_required,
    notify_members,
    review_requested,
)
from posts.services.approvals.diffs import review_snapshot
from posts.states import State


def reviews_hold_due(*, now: datetime | None = None) -> int:
    """The sweep (worker) only: each post in review whose time came is held, never
    published; once per review a ``held`` event is recorded and the team is told (bell and
    email). Returns how many groups were told."""
    now = now or timezone.now()
    last_submitted = (
        ReviewEvent.objects.filter(group=OuterRef("group"), action=Action.SUBMITTED)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    # Held once per review: a held event since the group was last submitted.
    held_since = ReviewEvent.objects.filter(
        post=OuterRef("pk"),
        action=Action.HELD,
        created_at__gte=Coalesce(Subquery(last_submitted), Value(EARLIEST_DATE)),
    )
    due = (
        Post.objects.filter(state=State.REVIEW, publish_at__lte=now, group__deleted_at__isnull=True)
        .filter(~Exists(held_since))
        .values_list("group_id", "pk")[:1000]
    )
    by_group: dict[int, list[int]] = {}
    for group_id, pk in due:
        by_group.setdefault(group_id, []).append(pk)
    told = 0
    for group_id, ids in by_group.items():
        with transaction.atomic():
            group = (
                PostGroup.objects.select_for_update()
                .select_related("organization")
                .get(pk=group_id)
            )
            posts = list(
                Post.objects.select_for_update(of=("self",))
                .filter(pk__in=ids, state=State.REVIEW, publish_at__lte=now)
                .filter(~Exists(held_since))
                .select_related("integration")
            )
            if not posts:
                continue
            snapshot = review_snapshot(group=group)
            for post in posts:
                _record(
                    group,
                    Action.HELD,
                    post=post,
                    body=Text(
                        gettext_noop("Its time came before its approval; it was not published.")
                    ),
                    snapshot=snapshot,
                    at=now,
                )
            _audit("post.review_held", group, None, posts)
            team = set(_approvers(group)) | set(_author(group))
            notify_members(
                group,
                team,
                Notification.Kind.REVIEW_HELD,
                Text(
                    gettext_noop("Held, waiting for approval: %(channels)s"),
                    channels=_channels(posts),
                ),
                Text(
                    gettext_noop(
                        "Its time came while it still waited for approval, so it was not "
                        "published. Approve it to post it now, or pick a new time."
                    )
                ),
            )
            told += 1
    return told


def reviews_remind(*, now: datetime | None = None) -> int:
    """The reminder job (worker) only: a review that has waited longer than its
    organization's ``review_reminder_hours`` is reminded to those who must act (the
    approvers; for the client stage, the author), once per period, and audited. Returns
    how many groups were reminded."""
    now = now or timezone.now()
    candidates = (
        Post.objects.filter(
            state=State.REVIEW,
            review_state__in=[ReviewState.NEEDS_REVIEW, ReviewState.NEEDS_CLIENT_REVIEW],
            group__deleted_at__isnull=True,
            organization__review_reminder_hours__gt=0,
        )
        .values_list("group_id", flat=True)
        .distinct()
    )
    reminded = 0
    for group_id in list(candidates)[:1000]:
        with transaction.atomic():
            group = (
                PostGroup.objects.select_for_update()
                .select_related("organization")
                .get(pk=group_id)
            )
            period = timedelta(hours=group.organization.review_reminder_hours)
            last = (
                ReviewEvent.objects.filter(
                    group=group,
                    action__in=[
                        Action.SUBMITTED,
                        Action.REMINDED,
                        Action.APPROVED,
                        Action.CLIENT_APPROVED,
                    ],
                )
                .order_by("-created_at", "-id")
                .first()
            )
            since = last.created_at if last else group.updated_at
            if now - since < period:
                continue
            posts = list(
                Post.objects.filter(
                    group=group,
                    state=State.REVIEW,
                    review_state__in=[ReviewState.NEEDS_REVIEW, ReviewState.NEEDS_CLIENT_REVIEW],
                ).select_related("integration")
            )
            if not posts:
                continue
            _record(
                group,
                Action.REMINDED,
                body=Text(
                    gettext_noop("Waiting for %(hours)s hours or more."),
                    hours=f"{period.total_seconds() / 3600:g}",
                ),
                at=now,
            )
            _audit("post.review_reminded", group, None, posts)
            internal = [p for p in posts if p.review_state == ReviewState.NEEDS_REVIEW]
            if internal:
                notify_members(
                    group,
                    _approvers(group),
                    Notification.Kind.REVIEW_REMINDER,
                    Text(
                        gettext_noop("Still waiting for approval: %(channels)s"),
                        channels=_channels(internal),
                    ),
                    Text(
                        gettext_noop(
                            "This review has been waiting a while. Approve it, request changes "
                            "or reject it."
                        )
                    ),
                )
            client = [p for p in posts if p.review_state == ReviewState.NEEDS_CLIENT_REVIEW]
            if client:
                notify_members(
                    group,
                    _author(group),
                    Notification.Kind.REVIEW_REMINDER,
                    Text(
                        gettext_noop("Still waiting for the client: %(channels)s"),
                        channels=_channels(client),
                    ),
                    Text(
                        gettext_noop(
                            "The client has not answered yet; you may want to remind them."
                        )
                    ),
                )
            reminded += 1
    return reminded


def reviews_apply_settings(*, organization, actor=None) -> dict:
    """organizations.services.approvals_changed only (inside the change's transaction):
    scheduled posts of ``organization`` not yet approved whose channel now needs an
    approval wait for it (the approvers are told); posts waiting for the team whose channel
    no longer needs one are scheduled, when their time is still ahead (a held post stays
    for a person to decide). Posts a worker holds are passed by (SKIP LOCKED): they were
    already on their way. Returns how many moved each way."""
    now = timezone.now()
    candidates = (
        Post.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(organization=organization, group__deleted_at__isnull=True)
        .filter(
            Q(state=State.SCHEDULED, review_state=ReviewState.NONE, retry_at__isnull=True)
            | Q(state=State.REVIEW, review_state=ReviewState.NEEDS_REVIEW, publish_at__gt=now)
        )
        .select_related("integration__customer", "integration__organization", "group")
        .order_by("id")
    )
    held, released = {}, 0
    for post in candidates:
        needed = approval_required(integration=post.integration) != NONE
        if post.state == State.SCHEDULED and needed:
            if _transition(
                Post.objects.filter(pk=post.pk, state=State.SCHEDULED),
                State.REVIEW,
                review_state=ReviewState.NEEDS_REVIEW,
            ):
                held.setdefault(post.group_id, (post.group, []))[1].append(post)
        elif post.state == State.REVIEW and not needed:
            released += _transition(
                Post.objects.filter(pk=post.pk, state=State.REVIEW),
                State.SCHEDULED,
                review_state=ReviewState.NONE,
            )
    for group, posts in held.values():
        review_requested(group=group, actor=actor, posts=posts)
    return {"waiting": sum(len(posts) for _group, posts in held.values()), "released": released}
