"""Organization pages: creating one, its settings, members, invitations and audit log.

Every page inside an organization is wrapped in ``organization_view`` (outermost, so
outsiders get 404 and too-low roles 403 before anything else, POST-only views included).
Views only translate between HTTP and services; the rules live in ``services``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.adapters import INVITATION_SESSION_KEY
from organizations import customer_limits, selectors, services
from organizations.access import organization_view
from organizations.forms import (
    ApprovalSettingsForm,
    AuditFilterForm,
    InvitationForm,
    MemberRoleForm,
    OrganizationDeleteForm,
    OrganizationForm,
    add_service_errors,
)
from organizations.services import InvitationError

AUDIT_PAGE_SIZE = 50


# -- Helpers ----------------------------------------------------------------------------
def _zone_name(request, fallback: str = "UTC") -> str:
    """The viewer's IANA zone (their profile's), for showing and reading times."""
    name = getattr(request.user, "timezone", "") or fallback
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return name


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _settings_nav(request, current: str) -> list[dict]:
    """The settings sidebar: only the sections this member's permissions open."""
    slug = request.organization.slug
    sections = [
        ("general", gettext_lazy("General"), "organizations:settings", "organization.view"),
        ("members", gettext_lazy("Members"), "organizations:members", "members.view"),
        ("invitations", gettext_lazy("Invitations"), "organizations:invitations", "members.manage"),
        ("audit", gettext_lazy("Audit log"), "organizations:audit", "audit.view"),
        ("apikeys", gettext_lazy("API keys"), "organizations:apikeys", "apikeys.manage"),
        ("oauth-apps", gettext_lazy("OAuth apps"), "organizations:oauth_apps", "apikeys.manage"),
        ("webhooks", gettext_lazy("Webhooks"), "posts:webhooks", "webhooks.manage"),
        ("feeds", gettext_lazy("RSS feeds"), "posts:feeds", "posts.publish"),
        ("short-links", gettext_lazy("Short links"), "posts:link_settings", "organization.manage"),
        ("signatures", gettext_lazy("Signatures"), "posts:signatures", "posts.edit"),
        ("sets", gettext_lazy("Sets"), "posts:sets", "posts.edit"),
        ("tags", gettext_lazy("Tags"), "posts:tags", "posts.edit"),
    ]
    return [
        {"label": label, "url": reverse(url_name, args=[slug]), "current": key == current}
        for key, label, url_name, permission in sections
        if request.membership.can(permission)
    ]


def _settings_render(request, template: str, section: str, context: dict, status: int = 200):
    context = {
        "settings_nav": _settings_nav(request, section),
        "organization": request.organization,
        "membership": request.membership,
        "viewer_zone": _zone_name(request),
        **context,
    }
    return render(request, template, context, status=status)


