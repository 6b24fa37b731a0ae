"""Publishing to TikTok against a local fake with TikTok's recorded answers: the requests
each flow sends (creator info, init, chunk PUTs, status checks), what is saved before the
commit, and what an unclear answer leads to."""

from __future__ import annotations

import io
import json
import logging
import os

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from integrations.providers.tiktok import (
    INIT_SENT,
    MB,
    MIN_CHUNK,
    PUBLISH_ID,
    chunk_plan,
    chunk_ranges,
)
from tests.posts.e2e.fakes import answer, recorded
from tests.providers.conftest import dropped_handler, slow_handler

TOKEN = recorded("tiktok", "token")["body"]["access_token"]
REFRESH = recorded("tiktok", "token")["body"]["refresh_token"]
OPEN_ID = recorded("tiktok", "token")["body"]["open_id"]
POST_ID = "7445530123456789012"
VIDEO_PUBLISH = recorded("tiktok", "video_init", origin="")["body"]["data"]["publish_id"]
SETTINGS = {
    "privacy_level": "PUBLIC_TO_EVERYONE",
    "content_posting_method": "DIRECT_POST",
    "comment": True,
    "duet": True,
    "stitch": False,
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
    "autoAddMusic": "no",
}
INIT = r"/api/v2/post/publish/video/init/"
INBOX_INIT = r"/api/v2/post/publish/inbox/video/init/"
PHOTO_INIT = r"/api/v2/post/publish/content/init/"
STATUS = r"/api/v2/post/publish/status/fetch/"
CREATOR = r"/api/v2/post/publish/creator_info/query/"
CHUNK = r"/up/video/"


@pytest.fixture
def channel():
    return Channel(
        OPEN_ID, {"access_token": TOKEN, "refresh_token": REFRESH}, username="acme.studio"
    )


class Recorded(io.BytesIO):
    """A stored file that notes the largest single read taken from it."""

    def __init__(self, data: bytes, reads: list[int]):
        super().__init__(data)
        self.reads = reads

    def read(self, size=-1):
        piece = super().read(size)
        self.reads.append(len(piece))
        return piece


def video_file(size: int, reads: list[int] | None = None, **fields) -> tuple[MediaItem, bytes]:
    data = os.urandom(size)
    reads = reads if reads is not None else []

    def whole():
        raise AssertionError("a video is never read whole")

    item = MediaItem(
        "video/mp4",
        size,
        whole,
        filename="launch.mp4",
        width=1080,
        height=1920,
        duration=42.0,
        opener=lambda: Recorded(data, reads),
        **fields,
    )
    return item, data


def photo(name: str) -> MediaItem:
    return MediaItem(
        "image/jpeg",
        2048,
        lambda: b"\xff\xd8",
        filename=name,
        public_url=f"https://media.acme.example/{name}",
    )


def chunk_answers(fake, count: int):
    """206 for each chunk but the last, 201 once the whole file is in."""
    partial = [Response("", status=206) for _ in range(count - 1)]
    fake.on("PUT", CHUNK, *partial, Response("", status=201))


def direct_video_network(fake, *, statuses=("status_complete",), chunks=2):
    origin = fake.origin
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    fake.on("POST", INIT, answer("tiktok", "video_init", origin=origin))
    chunk_answers(fake, chunks)
    fake.on("POST", STATUS, *[answer("tiktok", name) for name in statuses])


def saved_progress(request: PublishRequest) -> list[dict]:
    saved: list[dict] = []
    request.checkpoint = lambda progress: saved.append(json.loads(json.dumps(progress)))
    return saved


