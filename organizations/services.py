"""Every write to organizations, memberships, invitations and the audit log."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.i18n import in_language_of
from organizations import customer_limits, limits
from organizations.models import (
    ALL_SCOPES,
    ORGANIZATION_WIDE_SCOPES,
    RESERVED_SLUGS,
    ApiKey,
    AuditEvent,
    Invitation,
    Membership,
    Organization,
)
from organizations.permissions import Role
from postiz.http import absolute_url, client_ip

_INVITATION_SALT = "postiz.invitation"


# -- Audit log --------------------------------------------------------------------------
def audit_record(
    *,
    action: str,
    actor=None,
    organization: Organization | None = None,
    target=None,
    details: dict | None = None,
    request=None,
) -> AuditEvent:
    """Any service may call this; it appends one event and never changes an old one."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_email=actor.email if actor else "",
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        details=details or {},
        ip_address=client_ip(request),
    )


# -- Organizations ----------------------------------------------------------------------
def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "organization"
    if base in RESERVED_SLUGS:
        base = f"{base}-team"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _validate_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the organization a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Keep the name to 100 characters or fewer.")})
    return name


def organization_create(
    *, name: str, owner, timezone_name: str | None = None, request=None
) -> Organization:
    """Anyone signed in may call this; the caller becomes the organization's only owner."""
    name = _validate_name(name)
    zone = timezone_name or getattr(owner, "timezone", None) or "UTC"
    for _attempt in range(5):
        try:
            with transaction.atomic():
                organization = Organization(
                    name=name, slug=_unique_slug(name), timezone=zone, created_by=owner
                )
                organization.full_clean(validate_unique=False)
                organization.save()
                Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
                audit_record(
                    action="organization.created",
                    actor=owner,
                    organization=organization,
                    target=organization,
                    request=request,
                )
                return organization
        except IntegrityError:
            continue  # another request took the same slug between check and insert
    raise ValidationError(_("Could not find a free address for this organization; try again."))


@transaction.atomic
def organization_update(
    *, organization: Organization, actor, name: str, timezone_name: str, request=None
) -> Organization:
    """Members with organization.manage; changes name and time zone, audited."""
    name = _validate_name(name)
    changes = {}
    if name != organization.name:
        changes["name"] = [organization.name, name]
    if timezone_name != organization.timezone:
        changes["timezone"] = [organization.timezone, timezone_name]
    organization.name = name
    organization.timezone = timezone_name
    organization.full_clean(exclude=["slug", "created_by"])
    organization.save(update_fields=["name", "timezone"])
    if changes:
        audit_record(
            action="organization.updated",
            actor=actor,
            organization=organization,
            target=organization,
            details=changes,
            request=request,
        )
    return organization


# Apps above register what must follow a change of who approves posts (posts: scheduled
# posts that now need an approval wait for it).
_approvals_changed_handlers: list = []


def register_approvals_changed_handler(handler) -> None:
    """AppConfig.ready: ``handler(organization=, actor=)`` runs inside the transaction of
    any change of who must approve (the organization's mode, a customer's, a channel's
    customer). Registering twice is harmless."""
    if handler not in _approvals_changed_handlers:
        _approvals_changed_handlers.append(handler)


def approvals_changed(*, organization: Organization, actor=None) -> None:
    """The services that change who must approve call this, inside their transaction."""
    for handler in _approvals_changed_handlers:
        handler(organization=organization, actor=actor)


@transaction.atomic
def organization_set_approvals(
    *,
    organization: Organization,
    actor,
    approval_mode: str,
    allow_self_approval: bool,
    review_reminder_hours: int,
    request=None,
) -> Organization:
    """Members with organization.manage; changes who must approve posts, audited. Posts
    already scheduled follow the new mode too (approvals_changed)."""
    fields = {
        "approval_mode": approval_mode,
        "allow_self_approval": bool(allow_self_approval),
        "review_reminder_hours": int(review_reminder_hours),
    }
    changes = {
        name: [getattr(organization, name), value]
        for name, value in fields.items()
        if getattr(organization, name) != value
    }
    for name, value in fields.items():
        setattr(organization, name, value)
    organization.full_clean(exclude=["slug", "created_by"])
    organization.save(update_fields=list(fields))
    if changes:
        audit_record(
            action="organization.approvals_updated",
            actor=actor,
            organization=organization,
            target=organization,
            details=changes,
            request=request,
        )
        approvals_changed(organization=organization, actor=actor)
    return organization


