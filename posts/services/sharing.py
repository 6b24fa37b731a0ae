"""Every write to preview links and client portal links, and opening one by its token.

A token carries 256 random bits and is shown once; only its keyed digest is stored (the
same digest as API keys), so revoking is one write and a leaked database opens nothing."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.models import Customer
from organizations.services import api_key_digest, audit_record
from organizations.texts import Text
from posts.models import PostGroup
from posts.sharing.models import LinkStatus, PortalLink, PreviewLink

# What a person may choose when making a link, in days; the first is the default.
PREVIEW_DAYS = (7, 1, 30, 90)
PORTAL_DAYS = (30, 7, 90, 365)
# Comments a link's visitors may leave: per link and per address, in a ten-minute window.
COMMENT_LIMIT = 10
COMMENT_WINDOW_SECONDS = 600
# A token is 43 URL-safe characters; anything else is not looked up at all.
TOKEN_LENGTH = 43


class LinkUnavailable(Exception):
    """A link that does not open. ``status`` is 404 (no such link: nothing is said about
    which tokens exist) or 410 (it was revoked or it expired)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


UNKNOWN = gettext_lazy(
    "This link does not open anything. Check that it was copied whole, or ask the person "
    "who sent it for a new one."
)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _expiry(days, allowed: tuple[int, ...]) -> datetime:
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = allowed[0]
    if days not in allowed:
        choices = ", ".join(str(d) for d in sorted(allowed))
        raise ValidationError(
            {"days": _("Choose how long the link works: %(choices)s days.") % {"choices": choices}}
        )
    return timezone.now() + timedelta(days=days)


def _find(model, token: str):
    token = (token or "").strip()
    if len(token) != TOKEN_LENGTH or not token.replace("-", "").replace("_", "").isalnum():
        raise LinkUnavailable(404, str(UNKNOWN))
    link = (
        model.objects.select_related("organization")
        .filter(token_hash=api_key_digest(token))
        .first()
    )
    if link is None or link.organization.deleted_at is not None:
        raise LinkUnavailable(404, str(UNKNOWN))
    return link


def _touch(link) -> None:
    # Written at most once a minute, so a busy page does not cost a write per view.
    moment = timezone.now()
    if link.last_used_at is None or moment - link.last_used_at > timedelta(minutes=1):
        type(link).objects.filter(pk=link.pk).update(last_used_at=moment)
        link.last_used_at = moment


# -- Preview links ----------------------------------------------------------------------
@transaction.atomic
def preview_link_create(
    *, group: PostGroup, actor, days=PREVIEW_DAYS[0], allow_comments: bool = False, request=None
) -> tuple[PreviewLink, str]:
    """posts.edit holders; returns (link, token). The token exists only in the return
    value: it is never stored nor logged."""
    token = _new_token()
    link = PreviewLink.objects.create(
        organization_id=group.organization_id,
        group=group,
        token_hash=api_key_digest(token),
        hint=token[-4:],
        expires_at=_expiry(days, PREVIEW_DAYS),
        allow_comments=bool(allow_comments),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="preview_link.create",
        actor=actor,
        organization=group.organization,
        target=link,
        details={"group": group.pk, "expires_at": link.expires_at.isoformat()},
        request=request,
    )
    return link, token


@transaction.atomic
def preview_link_revoke(*, link: PreviewLink, actor, request=None) -> PreviewLink:
    """posts.edit holders; the link stops opening at once. Revoking twice is harmless."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        PreviewLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=link.revoked_at
        )
        audit_record(
            action="preview_link.revoke",
            actor=actor,
            organization=link.organization,
            target=link,
            request=request,
        )
    return link


def preview_link_open(*, token: str) -> PreviewLink:
    """Anyone: the live link for ``token``, or LinkUnavailable (404 unknown, 410 gone)."""
    link = _find(PreviewLink, token)
    group = PostGroup.objects.filter(pk=link.group_id).only("deleted_at").first()
    if link.status == LinkStatus.REVOKED:
        raise LinkUnavailable(410, _("This preview link was turned off by the team that made it."))
    if link.status == LinkStatus.EXPIRED:
        raise LinkUnavailable(
            410, _("This preview link has expired. Ask the person who sent it for a new one.")
        )
    if group is None or group.deleted_at is not None:
        raise LinkUnavailable(410, _("The post this link showed was deleted."))
    _touch(link)
    return link


# -- Client portal links ----------------------------------------------------------------
@transaction.atomic
def portal_link_create(
    *, customer: Customer, actor, days=PORTAL_DAYS[0], label: str = "", request=None
) -> tuple[PortalLink, str]:
    """posts.approve holders; returns (link, token), the token shown only this once."""
    label = (label or "").strip()
    if len(label) > 100:
        raise ValidationError({"label": _("Keep the name to 100 characters or fewer.")})
    token = _new_token()
    link = PortalLink.objects.create(
        organization_id=customer.organization_id,
        customer=customer,
        label=label,
        token_hash=api_key_digest(token),
        hint=token[-4:],
        expires_at=_expiry(days, PORTAL_DAYS),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        action="portal_link.create",
        actor=actor,
        organization=customer.organization,
        target=link,
        details={"customer": customer.pk, "expires_at": link.expires_at.isoformat()},
        request=request,
    )
    return link, token


@transaction.atomic
def portal_link_revoke(*, link: PortalLink, actor, request=None) -> PortalLink:
    """posts.approve holders; the portal stops opening at once, even for an open page."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        PortalLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=link.revoked_at
        )
        audit_record(
            action="portal_link.revoke",
            actor=actor,
            organization=link.organization,
            target=link,
            details={"customer": link.customer_id},
            request=request,
        )
    return link


