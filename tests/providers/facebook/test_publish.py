import json

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from tests.providers.conftest import (
    assert_no_secret,
    dropped_handler,
    fixture_response,
    slow_handler,
)
from tests.providers.facebook.conftest import HERE

TOKEN = "EAAGpage-token-101"
PAGE = "101"
VIDEO = bytes(range(30))


@pytest.fixture
def channel():
    return Channel(PAGE, {"access_token": TOKEN}, username="acmebakery")


def photo(url="https://cdn.test/a.jpg", alt=""):
    return MediaItem(
        "image/jpeg", 3, lambda: b"JPG", filename="a.jpg", public_url=url, alt_text=alt
    )


def video(duration=20.0, width=1080, height=1920):
    return MediaItem(
        "video/mp4",
        len(VIDEO),
        lambda: pytest.fail("a video is never read whole"),
        filename="v.mp4",
        opener=lambda: __import__("io").BytesIO(VIDEO),
        duration=duration,
        width=width,
        height=height,
    )


def recorder(store, name, check_token=True):
    def handler(request):
        if check_token:
            assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        store.append(request.form.to_dict())
        return fixture_response(HERE, name)

    return handler


def answer(body, status=200):
    return Response(json.dumps(body), status=status, content_type="application/json")


# -- text, links and photos --------------------------------------------------------------
def test_text_post_with_a_link(provider, httpserver, channel):
    forms = []
    httpserver.expect_ordered_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_handler(
        recorder(forms, "feed_post")
    )
    request = PublishRequest("p1", "Fresh bread", settings={"url": "https://acme.test/bread"})
    result = provider.publish(channel, request)
    assert forms == [
        {"message": "Fresh bread", "published": "true", "link": "https://acme.test/bread"}
    ]
    assert (result.ref.id, result.ref.url) == (
        "101_5550001",
        "https://www.facebook.com/101_5550001",
    )


def test_photos_are_uploaded_unpublished_then_attached_to_one_post(provider, httpserver, channel):
    uploads, posts = [], []

    def upload(photo_id):
        def handler(request):
            assert request.headers["Authorization"] == f"Bearer {TOKEN}"
            source = request.files["source"]
            uploads.append(
                (request.form.to_dict(), source.filename, source.mimetype, source.read())
            )
            return answer({"id": photo_id})

        return handler

    for photo_id in ("7770001", "7770002"):
        httpserver.expect_ordered_request(
            f"/g/v24.0/{PAGE}/photos", method="POST"
        ).respond_with_handler(upload(photo_id))
    httpserver.expect_ordered_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_handler(
        recorder(posts, "feed_post")
    )
    request = PublishRequest("p", "Two loaves", media=[photo(alt="A loaf"), photo(url="")])
    provider.publish(channel, request)
    # Sent as files, so Facebook need not reach this server's media.
    assert uploads == [
        ({"published": "false", "alt_text_custom": "A loaf"}, "a.jpg", "image/jpeg", b"JPG"),
        ({"published": "false"}, "a.jpg", "image/jpeg", b"JPG"),
    ]
    assert posts == [
        {
            "message": "Two loaves",
            "published": "true",
            "attached_media[0]": '{"media_fbid":"7770001"}',
            "attached_media[1]": '{"media_fbid":"7770002"}',
        }
    ]
    assert request.progress["photos"] == ["7770001", "7770002"]


def test_a_retry_reuses_the_photos_already_uploaded(provider, httpserver, channel):
    httpserver.expect_ordered_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_response(
        fixture_response(HERE, "feed_post")
    )
    request = PublishRequest("p", "x", media=[photo()], progress={"photos": ["7770001"]})
    provider.publish(channel, request)
    assert not any(r.path.endswith("/photos") for r, _ in httpserver.log)


