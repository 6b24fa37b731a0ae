"""Twitch through the publishing engine: what a person sees after each kind of answer.

Helix cannot read a chat back, so every unclear answer (no answer in time, a 502, a
connection dropped mid-answer) leaves the post unconfirmed and the message is never sent
a second time."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from integrations.models import Integration
from posts import engine
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    TWITCH_MESSAGES,
    TWITCH_TOKEN,
    Context,
    twitch_connect,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write
from tests.providers.conftest import dropped_handler

pytestmark = pytest.mark.django_db
TOKEN_URL = r"/twitch-id/oauth2/token"
ANNOUNCEMENTS = r"/twitch-api/helix/chat/announcements"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def post_on_twitch(ctx, owner, settings=None):
    channel = twitch_connect(ctx)
    return channel, write(owner, channel, ["Going live at 9"], settings=settings)


def test_an_expired_token_is_renewed_once_and_the_rotated_refresh_token_kept(ctx, owner):
    channel, post = post_on_twitch(ctx, owner)
    ctx.fake.on(
        "POST",
        TWITCH_MESSAGES,
        answer("twitch", "unauthorized"),
        answer("twitch", "message_sent"),
    )
    ctx.fake.on("POST", TOKEN_URL, answer("twitch", "token_refreshed"))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    sent = ctx.fake.sent("POST", TWITCH_MESSAGES)
    assert [c.headers["Authorization"] for c in sent] == [
        f"Bearer {TWITCH_TOKEN['access_token']}",
        "Bearer twitch-access-new-5Tn0YeW3",
    ]
    [renewal] = ctx.fake.sent("POST", TOKEN_URL)
    assert renewal.form["refresh_token"] == TWITCH_TOKEN["refresh_token"]
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == "twitch-refresh-new-9Mq4AfL7"
    assert fresh(post).remote_id == "abc-123-def"


def test_a_revoked_grant_asks_for_a_reconnect_and_sends_nothing_more(ctx, owner):
    channel, post = post_on_twitch(ctx, owner)
    ctx.fake.on("POST", TWITCH_MESSAGES, answer("twitch", "unauthorized"))
    ctx.fake.on("POST", TOKEN_URL, answer("twitch", "refresh_invalid"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT


def test_a_dropped_message_fails_with_twitchs_reason(ctx, owner):
    _, post = post_on_twitch(ctx, owner)
    ctx.fake.on("POST", TWITCH_MESSAGES, answer("twitch", "message_dropped"))

    assert [o.state for o in publish_due()] == [State.FAILED]

    post = fresh(post)
    assert post.error_kind == "content_rejected"
    assert "identical to the previous one you sent" in post.error_message
    assert publish_due(now=timezone.now() + timedelta(hours=1)) == []
    assert len(ctx.fake.sent("POST", TWITCH_MESSAGES)) == 1


def test_the_rate_limit_moves_the_post_to_twitchs_reset(ctx, owner):
    _, post = post_on_twitch(ctx, owner)
    reset = int(time.time()) + 50

    def limited(call):
        response = answer("twitch", "rate_limited")
        response.headers["Ratelimit-Reset"] = str(reset)
        return response

    ctx.fake.on("POST", TWITCH_MESSAGES, limited)

    publish_due()

    post = fresh(post)
    assert (post.state, post.error_kind) == (State.SCHEDULED, "rate_limited")
    assert timedelta(seconds=30) < post.retry_at - timezone.now() <= timedelta(seconds=51)


def test_an_announcement_is_published_in_its_colour(ctx, owner):
    _, post = post_on_twitch(ctx, owner, settings={"kind": "announcement", "color": "orange"})
    ctx.fake.on("POST", ANNOUNCEMENTS, lambda call: Response(status=204))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    [sent] = ctx.fake.sent("POST", ANNOUNCEMENTS)
    assert sent.json == {"message": "Going live at 9", "color": "orange"}
    assert sent.args["moderator_id"] == sent.args["broadcaster_id"] == "141981764"
    assert fresh(post).remote_url == "https://www.twitch.tv/twitchdev"


# -- unclear answers -------------------------------------------------------------------------
def assert_unconfirmed_and_never_resent(ctx, post):
    post = fresh(post)
    assert post.state == State.UNCONFIRMED and post.error_kind == "unknown_outcome"
    assert "Twitch gives us no way to check" in post.error_message
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.sent("POST", TWITCH_MESSAGES)) == 1


def test_no_answer_in_time_is_unconfirmed_and_never_resent(ctx, owner, monkeypatch):
    monkeypatch.setattr(engine._provider("twitch"), "timeout", (1, 0.5))
    _, post = post_on_twitch(ctx, owner)
    answered = threading.Event()

    def stalled(call):
        time.sleep(1.0)  # past the client's read timeout
        answered.set()
        return answer("twitch", "message_sent")

    ctx.fake.on("POST", TWITCH_MESSAGES, stalled)

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert answered.wait(3)
    assert_unconfirmed_and_never_resent(ctx, post)


def test_a_502_on_the_message_is_unconfirmed_and_never_resent(ctx, owner):
    _, post = post_on_twitch(ctx, owner)
    ctx.fake.on("POST", TWITCH_MESSAGES, answer("twitch", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert_unconfirmed_and_never_resent(ctx, post)


def test_a_connection_dropped_mid_answer_is_unconfirmed_and_never_resent(ctx, owner):
    _, post = post_on_twitch(ctx, owner)
    ctx.fake.on("POST", TWITCH_MESSAGES, dropped_handler(b'{"data":[{"message_id":"abc'))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert_unconfirmed_and_never_resent(ctx, post)
