"""Skool (unofficial) through the publishing engine: what a person sees after each answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import ROOT_TEXT, SKOOL_POSTS, Context, skool_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
SETTINGS = {"title": "Launch day at Acme"}


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def skool_post(ctx, owner):
    channel = skool_connect(ctx)
    return channel, write(owner, channel, [ROOT_TEXT], settings=SETTINGS)


def test_a_502_is_unconfirmed_at_once_because_skool_cannot_be_asked(ctx, owner):
    _, post = skool_post(ctx, owner)
    ctx.fake.on("POST", SKOOL_POSTS, answer("skool", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.sent("POST", SKOOL_POSTS)) == 1
    assert fresh(post).remote_id == ""


def test_the_firewalls_challenge_is_tried_again_and_the_post_goes_out_once(ctx, owner):
    _, post = skool_post(ctx, owner)
    ctx.fake.on(
        "POST",
        SKOOL_POSTS,
        answer("skool", "waf_challenge"),
        answer("skool", "post_created"),
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert "browser check" in fresh(post).error_message
    later = publish_due(now=timezone.now() + timedelta(minutes=10))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert fresh(post).remote_url == "https://www.skool.com/acme-makers/launch-day-at-acme"
    assert len(ctx.fake.sent("POST", SKOOL_POSTS)) == 2


def test_an_ended_session_fails_the_post_and_asks_for_a_new_cookie(ctx, owner):
    channel, post = skool_post(ctx, owner)
    ctx.fake.on("POST", SKOOL_POSTS, answer("skool", "session_ended"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and "new auth_token cookie" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