def test_first_comment_goes_on_the_post(provider, httpserver, channel):
    forms = []
    httpserver.expect_ordered_request(
        "/g/v24.0/101_5550001/comments", method="POST"
    ).respond_with_handler(recorder(forms, "comment"))
    root = RemoteRef("101_5550001", "https://www.facebook.com/101_5550001")
    result = provider.publish(channel, PublishRequest("c", "First comment", root=root))
    assert forms == [{"message": "First comment"}]
    assert result.ref.id == "101_5550001_8880001"
    assert result.ref.url == root.url


# -- videos: resumable upload ------------------------------------------------------------
def expect_transfer(httpserver, seen, start, end, answer_start, answer_end):
    def handler(request):
        seen.append(
            (
                request.form["upload_phase"],
                request.form["start_offset"],
                request.files["video_file_chunk"].read(),
            )
        )
        assert request.form["upload_session_id"] == "3330001"
        return answer({"start_offset": str(answer_start), "end_offset": str(answer_end)})

    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_handler(handler)


def test_video_is_sent_in_the_pieces_facebook_asks_for_and_each_offset_is_saved(
    provider, httpserver, channel
):
    starts, finishes, transfers = [], [], []
    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_handler(recorder(starts, "video_start"))
    expect_transfer(httpserver, transfers, 0, 12, 12, 24)
    expect_transfer(httpserver, transfers, 12, 24, 24, 30)
    expect_transfer(httpserver, transfers, 24, 30, 30, 30)
    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_handler(recorder(finishes, "success"))
    saved = []
    request = PublishRequest("p", "Our kitchen", media=[video()])
    request.checkpoint = lambda progress: saved.append(dict(progress["video"]))
    result = provider.publish(channel, request)
    assert starts == [{"upload_phase": "start", "file_size": "30"}]
    assert transfers == [
        ("transfer", "0", VIDEO[0:12]),
        ("transfer", "12", VIDEO[12:24]),
        ("transfer", "24", VIDEO[24:30]),
    ]
    assert finishes == [
        {
            "upload_phase": "finish",
            "upload_session_id": "3330001",
            "description": "Our kitchen",
            "published": "true",
        }
    ]
    # The session and each new offset were saved as soon as known.
    assert [(s["start"], s["end"]) for s in saved] == [(0, 12), (12, 24), (24, 30), (30, 30)]
    assert result.ref.id == "9990001"
    assert result.ref.url == "https://www.facebook.com/101/videos/9990001"


def test_a_restarted_worker_resumes_the_upload_at_the_saved_offset(provider, httpserver, channel):
    transfers = []
    expect_transfer(httpserver, transfers, 12, 24, 24, 30)
    expect_transfer(httpserver, transfers, 24, 30, 30, 30)
    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_response(fixture_response(HERE, "success"))
    progress = {
        "video": {"size": 30, "session": "3330001", "video_id": "9990001", "start": 12, "end": 24}
    }
    provider.publish(channel, PublishRequest("p", "x", media=[video()], progress=progress))
    assert [t[1] for t in transfers] == ["12", "24"]


def test_a_failed_piece_keeps_the_offset_for_the_next_attempt(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_response(fixture_response(HERE, "video_start"))
    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_response(fixture_response(HERE, "transient_2"))
    request = PublishRequest("p", "x", media=[video()])
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND  # before the commit
    assert request.progress["video"]["session"] == "3330001"
    assert request.progress["video"]["start"] == 0


# -- reels and stories -------------------------------------------------------------------
def test_reel_starts_uploads_to_the_upload_host_then_publishes(provider, httpserver, channel):
    starts, finishes, uploads = [], [], []
    upload_url = httpserver.url_for("/rupload/video-upload/v24.0/9990002")
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/video_reels", method="POST"
    ).respond_with_handler(
        lambda r: (
            starts.append(r.form.to_dict()),
            answer({"video_id": "9990002", "upload_url": upload_url}),
        )[1]
    )

    def upload(request):
        uploads.append(
            (
                request.headers["Authorization"],
                request.headers["offset"],
                request.get_data(),
            )
        )
        return fixture_response(HERE, "success")

    httpserver.expect_ordered_request(
        "/rupload/video-upload/v24.0/9990002", method="POST"
    ).respond_with_handler(upload)
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/video_reels", method="POST"
    ).respond_with_handler(recorder(finishes, "success"))
    request = PublishRequest(
        "p", "Behind the oven", media=[video()], settings={"post_type": "reel"}
    )
    result = provider.publish(channel, request)
    assert starts == [{"upload_phase": "start"}]
    # (The local server drops the file_size header: WSGI servers refuse underscores.)
    assert uploads == [(f"OAuth {TOKEN}", "0", VIDEO)]
    assert finishes == [
        {
            "upload_phase": "finish",
            "video_id": "9990002",
            "video_state": "PUBLISHED",
            "description": "Behind the oven",
        }
    ]
    assert result.ref.url == "https://www.facebook.com/reel/9990002"


