"""Channels pages: the list, connect flows (OAuth, custom-instance OAuth, credential forms,
account selection), a channel's detail page and customers.

Every page inside an organization is wrapped in ``organization_view`` (outermost), and
every object is read through ``selectors`` so another organization's id is a 404. Views
translate between HTTP and services; every ProviderError becomes its message on the page.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST, require_safe

from billing import limits as plan_limits
from integrations import connect, pictures, readme, selectors, services
from integrations.connect import ConnectError
from integrations.forms import (
    CredentialForm,
    CustomerAssignForm,
    CustomerForm,
    InstanceForm,
    PostingTimesForm,
    PreferencesForm,
    RenameForm,
    SelectAccountsForm,
    lower_first,
)
from integrations.models import InstanceApp, Integration
from integrations.providers import get_provider, provider_classes
from integrations.providers.base import ProviderError
from organizations import selectors as org_selectors
from organizations.access import organization_view
from organizations.forms import add_service_errors

logger = logging.getLogger("postiz.integrations")


# -- Helpers ----------------------------------------------------------------------------
def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _and_list(items) -> str:
    """ "A, B and C" in the reader's language."""
    return get_text_list([str(item) for item in items], _("and"))


def _provider_or_404(identifier: str):
    try:
        return get_provider(identifier)
    except LookupError:
        raise Http404("No such network.") from None


def _channel_or_404(request, pk) -> Integration:
    integration = selectors.integration_get(organization=request.organization, pk=pk)
    if integration is None:
        raise Http404("No such channel.")
    return integration


def _customer_or_404(request, pk):
    customer = selectors.customer_get(organization=request.organization, pk=pk)
    if customer is None:
        raise Http404("No such customer.")
    return customer


def _list_url(organization) -> str:
    return reverse("integrations:list", args=[organization.slug])


def _detail_url(integration) -> str:
    return reverse("integrations:detail", args=[integration.organization.slug, integration.pk])


def _unexpected(provider_id: str, what: str) -> str:
    # A provider bug or an answer nobody anticipated: keep the person on the page.
    logger.exception("%s: unexpected failure while %s", provider_id, what)
    return _("The network answered in a way we did not understand. Try again in a moment.")


def _provider_rows() -> list[dict]:
    rows = []
    for identifier, cls in provider_classes().items():
        rows.append(
            {
                "identifier": identifier,
                "name": cls.display_name,
                "missing": cls.missing_settings(),
                "missing_text": _and_list(cls.missing_settings()),
                "setup_url": f"{reverse('integrations_setup')}#network-{identifier}",
                "oauth": cls.auth_kind.startswith("oauth2") and not cls.custom_instance,
                "limited": cls.limited,
            }
        )
    return rows


def _can_configure(user) -> bool:
    """Networks are configured in the instance's settings: only its administrators can."""
    return bool(getattr(user, "is_staff", False))


def _not_configured(request, provider) -> str:
    if _can_configure(request.user):
        return _("%(network)s is not configured on this instance: set %(settings)s.") % {
            "network": provider.display_name,
            "settings": _and_list(provider.missing_settings()),
        }
    return _(
        "%(network)s is not enabled on this instance. Ask an administrator to enable this network."
    ) % {"network": provider.display_name}


def _finish_connect(request, *, provider, grant, organization):
    """After a login: connect the one account, or ask which when the login owns several."""
    accounts = provider.accounts(grant)
    if not accounts:
        raise ConnectError(
            _("This %(network)s login has no account we can post as.")
            % {"network": provider.display_name}
        )
    if len(accounts) > 1 and provider.account_selection != "none":
        token = connect.stash_selection(
            request,
            organization=organization,
            provider_id=provider.identifier,
            grant=grant,
            accounts=accounts,
        )
        return redirect("integrations:select", organization.slug, token)
    integration, created = services.integration_connect(
        organization=organization,
        provider_id=provider.identifier,
        grant=grant,
        account=accounts[0],
        actor=request.user,
        request=request,
    )
    text = (
        _("Connected %(channel)s (%(network)s).")
        if created
        else _("Reconnected %(channel)s (%(network)s).")
    )
    messages.success(
        request, text % {"channel": integration.name, "network": provider.display_name}
    )
    return redirect(_detail_url(integration))


def _connect_problem(request, message: str, *, organization=None, provider_id="", status=400):
    retry_url = ""
    if organization is not None and provider_id:
        retry_url = reverse("integrations:connect", args=[organization.slug, provider_id])
    return render(
        request,
        "integrations/connect_error.html",
        {"message": message, "retry_url": retry_url, "organization": organization},
        status=status,
    )


