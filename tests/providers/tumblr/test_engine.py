"""Tumblr through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    ROOT_TEXT,
    TUMBLR_POSTS,
    TUMBLR_TOKEN,
    Context,
    tumblr_connect,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
TOKEN_URL = r"/tumblr-api/v2/oauth2/token"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def post_on_tumblr(ctx, owner, text=ROOT_TEXT):
    channel = tumblr_connect(ctx)
    return channel, write(owner, channel, [text])


def test_an_expired_token_is_renewed_once_and_the_rotated_refresh_token_kept(ctx, owner):
    channel, post = post_on_tumblr(ctx, owner)
    ctx.fake.on(
        "POST", TUMBLR_POSTS, answer("tumblr", "unauthorized"), answer("tumblr", "post_created")
    )
    ctx.fake.on("POST", TOKEN_URL, answer("tumblr", "token_refreshed"))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    sent = ctx.fake.sent("POST", TUMBLR_POSTS)
    assert [c.headers["Authorization"] for c in sent] == [
        f"Bearer {TUMBLR_TOKEN['access_token']}",
        "Bearer tumblr-access-new-5Tn0YeW3",
    ]
    [renewal] = ctx.fake.sent("POST", TOKEN_URL)
    assert renewal.form["refresh_token"] == TUMBLR_TOKEN["refresh_token"]
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == "tumblr-refresh-new-9Mq4AfL7"
    assert channel.status == Integration.Status.ACTIVE
    assert fresh(post).remote_url == "https://www.tumblr.com/acmeworkshop/769145812345678912"


def test_a_revoked_grant_asks_for_a_reconnect_and_posts_nothing(ctx, owner):
    channel, post = post_on_tumblr(ctx, owner)
    ctx.fake.on("POST", TUMBLR_POSTS, answer("tumblr", "unauthorized"))
    ctx.fake.on("POST", TOKEN_URL, answer("tumblr", "refresh_invalid"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT


def test_the_daily_post_limit_moves_the_post_to_later_not_to_failed(ctx, owner):
    _, post = post_on_tumblr(ctx, owner)
    ctx.fake.on("POST", TUMBLR_POSTS, answer("tumblr", "daily_limit"))

    publish_due()

    post = fresh(post)
    assert post.error_kind == "rate_limited"
    assert "250 posts" in post.error_message
    assert post.state == State.SCHEDULED
    assert timedelta(hours=5) < post.retry_at - timezone.now() <= timedelta(hours=6)
    assert len(ctx.fake.sent("POST", TUMBLR_POSTS)) == 1


def test_a_502_on_the_post_is_found_by_its_slug_later_and_never_posted_twice(ctx, owner):
    _, post = post_on_tumblr(ctx, owner)
    ctx.fake.on("POST", TUMBLR_POSTS, answer("tumblr", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"

    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", TUMBLR_POSTS)) == 1
    assert fresh(post).remote_id == "769145812345678912"


def test_a_502_whose_post_the_blog_does_not_list_is_unconfirmed(ctx, owner):
    _, post = post_on_tumblr(ctx, owner)
    ctx.fake.on("POST", TUMBLR_POSTS, answer("tumblr", "bad_gateway"))
    ctx.fake.on("GET", TUMBLR_POSTS, answer("tumblr", "blog_posts"))  # other posts only

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert fresh(post).remote_id == ""
    assert len(ctx.fake.sent("POST", TUMBLR_POSTS)) == 1
