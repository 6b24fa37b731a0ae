"""Publishing NPF posts on a Tumblr blog against a local fake, and settling unclear answers."""

import json

import pytest

from integrations.providers.base import (
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.tumblr import slug_for, text_blocks
from tests.providers.conftest import assert_no_secret, drain, slow_handler
from tests.providers.tumblr.conftest import BEARER, POSTS, TOKEN, reply

KEY = "8f2b8d4e-4c51-4d8e-9b0a-6b9c9d1e2f30"


def request_for(text="Launch day at Acme", media=(), **settings):
    return PublishRequest(
        post_id="p1", key=KEY, text=text, media=list(media), settings=dict(settings)
    )


def png(name="lamp.png", alt="A brass lamp"):
    return MediaItem(
        "image/png", 9, lambda: b"\x89PNG-lamp", filename=name, width=1200, height=800, alt_text=alt
    )


def mp4():
    return MediaItem("video/mp4", 8, lambda: b"mp4-data", filename="tour.mp4")


def sent_posts(httpserver):
    return [r for r, _ in httpserver.log if r.method == "POST" and r.path == POSTS]


def test_a_text_post_with_title_link_tags_and_source(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(POSTS, method="POST", headers=BEARER).respond_with_response(
        reply("post_created")
    )
    result = provider.publish(
        channel,
        request_for(
            title="Launch day",
            link="https://acme.example/lamp",
            source_url="https://acme.example",
            tags=["#launch", "lamps", "launch"],
        ),
    )
    [request] = sent_posts(httpserver)
    assert json.loads(request.data) == {
        "content": [
            {"type": "text", "subtype": "heading1", "text": "Launch day"},
            {"type": "text", "text": "Launch day at Acme"},
            {"type": "link", "url": "https://acme.example/lamp"},
        ],
        "state": "published",
        "slug": "launch-day-8f2b8d4e4c51",
        "tags": "launch,lamps",
        "source_url": "https://acme.example",
    }
    assert result.ref.id == "769145812345678912"
    assert result.ref.url == "https://www.tumblr.com/acmeworkshop/769145812345678912"
    assert_no_secret(captured_logs, TOKEN["access_token"])


def test_images_travel_as_parts_named_by_their_blocks(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    provider.publish(channel, request_for(media=[png(), png("desk.png", "")]))
    [request] = sent_posts(httpserver)
    assert request.content_type.startswith("multipart/form-data")
    assert b'name="json"\r\nContent-Type: application/json\r\n' in request.get_data()
    post = json.loads(request.form["json"])
    assert post["content"][1:] == [
        {
            "type": "image",
            "media": [{"type": "image/png", "identifier": "media0", "width": 1200, "height": 800}],
            "alt_text": "A brass lamp",
        },
        {
            "type": "image",
            "media": [{"type": "image/png", "identifier": "media1", "width": 1200, "height": 800}],
        },
    ]
    assert request.files["media0"].read() == b"\x89PNG-lamp"
    assert request.files["media1"].filename == "desk.png"


def test_a_video_is_one_video_block(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    provider.publish(channel, request_for(media=[mp4()]))
    [request] = sent_posts(httpserver)
    post = json.loads(request.form["json"])
    assert post["content"][-1] == {
        "type": "video",
        "media": {"type": "video/mp4", "identifier": "media0"},
    }
    assert request.files["media0"].read() == b"mp4-data"


def test_a_queued_post_has_no_address_yet(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_queued"))
    result = provider.publish(channel, request_for(state="queue"))
    assert json.loads(sent_posts(httpserver)[0].data)["state"] == "queue"
    assert result.ref.url == "" and result.ref.extra == {"state": "queued"}


def test_long_text_is_split_into_blocks_at_paragraph_ends():
    first, second = "a" * 3000, "b" * 3000
    assert [len(b["text"]) for b in text_blocks(f"{first}\n\n{second}")] == [3000, 3000]
    words = " ".join(["word"] * 2000)  # 9,999 characters in one paragraph
    blocks = text_blocks(words)
    assert all(len(b["text"]) <= 4096 for b in blocks)
    assert " ".join(b["text"] for b in blocks) == words


def test_the_slug_carries_the_items_key_whatever_the_text():
    assert slug_for(request_for(text="Ünïcode café!")) == "unicode-cafe-8f2b8d4e4c51"
    assert slug_for(request_for(text="")) == "8f2b8d4e4c51"


def test_the_daily_post_limit_waits_for_tomorrow(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("daily_limit"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after >= 3600
    assert "250 posts" in caught.value.user_message


def test_an_expired_token_is_renewable(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("unauthorized"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


def test_a_refused_file_points_at_the_media(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("bad_media"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[png()]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")


def test_a_server_error_on_the_post_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_an_answer_without_an_id_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(
        reply("post_created_no_id")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_no_answer_after_sending_leaves_its_outcome_unknown(provider, httpserver, channel):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(POSTS, method="POST").respond_with_handler(
        slow_handler(lambda r: reply("post_created"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_after_an_unclear_answer_the_post_is_found_by_its_slug(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("blog_posts"))
    found = provider.find_existing(channel, request_for(title="Launch day"))
    assert found.id == "769145812345678912"
    assert httpserver.log[0][0].args["npf"] == "true"


def test_another_items_post_is_never_taken_for_ours(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("blog_posts"))
    other = PublishRequest(post_id="p2", key="0aa1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b", text="x")
    assert provider.find_existing(channel, other) is None


def test_a_queued_post_is_looked_for_in_the_queue(provider, httpserver, channel):
    httpserver.expect_request(f"{POSTS}/queue", method="GET").respond_with_response(
        reply("blog_posts_empty")
    )
    assert provider.find_existing(channel, request_for(state="queue")) is None


def test_notes_are_read_for_each_post(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("blog_posts"))
    metrics = provider.post_metrics(channel, [RemoteRef("769145812345678912")])
    assert metrics["769145812345678912"].values == {"likes": 57}
    assert httpserver.log[0][0].args["id"] == "769145812345678912"


def test_release_ids_and_recent_posts_link_to_the_blog(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("blog_posts"))
    assert [r.id for r in provider.recent_posts(channel)] == [
        "769145812345678912",
        "769100012345678900",
    ]
    ref = provider.ref_for_id(
        channel, "https://acmeworkshop.tumblr.com/post/769145812345678912/launch-day"
    )
    assert (ref.id, ref.url) == (
        "769145812345678912",
        "https://www.tumblr.com/acmeworkshop/769145812345678912",
    )