# -- The Channels page ------------------------------------------------------------------
@organization_view("organization.view")
@require_GET
def list(request):  # noqa: A001 - the URL name reads best as integrations:list
    """The organization's channels, grouped by customer, and the networks to connect."""
    organization = request.organization
    groups = selectors.channel_groups(organization=organization)
    return render(
        request,
        "integrations/list.html",
        {
            "organization": organization,
            "groups": groups,
            "has_channels": any(g["channels"] for g in groups),
            "customers": [g["customer"] for g in groups if g["customer"] is not None],
            "providers": _provider_rows(),
            "can_manage": request.membership.can("channels.manage"),
            "can_configure": _can_configure(request.user),
            "customer_form": CustomerForm(),
        },
    )


# -- Connecting -------------------------------------------------------------------------
@organization_view("channels.manage")
@sensitive_post_parameters()  # app passwords, bot tokens, private keys: never in error reports
def connect_start(request, provider_id):
    """Start connecting a network: a credential form, a server address, or OAuth."""
    organization = request.organization
    provider = _provider_or_404(provider_id)
    if provider.missing_settings():
        messages.error(request, _not_configured(request, provider))
        return redirect(_list_url(organization))
    reconnect = None
    if request.GET.get("channel"):
        reconnect = selectors.integration_get(organization=organization, pk=request.GET["channel"])
        if reconnect is not None and reconnect.provider != provider.identifier:
            reconnect = None  # another network's channel: nothing of it belongs here
    if reconnect is None or reconnect.status == Integration.Status.DISABLED:
        # Said before the person signs in on the network, not after; the service checks
        # again when the channel is saved (billing.middleware renders the notice).
        plan_limits.check(organization, "channels")
    context = {
        "organization": organization,
        "provider": provider,
        "reconnect": reconnect,
    }
    if provider.uses_oauth and provider.custom_instance:
        return _connect_instance(request, provider, reconnect, context)
    if provider.uses_oauth:
        if request.method == "POST":
            url = connect.begin_oauth(
                request,
                organization=organization,
                provider=provider,
                reconnect_id=reconnect.pk if reconnect else None,
            )
            return redirect(url)
        return render(request, "integrations/connect_oauth.html", context)
    return _connect_form(request, provider, context)


def _connect_instance(request, provider, reconnect, context):
    organization = request.organization
    initial = {}
    if reconnect is not None:
        initial["instance_url"] = reconnect.meta.get("instance_url") or reconnect.meta.get(
            "instance", ""
        )
    form = InstanceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            origin = provider.check_instance(form.cleaned_data["instance_url"])
            redirect_uri = connect.redirect_uri(provider.identifier)
            app = services.instance_app_for(
                provider_id=provider.identifier, instance_url=origin, redirect_uri=redirect_uri
            )
            url = connect.begin_oauth(
                request,
                organization=organization,
                provider=provider,
                instance=_instance_dict(app),
                instance_app_id=app.pk,
                reconnect_id=reconnect.pk if reconnect else None,
            )
            return redirect(url)
        except ProviderError as error:
            form.add_error("instance_url", error.user_message)
        except Exception:  # never a 500 on a network's odd answer
            form.add_error("instance_url", _unexpected(provider.identifier, "checking a server"))
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "integrations/connect_instance.html", context, status=status)


def _instance_dict(app: InstanceApp) -> dict:
    return {
        "url": app.instance_url,
        "client_id": app.client_id,
        "client_secret": app.client_secret.get("client_secret", ""),
    }


def _connect_form(request, provider, context):
    organization = request.organization
    try:
        fields = provider.credential_fields()
    except NotImplementedError:
        raise Http404("This network cannot be connected here.") from None
    reconnect = context.get("reconnect")
    stored = connect.stored_fields(provider, reconnect)
    urls = [f for f in fields if f.type == "url"]
    # Secrets are reused only while the servers they go to stay the same (unless the
    # network never sends them anywhere): the form says so next to each one.
    guarded = not provider.keeps_secrets_when_changed({f.name for f in urls})
    form = CredentialForm(
        request.POST if request.method == "POST" else None,
        fields=fields,
        initial={f.name: stored[f.name] for f in fields if f.type != "secret" and f.name in stored},
        reconnecting=reconnect is not None,
        kept=frozenset(f.name for f in fields if f.type == "secret" and stored.get(f.name)),
        addresses=_and_list(lower_first(f.label) for f in urls) if guarded else "",
    )
    if request.method == "POST" and form.is_valid():
        try:
            values = connect.fill_kept_secrets(provider, fields, dict(form.cleaned_data), stored)
            grant = provider.authenticate(values)
            return _finish_connect(
                request, provider=provider, grant=grant, organization=organization
            )
        except ProviderError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.user_message)
        except (ConnectError, ValidationError) as error:
            form.add_error(None, str(error) if isinstance(error, ConnectError) else error)
        except Exception:  # never a 500 on a network's odd answer
            form.add_error(None, _unexpected(provider.identifier, "signing in"))
    context["form"] = form
    status = 400 if request.method == "POST" else 200
    return render(request, "integrations/connect_form.html", context, status=status)


