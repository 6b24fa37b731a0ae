"""Every write to channels (Integration), customers and the token lifecycle.

Views, tasks, commands and the admin call these; providers never touch the database.
Credentials arrive here as plain dicts from a provider and leave encrypted (the model's
field encrypts); nothing in this module logs or returns a secret.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.tasks import async_task

from billing import limits as plan_limits
from integrations import pictures
from integrations.models import Customer, CustomerAccess, InstanceApp, Integration
from integrations.providers import get_provider
from integrations.providers.base import Account, ErrorKind, Grant, ProviderError, SettingField
from organizations import events
from organizations.models import Membership, Organization
from organizations.permissions import ROLE_PERMISSIONS
from organizations.services import approvals_changed, audit_record
from organizations.texts import Text, english, stored
from postiz.http import absolute_url, text_problem
from postiz.timezones import validate_timezone

logger = logging.getLogger("postiz.integrations")

# Failures that say nothing about the grant: the network was unreachable or busy.
TRANSIENT_KINDS = frozenset(
    {ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.UNKNOWN_OUTCOME}
)
REMINDER_FLAG = "expiry_reminder_sent"
# Channel pictures (meta keys): the network's address of the picture, the stored copy's name
# and the address it was made from, and when a copy last failed (seconds since 1970).
AVATAR_SOURCE = "avatar_source"
PICTURE_COPY = "picture_copy"
PICTURE_COPY_OF = "picture_copy_of"
PICTURE_TRIED_AT = "picture_tried_at"
# A picture that could not be copied is tried again after this long.
PICTURE_RETRY_SECONDS = 24 * 3600
MAX_POSTING_TIMES = 48
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# -- "Channel deleted" handlers ---------------------------------------------------------
@dataclass(frozen=True)
class _DeletedHandler:
    cancel: Callable[..., int]
    count: Callable[..., int] | None


_deleted_handlers: list[_DeletedHandler] = []


def register_channel_deleted_handler(
    cancel: Callable[..., int], *, count: Callable[..., int] | None = None
) -> None:
    """Apps call this at start-up (AppConfig.ready). ``cancel(integration=, actor=)`` runs
    inside the delete's transaction and returns how many scheduled posts it cancelled;
    ``count(integration=)`` says how many it would cancel, for the confirmation page."""
    if not any(h.cancel is cancel for h in _deleted_handlers):
        _deleted_handlers.append(_DeletedHandler(cancel, count))


def integration_pending_post_count(*, integration: Integration) -> int:
    """Anyone may call; how many scheduled posts deleting this channel would cancel."""
    return sum(h.count(integration=integration) for h in _deleted_handlers if h.count)


# -- Helpers ----------------------------------------------------------------------------
def _audit(action, *, integration, actor=None, request=None, details=None):
    audit_record(
        action=action,
        actor=actor,
        organization=integration.organization,
        target=integration,
        details={"provider": integration.provider, **(details or {})},
        request=request,
    )


# Whole sentences per kind of name, so each language can word them its own way.
_NAME_TEXTS = {
    "channel": {
        "empty": lambda: _("Give the channel a name."),
        "problem": lambda: _("The channel name %(problem)s."),
        "long": lambda: _("Keep the channel name under %(max)s characters."),
    },
    "customer": {
        "empty": lambda: _("Give the customer a name."),
        "problem": lambda: _("The customer name %(problem)s."),
        "long": lambda: _("Keep the customer name under %(max)s characters."),
    },
}


def _clean_name(name: str, *, max_length: int, what: str) -> str:
    texts = _NAME_TEXTS[what]
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": texts["empty"]()})
    problem = text_problem(name)
    if problem:
        raise ValidationError({"name": texts["problem"]() % {"problem": problem}})
    if len(name) > max_length:
        raise ValidationError({"name": texts["long"]() % {"max": max_length}})
    return name


def _lock(integration: Integration) -> Integration:
    return (
        Integration.objects.select_for_update()
        .select_related("organization")
        .get(pk=integration.pk, organization_id=integration.organization_id)
    )


# -- Connecting -------------------------------------------------------------------------
@transaction.atomic
def integration_connect(
    *,
    organization: Organization,
    provider_id: str,
    grant: Grant,
    account: Account,
    actor=None,
    request=None,
) -> tuple[Integration, bool]:
    """Connect flows call this (channels.manage checked by the view); upserts the channel
    for (organization, provider, account) and returns (channel, created). A reconnect keeps
    the channel's id, customer, slots and preferences and every credential the new grant
    does not replace (a refresh token it lacks)."""
    get_provider(provider_id)  # an unknown provider is a programming error: raise
    external_id = str(account.external_id)
    if not external_id:
        raise ValidationError(_("The network did not say which account this is."))
    existing = (
        Integration.objects.select_for_update()
        .filter(organization=organization, provider=provider_id, external_id=external_id)
        .first()
    )
    if existing is None or existing.is_deleted or existing.status == Integration.Status.DISABLED:
        plan_limits.check(organization, "channels")  # the channel comes (back) on
    was_deleted = existing is not None and existing.is_deleted
    credentials = {**(existing.credentials if existing else {})}
    credentials.update(grant.credentials)
    credentials.update(account.credentials)
    meta = {**(existing.meta if existing else {}), **grant.meta, **account.meta}
    meta.pop(REMINDER_FLAG, None)
    avatar_url, dropped = _picture_source(meta, account.avatar_url, keep_if_none=False)
    values = {
        "name": (account.name or account.username or external_id)[:200],
        "username": (account.username or "")[:200],
        "profile_url": account.profile_url or "",
        # The copy kept here (until the new picture is copied), never the network's address.
        "avatar_url": avatar_url if existing is not None else "",
        "credentials": credentials,
        "token_expires_at": grant.expires_at,
        "refresh_expires_at": grant.refresh_expires_at,
        "scopes": list(grant.scopes),
        "meta": meta,
        "status": Integration.Status.ACTIVE,
        "last_error": "",
        "last_error_text": None,
        "last_error_at": None,
        "deleted_at": None,
        "connected_by": actor if getattr(actor, "is_authenticated", False) else None,
    }
    if existing is None:
        integration = Integration(
            organization=organization,
            provider=provider_id,
            external_id=external_id,
            timezone=organization.timezone or "UTC",
            **values,
        )
        integration.save()
    else:
        integration = existing
        if grant.refresh_expires_at is None:
            values["refresh_expires_at"] = existing.refresh_expires_at
        for key, value in values.items():
            setattr(integration, key, value)
        integration.save()
    integration.organization = organization
    _after_picture_change(integration, dropped)
    if existing is not None:
        from integrations.analytics import analytics_reconnected, organization_days_rebuild

        # A reconnect may have granted what the counts were refused for; a channel that
        # comes back from deletion counts in the organization's sums again.
        analytics_reconnected(integration=integration)
        if was_deleted:
            organization_days_rebuild(organization_id=organization.pk)
    _audit(
        "channel.connected" if existing is None else "channel.reconnected",
        integration=integration,
        actor=actor,
        request=request,
        details={"external_id": external_id},
    )
    return integration, existing is None


@transaction.atomic
def instance_app_for(*, provider_id: str, instance_url: str, redirect_uri: str, fresh=False):
    """Connect flows call this; returns the cached OAuth app registered on a server
    (Mastodon), registering one when there is none or ``fresh`` asks for a new one."""
    provider = get_provider(provider_id)
    lookup = {"provider": provider_id, "instance_url": instance_url, "redirect_uri": redirect_uri}
    app = InstanceApp.objects.select_for_update().filter(**lookup).first()
    if app is not None and not fresh:
        return app
    registered = provider.register_app(instance_url=instance_url, redirect_uri=redirect_uri)
    if app is None:
        app = InstanceApp(**lookup)
    app.client_id = registered["client_id"]
    app.client_secret = {"client_secret": registered.get("client_secret", "")}
    app.scopes = " ".join(getattr(provider, "scopes", ()) or ())
    app.save()
    return app


# -- Editing ----------------------------------------------------------------------------
@transaction.atomic
def integration_rename(*, integration: Integration, name: str, actor=None, request=None):
    """channels.manage; renames the channel here only (never on the network)."""
    name = _clean_name(name, max_length=200, what="channel")
    integration = _lock(integration)
    old = integration.name
    if old == name:
        return integration
    integration.name = name
    integration.save(update_fields=["name", "updated_at"])
    _audit(
        "channel.renamed",
        integration=integration,
        actor=actor,
        request=request,
        details={"from": old, "to": name},
    )
    return integration


@transaction.atomic
def integration_set_customer(*, integration: Integration, customer: Customer | None, actor=None):
    """channels.manage; the customer must belong to the channel's organization."""
    if customer is not None and customer.organization_id != integration.organization_id:
        raise ValidationError({"customer": _("Choose a customer of this organization.")})
    previous = integration.customer_id
    Integration.objects.filter(pk=integration.pk).update(
        customer=customer, updated_at=timezone.now()
    )
    integration.customer = customer
    if previous != (customer.pk if customer else None):
        # Another customer may ask for other approvals.
        approvals_changed(organization=integration.organization, actor=actor)
    return integration


