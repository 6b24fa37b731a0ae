"""The native API's feeds: create, list, read with an ETag, update with If-Match,
fetch now, delete; idempotent creation; scopes; other organizations' feeds are 404."""

import pytest
from django.test import Client

from organizations.models import AuditEvent
from posts.feeds.models import Feed
from posts.models import PostGroup
from tests.api.helpers import make_key
from tests.posts.feeds.conftest import serve

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _create(native, channel, url, **extra):
    body = {"name": "Northwind blog", "url": url, "channel_ids": [str(channel.public_id)]}
    headers = {k: extra.pop(k) for k in list(extra) if k.startswith("HTTP_")}
    return native.post("/api/v1/feeds", {**body, **extra}, content_type=JSON, **headers)


def test_a_feed_is_created_read_updated_and_deleted(native, channel, httpserver):
    url = serve(httpserver, "/feed/", "rss2.xml")

    created = _create(native, channel, url, template="{title} {link}", mode="now")

    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == f"/api/v1/feeds/{body['id']}"
    assert body["channel_ids"] == [str(channel.public_id)]
    assert (body["state"], body["mode"], body["backlog"]) == ("active", "now", "drafts")
    read = native.get(created["Location"])
    assert read.status_code == 200
    assert native.get(created["Location"], HTTP_IF_NONE_MATCH=read["ETag"]).status_code == 304
    stale = native.patch(
        created["Location"], {"name": "x"}, content_type=JSON, HTTP_IF_MATCH='"old"'
    )
    assert stale.status_code == 412
    changed = native.patch(
        created["Location"],
        {"name": "Roastery news", "channel_templates": {str(channel.public_id): "☕ {title}"}},
        content_type=JSON,
        HTTP_IF_MATCH=read["ETag"],
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["name"] == "Roastery news"
    assert changed.json()["channel_templates"] == {str(channel.public_id): "☕ {title}"}
    assert changed.json()["url"] == url
    assert native.delete(created["Location"]).status_code == 204
    assert not Feed.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"feed.created", "feed.updated", "feed.deleted"} <= actions


def test_creating_twice_with_one_idempotency_key_makes_one_feed(native, channel):
    first = _create(native, channel, "https://blog.example/feed/", HTTP_IDEMPOTENCY_KEY="k-1")
    again = _create(native, channel, "https://blog.example/feed/", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Feed.objects.count() == 1


def test_an_unknown_placeholder_is_a_400_naming_it(native, channel):
    response = _create(native, channel, "https://blog.example/feed/", template="{title} {body}")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "template"
    assert error["message"].startswith("{body} is not a placeholder we know.")


def test_a_private_address_is_refused(native, channel, settings):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False

    response = _create(native, channel, "http://127.0.0.1:8000/feed")

    assert response.status_code == 400
    assert "private or local address" in response.json()["errors"][0]["message"]


def test_the_plan_limit_is_a_402(native, channel, settings):
    from billing.models import Plan

    settings.STRIPE_SECRET_KEY = "sk_test_limits"
    Plan.objects.filter(is_free=True).update(rss_feeds=0, channels=None, api_access=True)

    response = _create(native, channel, "https://blog.example/feed/")

    assert response.status_code == 402
    assert "maximum number of RSS feeds" in response.json()["detail"]


def test_fetch_now_reads_the_feed_in_the_worker(
    native, channel, httpserver, django_capture_on_commit_callbacks
):
    url = serve(httpserver, "/feed/", "rss2.xml")
    created = _create(native, channel, url, backlog="skip").json()

    with django_capture_on_commit_callbacks(execute=True):
        response = native.post(f"/api/v1/feeds/{created['id']}/fetch")

    assert response.status_code == 202
    assert response.json()["fetching"] is True
    after = native.get(f"/api/v1/feeds/{created['id']}").json()
    assert after["fetching"] is False
    assert after["last_result"]["skipped"] == 3
    assert not PostGroup.objects.exists()


def test_a_paused_feed_is_resumed_not_fetched(native, channel):
    created = _create(native, channel, "https://blog.example/feed/").json()
    Feed.objects.update(state="paused", consecutive_failures=5)

    refused = native.post(f"/api/v1/feeds/{created['id']}/fetch")
    resumed = native.post(f"/api/v1/feeds/{created['id']}/resume")

    assert refused.status_code == 409
    assert "Resume it" in refused.json()["detail"]
    assert resumed.status_code == 200
    assert (resumed.json()["state"], resumed.json()["consecutive_failures"]) == ("active", 0)


def test_the_list_is_a_cursor_page_in_a_fixed_number_of_queries(
    native, channel, django_assert_max_num_queries
):
    for n in range(4):
        _create(native, channel, f"https://blog{n}.example/feed/")

    with django_assert_max_num_queries(12):
        first = native.get("/api/v1/feeds?limit=3").json()
    rest = native.get(f"/api/v1/feeds?limit=3&cursor={first['next_cursor']}").json()

    assert len(first["data"]) == 3 and len(rest["data"]) == 1
    assert rest["next_cursor"] is None


def test_another_organizations_feed_is_404_and_its_channels_are_refused(
    native, channel, other_org, other_channel
):
    other = Client(HTTP_AUTHORIZATION=make_key(other_org)[1])
    theirs = _create(other, other_channel, "https://theirs.example/feed/").json()

    for method, path in [
        ("get", f"/api/v1/feeds/{theirs['id']}"),
        ("patch", f"/api/v1/feeds/{theirs['id']}"),
        ("delete", f"/api/v1/feeds/{theirs['id']}"),
        ("post", f"/api/v1/feeds/{theirs['id']}/fetch"),
        ("post", f"/api/v1/feeds/{theirs['id']}/resume"),
    ]:
        assert getattr(native, method)(path, {}, content_type=JSON).status_code == 404, path
    assert native.get("/api/v1/feeds").json()["data"] == []
    mixed = _create(native, other_channel, "https://blog.example/feed/")
    assert mixed.status_code == 400
    assert Feed.objects.filter(organization=channel.organization).count() == 0


def test_a_key_without_the_posts_scopes_is_403(org, channel):
    _key, raw = make_key(org, scopes=["posts:read"])
    reader = Client(HTTP_AUTHORIZATION=raw)

    assert reader.get("/api/v1/feeds").status_code == 200
    refused = _create(reader, channel, "https://blog.example/feed/")
    assert refused.status_code == 403
    assert refused.json()["scope"] == "posts:write"
    _key, raw = make_key(org, scopes=["media:read"])
    assert Client(HTTP_AUTHORIZATION=raw).get("/api/v1/feeds").status_code == 403
