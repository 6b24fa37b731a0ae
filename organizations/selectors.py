"""Every read of organizations data, already scoped to what the caller may see."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from organizations.models import ApiKey, AuditEvent, Invitation, Membership, Organization


def organizations_for_user(*, user) -> QuerySet[Organization]:
    """The live organizations the user belongs to."""
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user, deleted_at__isnull=True)


def memberships_for_user(*, user) -> QuerySet[Membership]:
    """The user's memberships in live organizations, by organization name."""
    return (
        Membership.objects.filter(user=user, organization__deleted_at__isnull=True)
        .select_related("organization")
        .order_by("organization__name", "organization_id")
    )


def membership_for(*, user, slug: str) -> Membership | None:
    """The user's membership in the live organization with this slug, if any."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("organization", "user")
        .filter(user=user, organization__slug=slug, organization__deleted_at__isnull=True)
        .first()
    )


def memberships_of(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("created_at", "id")
    )


def membership_get(*, organization: Organization, pk) -> Membership | None:
    return memberships_of(organization=organization).filter(pk=pk).first()


def invitations_open(*, organization: Organization) -> QuerySet[Invitation]:
    """Invitations not yet used or withdrawn (pending and expired), newest first."""
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitation_get(*, organization: Organization, pk) -> Invitation | None:
    return Invitation.objects.filter(organization=organization, pk=pk).first()


def invitations_pending_for_email(*, email: str) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
        organization__deleted_at__isnull=True,
    )


def audit_events(
    *,
    organization: Organization,
    action: str = "",
    actor_email: str = "",
    since=None,
    until=None,
) -> QuerySet[AuditEvent]:
    """The organization's audit log, filtered, newest first."""
    events = AuditEvent.objects.filter(organization=organization)
    if action:
        events = events.filter(action__startswith=action)
    if actor_email:
        events = events.filter(actor_email__icontains=actor_email)
    if since:
        events = events.filter(created_at__gte=since)
    if until:
        events = events.filter(created_at__lt=until)
    return events


def audit_actions(*, organization: Organization) -> list[str]:
    """The distinct actions in the organization's audit log, for the filter's choices."""
    return list(
        AuditEvent.objects.filter(organization=organization)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def account_exists_for_invitation(*, invitation: Invitation) -> bool:
    """Whether someone already has an account with the invited address (sign in vs sign up)."""
    return get_user_model().objects.filter(email__iexact=invitation.email).exists()


def api_keys_of(*, organization: Organization):
    """The organization's API keys, newest first, with their creators; a member limited to
    customers sees only the keys they made (the others reach beyond their customers)."""
    keys = ApiKey.objects.filter(
        organization=organization, oauth_application__isnull=True
    ).select_related("created_by")
    acting = getattr(organization, "acting_membership", None)
    if acting is not None and acting.customer_limited:
        keys = keys.filter(membership=acting)
    return keys


def api_key_get(*, organization: Organization, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return api_keys_of(organization=organization).filter(pk=pk).first()


def api_keys_pepper_report() -> dict:
    """Any process (/health, the check at start): whether the usable API keys were made
    under this process's pepper. ``{"ok", "checked"}`` plus ``refused`` (how many keys this
    process would refuse) when not. Keys older than the tag are not counted."""
    from django.db.models import Q

    from organizations.services import api_key_pepper_tag

    usable = ApiKey.objects.filter(revoked_at__isnull=True).exclude(pepper_tag="")
    usable = usable.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
    tag = api_key_pepper_tag()
    counts = usable.aggregate(
        checked=models.Count("pk"), refused=models.Count("pk", filter=~Q(pepper_tag=tag))
    )
    report = {"ok": counts["refused"] == 0, "checked": counts["checked"]}
    if counts["refused"]:
        report.update(refused=counts["refused"], error=PEPPER_MISMATCH)
    return report


PEPPER_MISMATCH = (
    "API keys were made under another pepper than this process's (POSTIZ_API_KEY_PEPPER, or "
    "SECRET_KEY when that is unset), so this process refuses them: give every process the "
    "same value, or make the keys again"
)
