"""Kick chat messages against a local fake, and what an unclear answer leaves (Kick's API
cannot read a chat back, so nothing is sent again)."""

import json

import pytest

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest, RemoteRef
from tests.providers.conftest import assert_no_secret, drain, dropped_handler, slow_handler
from tests.providers.kick.conftest import BEARER, CHAT, TOKEN, reply


def request_for(text="Launch day at Acme", reply_to=None, **settings):
    return PublishRequest(
        post_id="p1", key="7c1d", text=text, settings=dict(settings), reply_to=reply_to
    )


def sent(httpserver):
    return [r for r, _ in httpserver.log if r.method == "POST" and r.path == CHAT]


def test_a_message_goes_to_the_users_own_channel(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(CHAT, method="POST", headers=BEARER).respond_with_response(
        reply("message_sent")
    )
    result = provider.publish(channel, request_for())
    assert json.loads(sent(httpserver)[0].data) == {
        "content": "Launch day at Acme",
        "type": "user",
        "broadcaster_user_id": 4377088,
    }
    assert result.ref.id == "9b4c1a7e-2f3d-4e8a-b6c5-0d1e2f3a4b5c"
    assert result.ref.url == "https://kick.com/acmeworkshop"
    assert_no_secret(captured_logs, TOKEN["access_token"])


def test_a_bot_message_and_a_reply_in_a_thread(provider, httpserver, channel):
    httpserver.expect_request(CHAT, method="POST").respond_with_response(reply("message_sent"))
    provider.publish(channel, request_for("More", reply_to=RemoteRef("9b4c"), sender="bot"))
    assert json.loads(sent(httpserver)[0].data) == {
        "content": "More",
        "type": "bot",
        "reply_to_message_id": "9b4c",
    }


def test_a_message_kick_did_not_send_fails_for_good(provider, httpserver, channel):
    httpserver.expect_request(CHAT, method="POST").respond_with_response(reply("message_not_sent"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("unauthorized", ErrorKind.AUTH_EXPIRED),
        ("forbidden", ErrorKind.PERMISSION_DENIED),
        ("edge_blocked", ErrorKind.PERMISSION_DENIED),
        ("not_found", ErrorKind.NOT_FOUND),
        ("bad_request", ErrorKind.CONTENT_REJECTED),
    ],
)
def test_each_refusal_gets_its_kind(provider, httpserver, channel, answer, kind):
    httpserver.expect_request(CHAT, method="POST").respond_with_response(reply(answer))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == kind


def test_the_rate_limit_waits_what_kick_says(provider, httpserver, channel):
    httpserver.expect_request(CHAT, method="POST").respond_with_response(reply("rate_limited"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.retry_after) == (ErrorKind.RATE_LIMITED, 30)


# -- unclear answers ----------------------------------------------------------------------
def test_no_answer_after_sending_leaves_its_outcome_unknown(provider, httpserver, channel):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(
        slow_handler(lambda r: reply("message_sent"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(sent(httpserver)) == 1


def test_a_500_on_the_message_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(CHAT, method="POST").respond_with_response(reply("server_error"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_connection_dropped_mid_answer_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(
        dropped_handler(b'{"data":{"is_sent":true,')
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_kick_declares_no_key_and_no_lookup(provider, channel):
    assert (provider.idempotency, provider.lookup) == ("none", "none")
    assert provider.find_existing(channel, request_for()) is None
