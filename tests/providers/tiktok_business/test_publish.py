"""Publishing to a TikTok business account against a local fake with TikTok's recorded
answers: the publish call TikTok pulls the media from, the status checks by share_id,
what is saved before the commit, and what an unclear answer leads to (the account's
video list, never a second publish)."""

from __future__ import annotations

import json
import logging
import time

import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.tiktok_business import PUBLISH_ID, SENT, SENT_AT
from tests.posts.e2e.fakes import answer, recorded
from tests.providers.conftest import drain, dropped_handler, slow_handler

TOKEN_BODY = recorded("tiktok_business", "token")["body"]["data"]
TOKEN, REFRESH, OPEN_ID = (
    TOKEN_BODY["access_token"],
    TOKEN_BODY["refresh_token"],
    TOKEN_BODY["open_id"],
)
POST_ID = "7445530123456789012"
SHARE_ID = recorded("tiktok_business", "video_publish")["body"]["data"]["share_id"]
PHOTO_SHARE_ID = recorded("tiktok_business", "photo_publish")["body"]["data"]["share_id"]
VIDEO = r"/api/business/video/publish/"
PHOTO = r"/api/business/photo/publish/"
STATUS = r"/api/business/publish/status/"
LIST = r"/api/business/video/list/"
CAPTION = "Autumn collection is here 🍂 #acme"
SETTINGS = {
    "comment": True,
    "duet": False,
    "stitch": True,
    "brand_content_toggle": False,
    "brand_organic_toggle": True,
    "video_made_with_ai": False,
}


@pytest.fixture
def channel():
    return Channel(OPEN_ID, {"access_token": TOKEN, "refresh_token": REFRESH}, username="acme.shop")


def video() -> MediaItem:
    def whole():
        raise AssertionError("TikTok pulls the video; we never read it")

    return MediaItem(
        "video/mp4",
        52_428_800,
        whole,
        filename="autumn.mp4",
        width=1080,
        height=1920,
        duration=24.0,
        public_url="https://media.acme.example/autumn.mp4?X-Amz-Signature=abc",
    )


def photo(name: str) -> MediaItem:
    return MediaItem(
        "image/jpeg",
        2048,
        lambda: b"",
        filename=name,
        public_url=f"https://media.acme.example/{name}",
    )


def saved_progress(request: PublishRequest) -> list[dict]:
    saved: list[dict] = []
    request.checkpoint = lambda progress: saved.append(json.loads(json.dumps(progress)))
    return saved


def video_network(fake, *statuses: str):
    fake.on("POST", VIDEO, answer("tiktok_business", "video_publish"))
    fake.on(
        "GET", STATUS, *[answer("tiktok_business", s) for s in statuses or ("status_complete",)]
    )


# -- Video: TikTok pulls it from its public address ----------------------------------------
def test_a_video_is_published_from_its_public_address_with_its_options(provider, fake, channel):
    video_network(fake, "status_processing", "status_complete")
    request = PublishRequest("p1", CAPTION, [video()], dict(SETTINGS))
    saved = saved_progress(request)

    result = provider.send(channel, request)

    [call] = fake.sent("POST", VIDEO)
    assert call.headers["Access-Token"] == TOKEN and "Authorization" not in call.headers
    assert call.json == {
        "business_id": OPEN_ID,
        "video_url": "https://media.acme.example/autumn.mp4?X-Amz-Signature=abc",
        "post_info": {
            "caption": CAPTION,
            "is_brand_organic": True,
            "is_branded_content": False,
            "disable_comment": False,
            "disable_duet": True,
            "disable_stitch": False,
            "is_ai_generated": False,
        },
    }
    # The commit was known to have started before it left, and its handle right after.
    assert saved[0][SENT] is True and PUBLISH_ID not in saved[0]
    assert saved[-1][PUBLISH_ID] == SHARE_ID
    checks = fake.sent("GET", STATUS)
    assert [c.args for c in checks] == [{"business_id": OPEN_ID, "publish_id": SHARE_ID}] * 2
    assert (result.state, result.ref.id) == ("published", POST_ID)
    assert result.ref.url == f"https://www.tiktok.com/@acme.shop/video/{POST_ID}"


