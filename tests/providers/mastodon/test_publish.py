"""Publishing a status: the Idempotency-Key, media (with processing), replies, outcomes."""

import pytest

from integrations.providers.base import (
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.mastodon import MastodonProvider
from tests.providers.conftest import slow_handler
from tests.providers.streaming import streamed_only

from .support import ACCOUNT_ID, TOKEN, Recorder, channel, closing_server, load, respond

POST_ID = "8a0c2f8e-3b5d-4c8e-9f10-1d2e3f4a5b6c"


@pytest.fixture
def provider():
    p = MastodonProvider()
    p.media_poll_interval = 0
    return p


@pytest.fixture
def base(httpserver):
    return httpserver.url_for("").rstrip("/")


def post(text="Hello from Postiz", **kwargs):
    return PublishRequest(post_id=POST_ID, text=text, **kwargs)


def test_text_status_carries_the_idempotency_key_and_public_visibility(
    provider, httpserver, base, captured_logs
):
    commit = Recorder(respond("status", base))
    httpserver.expect_ordered_request("/api/v1/statuses", method="POST").respond_with_handler(
        commit
    )
    result = provider.publish(channel(base), post())
    httpserver.check_assertions()
    call = commit.calls[0]
    assert call["headers"]["Idempotency-Key"] == POST_ID
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["json"] == {"status": "Hello from Postiz", "visibility": "public"}
    assert result.ref == RemoteRef(
        id="103270115826048975",
        url=f"{base}/@alice/103270115826048975",
        extra={"uri": f"{base}/users/alice/statuses/103270115826048975"},
    )
    assert not any(TOKEN in r.getMessage() for r in captured_logs.records)


def test_a_retry_sends_the_same_idempotency_key(provider, httpserver, base):
    commit = Recorder(respond("bad_gateway"), respond("status", base))
    httpserver.expect_request("/api/v1/statuses").respond_with_handler(commit)
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    MastodonProvider().publish(channel(base), request)
    assert [c["headers"]["Idempotency-Key"] for c in commit.calls] == [POST_ID, POST_ID]


def test_an_image_is_uploaded_as_multipart_with_its_description(provider, httpserver, base):
    png = b"\x89PNG\r\n\x1a\n" + b"\1" * 100
    upload = Recorder(respond("media_200", base))
    httpserver.expect_ordered_request("/api/v2/media", method="POST").respond_with_handler(upload)
    commit = Recorder(respond("status", base))
    httpserver.expect_ordered_request("/api/v1/statuses").respond_with_handler(commit)
    item = MediaItem("image/png", len(png), lambda: png, "cat.png", alt_text="A cat")
    request = post(media=[item])

    provider.publish(channel(base), request)

    httpserver.check_assertions()
    call = upload.calls[0]
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["headers"]["Content-Type"].startswith("multipart/form-data")
    assert b'name="file"; filename="cat.png"' in call["data"]
    assert b"Content-Type: image/png" in call["data"] and png in call["data"]
    assert b'name="description"\r\n\r\nA cat' in call["data"]
    assert commit.calls[0]["json"]["media_ids"] == ["22348641"]
    assert request.progress["media"] == {"0": {"id": "22348641", "ready": True}}


def test_a_video_is_streamed_from_the_stored_file_never_read_whole(provider, httpserver, base):
    video = bytes(range(256)) * 1200  # 300 KB: larger than any single read allowed
    upload = Recorder(respond("media_200", base))
    httpserver.expect_ordered_request("/api/v2/media", method="POST").respond_with_handler(upload)
    commit = Recorder(respond("status", base))
    httpserver.expect_ordered_request("/api/v1/statuses").respond_with_handler(commit)
    item = streamed_only(video, filename="launch.mp4", largest=64 * 1024, alt_text="Launch")

    provider.publish(channel(base), post(media=[item]))

    call = upload.calls[0]
    assert call["headers"]["Content-Type"].startswith("multipart/form-data; boundary=")
    assert int(call["headers"]["Content-Length"]) == len(call["data"])
    assert b'name="file"; filename="launch.mp4"\r\nContent-Type: video/mp4\r\n\r\n' in call["data"]
    assert b"\r\n\r\n" + video + b"\r\n--" in call["data"]
    assert b'name="description"\r\n\r\nLaunch' in call["data"]
    assert commit.calls[0]["json"]["media_ids"] == ["22348641"]


def test_a_202_upload_is_polled_until_it_has_a_url(provider, httpserver, base):
    httpserver.expect_request("/api/v2/media", method="POST").respond_with_response(
        respond("media_202", base)
    )
    poll = Recorder(
        respond("media_206", base), respond("media_206", base), respond("media_ready", base)
    )
    httpserver.expect_request("/api/v1/media/22348642", method="GET").respond_with_handler(poll)
    commit = Recorder(respond("status", base))
    httpserver.expect_request("/api/v1/statuses").respond_with_handler(commit)
    item = MediaItem("video/mp4", 10, lambda: b"0" * 10, "v.mp4")

    provider.publish(channel(base), post(media=[item]))

    assert len(poll.calls) == 3
    assert poll.calls[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert commit.calls[0]["json"]["media_ids"] == ["22348642"]


def test_media_still_processing_after_the_bounded_wait_is_retried_without_reuploading(
    provider, httpserver, base
):
    provider.media_poll_attempts = 2
    upload = Recorder(respond("media_202", base))
    httpserver.expect_request("/api/v2/media").respond_with_handler(upload)
    poll = Recorder(
        respond("media_206", base), respond("media_206", base), respond("media_ready", base)
    )
    httpserver.expect_request("/api/v1/media/22348642").respond_with_handler(poll)
    httpserver.expect_request("/api/v1/statuses").respond_with_response(respond("status", base))
    request = post(media=[MediaItem("video/mp4", 10, lambda: b"0" * 10, "v.mp4")])

    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert request.progress["media"]["0"] == {"id": "22348642", "ready": False}

    provider.publish(channel(base), request)
    assert len(upload.calls) == 1 and len(poll.calls) == 3


def test_a_reply_sets_in_reply_to_id(provider, httpserver, base):
    commit = Recorder(respond("status", base))
    httpserver.expect_request("/api/v1/statuses").respond_with_handler(commit)
    provider.publish(
        channel(base),
        post("second", reply_to=RemoteRef(id="103270115826000001"), root=RemoteRef(id="1")),
    )
    assert commit.calls[0]["json"]["in_reply_to_id"] == "103270115826000001"


def test_a_deleted_reply_target_is_not_found(provider, httpserver, base):
    httpserver.expect_request("/api/v1/statuses").respond_with_response(respond("not_found"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), post(reply_to=RemoteRef(id="999")))
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert "replies to no longer exists" in caught.value.user_message


def test_validation_failure_is_content_rejected_with_the_text(provider, httpserver, base):
    httpserver.expect_request("/api/v1/statuses").respond_with_response(
        respond("validation_failed")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), post())
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "Text character limit of 500 exceeded" in caught.value.user_message


def test_a_revoked_token_on_publish_is_auth_revoked(provider, httpserver, base):
    httpserver.expect_request("/api/v1/statuses").respond_with_response(respond("unauthorized"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), post())
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_rate_limited_publish_reads_the_iso_reset(provider, httpserver, base):
    from datetime import UTC, datetime, timedelta

    answer = respond("rate_limited")
    reset = datetime.now(UTC) + timedelta(minutes=4)
    answer.headers["X-RateLimit-Reset"] = reset.isoformat(timespec="milliseconds")
    httpserver.expect_request("/api/v1/statuses").respond_with_response(answer)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), post())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 230 <= caught.value.retry_after <= 241