@login_required
@require_GET
def network_setup(request):
    """For the instance's administrators: how to set up each network (the README's
    Networks section), with this instance's callback addresses; 404 to everyone else."""
    if not _can_configure(request.user):
        raise Http404("No such page.")
    classes = provider_classes()
    anchors = {cls.display_name.casefold(): identifier for identifier, cls in classes.items()}
    networks = [
        {
            "identifier": identifier,
            "name": cls.display_name,
            "missing": cls.missing_settings(),
            # Setting names are identifiers from the code, each shown as code.
            "missing_html": mark_safe(  # noqa: S308 - every part is escaped by format_html
                _and_list(format_html("<code>{}</code>", name) for name in cls.missing_settings())
            ),
            "callback": connect.redirect_uri(identifier)
            if cls.auth_kind.startswith("oauth2") and not cls.custom_instance
            else "",
        }
        for identifier, cls in classes.items()
    ]
    return render(
        request,
        "integrations/setup.html",
        {"networks": networks, "readme": readme.render(readme.networks_section(), anchors)},
    )


@require_safe
def channel_picture(request, name):
    """A channel picture kept here (integrations.pictures), for anyone holding its random
    name: pages and API answers give it out as the channel's picture. Never changes under
    its name, so browsers keep it."""
    stored = pictures.open_stored(name)
    if stored is None:
        raise Http404("No such picture.")
    response = FileResponse(stored, content_type="image/webp")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@login_required
@require_GET
def callback(request, provider_id):
    """Where every network sends the person back after an OAuth login."""
    try:
        provider = get_provider(provider_id)
    except LookupError:
        raise Http404("No such network.") from None
    try:
        data = connect.take_state(
            request, state=request.GET.get("state", ""), provider_id=provider_id
        )
    except ConnectError as error:
        return _connect_problem(request, str(error))
    membership = org_selectors.membership_for(user=request.user, slug=data.get("slug", ""))
    if membership is None or membership.organization_id != data["organization_id"]:
        return _connect_problem(request, _("You are no longer a member of this organization."))
    organization = membership.organization
    if not membership.can("channels.manage"):
        return _connect_problem(
            request,
            _("Your role in %(organization)s no longer allows connecting channels.")
            % {"organization": organization.name},
            status=403,
        )
    if request.GET.get("error") or not request.GET.get("code"):
        detail = request.GET.get("error_description") or request.GET.get("error") or ""
        if detail:
            message = _("%(network)s did not connect the account: %(detail)s") % {
                "network": provider.display_name,
                "detail": detail[:200],
            }
        else:
            message = _("%(network)s did not connect the account.") % {
                "network": provider.display_name
            }
        return _connect_problem(
            request, message, organization=organization, provider_id=provider_id
        )
    instance = None
    app = None
    if data.get("instance_app_id"):
        app = InstanceApp.objects.filter(pk=data["instance_app_id"]).first()
        if app is None:
            return _connect_problem(
                request,
                _("The server's app registration is gone. Start again."),
                organization=organization,
                provider_id=provider_id,
            )
        instance = _instance_dict(app)
    try:
        extra = {name: request.GET.get(name, "") for name in provider.callback_params}
        grant = provider.exchange_code(
            code=request.GET["code"],
            redirect_uri=connect.redirect_uri(provider_id),
            code_verifier=data.get("verifier", ""),
            instance=instance,
            **({"callback": extra} if extra else {}),
        )
        return _finish_connect(request, provider=provider, grant=grant, organization=organization)
    except ProviderError as error:
        if error.network_code == "invalid_client" and app is not None and not data["retried"]:
            # The server forgot our app (or it was deleted there): register again, re-ask.
            try:
                app = services.instance_app_for(
                    provider_id=provider_id,
                    instance_url=app.instance_url,
                    redirect_uri=app.redirect_uri,
                    fresh=True,
                )
                return redirect(
                    connect.begin_oauth(
                        request,
                        organization=organization,
                        provider=provider,
                        instance=_instance_dict(app),
                        instance_app_id=app.pk,
                        reconnect_id=data.get("reconnect_id"),
                        retried=True,
                    )
                )
            except ProviderError as again:
                error = again
        message = error.user_message
    except ConnectError as error:
        message = str(error)
    except ValidationError as error:
        message = _error_text(error)
    except Exception:  # never a 500 on a network's odd answer
        message = _unexpected(provider_id, "finishing a sign-in")
    return _connect_problem(request, message, organization=organization, provider_id=provider_id)


