"""Editing channels through /api/v1: PATCH /channels/<id> (name, customer, posting
times and their zone), preferences, and disable/enable; each with the posts' ETags,
scopes and organization isolation."""

import pytest
from django.test import Client

from integrations.models import Customer, Integration
from organizations.models import AuditEvent
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _url(channel, tail=""):
    return f"/api/v1/channels/{channel.public_id}{tail}"


def test_a_channel_read_carries_an_etag_that_if_none_match_answers_304(native, channel):
    read = native.get(_url(channel))
    assert read.status_code == 200 and read["ETag"]
    assert native.get(_url(channel), HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304


def test_patch_renames_moves_to_another_customer_and_sets_posting_times(native, org, channel):
    other = Customer.objects.create(organization=org, name="Other client")
    etag = native.get(_url(channel))["ETag"]
    response = native.patch(
        _url(channel),
        {
            "name": "Acme news",
            "customer_id": str(other.public_id),
            "posting_times": ["8:30", "18:00", "08:30"],
            "timezone": "America/New_York",
        },
        content_type=JSON,
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Acme news"
    assert body["customer"] == {"id": str(other.public_id), "name": "Other client"}
    assert body["posting_times"] == ["08:30", "18:00"]
    assert body["timezone"] == "America/New_York"
    assert response["ETag"] != etag and response["ETag"] == native.get(_url(channel))["ETag"]
    assert AuditEvent.objects.filter(action="channel.renamed").exists()


def test_patch_leaves_out_what_it_does_not_name_and_null_clears_the_customer(native, channel):
    response = native.patch(_url(channel), {"customer_id": None}, content_type=JSON)
    assert response.status_code == 200, response.content
    channel.refresh_from_db()
    assert channel.customer is None and channel.name == "Acme on Mastodon"
    assert channel.posting_times == ["09:00", "17:00"] and channel.timezone == "Europe/Paris"
    only_zone = native.patch(_url(channel), {"timezone": "Asia/Tokyo"}, content_type=JSON)
    assert only_zone.json()["posting_times"] == ["09:00", "17:00"]
    assert only_zone.json()["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "  "}, "name"),
        ({"customer_id": "5d0c3c3e-0000-4000-8000-000000000000"}, "customer_id"),
        ({"posting_times": ["25:00"]}, "posting_times"),
        ({"posting_times": []}, "posting_times"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_a_bad_channel_patch_is_a_400_naming_the_field_and_changes_nothing(
    native, channel, body, field
):
    response = native.patch(_url(channel), {"name": "Changed", **body}, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    channel.refresh_from_db()
    assert channel.name == "Acme on Mastodon" and channel.customer is not None


def test_another_organizations_customer_cannot_be_given_to_a_channel(native, channel, other_org):
    theirs = Customer.objects.create(organization=other_org, name="Theirs")
    response = native.patch(
        _url(channel), {"customer_id": str(theirs.public_id)}, content_type=JSON
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "customer_id"


def test_a_stale_if_match_on_a_channel_is_a_412(native, channel):
    etag = native.get(_url(channel))["ETag"]
    native.patch(_url(channel), {"name": "First"}, content_type=JSON, HTTP_IF_MATCH=etag)
    stale = native.patch(_url(channel), {"name": "Second"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert native.post(_url(channel, "/disable"), HTTP_IF_MATCH=etag).status_code == 412
    assert native.delete(_url(channel), HTTP_IF_MATCH=etag).status_code == 412
    channel.refresh_from_db()
    assert channel.name == "First" and channel.deleted_at is None
    assert channel.status == Integration.Status.ACTIVE


def test_disable_then_enable_a_channel(native, channel):
    disabled = native.post(_url(channel, "/disable"))
    assert disabled.status_code == 200, disabled.content
    assert disabled.json()["status"] == "disabled" and disabled["ETag"]
    assert native.post(_url(channel, "/disable")).json()["status"] == "disabled"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.DISABLED
    enabled = native.post(_url(channel, "/enable"), HTTP_IF_MATCH=disabled["ETag"])
    assert enabled.status_code == 200 and enabled.json()["status"] == "connected"
    assert AuditEvent.objects.filter(action="channel.enabled").count() == 1


def test_preferences_read_with_their_fields_and_put_replaces_them(native, x_channel):
    url = _url(x_channel, "/preferences")
    read = native.get(url)
    assert read.status_code == 200
    assert read.json()["values"] == {"premium": False}
    [field] = read.json()["fields"]
    assert field["name"] == "premium" and field["type"] == "bool"
    put = native.put(
        url, {"values": {"premium": True}}, content_type=JSON, HTTP_IF_MATCH=read["ETag"]
    )
    assert put.status_code == 200, put.content
    assert put.json()["values"] == {"premium": True}
    x_channel.refresh_from_db()
    assert x_channel.preferences == {"premium": True}
    stale = native.put(url, {"values": {}}, content_type=JSON, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412


def test_an_unknown_preference_is_a_400_naming_it(native, x_channel):
    response = native.put(
        _url(x_channel, "/preferences"), {"values": {"colour": "red"}}, content_type=JSON
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "values.colour"
    missing = native.put(_url(x_channel, "/preferences"), {}, content_type=JSON)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "values"


def test_another_organizations_channel_cannot_be_edited(native, other_channel):
    for response in (
        native.patch(_url(other_channel), {"name": "Mine"}, content_type=JSON),
        native.get(_url(other_channel, "/preferences")),
        native.put(_url(other_channel, "/preferences"), {"values": {}}, content_type=JSON),
        native.post(_url(other_channel, "/disable")),
        native.post(_url(other_channel, "/enable")),
    ):
        assert response.status_code == 404
    other_channel.refresh_from_db()
    assert other_channel.name == "Other on Mastodon"
    assert other_channel.status == Integration.Status.ACTIVE


def test_editing_a_channel_needs_channels_write(org, channel):
    _key, raw = make_key(org, scopes=["channels:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)
    assert reader.get(_url(channel, "/preferences")).status_code == 200
    for response in (
        reader.patch(_url(channel), {"name": "No"}, content_type=JSON),
        reader.put(_url(channel, "/preferences"), {"values": {}}, content_type=JSON),
        reader.post(_url(channel, "/disable")),
        reader.post(_url(channel, "/enable")),
    ):
        assert response.status_code == 403 and response.json()["scope"] == "channels:write"
    channel.refresh_from_db()
    assert channel.name == "Acme on Mastodon"


def test_a_network_without_preferences_has_none_to_read_or_set(native, channel):
    read = native.get(_url(channel, "/preferences"))
    assert read.json() == {"values": {}, "fields": []}
    put = native.put(_url(channel, "/preferences"), {"values": {}}, content_type=JSON)
    assert put.status_code == 200 and put.json() == {"values": {}, "fields": []}