def portal_link_open(*, token: str) -> PortalLink:
    """Anyone: the live portal link for ``token``, or LinkUnavailable (404 / 410)."""
    link = _find(PortalLink, token)
    if link.status == LinkStatus.REVOKED:
        raise LinkUnavailable(
            410, _("This review link was turned off. Ask your contact for a new one.")
        )
    if link.status == LinkStatus.EXPIRED:
        raise LinkUnavailable(
            410, _("This review link has expired. Ask your contact for a new one.")
        )
    customer = Customer.objects.filter(pk=link.customer_id).first()
    if customer is None:
        raise LinkUnavailable(410, _("This review link no longer opens anything."))
    link.customer = customer
    _touch(link)
    return link


# -- Comment rate ----------------------------------------------------------------------
_RATE_SQL = """
INSERT INTO organizations_apiratecounter (bucket, window_start, count) VALUES (%s, %s, 1)
ON CONFLICT (bucket, window_start)
DO UPDATE SET count = organizations_apiratecounter.count + 1
RETURNING count
"""


def link_comment_allowed(*, link, address: str | None) -> bool:
    """Counts one comment from a link's visitor; False once the link or the address has
    left COMMENT_LIMIT in the window (the shared counters every process reads)."""
    epoch = int(timezone.now().timestamp())
    start = datetime.fromtimestamp(epoch - epoch % COMMENT_WINDOW_SECONDS, tz=UTC)
    buckets = [f"link-comment:{link._meta.model_name}:{link.pk}"]
    if address:
        buckets.append(f"link-comment-ip:{address}")
    allowed = True
    with connection.cursor() as cursor:
        for bucket in buckets:
            cursor.execute(_RATE_SQL, [bucket, start])
            if cursor.fetchone()[0] > COMMENT_LIMIT:
                allowed = False
    return allowed


# -- A preview visitor's comment ----------------------------------------------------------
@transaction.atomic
def preview_comment_add(*, link: PreviewLink, name: str, body: str):
    """Anyone holding a live preview link that takes comments: adds their comment, under
    the name they gave, to the group's review thread, and tells the post's author.

    The visitor is neither a member nor a customer, so the thread marks them by the name
    they typed and by the link (never trusted as anyone's identity)."""
    from posts.models import Notification, ReviewEvent
    from posts.services import approvals

    name = " ".join((name or "").split())
    body = (body or "").strip()
    if not link.allow_comments:
        raise ValidationError(_("This preview does not take comments."))
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give your name (up to 80 characters).")})
    if not body or len(body) > 5000:
        raise ValidationError({"body": _("Write a comment of at most 5,000 characters.")})
    group = PostGroup.objects.select_related("organization").get(pk=link.group_id)
    event = ReviewEvent.objects.create(
        organization_id=group.organization_id,
        group=group,
        portal_label=f"{name} (preview link …{link.hint})"[:100],
        action=ReviewEvent.Action.COMMENT,
        body=body,
        snapshot=approvals.review_snapshot(group=group),
    )
    audit_record(
        action="preview_link.comment",
        organization=group.organization,
        target=group,
        details={"link": link.pk, "name": name},
    )
    if group.created_by_id:
        # The same bell line (and email) a client's comment gives.
        approvals.notify_members(
            group,
            [group.created_by_id],
            Notification.Kind.REVIEW_COMMENT,
            Text(gettext_noop("%(name)s commented on a preview"), name=name),
            body,
        )
    return event