@transaction.atomic
def integration_disable(*, integration: Integration, actor=None, request=None) -> bool:
    """channels.manage; stops publishing to the channel. False when already disabled."""
    changed = (
        Integration.objects.filter(pk=integration.pk, deleted_at__isnull=True)
        .exclude(status=Integration.Status.DISABLED)
        .update(status=Integration.Status.DISABLED, updated_at=timezone.now())
    )
    if changed:
        integration.status = Integration.Status.DISABLED
        _audit("channel.disabled", integration=integration, actor=actor, request=request)
    return bool(changed)


@transaction.atomic
def integration_enable(*, integration: Integration, actor=None, request=None) -> bool:
    """channels.manage; a disabled channel becomes active again. False when not disabled."""
    if integration.status == Integration.Status.DISABLED and not integration.is_deleted:
        plan_limits.check(integration.organization, "channels")
    changed = Integration.objects.filter(
        pk=integration.pk, deleted_at__isnull=True, status=Integration.Status.DISABLED
    ).update(status=Integration.Status.ACTIVE, updated_at=timezone.now())
    if changed:
        integration.status = Integration.Status.ACTIVE
        _audit("channel.enabled", integration=integration, actor=actor, request=request)
    return bool(changed)


@transaction.atomic
def integration_delete(*, integration: Integration, actor=None, request=None) -> int:
    """channels.manage; soft-deletes the channel, runs every "channel deleted" handler and
    returns how many scheduled posts they cancelled. Reconnecting the account revives it."""
    integration = _lock(integration)
    if integration.deleted_at is not None:
        return 0
    integration.deleted_at = timezone.now()
    integration.save(update_fields=["deleted_at", "updated_at"])
    from integrations.analytics import organization_days_rebuild

    # Its counts leave the organization's daily sums the Analytics page reads.
    organization_days_rebuild(organization_id=integration.organization_id)
    cancelled = sum(h.cancel(integration=integration, actor=actor) for h in _deleted_handlers)
    _audit(
        "channel.deleted",
        integration=integration,
        actor=actor,
        request=request,
        details={"cancelled_posts": cancelled},
    )
    return cancelled


