"""Approvals: who must approve a post before it goes out, and the review of a group.

A channel needs approval when its customer's mode (else its organization's) says so:
``internal`` (an approver of the team) or ``internal_client`` (an approver, then the
channel's customer; a channel without a customer needs the team only). A post that needs
approval and is meant to go out waits in the ``review`` state; ``review_state`` says
which approval it waits for. The database refuses a scheduled (or publishing) post whose
``review_state`` is not ``approved`` or empty, so no path can publish it unseen.

Every review action locks the group's posts (``SELECT ... FOR UPDATE``) before it reads
their review state, so two approvers at once give one approval and one clear "already
approved" answer, and moves states only through ``posts.states.transition``. Each action
appends a ``ReviewEvent`` (the thread and its audit, with a snapshot of the content),
writes the organization's audit log, records the webhook event, and tells the people
concerned in the bell (and by email): approvers when a review is asked for, the author
when it is decided, @mentioned members of a comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from organizations.models import ApprovalMode, Membership, Organization
from organizations.permissions import ROLE_PERMISSIONS
from organizations.services import audit_record
from organizations.texts import Text, english, joined, stored
from posts import events
from posts.models import (
    Notification,
    Post,
    PostGroup,
    PostItem,
    ReviewEvent,
    ReviewState,
)
from posts.services.approvals.diffs import (  # noqa: F401 - callers import them from here
    content_fingerprint,
    diff_snapshots,
    post_fingerprint,
    review_diff,
    review_snapshot,
    review_version,
)
from posts.services.notifications import body_of
from posts.states import State, transition

Action = ReviewEvent.Action
NONE, INTERNAL, INTERNAL_CLIENT = (
    ApprovalMode.NONE.value,
    ApprovalMode.INTERNAL.value,
    ApprovalMode.INTERNAL_CLIENT.value,
)
# A post waiting in one of these review states is "in review".
WAITING = (
    ReviewState.NEEDS_REVIEW,
    ReviewState.NEEDS_CLIENT_REVIEW,
    ReviewState.CHANGES_REQUESTED,
)
# Review states an edit of the content sends back to the team's review.
REOPENED_BY_EDIT = (
    ReviewState.APPROVED,
    ReviewState.NEEDS_CLIENT_REVIEW,
    ReviewState.CHANGES_REQUESTED,
)
APPROVER_ROLES = tuple(role for role, perms in ROLE_PERMISSIONS.items() if "posts.approve" in perms)
# @name in a comment: a member's email local part, or their name written without spaces.
MENTION = re.compile(r"(?<![\w.@])@([\w.+-]+)")


# -- Errors ---------------------------------------------------------------------------------
class ReviewError(Exception):
    """A review action refused; ``message`` says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ReviewStale(ReviewError):
    """The post was edited after the version the approver saw."""


class ReviewNotAllowed(ReviewError):
    """The actor may not take this action on these posts."""


class ReviewNotWaiting(ReviewError):
    """Nothing is waiting for this action (someone else already decided it)."""


class ReviewTooLate(ReviewError):
    """The post's time has passed: approving it needs ``post_now`` or a new time."""


def _transition(queryset, target: str, **changes) -> int:
    # A review changes the post as its readers see it: its ETag (updated_at) moves too.
    changes.setdefault("updated_at", timezone.now())
    return transition(queryset, target, **changes)


# -- What a channel requires ----------------------------------------------------------------
def approval_required(*, integration) -> str:
    """Anyone may ask: ``none``, ``internal`` or ``internal_client`` for this channel (its
    customer's mode, else its organization's). ``internal_client`` on a channel without a
    customer is ``internal``: there is no client to ask."""
    customer = integration.customer if integration.customer_id else None
    mode = (customer.approval_mode if customer else "") or integration.organization.approval_mode
    if mode == INTERNAL_CLIENT and customer is None:
        return INTERNAL
    return mode or NONE


