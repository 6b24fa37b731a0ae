import time

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, ProviderError, PublishRequest
from integrations.providers.google import seconds_to_quota_reset
from integrations.providers.youtube import FINAL_SENT, SESSION, VIDEO
from tests.providers.conftest import assert_no_secret, dropped_handler, fixture_response
from tests.providers.youtube.conftest import (
    CHANNEL_ID,
    HERE,
    KIB,
    SESSIONS,
    TOKEN,
    VIDEO_ID,
    video_file,
)

SIZE = 600 * KIB  # two whole chunks of 256 KiB, then 88 KiB
SETTINGS = {
    "title": "Launch day at Acme",
    "type": "unlisted",
    "selfDeclaredMadeForKids": "no",
    "tags": [{"value": "acme", "label": "acme"}, {"value": "launch day", "label": "launch day"}],
    "categoryId": "28",
}
RANGES = [(0, 262143), (262144, 524287), (524288, SIZE - 1)]


@pytest.fixture
def channel():
    return Channel(CHANNEL_ID, {"access_token": TOKEN, "refresh_token": "r"}, username="acmestudio")


def request_for(tmp_path, settings=None, **fields) -> PublishRequest:
    return PublishRequest(
        "p1",
        "Everything we shipped today.",
        media=[video_file(tmp_path, SIZE)],
        settings={**SETTINGS, **(settings or {})},
        **fields,
    )


def ranges(uploads):
    return [(start, end) for _, start, end in uploads.chunks]


def test_a_video_goes_out_in_chunks_with_all_its_metadata(provider, uploads, channel, tmp_path):
    saved = []
    request = request_for(tmp_path)
    # What the engine's checkpoint saves, and how many chunks had arrived by then.
    request.checkpoint = lambda progress: saved.append((dict(progress), len(uploads.chunks)))

    result = provider.send(channel, request)

    assert uploads.opened == [
        {
            "metadata": {
                "snippet": {
                    "title": "Launch day at Acme",
                    "description": "Everything we shipped today.",
                    "categoryId": "28",
                    "tags": ["acme", "launch day"],
                },
                "status": {"privacyStatus": "unlisted", "selfDeclaredMadeForKids": False},
            },
            "length": str(SIZE),
            "type": "video/mp4",
        }
    ]
    assert ranges(uploads) == RANGES
    assert uploads.received() == SIZE and len(uploads.videos) == 1
    # The session was saved before its first byte went out.
    first_save, chunks_then = saved[0]
    assert first_save[SESSION].startswith(provider.url("upload", SESSIONS))
    assert chunks_then == 0
    # Until YouTube has processed the video the post is pending on it.
    assert (result.state, result.handle) == ("pending", VIDEO_ID)
    assert result.ref.url == f"https://www.youtube.com/watch?v={VIDEO_ID}"
    assert request.progress[VIDEO] == {"id": VIDEO_ID, "upload_status": "uploaded"}


def test_a_video_processed_by_the_time_it_is_uploaded_is_published_at_once(
    provider, httpserver, uploads, channel, tmp_path
):
    httpserver.clear_all_handlers()
    httpserver.expect_request(SESSIONS, method="POST").respond_with_handler(uploads.open)
    httpserver.expect_request(SESSIONS, method="PUT").respond_with_handler(uploads.put)
    httpserver.expect_request("/youtube/v3/videos").respond_with_response(
        fixture_response(HERE, "videos_processed")
    )
    result = provider.publish(channel, request_for(tmp_path))
    assert (result.state, result.ref.id) == ("published", VIDEO_ID)


def test_a_video_rejected_right_after_the_upload_fails_with_the_reason(
    provider, httpserver, uploads, channel, tmp_path
):
    httpserver.clear_all_handlers()
    httpserver.expect_request(SESSIONS, method="POST").respond_with_handler(uploads.open)
    httpserver.expect_request(SESSIONS, method="PUT").respond_with_handler(uploads.put)
    httpserver.expect_request("/youtube/v3/videos").respond_with_response(
        fixture_response(HERE, "videos_rejected")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(tmp_path))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "duplicate" in caught.value.user_message