def clean_posting_times(times) -> list[str]:
    """HH:MM strings, validated, de-duplicated and sorted; at least one."""
    cleaned = set()
    for raw in times:
        raw = (raw or "").strip()
        if not raw:
            continue
        match = _TIME.match(raw[:5] if len(raw) == 8 and raw.count(":") == 2 else raw)
        if not match:
            raise ValidationError(
                {
                    "posting_times": _(
                        "%(value)s is not a time of day; write it as HH:MM, e.g. 09:30."
                    )
                    % {"value": raw}
                }
            )
        cleaned.add(f"{int(match[1]):02d}:{match[2]}")
    if not cleaned:
        raise ValidationError({"posting_times": _("Keep at least one posting time.")})
    if len(cleaned) > MAX_POSTING_TIMES:
        raise ValidationError(
            {
                "posting_times": _("A channel can have at most %(max)s posting times.")
                % {"max": MAX_POSTING_TIMES}
            }
        )
    return sorted(cleaned)


@transaction.atomic
def integration_update_posting_times(
    *, integration: Integration, times: list[str], timezone_name: str, actor=None
) -> Integration:
    """channels.manage; slots are local wall-clock times in ``timezone_name``."""
    cleaned = clean_posting_times(times)
    try:
        validate_timezone(timezone_name)
    except ValidationError as error:
        raise ValidationError({"timezone": error.messages}) from None
    Integration.objects.filter(pk=integration.pk).update(
        posting_times=cleaned, timezone=timezone_name, updated_at=timezone.now()
    )
    integration.posting_times = cleaned
    integration.timezone = timezone_name
    return integration


