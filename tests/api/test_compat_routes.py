"""Each compatible route answers the exact shapes existing Postiz clients read (spec 2.7)."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Integration
from organizations.models import Organization
from postiz.api import iso_ms
from posts.models import Notification, Post, PostGroup, Tag
from posts.states import State
from tests.api.helpers import make_key
from tests.media.files import jpeg, png

pytestmark = pytest.mark.django_db

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _create(api, channel, *, kind="schedule", date="2030-01-15T12:00:00Z", values=None, **extra):
    body = {
        "type": kind,
        "date": date,
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "value": values or [{"content": "<p>Hello world</p>"}],
                "settings": {"__type": "wrong"},
            }
        ],
        **extra,
    }
    return api.post("/public/v1/posts", body, content_type="application/json")


def test_integrations_lists_channels_with_string_ids_and_customer(api, channel, customer):
    Integration.objects.create(
        organization=channel.organization,
        provider="telegram",
        external_id="-1",
        name="Zed",
        status=Integration.Status.DISABLED,
        credentials={"bot_token": "1:x"},
    )
    body = api.get("/public/v1/integrations").json()
    assert [row["name"] for row in body] == ["Acme on Mastodon", "Zed"]
    first = body[0]
    assert first["id"] == str(channel.public_id)
    assert first["identifier"] == "mastodon"
    assert first["disabled"] is False and body[1]["disabled"] is True
    assert first["picture"] is None and first["profile"] == "@acme@social.example"
    assert first["customer"] == {"id": str(customer.public_id), "name": "Big client"}
    assert "customer" not in body[1]
    assert "credentials" not in first and "access_token" not in str(body)


def test_integrations_filter_by_customer(api, channel, customer):
    assert len(api.get(f"/public/v1/integrations?group={customer.public_id}").json()) == 1
    unknown = api.get(f"/public/v1/integrations?group={uuid.uuid4()}")
    assert unknown.status_code == 404 and unknown.json() == {"msg": "Customer not found"}


def test_groups_lists_customers(api, customer):
    assert api.get("/public/v1/groups").json() == [
        {"id": str(customer.public_id), "name": "Big client"}
    ]


def test_deleting_a_channel_answers_it_with_deleted_at_and_cancels_its_posts(api, channel):
    _create(api, channel)
    response = api.delete(f"/public/v1/integrations/{channel.public_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(channel.public_id) and TS.match(body["deletedAt"])
    assert Post.objects.get().state == State.CANCELLED
    assert api.delete(f"/public/v1/integrations/{channel.public_id}").json() == {
        "msg": "Integration not found"
    }


def test_social_connect_says_why_not_when_it_cannot_give_an_address(api):
    # The addresses themselves: tests/api/test_social_connect.py.
    assert api.get("/public/v1/social/myspace").json() == {"msg": "Integration not allowed"}
    assert api.get("/public/v1/social/telegram").json() == {
        "msg": "This integration cannot be connected through the public API"
    }


def test_integration_settings_publish_a_json_schema(api, x_channel, channel):
    body = api.get(f"/public/v1/integration-settings/{x_channel.public_id}").json()["output"]
    assert isinstance(body["rules"], str) and body["maxLength"] == 280
    assert body["settings"]["properties"]["who_can_reply_post"]["enum"]
    assert [tool["methodName"] for tool in body["tools"]] == ["lists", "communities"]
    plain = api.get(f"/public/v1/integration-settings/{channel.public_id}").json()["output"]
    assert isinstance(plain["settings"], (dict, str))


def test_integration_trigger_without_tools_says_tool_not_found(api, channel):
    response = api.post(
        f"/public/v1/integration-trigger/{channel.public_id}",
        {"methodName": "boards"},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json() == {"msg": "Tool not found"}


def test_find_slot_returns_the_next_posting_time_in_utc(api, channel):
    response = api.get(f"/public/v1/find-slot/{channel.public_id}")
    assert response.status_code == 200
    date = response.json()["date"]
    assert TS.match(date)
    assert date[11:16] in {"08:00", "07:00", "16:00", "15:00"}  # 09:00/17:00 in Paris


def test_schedule_with_a_reply_creates_a_queued_post(api, channel):
    response = _create(
        api,
        channel,
        values=[{"content": "<p>Root</p>"}, {"content": "reply", "delay": 5}],
    )
    assert response.status_code == 201, response.content
    [row] = response.json()
    post = Post.objects.get()
    assert row == {
        "postId": str(post.public_id),
        "integration": str(channel.public_id),
        "group": str(post.group.public_id),
        "status": "QUEUE",
    }
    assert post.state == State.SCHEDULED
    assert post.settings["__type"] == "mastodon"
    assert [i.content for i in post.items.order_by("position")] == ["Root", "reply"]
    assert post.items.get(position=1).delay_minutes == 5
    assert post.group.creation_method == "api"


def test_draft_and_now_are_created_in_their_states(api, channel):
    assert _create(api, channel, kind="draft").status_code == 201
    assert _create(api, channel, kind="now", date=None).status_code == 201
    states = sorted(Post.objects.values_list("state", flat=True))
    assert states == [State.DRAFT, State.SCHEDULED]


def test_x_posts_get_the_reply_setting_default(api, x_channel):
    response = _create(api, x_channel, values=[{"content": "short"}])
    assert response.status_code == 201, response.content
    assert Post.objects.get().settings["who_can_reply_post"] == "everyone"


def test_an_item_without_an_integration_id_is_refused_first(api):
    response = api.post(
        "/public/v1/posts",
        {"type": "draft", "posts": [{"value": []}]},
        content_type="application/json",
    )
    assert response.json() == {"msg": "All posts must have an integration id"}


def test_wrong_types_are_a_validation_shape_and_nothing_is_saved(api, channel):
    response = api.post(
        "/public/v1/posts",
        {
            "type": "sometime",
            "date": 12,
            "posts": [{"integration": {"id": str(channel.public_id)}, "value": "hi"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "Bad Request" and len(body["message"]) == 3
    assert not PostGroup.objects.exists()


def test_unknown_fields_are_ignored(api, channel):
    response = _create(api, channel, kind="draft", integrations=["x"], whatever={"a": 1})
    assert response.status_code == 201


def test_an_empty_post_gets_the_post_rule_shape(api, channel):
    response = _create(api, channel, kind="draft", values=[{"content": "<p></p>"}])
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "provider": "mastodon",
        "name": "Acme on Mastodon",
        "message": "Your post should have at least one character or one image.",
    }


def test_a_too_long_post_gets_the_post_rule_shape(api, x_channel):
    response = _create(api, x_channel, values=[{"content": "word " * 200}])
    assert response.status_code == 400
    body = response.json()
    assert body["provider"] == "x" and body["name"] == "Acme on X" and body["message"]
    assert not Post.objects.exists()


def test_another_organizations_channel_in_a_body_is_not_found(api, other_channel):
    response = _create(api, other_channel)
    assert response.status_code == 400
    assert response.json() == {"msg": f"Integration with id {other_channel.public_id} not found"}


def test_external_media_is_refused(api, channel):
    response = _create(
        api, channel, values=[{"content": "x", "image": [{"id": "a", "path": "https://e.x/a.png"}]}]
    )
    assert response.json() == {"msg": "All media must be uploaded through the upload route"}


def test_tags_are_matched_by_label_ignoring_case(api, channel, org):
    tag = Tag.objects.create(organization=org, name="Launch")
    _create(api, channel, tags=[{"value": "x", "label": "launch"}, {"value": "y", "label": "no"}])
    assert list(PostGroup.objects.get().tags.all()) == [tag]


def test_update_edits_the_group_in_place(api, channel):
    created = _create(api, channel).json()[0]
    response = _create(
        api,
        channel,
        kind="update",
        date="2030-02-01T08:00:00Z",
        values=[{"content": "changed", "id": created["postId"]}],
    )
    assert response.status_code == 201, response.content
    assert response.json()[0]["group"] == created["group"]
    post = Post.objects.get()
    assert post.items.get(position=0).content == "changed"
    assert post.publish_at.isoformat() == "2030-02-01T08:00:00+00:00"


def test_update_without_group_or_id_says_what_is_needed(api, channel):
    response = _create(api, channel, kind="update")
    assert response.json() == {"msg": "update requires an existing group or post id"}


def test_list_returns_posts_in_range_wrapped_with_exact_shape(api, channel, org):
    Tag.objects.create(organization=org, name="Launch", color="#112233")
    _create(api, channel, tags=[{"value": "1", "label": "Launch"}])
    _create(api, channel, date="2031-01-01T00:00:00Z")
    response = api.get(
        "/public/v1/posts?startDate=2030-01-01T00:00:00Z&endDate=2030-12-31T00:00:00.000Z"
    )
    assert response.status_code == 200
    [post] = response.json()["posts"]
    assert set(post) >= {
        "id",
        "group",
        "content",
        "publishDate",
        "state",
        "releaseId",
        "releaseURL",
        "intervalInDays",
        "creationMethod",
        "settings",
        "tags",
        "integration",
    }
    assert post["content"] == "Hello world" and post["state"] == "QUEUE"
    assert post["publishDate"] == "2030-01-15T12:00:00.000Z"
    assert post["releaseId"] is None and post["intervalInDays"] is None
    assert post["creationMethod"] == "API"
    assert isinstance(post["settings"], str)
    assert json.loads(post["settings"])["__type"] == "mastodon"
    tag = post["tags"][0]["tag"]
    assert tag["name"] == "Launch" and tag["color"] == "#112233" and tag["deletedAt"] is None
    assert TS.match(tag["createdAt"]) and TS.match(tag["updatedAt"])  # never null
    launch = Tag.objects.get(name="Launch")
    assert tag["createdAt"] == iso_ms(launch.created_at)
    assert tag["updatedAt"] == iso_ms(launch.updated_at)
    assert post["integration"] == {
        "id": str(channel.public_id),
        "providerIdentifier": "mastodon",
        "name": "Acme on Mastodon",
        "picture": None,
    }


def test_list_needs_both_dates(api):
    response = api.get("/public/v1/posts?startDate=2030-01-01")
    assert response.status_code == 400
    assert response.json()["message"] == ["endDate must be a valid ISO 8601 date string"]


def test_a_repeating_post_appears_once_per_occurrence(api, channel):
    _create(api, channel, inter=7)
    body = api.get("/public/v1/posts?startDate=2030-01-01&endDate=2030-02-01").json()["posts"]
    assert [p["publishDate"][:10] for p in body] == [
        "2030-01-15",
        "2030-01-22",
        "2030-01-29",
    ]
    assert all(p["actualDate"] == "2030-01-15T12:00:00.000Z" for p in body)
    assert body[0]["intervalInDays"] == 7


def test_listed_dates_are_utc_milliseconds_cut_not_rounded(api, channel):
    _create(api, channel, date="2030-01-15T12:00:00Z")
    Post.objects.update(publish_at=datetime(2030, 1, 15, 11, 59, 59, 999999, tzinfo=UTC))
    [post] = api.get("/public/v1/posts?startDate=2030-01-15&endDate=2030-01-16").json()["posts"]
    assert post["publishDate"] == "2030-01-15T11:59:59.999Z"


def test_occurrences_of_a_repeating_post_are_listed_in_date_order_among_others(api, channel):
    _create(api, channel, date="2030-01-02T09:00:00Z", inter=2)
    _create(api, channel, date="2030-01-03T09:00:00Z")
    _create(api, channel, date="2030-01-05T09:00:00Z")
    body = api.get("/public/v1/posts?startDate=2030-01-01&endDate=2030-01-07").json()["posts"]
    assert [p["publishDate"][:10] for p in body] == [
        "2030-01-02",
        "2030-01-03",
        "2030-01-04",
        "2030-01-05",
        "2030-01-06",
    ]
    assert sum("actualDate" in p for p in body) == 3


def test_list_query_count_does_not_grow_with_posts(api, channel, django_assert_max_num_queries):
    for n in range(12):
        _create(api, channel, date=f"2030-01-{n + 1:02d}T10:00:00Z")
    with django_assert_max_num_queries(7):
        body = api.get("/public/v1/posts?startDate=2030-01-01&endDate=2030-02-01").json()
    assert len(body["posts"]) == 12


def test_delete_removes_the_whole_group_honestly(api, channel):
    row = _create(api, channel).json()[0]
    response = api.delete(f"/public/v1/posts/{row['postId']}")
    assert response.status_code == 200
    assert response.json() == {"deleted": True, "id": row["postId"], "group": row["group"]}
    assert Post.objects.get().state == State.CANCELLED
    again = api.delete(f"/public/v1/posts/{row['postId']}")
    assert again.status_code == 404 and again.json() == {"msg": "Post not found"}


def test_delete_while_publishing_is_a_conflict(api, channel):
    row = _create(api, channel).json()[0]
    Post.objects.update(state=State.PUBLISHING)
    response = api.delete(f"/public/v1/posts/{row['postId']}")
    assert response.status_code == 409 and response.json() == {"msg": "Post is being published"}


def test_delete_group_counts_its_posts(api, channel):
    row = _create(api, channel).json()[0]
    response = api.delete(f"/public/v1/posts/group/{row['group']}")
    assert response.json() == {"deleted": True, "group": row["group"], "count": 1}
    assert api.delete(f"/public/v1/posts/group/{row['group']}").json() == {"msg": "Group not found"}


def test_status_moves_a_post_between_draft_and_queue(api, channel):
    row = _create(api, channel).json()[0]
    url = f"/public/v1/posts/{row['postId']}/status"
    response = api.put(url, {"status": "draft"}, content_type="application/json")
    assert response.json() == {"id": row["postId"], "state": "DRAFT"}
    response = api.put(url, {"status": "schedule"}, content_type="application/json")
    assert response.json() == {"id": row["postId"], "state": "QUEUE"}
    Post.objects.update(state=State.PUBLISHED)
    response = api.put(url, {"status": "draft"}, content_type="application/json")
    assert response.json() == {"msg": "Published posts cannot change status"}


def test_settings_are_merged_and_validated(api, x_channel):
    row = _create(api, x_channel, values=[{"content": "short"}]).json()[0]
    url = f"/public/v1/posts/{row['postId']}/settings"
    response = api.put(url, {"settings": {"made_with_ai": True}}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"postId": row["postId"], "publishDate": "2030-01-15T12:00:00.000Z"}
    settings = Post.objects.get().settings
    assert settings["made_with_ai"] is True and settings["who_can_reply_post"] == "everyone"
    bad = api.put(
        url, {"settings": {"who_can_reply_post": "nobody"}}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["msg"].startswith("Acme on X: ")


def test_missing_release_lookup_and_analytics_answer_empty(api, channel):
    row = _create(api, channel).json()[0]
    assert api.get(f"/public/v1/posts/{row['postId']}/missing").json() == []
    assert api.get(f"/public/v1/analytics/{channel.public_id}?date=30").json() == []
    assert api.get(f"/public/v1/analytics/post/{row['postId']}").json() == []
    Post.objects.update(state=State.PUBLISHED, remote_id="missing")
    assert api.get(f"/public/v1/analytics/post/{row['postId']}").json() == {"missing": True}


def test_release_id_only_for_posts_waiting_for_one(api, channel):
    row = _create(api, channel).json()[0]
    response = api.put(
        f"/public/v1/posts/{row['postId']}/release-id",
        {"releaseId": "123"},
        content_type="application/json",
    )
    assert response.json() == {"msg": "This post is not waiting for a release id"}


def test_notifications_are_paged_newest_first_with_every_key(api, org, owner):
    for n in range(3):
        Notification.objects.create(
            organization=org,
            user=owner,
            kind="info",
            title=f"Note {n}",
            created_at=timezone.now() + timedelta(seconds=n),
        )
    body = api.get("/public/v1/notifications").json()
    assert set(body) == {"notifications", "total", "page", "limit", "hasMore"}
    assert body["total"] == 3 and body["limit"] == 100 and body["hasMore"] is False
    assert [n["content"] for n in body["notifications"]] == ["Note 2", "Note 1", "Note 0"]
    assert TS.match(body["notifications"][0]["createdAt"])


def test_upload_stores_a_sniffed_image(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post(
        "/public/v1/upload", {"file": SimpleUploadedFile("png", png(), "application/octet-stream")}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "image" and body["originalName"] == "png"
    assert body["path"].startswith("http") and body["fileSize"] > 0
    assert TS.match(body["createdAt"])
    assert body["organizationId"] == str(Organization.objects.get(slug="acme").public_id)


def test_upload_reads_mislabelled_multipart(api):
    boundary = "----abc123"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"'
        f"\r\n\r\n".encode()
        + jpeg()
        + f"\r\n--{boundary}--".encode()
    )
    response = api.post("/public/v1/upload", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["originalName"] == "a.jpg"


def test_upload_refuses_a_disguised_file_and_an_empty_request(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    html = SimpleUploadedFile("cat.png", b"<html><script>x</script></html>", "image/png")
    response = api.post("/public/v1/upload", {"file": html})
    assert response.status_code == 400 and response.json() == {"msg": "Unsupported file type."}
    response = api.post("/public/v1/upload", {})
    assert response.json() == {"msg": "No file provided"}


def test_upload_from_url_refuses_blocked_addresses_without_saying_why(api, settings):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    response = api.post(
        "/public/v1/upload-from-url",
        {"url": "http://127.0.0.1:1/a.png"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json() == {"msg": "Failed to fetch URL"}
    response = api.post("/public/v1/upload-from-url", {"url": 5}, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"] == "Bad Request"


def test_upload_from_url_fetches_a_file(api, httpserver, settings):
    httpserver.expect_request("/pic").respond_with_data(png(), content_type="text/plain")
    response = api.post(
        "/public/v1/upload-from-url",
        {"url": httpserver.url_for("/pic")},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["type"] == "image"


# -- Tenancy: another organization's ids behave like unknown ones -----------------------
def test_every_route_with_another_organizations_id_is_a_404(api, other_org, other_channel):
    _other_key, other_raw = make_key(other_org)
    other = Client(HTTP_AUTHORIZATION=other_raw)
    row = _create(other, other_channel).json()[0]
    c, p, g = other_channel.public_id, row["postId"], row["group"]
    checks = [
        ("delete", f"/public/v1/integrations/{c}", None, "Integration not found"),
        ("get", f"/public/v1/integration-settings/{c}", None, "Integration not found"),
        (
            "post",
            f"/public/v1/integration-trigger/{c}",
            {"methodName": "x"},
            "Integration not found",
        ),
        ("get", f"/public/v1/find-slot/{c}", None, "Integration not found"),
        ("get", f"/public/v1/analytics/{c}", None, "Integration not found"),
        ("delete", f"/public/v1/posts/{p}", None, "Post not found"),
        ("delete", f"/public/v1/posts/group/{g}", None, "Group not found"),
        ("put", f"/public/v1/posts/{p}/settings", {"settings": {}}, "Post not found"),
        ("put", f"/public/v1/posts/{p}/status", {"status": "draft"}, "Post not found"),
        ("get", f"/public/v1/posts/{p}/missing", None, "Post not found"),
        ("put", f"/public/v1/posts/{p}/release-id", {"releaseId": "1"}, "Post not found"),
        ("get", f"/public/v1/analytics/post/{p}", None, "Post not found"),
        ("get", f"/public/v1/social/x?refresh={c}", None, "Integration not found"),
    ]
    for method, url, body, message in checks:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = getattr(api, method)(url, body, **kwargs) if body else getattr(api, method)(url)
        assert response.status_code == 404, url
        assert response.json() == {"msg": message}, url
    assert Post.objects.get().state == State.SCHEDULED
    assert not Integration.objects.get(pk=other_channel.pk).deleted_at
    assert api.get("/public/v1/integrations").json() == []
    assert api.get("/public/v1/posts?startDate=2000-01-01&endDate=2100-01-01").json() == {
        "posts": []
    }


def test_queueing_a_published_post_again_needs_republish_but_an_update_is_a_conflict(api, channel):
    created = _create(api, channel).json()[0]
    Post.objects.update(state=State.PUBLISHED, remote_id="1")
    again = [{"content": "again", "id": created["postId"]}]
    response = _create(api, channel, values=again)
    assert response.status_code == 400
    assert response.json() == {
        "msg": "This post was already published; send republish: true to publish it again."
    }
    response = _create(api, channel, kind="update", values=again)
    assert response.status_code == 409
    assert "can no longer be edited" in response.json()["msg"]
    response = _create(api, channel, values=again, republish=True)
    assert response.status_code == 409
    assert Post.objects.get().items.get(position=0).content == "Hello world"