# -- Video: direct post, file upload in chunks ---------------------------------------------
def test_a_video_is_uploaded_in_chunks_with_ranges_and_published_with_its_link(
    provider, fake, channel
):
    reads: list[int] = []
    video, data = video_file(12 * MB, reads)
    direct_video_network(fake)
    request = PublishRequest("p1", "Launch day at Acme #launch", [video], dict(SETTINGS))
    saved = saved_progress(request)

    result = provider.send(channel, request)

    assert (result.state, result.ref.id) == ("published", POST_ID)
    assert result.ref.url == f"https://www.tiktok.com/@acme.studio/video/{POST_ID}"
    [creator] = fake.sent("POST", CREATOR)
    assert creator.headers["Authorization"] == f"Bearer {TOKEN}"
    [init] = fake.sent("POST", INIT)
    assert init.headers["Authorization"] == f"Bearer {TOKEN}"
    assert init.json == {
        "post_info": {
            "title": "Launch day at Acme #launch",
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "disable_comment": False,
            "disable_duet": False,
            "disable_stitch": True,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
            "is_aigc": False,
        },
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": 12 * MB,
            "chunk_size": 5 * MB,
            "total_chunk_count": 2,
        },
    }
    puts = fake.sent("PUT", CHUNK)
    # Two chunks: 5 MB, then the last one with the remainder (7 MB).
    assert [c.headers["Content-Range"] for c in puts] == [
        f"bytes 0-{5 * MB - 1}/{12 * MB}",
        f"bytes {5 * MB}-{12 * MB - 1}/{12 * MB}",
    ]
    assert [int(c.headers["Content-Length"]) for c in puts] == [5 * MB, 7 * MB]
    assert all(c.headers["Content-Type"] == "video/mp4" for c in puts)
    assert b"".join(c.raw for c in puts) == data
    assert puts[0].args["upload_id"] == "7445522031234567890"
    # Streamed: no read took a whole chunk, let alone the file.
    assert reads and max(reads) < 5 * MB
    [status] = fake.sent("POST", STATUS)
    assert status.json == {"publish_id": VIDEO_PUBLISH}
    # The publish id was saved (checkpoint) before the first chunk left.
    assert saved[0] == {INIT_SENT: True, "media_kind": "video", "mode": "direct"}
    assert saved[1][PUBLISH_ID] == VIDEO_PUBLISH
    # ... and each chunk sent is counted as it goes (a later attempt sends the rest).
    assert [p["chunks_done"] for p in saved[1:]] == [0, 1, 2]
    assert fake.unrouted == []


def test_a_small_video_goes_in_one_chunk(provider, fake, channel):
    video, data = video_file(3 * MB)
    direct_video_network(fake, chunks=1)
    provider.publish(channel, PublishRequest("p1", "Short", [video], dict(SETTINGS)))
    [init] = fake.sent("POST", INIT)
    assert init.json["source_info"]["chunk_size"] == 3 * MB
    assert init.json["source_info"]["total_chunk_count"] == 1
    [put] = fake.sent("PUT", CHUNK)
    assert put.headers["Content-Range"] == f"bytes 0-{3 * MB - 1}/{3 * MB}"
    assert put.raw == data


def test_pull_from_url_sends_the_public_address_and_uploads_nothing(
    provider, fake, channel, settings
):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "TIKTOK_PULL_FROM_URL": "true"}
    video, _ = video_file(1024, public_url="https://media.acme.example/launch.mp4")
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    fake.on("POST", INIT, answer("tiktok", "pull_init"))
    fake.on(
        "POST",
        STATUS,
        answer("tiktok", "status_processing_download"),
        answer("tiktok", "status_complete"),
    )

    result = provider.publish(channel, PublishRequest("p1", "Pulled", [video], dict(SETTINGS)))

    assert result.ref.id == POST_ID
    [init] = fake.sent("POST", INIT)
    assert init.json["source_info"] == {
        "source": "PULL_FROM_URL",
        "video_url": "https://media.acme.example/launch.mp4",
    }
    assert fake.sent("PUT", CHUNK) == []
    assert len(fake.sent("POST", STATUS)) == 2


# -- Photos --------------------------------------------------------------------------------
def test_photos_are_posted_from_their_public_addresses(provider, fake, channel):
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    fake.on("POST", PHOTO_INIT, answer("tiktok", "photo_init"))
    fake.on("POST", STATUS, answer("tiktok", "status_complete"))
    settings = {**SETTINGS, "title": "Our new shop", "autoAddMusic": "yes"}
    request = PublishRequest("p1", "Come and see", [photo("a.jpg"), photo("b.jpg")], settings)

    result = provider.publish(channel, request)

    assert result.ref.url == f"https://www.tiktok.com/@acme.studio/photo/{POST_ID}"
    [init] = fake.sent("POST", PHOTO_INIT)
    assert init.json == {
        "post_info": {
            "title": "Our new shop",
            "description": "Come and see",
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "disable_comment": False,
            "auto_add_music": True,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
        },
        "source_info": {
            "source": "PULL_FROM_URL",
            "photo_cover_index": 0,
            "photo_images": [
                "https://media.acme.example/a.jpg",
                "https://media.acme.example/b.jpg",
            ],
        },
        "post_mode": "DIRECT_POST",
        "media_type": "PHOTO",
    }