def clean_preferences(fields: tuple[SettingField, ...], values: dict) -> dict:
    """Values checked and converted against a provider's preference fields."""
    known = {f.name: f for f in fields}
    errors = {}
    cleaned = {}
    for key in values:
        if key not in known:
            errors[key] = _("%(key)s is not a preference of this network.") % {"key": key}
    for spec in fields:
        value = values.get(spec.name, spec.default)
        label = spec.label or spec.name
        if spec.type == "bool":
            if isinstance(value, str):
                value = value.lower() in ("1", "true", "on", "yes")
            cleaned[spec.name] = bool(value)
            continue
        if value in (None, ""):
            if spec.required:
                errors[spec.name] = _("Choose %(label)s.") % {"label": label}
            continue
        if spec.type == "enum" and value not in spec.choices:
            errors[spec.name] = _("%(label)s must be one of: %(choices)s.") % {
                "label": label,
                "choices": ", ".join(spec.choices),
            }
        elif spec.type == "int":
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[spec.name] = _("%(label)s must be a whole number.") % {"label": label}
        elif spec.max_length and len(str(value)) > spec.max_length:
            errors[spec.name] = _("%(label)s allows %(max)s characters.") % {
                "label": label,
                "max": spec.max_length,
            }
        elif spec.type == "url":
            value = str(value).strip().rstrip("/")
            try:
                parts = urlsplit(value)
                valid = parts.scheme in ("https", "http") and bool(parts.hostname)
            except ValueError:
                valid = False
            if not valid:
                errors[spec.name] = _("%(label)s must be a web address (https://…).") % {
                    "label": label
                }
        cleaned[spec.name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def integration_update_preferences(*, integration: Integration, values: dict, actor=None):
    """channels.manage; replaces the preferences after checking them against the
    provider's preference fields."""
    provider = get_provider(integration.provider)
    cleaned = clean_preferences(tuple(provider.preference_fields), values)
    Integration.objects.filter(pk=integration.pk).update(
        preferences=cleaned, updated_at=timezone.now()
    )
    integration.preferences = cleaned
    return integration


@transaction.atomic
def integration_update_profile(*, integration: Integration, account: Account) -> Integration:
    """ "Check connection" calls this after a successful profile fetch; updates the
    display facts (never the name a person chose)."""
    integration = _lock(integration)
    integration.username = (account.username or integration.username)[:200]
    integration.profile_url = account.profile_url or integration.profile_url
    if not integration.name or integration.name == integration.external_id:
        integration.name = (account.name or integration.name)[:200]
    meta = dict(integration.meta)
    integration.avatar_url, dropped = _picture_source(meta, account.avatar_url, keep_if_none=True)
    integration.meta = meta
    integration.save(
        update_fields=["username", "avatar_url", "profile_url", "name", "meta", "updated_at"]
    )
    _after_picture_change(integration, dropped)
    return integration


# -- Channel pictures -------------------------------------------------------------------
def _picture_source(meta: dict, source: str, *, keep_if_none: bool) -> tuple[str, str]:
    """Record the network's picture address in ``meta`` (changed in place); returns the
    avatar_url to show meanwhile (the copy kept here, or "") and the name of a copy that is
    no longer wanted. A network that reports no picture clears it, unless ``keep_if_none``
    (a read that may simply not include it, like a bare PDS's)."""
    copy = meta.get(PICTURE_COPY) or ""
    if source:
        if source != meta.get(AVATAR_SOURCE):
            meta.pop(PICTURE_TRIED_AT, None)
        meta[AVATAR_SOURCE] = source
    elif not keep_if_none:
        for key in (AVATAR_SOURCE, PICTURE_COPY, PICTURE_COPY_OF, PICTURE_TRIED_AT):
            meta.pop(key, None)
        return "", copy
    return (pictures.url(copy) if copy else ""), ""


def _picture_wanted(meta: dict) -> bool:
    source = meta.get(AVATAR_SOURCE)
    return bool(source) and not (meta.get(PICTURE_COPY) and meta.get(PICTURE_COPY_OF) == source)


def _after_picture_change(integration: Integration, dropped: str) -> None:
    if dropped:
        transaction.on_commit(lambda: pictures.delete(dropped))
    if _picture_wanted(integration.meta):
        pk = integration.pk
        transaction.on_commit(lambda: async_task("integrations.tasks.store_channel_picture", pk))


def integration_store_picture(*, integration_id: int) -> bool:
    """The picture job calls this (after a connect or a check, and for channels without a
    copy): keeps a small copy of the channel's picture in media storage and shows that copy
    wherever the channel's picture appears. Fetches outside any transaction; a failure is
    logged and tried again a day later. True when a new copy is in place."""
    integration = Integration.objects.filter(pk=integration_id, deleted_at__isnull=True).first()
    if integration is None or not _picture_wanted(integration.meta):
        return False
    source = integration.meta[AVATAR_SOURCE]
    try:
        name = pictures.save(pictures.shrink(pictures.fetch(source)))
    except pictures.PictureError as error:
        logger.info("picture of channel %s not copied: %s", integration.pk, error)
        with transaction.atomic():
            locked = Integration.objects.select_for_update().filter(pk=integration.pk).first()
            if locked is not None and locked.meta.get(AVATAR_SOURCE) == source:
                locked.meta = {**locked.meta, PICTURE_TRIED_AT: int(time.time())}
                locked.save(update_fields=["meta", "updated_at"])
        return False
    with transaction.atomic():
        locked = Integration.objects.select_for_update().filter(pk=integration.pk).first()
        if locked is None or locked.meta.get(AVATAR_SOURCE) != source:
            # The picture changed (or the channel went) while we fetched: not this one.
            transaction.on_commit(lambda: pictures.delete(name))
            return False
        old = locked.meta.get(PICTURE_COPY)
        meta = {**locked.meta, PICTURE_COPY: name, PICTURE_COPY_OF: source}
        meta.pop(PICTURE_TRIED_AT, None)
        locked.meta = meta
        locked.avatar_url = pictures.url(name)
        locked.save(update_fields=["meta", "avatar_url", "updated_at"])
        if old and old != name:
            transaction.on_commit(lambda: pictures.delete(old))
    return True


def channels_missing_pictures(*, limit: int) -> list[int]:
    """Live channels with a picture on the network and no copy of it here (connected before
    copies were kept, or whose copy failed more than a day ago), oldest first."""
    retry_before = int(time.time()) - PICTURE_RETRY_SECONDS
    candidates = (
        Integration.objects.filter(deleted_at__isnull=True, meta__has_key=AVATAR_SOURCE)
        .filter(Q(meta__picture_tried_at__isnull=True) | Q(meta__picture_tried_at__lt=retry_before))
        .order_by("pk")
        .values_list("pk", "meta")
    )
    found = []
    for pk, meta in candidates.iterator(chunk_size=500):
        if _picture_wanted(meta):
            found.append(pk)
            if len(found) >= limit:
                break
    return found


@transaction.atomic
def integration_record_error(*, integration: Integration, error: ProviderError) -> None:
    """Anyone may call; records the failure message and when (status unchanged)."""
    Integration.objects.filter(pk=integration.pk).update(
        **_error_columns(error.text or error.user_message), last_error_at=timezone.now()
    )


def _error_columns(error: str | Text) -> dict:
    """A channel's last error: English in ``last_error``, the sentence beside it."""
    return {"last_error": english(error)[:1000], "last_error_text": stored(error)}


# -- Customers --------------------------------------------------------------------------
def _customer_name_taken(organization, name, exclude=None) -> bool:
    qs = Customer.objects.annotate(lname=Lower("name")).filter(
        organization=organization, lname=name.lower()
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.exists()


@transaction.atomic
def customer_create(*, organization: Organization, name: str, actor=None) -> Customer:
    """channels.manage; names are unique per organization, ignoring case."""
    name = _clean_name(name, max_length=100, what="customer")
    if _customer_name_taken(organization, name):
        raise ValidationError(
            {"name": _("There is already a customer called %(name)s.") % {"name": name}}
        )
    try:
        with transaction.atomic():
            return Customer.objects.create(organization=organization, name=name)
    except IntegrityError:
        raise ValidationError(
            {"name": _("There is already a customer called %(name)s.") % {"name": name}}
        ) from None


@transaction.atomic
def customer_rename(*, customer: Customer, name: str, actor=None) -> Customer:
    """channels.manage; names stay unique per organization, ignoring case."""
    name = _clean_name(name, max_length=100, what="customer")
    if _customer_name_taken(customer.organization_id, name, exclude=customer):
        raise ValidationError(
            {"name": _("There is already a customer called %(name)s.") % {"name": name}}
        )
    customer.name = name
    customer.save(update_fields=["name"])
    return customer


@transaction.atomic
def customer_set_approval_mode(*, customer: Customer, approval_mode: str, actor=None) -> Customer:
    """channels.manage; the customer's own approval mode ("" = the organization's),
    audited. What is scheduled to its channels from now on follows it."""
    from organizations.models import ApprovalMode

    if approval_mode not in ("", *ApprovalMode.values):
        raise ValidationError({"approval_mode": _("Choose one of the approval settings.")})
    previous = customer.approval_mode
    customer.approval_mode = approval_mode
    customer.save(update_fields=["approval_mode"])
    if previous != approval_mode:
        audit_record(
            action="customer.approvals_updated",
            actor=actor,
            organization=customer.organization,
            target=customer,
            details={"customer": customer.name, "approval_mode": [previous, approval_mode]},
        )
        approvals_changed(organization=customer.organization, actor=actor)
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer, actor=None) -> int:
    """channels.manage; its channels stay, without a customer. Returns how many."""
    count = Integration.objects.filter(customer=customer).update(customer=None)
    organization = customer.organization
    customer.delete()
    if count:
        approvals_changed(organization=organization, actor=actor)
    return count


# -- Access limited to customers ------------------------------------------------------------
def customer_access_store(
    *, organization: Organization, membership=None, invitation=None, customer_ids
) -> list[str]:
    """organizations.services only (through organizations.customer_limits), inside their
    transaction: the membership's or invitation's customers become exactly these, each of
    ``organization`` (else ValidationError). Returns their names."""
    holder = {"membership": membership} if membership is not None else {"invitation": invitation}
    wanted = set(customer_ids)
    customers = list(
        Customer.objects.filter(organization=organization, pk__in=wanted).order_by("name", "id")
    )
    if len(customers) != len(wanted):
        raise ValidationError({"customers": _("Choose customers of this organization.")})
    CustomerAccess.objects.filter(**holder).exclude(customer_id__in=wanted).delete()
    present = set(CustomerAccess.objects.filter(**holder).values_list("customer_id", flat=True))
    CustomerAccess.objects.bulk_create(
        [CustomerAccess(customer=c, **holder) for c in customers if c.pk not in present]
    )
    return [c.name for c in customers]


class CustomerLimits:
    """What organizations asks about members limited to customers (registered in
    IntegrationsConfig.ready as organizations.customer_limits' backend)."""

    def choices(self, organization) -> list[tuple[int, str]]:
        return list(
            Customer.objects.filter(organization=organization)
            .order_by("name", "id")
            .values_list("pk", "name")
        )

    def names(self, *, memberships=(), invitations=()) -> dict:
        member_ids = [m.pk for m in memberships if m.customer_limited]
        invitation_ids = [i.pk for i in invitations if i.customer_limited]
        found: dict = {}
        if not member_ids and not invitation_ids:
            return found
        for key in member_ids:
            found[("membership", key)] = []
        for key in invitation_ids:
            found[("invitation", key)] = []
        rows = (
            CustomerAccess.objects.filter(
                Q(membership_id__in=member_ids) | Q(invitation_id__in=invitation_ids)
            )
            .order_by("customer__name", "customer_id")
            .values_list("membership_id", "invitation_id", "customer_id", "customer__name")
        )
        for membership_id, invitation_id, customer_id, name in rows:
            if membership_id is not None:
                found[("membership", membership_id)].append((customer_id, name))
            else:
                found[("invitation", invitation_id)].append((customer_id, name))
        return found

    def ids_of(self, *, membership=None, invitation=None) -> list[int]:
        holder = (
            {"membership": membership} if membership is not None else {"invitation": invitation}
        )
        return sorted(CustomerAccess.objects.filter(**holder).values_list("customer_id", flat=True))

    def store(self, *, organization, membership=None, invitation=None, customer_ids) -> list:
        return customer_access_store(
            organization=organization,
            membership=membership,
            invitation=invitation,
            customer_ids=customer_ids,
        )


# -- Status and notifications -----------------------------------------------------------
def _notify_recipients(organization: Organization) -> list[tuple[str, str]]:
    """(email, language) of each member told about the organization's channels."""
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if "channels.manage" in perms]
    return list(
        Membership.objects.filter(
            organization=organization,
            customer_limited=False,
            role__in=roles,
            user__is_active=True,
            user__notify_failures=True,
        )
        .order_by("user__email")
        .values_list("user__email", "user__language")
    )


