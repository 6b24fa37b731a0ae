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


# -- A member limited to customers ------------------------------------------------------------
# Every parameter of every organization page is either the id of something that belongs to
# a customer (a limited member asking for another customer's answers 404, like an outsider)
# or of something the whole organization shares. A new parameter must be classified here.
CUSTOMER_PARAMS = {
    # (the route's first segment after the organization, the parameter) → World attribute
    ("channels", "pk"): lambda w: w.channel_b.pk,
    ("media", "pk"): lambda w: w.media_b.pk,
    ("posts", "group_id"): lambda w: w.post_b.group_id,
    ("posts", "channel_id"): lambda w: w.channel_b.pk,
    ("analytics", "post_id"): lambda w: w.post_b.public_id,
    ("calendar", "post_id"): lambda w: w.post_b.public_id,
    ("failures", "post_id"): lambda w: w.post_b.public_id,
    ("notifications", "notification_id"): lambda w: w.notification_b.public_id,
    ("settings", "key_id"): lambda w: w.owner_key.pk,  # another member's key reaches further
    # Another member's OAuth app and another member's consent to an app, likewise.
    ("settings", "client_id"): lambda w: _owner_oauth(w)[0].pk,
    ("settings", "grant_id"): lambda w: _owner_oauth(w)[1].pk,
    ("customers", "customer_id"): lambda w: w.customer_b.pk,  # its client review links
    ("client-review", "customer_id"): lambda w: w.customer_b.pk,
    ("client-review", "group_id"): lambda w: w.post_b.group.public_id,
    ("settings", "feed_id"): lambda w: w.feed_b.public_id,
    # A limited member sees only their own uploads: another member's answers 404.
    ("posts", "job_id"): lambda w: w.import_b.public_id,
}
# Shared by the whole organization, or behind an organization-wide permission (403).
SHARED_PARAMS = {
    ("channels", "provider_id"),  # connecting: channels.manage
    ("channels", "token"),
    ("posts", "name"),  # a setting's name, with a channel_id
    ("posts", "pk"),  # tags, signatures and sets are the organization's
    ("settings", "member_id"),
    ("settings", "invitation_id"),
    ("settings", "webhook_id"),
    ("settings", "delivery_id"),
    # A preview or review link, found only through the group or customer in the same path.
    ("posts", "link_id"),
    ("channels", "plug_id"),  # a plug, found only through the channel in the same path
    ("customers", "link_id"),
    ("posts", "action"),  # approve, changes, reject: a word, not an object
    ("client-review", "action"),
}


def _owner_oauth(world):
    """An OAuth app the owner registered and the owner's consent to it."""
    from organizations import oauth

    client = (
        oauth.clients_of_organization(organization=world.org)
        .filter(created_by=world.owner.user)
        .first()
        or oauth.oauth_app_create(
            organization=world.org,
            actor=world.owner.user,
            name="Owner's app",
            redirect_uris="https://app.example/cb",
            confidential=True,
        )[0]
    )
    grant = oauth.oauth_grant_approve(
        application=client.application, membership=world.owner, scopes=["posts:read"]
    )
    return client, grant


CUSTOMER_ROUTE_PREFIXES = {"channels/customers/"}  # channels.manage: organization-wide


def _params(route):
    section = route[len(ORG_PREFIX) :].split("/", 1)[0]
    return [(section, m["name"]) for m in _PARAM.finditer(route) if m["name"] != "org_slug"]


def _limited_url(route, world):
    def fill(match):
        if match["name"] == "org_slug":
            return world.org.slug
        key = (route[len(ORG_PREFIX) :].split("/", 1)[0], match["name"])
        if key in CUSTOMER_PARAMS:
            return str(CUSTOMER_PARAMS[key](world))
        return "1" if match["converter"] == "int" else "x"

    return "/" + _PARAM.sub(fill, route).lstrip("^").rstrip("$")


def _organization_wide(view):
    from organizations.permissions import ORGANIZATION_WIDE

    return getattr(view, "organization_permission", "") in ORGANIZATION_WIDE


@pytest.mark.parametrize(("route", "view"), ROUTES, ids=ROUTE_IDS)
def test_every_page_parameter_is_classified_for_limited_members(route, view):
    unknown = [p for p in _params(route) if p not in CUSTOMER_PARAMS and p not in SHARED_PARAMS]
    assert unknown == [], f"{route}: is {unknown} a customer's object or the organization's?"


@pytest.fixture
def world(org):
    from tests import customer_world

    # An admin: every permission but the organization-wide ones, so the most pages answer.
    return customer_world.build(org, role=Role.ADMIN)


CUSTOMER_ROUTES = [(r, v) for r, v in ROUTES if any(p in CUSTOMER_PARAMS for p in _params(r))]


@pytest.mark.parametrize(("route", "view"), CUSTOMER_ROUTES, ids=[r for r, _ in CUSTOMER_ROUTES])
def test_limited_member_gets_404_for_another_customers_objects(route, view, world, client_for):
    client = client_for(world.limited.user)
    url = _limited_url(route, world)
    answers = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
    expected = 403 if _organization_wide(view) else 404
    # A method the page does not offer answers 405 before anything is read; the one it
    # offers must answer as for an object that does not exist.
    assert set(answers.values()) <= {expected, 405} and expected in answers.values(), answers


LIST_ROUTES = [(r, v) for r, v in ROUTES if not _params(r)]


@pytest.mark.parametrize(("route", "view"), LIST_ROUTES, ids=[r for r, _ in LIST_ROUTES])
def test_limited_member_never_sees_another_customers_objects_on_any_page(
    route, view, world, client_for
):
    from tests.customer_world import SECRET_B, SECRET_NONE

    response = client_for(world.limited.user).get(_limited_url(route, world))
    if _organization_wide(view):
        assert response.status_code == 403
        return
    assert response.status_code in (200, 302, 400, 405), response.status_code
    body = response.content.decode(errors="replace")
    assert SECRET_B not in body
    assert SECRET_NONE not in body


def test_limited_member_sees_their_customers_objects(world, client_for):
    client = client_for(world.limited.user)
    slug = world.org.slug
    assert client.get(f"/o/{slug}/channels/{world.channel_a.pk}/").status_code == 200
    assert client.get(f"/o/{slug}/posts/{world.post_a.group_id}/").status_code == 200
    assert client.get(f"/o/{slug}/media/{world.media_a.pk}/").status_code == 200
    assert "Alpha channel" in client.get(f"/o/{slug}/channels/").content.decode()


def test_limited_member_cannot_open_a_group_that_also_holds_another_customers_post(
    world, client_for
):
    response = client_for(world.limited.user).get(f"/o/{world.org.slug}/posts/{world.mixed.pk}/")
    assert response.status_code == 404


def test_unlimited_member_still_sees_every_customer(world, client_for):
    from tests.customer_world import SECRET_B, SECRET_NONE

    body = client_for(world.owner.user).get(f"/o/{world.org.slug}/channels/").content.decode()
    assert SECRET_B in body and SECRET_NONE in body