def test_photos_sent_to_the_inbox_use_media_upload_and_wait_for_their_id(provider, fake, channel):
    fake.on("POST", PHOTO_INIT, answer("tiktok", "photo_init"))
    fake.on("POST", STATUS, answer("tiktok", "status_inbox"))
    settings = {**SETTINGS, "content_posting_method": "UPLOAD", "title": "Draft"}
    result = provider.publish(
        channel, PublishRequest("p1", "Finish me", [photo("a.jpg")], settings)
    )
    assert (result.state, result.ref.id) == ("published", "")
    [init] = fake.sent("POST", PHOTO_INIT)
    assert init.json["post_mode"] == "MEDIA_UPLOAD"
    assert init.json["post_info"] == {"title": "Draft", "description": "Finish me"}
    assert fake.sent("POST", CREATOR) == []  # the creator chooses the rest in the app


# -- Inbox upload ---------------------------------------------------------------------------
def test_an_inbox_upload_sends_only_the_file_and_is_published_without_an_id(
    provider, fake, channel
):
    video, data = video_file(6 * MB)
    fake.on("POST", INBOX_INIT, answer("tiktok", "inbox_init", origin=fake.origin))
    chunk_answers(fake, 1)
    fake.on("POST", STATUS, answer("tiktok", "status_inbox"))
    settings = {**SETTINGS, "content_posting_method": "UPLOAD"}

    result = provider.publish(channel, PublishRequest("p1", "Edit in the app", [video], settings))

    assert (result.state, result.ref.id, result.ref.url) == ("published", "", "")
    [init] = fake.sent("POST", INBOX_INIT)
    assert init.json == {
        "source_info": {
            "source": "FILE_UPLOAD",
            "video_size": 6 * MB,
            "chunk_size": 6 * MB,
            "total_chunk_count": 1,
        }
    }
    assert fake.sent("POST", CREATOR) == [] and fake.sent("POST", INIT) == []
    [put] = fake.sent("PUT", CHUNK)
    assert put.args["upload_id"] == "7445522039876543210" and put.raw == data


def test_a_complete_post_without_a_public_id_waits_for_its_release_id(provider, fake, channel):
    video, _ = video_file(1024)
    direct_video_network(fake, statuses=("status_complete_private",), chunks=1)
    settings = {**SETTINGS, "privacy_level": "SELF_ONLY"}
    result = provider.publish(channel, PublishRequest("p1", "Just me", [video], settings))
    assert (result.state, result.ref.id) == ("published", "")


# -- Status: pending, then published ------------------------------------------------------
def test_a_publish_still_processing_is_pending_then_published_by_its_handle(
    provider, fake, channel
):
    provider.poll_attempts = 2
    video, _ = video_file(1024)
    statuses = ("status_processing_upload",) * 2 + (
        "status_processing_download",
        "status_complete",
    )
    direct_video_network(fake, statuses=statuses, chunks=1)

    result = provider.publish(channel, PublishRequest("p1", "Big one", [video], dict(SETTINGS)))

    assert result.state == "pending" and result.ref.id == ""
    assert json.loads(result.handle)["publish_id"] == VIDEO_PUBLISH
    assert provider.check_status(channel, result.handle) is None
    done = provider.check_status(channel, result.handle)
    assert (done.state, done.ref.id) == ("published", POST_ID)
    assert len(fake.sent("POST", INIT)) == 1


FAILURES = [
    ("file_format_check_failed", ErrorKind.CONTENT_REJECTED, "format"),
    ("duration_check_failed", ErrorKind.CONTENT_REJECTED, "length"),
    ("frame_rate_check_failed", ErrorKind.CONTENT_REJECTED, "23 to 60 frames"),
    ("picture_size_check_failed", ErrorKind.CONTENT_REJECTED, "360 to 4096"),
    ("publish_cancelled", ErrorKind.CONTENT_REJECTED, "cancelled"),
    ("spam_risk_text", ErrorKind.CONTENT_REJECTED, "caption"),
    ("auth_removed", ErrorKind.AUTH_REVOKED, "reconnect"),
    ("spam_risk_too_many_posts", ErrorKind.RATE_LIMITED, "daily post limit"),
    ("spam_risk_user_banned_from_posting", ErrorKind.PERMISSION_DENIED, "does not let"),
    ("internal", ErrorKind.TRANSIENT_BEFORE_SEND, "internal problem"),
    ("video_pull_failed", ErrorKind.TRANSIENT_BEFORE_SEND, "could not download"),
    ("photo_pull_failed", ErrorKind.TRANSIENT_BEFORE_SEND, "could not download"),
]