def _send_channel_email(integration: Integration, template: str, context: dict) -> None:
    recipients = _notify_recipients(integration.organization)
    if not recipients:
        return
    context = {
        "integration": integration,
        "organization": integration.organization,
        "url": absolute_url(
            reverse("integrations:detail", args=[integration.organization.slug, integration.pk])
        ),
        **context,
    }
    # One email per language, each to the members who read that one.
    by_language: dict[str, list[str]] = {}
    for email, language in recipients:
        by_language.setdefault(language or settings.LANGUAGE_CODE, []).append(email)
    for language, emails in by_language.items():
        with translation.override(language):
            subject = render_to_string(
                f"integrations/email/{template}_subject.txt", context
            ).strip()
            body = render_to_string(f"integrations/email/{template}_message.txt", context)
        transaction.on_commit(
            lambda subject=subject, body=body, emails=emails: send_mail(subject, body, None, emails)
        )


@transaction.atomic
def integration_set_status(
    *, integration: Integration, status: str, error: str | Text = "", actor=None, request=None
) -> bool:
    """The token lifecycle calls this; changes the status with a conditional UPDATE and
    sends one notification (email + audit) per actual change, none when unchanged. The
    error may be a ``Text`` (each reader is told it in their language)."""
    now = timezone.now()
    updates = {"status": status, "updated_at": now}
    if error:
        updates.update(**_error_columns(error), last_error_at=now)
    old = Integration.objects.filter(pk=integration.pk).values_list("status", flat=True).first()
    changed = (
        Integration.objects.filter(pk=integration.pk, deleted_at__isnull=True)
        .exclude(status=status)
        .update(**updates)
    )
    if not changed:
        if error:
            Integration.objects.filter(pk=integration.pk).update(
                **_error_columns(error), last_error_at=now
            )
        return False
    integration.status = status
    if error:
        columns = _error_columns(error)
        integration.last_error, integration.last_error_at = columns["last_error"], now
        integration.last_error_text = columns["last_error_text"]
    _audit(
        "channel.status_changed",
        integration=integration,
        actor=actor,
        request=request,
        details={"from": old, "to": status},
    )
    if status == Integration.Status.NEEDS_RECONNECT:
        _send_channel_email(integration, "needs_reconnect", {"error": error})
        events.record(
            events.CHANNEL_NEEDS_RECONNECT,
            organization_id=integration.organization_id,
            integration_id=integration.pk,
            message=error,
        )
    return True


