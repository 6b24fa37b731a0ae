"""Alt text: POST /2/media/metadata after each image upload, before the commit."""

import pytest

from integrations.providers.base import (
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from integrations.providers.x import XProvider
from tests.providers.conftest import fixture_response
from tests.providers.x.conftest import HERE

TOKEN = "x-access-secret-token-123"
MEDIA_ID = "1880028106020515840"


@pytest.fixture
def channel():
    return Channel("2244994945", {"access_token": TOKEN})


def image(alt="", name="a.png"):
    return MediaItem("image/png", 4, lambda: b"\x89PNG", filename=name, alt_text=alt)


def expect_upload(httpserver):
    httpserver.expect_ordered_request("/u/2/media/upload", method="POST").respond_with_response(
        fixture_response(HERE, "media_image")
    )


def expect_metadata(httpserver, bodies, name="media_metadata"):
    def handler(request):
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}"
        assert request.mimetype == "application/json"
        bodies.append(request.get_json())
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request("/u/2/media/metadata", method="POST").respond_with_handler(
        handler
    )


def expect_tweet(httpserver, bodies):
    def handler(request):
        bodies.append(request.get_json())
        return fixture_response(HERE, "tweet_created")

    httpserver.expect_ordered_request("/b/2/tweets", method="POST").respond_with_handler(handler)


def test_alt_text_is_sent_for_the_uploaded_image_before_the_post(provider, httpserver, channel):
    metadata, tweets = [], []
    expect_upload(httpserver)
    expect_metadata(httpserver, metadata)
    expect_tweet(httpserver, tweets)
    request = PublishRequest("p1", "pic", media=[image("A dancing cat")])
    provider.publish(channel, request)
    assert metadata == [{"id": MEDIA_ID, "metadata": {"alt_text": {"text": "A dancing cat"}}}]
    assert tweets == [{"text": "pic", "media": {"media_ids": [MEDIA_ID]}}]
    assert [r.path for r, _ in httpserver.log] == [
        "/u/2/media/upload",
        "/u/2/media/metadata",
        "/b/2/tweets",
    ]


def test_only_images_with_alt_text_get_a_metadata_call(provider, httpserver, channel):
    metadata, tweets = [], []
    expect_upload(httpserver)
    expect_upload(httpserver)
    expect_metadata(httpserver, metadata)
    expect_tweet(httpserver, tweets)
    provider.publish(
        channel, PublishRequest("p1", "pics", media=[image(""), image("Second", "b.png")])
    )
    assert metadata == [{"id": MEDIA_ID, "metadata": {"alt_text": {"text": "Second"}}}]


def test_no_metadata_call_without_alt_text(provider, httpserver, channel):
    tweets = []
    expect_upload(httpserver)
    expect_tweet(httpserver, tweets)
    provider.publish(channel, PublishRequest("p1", "pic", media=[image("")]))
    assert not any(r.path == "/u/2/media/metadata" for r, _ in httpserver.log)
    assert tweets == [{"text": "pic", "media": {"media_ids": [MEDIA_ID]}}]


@pytest.mark.parametrize(
    "name, kind",
    [
        ("bad_gateway", ErrorKind.TRANSIENT_BEFORE_SEND),
        ("invalid_request", ErrorKind.CONTENT_REJECTED),
    ],
)
def test_a_failed_metadata_call_posts_nothing(provider, httpserver, channel, name, kind):
    expect_upload(httpserver)
    expect_metadata(httpserver, [], name)
    request = PublishRequest("p1", "pic", media=[image("A dancing cat")])
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == kind
    assert not any(r.path == "/b/2/tweets" for r, _ in httpserver.log)
    assert request.progress["media_ids"] == [MEDIA_ID]


def test_a_retry_after_a_failed_metadata_call_reuses_the_upload(provider, httpserver, channel):
    expect_upload(httpserver)
    expect_metadata(httpserver, [], "bad_gateway")
    request = PublishRequest("p1", "pic", media=[image("A dancing cat")])
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND

    metadata, tweets = [], []
    expect_metadata(httpserver, metadata)
    expect_tweet(httpserver, tweets)
    provider.publish(channel, request)
    assert metadata == [{"id": MEDIA_ID, "metadata": {"alt_text": {"text": "A dancing cat"}}}]
    assert tweets == [{"text": "pic", "media": {"media_ids": [MEDIA_ID]}}]
    uploads = [r for r, _ in httpserver.log if r.path == "/u/2/media/upload"]
    assert len(uploads) == 1


def test_alt_text_already_sent_is_not_sent_again(provider, httpserver, channel):
    tweets = []
    expect_tweet(httpserver, tweets)
    request = PublishRequest(
        "p1",
        "pic",
        media=[image("A dancing cat")],
        progress={"media_ids": ["77"], "alt_text_ids": ["77"]},
    )
    provider.publish(channel, request)
    assert tweets == [{"text": "pic", "media": {"media_ids": ["77"]}}]


# -- validator ------------------------------------------------------------------------------
def test_alt_text_up_to_1000_characters_passes():
    draft = Draft([DraftItem("x", [image("a" * 1000)])])
    assert XProvider().validate(draft) == []


def test_alt_text_over_1000_characters_is_an_issue_on_media():
    [issue] = XProvider().validate(Draft([DraftItem("x", [image("a" * 1001)])]))
    assert (issue.code, issue.field, issue.limit, issue.actual) == (
        "media_alt",
        "media",
        1000,
        1001,
    )
    assert "a.png" in issue.message