@transaction.atomic
def organization_delete(
    *, organization: Organization, actor, confirm_name: str, request=None
) -> None:
    """Owners only (checked by the view); soft-deletes after the name is typed back."""
    if (confirm_name or "").strip() != organization.name:
        raise ValidationError(
            {
                "confirm_name": _("Type the organization's name, %(name)s, to confirm.")
                % {"name": organization.name}
            }
        )
    updated = Organization.objects.filter(pk=organization.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now()
    )
    if updated:
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=timezone.now())
        audit_record(
            action="organization.deleted",
            actor=actor,
            organization=organization,
            target=organization,
            request=request,
        )


# -- Memberships ------------------------------------------------------------------------
def _lock_owners(organization: Organization) -> int:
    """Lock the organization's memberships and return how many owners it has."""
    return sum(
        1
        for role in Membership.objects.select_for_update()
        .filter(organization=organization)
        .values_list("role", flat=True)
        if role == Role.OWNER
    )


def _grants_owner(actor_membership: Membership) -> bool:
    # Owner is the one role that only an owner may give, change or take away.
    return actor_membership.role == Role.OWNER


def _check_may_touch(*, actor_membership: Membership, membership: Membership, new_role=None):
    if not actor_membership.can("members.manage"):
        raise PermissionDenied
    touches_owner = membership.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and not _grants_owner(actor_membership):
        raise ValidationError(_("Only an owner can change or remove another owner."))


def roles_grantable(*, actor_membership: Membership) -> list[tuple[str, str]]:
    """For forms: the roles this member may invite with or give; the services check again."""
    if not actor_membership.can("members.manage"):
        return []
    return [
        (value, label)
        for value, label in Role.choices
        if value != Role.OWNER or _grants_owner(actor_membership)
    ]


def membership_may_manage(*, actor_membership: Membership, membership: Membership) -> bool:
    """For pages: whether the actor may change or remove this member (last owner aside)."""
    try:
        _check_may_touch(actor_membership=actor_membership, membership=membership)
    except (PermissionDenied, ValidationError):
        return False
    return True


def _check_limit_fits_role(role: str, limited: bool) -> None:
    if role == Role.CLIENT and not limited:
        raise ValidationError(
            {"customers": _("A client sees only some customers: choose at least one customer.")}
        )
    if role == Role.OWNER and limited:
        raise ValidationError(
            {"customers": _("An owner sees the whole organization: choose no customer.")}
        )


def _store_customers(*, membership: Membership, actor_membership, customer_ids, request) -> bool:
    """Replace the member's customers (the caller writes the flag), audited; whether they
    changed."""
    before = customer_limits.ids_of(membership=membership) if membership.customer_limited else []
    if bool(customer_ids) == membership.customer_limited and before == customer_ids:
        return False
    names = customer_limits.store(
        organization=membership.organization, membership=membership, customer_ids=customer_ids
    )
    audit_record(
        action="member.customers_changed",
        actor=actor_membership.user,
        organization=membership.organization,
        target=membership.user,
        details={"from": before, "to": customer_ids, "customers": names},
        request=request,
    )
    return True


def _clean_customer_ids(customer_ids) -> list[int]:
    try:
        return sorted({int(pk) for pk in customer_ids or ()})
    except (TypeError, ValueError):
        raise ValidationError({"customers": _("Choose customers from the list.")}) from None


@transaction.atomic
def membership_set_customers(
    *, membership: Membership, actor_membership: Membership, customer_ids, request=None
) -> Membership:
    """members.manage; limits the member to these customers (none: not limited), audited.

    The member's pages and API keys follow at their next request."""
    return membership_change_role(
        membership=membership,
        actor_membership=actor_membership,
        role=membership.role,
        customer_ids=customer_ids,
        request=request,
    )


