"""The API base class seals tenants the same way the pages do."""

import pytest
from rest_framework.test import APIClient

from organizations.models import Membership
from postiz.api import OrganizationAPIView, OrganizationListAPIView
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_member_lists_the_members_of_their_organization(org, owner, viewer):
    response = api_for(viewer).get(f"/api/v1/o/{org.slug}/members")
    assert response.status_code == 200
    emails = {row["email"] for row in response.json()["results"]}
    assert emails == {owner.email, viewer.email}


def test_outsider_gets_404_with_the_error_shape(org, owner, outsider):
    response = api_for(outsider).get(f"/api/v1/o/{org.slug}/members")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_deleted_organization_answers_404(org, owner):
    from django.utils import timezone

    org.deleted_at = timezone.now()
    org.save(update_fields=["deleted_at"])
    assert api_for(owner).get(f"/api/v1/o/{org.slug}/members").status_code == 404


def test_anonymous_caller_is_refused(org):
    response = APIClient().get(f"/api/v1/o/{org.slug}/members")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_my_organizations_lists_only_mine_with_my_role(org, admin, outsider):
    response = api_for(admin).get("/api/v1/organizations")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["slug"], row["role"]) for row in rows] == [(org.slug, "admin")]


def test_member_list_query_count_does_not_grow_with_members(
    org, owner, django_assert_max_num_queries
):
    for _ in range(25):
        MembershipFactory(organization=org)
    with django_assert_max_num_queries(6):
        response = api_for(owner).get(f"/api/v1/o/{org.slug}/members")
    assert len(response.json()["results"]) == Membership.objects.filter(organization=org).count()


def test_subclass_cannot_override_get_queryset():
    with pytest.raises(TypeError, match="get_organization_queryset"):

        class Leaky(OrganizationListAPIView):
            def get_queryset(self):
                return Membership.objects.all()


def test_view_with_a_permission_refuses_a_role_without_it(org, viewer, rf):
    class Secret(OrganizationAPIView):
        permission_required = "members.manage"

        def get(self, request, org_slug):
            return None

    from rest_framework.test import APIRequestFactory, force_authenticate

    request = APIRequestFactory().get("/")
    force_authenticate(request, user=viewer)
    response = Secret.as_view()(request, org_slug=org.slug)
    assert response.status_code == 403


# -- A key made by a member limited to customers ---------------------------------------------
# Every route of both surfaces, read from the URL configuration: a parameter names either
# something of a customer (a limited key asking for another customer's answers 404) or
# something the whole organization shares. A new parameter must be classified here.
import re  # noqa: E402

from django.test import Client  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver  # noqa: E402

from organizations.models import ALL_SCOPES, ORGANIZATION_WIDE_SCOPES  # noqa: E402
from organizations.permissions import Role  # noqa: E402
from organizations.services import api_key_create  # noqa: E402

