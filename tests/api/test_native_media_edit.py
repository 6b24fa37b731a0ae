"""PATCH /api/v1/media/<id>: a script names a file and describes it (alt text), with the
posts' ETags, scopes and organization isolation; media reads carry the ETag."""

import pytest
from django.test import Client

from tests.api.helpers import make_key
from tests.factories import MediaFileFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _file(org, name="Picture.png"):
    return MediaFileFactory(organization=org, name=name)


def test_a_file_is_renamed_and_given_alt_text_with_if_match(native, org):
    row = _file(org)
    url = f"/api/v1/media/{row.public_id}"
    read = native.get(url)
    assert read.status_code == 200 and read["ETag"]
    assert native.get(url, HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304
    response = native.patch(
        url,
        {"name": " Launch  banner ", "alt_text": "A rocket over a field"},
        content_type=JSON,
        HTTP_IF_MATCH=read["ETag"],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Launch banner" and body["alt_text"] == "A rocket over a field"
    assert response["ETag"] != read["ETag"]
    only_alt = native.patch(url, {"alt_text": ""}, content_type=JSON)
    assert only_alt.json()["name"] == "Launch banner" and only_alt.json()["alt_text"] == ""
    stale = native.patch(url, {"name": "Old"}, content_type=JSON, HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert native.delete(url, HTTP_IF_MATCH=read["ETag"]).status_code == 412
    row.refresh_from_db()
    assert row.name == "Launch banner" and row.deleted_at is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"alt_text": "x" * 1501}, "alt_text"),
        ({"alt_text": None}, "alt_text"),
    ],
)
def test_a_bad_name_or_alt_text_is_a_400_naming_it_and_changes_nothing(native, org, body, field):
    row = _file(org)
    response = native.patch(f"/api/v1/media/{row.public_id}", body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    row.refresh_from_db()
    assert row.name == "Picture.png" and row.alt_text == ""


def test_another_organizations_file_cannot_be_edited(native, other_org):
    theirs = _file(other_org, "Theirs.png")
    response = native.patch(
        f"/api/v1/media/{theirs.public_id}", {"name": "Mine"}, content_type=JSON
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs.png"


def test_editing_a_file_needs_media_write(org):
    row = _file(org)
    _key, raw = make_key(org, scopes=["media:read"])
    response = Client(HTTP_AUTHORIZATION=raw).patch(
        f"/api/v1/media/{row.public_id}", {"name": "No"}, content_type=JSON
    )
    assert response.status_code == 403 and response.json()["scope"] == "media:write"
