"""Kick through the publishing engine: renewal, a revoked grant, a message Kick held, and
unclear answers, which leave the post unconfirmed (Kick's API cannot read a chat back)."""

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts import engine
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import KICK_CHAT, KICK_TOKEN, Context, kick_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write
from tests.providers.conftest import dropped_handler

pytestmark = pytest.mark.django_db
TOKEN_URL = r"/kick-id/oauth/token"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def post_on_kick(ctx, owner):
    channel = kick_connect(ctx)
    return channel, write(owner, channel, ["Going live at 9"])


def test_an_expired_token_is_renewed_once_and_the_rotated_refresh_token_kept(ctx, owner):
    channel, _ = post_on_kick(ctx, owner)
    ctx.fake.on("POST", KICK_CHAT, answer("kick", "unauthorized"), answer("kick", "message_sent"))
    ctx.fake.on("POST", TOKEN_URL, answer("kick", "token_refreshed"))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    sent = ctx.fake.sent("POST", KICK_CHAT)
    assert [c.headers["Authorization"] for c in sent] == [
        f"Bearer {KICK_TOKEN['access_token']}",
        "Bearer kick-access-new-Y2E1ZDk0",
    ]
    [renewal] = ctx.fake.sent("POST", TOKEN_URL)
    assert renewal.form["refresh_token"] == KICK_TOKEN["refresh_token"]
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == "kick-refresh-new-OGQ3ZTFj"


def test_a_refused_refresh_asks_for_a_reconnect(ctx, owner):
    channel, post = post_on_kick(ctx, owner)
    ctx.fake.on("POST", KICK_CHAT, answer("kick", "unauthorized"))
    ctx.fake.on("POST", TOKEN_URL, answer("kick", "refresh_invalid"))

    publish_due()

    assert fresh(post).error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT


def test_a_message_kick_held_fails_and_is_not_sent_again(ctx, owner):
    _, post = post_on_kick(ctx, owner)
    ctx.fake.on("POST", KICK_CHAT, answer("kick", "message_not_sent"))

    assert [o.state for o in publish_due()] == [State.FAILED]
    assert fresh(post).error_kind == "content_rejected"
    assert publish_due(now=timezone.now() + timedelta(hours=1)) == []
    assert len(ctx.fake.sent("POST", KICK_CHAT)) == 1


# -- unclear answers -------------------------------------------------------------------------
def assert_unconfirmed_and_never_resent(ctx, post):
    post = fresh(post)
    assert post.state == State.UNCONFIRMED and post.error_kind == "unknown_outcome"
    assert "Kick gives us no way to check" in post.error_message
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.sent("POST", KICK_CHAT)) == 1


def test_no_answer_in_time_is_unconfirmed_and_never_resent(ctx, owner, monkeypatch):
    monkeypatch.setattr(engine._provider("kick"), "timeout", (1, 0.5))
    _, post = post_on_kick(ctx, owner)
    answered = threading.Event()

    def stalled(call):
        time.sleep(1.0)  # past the client's read timeout
        answered.set()
        return answer("kick", "message_sent")

    ctx.fake.on("POST", KICK_CHAT, stalled)

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert answered.wait(3)
    assert_unconfirmed_and_never_resent(ctx, post)


def test_a_500_on_the_message_is_unconfirmed_and_never_resent(ctx, owner):
    _, post = post_on_kick(ctx, owner)
    ctx.fake.on("POST", KICK_CHAT, answer("kick", "server_error"))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert_unconfirmed_and_never_resent(ctx, post)


def test_a_connection_dropped_mid_answer_is_unconfirmed_and_never_resent(ctx, owner):
    _, post = post_on_kick(ctx, owner)
    ctx.fake.on("POST", KICK_CHAT, dropped_handler(b'{"data":{"is_sent":true,'))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert_unconfirmed_and_never_resent(ctx, post)