@transaction.atomic
def membership_change_role(
    *,
    membership: Membership,
    actor_membership: Membership,
    role: str,
    customer_ids=None,
    request=None,
) -> Membership:
    """members.manage; the last owner can never be demoted. With ``customer_ids`` the
    member's customers change in the same transaction (a Client needs at least one, an
    owner none)."""
    if role not in Role.values:
        raise ValidationError(
            _("%(role)s is not a role. Choose one of: %(roles)s.")
            % {"role": repr(role), "roles": ", ".join(Role.values)}
        )
    _check_may_touch(actor_membership=actor_membership, membership=membership, new_role=role)
    owners = _lock_owners(membership.organization)
    membership.refresh_from_db()
    if customer_ids is not None:
        customer_ids = _clean_customer_ids(customer_ids)
    limited = bool(customer_ids) if customer_ids is not None else membership.customer_limited
    _check_limit_fits_role(role, limited)
    if membership.role == Role.OWNER and role != Role.OWNER and owners <= 1:
        raise ValidationError(
            _("This is the organization's last owner. Make someone else an owner first.")
        )
    if customer_ids is not None:
        _store_customers(
            membership=membership,
            actor_membership=actor_membership,
            customer_ids=customer_ids,
            request=request,
        )
    old, was_limited = membership.role, membership.customer_limited
    if (old, was_limited) != (role, limited):
        # One UPDATE for both, so the database's rules (a Client is always limited, an
        # owner never) hold at every step.
        Membership.objects.filter(pk=membership.pk).update(role=role, customer_limited=limited)
        membership.role, membership.customer_limited = role, limited
    if old != role:
        audit_record(
            action="member.role_changed",
            actor=actor_membership.user,
            organization=membership.organization,
            target=membership.user,
            details={"from": old, "to": role},
            request=request,
        )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor_membership: Membership, request=None):
    """members.manage, or the member themselves (leaving); never the last owner."""
    leaving = membership.pk == actor_membership.pk
    if not leaving:
        _check_may_touch(actor_membership=actor_membership, membership=membership)
    owners = _lock_owners(membership.organization)
    membership.refresh_from_db()
    if membership.role == Role.OWNER and owners <= 1:
        raise ValidationError(
            _("You are the last owner. Make someone else an owner, or delete the organization.")
            if leaving
            else _("This is the organization's last owner and cannot be removed.")
        )
    api_keys_revoke_for_leaving(membership=membership, actor=actor_membership.user, request=request)
    membership.delete()
    audit_record(
        action="member.left" if leaving else "member.removed",
        actor=actor_membership.user,
        organization=membership.organization,
        target=membership.user,
        details={"role": membership.role},
        request=request,
    )


def api_keys_revoke_for_leaving(*, membership: Membership, actor=None, request=None) -> int:
    """Whatever deletes a membership, first: a limited member's API keys are revoked, since
    without the membership nothing would limit them any more. Other members' keys keep
    working (they were the organization's keys before members were recorded on them).
    The member's consents to OAuth apps are revoked in every case: an app acts as them."""
    from organizations.oauth import oauth_grant_revoke

    grants = list(
        ApiKey.objects.filter(
            membership_id=membership.pk, revoked_at__isnull=True, oauth_application__isnull=False
        ).select_related("organization", "oauth_application")
    )
    for grant in grants:
        oauth_grant_revoke(grant=grant, actor=actor, request=request)
    if not membership.customer_limited:
        return 0
    keys = list(
        ApiKey.objects.filter(
            membership_id=membership.pk, revoked_at__isnull=True, oauth_application__isnull=True
        )
    )
    for key in keys:
        api_key_revoke(key=key, actor=actor, request=request)
    return len(keys)


# -- Invitations ------------------------------------------------------------------------
class InvitationError(Exception):
    """A link that cannot be used, with a message that says why and what to do."""


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    return absolute_url(reverse("invitation_accept", args=[invitation_token(invitation)]))


def invitation_from_token(token: str) -> Invitation:
    """Resolve a link's token, or raise InvitationError saying why it cannot be used."""
    max_age = timedelta(days=settings.POSTIZ_INVITATION_DAYS)
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvitationError(
            _("This invitation has expired. Ask the person who invited you to send a new one.")
        ) from None
    except signing.BadSignature:
        raise InvitationError(
            _("This invitation link is not valid. Check that you copied the whole link.")
        ) from None
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=data.get("i"), nonce=data.get("n"))
        .first()
    )
    if invitation is None:
        raise InvitationError(
            _("This invitation link has been replaced by a newer one. Use the latest email.")
        )
    if invitation.organization.is_deleted:
        raise InvitationError(_("The organization this invitation was for no longer exists."))
    if invitation.accepted_at:
        raise InvitationError(_("This invitation has already been used."))
    if invitation.revoked_at:
        raise InvitationError(_("This invitation was withdrawn."))
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            _("This invitation has expired. Ask the person who invited you to send a new one.")
        )
    return invitation


