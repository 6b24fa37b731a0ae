"""Input that used to answer 500 is refused with a 400 saying what is wrong: JSON nested
too deeply to read (on every JSON route of both APIs), and text the database cannot store
(NUL) or that is not text (a lone surrogate), naming the field."""

import pytest
from django.test import Client

from posts.models import Post, PostGroup, Tag, Webhook
from tests.api.test_dates import _group

pytestmark = pytest.mark.django_db

JSON = "application/json"
DEEP = "[" * 100_000


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


@pytest.fixture
def ids(native, channel, org):
    group = _group(native, channel, "2030-01-15T12:00:00Z").json()
    tag = Tag.objects.create(organization=org, name="Launch")
    webhook = Webhook.objects.create(
        organization=org, name="Hook", url="https://hooks.example/h", events=["post.published"]
    )
    return {
        "group": group["id"],
        "post": group["posts"][0]["id"],
        "tag": str(tag.public_id),
        "webhook": str(webhook.public_id),
        "channel": str(channel.public_id),
    }


NATIVE_JSON_ROUTES = [
    ("post", "/api/v1/groups"),
    ("patch", "/api/v1/groups/{group}"),
    ("post", "/api/v1/posts"),
    ("patch", "/api/v1/posts/{post}"),
    ("post", "/api/v1/tags"),
    ("patch", "/api/v1/tags/{tag}"),
    ("post", "/api/v1/webhooks"),
    ("patch", "/api/v1/webhooks/{webhook}"),
    ("post", "/api/v1/media/import"),
]
COMPAT_JSON_ROUTES = [
    ("post", "/public/v1/posts"),
    ("put", "/public/v1/posts/{post}/settings"),
    ("put", "/public/v1/posts/{post}/status"),
    ("put", "/public/v1/posts/{post}/release-id"),
    ("post", "/public/v1/upload-from-url"),
    ("post", "/public/v1/integration-trigger/{channel}"),
]


# -- Nesting --------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "route"), NATIVE_JSON_ROUTES)
def test_json_nested_too_deeply_is_a_400_on_every_native_route(native, ids, method, route):
    response = getattr(native, method)(route.format(**ids), DEEP, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert "nested too deeply" in response.json()["detail"]


def test_json_nested_too_deeply_is_a_400_with_an_idempotency_key_too(native, ids):
    response = native.post("/api/v1/groups", DEEP, content_type=JSON, HTTP_IDEMPOTENCY_KEY="deep-1")
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "route"), COMPAT_JSON_ROUTES)
def test_json_nested_too_deeply_is_a_400_on_every_compatible_route(api, ids, method, route):
    response = getattr(api, method)(route.format(**ids), DEEP, content_type=JSON)
    assert response.status_code == 400, response.content
    assert response.json()["message"] == ["The request body is nested too deeply to read."]


def test_a_native_cursor_nested_too_deeply_is_a_400(native):
    import base64

    cursor = base64.urlsafe_b64encode(b"[" * 3000).decode().rstrip("=")
    response = native.get("/api/v1/posts", {"cursor": cursor})
    assert response.status_code == 400


# -- NUL and lone surrogates ---------------------------------------------------------------
def _compat_post(api, channel, text):
    # Written out by hand: \u0000 and \ud800 as JSON escapes, as a client would send them.
    body = (
        '{"type": "draft", "date": "2030-01-15T12:00:00Z", "posts": [{"integration": {"id": "'
        + str(channel.public_id)
        + '"}, "value": [{"content": "'
        + text
        + '"}]}]}'
    )
    return api.post("/public/v1/posts", body, content_type=JSON)


@pytest.mark.parametrize(
    ("text", "why"),
    [("Hello \\u0000 world", "NUL character"), ("Hello \\ud800 world", "unpaired surrogate")],
)
def test_unstorable_text_in_compatible_post_content_is_a_400_naming_the_field(
    api, channel, text, why
):
    response = _compat_post(api, channel, text)
    assert response.status_code == 400
    [message] = response.json()["message"]
    assert message.startswith("posts.0.value.0.content contains a") and why in message
    assert not PostGroup.objects.exists()


def test_unstorable_text_in_compatible_post_settings_is_refused_too(api, channel):
    body = (
        '{"type": "draft", "date": "2030-01-15T12:00:00Z", "posts": [{"integration": {"id": "'
        + str(channel.public_id)
        + '"}, "value": [{"content": "Hi"}], "settings": {"title": "a\\u0000b"}}]}'
    )
    response = api.post("/public/v1/posts", body, content_type=JSON)
    assert response.status_code == 400
    assert response.json()["message"][0].startswith("posts.0.settings.title contains a NUL")
    assert not Post.objects.exists()


@pytest.mark.parametrize("text", ["Hello \\u0000", "Hello \\udfff"])
def test_unstorable_text_in_a_native_body_is_a_400_naming_the_field(native, channel, text):
    body = (
        '{"action": "draft", "content": [{"text": "'
        + text
        + '"}], "channels": [{"channel_id": "'
        + str(channel.public_id)
        + '"}]}'
    )
    response = native.post("/api/v1/groups", body, content_type=JSON)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "content.0.text" and "content.0.text contains a" in error["message"]
    assert not Post.objects.exists()


def test_a_nul_in_the_native_text_filter_is_a_400_naming_it(native, channel):
    response = native.get("/api/v1/posts", {"q": "launch\x00"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "q" and "NUL character" in error["message"]


def test_a_nul_in_a_compatible_query_is_a_400_in_its_shape(api, channel):
    response = api.get("/public/v1/integrations", {"customer": "\x00"})
    assert response.status_code == 400
    assert "customer contains a NUL character" in response.json()["message"][0]