@organization_view("channels.manage")
def select_accounts(request, token):
    """After a login that owns several accounts (pages): tick the ones to add."""
    organization = request.organization
    try:
        provider_id, grant, accounts = connect.peek_selection(
            request, organization=organization, token=token
        )
    except ConnectError as error:
        return _connect_problem(request, str(error), organization=organization)
    provider = _provider_or_404(provider_id)
    form = SelectAccountsForm(request.POST if request.method == "POST" else None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["accounts"])
        connected = []
        for account in accounts:
            if account.external_id in chosen:
                integration, _created = services.integration_connect(
                    organization=organization,
                    provider_id=provider_id,
                    grant=grant,
                    account=account,
                    actor=request.user,
                    request=request,
                )
                connected.append(integration.name)
        connect.drop_selection(request, token=token)
        messages.success(
            request,
            _("Connected %(channels)s (%(network)s).")
            % {"channels": ", ".join(connected), "network": provider.display_name},
        )
        return redirect(_list_url(organization))
    return render(
        request,
        "integrations/select.html",
        {"organization": organization, "provider": provider, "form": form, "accounts": accounts},
        status=400 if request.method == "POST" else 200,
    )


# -- One channel ------------------------------------------------------------------------
@organization_view("organization.view")
@require_GET
def detail(request, pk):
    """A channel's health, and (for channels.manage) its settings."""
    integration = _channel_or_404(request, pk)
    try:
        provider = integration.provider_instance()
    except LookupError:
        provider = None
    customers = selectors.customers_for(organization=request.organization)
    viewer_zone = getattr(request.user, "timezone", "") or "UTC"
    return render(
        request,
        "integrations/detail.html",
        {
            "organization": request.organization,
            "integration": integration,
            "provider": provider,
            "can_manage": request.membership.can("channels.manage"),
            "viewer_zone": viewer_zone,
            "credential_keys": sorted(integration.credentials),
            "rename_form": RenameForm(initial={"name": integration.name}),
            "customer_form": CustomerAssignForm(
                customers=customers,
                initial={"customer": str(integration.customer_id or "")},
            ),
            "times_form": PostingTimesForm(initial={"timezone": integration.timezone}),
            "preferences_form": PreferencesForm(
                initial=integration.preferences,
                specs=tuple(provider.preference_fields) if provider else (),
            ),
        },
    )


def _back(request, integration, message="", error: ValidationError | None = None):
    if error is not None:
        messages.error(request, _error_text(error))
    elif message:
        messages.success(request, message)
    return redirect(_detail_url(integration))


@organization_view("channels.manage")
@require_POST
def rename(request, pk):
    integration = _channel_or_404(request, pk)
    try:
        services.integration_rename(
            integration=integration,
            name=request.POST.get("name", ""),
            actor=request.user,
            request=request,
        )
    except ValidationError as error:
        return _back(request, integration, error=error)
    return _back(request, integration, _("Channel renamed."))


@organization_view("channels.manage")
@require_POST
def set_customer(request, pk):
    integration = _channel_or_404(request, pk)
    new_name = request.POST.get("new_customer", "").strip()
    try:
        if new_name:
            customer = services.customer_create(
                organization=request.organization, name=new_name, actor=request.user
            )
        elif request.POST.get("customer"):
            customer = _customer_or_404(request, request.POST["customer"])
        else:
            customer = None
        services.integration_set_customer(
            integration=integration, customer=customer, actor=request.user
        )
    except ValidationError as error:
        return _back(request, integration, error=error)
    if customer is None:
        text = _("%(channel)s now belongs to no customer.") % {"channel": integration.name}
    else:
        text = _("%(channel)s now belongs to %(customer)s.") % {
            "channel": integration.name,
            "customer": customer.name,
        }
    return _back(request, integration, text)


@organization_view("channels.manage")
@require_POST
def posting_times(request, pk):
    integration = _channel_or_404(request, pk)
    try:
        services.integration_update_posting_times(
            integration=integration,
            times=request.POST.getlist("times"),
            timezone_name=request.POST.get("timezone", ""),
            actor=request.user,
        )
    except ValidationError as error:
        return _back(request, integration, error=error)
    return _back(request, integration, _("Posting times saved."))


