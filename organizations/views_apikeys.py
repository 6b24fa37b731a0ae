"""The API keys settings page: list, create (the key is shown once) and revoke.

Owners and admins (``apikeys.manage``) only. Creating and revoking go through
``organizations.services`` and are audited there.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from organizations import selectors, services
from organizations.access import organization_view
from organizations.forms import add_service_errors
from organizations.models import ALL_SCOPES, CLIENT_SCOPES, ORGANIZATION_WIDE_SCOPES, ApiScope
from organizations.views import _settings_render, _zone_name


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy(
            "Say which program uses it, e.g. “n8n workflow” or “publishing script”."
        ),
    )
    # Unchecked by default: a key gets only what its program needs unless asked otherwise.
    full_access = forms.BooleanField(
        required=False,
        initial=False,
        label=gettext_lazy("Full access"),
        help_text=gettext_lazy("Every scope, including ones added later to this list."),
    )
    # Preselected: what Postiz clients need, so a key made for one works with it as is.
    scopes = forms.MultipleChoiceField(
        required=False,
        choices=[
            (scope.value, format_lazy("{} — {}", scope.value, scope.label)) for scope in ApiScope
        ],
        initial=list(CLIENT_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Or only these scopes"),
        help_text=gettext_lazy(
            "Preselected: what Postiz clients (the postiz CLI, postiz-agent, SDKs) "
            "need: posts, channels and media, read and write, and analytics. Those clients "
            "call a key without channels:read expired or invalid. Untick what this program "
            "does not need."
        ),
    )
    expires_on = forms.DateField(
        required=False,
        label=gettext_lazy("Expires on (optional)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The key stops working at the start of this day, in your time zone."
        ),
    )

    def __init__(self, *args, limited: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if limited:
            # A member limited to customers makes keys limited the same way: no scope
            # over the whole organization is offered (the service refuses them too).
            del self.fields["full_access"]
            scopes = self.fields["scopes"]
            scopes.choices = [c for c in scopes.choices if c[0] not in ORGANIZATION_WIDE_SCOPES]
            scopes.initial = [s for s in CLIENT_SCOPES if s not in ORGANIZATION_WIDE_SCOPES]
            scopes.label = _("Scopes")
            scopes.help_text = _(
                "Your keys see only your customers' channels, posts and media, as you do."
            )

    def chosen_scopes(self) -> list[str]:
        if self.cleaned_data.get("full_access"):
            return list(ALL_SCOPES)
        return self.cleaned_data.get("scopes") or []


@never_cache
@organization_view("apikeys.manage")
@require_http_methods(["GET", "POST"])
def api_keys(request):
    """apikeys.manage: see the organization's keys and create one (shown once)."""
    zone = _zone_name(request, request.organization.timezone)
    limited = request.membership.customer_limited
    form = ApiKeyForm(request.POST if request.method == "POST" else None, limited=limited)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            expires_on = form.cleaned_data.get("expires_on")
            expires_at = (
                datetime.combine(expires_on, time.min, tzinfo=ZoneInfo(zone))
                if expires_on
                else None
            )
            try:
                key, raw = services.api_key_create(
                    organization=request.organization,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.chosen_scopes(),
                    expires_at=expires_at,
                    membership=request.membership,
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                # Rendered, not redirected: the secret lives only in this one response.
                created = {"key": key, "secret": raw}
                form = ApiKeyForm(limited=limited)
        else:
            status = 400
    return _settings_render(
        request,
        "organizations/apikeys.html",
        "apikeys",
        {
            "form": form,
            "created": created,
            "keys": selectors.api_keys_of(organization=request.organization),
            "viewer_zone": zone,
            "all_scope_count": len(ALL_SCOPES),
        },
        status=status,
    )


@organization_view("apikeys.manage")
@require_POST
def api_key_revoke(request, key_id):
    """apikeys.manage: the key stops working on its next request."""
    key = selectors.api_key_get(organization=request.organization, pk=key_id)
    if key is None:
        raise Http404(_("No such API key."))
    if key.revoked_at:
        messages.info(request, _("%(name)s was already revoked.") % {"name": key.name})
    else:
        services.api_key_revoke(key=key, actor=request.user, request=request)
        messages.success(
            request,
            _("%(name)s is revoked; programs using it are refused now.") % {"name": key.name},
        )
    return redirect("organizations:apikeys", org_slug=request.organization.slug)