def test_an_interrupted_reel_upload_resumes_from_what_meta_received(provider, httpserver, channel):
    uploads = []
    upload_url = httpserver.url_for("/rupload/video-upload/v24.0/9990002")
    httpserver.expect_ordered_request(
        "/g/v24.0/9990002", query_string={"fields": "status"}
    ).respond_with_response(fixture_response(HERE, "video_uploading"))
    httpserver.expect_ordered_request(
        "/rupload/video-upload/v24.0/9990002", method="POST"
    ).respond_with_handler(
        lambda r: (
            uploads.append((r.headers["offset"], r.get_data())),
            fixture_response(HERE, "success"),
        )[1]
    )
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/video_reels", method="POST"
    ).respond_with_response(fixture_response(HERE, "success"))
    progress = {
        "video": {"size": 30, "video_id": "9990002", "upload_url": upload_url, "started": True}
    }
    provider.publish(
        channel,
        PublishRequest(
            "p", "x", media=[video()], settings={"post_type": "reel"}, progress=progress
        ),
    )
    assert uploads == [("12", VIDEO[12:])]


def test_photo_story(provider, httpserver, channel):
    stories = []
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/photos", method="POST"
    ).respond_with_response(fixture_response(HERE, "photo_unpublished"))
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/photo_stories", method="POST"
    ).respond_with_handler(recorder(stories, "story_published"))
    result = provider.publish(
        channel, PublishRequest("p", "", media=[photo()], settings={"post_type": "story"})
    )
    assert stories == [{"photo_id": "7770001"}]
    assert result.ref.id == "101_5550009"