def channels_needing_approval(*, organization: Organization, channel_groups, chosen) -> list[str]:
    """Anyone: the names of the ``chosen`` channel ids that need an approval before their
    posts go out (the composer's "Submit for approval"), read from the channels grouped by
    customer (integrations.selectors.channel_groups) the page already holds."""
    names = []
    for group in channel_groups:
        customer = group["customer"]
        mode = (customer.approval_mode if customer else "") or organization.approval_mode
        if mode == NONE:
            continue
        names += [channel.name for channel in group["channels"] if channel.pk in set(chosen)]
    return sorted(names, key=str.lower)


def approvals_in_use(*, organization: Organization, channel_groups) -> bool:
    """Anyone: whether any channel of the organization may need approval (its mode, or a
    customer's), from the channels grouped by customer the page already holds."""
    modes = {organization.approval_mode}
    modes |= {g["customer"].approval_mode for g in channel_groups if g["customer"] is not None}
    return bool(modes - {NONE, ""})


def review_gate(*, integration, review_state: str = "") -> tuple[str, str]:
    """For every path that means to schedule a post: the (state, review_state) it gets.
    A post already approved keeps its approval; one that needs approval waits in review."""
    if approval_required(integration=integration) == NONE:
        return State.SCHEDULED, ReviewState.NONE
    if review_state == ReviewState.APPROVED:
        return State.SCHEDULED, ReviewState.APPROVED
    if review_state in (ReviewState.NEEDS_CLIENT_REVIEW, ReviewState.CHANGES_REQUESTED):
        return State.REVIEW, review_state
    return State.REVIEW, ReviewState.NEEDS_REVIEW


# -- Reading --------------------------------------------------------------------------------
def review_thread(*, group: PostGroup) -> QuerySet[ReviewEvent]:
    """Anyone who may see the group: its review events, oldest first."""
    return ReviewEvent.objects.filter(
        group=group, organization_id=group.organization_id
    ).select_related("actor", "actor_customer", "post__integration")


def reviews_waiting(
    *, organization: Organization, customer=None, stage: str | None = None
) -> QuerySet[PostGroup]:
    """The approvals list and the portal: the organization's live groups with a post
    waiting in review. ``stage``: ``internal`` (waiting for the team), ``client`` (for a
    customer) or ``changes`` (changes requested); ``customer`` narrows to its channels."""
    states = {
        None: [ReviewState.NEEDS_REVIEW, ReviewState.NEEDS_CLIENT_REVIEW],
        "internal": [ReviewState.NEEDS_REVIEW],
        "client": [ReviewState.NEEDS_CLIENT_REVIEW],
        "changes": [ReviewState.CHANGES_REQUESTED],
    }[stage]
    waiting = Post.objects.filter(group=OuterRef("pk"), state=State.REVIEW, review_state__in=states)
    if customer is not None:
        waiting = waiting.filter(integration__customer=customer)
    return (
        PostGroup.objects.filter(organization=organization, deleted_at__isnull=True)
        .filter(Exists(waiting))
        .annotate(waiting_since=Max("review_events__created_at"))
        .order_by("id")
    )


# -- Checks ---------------------------------------------------------------------------------
def _membership(organization_id: int, user) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(organization_id=organization_id, user=user).first()


# Whole sentences per refused action, so each language can word them its own way.
_ROLE_CANNOT = {
    "submit posts for approval": gettext_lazy(
        "Your role cannot submit posts for approval. Ask an owner or an admin."
    ),
    "approve posts": gettext_lazy("Your role cannot approve posts. Ask an owner or an admin."),
    "request changes": gettext_lazy("Your role cannot request changes. Ask an owner or an admin."),
    "reject posts": gettext_lazy("Your role cannot reject posts. Ask an owner or an admin."),
}


def _require(organization_id: int, user, permission: str, doing: str) -> Membership:
    membership = _membership(organization_id, user)
    if membership is None or not membership.can(permission):
        raise ReviewNotAllowed(str(_ROLE_CANNOT[doing]))
    return membership