# -- Token lifecycle --------------------------------------------------------------------
def _apply_grant(integration: Integration, grant: Grant) -> None:
    credentials = dict(integration.credentials)
    # A network that does not rotate leaves the refresh token out: keep ours.
    credentials.update({k: v for k, v in grant.credentials.items() if v not in (None, "")})
    integration.credentials = credentials
    integration.token_expires_at = grant.expires_at
    if grant.refresh_expires_at is not None:
        integration.refresh_expires_at = grant.refresh_expires_at
    if grant.scopes:
        integration.scopes = list(grant.scopes)
    if grant.meta:
        integration.meta = {**integration.meta, **grant.meta}
    integration.last_refreshed_at = timezone.now()


def integration_refresh(
    *,
    integration_id: int,
    only_if_expiring_within: int | None = None,
    raise_errors: bool = False,
) -> Integration | None:
    """The refresh job and the publisher call this. Holds the row lock from reading the
    refresh token until the new one is saved (rotating refresh tokens are single-use). A
    refused refresh flips the channel to needs_reconnect; transient failures only record
    last_error. Returns the channel (None if gone); ``raise_errors`` re-raises the
    ProviderError after the outcome is committed."""
    failure: ProviderError | None = None
    with transaction.atomic():
        integration = (
            Integration.objects.select_for_update()
            .select_related("organization")
            .filter(pk=integration_id, deleted_at__isnull=True)
            .first()
        )
        if integration is None:
            return None
        if only_if_expiring_within is not None:
            # Someone else may have refreshed while we waited for the lock.
            horizon = timezone.now() + timedelta(seconds=only_if_expiring_within)
            if integration.token_expires_at is None or integration.token_expires_at > horizon:
                return integration
        provider = get_provider(integration.provider)
        try:
            grant = provider.refresh(integration.as_channel())
        except ProviderError as error:
            failure = error
            if error.kind in TRANSIENT_KINDS:
                logger.info(
                    "refresh of channel %s failed transiently: %s", integration.pk, error.kind
                )
                integration_record_error(integration=integration, error=error)
            else:
                logger.info("refresh of channel %s refused: %s", integration.pk, error.kind)
                integration_set_status(
                    integration=integration,
                    status=Integration.Status.NEEDS_RECONNECT,
                    error=error.text or error.user_message,
                )
            integration.refresh_from_db()
        else:
            _apply_grant(integration, grant)
            integration.save()
    if failure is not None and raise_errors:
        raise failure
    return integration


