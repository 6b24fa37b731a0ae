import base64
import re

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.pinterest import SENT_AT
from tests.providers.conftest import assert_no_secret, drain, dropped_handler, slow_handler
from tests.providers.pinterest.conftest import BEARER, BOARD, TOKEN, recorded, reply

PIN = recorded("pin_created")["body"]["id"]
SETTINGS = {"board": BOARD, "title": "The new lamp", "link": "https://acme.example/lamp"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def image(url="https://media.acme.example/lamp.jpg?sig=abc", alt=""):
    return MediaItem(
        "image/jpeg", 2048, lambda: PNG, "lamp.jpg", 1000, 1500, alt_text=alt, public_url=url
    )


def expect_pin(httpserver, bodies, answer="pin_created"):
    def handler(request):
        bodies.append(request.get_json())
        return reply(answer) if isinstance(answer, str) else answer(request)

    httpserver.expect_ordered_request(
        "/api/v5/pins", method="POST", headers=BEARER
    ).respond_with_handler(handler)


def test_an_image_pin_names_the_board_and_lets_pinterest_fetch_the_public_image(
    provider, httpserver, channel
):
    bodies = []
    expect_pin(httpserver, bodies)
    request = PublishRequest(
        "p1",
        "Our lamp, in three colours",
        media=[image(alt="A brass lamp on an oak table")],
        settings={**SETTINGS, "dominant_color": "#6E7874"},
    )
    result = provider.publish(channel, request)
    assert bodies == [
        {
            "board_id": BOARD,
            "description": "Our lamp, in three colours",
            "title": "The new lamp",
            "link": "https://acme.example/lamp",
            "dominant_color": "#6E7874",
            "alt_text": "A brass lamp on an oak table",
            "media_source": {
                "source_type": "image_url",
                "url": "https://media.acme.example/lamp.jpg?sig=abc",
            },
        }
    ]
    assert (result.ref.id, result.ref.url) == (PIN, f"https://www.pinterest.com/pin/{PIN}/")


def test_a_board_named_by_its_name_is_sent_as_its_id(provider, httpserver, channel):
    bodies = []
    expect_pin(httpserver, bodies)
    provider.publish(
        channel, PublishRequest("p1", "Lamp", media=[image()], settings={"board": "Workshop"})
    )
    assert bodies[0]["board_id"] == "549755885176"


def test_an_image_without_a_public_address_is_sent_inline(provider, httpserver, channel):
    bodies = []
    expect_pin(httpserver, bodies)
    provider.publish(
        channel,
        PublishRequest("p1", "Lamp", media=[image(url="")], settings={"board": BOARD}),
    )
    source = bodies[0]["media_source"]
    assert source == {
        "source_type": "image_base64",
        "content_type": "image/jpeg",
        "data": base64.b64encode(PNG).decode(),
    }


def test_several_images_become_one_carousel_pin(provider, httpserver, channel):
    bodies = []
    expect_pin(httpserver, bodies)
    urls = [f"https://media.acme.example/{n}.jpg" for n in range(3)]
    provider.publish(
        channel,
        PublishRequest("p1", "Three", media=[image(u) for u in urls], settings={"board": BOARD}),
    )
    assert bodies[0]["media_source"] == {
        "source_type": "multiple_image_urls",
        "items": [{"url": u} for u in urls],
        "index": 0,
    }


# -- video: register, upload to the storage address, wait, pin ---------------------------
VIDEO = bytes(range(256)) * 1200  # 300 KB


def video_item(chunks: list | None = None):
    import io

    class Tracked(io.BytesIO):
        def read(self, size=-1):
            piece = super().read(size)
            if chunks is not None and piece:
                chunks.append(len(piece))
            return piece

    def no_whole_read():
        raise AssertionError("a video must never be read whole")

    return MediaItem(
        "video/mp4",
        len(VIDEO),
        no_whole_read,
        "launch.mp4",
        1080,
        1920,
        duration=12.0,
        opener=lambda: Tracked(VIDEO),
    )


def expect_video(httpserver, uploads, statuses=("media_processing", "media_succeeded")):
    origin = httpserver.url_for("").rstrip("/")
    httpserver.expect_ordered_request(
        "/api/v5/media", method="POST", headers=BEARER, json={"media_type": "video"}
    ).respond_with_response(reply("media_registered", origin=origin))

    def upload(request):
        assert "Authorization" not in request.headers
        assert request.headers.get("Transfer-Encoding") is None
        uploads.append(
            {
                "form": request.form.to_dict(),
                "file": request.files["file"].read(),
                "filename": request.files["file"].filename,
                "type": request.files["file"].content_type,
            }
        )
        return reply("upload_done")

    httpserver.expect_ordered_request(
        "/s3/pinterest-media-upload/", method="POST"
    ).respond_with_handler(upload)
    for status in statuses:
        httpserver.expect_ordered_request(
            "/api/v5/media/12345", method="GET", headers=BEARER
        ).respond_with_response(reply(status))


def test_a_video_is_registered_uploaded_as_a_stream_waited_for_and_pinned(
    provider, httpserver, channel
):
    uploads, bodies, chunks = [], [], []
    expect_video(httpserver, uploads)
    expect_pin(httpserver, bodies)
    request = PublishRequest("p1", "Launch", media=[video_item(chunks)], settings={"board": BOARD})
    provider.publish(channel, request)

    [upload] = uploads
    parameters = recorded("media_registered")["body"]["upload_parameters"]
    assert upload["form"] == parameters
    assert upload["file"] == VIDEO
    assert (upload["filename"], upload["type"]) == ("launch.mp4", "video/mp4")
    # Sent from the stream in pieces, never the whole file in one read.
    assert max(chunks) < len(VIDEO)
    assert bodies[0]["media_source"] == {
        "source_type": "video_id",
        "media_id": "12345",
        "cover_image_key_frame_time": 1,
    }
    assert request.progress["video"] == {
        "media_id": "12345",
        "size": len(VIDEO),
        "uploaded": True,
        "ready": True,
    }


def test_a_retry_after_the_upload_only_waits_for_the_same_video(provider, httpserver, channel):
    bodies = []
    httpserver.expect_ordered_request("/api/v5/media/12345", method="GET").respond_with_response(
        reply("media_succeeded")
    )
    expect_pin(httpserver, bodies)
    request = PublishRequest("p1", "Launch", media=[video_item()], settings={"board": BOARD})
    request.progress["video"] = {"media_id": "12345", "size": len(VIDEO), "uploaded": True}
    provider.publish(channel, request)
    assert not [r for r, _ in httpserver.log if r.path == "/api/v5/media"]
    assert bodies[0]["media_source"]["media_id"] == "12345"


def test_a_video_pinterest_cannot_process_is_rejected_and_registered_anew_next_time(
    provider, httpserver, channel
):
    expect_video(httpserver, [], statuses=("media_failed",))
    request = PublishRequest("p1", "Launch", media=[video_item()], settings={"board": BOARD})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "could not process the video" in caught.value.user_message
    assert "video" not in request.progress
    assert not [r for r, _ in httpserver.log if r.path == "/api/v5/pins"]


def test_a_failed_upload_is_transient_and_pins_nothing(provider, httpserver, channel):
    origin = httpserver.url_for("").rstrip("/")
    httpserver.expect_ordered_request("/api/v5/media", method="POST").respond_with_response(
        reply("media_registered", origin=origin)
    )
    httpserver.expect_ordered_request(
        "/s3/pinterest-media-upload/", method="POST"
    ).respond_with_response(reply("bad_gateway"))
    request = PublishRequest("p1", "Launch", media=[video_item()], settings={"board": BOARD})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert not request.progress["video"].get("uploaded")


# -- what Pinterest refuses --------------------------------------------------------------
def test_a_rejected_pin_shows_pinterests_words(provider, httpserver, channel):
    expect_pin(httpserver, [], answer="invalid")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image()], settings=SETTINGS))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.user_message == (
        "Pinterest rejected the pin: Invalid parameters: title is longer than 100 characters."
    )