def test_a_5xx_on_media_upload_is_transient_not_unknown(provider, httpserver, base):
    httpserver.expect_request("/api/v2/media").respond_with_response(respond("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel(base), post(media=[MediaItem("image/png", 1, lambda: b"x", "a.png")])
        )
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


# -- unknown outcomes and reconciliation --------------------------------------------------
def test_a_commit_that_outlives_the_read_timeout_is_unknown_then_found(provider, httpserver, base):
    slow = slow_handler(lambda _: respond("status", base))
    httpserver.expect_ordered_request("/api/v1/statuses").respond_with_handler(slow)
    listing = Recorder(respond("statuses", base))
    httpserver.expect_ordered_request(
        f"/api/v1/accounts/{ACCOUNT_ID}/statuses", method="GET"
    ).respond_with_handler(listing)
    provider.timeout = (1, 0.5)
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    provider.timeout = (5, 5)
    found = provider.find_existing(channel(base), request)
    httpserver.check_assertions()
    assert listing.calls[0]["args"] == {"limit": "40", "exclude_reblogs": "true"}
    assert found.id == "103270115826048975"


def test_a_502_on_commit_is_unknown_and_lookup_matches_html_content(provider, httpserver, base):
    httpserver.expect_ordered_request("/api/v1/statuses").respond_with_response(
        respond("bad_gateway")
    )
    httpserver.expect_ordered_request(
        f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
    ).respond_with_response(respond("statuses", base))
    request = post("Read this & more:\nhttps://example.com/a/very/long/path/name")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert provider.find_existing(channel(base), request).id == "103270115826048999"
    httpserver.check_assertions()


def test_lookup_finds_nothing_for_a_post_that_never_landed(provider, httpserver, base):
    httpserver.expect_request(f"/api/v1/accounts/{ACCOUNT_ID}/statuses").respond_with_response(
        respond("statuses", base)
    )
    assert provider.find_existing(channel(base), post("never posted")) is None
    # Same text but as a reply: a different post.
    reply = post(reply_to=RemoteRef(id="5"))
    assert provider.find_existing(channel(base), reply) is None


def test_a_connection_closed_mid_answer_is_unknown(provider):
    with closing_server() as (url, hits), pytest.raises(ProviderError) as caught:
        provider.publish(channel(url), post())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(hits) == 1 and f"Idempotency-Key: {POST_ID}".encode() in hits[0]


def test_an_unreadable_2xx_on_commit_is_unknown(provider, httpserver, base):
    httpserver.expect_request("/api/v1/statuses").respond_with_data("oops", status=200)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(base), post())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_statuses_fixture_is_what_lookup_expects():
    assert isinstance(load("statuses")["body"], list)