def _renew_for_check(integration: Integration) -> Integration:
    renewed = integration_refresh(integration_id=integration.pk, raise_errors=True)
    if renewed is None:  # deleted meanwhile
        raise ProviderError(ErrorKind.NOT_FOUND, "This channel was deleted meanwhile.")
    return renewed


def integration_check(*, integration: Integration, actor=None, request=None) -> Integration:
    """channels.manage ("Check connection"); tests the credential that lasts, not only the
    access token: renews the session first where the network allows it (storing a rotated
    refresh token), then reads the profile, renewing once if the read calls the token
    stale. A refused grant marks the channel needs_reconnect (one email, the bell); a
    network that is down or busy only records last_error. Raises the ProviderError;
    returns the channel with the profile read, active again if it needed reconnecting."""
    provider = get_provider(integration.provider)
    renewed = False
    try:
        if provider.check_refreshes(integration.as_channel()):
            integration = _renew_for_check(integration)
            renewed = True
        try:
            account = provider.fetch_profile(integration.as_channel())
        except ProviderError as error:
            if error.kind != ErrorKind.AUTH_EXPIRED or renewed:
                raise
            integration = _renew_for_check(integration)
            renewed = True
            account = provider.fetch_profile(integration.as_channel())
    except ProviderError as error:
        if error.kind == ErrorKind.AUTH_EXPIRED and renewed:
            # Refused right after a renewal: the grant itself is gone.
            error.kind = ErrorKind.AUTH_REVOKED
        if error.kind == ErrorKind.AUTH_REVOKED:
            integration_set_status(
                integration=integration,
                status=Integration.Status.NEEDS_RECONNECT,
                error=error.text or error.user_message,
                actor=actor,
                request=request,
            )
        else:
            integration_record_error(integration=integration, error=error)
        raise
    integration = integration_update_profile(integration=integration, account=account)
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        integration_set_status(
            integration=integration, status=Integration.Status.ACTIVE, actor=actor, request=request
        )
    return integration