def test_a_deleted_board_is_not_found_and_points_at_the_board(provider, httpserver, channel):
    expect_pin(httpserver, [], answer="board_not_found")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image()], settings=SETTINGS))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.NOT_FOUND, "board")


def test_a_rate_limit_says_when_to_try_again(provider, httpserver, channel):
    expect_pin(httpserver, [], answer="rate_limited")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image()], settings=SETTINGS))
    assert (caught.value.kind, caught.value.retry_after) == (ErrorKind.RATE_LIMITED, 42)


def test_an_expired_token_asks_for_a_renewal(provider, httpserver, channel):
    expect_pin(httpserver, [], answer="expired")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image()], settings=SETTINGS))
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


def test_a_created_answer_without_a_pin_id_is_an_unknown_outcome(provider, httpserver, channel):
    expect_pin(httpserver, [], answer=lambda r: Response("{}", 201, mimetype="application/json"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image()], settings=SETTINGS))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- unknown outcomes: never a second pin, the board is searched --------------------------
@pytest.mark.parametrize(
    "handler",
    [
        slow_handler(lambda _: reply("pin_created"), 0.8),
        lambda _: reply("bad_gateway"),
        dropped_handler(b'{"id": "81374', status=201, length=300),
    ],
    ids=["read-timeout", "502", "connection-closed"],
)
def test_an_unclear_pin_is_found_on_its_board_and_never_sent_twice(
    provider, httpserver, channel, handler
):
    provider.timeout = (1, 0.5)
    httpserver.expect_ordered_request("/api/v5/pins", method="POST").respond_with_handler(handler)
    httpserver.expect_ordered_request(
        f"/api/v5/boards/{BOARD}/pins",
        method="GET",
        headers=BEARER,
        query_string={"page_size": "25"},
    ).respond_with_response(reply("board_pins"))
    request = PublishRequest("p", "Our lamp, in three colours", media=[image()], settings=SETTINGS)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert request.progress[SENT_AT]
    found = provider.find_existing(channel, request)
    assert (found.id, found.url) == (PIN, f"https://www.pinterest.com/pin/{PIN}/")
    drain(httpserver, 2)
    assert len([r for r, _ in httpserver.log if r.method == "POST"]) == 1


def test_an_older_pin_with_the_same_words_is_not_taken_for_this_one(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v5/boards/{BOARD}/pins").respond_with_response(
        reply("board_pins")
    )
    request = PublishRequest("p", "Last year's lamp", settings={**SETTINGS, "title": "Old lamp"})
    request.progress[SENT_AT] = "2026-12-06T23:30:00+00:00"
    assert provider.find_existing(channel, request) is None
    request.progress.pop(SENT_AT)
    assert provider.find_existing(channel, request).id == "813744226420790001"


def test_no_token_reaches_a_log_line(provider, httpserver, channel, captured_logs):
    expect_video(httpserver, [])
    expect_pin(httpserver, [])
    provider.publish(
        channel, PublishRequest("p", "x", media=[video_item()], settings={"board": BOARD})
    )
    lines = "\n".join(r.getMessage() for r in captured_logs.records)
    assert re.search(r"/api/v5/pins", lines)
    assert_no_secret(captured_logs, TOKEN, "a1b2c3d4e5f6")
