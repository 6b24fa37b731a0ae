"""Casts through Neynar against a local fake: text, embeds, channels, threads, the ``idem``
key that makes a resend safe, and the look-up among the account's newest casts."""

import json

import pytest

from integrations.providers.base import (
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.farcaster import SENT_AT, idem_for
from tests.providers.conftest import assert_no_secret, drain, dropped_handler, slow_handler
from tests.providers.farcaster.conftest import API_KEY, CAST, KEY_HEADER, SIGNER, reply

KEY = "8f2b8d4e-4c51-4d8e-9b0a-6b9c9d1e2f30"
HASH = "0x71d5225f77e0164388b1d4c120825f3a2c1f131c"


def request_for(text="Launch day at Acme", media=(), reply_to=None, **settings):
    return PublishRequest(
        post_id="p1",
        key=KEY,
        text=text,
        media=list(media),
        settings=dict(settings),
        reply_to=reply_to,
    )


def image(name):
    return MediaItem("image/png", 9, lambda: b"", public_url=f"https://media.example/{name}")


def sent(httpserver):
    return [json.loads(r.data) for r, _ in httpserver.log if r.method == "POST" and r.path == CAST]


def test_a_cast_with_two_images_in_a_channel(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(CAST, method="POST", headers=KEY_HEADER).respond_with_response(
        reply("cast_created")
    )
    result = provider.publish(
        channel, request_for(media=[image("lamp.png"), image("desk.png")], channel_id="acme")
    )
    assert sent(httpserver) == [
        {
            "signer_uuid": SIGNER,
            "text": "Launch day at Acme",
            "idem": idem_for(request_for()),
            "embeds": [
                {"url": "https://media.example/lamp.png"},
                {"url": "https://media.example/desk.png"},
            ],
            "channel_id": "acme",
        }
    ]
    assert result.ref.id == HASH
    assert result.ref.url == "https://farcaster.xyz/acmeworkshop/0x71d5225f"
    assert_no_secret(captured_logs, API_KEY, SIGNER)


def test_the_idem_key_comes_from_the_parts_key_alone():
    assert len(idem_for(request_for())) == 16
    assert idem_for(request_for()) == idem_for(request_for(text="Edited"))
    other = PublishRequest(post_id="p2", key="0aa1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b", text="x")
    assert idem_for(other) != idem_for(request_for())


def test_a_threads_next_cast_has_the_previous_cast_as_parent(provider, httpserver, channel):
    httpserver.expect_request(CAST, method="POST").respond_with_response(reply("cast_created"))
    provider.publish(channel, request_for("More", reply_to=RemoteRef(HASH), channel_id="acme"))
    [body] = sent(httpserver)
    assert (body["parent"], body["parent_author_fid"]) == (HASH, 194372)
    assert "channel_id" not in body  # a reply lives where its parent does


def test_a_file_without_a_public_address_is_not_sent(provider, httpserver, channel):
    private = MediaItem("image/png", 9, lambda: b"")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[private]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")
    assert sent(httpserver) == []


@pytest.mark.parametrize(
    ("answer", "kind", "field"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED, ""),
        ("signer_not_approved", ErrorKind.AUTH_REVOKED, ""),
        ("forbidden", ErrorKind.PERMISSION_DENIED, ""),
        ("payment_required", ErrorKind.PERMISSION_DENIED, ""),
        ("parent_not_found", ErrorKind.NOT_FOUND, ""),
        ("text_too_long", ErrorKind.CONTENT_REJECTED, "text"),
    ],
)
def test_each_refusal_gets_its_kind(provider, httpserver, channel, answer, kind, field):
    httpserver.expect_request(CAST, method="POST").respond_with_response(reply(answer))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.field) == (kind, field)


def test_the_rate_limit_waits(provider, httpserver, channel):
    httpserver.expect_request(CAST, method="POST").respond_with_response(reply("rate_limited"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.RATE_LIMITED and caught.value.retry_after == 60


# -- unclear answers: the resend carries the same idem ----------------------------------
def resend_after(provider, httpserver, channel, first):
    """An unclear first attempt, then a second attempt of the same part."""
    httpserver.expect_ordered_request(CAST, method="POST").respond_with_handler(first)
    httpserver.expect_ordered_request(CAST, method="POST").respond_with_response(
        reply("cast_created")
    )
    request = request_for()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    first_sent_at = request.progress[SENT_AT]
    result = provider.publish(channel, request)
    assert request.progress[SENT_AT] == first_sent_at
    bodies = sent(httpserver)
    assert [b["idem"] for b in bodies] == [idem_for(request)] * 2
    assert result.ref.id == HASH


def test_no_answer_then_a_resend_with_the_same_idem(provider, httpserver, channel):
    provider.timeout = (1, 0.5)
    resend_after(provider, httpserver, channel, slow_handler(lambda r: reply("cast_created")))


def test_a_500_then_a_resend_with_the_same_idem(provider, httpserver, channel):
    resend_after(provider, httpserver, channel, lambda r: reply("server_error"))


def test_a_dropped_connection_then_a_resend_with_the_same_idem(provider, httpserver, channel):
    resend_after(provider, httpserver, channel, dropped_handler(b'{"success":true,"cast":{'))


def test_an_answer_without_the_hash_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(CAST, method="POST").respond_with_response(reply("cast_no_hash"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- the look-up ----------------------------------------------------------------------------
def expect_casts(httpserver):
    httpserver.expect_request(
        "/api/v2/farcaster/feed/user/casts",
        query_string={"fid": "194372", "limit": "25", "include_replies": "true"},
        headers=KEY_HEADER,
    ).respond_with_response(reply("user_casts"))


def test_the_cast_sent_since_the_first_attempt_is_found(provider, httpserver, channel):
    expect_casts(httpserver)
    request = request_for()
    request.progress[SENT_AT] = "2026-12-07T09:00:01+00:00"
    assert provider.find_existing(channel, request).id == HASH


def test_an_older_cast_with_the_same_words_is_never_taken_for_ours(provider, httpserver, channel):
    expect_casts(httpserver)
    request = request_for()
    request.progress[SENT_AT] = "2026-12-08T09:00:00+00:00"
    assert provider.find_existing(channel, request) is None


def test_a_reply_is_only_matched_under_its_parent(provider, httpserver, channel):
    expect_casts(httpserver)
    request = request_for(reply_to=RemoteRef(HASH))
    request.progress[SENT_AT] = "2026-12-07T09:00:01+00:00"
    assert provider.find_existing(channel, request) is None


def test_release_ids_and_recent_posts_link_to_the_casts(provider, httpserver, channel):
    expect_casts(httpserver)
    assert [r.id for r in provider.recent_posts(channel)] == [
        HASH,
        "0x0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
    ]
    ref = provider.ref_for_id(channel, f"https://farcaster.xyz/acmeworkshop/{HASH}")
    assert (ref.id, ref.url) == (HASH, "https://farcaster.xyz/acmeworkshop/0x71d5225f")


def test_likes_recasts_and_replies_are_read_for_several_casts_at_once(
    provider, httpserver, channel
):
    other = "0x0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    httpserver.expect_request(
        "/api/v2/farcaster/casts", query_string={"casts": f"{HASH},{other}"}, headers=KEY_HEADER
    ).respond_with_response(reply("casts_bulk"))
    metrics = provider.post_metrics(channel, [RemoteRef(HASH), RemoteRef(other), RemoteRef("")])
    # The cast Neynar no longer has is left out.
    assert {h: m.values for h, m in metrics.items()} == {
        HASH: {"likes": 14, "shares": 3, "comments": 5}
    }
