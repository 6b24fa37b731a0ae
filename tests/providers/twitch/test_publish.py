"""Chat messages and announcements in a Twitch channel against a local fake, and what an
unclear answer leaves (Twitch cannot be asked about a message afterwards)."""

import json
import time

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest, RemoteRef
from tests.providers.conftest import assert_no_secret, drain, dropped_handler, slow_handler
from tests.providers.twitch.conftest import ANNOUNCEMENTS, HELIX, MESSAGES, TOKEN, reply


def request_for(text="Launch day at Acme", reply_to=None, **settings):
    return PublishRequest(
        post_id="p1", key="7c1d", text=text, settings=dict(settings), reply_to=reply_to
    )


def sent(httpserver, path):
    return [r for r, _ in httpserver.log if r.method == "POST" and r.path == path]


def test_a_chat_message_is_sent_as_the_broadcaster(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(MESSAGES, method="POST", headers=HELIX).respond_with_response(
        reply("message_sent")
    )
    result = provider.publish(channel, request_for())
    [request] = sent(httpserver, MESSAGES)
    assert json.loads(request.data) == {
        "broadcaster_id": "141981764",
        "sender_id": "141981764",
        "message": "Launch day at Acme",
    }
    assert (result.ref.id, result.ref.url) == ("abc-123-def", "https://www.twitch.tv/twitchdev")
    assert_no_secret(captured_logs, TOKEN["access_token"])


def test_a_threads_next_message_replies_to_the_one_before(provider, httpserver, channel):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(reply("message_sent"))
    provider.publish(channel, request_for("More", reply_to=RemoteRef("abc-123-def")))
    body = json.loads(sent(httpserver, MESSAGES)[0].data)
    assert body["reply_parent_message_id"] == "abc-123-def"


def test_an_announcement_goes_in_its_colour_and_has_no_id(provider, httpserver, channel):
    httpserver.expect_request(
        ANNOUNCEMENTS,
        method="POST",
        query_string={"broadcaster_id": "141981764", "moderator_id": "141981764"},
        headers=HELIX,
    ).respond_with_response(Response(status=204))
    result = provider.publish(channel, request_for(kind="announcement", color="purple"))
    assert json.loads(sent(httpserver, ANNOUNCEMENTS)[0].data) == {
        "message": "Launch day at Acme",
        "color": "purple",
    }
    assert result.ref.id == "" and result.ref.extra == {"kind": "announcement"}


def test_a_dropped_message_fails_with_twitchs_reason_and_is_never_retried(
    provider, httpserver, channel
):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        reply("message_dropped")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.network_code == "msg_duplicate"
    assert "identical to the previous one" in caught.value.user_message


def test_an_announcement_without_the_scope_asks_for_a_reconnect_with_it(
    provider, httpserver, channel
):
    httpserver.expect_request(ANNOUNCEMENTS, method="POST").respond_with_response(
        reply("missing_scope")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(kind="announcement"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "moderator:manage:announcements" in caught.value.user_message


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("unauthorized", ErrorKind.AUTH_EXPIRED),
        ("forbidden", ErrorKind.PERMISSION_DENIED),
        ("too_large", ErrorKind.CONTENT_REJECTED),
        ("bad_request", ErrorKind.CONTENT_REJECTED),
    ],
)
def test_each_refusal_gets_its_kind(provider, httpserver, channel, answer, kind):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(reply(answer))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == kind


def test_the_rate_limit_waits_until_twitchs_reset(provider, httpserver, channel):
    reset = str(int(time.time()) + 42)
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        Response(
            json.dumps({"error": "Too Many Requests", "status": 429, "message": ""}),
            status=429,
            headers={"Ratelimit-Reset": reset, "Content-Type": "application/json"},
        )
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 35 <= caught.value.retry_after <= 42


# -- unclear answers: Twitch cannot be asked about a message, so nothing is sent again ---
def test_no_answer_after_sending_leaves_its_outcome_unknown(provider, httpserver, channel):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(
        slow_handler(lambda r: reply("message_sent"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(sent(httpserver, MESSAGES)) == 1
    assert provider.find_existing(channel, request_for()) is None


def test_a_502_on_the_message_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_connection_dropped_mid_answer_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_handler(
        dropped_handler(b'{"data":[{"message_id":"abc')
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_an_answer_that_does_not_say_sent_is_not_taken_for_sent(provider, httpserver, channel):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        reply("message_no_answer")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_twitch_declares_no_key_and_no_lookup(provider):
    assert (provider.idempotency, provider.lookup) == ("none", "none")