@pytest.mark.parametrize(("reason", "kind", "words"), FAILURES)
def test_a_failed_publish_says_why(provider, fake, channel, reason, kind, words):
    video, _ = video_file(1024)
    direct_video_network(fake, statuses=(f"failed_{reason}",), chunks=1)
    request = PublishRequest("p1", "Will fail", [video], dict(SETTINGS))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    error = caught.value
    assert (error.kind, error.network_code) == (kind, reason)
    assert words in error.user_message
    assert error.verdict  # TikTok's answer about the post, not a failed request
    if kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.RATE_LIMITED):
        # A failed publish made nothing: the next attempt (tomorrow, for the daily
        # limit) starts a new one instead of reading the same failure again.
        assert PUBLISH_ID not in request.progress and INIT_SENT not in request.progress
    else:
        assert request.progress[PUBLISH_ID] == VIDEO_PUBLISH


def test_after_a_failed_publish_the_retry_makes_a_new_one(provider, fake, channel):
    video, _ = video_file(1024)
    direct_video_network(fake, statuses=("failed_internal", "status_complete"), chunks=1)
    request = PublishRequest("p1", "Again", [video], dict(SETTINGS))
    with pytest.raises(ProviderError):
        provider.publish(channel, request)
    result = provider.publish(channel, request)
    assert result.ref.id == POST_ID
    assert len(fake.sent("POST", INIT)) == 2


# -- Creator info at publish time ------------------------------------------------------------
def test_a_privacy_option_the_creator_lacks_is_refused_before_anything_is_sent(
    provider, fake, channel
):
    video, _ = video_file(1024)
    fake.on("POST", CREATOR, answer("tiktok", "creator_info_private"))
    settings = {**SETTINGS, "privacy_level": "PUBLIC_TO_EVERYONE", "duet": False, "stitch": False}
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p1", "x", [video], settings))
    error = caught.value
    assert error.kind == ErrorKind.CONTENT_REJECTED and error.field == "privacy_level"
    assert "cannot post for everyone" in error.user_message
    assert "Comments are turned off" in error.user_message
    assert "up to 1 min" not in error.user_message  # 42 s is within its 60 s
    assert fake.sent("POST", INIT) == []


def test_a_video_longer_than_the_creator_may_post_is_refused(provider, fake, channel):
    video, _ = video_file(1024)
    video.duration = 301
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p1", "x", [video], dict(SETTINGS)))
    assert "up to 5 min; launch.mp4 lasts 5 min 1 s" in caught.value.user_message
    assert fake.sent("POST", INIT) == []


# -- TikTok's refusals of init ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind", "retry_after"),
    [
        ("access_token_invalid", ErrorKind.AUTH_EXPIRED, None),
        ("scope_not_authorized", ErrorKind.PERMISSION_DENIED, None),
        ("rate_limit_exceeded", ErrorKind.RATE_LIMITED, 42),
        ("spam_risk_too_many_posts", ErrorKind.RATE_LIMITED, 86400),
        ("spam_risk_user_banned_from_posting", ErrorKind.PERMISSION_DENIED, None),
        ("unaudited_client", ErrorKind.CONTENT_REJECTED, None),
        ("privacy_level_option_mismatch", ErrorKind.CONTENT_REJECTED, None),
        ("url_ownership_unverified", ErrorKind.PERMISSION_DENIED, None),
        ("invalid_params", ErrorKind.CONTENT_REJECTED, None),
    ],
)
def test_a_refused_init_is_classified_and_nothing_is_uploaded(
    provider, fake, channel, name, kind, retry_after
):
    video, _ = video_file(1024)
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    fake.on("POST", INIT, answer("tiktok", name))
    request = PublishRequest("p1", "x", [video], dict(SETTINGS))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == kind
    assert caught.value.retry_after == retry_after
    assert fake.sent("PUT", CHUNK) == [] and PUBLISH_ID not in request.progress
    # A clear refusal made nothing: the next attempt may initialise again.
    assert INIT_SENT not in request.progress


# -- Unknown outcomes: init is the commit ----------------------------------------------------
def slow_init(fake, origin):
    def respond(request):
        return answer("tiktok", "video_init", origin=origin)

    return slow_handler(respond, seconds=1.0)


UNCLEAR = {
    "read_timeout": lambda fake: slow_init(fake, fake.origin),
    "bad_gateway": lambda fake: answer("tiktok", "bad_gateway"),
    "dropped": lambda fake: dropped_handler(b'{"data":{"publish_id":"v_pub', length=400),
}