def test_made_for_kids_and_visibility_reach_the_status(provider, uploads, channel, tmp_path):
    request = request_for(tmp_path, {"type": "private", "selfDeclaredMadeForKids": "yes"})
    request.settings.pop("categoryId")
    provider.publish(channel, request)
    metadata = uploads.opened[0]["metadata"]
    assert metadata["status"] == {"privacyStatus": "private", "selfDeclaredMadeForKids": True}
    # YouTube's own default category when none is chosen (People & Blogs).
    assert metadata["snippet"]["categoryId"] == "22"


def expect_videos_list(httpserver, name):
    httpserver.expect_ordered_request(
        "/youtube/v3/videos",
        method="GET",
        query_string={"part": "status,processingDetails", "id": VIDEO_ID},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).respond_with_response(fixture_response(HERE, name))


def test_pending_until_youtube_has_processed_the_video(provider, httpserver, channel):
    expect_videos_list(httpserver, "videos_processing")
    expect_videos_list(httpserver, "videos_processed")
    assert provider.check_status(channel, VIDEO_ID) is None
    done = provider.check_status(channel, VIDEO_ID)
    assert (done.state, done.ref.id) == ("published", VIDEO_ID)
    assert done.ref.url == f"https://www.youtube.com/watch?v={VIDEO_ID}"


def test_a_video_youtube_rejects_while_processing_says_why(provider, httpserver, channel):
    expect_videos_list(httpserver, "videos_rejected")
    with pytest.raises(ProviderError) as caught:
        provider.check_status(channel, VIDEO_ID)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "duplicate" in caught.value.user_message
    assert caught.value.verdict  # YouTube's answer about the video: it settles the post


def test_a_video_removed_while_processing_is_not_found(provider, httpserver, channel):
    expect_videos_list(httpserver, "videos_none")
    with pytest.raises(ProviderError) as caught:
        provider.check_status(channel, VIDEO_ID)
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert caught.value.verdict


def test_while_processing_youtubes_estimate_of_the_time_left_sets_the_next_look(
    provider, httpserver, channel
):
    expect_videos_list(httpserver, "videos_processing_progress")
    result = provider.check_status(channel, VIDEO_ID)
    assert (result.state, result.handle, result.check_after) == ("pending", VIDEO_ID, 90.0)


# -- thumbnail and playlist ---------------------------------------------------------------
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 2000


def thumbnail_settings(httpserver, body=JPEG):
    httpserver.expect_request("/media/cover.jpg", method="GET").respond_with_data(
        body, content_type="image/jpeg"
    )
    return {"thumbnail": {"id": "m1", "path": httpserver.url_for("/media/cover.jpg")}}


def test_the_custom_thumbnail_is_set_on_the_uploaded_video(
    provider, httpserver, uploads, channel, tmp_path
):
    seen = {}

    def thumbnail(request):
        seen.update(
            args=request.args.to_dict(),
            type=request.headers["Content-Type"],
            auth=request.headers["Authorization"],
            body=request.get_data(),
        )
        return fixture_response(HERE, "thumbnail_set")

    httpserver.expect_request(
        "/upload/youtube/v3/thumbnails/set", method="POST"
    ).respond_with_handler(thumbnail)
    request = request_for(tmp_path, thumbnail_settings(httpserver))
    result = provider.publish(channel, request)
    assert seen == {
        "args": {"videoId": VIDEO_ID, "uploadType": "media"},
        "type": "image/jpeg",
        "auth": f"Bearer {TOKEN}",
        "body": JPEG,
    }
    assert request.progress["thumbnail"]["done"] is True
    assert result.ref.id == VIDEO_ID


def test_a_refused_thumbnail_leaves_the_video_published_and_says_why(
    provider, httpserver, uploads, channel, tmp_path
):
    httpserver.expect_request(
        "/upload/youtube/v3/thumbnails/set", method="POST"
    ).respond_with_response(fixture_response(HERE, "forbidden"))
    request = request_for(tmp_path, thumbnail_settings(httpserver))
    result = provider.publish(channel, request)
    assert result.ref.id == VIDEO_ID and len(uploads.videos) == 1
    assert (
        "permissions to upload and set custom video thumbnails"
        in (request.progress["thumbnail"]["error"])
    )