def test_video_story(provider, httpserver, channel):
    finishes = []
    upload_url = httpserver.url_for("/rupload/video-upload/v24.0/9990003")
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/video_stories", method="POST"
    ).respond_with_response(answer({"video_id": "9990003", "upload_url": upload_url}))
    httpserver.expect_ordered_request(
        "/rupload/video-upload/v24.0/9990003", method="POST"
    ).respond_with_response(fixture_response(HERE, "success"))
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/video_stories", method="POST"
    ).respond_with_handler(recorder(finishes, "story_published"))
    result = provider.publish(
        channel, PublishRequest("p", "", media=[video()], settings={"post_type": "story"})
    )
    assert finishes == [{"upload_phase": "finish", "video_id": "9990003"}]
    assert result.ref.id == "101_5550009"


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("expired_190", ErrorKind.AUTH_REVOKED),
        ("invalid_token_190", ErrorKind.AUTH_REVOKED),
        ("rate_32", ErrorKind.RATE_LIMITED),
        ("duplicate_506", ErrorKind.CONTENT_REJECTED),
        ("permission_200", ErrorKind.PERMISSION_DENIED),
    ],
)
def test_errors_on_the_post(provider, httpserver, channel, name, kind):
    httpserver.expect_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_response(
        fixture_response(HERE, name)
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x"))
    assert caught.value.kind == kind
    if kind == ErrorKind.RATE_LIMITED:
        assert caught.value.retry_after == 19 * 60
    if kind == ErrorKind.CONTENT_REJECTED:
        assert "This status update is identical" not in caught.value.user_message
        assert "duplicate" in caught.value.user_message


def test_a_rejection_shows_facebooks_words(provider, httpserver, channel):
    httpserver.expect_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_response(
        fixture_response(HERE, "invalid_param_100")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", settings={"url": "nope"}))
    assert "The link you entered is not a valid URL." in caught.value.user_message


# -- unknown outcomes --------------------------------------------------------------------
HANDLERS = pytest.mark.parametrize(
    "handler",
    [
        slow_handler(lambda _: fixture_response(HERE, "feed_post"), 0.8),
        lambda r: fixture_response(HERE, "bad_gateway"),
        dropped_handler(b'{"id": "101_', length=40),
    ],
    ids=["read-timeout", "502", "connection-closed"],
)


@HANDLERS
def test_an_unclear_post_is_found_by_its_text_and_never_sent_twice(
    provider, httpserver, channel, handler
):
    provider.timeout = (1, 0.5)
    httpserver.expect_ordered_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_handler(
        handler
    )
    request = PublishRequest("p", "Launch  day is here")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_ordered_request(
        f"/g/v24.0/{PAGE}/feed",
        method="GET",
        query_string={"fields": "id,message,created_time,permalink_url", "limit": "25"},
    ).respond_with_response(fixture_response(HERE, "feed_list"))
    found = provider.find_existing(channel, request)
    assert (found.id, found.url) == (
        "101_5550001",
        "https://www.facebook.com/acmebakery/posts/pfbid0abc",
    )
    posts = [r for r, _ in httpserver.log if r.method == "POST"]
    assert len(posts) == 1


@HANDLERS
def test_an_unclear_comment_is_looked_up_on_the_post(provider, httpserver, channel, handler):
    provider.timeout = (1, 0.5)
    httpserver.expect_ordered_request(
        "/g/v24.0/101_5550001/comments", method="POST"
    ).respond_with_handler(handler)
    request = PublishRequest("c", "First comment", root=RemoteRef("101_5550001"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_ordered_request(
        "/g/v24.0/101_5550001/comments", method="GET"
    ).respond_with_response(fixture_response(HERE, "comments_list"))
    assert provider.find_existing(channel, request).id == "101_5550001_8880001"


@pytest.mark.parametrize(
    ("status", "found"), [("video_published", True), ("video_unpublished", False)]
)
def test_an_unclear_video_finish_is_settled_by_the_video_itself(
    provider, httpserver, channel, status, found
):
    httpserver.expect_ordered_request(
        f"/v/v24.0/{PAGE}/videos", method="POST"
    ).respond_with_response(fixture_response(HERE, "bad_gateway"))
    progress = {
        "video": {"size": 30, "session": "3330001", "video_id": "9990001", "start": 30, "end": 30}
    }
    request = PublishRequest("p", "x", media=[video()], progress=progress)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    httpserver.expect_ordered_request(
        "/g/v24.0/9990001", query_string={"fields": "id,status,permalink_url"}
    ).respond_with_response(fixture_response(HERE, status))
    ref = provider.find_existing(channel, request)
    if found:
        assert (ref.id, ref.url) == (
            "9990001",
            "https://www.facebook.com/acmebakery/videos/9990001/",
        )
    else:
        assert ref is None  # not on the Page: the engine asks the person (no key to resend)


def test_a_post_with_no_text_cannot_be_told_apart_so_nothing_is_adopted(
    provider, httpserver, channel
):
    assert (
        provider.find_existing(channel, PublishRequest("p", "", progress={"photos": ["1"]})) is None
    )
    assert httpserver.log == []


def test_no_token_in_any_log_record(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(f"/g/v24.0/{PAGE}/feed", method="POST").respond_with_response(
        fixture_response(HERE, "feed_post")
    )
    provider.publish(channel, PublishRequest("p", "x"))
    assert any("/feed" in r.getMessage() for r in captured_logs.records)
    assert_no_secret(captured_logs, TOKEN)
