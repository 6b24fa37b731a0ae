"""The billing page (owners), Checkout and the Customer Portal, and Stripe's webhook.

On a self-hosted instance (no STRIPE_SECRET_KEY) every one of these answers 404.
"""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing import limits, selectors, services
from billing.forms import ChannelsForm, CheckoutForm
from billing.stripe_api import BillingError
from organizations.access import organization_view

logger = logging.getLogger("postiz.billing")


def _require_billing() -> None:
    if not limits.enabled():
        raise Http404(_("No such page."))


def _zone_name(request) -> str:
    name = getattr(request.user, "timezone", "") or request.organization.timezone or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _channels(organization):
    from integrations.models import Integration

    return list(
        Integration.objects.filter(organization=organization, deleted_at__isnull=True).order_by(
            "created_at", "id"
        )
    )


def _settings_nav(request):
    # The settings sidebar, so the billing page sits among the other settings.
    from organizations.views import _settings_nav

    return _settings_nav(request, "billing")


@organization_view("billing.manage")
@require_GET
def overview(request):
    """The plan, what is used, the plans offered, invoices and the channels kept on."""
    _require_billing()
    organization = request.organization
    subscription = selectors.subscription_of(organization=organization)
    plan = limits.effective_plan(organization, subscription=subscription)
    invoices, invoices_error = [], ""
    try:
        invoices = selectors.invoices_of(organization=organization)
    except BillingError as error:
        invoices_error = str(error)
    channels = _channels(organization)
    active = [c for c in channels if c.status != "disabled"]
    checkout = request.GET.get("checkout")
    if checkout == "done":
        messages.success(
            request, _("Thank you. Your plan starts as soon as Stripe confirms the payment.")
        )
    elif checkout == "cancelled":
        messages.info(request, _("Checkout was cancelled; nothing was charged."))
    context = {
        "settings_nav": _settings_nav(request),
        "organization": organization,
        "membership": request.membership,
        "viewer_zone": _zone_name(request),
        "subscription": subscription,
        "plan": plan,
        "usage": selectors.usage_of(organization=organization, plan=plan),
        "plans": selectors.plans_offered(),
        "has_customer": selectors.customer_of(organization=organization) is not None,
        "can_checkout": subscription is None or subscription.status not in services._STANDING,
        "invoices": invoices,
        "invoices_error": invoices_error,
        "channels": channels,
        "over_limit": plan.channels is not None and len(active) > plan.channels,
        "ai_enabled": bool(settings.AI_BASE_URL and settings.AI_MODEL),
    }
    return render(request, "billing/overview.html", context)


@organization_view("billing.manage")
@require_POST
def checkout(request):
    """Starts a Stripe Checkout for the chosen plan and period."""
    _require_billing()
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a plan and monthly or yearly billing."))
        return redirect("billing:overview", org_slug=request.organization.slug)
    try:
        url = services.checkout_start(
            organization=request.organization,
            actor=request.user,
            plan_slug=form.cleaned_data["plan"],
            interval=form.cleaned_data["interval"],
            request=request,
        )
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("billing:overview", org_slug=request.organization.slug)
    return redirect(url)


@organization_view("billing.manage")
@require_POST
def portal(request):
    """Opens Stripe's Customer Portal: card, plan changes, cancellation."""
    _require_billing()
    try:
        url = services.portal_open(
            organization=request.organization, actor=request.user, request=request
        )
    except BillingError as error:
        messages.error(request, str(error))
        return redirect("billing:overview", org_slug=request.organization.slug)
    return redirect(url)


@organization_view("billing.manage")
@require_POST
def channels(request):
    """The owner chooses which channels stay on within the plan's limit."""
    _require_billing()
    form = ChannelsForm(request.POST, channels=_channels(request.organization))
    if not form.is_valid():
        messages.error(request, _("Choose channels from the list."))
    else:
        try:
            services.channels_choose(
                organization=request.organization,
                actor=request.user,
                keep=form.cleaned_data["keep"],
                request=request,
            )
        except BillingError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Saved. Scheduled posts of the channels now off wait until you turn them on."),
            )
    return redirect("billing:overview", org_slug=request.organization.slug)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's events; the signature, not a session, says who is calling."""
    _require_billing()
    try:
        outcome = services.webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except services.WebhookRejected as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest(str(error), content_type="text/plain")
    except BillingError as error:
        # Stripe could not be asked for the latest state: it will send the event again.
        logger.warning("Stripe webhook postponed: %s", error)
        return HttpResponse(str(error), status=503, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