def test_a_thumbnail_that_is_not_an_image_is_never_sent(
    provider, httpserver, uploads, channel, tmp_path
):
    request = request_for(tmp_path, thumbnail_settings(httpserver, body=b"GIF89a" + b"\0" * 50))
    provider.publish(channel, request)
    assert "JPEG or PNG" in request.progress["thumbnail"]["error"]
    assert not any(r.path.endswith("thumbnails/set") for r, _ in httpserver.log)


def test_the_video_is_added_to_the_chosen_playlist(
    provider, httpserver, uploads, channel, tmp_path
):
    bodies = []

    def insert(request):
        bodies.append((request.args.to_dict(), request.get_json()))
        return fixture_response(HERE, "playlist_item")

    httpserver.expect_request("/youtube/v3/playlistItems", method="POST").respond_with_handler(
        insert
    )
    request = request_for(tmp_path, {"playlistId": "PLacmeLaunches"})
    provider.publish(channel, request)
    assert bodies == [
        (
            {"part": "snippet"},
            {
                "snippet": {
                    "playlistId": "PLacmeLaunches",
                    "resourceId": {"kind": "youtube#video", "videoId": VIDEO_ID},
                }
            },
        )
    ]
    assert request.progress["playlist"]["done"] is True


def test_an_unclear_playlist_answer_is_checked_before_adding_again(
    provider, httpserver, uploads, channel, tmp_path
):
    inserts = []
    httpserver.expect_request("/youtube/v3/playlistItems", method="POST").respond_with_handler(
        lambda r: (inserts.append(1), fixture_response(HERE, "bad_gateway"))[1]
    )
    request = request_for(tmp_path, {"playlistId": "PLacmeLaunches"})
    with pytest.raises(ProviderError):
        provider.publish(channel, request)
    assert request.progress[VIDEO]["id"] == VIDEO_ID
    # The next attempt: the video is not uploaded again, and the playlist already has it.
    httpserver.expect_request(
        "/youtube/v3/playlistItems",
        method="GET",
        query_string={"part": "id", "playlistId": "PLacmeLaunches", "videoId": VIDEO_ID},
    ).respond_with_response(fixture_response(HERE, "playlist_items_found"))
    result = provider.publish(channel, request)
    assert result.ref.id == VIDEO_ID
    assert len(inserts) == 1 and len(uploads.opened) == 1 and len(uploads.videos) == 1
    assert request.progress["playlist"]["done"] is True


# -- resuming -----------------------------------------------------------------------------
def test_a_308_holding_less_than_was_sent_resumes_from_the_servers_offset(
    provider, uploads, channel, tmp_path
):
    def keep_only_the_first_chunk(request, number):
        if number == 1:  # the server dropped the second chunk: it holds 0-262143
            return Response("", status=308, headers={"Range": "bytes=0-262143"})
        return None

    uploads.fault = keep_only_the_first_chunk
    result = provider.publish(channel, request_for(tmp_path))
    assert ranges(uploads) == [RANGES[0], RANGES[1], RANGES[1], RANGES[2]]
    assert uploads.received() == SIZE and len(uploads.videos) == 1
    assert result.ref.id == VIDEO_ID


def test_an_attempt_that_stopped_mid_upload_resumes_where_youtube_stopped(
    provider, uploads, channel, tmp_path
):
    provider.max_recoveries = 0
    uploads.fault = lambda request, number: (
        dropped_handler(b"", status=308, length=10)(request) if number == 1 else None
    )
    request = request_for(tmp_path)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    session = request.progress[SESSION]

    uploads.fault = None
    result = provider.publish(channel, request)
    # Asked the same session what it holds, then sent only what it lacked.
    assert uploads.status_queries == ["AEnB2Uo1secretid"]
    assert ranges(uploads) == [RANGES[0], RANGES[1], RANGES[1], RANGES[2]]
    assert request.progress[SESSION] == session and len(uploads.opened) == 1
    assert len(uploads.videos) == 1 and result.ref.id == VIDEO_ID


