"""The dates in post bodies: the compatible publishDate and the native publish_at are the
time the person asked for (retries never move them); the native body adds when the post
actually went out (published_at) and, for one waiting to be tried again, when the next
attempt is due (next_attempt_at), both documented in the OpenAPI document."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from posts.models import Post
from posts.states import State

pytestmark = pytest.mark.django_db

ASKED = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)
WINDOW = "startDate=2030-01-01T00:00:00Z&endDate=2030-01-31T23:59:59Z"


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _post(api, channel, **changes) -> Post:
    body = {
        "type": "schedule",
        "date": "2030-01-15T12:00:00Z",
        "posts": [{"integration": {"id": str(channel.public_id)}, "value": [{"content": "Hi"}]}],
    }
    row = api.post("/public/v1/posts", body, content_type="application/json").json()[0]
    Post.objects.filter(public_id=row["postId"]).update(**changes)
    return Post.objects.get(public_id=row["postId"])


def test_a_post_waiting_for_a_retry_says_when_next_and_keeps_the_time_asked_for(
    api, native, channel
):
    post = _post(api, channel, retry_at=datetime(2030, 1, 15, 12, 5, tzinfo=UTC))
    body = native.get(f"/api/v1/posts/{post.public_id}").json()
    assert body["publish_at"] == "2030-01-15T12:00:00.000Z"
    assert body["next_attempt_at"] == "2030-01-15T12:05:00.000Z"
    assert body["published_at"] is None
    [listed] = native.get("/api/v1/posts").json()["data"]
    assert listed["next_attempt_at"] == "2030-01-15T12:05:00.000Z"
    [compat] = api.get(f"/public/v1/posts?{WINDOW}").json()["posts"]
    assert compat["publishDate"] == "2030-01-15T12:00:00.000Z"


def test_a_post_that_went_out_late_says_when_and_keeps_the_time_asked_for(api, native, channel):
    went_out = datetime(2030, 1, 15, 12, 7, 30, tzinfo=UTC)
    post = _post(
        api,
        channel,
        state=State.PUBLISHED,
        published_at=went_out,
        remote_id="9",
        retry_at=datetime(2030, 1, 15, 12, 5, tzinfo=UTC),
    )
    body = native.get(f"/api/v1/posts/{post.public_id}").json()
    assert body["publish_at"] == "2030-01-15T12:00:00.000Z"
    assert body["published_at"] == "2030-01-15T12:07:30.000Z"
    assert body["next_attempt_at"] is None  # a retry time left behind is not an attempt
    [compat] = api.get(f"/public/v1/posts?{WINDOW}").json()["posts"]
    assert compat["publishDate"] == "2030-01-15T12:00:00.000Z"


def test_the_openapi_document_says_what_each_date_means():
    schema = Client().get("/api/v1/openapi.json").json()
    post = schema["components"]["schemas"]["PostOut"]["properties"]
    assert "asked" in post["publish_at"]["description"]
    assert "actually went out" in post["published_at"]["description"]
    assert "next attempt" in post["next_attempt_at"]["description"]
    detail = schema["paths"]["/api/v1/posts/{public_id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PostOut"
    }
    compat = schema["components"]["schemas"]["CompatPost"]["properties"]["publishDate"]
    assert "asked for" in compat["description"]


def test_a_native_customer_filter_that_is_not_one_of_ours_is_not_found(native, other_org):
    from integrations.models import Customer

    theirs = Customer.objects.create(organization=other_org, name="Theirs")
    for value in ("not-a-uuid", theirs.public_id):
        response = native.get(f"/api/v1/posts?customer={value}")
        assert response.status_code == 404, value
        assert response.json()["detail"] == "Customer not found."