def _send_invitation(invitation: Invitation) -> None:
    context = {
        "invitation": invitation,
        "url": invitation_url(invitation),
        "days": settings.POSTIZ_INVITATION_DAYS,
    }
    # Written in the invited person's language when they already have an account here that
    # chose one; otherwise in the language of the member who sent it.
    invitee = (
        get_user_model()
        .objects.filter(email__iexact=invitation.email, is_active=True)
        .exclude(language="")
        .only("language")
        .first()
    )
    with in_language_of(invitee or invitation.invited_by):
        subject = render_to_string("organizations/email/invitation_subject.txt", context).strip()
        body = render_to_string("organizations/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


def invitation_create(
    *,
    organization: Organization,
    actor_membership: Membership,
    email: str,
    role: str,
    customer_ids=(),
    request=None,
) -> Invitation:
    """members.manage; emails a 7-day single-use link. Only owners invite owners. With
    ``customer_ids`` the membership it makes is limited to those customers (a Client
    always is)."""
    if not actor_membership.can("members.manage"):
        raise PermissionDenied
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {
                "email": _("%(email)s is not a valid email address.") % {"email": email}
                if email
                else _("That is not a valid email address.")
            }
        ) from None
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if role == Role.OWNER and not _grants_owner(actor_membership):
        raise ValidationError({"role": _("Only an owner can invite another owner.")})
    customer_ids = _clean_customer_ids(customer_ids)
    _check_limit_fits_role(role, bool(customer_ids))
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already a member of %(name)s.")
                % {"email": email, "name": organization.name}
            }
        )
    limits.check(organization, "members")  # a pending invitation holds a seat
    with transaction.atomic():
        existing = (
            Invitation.objects.select_for_update()
            .filter(
                organization=organization,
                email__iexact=email,
                accepted_at__isnull=True,
                revoked_at__isnull=True,
            )
            .first()
        )
        if existing and existing.status == "pending":
            raise ValidationError(
                {
                    "email": _(
                        "%(email)s already has a pending invitation. Resend it from the list."
                    )
                    % {"email": email}
                }
            )
        if existing:  # expired: retire it so the new one can take its place
            existing.revoked_at = timezone.now()
            existing.save(update_fields=["revoked_at"])
        now = timezone.now()
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            invited_by=actor_membership.user,
            created_at=now,
            sent_at=now,
            expires_at=now + timedelta(days=settings.POSTIZ_INVITATION_DAYS),
            customer_limited=bool(customer_ids),
        )
        details = {"email": email, "role": role}
        if customer_ids:
            names = customer_limits.store(
                organization=organization, invitation=invitation, customer_ids=customer_ids
            )
            details.update(customers=names, customer_ids=customer_ids)
        audit_record(
            action="invitation.created",
            actor=actor_membership.user,
            organization=organization,
            target=invitation,
            details=details,
            request=request,
        )
        transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor_membership: Membership, request=None):
    """members.manage; a new link and a new 7 days; the old link stops working."""
    if not actor_membership.can("members.manage"):
        raise PermissionDenied
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("Only a pending or expired invitation can be sent again."))
    now = timezone.now()
    invitation.nonce = Invitation._meta.get_field("nonce").default()
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.POSTIZ_INVITATION_DAYS)
    invitation.save(update_fields=["nonce", "sent_at", "expires_at"])
    audit_record(
        action="invitation.resent",
        actor=actor_membership.user,
        organization=invitation.organization,
        target=invitation,
        request=request,
    )
    transaction.on_commit(lambda: _send_invitation(invitation))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor_membership: Membership, request=None):
    """members.manage; the link stops working at once."""
    if not actor_membership.can("members.manage"):
        raise PermissionDenied
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not updated:
        raise ValidationError(_("This invitation was already used or withdrawn."))
    audit_record(
        action="invitation.revoked",
        actor=actor_membership.user,
        organization=invitation.organization,
        target=invitation,
        request=request,
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user, request=None) -> Membership:
    """The invited person, signed in with the invited address; the link is used once."""
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(
            _(
                "This invitation was sent to %(email)s, but you are signed in as "
                "%(user_email)s. Sign out and sign in (or sign up) with %(email)s."
            )
            % {"email": invitation.email, "user_email": user.email}
        )
    # Its seat was counted when it was sent; refused only if the plan shrank since.
    limits.check(invitation.organization, "members", adding=0)
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        nonce=invitation.nonce,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise InvitationError(_("This invitation has already been used, withdrawn or has expired."))
    membership, created = Membership.objects.get_or_create(
        organization=invitation.organization,
        user=user,
        defaults={"role": invitation.role, "customer_limited": invitation.customer_limited},
    )
    if created and invitation.customer_limited:
        # Someone already in keeps what they have; a new member gets the invited customers.
        customer_limits.store(
            organization=invitation.organization,
            membership=membership,
            customer_ids=customer_limits.ids_of(invitation=invitation),
        )
    audit_record(
        action="invitation.accepted",
        actor=user,
        organization=invitation.organization,
        target=invitation,
        details={"role": membership.role, "already_member": not created},
        request=request,
    )
    return membership