# -- Creating an organization -----------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    """Anyone signed in may start an organization; they become its owner."""
    if request.method == "POST":
        form = OrganizationForm(request.POST)
        if form.is_valid():
            try:
                organization = services.organization_create(
                    name=form.cleaned_data["name"],
                    owner=request.user,
                    timezone_name=form.cleaned_data["timezone"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(name)s is ready.") % {"name": organization.name})
                return redirect("posts:calendar", org_slug=organization.slug)
    else:
        form = OrganizationForm(initial={"timezone": _zone_name(request)})
    has_organization = selectors.organizations_for_user(user=request.user).exists()
    return render(
        request,
        "organizations/create.html",
        {"form": form, "has_organization": has_organization},
    )


# -- General settings and deletion ------------------------------------------------------
@organization_view("organization.view")
@require_http_methods(["GET", "POST"])
def settings_general(request):
    """Everyone sees the settings; organization.manage may change them."""
    organization = request.organization
    can_manage = request.membership.can("organization.manage")
    form = approvals_form = None
    approval_initial = {
        "approval_mode": organization.approval_mode,
        "allow_self_approval": organization.allow_self_approval,
        "review_reminder_hours": organization.review_reminder_hours,
    }
    if request.method == "POST" and request.POST.get("section") == "approvals":
        if not can_manage:
            raise PermissionDenied(_("Your role does not allow changing these settings."))
        approvals_form = ApprovalSettingsForm(request.POST)
        if approvals_form.is_valid():
            try:
                services.organization_set_approvals(
                    organization=organization,
                    actor=request.user,
                    request=request,
                    **approvals_form.cleaned_data,
                )
            except ValidationError as error:
                organization.refresh_from_db()
                add_service_errors(approvals_form, error)
            else:
                messages.success(request, _("Approval settings saved."))
                return redirect("organizations:settings", org_slug=organization.slug)
        form = OrganizationForm(
            initial={"name": organization.name, "timezone": organization.timezone}
        )
    elif request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Your role does not allow changing these settings."))
        form = OrganizationForm(request.POST)
        if form.is_valid():
            try:
                services.organization_update(
                    organization=organization,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    timezone_name=form.cleaned_data["timezone"],
                    request=request,
                )
            except ValidationError as error:
                organization.refresh_from_db()
                add_service_errors(form, error)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("organizations:settings", org_slug=organization.slug)
    elif can_manage:
        form = OrganizationForm(
            initial={"name": organization.name, "timezone": organization.timezone}
        )
    if can_manage and approvals_form is None:
        approvals_form = ApprovalSettingsForm(initial=approval_initial)
    return _settings_render(
        request,
        "organizations/settings_general.html",
        "general",
        {
            "form": form,
            "approvals_form": approvals_form,
            "can_manage": can_manage,
            "can_delete": request.membership.can("organization.delete"),
        },
    )


@organization_view("organization.delete")
@require_http_methods(["GET", "POST"])
def organization_delete(request):
    """Owners: names what goes, asks for the name typed back, then soft-deletes."""
    organization = request.organization
    form = OrganizationDeleteForm(
        request.POST if request.method == "POST" else None, organization=organization
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_delete(
                organization=organization,
                actor=request.user,
                confirm_name=form.cleaned_data["confirm_name"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s was deleted.") % {"name": organization.name})
            return redirect("home")
    return _settings_render(
        request,
        "organizations/delete.html",
        "general",
        {
            "form": form,
            "member_count": selectors.memberships_of(organization=organization).count(),
            "invitation_count": selectors.invitations_open(organization=organization).count(),
        },
    )


# -- Members ----------------------------------------------------------------------------
@organization_view("members.view")
@require_http_methods(["GET"])
def members(request):
    """Everyone sees who is in; members.manage may change roles and remove people."""
    actor = request.membership
    can_manage = actor.can("members.manage")
    role_choices = services.roles_grantable(actor_membership=actor)
    customer_choices = customer_limits.choices(request.organization) if can_manage else []
    memberships = list(selectors.memberships_of(organization=request.organization))
    # Each limited member's customers, in one query whatever the number of members.
    limited_to = customer_limits.names(memberships=memberships)
    rows = []
    for membership in memberships:
        manageable = can_manage and services.membership_may_manage(
            actor_membership=actor, membership=membership
        )
        customers = limited_to.get(("membership", membership.pk), [])
        rows.append(
            {
                "membership": membership,
                "is_me": membership.pk == actor.pk,
                "customers": [name for _, name in customers],
                "role_form": MemberRoleForm(
                    initial={
                        "role": membership.role,
                        "customers": [pk for pk, _ in customers],
                    },
                    role_choices=role_choices,
                    customer_choices=customer_choices,
                    prefix=f"m{membership.pk}",
                )
                if manageable
                else None,
                "can_remove": manageable and membership.pk != actor.pk,
            }
        )
    return _settings_render(
        request,
        "organizations/members.html",
        "members",
        {"rows": rows, "can_manage": can_manage},
    )


def _member_or_404(request, member_id):
    membership = selectors.membership_get(organization=request.organization, pk=member_id)
    if membership is None:
        raise Http404(_("No such member."))
    return membership


@organization_view("members.manage")
@require_POST
def member_role(request, member_id):
    membership = _member_or_404(request, member_id)
    form = MemberRoleForm(
        request.POST,
        role_choices=services.roles_grantable(actor_membership=request.membership),
        customer_choices=customer_limits.choices(request.organization),
        prefix=f"m{membership.pk}",
    )
    if not form.is_valid():
        messages.error(
            request,
            _("Choose one of the roles you may give.")
            if "role" in form.errors
            else _("Choose customers from the list."),
        )
        return redirect("organizations:members", org_slug=request.organization.slug)
    try:
        services.membership_change_role(
            membership=membership,
            actor_membership=request.membership,
            role=form.cleaned_data["role"],
            customer_ids=form.customer_ids(),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {
                "name": membership.user.display_name,
                "role": membership.get_role_display().lower(),
            },
        )
    return redirect("organizations:members", org_slug=request.organization.slug)


@organization_view("members.manage")
@require_POST
def member_remove(request, member_id):
    membership = _member_or_404(request, member_id)
    if membership.pk == request.membership.pk:
        messages.error(request, _("To leave the organization, use “Leave organization”."))
        return redirect("organizations:members", org_slug=request.organization.slug)
    try:
        services.membership_remove(
            membership=membership, actor_membership=request.membership, request=request
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(name)s was removed from %(organization)s.")
            % {"name": membership.user.display_name, "organization": request.organization},
        )
    return redirect("organizations:members", org_slug=request.organization.slug)


@organization_view("organization.view")
@require_POST
def leave(request):
    """Any member may leave, unless they are the last owner."""
    try:
        services.membership_remove(
            membership=request.membership, actor_membership=request.membership, request=request
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("organizations:members", org_slug=request.organization.slug)
    messages.success(request, _("You left %(name)s.") % {"name": request.organization.name})
    return redirect("home")


# -- Invitations ------------------------------------------------------------------------
@organization_view("members.manage")
@require_http_methods(["GET", "POST"])
def invitations(request):
    """members.manage: invite by email, and see, resend or revoke open invitations."""
    role_choices = services.roles_grantable(actor_membership=request.membership)
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        role_choices=role_choices,
        customer_choices=customer_limits.choices(request.organization),
        initial={"role": "editor"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=request.organization,
                actor_membership=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                customer_ids=form.customer_ids(),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("organizations:invitations", org_slug=request.organization.slug)
    invitations = list(selectors.invitations_open(organization=request.organization))
    limited_to = customer_limits.names(invitations=invitations)
    for invitation in invitations:
        invitation.customer_names = [
            n for _, n in limited_to.get(("invitation", invitation.pk), [])
        ]
    return _settings_render(
        request,
        "organizations/invitations.html",
        "invitations",
        {
            "form": form,
            "invitations": invitations,
            "invitation_days": settings.POSTIZ_INVITATION_DAYS,
        },
    )


def _invitation_or_404(request, invitation_id):
    invitation = selectors.invitation_get(organization=request.organization, pk=invitation_id)
    if invitation is None:
        raise Http404(_("No such invitation."))
    return invitation


@organization_view("members.manage")
@require_POST
def invitation_resend(request, invitation_id):
    invitation = _invitation_or_404(request, invitation_id)
    try:
        services.invitation_resend(
            invitation=invitation, actor_membership=request.membership, request=request
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("A new link was sent to %(email)s; the old one no longer works.")
            % {"email": invitation.email},
        )
    return redirect("organizations:invitations", org_slug=request.organization.slug)


@organization_view("members.manage")
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = _invitation_or_404(request, invitation_id)
    try:
        services.invitation_revoke(
            invitation=invitation, actor_membership=request.membership, request=request
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("organizations:invitations", org_slug=request.organization.slug)


# -- Audit log --------------------------------------------------------------------------
def _detail_items(details) -> list[tuple[str, str]]:
    if not isinstance(details, dict):
        return [("", str(details))]
    items = []
    for key, value in details.items():
        if isinstance(value, list) and len(value) == 2:
            value = f"{value[0]} → {value[1]}"
        items.append((str(key), str(value)))
    return items


@organization_view("audit.view")
@require_http_methods(["GET"])
def audit_log(request):
    """audit.view: the log, filtered, 50 a page; times in the viewer's zone."""
    zone_name = _zone_name(request)
    zone = ZoneInfo(zone_name)
    form = AuditFilterForm(
        request.GET or None,
        actions=selectors.audit_actions(organization=request.organization),
    )
    data = {}
    if form.is_bound:
        form.is_valid()  # apply the filters that are valid; the form shows the others' errors
        data = form.cleaned_data
    since = until = None
    if data.get("date_from"):
        since = datetime.combine(data["date_from"], time.min, tzinfo=zone)
    if data.get("date_to"):
        until = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tzinfo=zone)
    events = selectors.audit_events(
        organization=request.organization,
        action=data.get("action") or "",
        actor_email=(data.get("actor") or "").strip(),
        since=since,
        until=until,
    )
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.detail_items = _detail_items(event.details)
    filtered = any(data.get(name) for name in ("action", "actor", "date_from", "date_to"))
    return _settings_render(
        request,
        "organizations/audit.html",
        "audit",
        {"form": form, "page_obj": page, "filtered": filtered},
    )


# -- Accepting an invitation ------------------------------------------------------------
def _invitation_invalid(request, message: str):
    return render(
        request, "organizations/invitation_invalid.html", {"message": message}, status=400
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """Anyone with the link: shows the invitation; the invited person accepts it here."""
    try:
        invitation = services.invitation_from_token(token)
    except InvitationError as error:
        return _invitation_invalid(request, str(error))

    here = reverse("invitation_accept", args=[token])
    user = request.user
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(f"{reverse('account_login')}?{urlencode({'next': here})}")
        try:
            membership = services.invitation_accept(
                invitation=invitation, user=user, request=request
            )
        except InvitationError as error:
            return _invitation_invalid(request, str(error))
        messages.success(
            request,
            _("Welcome to %(name)s. You joined as %(role)s.")
            % {
                "name": membership.organization.name,
                "role": membership.get_role_display().lower(),
            },
        )
        return redirect("posts:calendar", org_slug=membership.organization.slug)

    context = {
        "invitation": invitation,
        "token": token,
        "viewer_zone": _zone_name(request, fallback=invitation.organization.timezone)
        if user.is_authenticated
        else invitation.organization.timezone,
    }
    if user.is_authenticated:
        context["email_matches"] = user.email.lower() == invitation.email.lower()
        context["logout_next"] = here
    elif selectors.account_exists_for_invitation(invitation=invitation):
        context["login_url"] = f"{reverse('account_login')}?{urlencode({'next': here})}"
    else:
        # Sign-up picks the invitation up from the session (accounts.signals), and the
        # address counts as verified: the person proved it by opening the emailed link.
        request.session[INVITATION_SESSION_KEY] = token
        get_adapter(request).stash_verified_email(request, invitation.email)
        context["signup_url"] = (
            f"{reverse('account_signup')}?{urlencode({'email': invitation.email})}"
        )
    return render(request, "organizations/invitation_accept.html", context)