@transaction.atomic
def integration_remind_expiry(*, integration_id: int) -> bool:
    """The refresh job calls this for tokens that cannot be refreshed; emails once per
    grant (a reconnect clears the flag). True when a reminder was sent."""
    integration = (
        Integration.objects.select_for_update()
        .select_related("organization")
        .filter(pk=integration_id, deleted_at__isnull=True, status=Integration.Status.ACTIVE)
        .first()
    )
    if integration is None or integration.meta.get(REMINDER_FLAG):
        return False
    integration.meta = {**integration.meta, REMINDER_FLAG: timezone.now().isoformat()}
    integration.save(update_fields=["meta", "updated_at"])
    _audit("channel.expiry_reminded", integration=integration)
    _send_channel_email(integration, "expiring", {"expires_at": integration.token_expires_at})
    return True


def grant_to_dict(grant: Grant) -> dict:
    """A grant as JSON-able data (to keep it encrypted while the user picks accounts)."""

    def when(value: datetime | None):
        return value.isoformat() if value else None

    return {
        "credentials": dict(grant.credentials),
        "expires_at": when(grant.expires_at),
        "refresh_expires_at": when(grant.refresh_expires_at),
        "scopes": list(grant.scopes),
        "meta": dict(grant.meta),
    }


def grant_from_dict(data: dict) -> Grant:
    def when(value):
        return datetime.fromisoformat(value) if value else None

    return Grant(
        credentials=dict(data["credentials"]),
        expires_at=when(data.get("expires_at")),
        refresh_expires_at=when(data.get("refresh_expires_at")),
        scopes=list(data.get("scopes") or []),
        meta=dict(data.get("meta") or {}),
    )