# -- API keys ---------------------------------------------------------------------------
# A key reads ``ptz_<key id>_<secret>``: the key id finds the row (one indexed lookup), the
# secret proves the holder. Neither part uses "_" (nor "-", so a double click selects the
# whole key), and no key starts with "pos_" (the compatible surface's OAuth tokens).
API_KEY_PREFIX = "ptz_"
_KEY_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + _KEY_ID_ALPHABET
API_KEY_ID_LENGTH = 12  # 62 bits: ids are public, they only need to be unique
API_KEY_SECRET_LENGTH = 43  # 256 bits
_KEY_SHAPE = re.compile(
    rf"^{API_KEY_PREFIX}([a-z0-9]{{{API_KEY_ID_LENGTH}}})_[A-Za-z0-9]{{{API_KEY_SECRET_LENGTH}}}$"
)
# last_used_at is written at most this often, so a busy key does not cost a write per request.
API_KEY_TOUCH_SECONDS = 60


def api_key_pepper() -> bytes:
    """The server-side secret every stored key hash is keyed with: POSTIZ_API_KEY_PEPPER,
    else a value derived from SECRET_KEY (so a stolen database alone cannot test keys)."""
    configured = getattr(settings, "POSTIZ_API_KEY_PEPPER", "")
    if configured:
        return configured.encode()
    return _derived_pepper(settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _derived_pepper(secret_key: str) -> bytes:
    # Derived once per SECRET_KEY, not once per request.
    return hmac.new(secret_key.encode(), b"postiz.api-key-pepper", "sha256").digest()


def api_key_pepper_tag() -> str:
    """A digest naming this process's pepper, stored with each key it makes: processes
    whose tags differ cannot read each other's keys."""
    return hmac.new(api_key_pepper(), b"postiz.pepper-tag", "sha256").hexdigest()[:16]


def api_key_digest(value: str) -> str:
    """HMAC-SHA256 hex of ``value`` under the pepper.

    A slow, salted hash protects guessable secrets (passwords). These keys carry 256 random
    bits, so no dictionary or brute force can reach them from the hash; a fast keyed digest
    is as safe, adds the pepper, and keeps authentication to one indexed lookup."""
    return hmac.new(api_key_pepper(), value.encode("utf-8", "surrogatepass"), "sha256").hexdigest()


def api_key_legacy_digest(raw_key: str) -> str:
    """What is stored for a key made before key ids: the pepper over the SHA-256 hex that
    was stored then (the data migration 0003 re-keyed those rows)."""
    return api_key_digest(hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest())


def _random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _position in range(length))