def test_an_expired_session_that_never_got_the_last_chunk_starts_a_new_one(
    provider, uploads, channel, tmp_path
):
    request = request_for(tmp_path)
    request.progress.update(
        {SESSION: uploads.origin + SESSIONS + "?upload_id=gone", "upload_size": SIZE}
    )
    result = provider.publish(channel, request)
    assert len(uploads.opened) == 1 and ranges(uploads) == RANGES
    assert result.ref.id == VIDEO_ID


def test_an_expired_session_after_the_last_chunk_is_never_uploaded_again(
    provider, uploads, channel, tmp_path
):
    request = request_for(tmp_path)
    request.progress.update(
        {
            SESSION: uploads.origin + SESSIONS + "?upload_id=gone",
            "upload_size": SIZE,
            FINAL_SENT: True,
        }
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert uploads.opened == [] and uploads.chunks == []


# -- unknown outcomes on the last chunk ---------------------------------------------------
def slow_after(request, number):
    if number == 2:
        time.sleep(0.8)  # past the read timeout the test sets
    return None


def bad_gateway_after(request, number):
    return fixture_response(HERE, "bad_gateway") if number == 2 else None


def dropped_after(request, number):
    if number == 2:
        return dropped_handler(b'{"kind": "youtube#video", "id": "dQw', status=201, length=400)(
            request
        )
    return None


UNCLEAR = pytest.mark.parametrize(
    "fault",
    [slow_after, bad_gateway_after, dropped_after],
    ids=["read-timeout", "502", "connection-closed"],
)


@UNCLEAR
def test_an_unclear_last_chunk_asks_the_session_and_adopts_the_video(
    provider, uploads, channel, tmp_path, fault
):
    provider.upload_timeout = (1, 0.5)
    uploads.fault_after = fault
    request = request_for(tmp_path)
    result = provider.publish(channel, request)
    # The session (the handle) was asked; the last chunk was never sent again.
    assert uploads.status_queries == ["AEnB2Uo1secretid"]
    assert ranges(uploads) == RANGES
    assert len(uploads.videos) == 1 and len(uploads.opened) == 1
    assert result.ref.id == VIDEO_ID and request.progress[VIDEO]["id"] == VIDEO_ID


@UNCLEAR
def test_when_the_session_cannot_be_asked_the_outcome_is_unknown_and_reconciled_later(
    provider, httpserver, uploads, channel, tmp_path, fault
):
    provider.upload_timeout = (1, 0.5)
    provider.max_recoveries = 0
    uploads.fault_after = fault
    request = request_for(tmp_path)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert request.progress[FINAL_SENT] is True

    # The engine's next attempt looks first (find_existing), through the same session.
    uploads.fault_after = None
    assert provider.find_existing(channel, request) is None
    assert request.progress[VIDEO]["id"] == VIDEO_ID
    result = provider.publish(channel, request)
    assert result.ref.id == VIDEO_ID
    assert uploads.status_queries == ["AEnB2Uo1secretid"]
    assert ranges(uploads) == RANGES and len(uploads.videos) == 1


def test_a_502_before_the_last_chunk_was_kept_sends_it_again_on_the_same_session(
    provider, uploads, channel, tmp_path
):
    uploads.fault = lambda request, number: (
        fixture_response(HERE, "bad_gateway") if number == 2 else None
    )
    result = provider.publish(channel, request_for(tmp_path))
    assert uploads.status_queries == ["AEnB2Uo1secretid"]
    assert ranges(uploads) == [*RANGES, RANGES[2]]
    assert len(uploads.videos) == 1 and result.ref.id == VIDEO_ID


# -- refusals -----------------------------------------------------------------------------
def refuse_session(httpserver, name):
    httpserver.expect_request(SESSIONS, method="POST").respond_with_response(
        fixture_response(HERE, name)
    )


def test_a_used_up_quota_waits_until_midnight_pacific(provider, httpserver, channel, tmp_path):
    refuse_session(httpserver, "quota_exceeded")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(tmp_path))
    error = caught.value
    assert error.kind == ErrorKind.RATE_LIMITED
    assert abs(error.retry_after - seconds_to_quota_reset()) < 5
    assert "midnight Pacific" in error.user_message and "<a" not in error.user_message


