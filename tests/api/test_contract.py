"""One service layer under both surfaces: what one makes, the other reads and edits."""

import pytest
from django.test import Client

from posts.models import Post
from posts.states import State

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_a_post_made_through_compat_is_read_and_edited_natively(key, api, channel):
    made = api.post(
        "/public/v1/posts",
        {
            "type": "schedule",
            "date": "2030-03-01T10:00:00Z",
            "posts": [
                {"integration": {"id": str(channel.public_id)}, "value": [{"content": "One"}]}
            ],
        },
        content_type=JSON,
    ).json()[0]
    native = Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")
    body = native.get(f"/api/v1/posts/{made['postId']}").json()
    assert body["group_id"] == made["group"] and body["items"][0]["text"] == "One"
    native.patch(f"/api/v1/posts/{made['postId']}", {"items": [{"text": "Two"}]}, content_type=JSON)
    listed = api.get("/public/v1/posts?startDate=2030-03-01&endDate=2030-03-02").json()
    assert [p["content"] for p in listed["posts"]] == ["Two"]


def test_a_group_made_natively_is_listed_and_deleted_through_compat(key, api, channel):
    native = Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")
    group = native.post(
        "/api/v1/groups",
        {
            "action": "draft",
            "publish_at": "2030-04-01T08:00:00Z",
            "content": [{"text": "Native"}],
            "channels": [{"channel_id": str(channel.public_id)}],
        },
        content_type=JSON,
    ).json()
    listed = api.get("/public/v1/posts?startDate=2030-04-01&endDate=2030-04-02").json()["posts"]
    assert [(p["id"], p["state"], p["content"]) for p in listed] == [
        (group["posts"][0]["id"], "DRAFT", "Native")
    ]
    deleted = api.delete(f"/public/v1/posts/group/{group['id']}").json()
    assert deleted == {"deleted": True, "group": group["id"], "count": 1}
    assert native.get(f"/api/v1/groups/{group['id']}").status_code == 404
    assert Post.objects.get().state == State.CANCELLED