def test_a_video_sent_to_the_drafts_is_published_without_a_link(provider, fake, channel):
    video_network(fake, "status_draft")
    settings = {**SETTINGS, "upload_to_draft": True}
    result = provider.publish(channel, PublishRequest("p1", CAPTION, [video()], settings))
    [call] = fake.sent("POST", VIDEO)
    assert call.json["post_info"]["upload_to_draft"] is True
    assert (result.state, result.ref.id) == ("published", "")


def test_a_completed_publish_without_ids_waits_for_a_release_id(provider, fake, channel):
    video_network(fake, "status_complete_no_ids")
    result = provider.publish(channel, PublishRequest("p1", CAPTION, [video()], dict(SETTINGS)))
    assert (result.state, result.ref.id) == ("published", "")


# -- Photos --------------------------------------------------------------------------------
def test_photos_are_published_from_their_addresses_with_a_visibility(provider, fake, channel):
    fake.on("POST", PHOTO, answer("tiktok_business", "photo_publish"))
    fake.on("GET", STATUS, answer("tiktok_business", "status_complete"))
    settings = {
        **SETTINGS,
        "privacy_level": "PUBLIC_TO_EVERYONE",
        "title": "Autumn",
        "autoAddMusic": "yes",
    }
    request = PublishRequest("p1", CAPTION, [photo("a.jpg"), photo("b.jpg")], settings)

    result = provider.publish(channel, request)

    [call] = fake.sent("POST", PHOTO)
    assert call.json == {
        "business_id": OPEN_ID,
        "photo_images": ["https://media.acme.example/a.jpg", "https://media.acme.example/b.jpg"],
        "photo_cover_index": 0,
        "post_info": {
            "privacy_level": "PUBLIC_TO_EVERYONE",
            "title": "Autumn",
            "caption": CAPTION,
            "auto_add_music": True,
            "is_brand_organic": True,
            "is_branded_content": False,
            "disable_comment": False,
        },
    }
    assert [c.args["publish_id"] for c in fake.sent("GET", STATUS)] == [PHOTO_SHARE_ID]
    assert result.ref.url == f"https://www.tiktok.com/@acme.shop/photo/{POST_ID}"


# -- Pending, then published by its handle --------------------------------------------------
def test_a_publish_still_processing_is_pending_then_published_by_its_handle(
    provider, fake, channel
):
    provider.poll_attempts = 2
    video_network(fake, "status_processing", "status_processing", "status_complete")
    result = provider.publish(channel, PublishRequest("p1", CAPTION, [video()], dict(SETTINGS)))
    assert result.state == "pending" and json.loads(result.handle)["publish_id"] == SHARE_ID
    done = provider.check_status(channel, result.handle)
    assert (done.state, done.ref.id) == ("published", POST_ID)
    assert len(fake.sent("POST", VIDEO)) == 1


def test_a_failed_publish_says_why_and_keeps_its_handle(provider, fake, channel):
    video_network(fake, "status_failed_frame_rate")
    request = PublishRequest("p1", CAPTION, [video()], dict(SETTINGS))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    error = caught.value
    assert (error.kind, error.network_code, error.field) == (
        ErrorKind.CONTENT_REJECTED,
        "frame_rate_check_failed",
        "media",
    )
    assert "23 to 60 frames" in error.user_message
    assert request.progress[PUBLISH_ID] == SHARE_ID


def test_a_publish_tiktok_could_not_fetch_is_made_again(provider, fake, channel):
    video_network(fake, "status_failed_pull", "status_complete")
    request = PublishRequest("p1", CAPTION, [video()], dict(SETTINGS))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    # A failed publish made nothing: the next attempt starts a new one.
    assert PUBLISH_ID not in request.progress and SENT not in request.progress
    assert provider.publish(channel, request).ref.id == POST_ID
    assert len(fake.sent("POST", VIDEO)) == 2


