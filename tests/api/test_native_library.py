"""/api/v1/signatures and /api/v1/sets: what posts are written with, read and managed by
a script with the posts' scopes, idempotency keys, ETags and organization isolation."""

import pytest
from django.test import Client

from posts.models import PostSet, Signature
from tests.api.helpers import make_key
from tests.factories import MediaFileFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


@pytest.fixture
def picture(org):
    return MediaFileFactory(organization=org, name="Picture.png")


# -- Signatures --------------------------------------------------------------------------
def test_a_script_creates_reads_edits_and_deletes_signatures(native, org):
    first = native.post(
        "/api/v1/signatures",
        {"name": "Team", "content": "— the Acme team", "is_default": True},
        content_type=JSON,
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["is_default"] is True and body["content"] == "— the Acme team"
    assert first["Location"] == f"/api/v1/signatures/{body['id']}" and first["ETag"]
    second = native.post(
        "/api/v1/signatures",
        {"name": "Short", "content": "Acme", "is_default": True},
        content_type=JSON,
    ).json()
    assert second["is_default"] is True
    assert native.get(first["Location"]).json()["is_default"] is False  # one default only

    read = native.get(first["Location"])
    edited = native.patch(
        first["Location"], {"content": "Cheers"}, content_type=JSON, HTTP_IF_MATCH=read["ETag"]
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["content"] == "Cheers" and edited.json()["name"] == "Team"
    assert edited.json()["is_default"] is False
    listed = native.get("/api/v1/signatures").json()
    assert {s["name"] for s in listed["data"]} == {"Team", "Short"}
    assert listed["next_cursor"] is None

    assert native.delete(first["Location"], HTTP_IF_MATCH=edited["ETag"]).status_code == 204
    assert native.get(first["Location"]).status_code == 404
    assert list(Signature.objects.values_list("name", flat=True)) == ["Short"]


def test_signatures_are_listed_a_page_at_a_time(native, org):
    for n in range(3):
        Signature.objects.create(organization=org, name=f"S{n}", content="x")
    first = native.get("/api/v1/signatures?limit=2").json()
    assert len(first["data"]) == 2 and first["next_cursor"]
    rest = native.get(f"/api/v1/signatures?limit=2&cursor={first['next_cursor']}").json()
    assert [s["name"] for s in first["data"] + rest["data"]] == ["S0", "S1", "S2"]
    assert native.get("/api/v1/signatures?limit=0").status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "content": "x"}, "name"),
        ({"name": "A"}, "content"),
        ({"name": "A", "content": "   "}, "content"),
        ({"name": "A", "content": "x" * 2001}, "content"),
        ({"name": "A", "content": "x", "is_default": "maybe"}, "is_default"),
    ],
)
def test_a_bad_signature_is_a_400_naming_the_field(native, body, field):
    response = native.post("/api/v1/signatures", body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not Signature.objects.exists()


def test_a_signature_is_made_once_per_idempotency_key(native):
    body = {"name": "Team", "content": "Hi"}
    for _ in range(2):
        response = native.post(
            "/api/v1/signatures", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="sig-1"
        )
        assert response.status_code == 201
    assert response["Idempotent-Replayed"] == "true" and Signature.objects.count() == 1
    other = native.post(
        "/api/v1/signatures", {**body, "name": "B"}, content_type=JSON, HTTP_IDEMPOTENCY_KEY="sig-1"
    )
    assert other.status_code == 422


def test_a_stale_if_match_on_a_signature_is_a_412(native, org):
    row = Signature.objects.create(organization=org, name="Team", content="x")
    url = f"/api/v1/signatures/{row.public_id}"
    etag = native.get(url)["ETag"]
    native.patch(url, {"name": "New"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert (
        native.patch(url, {"name": "Old"}, content_type=JSON, HTTP_IF_MATCH=etag).status_code == 412
    )
    assert native.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    row.refresh_from_db()
    assert row.name == "New"


def test_another_organizations_signature_is_not_found(native, other_org):
    theirs = Signature.objects.create(organization=other_org, name="Theirs", content="x")
    url = f"/api/v1/signatures/{theirs.public_id}"
    assert native.get(url).status_code == 404
    assert native.patch(url, {"name": "Mine"}, content_type=JSON).status_code == 404
    assert native.delete(url).status_code == 404
    assert native.get("/api/v1/signatures").json()["data"] == []
    assert Signature.objects.get().name == "Theirs"


def test_signatures_need_the_posts_scopes(org):
    row = Signature.objects.create(organization=org, name="Team", content="x")
    url = f"/api/v1/signatures/{row.public_id}"
    _key, raw = make_key(org, scopes=["posts:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)
    assert reader.get(url).status_code == 200
    for response in (
        reader.post("/api/v1/signatures", {"name": "A", "content": "x"}, content_type=JSON),
        reader.patch(url, {"name": "B"}, content_type=JSON),
        reader.delete(url),
    ):
        assert response.status_code == 403 and response.json()["scope"] == "posts:write"
    _key, raw = make_key(org, scopes=["channels:read"])
    assert Client(HTTP_AUTHORIZATION=raw).get("/api/v1/signatures").status_code == 403


# -- Sets ----------------------------------------------------------------------------------
def test_a_script_saves_a_set_with_public_ids_and_reads_it_back(native, channel, picture):
    channel_id, media_id = str(channel.public_id), str(picture.public_id)
    created = native.post(
        "/api/v1/sets",
        {
            "name": "Weekly news",
            "channel_ids": [channel_id],
            "items": [
                {"text": "Hello", "media_ids": [media_id]},
                {"text": "More", "delay_minutes": 5},
            ],
            "settings": {channel_id: {"visibility": "unlisted"}},
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["channel_ids"] == [channel_id]
    assert body["items"] == [
        {"text": "Hello", "media_ids": [media_id], "delay_minutes": 0},
        {"text": "More", "media_ids": [], "delay_minutes": 5},
    ]
    assert body["settings"] == {channel_id: {"visibility": "unlisted"}}
    assert created["Location"] == f"/api/v1/sets/{body['id']}"
    # Stored as the composer stores it: row ids.
    stored = PostSet.objects.get().content
    assert stored["channels"] == [channel.pk] and stored["content"][0]["media"] == [picture.pk]
    assert native.get(created["Location"]).json() == body
    assert native.get("/api/v1/sets").json()["data"] == [body]


def test_a_set_is_renamed_and_deleted_with_if_match(native, org, channel):
    row = PostSet.objects.create(
        organization=org, name="Old", content={"channels": [channel.pk], "content": []}
    )
    url = f"/api/v1/sets/{row.public_id}"
    etag = native.get(url)["ETag"]
    renamed = native.patch(url, {"name": "New"}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert renamed.status_code == 200 and renamed.json()["name"] == "New"
    assert renamed.json()["channel_ids"] == [str(channel.public_id)]
    assert (
        native.patch(url, {"name": "X"}, content_type=JSON, HTTP_IF_MATCH=etag).status_code == 412
    )
    blank = native.patch(url, {"name": " "}, content_type=JSON)
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "name"
    assert native.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert native.delete(url, HTTP_IF_MATCH=renamed["ETag"]).status_code == 204
    assert not PostSet.objects.exists()


def test_a_script_changes_what_a_set_holds_and_keeps_what_it_leaves_out(
    native, org, channel, picture
):
    channel_id, media_id = str(channel.public_id), str(picture.public_id)
    created = native.post(
        "/api/v1/sets",
        {"name": "Weekly", "channel_ids": [channel_id], "items": [{"text": "Old"}]},
        content_type=JSON,
    )
    url = created["Location"]

    changed = native.patch(
        url,
        {
            "items": [
                {"text": "New", "media_ids": [media_id]},
                {"text": "Then", "delay_minutes": 9},
            ],
            "settings": {channel_id: {"visibility": "private"}},
        },
        content_type=JSON,
        HTTP_IF_MATCH=created["ETag"],
    )

    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["name"] == "Weekly" and body["channel_ids"] == [channel_id]  # kept
    assert body["items"] == [
        {"text": "New", "media_ids": [media_id], "delay_minutes": 0},
        {"text": "Then", "media_ids": [], "delay_minutes": 9},
    ]
    assert body["settings"] == {channel_id: {"visibility": "private"}}
    assert changed["ETag"] != created["ETag"]
    stored = PostSet.objects.get().content
    assert stored["content"][0]["media"] == [picture.pk]
    # Emptied of everything, a set would hold nothing: refused, and nothing is lost.
    empty = native.patch(url, {"channel_ids": [], "items": []}, content_type=JSON)
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "items"
    assert native.get(url).json() == body


def test_a_set_cannot_be_changed_to_name_another_organizations_file(
    native, org, channel, other_org
):
    row = PostSet.objects.create(
        organization=org, name="S", content={"channels": [channel.pk], "content": []}
    )
    theirs = MediaFileFactory(organization=other_org)

    response = native.patch(
        f"/api/v1/sets/{row.public_id}",
        {"items": [{"text": "x", "media_ids": [str(theirs.public_id)]}]},
        content_type=JSON,
    )

    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "items"
    row.refresh_from_db()
    assert row.content["content"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "S"}, "items"),
        ({"name": "", "items": [{"text": "x"}]}, "name"),
        ({"name": "S", "channel_ids": ["nope"]}, "channel_ids"),
        ({"name": "S", "items": [{"text": "x", "media_ids": ["nope"]}]}, "items"),
        ({"name": "S", "items": [{"text": "x"}], "settings": {"nope": {}}}, "settings"),
        ({"name": "S", "items": [{"text": "x", "delay_minutes": -1}]}, "items.0.delay_minutes"),
    ],
)
def test_a_bad_set_is_a_400_naming_the_field(native, body, field):
    response = native.post("/api/v1/sets", body, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not PostSet.objects.exists()


def test_a_set_cannot_name_another_organizations_channel_or_file(native, other_org, other_channel):
    theirs = MediaFileFactory(organization=other_org)
    for body, field in (
        ({"name": "S", "channel_ids": [str(other_channel.public_id)]}, "channel_ids"),
        ({"name": "S", "items": [{"text": "x", "media_ids": [str(theirs.public_id)]}]}, "items"),
    ):
        response = native.post("/api/v1/sets", body, content_type=JSON)
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field
    assert not PostSet.objects.exists()


def test_another_organizations_set_is_not_found(native, other_org):
    theirs = PostSet.objects.create(organization=other_org, name="Theirs", content={})
    url = f"/api/v1/sets/{theirs.public_id}"
    assert native.get(url).status_code == 404
    assert native.patch(url, {"name": "Mine"}, content_type=JSON).status_code == 404
    assert native.delete(url).status_code == 404
    assert native.get("/api/v1/sets").json()["data"] == []


def test_a_set_is_made_once_per_idempotency_key(native):
    body = {"name": "S", "items": [{"text": "x"}]}
    for _ in range(2):
        response = native.post(
            "/api/v1/sets", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="set-1"
        )
        assert response.status_code == 201
    assert response["Idempotent-Replayed"] == "true" and PostSet.objects.count() == 1


def test_sets_need_the_posts_scopes(org):
    row = PostSet.objects.create(organization=org, name="S", content={})
    url = f"/api/v1/sets/{row.public_id}"
    _key, raw = make_key(org, scopes=["posts:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)
    assert reader.get(url).status_code == 200
    for response in (
        reader.post("/api/v1/sets", {"name": "A", "items": [{"text": "x"}]}, content_type=JSON),
        reader.patch(url, {"name": "B"}, content_type=JSON),
        reader.delete(url),
    ):
        assert response.status_code == 403 and response.json()["scope"] == "posts:write"


def test_the_set_list_reads_a_page_in_a_fixed_number_of_queries(
    native, org, channel, picture, django_assert_max_num_queries
):
    for n in range(10):
        PostSet.objects.create(
            organization=org,
            name=f"S{n}",
            content={"channels": [channel.pk], "content": [{"text": "x", "media": [picture.pk]}]},
        )
    native.get("/api/v1/sets")  # warm the key's rate window
    with django_assert_max_num_queries(9):
        body = native.get("/api/v1/sets").json()
    assert len(body["data"]) == 10
    assert all(s["channel_ids"] == [str(channel.public_id)] for s in body["data"])


def test_the_signature_list_reads_a_page_in_a_fixed_number_of_queries(
    native, org, django_assert_max_num_queries
):
    for n in range(10):
        Signature.objects.create(organization=org, name=f"S{n}", content="x")
    native.get("/api/v1/signatures")
    with django_assert_max_num_queries(7):
        assert len(native.get("/api/v1/signatures").json()["data"]) == 10