@pytest.mark.parametrize("case", sorted(UNCLEAR))
def test_an_unclear_init_is_never_sent_again(provider, fake, channel, case, httpserver):
    provider.timeout = (1, 0.5)
    video, _ = video_file(1024)
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    fake.on("POST", INIT, UNCLEAR[case](fake))
    request = PublishRequest("p1", "Maybe", [video], dict(SETTINGS))
    saved = saved_progress(request)

    with pytest.raises(ProviderError) as caught:
        provider.send(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    # What the next attempt needs was saved before init left.
    assert saved[0][INIT_SENT] is True

    # Reconciliation: nothing names the publish, so there is nothing to look up, and
    # publishing again refuses rather than initialise a second one.
    assert provider.find_existing(channel, request) is None
    with pytest.raises(ProviderError) as again:
        provider.send(channel, request)
    assert again.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert "check the TikTok account" in again.value.user_message
    assert len(fake.sent("POST", INIT)) == 1
    assert fake.sent("PUT", CHUNK) == []


def test_an_unclear_chunk_resumes_the_same_publish(provider, fake, channel):
    provider.upload_timeout = (1, 0.5)
    video, _ = video_file(12 * MB)
    origin = fake.origin
    fake.on("POST", CREATOR, answer("tiktok", "creator_info"))
    fake.on("POST", INIT, answer("tiktok", "video_init", origin=origin))
    fake.on(
        "PUT",
        CHUNK,
        Response("", status=206),
        slow_handler(lambda request: Response("", status=201), seconds=1.0),
        Response("", status=201),
    )
    # TikTok still waits for the second chunk (the lookup, then the resumed attempt).
    fake.on(
        "POST",
        STATUS,
        answer("tiktok", "status_processing_upload"),
        answer("tiktok", "status_processing_upload"),
        answer("tiktok", "status_complete"),
    )
    request = PublishRequest("p1", "Resumed", [video], dict(SETTINGS))

    with pytest.raises(ProviderError) as caught:
        provider.send(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert request.progress[PUBLISH_ID] == VIDEO_PUBLISH
    assert request.progress["chunks_done"] == 1

    # After an unclear chunk the publish is looked up by its id (still uploading) ...
    assert provider.find_existing(channel, request) is None
    # ... and the next attempt sends the missing chunk to the same publish.
    result = provider.send(channel, request)
    assert result.ref.id == POST_ID
    assert len(fake.sent("POST", INIT)) == 1
    ranges = [c.headers["Content-Range"] for c in fake.sent("PUT", CHUNK)]
    last = f"bytes {5 * MB}-{12 * MB - 1}/{12 * MB}"
    assert ranges == [f"bytes 0-{5 * MB - 1}/{12 * MB}", last, last]


def test_after_a_crash_the_publish_is_found_by_its_id(provider, fake, channel):
    fake.on("POST", STATUS, answer("tiktok", "status_complete"))
    request = PublishRequest(
        "p1",
        "Crashed",
        [],
        dict(SETTINGS),
        progress={INIT_SENT: True, PUBLISH_ID: VIDEO_PUBLISH, "media_kind": "video"},
    )
    found = provider.find_existing(channel, request)
    assert found.id == POST_ID
    assert found.url == f"https://www.tiktok.com/@acme.studio/video/{POST_ID}"


# -- Secrets ---------------------------------------------------------------------------------
def test_no_token_reaches_a_log_line(provider, fake, channel, caplog):
    caplog.set_level(logging.DEBUG)
    video, _ = video_file(1024)
    direct_video_network(fake, statuses=("status_complete",), chunks=1)
    fake.on("POST", INIT, answer("tiktok", "access_token_invalid"))
    with pytest.raises(ProviderError):
        provider.publish(channel, PublishRequest("p1", "x", [video], dict(SETTINGS)))
    fake.on("POST", INIT, answer("tiktok", "video_init", origin=fake.origin))
    provider.publish(channel, PublishRequest("p2", "x", [video], dict(SETTINGS)))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "tiktok" in logged
    for secret in (TOKEN, REFRESH, "upload_token=d9a1c2e3", "tiktok-client-secret-456"):
        assert secret not in logged


@pytest.mark.parametrize(
    ("size", "preferred", "plan"),
    [
        (3 * MB, 10 * MB, (3 * MB, 1)),
        (12 * MB, 10 * MB, (12 * MB, 1)),
        (25 * MB, 10 * MB, (10 * MB, 2)),
        (100 * MB, 64 * MB, (50 * MB, 2)),
        (4096 * MB, 10 * MB, (10 * MB, 409)),
        (4096 * MB, 1 * MB, (5 * MB, 819)),
    ],
)
def test_chunks_follow_tiktoks_rules(size, preferred, plan):
    chunk, count = chunk_plan(size, preferred)
    assert (chunk, count) == plan
    last = chunk_ranges(size, chunk, count)[-1][1]
    # 5-64 MB chunks (a file under 5 MB goes whole), at most 1,000, the last up to 128 MB.
    assert count <= 1000 and last <= 128 * MB
    assert count == 1 or MIN_CHUNK <= chunk <= 64 * MB