def test_the_channels_upload_limit_waits_for_the_daily_reset(
    provider, httpserver, channel, tmp_path
):
    refuse_session(httpserver, "upload_limit_exceeded")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(tmp_path))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.network_code == "uploadLimitExceeded"
    assert abs(caught.value.retry_after - seconds_to_quota_reset()) < 5


def test_an_invalid_category_is_shown_on_its_field(provider, httpserver, channel, tmp_path):
    refuse_session(httpserver, "invalid_category")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(tmp_path, {"categoryId": "999"}))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.field == "categoryId"
    assert "category" in caught.value.user_message


def test_an_expired_sign_in_mid_upload_resumes_after_the_refresh(
    provider, uploads, channel, tmp_path
):
    uploads.fault = lambda request, number: (
        fixture_response(HERE, "auth_error_401") if number == 1 else None
    )
    request = request_for(tmp_path)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED
    uploads.fault = None
    provider.publish(channel, request)  # the engine retries once after its refresh
    assert len(uploads.opened) == 1 and len(uploads.videos) == 1
    assert ranges(uploads)[-2:] == [RANGES[1], RANGES[2]]


def test_a_post_without_exactly_one_video_is_refused_before_any_call(
    provider, httpserver, channel, tmp_path
):
    request = request_for(tmp_path)
    request.media = request.media * 2
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert httpserver.log == []


def test_no_token_or_upload_id_in_any_log_line(provider, uploads, channel, tmp_path, captured_logs):
    provider.publish(channel, request_for(tmp_path))
    assert_no_secret(captured_logs, TOKEN, "AEnB2Uo1secretid")
    assert any("youtube PUT" in r.getMessage() for r in captured_logs.records)


# -- a session gone after the last chunk: the channel's uploads say -----------------------
def gone_after_the_last_chunk(uploads, tmp_path, opened):
    request = request_for(tmp_path)
    request.progress.update(
        {
            SESSION: uploads.origin + SESSIONS + "?upload_id=gone",
            "upload_size": SIZE,
            "upload_opened_at": opened,
            FINAL_SENT: True,
        }
    )
    return request


def expect_uploads(httpserver):
    httpserver.expect_request(
        "/youtube/v3/playlistItems",
        method="GET",
        query_string={
            "part": "snippet",
            "playlistId": "UUx7lD0hp3tEuiZ1fj5lBqqw",
            "maxResults": "50",
        },
    ).respond_with_response(fixture_response(HERE, "uploads_snippets"))


def test_a_video_made_before_its_session_expired_is_found_among_the_uploads(
    provider, httpserver, uploads, channel, tmp_path
):
    expect_uploads(httpserver)
    request = gone_after_the_last_chunk(uploads, tmp_path, "2026-12-06T23:30:00+00:00")
    assert provider.find_existing(channel, request) is None
    assert request.progress[VIDEO]["id"] == VIDEO_ID
    # Publishing again finishes the steps after the upload; nothing is uploaded.
    result = provider.publish(channel, request)
    assert result.ref.id == VIDEO_ID
    assert uploads.opened == [] and uploads.chunks == []


def test_an_upload_not_among_the_channels_videos_stays_unknown(
    provider, httpserver, uploads, channel, tmp_path
):
    expect_uploads(httpserver)
    # Opened after both listed videos were added: neither is this post's.
    request = gone_after_the_last_chunk(uploads, tmp_path, "2026-12-07T08:00:00+00:00")
    with pytest.raises(ProviderError) as caught:
        provider.find_existing(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert VIDEO not in request.progress and uploads.opened == []