# -- Refusals of the publish call ------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind", "retry_after"),
    [
        ("access_token_expired", ErrorKind.AUTH_EXPIRED, None),
        ("access_token_revoked", ErrorKind.AUTH_EXPIRED, None),
        ("scope_missing", ErrorKind.PERMISSION_DENIED, None),
        ("rate_limited", ErrorKind.RATE_LIMITED, 60),
        ("invalid_params", ErrorKind.CONTENT_REJECTED, None),
    ],
)
def test_a_refused_publish_is_classified_and_may_be_sent_again(
    provider, fake, channel, name, kind, retry_after
):
    fake.on("POST", VIDEO, answer("tiktok_business", name))
    request = PublishRequest("p1", CAPTION, [video()], dict(SETTINGS))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert (caught.value.kind, caught.value.retry_after) == (kind, retry_after)
    # A clear refusal made nothing: the next attempt may publish.
    assert request.progress == {"media_kind": "video"}
    assert fake.sent("GET", STATUS) == []


# -- Unknown outcomes: the publish call is the commit --------------------------------------
def slow_publish():
    return slow_handler(lambda request: answer("tiktok_business", "video_publish"), seconds=1.0)


UNCLEAR = {
    "read_timeout": slow_publish,
    "bad_gateway": lambda: answer("tiktok_business", "bad_gateway"),
    "dropped": lambda: dropped_handler(
        b'{"code":0,"message":"Ok","data":{"share_id":"v_', length=400
    ),
}


def unclear_publish(provider, fake, channel, case, httpserver) -> PublishRequest:
    provider.timeout = (1, 0.5)
    fake.on("POST", VIDEO, UNCLEAR[case]())
    request = PublishRequest("p1", CAPTION, [video()], dict(SETTINGS))
    saved = saved_progress(request)
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, request)
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    # What the next attempt needs was saved before the publish call left.
    assert saved[0][SENT] is True and saved[0][SENT_AT]
    return request


@pytest.mark.parametrize("case", sorted(UNCLEAR))
def test_an_unclear_publish_found_in_the_video_list_is_adopted(
    provider, fake, channel, case, httpserver
):
    request = unclear_publish(provider, fake, channel, case, httpserver)
    fake.on("GET", LIST, answer("tiktok_business", "video_list", created=str(int(time.time()))))

    found = provider.find_existing(channel, request)

    assert found.id == POST_ID
    assert found.url == f"https://www.tiktok.com/@acme.shop/video/{POST_ID}"
    [listing] = fake.sent("GET", LIST)
    assert listing.args["business_id"] == OPEN_ID
    assert len(fake.sent("POST", VIDEO)) == 1


@pytest.mark.parametrize("case", sorted(UNCLEAR))
def test_an_unclear_publish_not_in_the_list_is_never_sent_again(
    provider, fake, channel, case, httpserver
):
    request = unclear_publish(provider, fake, channel, case, httpserver)
    # Only an older video with the same caption: not this one.
    fake.on("GET", LIST, answer("tiktok_business", "video_list", created="1655118100"))

    assert provider.find_existing(channel, request) is None
    with pytest.raises(ProviderError) as again:
        provider.send(channel, request)
    assert again.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert "check the TikTok account before posting again" in again.value.user_message
    assert len(fake.sent("POST", VIDEO)) == 1


def test_after_a_crash_the_publish_is_found_by_its_share_id(provider, fake, channel):
    fake.on("GET", STATUS, answer("tiktok_business", "status_complete"))
    request = PublishRequest(
        "p1",
        CAPTION,
        [],
        dict(SETTINGS),
        progress={SENT: True, PUBLISH_ID: SHARE_ID, "media_kind": "video"},
    )
    found = provider.find_existing(channel, request)
    assert found.id == POST_ID
    assert fake.sent("GET", LIST) == []


