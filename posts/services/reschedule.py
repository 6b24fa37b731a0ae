"""Moving a post in time and settling posts that need a person: reschedule, retry, mark
as published, cancel.

Each change is one conditional UPDATE through ``posts.states.transition`` (or, for a draft
that stays a draft, an UPDATE guarded by its state), so a post a worker has just claimed is
never moved under it: the UPDATE touches no row and the person is told why.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.services import audit_record
from posts import events
from posts.models import Post, PostItem
from posts.services import approvals
from posts.services.validation import date_in_range, date_range_message
from posts.states import State, transition

# States a post may be moved in time from; all but a draft (or a post waiting for
# approval) come back as scheduled, or as waiting for approval when they still need it.
MOVABLE = (State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED, State.REVIEW)
RETRYABLE = (State.FAILED, State.UNCONFIRMED, State.MISSED)
MARKABLE = (State.FAILED, State.UNCONFIRMED)
# What the public API calls a "missing" release id: the post may be (or is) on the network
# but we do not know its id there.
MISSING_RELEASE_ID = "missing"
CANCELLABLE = (
    State.DRAFT,
    State.SCHEDULED,
    State.FAILED,
    State.UNCONFIRMED,
    State.MISSED,
    State.REVIEW,
)

_WHY_NOT = {
    State.PUBLISHING: gettext_lazy(
        "It is being published right now, so it can no longer be changed."
    ),
    State.PUBLISHED: gettext_lazy("It has already been published."),
    State.CANCELLED: gettext_lazy("It was cancelled."),
    State.UNCONFIRMED: gettext_lazy(
        "We could not tell whether it went out. Check the network, then retry it or mark "
        "it as published from the failures page."
    ),
}

# Whole sentences per refused action, so each language can word them its own way.
_REFUSED = {
    "moved": gettext_lazy("This post cannot be moved."),
    "retried": gettext_lazy("This post cannot be retried."),
    "marked as published": gettext_lazy("This post cannot be marked as published."),
    "cancelled": gettext_lazy("This post cannot be cancelled."),
}


def _gated(post: Post, states, *, actor, **changes) -> int:
    """Moves the post (if still in one of ``states``) to scheduled, or to waiting for
    approval when its channel needs an approval it does not have: every path that
    schedules asks the same question (posts.services.approvals.review_gate)."""
    row = (
        Post.objects.filter(pk=post.pk, organization_id=post.organization_id, state__in=states)
        .select_related("integration__customer", "integration__organization", "group")
        .first()
    )
    if row is None:
        return 0
    target, review_state = approvals.review_gate(
        integration=row.integration, review_state=row.review_state
    )
    if target == State.REVIEW:
        changes.pop("retry_at", None)
    moved = transition(
        Post.objects.filter(pk=row.pk, state=row.state),
        target,
        review_state=review_state,
        **changes,
    )
    if moved and target == State.REVIEW and review_state == approvals.ReviewState.NEEDS_REVIEW:
        approvals.review_requested(group=row.group, actor=actor, posts=[row])
    return moved


def _refused(post: Post, what: str) -> ValidationError:
    current = Post.objects.filter(pk=post.pk).values_list("state", flat=True).first()
    if current in _WHY_NOT:
        reason = str(_WHY_NOT[current])
    elif current in State.values:
        reason = _("Its state is now: %(state)s.") % {"state": State(current).label}
    else:
        reason = _("It is gone now.")
    return ValidationError(f"{_REFUSED[what]} {reason}")


def _audit(action: str, *, post: Post, actor, request=None, details=None) -> None:
    audit_record(
        action=action,
        actor=actor,
        organization=post.organization,
        target=post,
        details={
            "post": str(post.public_id),
            "channel": post.integration.name,
            **(details or {}),
        },
        request=request,
    )


@transaction.atomic
def post_reschedule(*, post: Post, actor, publish_at: datetime, request=None) -> Post:
    """Members with posts.publish; moves this one channel's post to a future time. A draft
    stays a draft, a scheduled, failed or missed post is scheduled; a post being published,
    published or cancelled is refused."""
    if not date_in_range(publish_at):
        raise ValidationError(date_range_message(publish_at))
    if publish_at <= timezone.now():
        raise ValidationError(_("Pick a time in the future: this time has already passed."))
    old = post.publish_at
    one = Post.objects.filter(pk=post.pk, organization_id=post.organization_id)
    moved = _gated(
        post,
        [State.SCHEDULED, State.FAILED, State.MISSED],
        actor=actor,
        publish_at=publish_at,
        error_kind="",
        error_message="",
        error_text=None,
        updated_at=timezone.now(),
    )
    if not moved:
        # A draft keeps its state, and a post waiting for approval keeps waiting; the
        # guard still refuses a post that changed meanwhile.
        moved = one.filter(state__in=[State.DRAFT, State.REVIEW]).update(
            publish_at=publish_at, updated_at=timezone.now()
        )
    if not moved:
        raise _refused(post, "moved")
    post.refresh_from_db()
    _audit(
        "post.rescheduled",
        post=post,
        actor=actor,
        request=request,
        details={"from": old.isoformat() if old else None, "to": publish_at.isoformat()},
    )
    return post


@transaction.atomic
def post_retry(*, post: Post, actor, confirm_duplicate: bool = False, request=None) -> Post:
    """Members with posts.publish; sends a failed, missed or unconfirmed post again now
    (the time it was scheduled for is kept). An unconfirmed post may already be on the
    network, so it needs ``confirm_duplicate``."""
    states = list(RETRYABLE)
    if post.state == State.UNCONFIRMED and not confirm_duplicate:
        raise ValidationError(
            _(
                "This post may already be on the network, so sending it again could post it "
                "twice. Check the network first, then tick the confirmation box to retry it."
            )
        )
    if not confirm_duplicate:
        states.remove(State.UNCONFIRMED)
    previous = post.state
    moved = _gated(
        post,
        states,
        actor=actor,
        retry_at=timezone.now(),
        error_kind="",
        error_message="",
        error_text=None,
        updated_at=timezone.now(),
    )
    if not moved:
        raise _refused(post, "retried")
    post.refresh_from_db()
    _audit("post.retried", post=post, actor=actor, request=request, details={"was": previous})
    return post


def _tell_published(post: Post) -> None:
    """A person said where the post is: it is told like any published post."""
    events.emit(
        events.POST_PUBLISHED,
        organization_id=post.organization_id,
        post_id=post.pk,
        integration_id=post.integration_id,
    )


def clean_remote_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Paste the address of the post on the network."))
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("That is not a web address. Paste the post's address, starting with https://.")
        ) from None
    if len(url) > 1000:
        raise ValidationError(_("That address is too long (1,000 characters at most)."))
    return url


@transaction.atomic
def post_mark_published(*, post: Post, actor, url: str, request=None) -> Post:
    """Members with posts.publish; records that a failed or unconfirmed post is on the
    network at ``url`` (an http(s) address), so it is never sent again, and tells it like
    any published post (the bell, webhooks)."""
    url = clean_remote_url(url)
    previous = post.state
    stamp = timezone.now()
    moved = transition(
        Post.objects.filter(pk=post.pk, organization_id=post.organization_id, state__in=MARKABLE),
        State.PUBLISHED,
        remote_url=url,
        published_at=stamp,
        error_kind="",
        error_message="",
        error_text=None,
        updated_at=stamp,
    )
    if not moved:
        raise _refused(post, "marked as published")
    post.refresh_from_db()
    # The first part is out too (and, with it, never sent again); webhooks hear of it.
    PostItem.objects.filter(post=post, position=0).update(
        remote_url=url, published_at=Coalesce("published_at", Value(stamp))
    )
    _tell_published(post)
    _audit(
        "post.marked_published",
        post=post,
        actor=actor,
        request=request,
        details={"was": previous, "url": url},
    )
    return post


def post_awaits_release_id(post: Post) -> bool:
    """Whether the post went out (or may have) without the network telling us its id: an
    unconfirmed post, or a published one recorded without an id."""
    return release_id_missing(post.state, post.remote_id)


def release_id_missing(state: str, remote_id: str) -> bool:
    """``post_awaits_release_id`` for a post read as its state and remote id columns."""
    if state == State.UNCONFIRMED:
        return True
    return state == State.PUBLISHED and remote_id in ("", MISSING_RELEASE_ID)


def clean_remote_id(remote_id) -> str:
    remote_id = str(remote_id if remote_id is not None else "").strip()
    if not remote_id or remote_id == MISSING_RELEASE_ID:
        raise ValidationError(_("Give the post's id on the network."))
    if len(remote_id) > 255:
        raise ValidationError(_("That id is too long (255 characters at most)."))
    if any(ch.isspace() or not ch.isprintable() for ch in remote_id):
        raise ValidationError(_("A network's id has no spaces or control characters."))
    return remote_id


@transaction.atomic
def post_set_release_id(*, post: Post, actor, remote_id: str, url: str = "", request=None) -> Post:
    """Members with posts.publish (API keys with posts:write); records the network's id
    (and address, when known) of a post that went out without one (post_awaits_release_id):
    an unconfirmed post becomes published, and its first item gets the same id, so it is
    never sent again. Any other post is refused and left unchanged."""
    remote_id = clean_remote_id(remote_id)
    url = clean_remote_url(url) if url else ""
    previous = post.state
    stamp = timezone.now()
    one = Post.objects.filter(pk=post.pk, organization_id=post.organization_id)
    moved = transition(
        one.filter(state=State.UNCONFIRMED),
        State.PUBLISHED,
        remote_id=remote_id,
        remote_url=url,
        published_at=stamp,
        error_kind="",
        error_message="",
        error_text=None,
        updated_at=stamp,
    )
    if not moved:
        # Published without an id: only the id (and address) are filled in.
        moved = one.filter(state=State.PUBLISHED, remote_id__in=("", MISSING_RELEASE_ID)).update(
            remote_id=remote_id,
            remote_url=url or models.F("remote_url"),
            updated_at=stamp,
        )
    if not moved:
        raise ValidationError(_("This post is not waiting for a release id."))
    post.refresh_from_db()
    PostItem.objects.filter(post=post, position=0).update(
        remote_id=remote_id,
        remote_url=post.remote_url,
        published_at=Coalesce("published_at", Value(post.published_at or stamp)),
    )
    if previous == State.UNCONFIRMED:
        _tell_published(post)
    _audit(
        "post.release_id_set",
        post=post,
        actor=actor,
        request=request,
        details={"was": previous, "remote_id": remote_id, "url": post.remote_url},
    )
    return post


@transaction.atomic
def post_cancel(*, post: Post, actor, request=None) -> Post:
    """Members with posts.publish; stops a post that has not gone out. A post being
    published is left to finish and the refusal says so."""
    previous = post.state
    moved = transition(
        Post.objects.filter(
            pk=post.pk, organization_id=post.organization_id, state__in=CANCELLABLE
        ),
        State.CANCELLED,
        updated_at=timezone.now(),
    )
    if not moved:
        raise _refused(post, "cancelled")
    events.emit(
        events.POST_DELETED,
        organization_id=post.organization_id,
        post_id=post.pk,
        integration_id=post.integration_id,
    )
    post.refresh_from_db()
    _audit("post.cancelled", post=post, actor=actor, request=request, details={"was": previous})
    return post
