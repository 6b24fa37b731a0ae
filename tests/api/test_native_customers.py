"""/api/v1/customers: a script creates, reads, renames and deletes customers, with the
posts' idempotency keys, ETags and organization isolation."""

import pytest
from django.test import Client

from integrations.models import Customer, Integration
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def test_a_script_creates_reads_renames_and_deletes_a_customer(native, org, channel):
    created = native.post("/api/v1/customers", {"name": "  Small   shop "}, content_type=JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "Small shop" and created["ETag"]
    assert created["Location"] == f"/api/v1/customers/{body['id']}"
    read = native.get(created["Location"])
    assert read.json() == body and read["ETag"] == created["ETag"]
    assert native.get(created["Location"], HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304
    listed = native.get("/api/v1/customers").json()["data"]
    assert {c["name"] for c in listed} == {"Big client", "Small shop"}

    renamed = native.patch(
        created["Location"], {"name": "Shop"}, content_type=JSON, HTTP_IF_MATCH=read["ETag"]
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Shop"
    assert renamed["ETag"] != read["ETag"]

    old = f"/api/v1/customers/{channel.customer.public_id}"
    assert native.delete(old, HTTP_IF_MATCH=native.get(old)["ETag"]).status_code == 204
    assert native.get(old).status_code == 404
    channel.refresh_from_db()
    assert channel.customer is None and Integration.objects.filter(pk=channel.pk).exists()


def test_creating_a_customer_twice_with_one_idempotency_key_makes_one(native, org):
    first = native.post(
        "/api/v1/customers", {"name": "Once"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="c-1"
    )
    second = native.post(
        "/api/v1/customers", {"name": "Once"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="c-1"
    )
    assert first.status_code == second.status_code == 201
    assert second["Idempotent-Replayed"] == "true" and second.json() == first.json()
    assert Customer.objects.filter(organization=org, name="Once").count() == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "big CLIENT"])
def test_a_customer_name_that_is_empty_too_long_or_taken_is_a_400_naming_it(native, customer, name):
    response = native.post("/api/v1/customers", {"name": name}, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["name"]
    other = Customer.objects.create(organization=customer.organization, name="B")
    rename = native.patch(f"/api/v1/customers/{other.public_id}", {"name": name}, content_type=JSON)
    assert rename.status_code == 400 and rename.json()["errors"][0]["field"] == "name"


def test_a_stale_if_match_on_a_customer_is_a_412_and_changes_nothing(native, customer):
    url = f"/api/v1/customers/{customer.public_id}"
    etag = native.get(url)["ETag"]
    native.patch(url, {"name": "New"}, content_type=JSON, HTTP_IF_MATCH=etag)
    stale = native.patch(url, {"name": "Newer"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert native.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    customer.refresh_from_db()
    assert customer.name == "New"


def test_if_match_can_be_required_for_customers(native, customer, settings):
    settings.API_REQUIRE_IF_MATCH = True
    url = f"/api/v1/customers/{customer.public_id}"
    assert native.patch(url, {"name": "N"}, content_type=JSON).status_code == 428
    assert native.delete(url).status_code == 428


def test_another_organizations_customer_is_not_found(native, other_org):
    theirs = Customer.objects.create(organization=other_org, name="Theirs")
    url = f"/api/v1/customers/{theirs.public_id}"
    assert native.get(url).status_code == 404
    assert native.patch(url, {"name": "Mine"}, content_type=JSON).status_code == 404
    assert native.delete(url).status_code == 404
    assert native.get("/api/v1/customers/not-an-id").status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_a_key_without_channels_write_reads_customers_but_cannot_change_them(org, customer):
    _key, raw = make_key(org, scopes=["channels:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)
    url = f"/api/v1/customers/{customer.public_id}"
    assert reader.get(url).status_code == 200
    for response in (
        reader.post("/api/v1/customers", {"name": "No"}, content_type=JSON),
        reader.patch(url, {"name": "No"}, content_type=JSON),
        reader.delete(url),
    ):
        assert response.status_code == 403 and response.json()["scope"] == "channels:write"
    _key, raw = make_key(org, scopes=["posts:read"])
    assert Client(HTTP_AUTHORIZATION=raw).get(url).json()["scope"] == "channels:read"
