"""Every write to billing: checkout, the customer portal, webhooks and downgrades.

State comes from Stripe's current subscription object, re-fetched on every event, so
events that arrive late, twice or out of order cannot leave an old state behind.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import stripe
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing import limits
from billing.models import Plan, StripeCustomer, StripeEvent, Subscription
from billing.stripe_api import BillingError, as_dict, client, unavailable
from organizations.models import Organization
from organizations.services import audit_record
from postiz.http import absolute_url

logger = logging.getLogger("postiz.billing")

# A subscription in one of these states still stands; checkout would make a second one.
_STANDING = {
    Subscription.Status.ACTIVE,
    Subscription.Status.TRIALING,
    Subscription.Status.PAST_DUE,
    Subscription.Status.UNPAID,
    Subscription.Status.INCOMPLETE,
    Subscription.Status.PAUSED,
}
INTERVALS = ("month", "year")


class WebhookRejected(Exception):
    """A webhook we refuse (400): bad signature, stale, malformed, or a price no plan has."""


def _ts(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), tz=UTC) if value else None


def _billing_url(organization: Organization) -> str:
    return absolute_url(reverse("billing:overview", args=[organization.slug]))


# -- Checkout and portal ----------------------------------------------------------------
def _customer_for(organization: Organization, actor) -> str:
    link = StripeCustomer.objects.filter(organization=organization).first()
    if link is not None:
        return link.customer_id
    try:
        customer = client().v1.customers.create(
            params={
                "name": organization.name,
                "email": getattr(actor, "email", "") or None,
                "metadata": {"organization_id": str(organization.pk), "slug": organization.slug},
            }
        )
    except stripe.StripeError as error:
        raise unavailable(error) from error
    StripeCustomer.objects.create(organization=organization, customer_id=customer.id)
    return customer.id


def checkout_start(
    *, organization: Organization, actor, plan_slug: str, interval: str, request=None
) -> str:
    """Owners (billing.manage, checked by the view); returns the Checkout page's address.
    Refused, with nothing created, when a subscription already stands or the plan/period
    has no price."""
    failure = None
    with transaction.atomic():
        session, plan = _checkout_session(organization, actor, plan_slug, interval)
        if isinstance(session, BillingError):
            # Committed all the same: a Stripe customer just created stays linked.
            failure = session
        else:
            audit_record(
                action="billing.checkout_started",
                actor=actor,
                organization=organization,
                target=organization,
                details={"plan": plan.slug, "interval": interval, "session": session.id},
                request=request,
            )
    if failure is not None:
        raise failure
    return session.url


def _checkout_session(organization, actor, plan_slug, interval):
    # One checkout at a time per organization: the row lock serialises double clicks.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    current = Subscription.objects.select_related("plan").filter(organization=organization).first()
    if current is not None and current.status in _STANDING:
        raise BillingError(
            _(
                "%(name)s already has a subscription (%(plan)s, %(status)s). Change or cancel "
                "it with “Manage payment and plan”."
            )
            % {
                "name": organization.name,
                "plan": current.plan.name,
                "status": current.get_status_display().lower(),
            }
        )
    if interval not in INTERVALS:
        raise BillingError(_("Choose monthly or yearly billing."))
    plan = Plan.objects.filter(slug=plan_slug, is_public=True, is_free=False).first()
    if plan is None:
        raise BillingError(_("That plan is not offered. Choose one of the plans listed."))
    price = plan.price_id(interval)
    if not price:
        if interval == "year":
            message = _("The %(plan)s plan cannot be paid yearly. Choose another.")
        else:
            message = _("The %(plan)s plan cannot be paid monthly. Choose another.")
        raise BillingError(message % {"plan": plan.name})
    customer_id = _customer_for(organization, actor)
    subscription_data = {"metadata": {"organization_id": str(organization.pk)}}
    # A trial is for an organization's first subscription only.
    if plan.trial_days and current is None:
        subscription_data["trial_period_days"] = plan.trial_days
    back = _billing_url(organization)
    try:
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": str(organization.pk),
                "line_items": [{"price": price, "quantity": 1}],
                "subscription_data": subscription_data,
                "success_url": f"{back}?checkout=done",
                "cancel_url": f"{back}?checkout=cancelled",
                "metadata": {"organization_id": str(organization.pk)},
            }
        )
    except stripe.StripeError as error:
        return unavailable(error), plan
    return session, plan


def portal_open(*, organization: Organization, actor, request=None) -> str:
    """Owners (billing.manage); returns the Customer Portal's address for card, plan
    changes, invoices and cancellation."""
    link = StripeCustomer.objects.filter(organization=organization).first()
    if link is None:
        raise BillingError(_("There are no payment details yet. Choose a plan first."))
    try:
        session = client().v1.billing_portal.sessions.create(
            params={"customer": link.customer_id, "return_url": _billing_url(organization)}
        )
    except stripe.StripeError as error:
        raise unavailable(error) from error
    return session.url


# -- Subscriptions from Stripe ----------------------------------------------------------
def _first_item(obj: dict) -> dict:
    items = (obj.get("items") or {}).get("data") or []
    return items[0] if items else {}


def _plan_for_price(price_id: str) -> Plan:
    plan = (
        Plan.objects.filter(monthly_price_id=price_id).first()
        or Plan.objects.filter(yearly_price_id=price_id).first()
    )
    if plan is None:
        raise WebhookRejected(
            f"No plan has the Stripe price {price_id}. Add it to a plan in the admin; "
            "Stripe will send the event again."
        )
    return plan


def _organization_for(obj: dict) -> Organization | None:
    customer = obj.get("customer")
    if isinstance(customer, dict):
        customer = customer.get("id")
    link = StripeCustomer.objects.select_related("organization").filter(customer_id=customer)
    if (found := link.first()) is not None:
        return found.organization
    org_id = (obj.get("metadata") or {}).get("organization_id") or obj.get("client_reference_id")
    if not (org_id and str(org_id).isdigit()):
        return None
    organization = Organization.objects.filter(pk=int(org_id)).first()
    if organization is not None and customer:
        StripeCustomer.objects.get_or_create(
            organization=organization, defaults={"customer_id": customer}
        )
    return organization


def subscription_apply(*, obj: dict, actor=None) -> Subscription | None:
    """The webhook (inside its transaction) calls this with Stripe's current subscription
    object; the stored subscription becomes what it says, audited when the plan changes."""
    organization = _organization_for(obj)
    if organization is None:
        logger.info("Stripe subscription %s belongs to no organization here", obj.get("id"))
        return None
    item = _first_item(obj)
    price = item.get("price") or {}
    plan = _plan_for_price(price.get("id", ""))
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    stored = Subscription.objects.select_related("plan").filter(organization=organization).first()
    ended = obj.get("status") in (
        Subscription.Status.CANCELED,
        Subscription.Status.INCOMPLETE_EXPIRED,
    )
    if (
        stored is not None
        and stored.stripe_subscription_id != obj["id"]
        and stored.status in _STANDING
        and ended
    ):
        # News of an older subscription that ended: the standing one wins.
        return stored
    before_plan = limits.effective_plan(organization, subscription=stored) if stored else None
    values = {
        "plan": plan,
        "stripe_subscription_id": obj["id"],
        "price_id": price.get("id", ""),
        "interval": (price.get("recurring") or {}).get("interval", "month"),
        "status": obj.get("status", ""),
        "current_period_end": _ts(obj.get("current_period_end") or item.get("current_period_end")),
        "trial_end": _ts(obj.get("trial_end")),
        "cancel_at_period_end": bool(obj.get("cancel_at_period_end")),
    }
    grace_started = False
    if values["status"] in (Subscription.Status.PAST_DUE, Subscription.Status.UNPAID):
        # The grace period starts the first time a payment is seen overdue, whichever
        # event says so first, and is never extended by later events.
        values["grace_until"] = stored.grace_until if stored else None
        if values["grace_until"] is None:
            days = settings.POSTIZ_BILLING_GRACE_DAYS
            values["grace_until"] = timezone.now() + timedelta(days=days)
            grace_started = True
    else:
        values["grace_until"] = None
    before = (
        {"plan": stored.plan.slug, "status": stored.status, "cancel": stored.cancel_at_period_end}
        if stored
        else {"plan": None, "status": None, "cancel": False}
    )
    if stored is None:
        subscription = Subscription.objects.create(organization=organization, **values)
    else:
        subscription = stored
        for key, value in values.items():
            setattr(subscription, key, value)
        subscription.save()
    after_plan = limits.effective_plan(organization, subscription=subscription)
    changes = {}
    if before["plan"] != plan.slug:
        changes["plan"] = [before["plan"], plan.slug]
    if before["status"] != subscription.status:
        changes["status"] = [before["status"], subscription.status]
    if before["cancel"] != subscription.cancel_at_period_end:
        changes["cancel_at_period_end"] = subscription.cancel_at_period_end
    if grace_started:
        audit_record(
            action="billing.payment_failed",
            actor=actor,
            organization=organization,
            target=organization,
            details={"grace_until": subscription.grace_until.isoformat()},
        )
    if changes:
        audit_record(
            action="billing.plan_changed",
            actor=actor,
            organization=organization,
            target=organization,
            details={**changes, "limits_of": after_plan.slug},
        )
    if before_plan is None or before_plan.pk != after_plan.pk:
        channels_enforce_limit(organization=organization)
    return subscription


def _fetch_subscription(subscription_id: str) -> dict:
    try:
        return as_dict(client().v1.subscriptions.retrieve(subscription_id))
    except stripe.InvalidRequestError as error:
        raise WebhookRejected(f"Stripe does not know subscription {subscription_id}.") from error
    except stripe.StripeError as error:
        raise unavailable(error) from error


def _invoice_subscription_id(invoice: dict) -> str | None:
    sub = invoice.get("subscription")
    if not sub:
        details = (invoice.get("parent") or {}).get("subscription_details") or {}
        sub = details.get("subscription")
    if isinstance(sub, dict):
        sub = sub.get("id")
    return sub or None


# -- Webhooks ---------------------------------------------------------------------------
HANDLED = (
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
)


def webhook_receive(*, payload: bytes, signature: str | None) -> str:
    """The webhook view calls this. Verifies the signature (WebhookRejected otherwise),
    applies each event id once, and returns what happened in a few words."""
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature or "",
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
        raise WebhookRejected("The signature does not match this payload.") from error
    try:
        event = json.loads(payload)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, KeyError, TypeError) as error:
        raise WebhookRejected("This is not a Stripe event.") from error
    if event_type not in HANDLED:
        return f"ignored {event_type}"
    with transaction.atomic():
        record, created = StripeEvent.objects.get_or_create(
            event_id=event_id, defaults={"type": event_type}
        )
        if not created:
            return f"already applied {event_id}"
        organization = _webhook_apply(event_type, obj)
        if organization is not None:
            record.organization = organization
            record.save(update_fields=["organization"])
    return f"applied {event_type}"


def _webhook_apply(event_type: str, obj: dict) -> Organization | None:
    if event_type == "checkout.session.completed":
        organization = _organization_for(obj)
        if organization is not None and obj.get("subscription"):
            subscription_apply(obj=_fetch_subscription(_id(obj["subscription"])))
        return organization
    if event_type.startswith("customer.subscription."):
        # The event's copy may be older than what Stripe holds now: ask for the latest.
        subscription = subscription_apply(obj=_fetch_subscription(obj["id"]))
        return subscription.organization if subscription else None
    subscription_id = _invoice_subscription_id(obj)
    if not subscription_id:
        return None
    # Paid or failed, the subscription's own status says what holds now (active, or
    # past_due with its grace period).
    subscription = subscription_apply(obj=_fetch_subscription(subscription_id))
    return subscription.organization if subscription else None


def _id(value) -> str:
    return value.get("id") if isinstance(value, dict) else value


# -- Downgrades -------------------------------------------------------------------------
def _active_channels(organization: Organization):
    from integrations.models import Integration

    return (
        Integration.objects.filter(organization=organization, deleted_at__isnull=True)
        .exclude(status=Integration.Status.DISABLED)
        .order_by("created_at", "id")
    )


@transaction.atomic
def channels_enforce_limit(*, organization: Organization, actor=None) -> list:
    """Subscription changes and the grace job call this; disables the most recently
    connected channels over the plan's limit (nothing is deleted; their scheduled posts
    wait) and returns them. The owner may pick other ones with ``channels_choose``."""
    from integrations.services import integration_disable

    if not limits.enabled():
        return []
    limit = limits.effective_plan(organization).channels
    if limit is None:
        return []
    channels = list(_active_channels(organization).select_for_update())
    over = channels[limit:]
    for integration in over:
        integration_disable(integration=integration, actor=actor)
    if over:
        audit_record(
            action="billing.channels_disabled",
            actor=actor,
            organization=organization,
            target=organization,
            details={"channels": [str(i.public_id) for i in over], "limit": limit},
        )
    return over


@transaction.atomic
def channels_choose(*, organization: Organization, actor, keep: list[int], request=None):
    """Owners (billing.manage); keeps exactly the chosen channels on, within the plan's
    limit, and disables the others. Their scheduled posts wait until a channel is on again."""
    from integrations.models import Integration
    from integrations.services import integration_disable, integration_enable

    candidates = list(
        Integration.objects.select_for_update()
        .filter(organization=organization, deleted_at__isnull=True)
        .order_by("created_at", "id")
    )
    by_id = {i.pk: i for i in candidates}
    chosen = {pk for pk in keep if pk in by_id}
    limit = limits.effective_plan(organization).channels if limits.enabled() else None
    if limit is not None and len(chosen) > limit:
        raise BillingError(
            ngettext(
                "Your plan allows %(limit)s channel; you chose %(chosen)s. Untick some.",
                "Your plan allows %(limit)s channels; you chose %(chosen)s. Untick some.",
                limit,
            )
            % {"limit": limit, "chosen": len(chosen)}
        )
    for integration in candidates:
        if integration.pk not in chosen and integration.status != Integration.Status.DISABLED:
            integration_disable(integration=integration, actor=actor, request=request)
    for pk in chosen:
        integration = by_id[pk]
        if integration.status == Integration.Status.DISABLED:
            integration_enable(integration=integration, actor=actor, request=request)


def grace_expire() -> int:
    """The periodic job calls this; organizations whose grace period ended get the free
    plan's channel limit. Returns how many were changed. Safe to run twice."""
    changed = 0
    overdue = Subscription.objects.filter(
        status__in=[Subscription.Status.PAST_DUE, Subscription.Status.UNPAID],
        grace_until__lte=timezone.now(),
    ).select_related("organization")
    for subscription in overdue:
        if channels_enforce_limit(organization=subscription.organization):
            changed += 1
    return changed