# -- Secrets ---------------------------------------------------------------------------------
def test_no_token_reaches_a_log_line(provider, fake, channel, caplog):
    caplog.set_level(logging.DEBUG)
    fake.on("POST", VIDEO, answer("tiktok_business", "access_token_expired"))
    with pytest.raises(ProviderError):
        provider.publish(channel, PublishRequest("p1", CAPTION, [video()], dict(SETTINGS)))
    fake.on(
        "POST", r"/api/tt_user/oauth2/refresh_token/", answer("tiktok_business", "token_rotated")
    )
    grant = provider.refresh(channel)
    video_network(fake, "status_complete")
    provider.publish(channel, PublishRequest("p2", CAPTION, [video()], dict(SETTINGS)))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "werkzeug")
    assert "tiktok-business" in logged and "request_id" in logged
    secrets = (
        TOKEN,
        REFRESH,
        grant.credentials["access_token"],
        grant.credentials["refresh_token"],
    )
    for secret in (*secrets, "biz-app-secret-0f9e8d7c"):
        assert secret not in logged


# -- Comments: the later parts, under the video -------------------------------------------
COMMENT = r"/api/business/comment/create/"
COMMENTS = r"/api/business/comment/list/"
VIDEO_REF = RemoteRef(POST_ID, f"https://www.tiktok.com/@acme.shop/video/{POST_ID}")


def comment_request(text="Sizes run small 👟") -> PublishRequest:
    return PublishRequest("p2", text, [], dict(SETTINGS), reply_to=VIDEO_REF, root=VIDEO_REF)


def test_a_later_part_is_a_comment_under_the_video(provider, fake, channel):
    fake.on("POST", COMMENT, answer("tiktok_business", "comment_create", text="Sizes run small"))
    result = provider.send(channel, comment_request())
    [call] = fake.sent("POST", COMMENT)
    assert call.headers["Access-Token"] == TOKEN
    assert call.json == {"business_id": OPEN_ID, "video_id": POST_ID, "text": "Sizes run small 👟"}
    assert (result.state, result.ref.id) == ("published", "7446011223344556677")
    assert result.ref.url == VIDEO_REF.url


def test_a_comment_without_a_video_id_is_not_sent(provider, fake, channel):
    request = PublishRequest("p2", "Hi", [], {}, root=RemoteRef(""), reply_to=RemoteRef(""))
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, request)
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert fake.sent("POST", COMMENT) == []


@pytest.mark.parametrize("case", sorted(UNCLEAR))
def test_an_unclear_comment_is_found_among_the_videos_comments_or_never_sent_again(
    provider, fake, channel, case, httpserver
):
    provider.timeout = (1, 0.5)
    unclear = {
        "read_timeout": lambda: slow_handler(
            lambda r: answer("tiktok_business", "comment_create", text="x"), seconds=1.0
        ),
        "bad_gateway": lambda: answer("tiktok_business", "bad_gateway"),
        "dropped": lambda: dropped_handler(b'{"code":0,"data":{"comment_id":"74', length=400),
    }
    fake.on("POST", COMMENT, unclear[case]())
    request = comment_request()
    with pytest.raises(ProviderError) as caught:
        provider.send(channel, request)
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    # Not there yet: publishing again refuses rather than comment twice.
    fake.on("GET", COMMENTS, answer("tiktok_business", "comment_list", text="other", created="1"))
    assert provider.find_existing(channel, request) is None
    with pytest.raises(ProviderError) as again:
        provider.send(channel, request)
    assert again.value.kind == ErrorKind.UNKNOWN_OUTCOME

    # Then it shows: the account's own comment with this text, made since we sent it.
    now = str(int(time.time()))
    fake.on(
        "GET",
        COMMENTS,
        answer("tiktok_business", "comment_list", text="Sizes run small 👟", created=now),
    )
    found = provider.find_existing(channel, request)
    assert found.id == "7446011223344556677"
    [listing, *_] = fake.sent("GET", COMMENTS)
    assert (listing.args["business_id"], listing.args["video_id"]) == (OPEN_ID, POST_ID)
    assert len(fake.sent("POST", COMMENT)) == 1