def _clean_scopes(scopes) -> list[str]:
    chosen = list(dict.fromkeys(s.strip() for s in (scopes or ()) if s and s.strip()))
    unknown = [s for s in chosen if s not in ALL_SCOPES]
    if unknown:
        raise ValidationError(
            {
                "scopes": _("Unknown scope %(scope)s; choose from %(scopes)s.")
                % {"scope": repr(unknown[0]), "scopes": ", ".join(ALL_SCOPES)}
            }
        )
    if not chosen:
        raise ValidationError({"scopes": _("Choose at least one scope, or full access.")})
    return [s for s in ALL_SCOPES if s in chosen]


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    actor,
    name: str,
    scopes,
    expires_at=None,
    membership: Membership | None = None,
    request=None,
):
    """apikeys.manage holders (or the createapikey command) only; returns (key, raw secret).

    A key made by a member (``membership``) acts as them: limited to their customers, read
    at every request, and without the organization-wide scopes while they are limited.
    The raw secret exists only in the return value: it is never stored nor logged."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name, e.g. the program that uses it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("Keep the name to 100 characters or fewer.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Choose an expiry date in the future.")})
    scopes = _clean_scopes(scopes)
    if membership is None and getattr(actor, "is_authenticated", False):
        # Whoever makes a key, a member's key acts as them (the command's keys as nobody).
        membership = Membership.objects.filter(organization=organization, user=actor).first()
    if membership is not None and membership.customer_limited:
        wide = [scope for scope in scopes if scope in ORGANIZATION_WIDE_SCOPES]
        if wide:
            raise ValidationError(
                {
                    "scopes": _("You see only some customers, so your keys cannot have %(scope)s.")
                    % {"scope": wide[0]}
                }
            )
    key_id = _random_text(_KEY_ID_ALPHABET, API_KEY_ID_LENGTH)
    raw = f"{API_KEY_PREFIX}{key_id}_{_random_text(_SECRET_ALPHABET, API_KEY_SECRET_LENGTH)}"
    key = ApiKey.objects.create(
        organization=organization,
        name=name,
        prefix=API_KEY_PREFIX + key_id,
        key_id=key_id,
        key_hash=api_key_digest(raw),
        pepper_tag=api_key_pepper_tag(),
        scopes=scopes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        membership=membership,
        expires_at=expires_at,
    )
    audit_record(
        action="apikey.created",
        actor=actor,
        organization=organization,
        target=key,
        details={"scopes": key.scopes, "prefix": key.prefix},
        request=request,
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, key, actor, request=None):
    """apikeys.manage holders only; the key stops working on its next request, audited."""
    updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        key.refresh_from_db(fields=["revoked_at"])
        audit_record(
            action="apikey.revoked",
            actor=actor,
            organization=key.organization,
            target=key,
            details={"prefix": key.prefix},
            request=request,
        )
    return key


def api_key_authenticate(*, raw_key: str, related: tuple[str, ...] = ()):
    """The API authentication may call this; returns the usable key or None (unknown,
    revoked, expired, wrong secret, or its organization deleted), never saying which.

    One query: the key with its organization, and ``related`` (relations of the key to
    read with it, such as what the API's plan check reads). Nothing is cached, so a
    revocation holds from the next request."""
    if len(raw_key) > 200 or not raw_key.startswith(API_KEY_PREFIX):
        return None
    shape = _KEY_SHAPE.match(raw_key)
    if shape:
        digest = api_key_digest(raw_key)
        lookup = {"key_id": shape.group(1)}
    else:
        # Keys made before key ids carry none: found by their (peppered) hash instead.
        digest = api_key_legacy_digest(raw_key)
        lookup = {"key_id__isnull": True, "key_hash": digest}
    try:
        key = ApiKey.objects.select_related("organization", "membership", *related).get(
            revoked_at__isnull=True, **lookup
        )
    except ApiKey.DoesNotExist:
        return None
    if not hmac.compare_digest(key.key_hash, digest):
        return None
    if key.expires_at is not None and key.expires_at <= timezone.now():
        return None
    if key.organization.deleted_at is not None:
        return None
    return key


def api_key_touch(*, key, ip: str | None) -> None:
    """The API authentication calls this per request; writes last_used_at (and the IP) at
    most once a minute per key, whichever process serves it."""
    current = timezone.now()
    if key.last_used_at and (current - key.last_used_at).total_seconds() < API_KEY_TOUCH_SECONDS:
        return
    # The condition makes concurrent requests of several processes write once between them.
    cutoff = current - timedelta(seconds=API_KEY_TOUCH_SECONDS)
    ApiKey.objects.filter(pk=key.pk).filter(
        models.Q(last_used_at__isnull=True) | models.Q(last_used_at__lt=cutoff)
    ).update(last_used_at=current, last_used_ip=ip)
    key.last_used_at = current
