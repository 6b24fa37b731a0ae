"""MeWe through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import MEWE_GROUP, MEWE_POSTS, ROOT_TEXT, Context, mewe_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
SETTINGS = {"post_type": "group", "group": MEWE_GROUP}


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def mewe_post(ctx, owner):
    channel = mewe_connect(ctx)
    return write(owner, channel, [ROOT_TEXT], settings=SETTINGS)


def test_a_502_is_unconfirmed_at_once_because_mewe_cannot_be_asked(ctx, owner):
    post = mewe_post(ctx, owner)
    ctx.fake.on("POST", MEWE_POSTS, answer("mewe", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]

    post = fresh(post)
    assert "MeWe gives us no way to check" in post.error_message
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.sent("POST", MEWE_POSTS)) == 1


def test_enhance_your_calm_is_tried_again_later_and_goes_out_once(ctx, owner):
    post = mewe_post(ctx, owner)
    ctx.fake.on(
        "POST",
        MEWE_POSTS,
        answer("mewe", "enhance_your_calm"),
        answer("mewe", "post_created"),
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "rate_limited"
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(hours=1))] == [
        State.PUBLISHED
    ]
    assert fresh(post).remote_url == f"https://mewe.com/group/{MEWE_GROUP}"
    assert len(ctx.fake.sent("POST", MEWE_POSTS)) == 2


def test_an_expired_token_asks_for_a_reconnection_and_sends_nothing(ctx, owner):
    post = mewe_post(ctx, owner)
    ctx.fake.on("POST", MEWE_POSTS, answer("mewe", "unauthorized"))

    publish_due()

    post = fresh(post)
    assert post.state != State.PUBLISHED
    assert "connect the channel again" in post.error_message
    assert len(ctx.fake.sent("POST", MEWE_POSTS)) == 1
