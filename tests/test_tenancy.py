"""Every page under /o/<org_slug>/ is sealed: outsiders get 404, too-low roles get 403.

The URLs are read from the URL configuration, so a page added later is covered without
touching this file, and a page that forgets the tenancy decorator fails here.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from organizations.permissions import ROLE_PERMISSIONS, Role

ORG_PREFIX = "o/<slug:org_slug>/"
_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def organization_routes():
    return sorted(
        (route, callback)
        for route, callback in _walk(get_resolver().url_patterns)
        if route.startswith(ORG_PREFIX)
    )


def _url(route: str, slug: str) -> str:
    def fill(match):
        if match["name"] == "org_slug":
            return slug
        return "1" if match["converter"] == "int" else "x"

    return "/" + _PARAM.sub(fill, route).lstrip("^").rstrip("$")


ROUTES = organization_routes()
ROUTE_IDS = [route for route, _ in ROUTES]


def test_organization_pages_exist():
    assert len(ROUTES) >= 4, ROUTES


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=ROUTE_IDS)
def test_every_organization_page_declares_its_permission(route, view):
    assert getattr(view, "organization_permission", None), (
        f"{route} is not wrapped in organizations.access.organization_view"
    )


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_every_organization_page(
    route, view, method, org, owner, outsider, client_for
):
    response = getattr(client_for(outsider), method)(_url(route, org.slug))
    assert response.status_code == 404


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=ROUTE_IDS)
def test_unknown_organization_gets_404(route, view, owner, client_for):
    response = client_for(owner).get(_url(route, "no-such-team"))
    assert response.status_code == 404


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=ROUTE_IDS)
def test_deleted_organization_gets_404_for_its_members(route, view, org, owner, client_for):
    from django.utils import timezone

    org.deleted_at = timezone.now()
    org.save(update_fields=["deleted_at"])
    response = client_for(owner).get(_url(route, org.slug))
    assert response.status_code == 404


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=ROUTE_IDS)
def test_anonymous_visitor_is_sent_to_login(route, view, org, client):
    response = client.get(_url(route, org.slug))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def _roles_lacking(permission):
    return [role for role in Role.values if permission not in ROLE_PERMISSIONS[role]]


RESTRICTED = [
    (route, view, role)
    for route, view in ROUTES
    for role in _roles_lacking(getattr(view, "organization_permission", "organization.view"))
]


@pytest.mark.parametrize(
    ("route", "view", "role"), RESTRICTED, ids=[f"{r}-{role}" for r, _, role in RESTRICTED]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_too_low_role_gets_403(route, view, role, method, org, client_for):
    from tests.factories import MembershipFactory

    user = MembershipFactory(organization=org, role=role).user
    response = getattr(client_for(user), method)(_url(route, org.slug))
    assert response.status_code == 403


def test_the_viewer_role_is_refused_somewhere():
    """The 403 tests above must have cases, or they prove nothing."""
    assert any(role == Role.VIEWER for _, _, role in RESTRICTED)
