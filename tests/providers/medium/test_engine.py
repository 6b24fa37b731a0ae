"""Medium through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import MEDIUM_POSTS, ROOT_TEXT, Context, medium_connect
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


def medium_post(ctx, owner):
    channel = medium_connect(ctx)
    return write(owner, channel, [ROOT_TEXT], settings=SETTINGS)


def test_a_502_is_unconfirmed_at_once_because_medium_cannot_be_asked(ctx, owner):
    post = medium_post(ctx, owner)
    ctx.fake.on("POST", MEDIUM_POSTS, answer("medium", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]

    post = fresh(post)
    assert "Medium gives us no way to check" in post.error_message
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.sent("POST", MEDIUM_POSTS)) == 1


def test_the_daily_limit_waits_for_the_next_day(ctx, owner):
    post = medium_post(ctx, owner)
    ctx.fake.on("POST", MEDIUM_POSTS, answer("medium", "daily_limit"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]

    post = fresh(post)
    assert post.error_kind == "rate_limited"
    assert post.retry_at - timezone.now() > timedelta(hours=23)


def test_cloudflare_turning_the_request_away_is_tried_again_and_goes_out_once(ctx, owner):
    post = medium_post(ctx, owner)
    ctx.fake.on(
        "POST",
        MEDIUM_POSTS,
        answer("medium", "cloudflare_challenge"),
        answer("medium", "post_created"),
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=10))] == [
        State.PUBLISHED
    ]
    assert fresh(post).remote_url == "https://medium.com/@acmedev/launch-day-at-acme-e6f36a"
    assert len(ctx.fake.sent("POST", MEDIUM_POSTS)) == 2
