"""Webhook pages, under /o/<org_slug>/settings/webhooks/ (webhooks.manage): the list,
create and edit, the secret, a test send, and each webhook's delivery log."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from organizations.access import organization_view
from organizations.forms import add_service_errors
from posts.models import WebhookDelivery
from posts.services import webhooks as services

PERMISSION = "webhooks.manage"
DELIVERIES_PER_PAGE = 25


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    url = forms.CharField(
        max_length=1000,
        label=gettext_lazy("Address (URL)"),
        help_text=gettext_lazy("An https:// address that accepts POST requests with a JSON body."),
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/postiz"}),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=[(e, services.EVENT_LABELS.get(e, e)) for e in services.EVENTS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Pick at least one event to receive.")},
    )
    integrations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Leave all unticked to hear about every channel, including ones added later."
        ),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("A paused webhook is sent nothing."),
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["integrations"].queryset = services.channels_for(organization=organization)
        self.fields["integrations"].label_from_instance = lambda c: f"{c.name} ({c.provider})"


# -- Helpers ----------------------------------------------------------------------------
def _zone_name(request) -> str:
    name = getattr(request.user, "timezone", "") or request.organization.timezone or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _settings_nav(request) -> list[dict]:
    from organizations.views import _settings_nav as organization_nav

    nav = organization_nav(request, "webhooks")
    url = reverse("posts:webhooks", args=[request.organization.slug])
    for item in nav:
        item["current"] = item["url"] == url
    if not any(item["url"] == url for item in nav):
        nav.append({"label": "Webhooks", "url": url, "current": True})
    return nav


def _render(request, template: str, context: dict, status: int = 200):
    context = {
        "settings_nav": _settings_nav(request),
        "organization": request.organization,
        "membership": request.membership,
        "viewer_zone": _zone_name(request),
        **context,
    }
    return render(request, template, context, status=status)


def _webhook_or_404(request, webhook_id):
    webhook = services.webhook_get(organization=request.organization, public_id=webhook_id)
    if webhook is None:
        raise Http404("No such webhook.")
    return webhook


def _detail_url(webhook) -> str:
    return reverse("posts:webhook", args=[webhook.organization.slug, webhook.public_id])


# -- Pages ------------------------------------------------------------------------------
@organization_view(PERMISSION)
@require_http_methods(["GET"])
def webhook_list(request):
    """The organization's webhooks, each with its last delivery's outcome."""
    last = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-created_at", "-id")
    webhooks = (
        services.webhooks_for(organization=request.organization)
        .annotate(
            last_state=Subquery(last.values("state")[:1]),
            last_status=Subquery(last.values("status_code")[:1]),
            last_at=Subquery(last.values("created_at")[:1]),
        )
        .prefetch_related("integrations")
    )
    return _render(request, "posts/webhooks.html", {"webhooks": webhooks})


@organization_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def webhook_create(request):
    """A new webhook; its secret is shown on the next page."""
    organization = request.organization
    form = WebhookForm(request.POST or None, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.webhook_create(
                organization=organization,
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                integrations=form.cleaned_data["integrations"],
                actor=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Webhook %(name)s created. Use its secret to check signatures.")
                % {"name": webhook.name},
            )
            return redirect(_detail_url(webhook))
    status = 400 if request.method == "POST" else 200
    return _render(request, "posts/webhooks_form.html", {"form": form}, status=status)


@organization_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def webhook_detail(request, webhook_id):
    """One webhook: edit it, its secret, a test send and the delivery log."""
    webhook = _webhook_or_404(request, webhook_id)
    initial = {
        "name": webhook.name,
        "url": webhook.url,
        "events": webhook.events,
        "integrations": list(webhook.integrations.all()),
        "is_active": webhook.is_active,
    }
    form = WebhookForm(request.POST or None, initial=initial, organization=request.organization)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.webhook_update(
                    webhook=webhook,
                    name=form.cleaned_data["name"],
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    integrations=form.cleaned_data["integrations"],
                    is_active=form.cleaned_data["is_active"],
                    actor=request.user,
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Webhook %(name)s saved.") % {"name": webhook.name})
                return redirect(_detail_url(webhook))
        status = 400
    deliveries = services.deliveries_for(webhook=webhook)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "webhook": webhook,
        "form": form,
        "secret": webhook.secrets.get("secret", ""),
        "page_obj": page,
        "max_attempts": services.MAX_ATTEMPTS,
    }
    if request.htmx and request.GET.get("page"):
        return _render(request, "posts/webhooks_deliveries.html", context)
    return _render(request, "posts/webhooks_detail.html", context, status=status)


@organization_view(PERMISSION)
@require_POST
def webhook_delete(request, webhook_id):
    webhook = _webhook_or_404(request, webhook_id)
    name = webhook.name
    services.webhook_delete(webhook=webhook, actor=request.user, request=request)
    messages.success(
        request, _("Webhook %(name)s deleted. Nothing more is sent to it.") % {"name": name}
    )
    return redirect("posts:webhooks", org_slug=request.organization.slug)


@organization_view(PERMISSION)
@require_POST
def webhook_rotate_secret(request, webhook_id):
    webhook = _webhook_or_404(request, webhook_id)
    services.webhook_rotate_secret(webhook=webhook, actor=request.user, request=request)
    messages.success(
        request,
        _("New secret made. Every request from now on is signed with it: update your receiver."),
    )
    return redirect(_detail_url(webhook))


@organization_view(PERMISSION)
@require_POST
def webhook_test(request, webhook_id):
    """Send a webhook.test event now and show what the receiver answered."""
    webhook = _webhook_or_404(request, webhook_id)
    delivery = services.webhook_send_test(webhook=webhook, actor=request.user)
    if request.htmx:
        return render(
            request,
            "posts/webhooks_test_result.html",
            {"delivery": delivery, "webhook": webhook},
        )
    if delivery.state == WebhookDelivery.State.DELIVERED:
        messages.success(
            request,
            _("Test delivered: the receiver answered %(code)s.") % {"code": delivery.status_code},
        )
    elif delivery.status_code:
        messages.error(
            request,
            _("Test not delivered (HTTP %(code)s): %(error)s")
            % {"code": delivery.status_code, "error": delivery.error},
        )
    else:
        messages.error(request, _("Test not delivered: %(error)s") % {"error": delivery.error})
    return redirect(_detail_url(webhook))


@organization_view(PERMISSION)
@require_POST
def webhook_redeliver(request, webhook_id, delivery_id):
    """Send a failed delivery again, with the same event id."""
    webhook = _webhook_or_404(request, webhook_id)
    delivery = services.delivery_get(webhook=webhook, pk=delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        services.delivery_redeliver(delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(event)s queued to be sent again.") % {"event": delivery.event}
        )
    return redirect(_detail_url(webhook))
