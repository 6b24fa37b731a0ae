"""OAuth 2 pages and endpoints: the consent page, the organization's apps, a person's
approved apps, and the toolkit's endpoints at our addresses with our metadata.

The rules live in ``organizations.oauth``; the toolkit validates every OAuth request
(client, redirect URI, PKCE) before the consent page is shown or a code is issued.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from oauth2_provider.forms import AllowForm
from oauth2_provider.models import Application
from oauth2_provider.views import AuthorizationView, OAuthProtectedResourceMetadataView

from organizations import oauth, oauth_device, selectors
from organizations.access import organization_view
from organizations.forms import add_service_errors
from organizations.models import ApiScope
from organizations.views import _settings_render, _zone_name

SCOPE_WORDS = {scope.value: scope.label for scope in ApiScope}


# -- The consent page --------------------------------------------------------------------
class ConsentForm(AllowForm):
    organization = forms.CharField(required=False, widget=forms.HiddenInput())


class ConsentView(AuthorizationView):
    """GET shows what the app asks; POST approves (for the organization chosen) or denies.

    The toolkit has already refused unknown clients, redirect URIs not registered for the
    client and requests without an S256 code challenge; those errors are shown here, never
    sent to an address the client did not register."""

    template_name = "organizations/oauth_consent.html"
    form_class = ConsentForm
    postiz_grant_id = None

    def get(self, request, *args, **kwargs):
        # Every sign-in shows the page: the organization is chosen there, never guessed
        # from an earlier token (the toolkit's approval_prompt=auto).
        if "approval_prompt" in request.GET:
            request.GET = request.GET.copy()
            del request.GET["approval_prompt"]
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = context.get("application")
        if application is None or context.get("error"):
            return context
        memberships = list(selectors.memberships_for_user(user=self.request.user))
        requested = context.get("scopes") or []
        choices = []
        for membership in memberships:
            allowed, refused = oauth.scopes_for(membership=membership, requested=requested)
            choices.append({"membership": membership, "allowed": allowed, "refused": refused})
        context.update(
            memberships=choices,
            scope_rows=[(scope, SCOPE_WORDS.get(scope, scope)) for scope in requested],
            redirect_host=oauth.redirect_host(context.get("redirect_uri", "")),
            verified=oauth.is_verified(application),
            site_url=settings.SITE_URL,
        )
        return context

    def form_valid(self, form):
        if not form.cleaned_data.get("allow"):
            return super().form_valid(form)
        membership = selectors.membership_for(
            user=self.request.user, slug=form.cleaned_data.get("organization") or ""
        )
        if membership is None:
            raise Http404("No such organization.")
        application = Application.objects.filter(client_id=form.cleaned_data["client_id"]).first()
        if application is None:
            raise Http404("No such app.")
        requested = (form.cleaned_data.get("scope") or "").split()
        with transaction.atomic():
            try:
                grant = oauth.oauth_grant_approve(
                    application=application,
                    membership=membership,
                    scopes=requested,
                    request=self.request,
                )
            except ValidationError as error:
                return render(
                    self.request,
                    "organizations/oauth_consent_refused.html",
                    {
                        "application": application,
                        "organization": membership.organization,
                        "message": " ".join(error.messages),
                    },
                    status=403,
                )
            # The code carries only what the role allows (the consent's scopes).
            form.cleaned_data["scope"] = " ".join(grant.scopes)
            self.postiz_grant_id = grant.pk
            return super().form_valid(form)

    def create_authorization_response(self, request, scopes, credentials, allow):
        if self.postiz_grant_id is not None:
            # Read by organizations.oauth.GrantBindingValidator when it saves the code.
            credentials["postiz_grant_id"] = self.postiz_grant_id
        return super().create_authorization_response(request, scopes, credentials, allow)


consent = never_cache(ConsentView.as_view())


# -- Protected resource metadata (RFC 9728) ----------------------------------------------
RESOURCES = {
    "": "Postiz",
    "public/v1": "Postiz-compatible API (/public/v1)",
    "api/v1": "Postiz API (/api/v1)",
    "mcp": "Postiz MCP server (/mcp)",
}


class ResourceMetadataView(OAuthProtectedResourceMetadataView):
    """One document per API: ``/.well-known/oauth-protected-resource/<api path>``; the
    one at the root names the site and lists the three."""

    resource_path = ""

    def get(self, request, *args, resource_path: str = "", **kwargs):
        path = resource_path.strip("/")
        if path not in RESOURCES:
            return JsonResponse({"error": "not_found"}, status=404)
        self.resource_path = path
        response = super().get(request, *args, **kwargs)
        return response

    def _base(self, request) -> str:
        return request.build_absolute_uri("/").rstrip("/")

    def get_resource(self, request):
        base = self._base(request)
        return f"{base}/{self.resource_path}" if self.resource_path else base

    def get_authorization_servers(self, request):
        return [self._base(request)]

    def get_resource_name(self):
        return RESOURCES[self.resource_path]

    def get_resource_documentation(self):
        return f"{settings.SITE_URL}/api/docs"


def resource_metadata(request, resource_path: str = ""):
    response = ResourceMetadataView.as_view()(request, resource_path=resource_path)
    if not resource_path.strip("/") and response.status_code == 200:
        # Not in RFC 9728's list, allowed by it: where each API's own document is.
        data = json.loads(response.content)
        base = request.build_absolute_uri("/").rstrip("/")
        data["resources"] = [f"{base}/{path}" for path in RESOURCES if path]
        response.content = json.dumps(data).encode()
    return response


# -- The organization's apps -------------------------------------------------------------
class OAuthAppForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name"),
        help_text=gettext_lazy(
            "People see it on the consent page, e.g. “Our reporting dashboard”."
        ),
    )
    redirect_uris = forms.CharField(
        label=gettext_lazy("Redirect URIs"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Where people return after approving, one per line (https; plain http "
            "only for localhost). A request naming any other address is refused."
        ),
    )
    confidential = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("The app keeps a client secret (a server)"),
        help_text=gettext_lazy(
            "Untick for apps that run on people's devices (desktop, mobile, single-page, "
            "command line): they sign in with PKCE alone."
        ),
    )


class RenameForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("New name"))


@never_cache
@organization_view("apikeys.manage")
@require_http_methods(["GET", "POST"])
def apps(request):
    """apikeys.manage: the organization's OAuth apps (create; the secret is shown once) and
    the apps its members approved for it."""
    form = OAuthAppForm(request.POST if request.method == "POST" else None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                client, secret = oauth.oauth_app_create(
                    organization=request.organization,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    redirect_uris=form.cleaned_data["redirect_uris"],
                    confidential=form.cleaned_data["confidential"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
                status = 400
            else:
                # Rendered, not redirected: the secret lives only in this one response.
                created = {"client": client, "secret": secret}
                form = OAuthAppForm()
        else:
            status = 400
    return _settings_render(
        request,
        "organizations/oauth_apps.html",
        "oauth-apps",
        {
            "form": form,
            "created": created,
            "clients": oauth.clients_of_organization(organization=request.organization),
            "grants": oauth.grants_of_organization(organization=request.organization),
            "viewer_zone": _zone_name(request, request.organization.timezone),
            "authorize_url": f"{settings.SITE_URL}/oauth/authorize",
            "token_url": f"{settings.SITE_URL}/oauth/token",
        },
        status=status,
    )


def _client_or_404(request, client_id):
    client = oauth.client_of_organization(organization=request.organization, pk=client_id)
    if client is None:
        raise Http404("No such OAuth app.")
    return client


@organization_view("apikeys.manage")
@require_POST
def app_rename(request, client_id):
    """apikeys.manage: renames one of the organization's apps."""
    client = _client_or_404(request, client_id)
    form = RenameForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the app a name of up to 100 characters."))
        oauth.oauth_app_rename(
            client=client, actor=request.user, name=form.cleaned_data["name"], request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Renamed to %(name)s.") % {"name": client.application.name})
    return redirect("organizations:oauth_apps", org_slug=request.organization.slug)


@organization_view("apikeys.manage")
@require_POST
def app_delete(request, client_id):
    """apikeys.manage: deletes one of the organization's apps and every access to it."""
    client = _client_or_404(request, client_id)
    name = client.application.name
    oauth.oauth_app_delete(client=client, actor=request.user, request=request)
    messages.success(
        request, _("%(name)s is deleted; its tokens are refused from now on.") % {"name": name}
    )
    return redirect("organizations:oauth_apps", org_slug=request.organization.slug)


@organization_view("apikeys.manage")
@require_POST
def grant_revoke(request, grant_id):
    """apikeys.manage: an app loses the access a member gave it to this organization."""
    grant = (
        oauth.grants_of_organization(organization=request.organization)
        .filter(pk=_int_or_404(grant_id))
        .first()
    )
    if grant is None:
        raise Http404("No such approved app.")
    oauth.oauth_grant_revoke(grant=grant, actor=request.user, request=request)
    messages.success(
        request,
        _("%(name)s no longer has access.") % {"name": grant.oauth_application.name},
    )
    return redirect("organizations:oauth_apps", org_slug=request.organization.slug)


def _int_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("No such approved app.") from None


# -- A person's approved apps ----------------------------------------------------------
@never_cache
@login_required
def approved_apps(request):
    """Anyone signed in: the apps they let act for them, in which organization, how."""
    grants = list(oauth.grants_of_user(user=request.user))
    for grant in grants:
        grant.scope_words = [SCOPE_WORDS.get(scope, scope) for scope in grant.scopes]
    return render(
        request,
        "organizations/oauth_approved.html",
        {
            "grants": grants,
            "viewer_zone": _zone_name(request),
        },
    )


@login_required
@require_POST
def approved_app_revoke(request, grant_id):
    """The person who approved it: the app's tokens stop working now."""
    grant = oauth.grants_of_user(user=request.user).filter(pk=_int_or_404(grant_id)).first()
    if grant is None:
        raise Http404("No such approved app.")
    oauth.oauth_grant_revoke(grant=grant, actor=request.user, request=request)
    messages.success(
        request,
        _("%(name)s can no longer act for you in %(organization)s.")
        % {"name": grant.oauth_application.name, "organization": grant.organization.name},
    )
    return redirect("oauth_approved_apps")


# -- The Postiz CLI's device sign-in (organizations.oauth_device) ------------------------
@csrf_exempt
@require_POST
def cli_device_code(request):
    """Anyone: starts a sign-in; the CLI shows the user code and opens the page below."""
    device = oauth_device.device_start()
    page = f"{settings.SITE_URL}{reverse('oauth_cli_device')}"
    return JsonResponse(
        {
            "device_code": device.device_code,
            "user_code": device.user_code,
            "verification_uri": page,
            "verification_uri_complete": f"{page}?code={device.user_code}",
            "expires_in": int(oauth_device.DEVICE_LIFETIME.total_seconds()),
            "interval": device.interval,
        }
    )


@csrf_exempt
@require_POST
def cli_device_token(request):
    """The CLI's poll, JSON (its shape) or form-encoded: the token once approved."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    device_code = data.get("device_code") or request.POST.get("device_code", "")
    status, body = oauth_device.device_token(device_code=str(device_code))
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cli_device(request):
    """The signed-in person: confirms the code their terminal shows, picks the
    organization, approves or denies."""
    source = request.POST if request.method == "POST" else request.GET
    code = source.get("code", "")
    device = oauth_device.device_pending(user_code=code) if code else None
    application = oauth_device.cli_application()
    memberships = list(selectors.memberships_for_user(user=request.user))
    requested = device.scope.split() if device else []
    context = {
        "code": code,
        "device": device,
        "application": application,
        "memberships": [
            {
                "membership": membership,
                "refused": oauth.scopes_for(membership=membership, requested=requested)[1],
            }
            for membership in memberships
        ],
        "scope_rows": [
            (scope, SCOPE_WORDS.get(scope, scope))
            for scope in (device.scope.split() if device else [])
        ],
    }
    if device is None:
        status = 404 if code else 200
        return render(request, "organizations/oauth_device.html", context, status=status)
    if request.method == "GET":
        return render(request, "organizations/oauth_device.html", context)
    allow = bool(request.POST.get("allow"))
    membership = None
    if allow:
        membership = selectors.membership_for(
            user=request.user, slug=request.POST.get("organization", "")
        )
        if membership is None:
            raise Http404("No such organization.")
    try:
        grant = oauth_device.device_decide(
            device=device, membership=membership, allow=allow, request=request
        )
    except ValidationError as error:
        return render(
            request,
            "organizations/oauth_consent_refused.html",
            {
                "application": application,
                "organization": membership.organization,
                "message": " ".join(error.messages),
            },
            status=403,
        )
    return render(
        request,
        "organizations/oauth_device_done.html",
        {"grant": grant, "application": application},
    )