_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
SURFACES = ("api/v1/^", "public/v1/^")
CUSTOMER_PARAMS = {
    # (surface, first path segment, parameter) → B's object's id
    ("api/v1", "channels", "public_id"): lambda w: w.channel_b.public_id,
    ("api/v1", "customers", "public_id"): lambda w: w.customer_b.public_id,
    ("api/v1", "groups", "public_id"): lambda w: w.post_b.group.public_id,
    ("api/v1", "posts", "public_id"): lambda w: w.post_b.public_id,
    ("api/v1", "media", "public_id"): lambda w: w.media_b.public_id,
    ("api/v1", "analytics", "public_id"): lambda w: w.post_b.public_id,
    ("api/v1", "feeds", "public_id"): lambda w: w.feed_b.public_id,
    ("api/v1", "imports", "public_id"): lambda w: w.import_b.public_id,  # only their own
    ("public/v1", "integrations", "public_id"): lambda w: w.channel_b.public_id,
    ("public/v1", "integration-settings", "public_id"): lambda w: w.channel_b.public_id,
    ("public/v1", "integration-trigger", "public_id"): lambda w: w.channel_b.public_id,
    ("public/v1", "find-slot", "public_id"): lambda w: w.channel_b.public_id,
    ("public/v1", "posts", "group"): lambda w: w.post_b.group.public_id,
    ("public/v1", "posts", "public_id"): lambda w: w.post_b.public_id,
    ("public/v1", "analytics", "postId"): lambda w: w.post_b.public_id,
    ("public/v1", "analytics", "integration"): lambda w: w.channel_b.public_id,
}
SHARED_PARAMS = {
    ("api/v1", "channels", "name"),  # a tool's name, with B's channel
    ("api/v1", "posts", "comment_id"),  # with B's post
    ("api/v1", "channels", "plug_id"),  # with B's channel
    ("api/v1", "tags", "public_id"),  # tags, signatures and sets are the organization's
    ("api/v1", "signatures", "public_id"),
    ("api/v1", "sets", "public_id"),
    ("api/v1", "members", "public_id"),  # members:read, organization-wide: 403
    ("api/v1", "webhooks", "public_id"),  # webhooks:manage, organization-wide: 403
    ("public/v1", "social", "provider"),  # connecting: channels:write, organization-wide
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def _key_routes():
    found = []
    for route, callback in _walk(get_resolver().url_patterns):
        view = getattr(callback, "cls", None)
        if route.startswith(SURFACES) and getattr(view, "scopes", None):
            found.append((route, view))
    return sorted(found, key=lambda pair: pair[0])


API_ROUTES = _key_routes()


def _where(route):
    surface, rest = route.split("/^", 1)
    return surface, rest.split("/", 1)[0].split("(", 1)[0].rstrip("/?$")


def _params(route):
    surface, section = _where(route)
    return [(surface, section, m["name"]) for m in _GROUP.finditer(route)]


def _path(route, world):
    def fill(match):
        key = (*_where(route), match["name"])
        return str(CUSTOMER_PARAMS[key](world)) if key in CUSTOMER_PARAMS else "x"

    surface, rest = route.split("/^", 1)
    return f"/{surface}/" + _GROUP.sub(fill, rest).replace("/?$", "").rstrip("$")


def test_the_routes_of_both_surfaces_are_found():
    assert len(API_ROUTES) > 40
    assert any(r.startswith("public/v1") for r, _ in API_ROUTES)


@pytest.mark.parametrize(("route", "view"), API_ROUTES, ids=[r for r, _ in API_ROUTES])
def test_every_api_parameter_is_classified_for_limited_keys(route, view):
    unknown = [p for p in _params(route) if p not in CUSTOMER_PARAMS and p not in SHARED_PARAMS]
    assert unknown == [], f"{route}: is {unknown} a customer's object or the organization's?"


@pytest.fixture
def world(org):
    from tests import customer_world

    return customer_world.build(org, role=Role.ADMIN)


def _limited_key(world):
    scopes = [s for s in ALL_SCOPES if s not in ORGANIZATION_WIDE_SCOPES]
    _, raw = api_key_create(
        organization=world.org,
        actor=world.limited.user,
        name="limited",
        scopes=scopes,
        membership=world.limited,
    )
    return Client(HTTP_AUTHORIZATION=raw)


CUSTOMER_API_ROUTES = [
    (r, v) for r, v in API_ROUTES if any(p in CUSTOMER_PARAMS for p in _params(r))
]


@pytest.mark.parametrize(
    ("route", "view"), CUSTOMER_API_ROUTES, ids=[r for r, _ in CUSTOMER_API_ROUTES]
)
def test_limited_key_gets_404_for_another_customers_objects(route, view, world):
    client = _limited_key(world)
    path = _path(route, world)
    for method, scope in view.scopes.items():
        if method == "GET":
            response = client.get(path)
        else:
            call = getattr(client, method.lower())
            response = call(path, data="{}", content_type="application/json")
        expected = 403 if scope in ORGANIZATION_WIDE_SCOPES else 404
        assert response.status_code == expected, (method, path, response.content[:300])


LIST_API_ROUTES = [(r, v) for r, v in API_ROUTES if not _params(r) and "GET" in v.scopes]


@pytest.mark.parametrize(("route", "view"), LIST_API_ROUTES, ids=[r for r, _ in LIST_API_ROUTES])
def test_limited_key_lists_nothing_of_another_customer(route, view, world):
    from tests.customer_world import SECRET_B, SECRET_NONE

    response = _limited_key(world).get(_path(route, world))
    if view.scopes["GET"] in ORGANIZATION_WIDE_SCOPES:
        assert response.status_code == 403
        return
    assert response.status_code in (200, 400), (route, response.content[:300])
    # An export is streamed: read it whole.
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = raw.decode()
    for secret in (
        SECRET_B,
        SECRET_NONE,
        str(world.channel_b.public_id),
        str(world.media_b.public_id),
    ):
        assert secret not in body, route


def test_limited_key_cannot_post_on_another_customers_channel(world):
    client = _limited_key(world)
    body = {
        "type": "now",
        "shortLink": False,
        "date": "2030-01-01T10:00:00.000Z",
        "tags": [],
        "posts": [
            {
                "integration": {"id": str(world.channel_b.public_id)},
                "value": [{"content": "hello", "image": []}],
                "settings": {},
            }
        ],
    }
    before = world.channel_b.posts.count()
    response = client.post("/public/v1/posts", data=body, content_type="application/json")
    assert response.status_code in (400, 404), response.content[:300]
    assert world.channel_b.posts.count() == before


def test_limited_key_follows_the_members_limitation_when_it_changes(world):
    from integrations.models import CustomerAccess

    client = _limited_key(world)
    path = f"/api/v1/channels/{world.channel_b.public_id}"
    assert client.get(path).status_code == 404
    CustomerAccess.objects.create(membership=world.limited, customer=world.customer_b)
    assert client.get(path).status_code == 200


def test_limited_keys_are_revoked_when_the_member_leaves(world):
    client = _limited_key(world)
    assert client.get("/api/v1/channels").status_code == 200
    world.limited.delete()
    assert client.get("/api/v1/channels").status_code == 401


def test_limited_key_list_costs_no_more_queries_than_an_unlimited_one(
    world, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ChannelFactory

    for _ in range(5):
        ChannelFactory(organization=world.org, customer=world.customer_a)
    _, raw = api_key_create(
        organization=world.org, actor=world.owner.user, name="full", scopes=ALL_SCOPES
    )
    counts = {}
    for name, client in (
        ("full", Client(HTTP_AUTHORIZATION=raw)),
        ("limited", _limited_key(world)),
    ):
        client.get("/api/v1/channels")  # warm: the key's last use is written once a minute
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/channels").status_code == 200
        counts[name] = len(queries)
    assert counts["limited"] <= counts["full"], counts


def test_a_key_made_before_its_member_was_limited_follows_the_limitation(world):
    from integrations.models import CustomerAccess
    from tests.factories import MembershipFactory

    member = MembershipFactory(organization=world.org, role=Role.ADMIN)
    _, raw = api_key_create(
        organization=world.org, actor=member.user, name="older", scopes=["channels:read"]
    )
    client = Client(HTTP_AUTHORIZATION=raw)
    path = f"/api/v1/channels/{world.channel_b.public_id}"
    assert client.get(path).status_code == 200
    member.customer_limited = True
    member.save(update_fields=["customer_limited"])
    CustomerAccess.objects.create(membership=member, customer=world.customer_a)
    assert client.get(path).status_code == 404
    assert client.get(f"/api/v1/channels/{world.channel_a.public_id}").status_code == 200