@organization_view("channels.manage")
@require_POST
def preferences(request, pk):
    integration = _channel_or_404(request, pk)
    provider = _provider_or_404(integration.provider)
    form = PreferencesForm(request.POST, specs=tuple(provider.preference_fields))
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, errors)
        return redirect(_detail_url(integration))
    try:
        services.integration_update_preferences(
            integration=integration, values=dict(form.cleaned_data), actor=request.user
        )
    except ValidationError as error:
        return _back(request, integration, error=error)
    return _back(request, integration, _("Preferences saved."))


@organization_view("channels.manage")
@require_POST
def disable(request, pk):
    integration = _channel_or_404(request, pk)
    services.integration_disable(integration=integration, actor=request.user, request=request)
    return _back(
        request,
        integration,
        _("%(channel)s is disabled; nothing is published.") % {"channel": integration.name},
    )


@organization_view("channels.manage")
@require_POST
def enable(request, pk):
    integration = _channel_or_404(request, pk)
    services.integration_enable(integration=integration, actor=request.user, request=request)
    return _back(
        request, integration, _("%(channel)s is enabled again.") % {"channel": integration.name}
    )


@organization_view("channels.manage")
@require_POST
def check(request, pk):
    """Check connection: renew the lasting credential where the network allows it, then
    read the profile (services.integration_check)."""
    integration = _channel_or_404(request, pk)
    provider = _provider_or_404(integration.provider)
    try:
        services.integration_check(integration=integration, actor=request.user, request=request)
    except ProviderError as error:
        messages.error(request, error.user_message)
        return redirect(_detail_url(integration))
    except NotImplementedError:
        messages.error(
            request,
            _("%(network)s cannot be checked from here.") % {"network": provider.display_name},
        )
        return redirect(_detail_url(integration))
    except Exception:  # never a 500 on a network's odd answer
        messages.error(request, _unexpected(provider.identifier, "checking a connection"))
        return redirect(_detail_url(integration))
    return _back(
        request,
        integration,
        _("%(network)s answered: the connection works.") % {"network": provider.display_name},
    )


@organization_view("channels.manage")
def delete(request, pk):
    """GET asks for confirmation (with the number of posts cancelled); POST deletes."""
    integration = _channel_or_404(request, pk)
    if request.method == "POST":
        cancelled = services.integration_delete(
            integration=integration, actor=request.user, request=request
        )
        messages.success(
            request,
            ngettext(
                "Deleted %(channel)s; %(count)s scheduled post cancelled.",
                "Deleted %(channel)s; %(count)s scheduled posts cancelled.",
                cancelled,
            )
            % {"channel": integration.name, "count": cancelled},
        )
        return redirect(_list_url(request.organization))
    return render(
        request,
        "integrations/delete.html",
        {
            "organization": request.organization,
            "integration": integration,
            "pending": services.integration_pending_post_count(integration=integration),
        },
    )


# -- Customers --------------------------------------------------------------------------
@organization_view("channels.manage")
@require_POST
def customer_create(request):
    form = CustomerForm(request.POST)
    if form.is_valid():
        try:
            customer = services.customer_create(
                organization=request.organization,
                name=form.cleaned_data["name"],
                actor=request.user,
            )
            messages.success(
                request, _("Customer %(customer)s added.") % {"customer": customer.name}
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(_list_url(request.organization))


@organization_view("channels.manage")
@require_POST
def customer_rename(request, pk):
    customer = _customer_or_404(request, pk)
    try:
        services.customer_rename(
            customer=customer, name=request.POST.get("name", ""), actor=request.user
        )
        messages.success(
            request, _("Customer renamed to %(customer)s.") % {"customer": customer.name}
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(_list_url(request.organization))


@organization_view("channels.manage")
@require_POST
def customer_approvals(request, pk):
    customer = _customer_or_404(request, pk)
    try:
        services.customer_set_approval_mode(
            customer=customer,
            approval_mode=request.POST.get("approval_mode", ""),
            actor=request.user,
        )
        messages.success(
            request, _("Approval setting of %(customer)s saved.") % {"customer": customer.name}
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect(_list_url(request.organization))


@organization_view("channels.manage")
@require_POST
def customer_delete(request, pk):
    customer = _customer_or_404(request, pk)
    name = customer.name
    count = services.customer_delete(customer=customer, actor=request.user)
    messages.success(
        request,
        ngettext(
            "Customer %(customer)s deleted; its %(count)s channel stays, without a customer.",
            "Customer %(customer)s deleted; its %(count)s channels stay, without a customer.",
            count,
        )
        % {"customer": name, "count": count},
    )
    return redirect(_list_url(request.organization))