def _authored_by(group: PostGroup, user) -> bool:
    if group.created_by_id == user.pk:
        return True
    last = (
        ReviewEvent.objects.filter(group=group, action=Action.SUBMITTED)
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    return last == user.pk


def _lock(group: PostGroup, posts) -> tuple[PostGroup, list[Post]]:
    """The group and the posts the action concerns, locked, in id order."""
    group = PostGroup.objects.select_for_update().get(pk=group.pk)
    if group.deleted_at is not None:
        raise ReviewNotWaiting(_("This post was deleted."))
    locked = list(
        Post.objects.select_for_update(of=("self",))
        .filter(group=group)
        .exclude(state=State.CANCELLED)
        .select_related("integration__customer", "integration__organization")
        .order_by("id")
    )
    if posts is not None:
        wanted = {p.pk if isinstance(p, Post) else int(p) for p in posts}
        unknown = wanted - {p.pk for p in locked}
        if unknown:
            raise ReviewNotAllowed(_("Some of these posts are not part of this group."))
        locked = [p for p in locked if p.pk in wanted]
    return group, locked


def _client_posts(group: PostGroup, posts: list[Post], customer) -> list[Post]:
    if customer.organization_id != group.organization_id:
        raise ReviewNotAllowed(_("These posts are not yours to review."))
    return [p for p in posts if p.integration.customer_id == customer.pk]


def _decided_message(group: PostGroup, posts: list[Post]) -> str:
    states = {p.review_state for p in posts}
    if states <= {ReviewState.APPROVED}:
        return _("This post was already approved by someone else; nothing changed.")
    if ReviewState.REJECTED in states:
        return _("This post was rejected meanwhile; nothing changed.")
    if ReviewState.CHANGES_REQUESTED in states:
        return _("Changes were requested meanwhile; it waits for the author to edit it.")
    if ReviewState.NEEDS_CLIENT_REVIEW in states:
        return _("The team already approved it; it now waits for the client.")
    if ReviewState.NEEDS_REVIEW in states:
        return _("It waits for the team's approval first.")
    return _("This post is not waiting for a review.")


# -- Recording ------------------------------------------------------------------------------
def _record(
    group: PostGroup,
    action: str,
    *,
    actor=None,
    customer=None,
    portal_label: str = "",
    body: str | Text = "",
    post: Post | None = None,
    snapshot: dict | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    return ReviewEvent.objects.create(
        created_at=at or timezone.now(),
        organization_id=group.organization_id,
        group=group,
        post=post,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_customer=customer,
        portal_label=(portal_label or "")[:100],
        action=action,
        body=english(body or "")[:5000],
        body_text=stored(body),
        snapshot=snapshot if snapshot is not None else review_snapshot(group=group),
    )


def _who(actor, customer, portal_label: str) -> str | Text:
    if customer is not None:
        label = f" ({portal_label})" if portal_label else ""
        return f"{customer.name}{label}"
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.name or actor.email
    return Text(gettext_noop("Someone"))


def _audit(action: str, group: PostGroup, actor, posts: list[Post], **details) -> None:
    audit_record(
        action=action,
        actor=actor,
        organization=group.organization,
        target=group,
        details={"posts": [str(p.public_id) for p in posts], **details},
    )


def _emit(name: str, posts: list[Post], message: str = "") -> None:
    for post in posts:
        events.emit(
            name,
            organization_id=post.organization_id,
            post_id=post.pk,
            integration_id=post.integration_id,
            message=message,
        )


def _excerpt(group: PostGroup) -> str:
    text = (
        PostItem.objects.filter(post__group=group, position=0)
        .order_by("post_id")
        .values_list("content", flat=True)
        .first()
    )
    text = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    return text if len(text) <= 120 else text[:119].rstrip() + "…"


def group_url(group: PostGroup) -> str:
    """Where a review's bell line and email lead: the group's review panel (its thread, the
    changes since the approved version, the decisions, and the way to the composer)."""
    return reverse("posts:review", args=[group.organization.slug, group.pk])


def notify_members(
    group: PostGroup,
    user_ids: Iterable[int],
    kind: str,
    title: str | Text,
    body: str | Text = "",
):
    """One bell line (emailed by the worker) for each active member among ``user_ids``.
    Title and body may be Texts: each member reads them in their own language."""
    user_ids = set(
        Membership.objects.filter(
            organization_id=group.organization_id, user_id__in=set(user_ids), user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if not user_ids:
        return []
    text = body_of(_excerpt(group), body)
    now = timezone.now()
    notes = Notification.objects.bulk_create(
        Notification(
            organization_id=group.organization_id,
            user_id=user_id,
            kind=kind,
            title=english(title)[:200],
            title_text=stored(title),
            body=english(text)[:5000],
            body_text=stored(text),
            url=group_url(group),
            created_at=now,
        )
        for user_id in sorted(user_ids)
    )
    ids = [note.pk for note in notes]
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("posts.tasks.send_notification_emails", ids))
    return notes


def _approvers(group: PostGroup, exclude=None) -> list[int]:
    ids = Membership.objects.filter(
        organization_id=group.organization_id, role__in=APPROVER_ROLES
    ).values_list("user_id", flat=True)
    return [pk for pk in ids if exclude is None or pk != getattr(exclude, "pk", None)]


def _author(group: PostGroup) -> list[int]:
    last = (
        ReviewEvent.objects.filter(group=group, action=Action.SUBMITTED, actor__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )
    return [pk for pk in {group.created_by_id, last} if pk]


def _channels(posts: list[Post]) -> str:
    return ", ".join(sorted({p.integration.name for p in posts}))


def review_requested(
    *, group: PostGroup, actor, posts: list[Post], edited: list[dict] | None = None
) -> None:
    """posts.services.groups and the other scheduling paths, after ``posts`` entered the
    team's review: the thread, the audit, the webhook event and the approvers' bell.
    ``edited``: the changes since the approved version, when an edit reopened it."""
    if not posts:
        return
    snapshot = review_snapshot(group=group)
    if edited:
        _record(
            group,
            Action.EDITED_AFTER_APPROVAL,
            actor=actor,
            body=joined("\n", [change["text"] for change in edited]),
            snapshot=snapshot,
        )
    _record(group, Action.SUBMITTED, actor=actor, snapshot=snapshot)
    _audit("post.review_requested", group, actor, posts)
    _emit(events.POST_REVIEW_REQUESTED, posts)
    who, channels = _who(actor, None, ""), _channels(posts)
    if edited:
        body = Text(
            gettext_noop(
                "%(who)s asks for approval of the post to %(channels)s. It was edited after "
                "approval: %(changes)s"
            ),
            who=who,
            channels=channels,
            changes=joined("; ", [change["text"] for change in edited]),
        )
    else:
        body = Text(
            gettext_noop("%(who)s asks for approval of the post to %(channels)s."),
            who=who,
            channels=channels,
        )
    notify_members(
        group,
        _approvers(group, exclude=actor),
        Notification.Kind.REVIEW_REQUESTED,
        Text(gettext_noop("Approval requested: %(channels)s"), channels=channels),
        body,
    )


# -- Actions --------------------------------------------------------------------------------
@transaction.atomic
def review_submit(*, group: PostGroup, actor, posts=None) -> list[Post]:
    """Members with posts.edit: asks for approval of the group's posts that need it and
    are not already waiting (drafts with a time, posts whose changes were requested or
    that were rejected). Returns the posts now waiting."""
    _require(group.organization_id, actor, "posts.edit", "submit posts for approval")
    group, locked = _lock(group, posts)
    submitted = []
    for post in locked:
        if approval_required(integration=post.integration) == NONE:
            continue
        eligible = post.state in (State.DRAFT, State.FAILED, State.MISSED) or (
            post.state == State.REVIEW and post.review_state == ReviewState.CHANGES_REQUESTED
        )
        if not eligible or post.review_state == ReviewState.APPROVED:
            continue
        if post.publish_at is None:
            raise ReviewError(
                _(
                    "The post to %(channel)s has no date: pick when it should go out, then "
                    "submit it."
                )
                % {"channel": post.integration.name}
            )
        moved = _transition(
            Post.objects.filter(pk=post.pk, state=post.state),
            State.REVIEW,
            review_state=ReviewState.NEEDS_REVIEW,
            error_kind="",
            error_message="",
            error_text=None,
        )
        if moved:
            submitted.append(post)
    if not submitted:
        raise ReviewNotWaiting(
            _(
                "Nothing to submit: these posts are already waiting for approval, approved, "
                "or their channels need no approval."
            )
        )
    review_requested(group=group, actor=actor, posts=submitted)
    return submitted


def _schedule_approved(posts: list[Post], post_now: bool, now: datetime) -> None:
    late = [p for p in posts if p.publish_at is None or p.publish_at <= now]
    if late and not post_now:
        raise ReviewTooLate(
            _(
                "The time of the post to %(channel)s has passed. Approve it to go out now, or "
                "pick a new time first."
            )
            % {"channel": late[0].integration.name}
        )
    for post in posts:
        changes = {"review_state": ReviewState.APPROVED}
        if post in late:
            changes["publish_at"] = now
        _transition(Post.objects.filter(pk=post.pk, state=State.REVIEW), State.SCHEDULED, **changes)


@transaction.atomic
def review_approve(
    *,
    group: PostGroup,
    actor=None,
    customer=None,
    portal_label: str = "",
    posts=None,
    expected_version: str | None = None,
    post_now: bool = False,
) -> list[Post]:
    """An approver (a member with posts.approve, not the post's author unless the
    organization allows it) approves the posts waiting for the team; a ``customer`` (the
    client stage) approves its channels' posts waiting for the client. A post that needs
    the client next waits for it; an approved post is scheduled for its time. Raises
    ReviewStale when the content changed since ``expected_version``, ReviewTooLate when
    its time passed (``post_now`` approves it to go out now), ReviewNotWaiting when
    someone else decided first. Returns the posts approved at this stage."""
    if (actor is None) == (customer is None):
        raise ReviewNotAllowed(_("An approval comes from a member or from the client."))
    if actor is not None:
        _require(group.organization_id, actor, "posts.approve", "approve posts")
    group, locked = _lock(group, posts)
    if (
        actor is not None
        and not group.organization.allow_self_approval
        and _authored_by(group, actor)
    ):
        raise ReviewNotAllowed(
            _(
                "You cannot approve your own post: ask another approver (an owner can allow "
                "self-approval in the organization's settings)."
            )
        )
    if expected_version is not None and expected_version != review_version(group=group):
        raise ReviewStale(
            _(
                "This post was edited after the version you saw. Look at the changes, then "
                "approve it again."
            )
        )
    if customer is not None:
        candidates = _client_posts(group, locked, customer)
        waiting = [p for p in candidates if p.review_state == ReviewState.NEEDS_CLIENT_REVIEW]
    else:
        candidates = locked
        waiting = [p for p in locked if p.review_state == ReviewState.NEEDS_REVIEW]
    waiting = [p for p in waiting if p.state == State.REVIEW]
    if not waiting:
        if not candidates:
            raise ReviewNotAllowed(_("None of these posts is waiting for your approval."))
        raise ReviewNotWaiting(_decided_message(group, candidates))
    now = timezone.now()
    if customer is not None:
        to_client, final = [], waiting
    else:
        to_client = [
            p for p in waiting if approval_required(integration=p.integration) == INTERNAL_CLIENT
        ]
        final = [p for p in waiting if p not in to_client]
    _schedule_approved(final, post_now, now)
    for post in to_client:
        _transition(
            Post.objects.filter(pk=post.pk, state=State.REVIEW),
            State.REVIEW,
            review_state=ReviewState.NEEDS_CLIENT_REVIEW,
        )
    action = Action.CLIENT_APPROVED if customer is not None else Action.APPROVED
    _record(group, action, actor=actor, customer=customer, portal_label=portal_label)
    _audit(
        "post.client_approved" if customer is not None else "post.approved",
        group,
        actor,
        waiting,
        customer=customer.name if customer is not None else None,
        portal_label=portal_label or None,
        waiting_for_client=[str(p.public_id) for p in to_client],
    )
    if final:
        _emit(events.POST_APPROVED, final)
    who = _who(actor, customer, portal_label)
    if final:
        notify_members(
            group,
            _author(group),
            Notification.Kind.APPROVED,
            Text(gettext_noop("Approved: %(channels)s"), channels=_channels(final)),
            Text(gettext_noop("%(who)s approved it; it goes out at its time."), who=who),
        )
    if to_client:
        notify_members(
            group,
            _author(group),
            Notification.Kind.APPROVED,
            Text(gettext_noop("Approved by the team: %(channels)s"), channels=_channels(to_client)),
            Text(
                gettext_noop("%(who)s approved it; it now waits for the client's approval."),
                who=who,
            ),
        )
    return waiting


@transaction.atomic
def review_request_changes(
    *,
    group: PostGroup,
    actor=None,
    customer=None,
    portal_label: str = "",
    body: str,
    posts=None,
) -> list[Post]:
    """An approver (posts.approve) or the ``customer`` at the client stage asks the author
    for changes, saying what (``body``). The posts keep waiting (they never go out until
    approved); editing them asks for approval again. Returns the posts concerned."""
    if (actor is None) == (customer is None):
        raise ReviewNotAllowed(_("A request for changes comes from a member or from the client."))
    body = (body or "").strip()
    if not body:
        raise ReviewError(_("Say what should change, so the author knows what to do."))
    if actor is not None:
        _require(group.organization_id, actor, "posts.approve", "request changes")
    group, locked = _lock(group, posts)
    if customer is not None:
        candidates = _client_posts(group, locked, customer)
        waiting = [p for p in candidates if p.review_state == ReviewState.NEEDS_CLIENT_REVIEW]
    else:
        candidates = locked
        waiting = [
            p
            for p in locked
            if p.review_state in (ReviewState.NEEDS_REVIEW, ReviewState.NEEDS_CLIENT_REVIEW)
        ]
    waiting = [p for p in waiting if p.state == State.REVIEW]
    if not waiting:
        if not candidates:
            raise ReviewNotAllowed(_("None of these posts is waiting for your review."))
        raise ReviewNotWaiting(_decided_message(group, candidates))
    for post in waiting:
        _transition(
            Post.objects.filter(pk=post.pk, state=State.REVIEW),
            State.REVIEW,
            review_state=ReviewState.CHANGES_REQUESTED,
        )
    _record(
        group,
        Action.CHANGES_REQUESTED,
        actor=actor,
        customer=customer,
        portal_label=portal_label,
        body=body,
    )
    _audit("post.changes_requested", group, actor, waiting, comment=body)
    _emit(events.POST_CHANGES_REQUESTED, waiting, message=body)
    notify_members(
        group,
        _author(group),
        Notification.Kind.CHANGES_REQUESTED,
        Text(gettext_noop("Changes requested: %(channels)s"), channels=_channels(waiting)),
        Text(
            gettext_noop("%(who)s asks for changes: %(comment)s"),
            who=_who(actor, customer, portal_label),
            comment=body,
        ),
    )
    _notify_mentions(group, body, actor)
    return waiting


@transaction.atomic
def review_reject(*, group: PostGroup, actor=None, body: str = "", posts=None) -> list[Post]:
    """An approver (posts.approve): the posts waiting in review will not go out; they
    become drafts marked rejected (editing and submitting them starts a new review)."""
    _require(group.organization_id, actor, "posts.approve", "reject posts")
    group, locked = _lock(group, posts)
    waiting = [p for p in locked if p.state == State.REVIEW and p.review_state in WAITING]
    if not waiting:
        raise ReviewNotWaiting(_decided_message(group, locked))
    for post in waiting:
        _transition(
            Post.objects.filter(pk=post.pk, state=State.REVIEW),
            State.DRAFT,
            review_state=ReviewState.REJECTED,
        )
    body = (body or "").strip()
    _record(group, Action.REJECTED, actor=actor, body=body)
    _audit("post.rejected", group, actor, waiting, comment=body or None)
    _emit(events.POST_REJECTED, waiting, message=body)
    who = _who(actor, None, "")
    if body:
        said = Text(
            gettext_noop("%(who)s rejected it; it will not go out: %(comment)s"),
            who=who,
            comment=body,
        )
    else:
        said = Text(gettext_noop("%(who)s rejected it; it will not go out."), who=who)
    notify_members(
        group,
        _author(group),
        Notification.Kind.REJECTED,
        Text(gettext_noop("Rejected: %(channels)s"), channels=_channels(waiting)),
        said,
    )
    return waiting


def mentioned_users(*, organization_id: int, body: str) -> list[int]:
    """The members a text @mentions: ``@alice`` is the member whose email starts with
    ``alice@``, or whose name written without spaces is ``alice`` (case ignored)."""
    names = {m.lower().rstrip(".") for m in MENTION.findall(body or "")}
    if not names:
        return []
    found = []
    for user_id, email, name in Membership.objects.filter(
        organization_id=organization_id, user__is_active=True
    ).values_list("user_id", "user__email", "user__name"):
        local = email.split("@", 1)[0].lower()
        if local in names or (name and "".join(name.split()).lower() in names):
            found.append(user_id)
    return found


def _notify_mentions(group: PostGroup, body: str, actor) -> None:
    mentioned = [
        pk
        for pk in mentioned_users(organization_id=group.organization_id, body=body)
        if pk != getattr(actor, "pk", None)
    ]
    if mentioned:
        notify_members(
            group,
            mentioned,
            Notification.Kind.REVIEW_COMMENT,
            Text(gettext_noop("You were mentioned in a review")),
            body,
        )


@transaction.atomic
def review_comment(
    *, group: PostGroup, actor=None, customer=None, portal_label: str = "", body: str
) -> ReviewEvent:
    """A member who may edit or approve posts, or the ``customer`` of one of the group's
    channels: adds a comment to the review thread; @mentioned members are told."""
    if (actor is None) == (customer is None):
        raise ReviewNotAllowed(_("A comment comes from a member or from the client."))
    body = (body or "").strip()
    if not body:
        raise ReviewError(_("Write something first."))
    if len(body) > 5000:
        raise ReviewError(_("A comment is 5,000 characters at most."))
    if actor is not None:
        membership = _membership(group.organization_id, actor)
        if membership is None or not (
            membership.can("posts.edit") or membership.can("posts.approve")
        ):
            raise ReviewNotAllowed(_("Your role cannot comment on reviews."))
    elif (
        customer.organization_id != group.organization_id
        or not Post.objects.filter(group=group, integration__customer=customer).exists()
    ):
        raise ReviewNotAllowed(_("This post is not yours to comment on."))
    event = _record(
        group, Action.COMMENT, actor=actor, customer=customer, portal_label=portal_label, body=body
    )
    _audit(
        "post.review_comment",
        group,
        actor,
        [],
        customer=customer.name if customer is not None else None,
    )
    _notify_mentions(group, body, actor)
    if customer is not None:
        # The team hears of what the client says.
        notify_members(
            group,
            [*_author(group), *_approvers(group)],
            Notification.Kind.REVIEW_COMMENT,
            Text(gettext_noop("%(who)s commented"), who=_who(None, customer, portal_label)),
            body,
        )
    return event


# The background jobs live next door; imported last, they use the helpers above.
from posts.services.approvals.jobs import (  # noqa: E402, F401
    reviews_apply_settings,
    reviews_hold_due,
    reviews_remind,
)
