"""/api/v1/members: who is in the organization, read only, with the members:read scope."""

import pytest
from django.test import Client

from organizations.models import ALL_SCOPES, ApiKey, Membership
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def test_members_are_listed_and_read_with_name_email_role_and_joined(native, org, owner, editor):
    body = native.get("/api/v1/members").json()
    assert body["next_cursor"] is None
    by_email = {m["email"]: m for m in body["data"]}
    assert set(by_email) == {owner.email, editor.email}
    mine = by_email[editor.email]
    membership = Membership.objects.get(user=editor)
    assert mine == {
        "id": str(membership.public_id),
        "name": editor.name,
        "email": editor.email,
        "role": "editor",
        "joined_at": membership.created_at.isoformat(timespec="milliseconds")[:23] + "Z",
    }
    read = native.get(f"/api/v1/members/{mine['id']}")
    assert read.status_code == 200 and read.json() == mine and read["ETag"]
    assert (
        native.get(f"/api/v1/members/{mine['id']}", HTTP_IF_NONE_MATCH=read["ETag"]).status_code
        == 304
    )


def test_members_are_read_only(native, org, editor):
    url = f"/api/v1/members/{Membership.objects.get(user=editor).public_id}"
    assert native.post("/api/v1/members", {}, content_type="application/json").status_code == 405
    assert native.patch(url, {"role": "owner"}, content_type="application/json").status_code == 405
    assert native.delete(url).status_code == 405
    assert Membership.objects.get(user=editor).role == "editor"


def test_another_organizations_members_are_not_found(native, outsider):
    theirs = Membership.objects.get(user=outsider)
    assert native.get(f"/api/v1/members/{theirs.public_id}").status_code == 404
    assert outsider.email not in {m["email"] for m in native.get("/api/v1/members").json()["data"]}


def test_members_need_the_members_read_scope(org, owner):
    _key, raw = make_key(org, scopes=[s for s in ALL_SCOPES if s != "members:read"])
    response = Client(HTTP_AUTHORIZATION=raw).get("/api/v1/members")
    assert response.status_code == 403 and response.json()["scope"] == "members:read"
    _key, raw = make_key(org, scopes=["members:read"])
    assert Client(HTTP_AUTHORIZATION=raw).get("/api/v1/members").status_code == 200


def test_keys_made_with_full_access_before_members_read_are_given_it(org):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "organizations.migrations.0008_full_access_keys_read_members"
    )

    earlier = list(migration.EARLIER)
    full, _ = make_key(org, scopes=ALL_SCOPES)
    ApiKey.objects.filter(pk=full.pk).update(scopes=earlier)
    some, _ = make_key(org, scopes=["posts:read"])
    migration.grant_members_read(apps, None)
    full.refresh_from_db()
    some.refresh_from_db()
    assert full.scopes == [*earlier, "members:read"]
    assert some.scopes == ["posts:read"]


def test_the_member_list_reads_a_page_in_a_fixed_number_of_queries(
    native, org, django_assert_max_num_queries
):
    from tests.factories import MembershipFactory

    MembershipFactory.create_batch(10, organization=org)
    native.get("/api/v1/members")
    with django_assert_max_num_queries(7):
        assert len(native.get("/api/v1/members").json()["data"]) == 11
