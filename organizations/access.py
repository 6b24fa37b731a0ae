"""Tenancy for HTML views, in one place.

Every organization page is ``/o/<org_slug>/...`` and is wrapped in ``organization_view``:
outsiders (and unknown or deleted organizations) get 404, members whose role lacks the
permission get 403. The view then reads ``request.organization`` and ``request.membership``.
A member limited to customers is limited through ``request.organization`` (see
integrations.selectors), and lacks every organization-wide permission (403).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from organizations import selectors

SESSION_KEY = "postiz_organization"


def organization_view(permission: str = "organization.view"):
    """Decorate a view taking ``org_slug``; resolves the tenant or answers 404/403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, org_slug, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = selectors.membership_for(user=request.user, slug=org_slug)
            if membership is None:
                raise Http404(_("No such organization."))
            if not membership.can(permission):
                raise PermissionDenied(
                    _("Your role (%(role)s) does not allow this.")
                    % {"role": membership.get_role_display()}
                )
            request.organization = membership.organization
            # The selectors above read the member's customer limitation from here.
            request.organization.acting_membership = membership
            request.membership = membership
            if request.session.get(SESSION_KEY) != org_slug:
                request.session[SESSION_KEY] = org_slug
            return view(request, *args, **kwargs)

        wrapper.organization_permission = permission
        return wrapper

    return decorator
