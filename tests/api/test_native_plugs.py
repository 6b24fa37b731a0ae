"""/api/v1/channels/<id>/plugs: a channel's plugs with the API's scopes, idempotency keys
and ETags, sealed to the key's organization; and each post's plug runs in its JSON."""

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Integration
from organizations.models import AuditEvent
from posts.plugs.models import Plug, PlugRun
from posts.plugs.services import plug_create
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _url(channel, tail=""):
    return f"/api/v1/channels/{channel.public_id}/plugs{tail}"


def test_a_plug_is_created_read_and_listed(native, channel):
    response = native.post(
        _url(channel),
        {"kind": "reply", "metric": "comments", "threshold": 10, "text": "https://acme.example"},
        content_type=JSON,
        HTTP_IDEMPOTENCY_KEY="plug-1",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "reply" and body["threshold"] == 10 and body["fired"] == 0
    assert response["Location"].endswith(_url(channel, f"/{body['id']}"))
    read = native.get(_url(channel, f"/{body['id']}"))
    assert read.status_code == 200 and read.json() == body
    listed = native.get(_url(channel)).json()
    assert [row["id"] for row in listed["data"]] == [body["id"]]
    assert AuditEvent.objects.filter(action="plug.created").count() == 1


def test_the_same_idempotency_key_makes_one_plug(native, channel):
    for _ in range(2):
        response = native.post(
            _url(channel),
            {"kind": "repost", "metric": "likes", "threshold": 5},
            content_type=JSON,
            HTTP_IDEMPOTENCY_KEY="plug-twice",
        )
        assert response.status_code == 201
    assert Plug.objects.count() == 1


def test_a_kind_or_count_the_network_lacks_is_a_400_naming_the_field(native, org, channel):
    response = native.post(
        _url(channel), {"kind": "repost", "metric": "saves", "threshold": 5}, content_type=JSON
    )
    assert response.status_code == 400
    assert "metric" in response.content.decode()
    reddit = Integration.objects.create(
        organization=org, provider="reddit", external_id="r1", name="Acme on Reddit"
    )
    response = native.post(
        _url(reddit), {"kind": "repost", "metric": "likes", "threshold": 5}, content_type=JSON
    )
    assert response.status_code == 400 and "not available" in response.content.decode()
    assert not Plug.objects.exists()


def test_patch_needs_the_current_etag_and_delete_removes(native, channel):
    plug = plug_create(integration=channel, kind="repost", metric="likes", threshold=5)
    url = _url(channel, f"/{plug.public_id}")
    etag = native.get(url)["ETag"]
    assert native.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    stale = native.patch(url, {"threshold": 9}, content_type=JSON, HTTP_IF_MATCH='"old"')
    assert stale.status_code == 412
    changed = native.patch(url, {"threshold": 9}, content_type=JSON, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["threshold"] == 9
    assert changed["ETag"] != etag
    assert native.delete(url).status_code == 204
    assert not Plug.objects.exists()


def test_the_list_costs_the_same_queries_for_many_plugs(
    native, channel, django_assert_max_num_queries
):
    for threshold in range(1, 31):
        plug_create(integration=channel, kind="repost", metric="likes", threshold=threshold)
    with django_assert_max_num_queries(10):
        response = native.get(_url(channel))
    assert len(response.json()["data"]) == 30


def test_another_organizations_channel_and_plug_are_404(native, channel, other_channel):
    theirs = plug_create(integration=other_channel, kind="repost", metric="likes", threshold=5)
    assert native.get(_url(other_channel)).status_code == 404
    assert (
        native.post(
            _url(other_channel),
            {"kind": "repost", "metric": "likes", "threshold": 1},
            content_type=JSON,
        ).status_code
        == 404
    )
    assert native.get(_url(channel, f"/{theirs.public_id}")).status_code == 404
    assert native.delete(_url(other_channel, f"/{theirs.public_id}")).status_code == 404
    assert Plug.objects.filter(pk=theirs.pk).exists()


def test_a_read_only_key_is_refused_writing_plugs(org, channel):
    plug = plug_create(integration=channel, kind="repost", metric="likes", threshold=5)
    _key, raw = make_key(org, scopes=["channels:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)
    assert reader.get(_url(channel)).status_code == 200
    for response in (
        reader.post(
            _url(channel), {"kind": "repost", "metric": "likes", "threshold": 1}, content_type=JSON
        ),
        reader.patch(_url(channel, f"/{plug.public_id}"), {"threshold": 2}, content_type=JSON),
        reader.delete(_url(channel, f"/{plug.public_id}")),
    ):
        assert response.status_code == 403 and response.json()["scope"] == "channels:write"
    assert Plug.objects.count() == 1


def test_a_published_posts_json_shows_its_plug_runs(native, org, channel):
    plug = plug_create(integration=channel, kind="repost", metric="likes", threshold=5)
    now = timezone.now()
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=now,
        published_at=now,
        remote_id="101",
        remote_url="https://social.example/@acme/101",
    )
    PlugRun.objects.create(
        organization=org,
        plug=plug,
        post=post,
        kind="repost",
        metric="likes",
        threshold=5,
        value=7,
        state="done",
        fired_at=now,
        remote_id="202",
        remote_url="https://social.example/@acme/101",
    )
    body = native.get(f"/api/v1/posts/{post.public_id}").json()
    (run,) = body["plug_runs"]
    assert run["plug_id"] == str(plug.public_id)
    assert (run["kind"], run["state"], run["value"]) == ("repost", "done", 7)
    assert run["release_url"] == "https://social.example/@acme/101" and run["fired_at"]
