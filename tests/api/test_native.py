"""The native API (/api/v1): scoped keys, problem details, idempotency, ETags, cursors,
per-key rate limits, and the same organization isolation as the compatible surface."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from organizations.models import ApiIdempotencyRecord
from posts.models import Post, PostGroup, Tag, Webhook
from posts.states import State
from tests.api.helpers import make_key
from tests.media.files import png

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _group(native, channel, *, action="schedule", text="Hello", when="2030-01-15T12:00:00Z", **kw):
    headers = {k: kw.pop(k) for k in list(kw) if k.startswith("HTTP_")}
    return native.post(
        "/api/v1/groups",
        {
            "action": action,
            "publish_at": when,
            "content": [{"text": text}],
            "channels": [{"channel_id": str(channel.public_id)}],
            **kw,
        },
        content_type=JSON,
        **headers,
    )


def test_me_names_the_organization_key_and_limits(native, key):
    body = native.get("/api/v1/me").json()
    assert body["organization"]["name"] == "Acme"
    assert body["key"]["prefix"] == key[0].prefix and body["key"]["full_access"] is True
    assert body["limits"] == {"requests_per_minute": 600, "creates_per_hour": 300}


def test_missing_and_invalid_keys_are_problem_details(db):
    response = Client().get("/api/v1/me")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"}
    response = Client(HTTP_AUTHORIZATION="Bearer ptz_nope").get("/api/v1/me")
    assert response.status_code == 401 and response.json()["status"] == 401


def test_a_missing_scope_is_a_403_naming_it(org):
    _key, raw = make_key(org, scopes=["posts:read"])
    response = Client(HTTP_AUTHORIZATION=raw).get("/api/v1/channels")
    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("insufficient_scope") and body["scope"] == "channels:read"


def test_create_a_group_then_read_it_with_an_etag(native, channel):
    response = _group(native, channel)
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/v1/groups/{body['id']}"
    [post] = body["posts"]
    assert post["state"] == "scheduled" and post["publish_at"] == "2030-01-15T12:00:00.000Z"
    assert post["items"][0]["text"] == "Hello" and post["channel_id"] == str(channel.public_id)
    read = native.get(response["Location"])
    assert read.status_code == 200 and read["ETag"]
    again = native.get(response["Location"], HTTP_IF_NONE_MATCH=read["ETag"])
    assert again.status_code == 304


def test_validation_errors_list_each_field(native, channel):
    response = native.post("/api/v1/groups", {"action": "later"}, content_type=JSON)
    assert response.status_code == 400
    body = response.json()
    fields = {e["field"] for e in body["errors"]}
    assert {"action", "content", "channels"} <= fields
    assert not PostGroup.objects.exists()


def test_a_post_rule_is_reported_per_channel(native, x_channel):
    response = _group(native, x_channel, text="word " * 200)
    assert response.status_code == 400
    [error] = [e for e in response.json()["errors"] if e["field"].startswith("channels.")]
    assert str(x_channel.public_id) in error["field"]


def test_patch_a_post_with_if_match_and_stale_etag(native, channel):
    group = _group(native, channel).json()
    post_url = f"/api/v1/posts/{group['posts'][0]['id']}"
    etag = native.get(post_url)["ETag"]
    response = native.patch(
        post_url,
        {"items": [{"text": "Changed"}], "publish_at": "2030-02-01T09:00:00Z"},
        content_type=JSON,
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.content
    assert response.json()["items"][0]["text"] == "Changed"
    assert response.json()["publish_at"] == "2030-02-01T09:00:00.000Z"
    stale = native.patch(
        post_url, {"items": [{"text": "Again"}]}, content_type=JSON, HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert Post.objects.get().items.get(position=0).content == "Changed"


def test_if_match_can_be_required(native, channel, settings):
    settings.API_REQUIRE_IF_MATCH = True
    group = _group(native, channel).json()
    response = native.patch(
        f"/api/v1/posts/{group['posts'][0]['id']}", {"settings": {}}, content_type=JSON
    )
    assert response.status_code == 428


def test_patch_while_publishing_or_published_is_a_conflict(native, channel):
    group = _group(native, channel).json()
    url = f"/api/v1/posts/{group['posts'][0]['id']}"
    Post.objects.update(state=State.PUBLISHING)
    assert native.patch(url, {"settings": {}}, content_type=JSON).status_code == 409
    Post.objects.update(state=State.PUBLISHED)
    assert native.patch(url, {"settings": {}}, content_type=JSON).status_code == 409


def test_delete_is_real_and_a_repeat_is_404(native, channel):
    group = _group(native, channel).json()
    url = f"/api/v1/posts/{group['posts'][0]['id']}"
    assert native.delete(url).status_code == 204
    assert Post.objects.get().state == State.CANCELLED
    assert native.delete(url).status_code == 404


def test_group_delete_cancels_all_of_it(native, channel, x_channel):
    response = native.post(
        "/api/v1/groups",
        {
            "action": "draft",
            "content": [{"text": "hi"}],
            "channels": [
                {"channel_id": str(channel.public_id)},
                {"channel_id": str(x_channel.public_id)},
            ],
        },
        content_type=JSON,
    )
    url = response["Location"]
    assert native.delete(url).status_code == 204
    assert set(Post.objects.values_list("state", flat=True)) == {State.CANCELLED}
    assert native.delete(url).status_code == 404


def test_same_idempotency_key_and_body_replays_without_a_second_create(native, channel):
    first = _group(native, channel, HTTP_IDEMPOTENCY_KEY="abc-1")
    second = _group(native, channel, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert PostGroup.objects.count() == 1


def test_same_idempotency_key_with_another_body_is_a_422(native, channel):
    _group(native, channel, HTTP_IDEMPOTENCY_KEY="abc-2")
    other = _group(native, channel, text="Other", HTTP_IDEMPOTENCY_KEY="abc-2")
    assert other.status_code == 422
    assert PostGroup.objects.count() == 1


def test_a_refused_request_does_not_burn_the_idempotency_key_on_5xx_only(native, channel):
    bad = _group(native, channel, text="", HTTP_IDEMPOTENCY_KEY="abc-3")
    assert bad.status_code == 400
    replay = _group(native, channel, text="", HTTP_IDEMPOTENCY_KEY="abc-3")
    assert replay.status_code == 400 and replay["Idempotent-Replayed"] == "true"
    assert ApiIdempotencyRecord.objects.filter(key="abc-3", status=400).exists()


def test_compat_post_honours_idempotency_keys_too(api, channel):
    body = {
        "type": "draft",
        "date": "2030-01-01",
        "posts": [{"integration": {"id": str(channel.public_id)}, "value": [{"content": "hi"}]}],
    }
    first = api.post("/public/v1/posts", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="k1")
    second = api.post("/public/v1/posts", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json() == second.json() and PostGroup.objects.count() == 1
    body["type"] = "schedule"
    third = api.post("/public/v1/posts", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY="k1")
    assert third.status_code == 422
    assert third.json() == {"msg": "Idempotency-Key was used with a different request body"}


def test_posts_are_listed_with_a_cursor_bound_to_filters(
    native, channel, django_assert_max_num_queries
):
    for day in range(1, 8):
        _group(native, channel, when=f"2030-01-{day:02d}T10:00:00Z")
    seen = []
    url = "/api/v1/posts?limit=3&state=scheduled"
    while url:
        with django_assert_max_num_queries(9):
            body = native.get(url).json()
        seen += [p["publish_at"][:10] for p in body["data"]]
        url = (
            f"/api/v1/posts?limit=3&state=scheduled&cursor={body['next_cursor']}"
            if body["next_cursor"]
            else None
        )
        if body["next_cursor"]:
            cursor = body["next_cursor"]
    assert seen == [f"2030-01-{d:02d}" for d in range(1, 8)]
    wrong = native.get(f"/api/v1/posts?limit=3&cursor={cursor}")
    assert wrong.status_code == 400
    assert native.get("/api/v1/posts?limit=500").status_code == 400


def test_every_response_carries_rate_limit_headers_and_429_has_retry_after(org):
    key, raw = make_key(org)
    key.request_rate = 2
    key.save()
    client = Client(HTTP_AUTHORIZATION=raw)
    first = client.get("/api/v1/me")
    assert first["X-RateLimit-Limit"] == "2" and first["X-RateLimit-Remaining"] == "1"
    assert int(first["X-RateLimit-Reset"]) <= 60
    client.get("/api/v1/me")
    limited = client.get("/api/v1/me")
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1


def test_compat_post_creation_is_limited_per_organization(org, channel, settings):
    settings.COMPAT_POST_RATE_LIMIT = 2
    _k1, raw1 = make_key(org, name="one")
    _k2, raw2 = make_key(org, name="two")
    body = {
        "type": "draft",
        "date": "2030-01-01",
        "posts": [{"integration": {"id": str(channel.public_id)}, "value": [{"content": "hi"}]}],
    }
    first = Client(HTTP_AUTHORIZATION=raw1).post("/public/v1/posts", body, content_type=JSON)
    assert first["X-RateLimit-Limit"] == "2" and first["X-RateLimit-Remaining"] == "1"
    Client(HTTP_AUTHORIZATION=raw2).post("/public/v1/posts", body, content_type=JSON)
    third = Client(HTTP_AUTHORIZATION=raw1).post("/public/v1/posts", body, content_type=JSON)
    assert third.status_code == 429
    assert third.json() == {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"}
    assert int(third["Retry-After"]) >= 1
    assert PostGroup.objects.count() == 2
    # Reads are not throttled.
    assert Client(HTTP_AUTHORIZATION=raw1).get("/public/v1/is-connected").status_code == 200


def test_tags_crud_with_a_clash_as_409(native):
    created = native.post("/api/v1/tags", {"name": "Launch"}, content_type=JSON)
    assert created.status_code == 201
    clash = native.post("/api/v1/tags", {"name": "launch"}, content_type=JSON)
    assert clash.status_code == 409
    url = created["Location"]
    patched = native.patch(url, {"color": "#000000"}, content_type=JSON).json()
    assert patched["color"] == "#000000"
    assert patched["updated_at"] >= patched["created_at"] == created.json()["created_at"]
    assert native.delete(url).status_code == 204
    assert not Tag.objects.exists()


def test_media_upload_list_and_delete(native):
    from django.core.files.uploadedfile import SimpleUploadedFile

    created = native.post("/api/v1/media", {"file": SimpleUploadedFile("a.png", png())})
    assert created.status_code == 201, created.content
    assert created.json()["kind"] == "image"
    listed = native.get("/api/v1/media").json()
    assert [m["id"] for m in listed["data"]] == [created.json()["id"]]
    assert native.delete(created["Location"]).status_code == 204
    assert native.get(created["Location"]).status_code == 404


def test_webhook_create_shows_the_secret_once(native, httpserver):
    response = native.post(
        "/api/v1/webhooks",
        {"name": "Relay", "url": httpserver.url_for("/hook"), "events": ["post.published"]},
        content_type=JSON,
    )
    assert response.status_code == 201, response.content
    assert response.json()["secret"]
    read = native.get(response["Location"]).json()
    assert "secret" not in read and read["events"] == ["post.published"]
    rotated = native.post(f"{response['Location']}/rotate-secret")
    assert rotated.status_code == 201 and rotated.json()["secret"] != response.json()["secret"]
    assert native.delete(response["Location"]).status_code == 204
    assert not Webhook.objects.exists()


def test_analytics_answer_without_counts_yet(native, channel):
    group = _group(native, channel).json()
    assert native.get(f"/api/v1/analytics/channels/{channel.public_id}").json() == {
        "supported": True,
        "analytics": "both",
        "needs_reconnect": False,
        "message": "",
        "data": [],
        "next_cursor": None,
    }
    assert native.get(f"/api/v1/analytics/posts/{group['posts'][0]['id']}").status_code == 200


def test_another_organizations_ids_are_404_everywhere(native, other_org, other_channel):
    other = Client(HTTP_AUTHORIZATION=make_key(other_org)[1])
    group = _group(other, other_channel).json()
    tag = other.post("/api/v1/tags", {"name": "theirs"}, content_type=JSON)["Location"]
    post_id = group["posts"][0]["id"]
    urls = [
        f"/api/v1/channels/{other_channel.public_id}",
        f"/api/v1/channels/{other_channel.public_id}/next-slot",
        f"/api/v1/channels/{other_channel.public_id}/settings-schema",
        f"/api/v1/groups/{group['id']}",
        f"/api/v1/posts/{post_id}",
        tag,
        f"/api/v1/analytics/channels/{other_channel.public_id}",
        f"/api/v1/analytics/posts/{post_id}",
        f"/api/v1/media/{uuid.uuid4()}",
    ]
    for url in urls:
        assert native.get(url).status_code == 404, url
    assert native.delete(f"/api/v1/posts/{post_id}").status_code == 404
    assert native.patch(f"/api/v1/groups/{group['id']}", {}, content_type=JSON).status_code == 404
    assert Post.objects.get().state == State.SCHEDULED
    assert native.get("/api/v1/posts").json()["data"] == []
    response = _group(native, other_channel)
    assert response.status_code == 400
    assert not PostGroup.objects.filter(organization__slug="acme").exists()


def test_no_trailing_slash_redirect_and_no_csrf(key, channel):
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=key[1])
    response = client.post("/api/v1/tags/", {"name": "x"}, content_type=JSON)
    assert response.status_code == 201


def test_created_at_is_rfc3339_utc(native, channel):
    body = _group(native, channel).json()
    assert body["created_at"].endswith("Z")
    assert timezone.now().year <= int(body["created_at"][:4])


def test_housekeeping_forgets_old_idempotency_answers_and_rate_windows(native, channel):
    from datetime import timedelta

    from organizations.models import ApiRateCounter
    from postiz.tasks import api_housekeeping

    _group(native, channel, HTTP_IDEMPOTENCY_KEY="old")
    _group(native, channel, HTTP_IDEMPOTENCY_KEY="new")
    ApiIdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    ApiRateCounter.objects.create(
        bucket="key-req:0", window_start=timezone.now() - timedelta(days=2), count=5
    )
    api_housekeeping()
    assert list(ApiIdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert not ApiRateCounter.objects.filter(bucket="key-req:0").exists()
    # The forgotten key may be used again: a new group is made.
    _group(native, channel, HTTP_IDEMPOTENCY_KEY="old")
    assert PostGroup.objects.count() == 3


def test_a_listed_post_reads_exactly_as_its_own_page(native, channel):
    from django.core.files.uploadedfile import SimpleUploadedFile

    images = [
        native.post("/api/v1/media", {"file": SimpleUploadedFile(f"{n}.png", png())}).json()["id"]
        for n in range(2)
    ]
    created = native.post(
        "/api/v1/groups",
        {
            "action": "schedule",
            "publish_at": "2030-01-15T12:00:00.123456Z",
            "content": [
                {"text": "First", "media_ids": [images[1], images[0]]},
                {"text": "Then", "delay_minutes": 5},
            ],
            "channels": [
                {"channel_id": str(channel.public_id), "settings": {"visibility": "public"}}
            ],
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    post = Post.objects.get(group__public_id=created.json()["id"])
    Post.objects.filter(pk=post.pk).update(error_kind="network", error_message="Timed out")
    [listed] = native.get("/api/v1/posts").json()["data"]
    assert listed == native.get(f"/api/v1/posts/{post.public_id}").json()
    assert listed["publish_at"] == "2030-01-15T12:00:00.123Z"
    assert [i["media_ids"] for i in listed["items"]] == [[images[1], images[0]], []]
    assert listed["settings"]["visibility"] == "public"
    assert listed["error"] == {"kind": "network", "message": "Timed out"}


def test_a_cursor_keeps_microseconds_so_no_post_is_skipped_or_repeated(native, channel):
    for n in range(5):
        _group(native, channel, text=f"p{n}")
    base = timezone.now().replace(microsecond=0) + timedelta(days=3)
    # Three posts inside the same millisecond, two others at its edges.
    for post, micros in zip(Post.objects.order_by("pk"), (999, 100, 500, 0, 1000), strict=True):
        Post.objects.filter(pk=post.pk).update(publish_at=base + timedelta(microseconds=micros))
    seen, url = [], "/api/v1/posts?limit=2"
    while url:
        body = native.get(url).json()
        seen += [p["id"] for p in body["data"]]
        url = f"/api/v1/posts?limit=2&cursor={body['next_cursor']}" if body["next_cursor"] else None
    expected = Post.objects.order_by("publish_at", "pk").values_list("public_id", flat=True)
    assert seen == [str(p) for p in expected]
