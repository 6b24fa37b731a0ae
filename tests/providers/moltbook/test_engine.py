"""Moltbook through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import MOLTBOOK_POSTS, ROOT_TEXT, Context, moltbook_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
SETTINGS = {"submolt": "general", "title": "Launch day at Acme"}
POST = "216057c5-b441-4e70-80f6-2117214a29ea"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def moltbook_post(ctx, owner):
    channel = moltbook_connect(ctx)
    return write(owner, channel, [ROOT_TEXT], settings=SETTINGS)


def test_the_30_minute_cooldown_waits_as_long_as_moltbook_says_then_posts_once(ctx, owner):
    post = moltbook_post(ctx, owner)
    ctx.fake.on(
        "POST",
        MOLTBOOK_POSTS,
        answer("moltbook", "post_cooldown"),
        answer("moltbook", "post_created"),
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    post = fresh(post)
    assert post.error_kind == "rate_limited"
    assert "one post every 30 minutes" in post.error_message
    assert timedelta(minutes=26) < post.retry_at - timezone.now() <= timedelta(minutes=28)

    later = publish_due(now=timezone.now() + timedelta(minutes=28))
    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", MOLTBOOK_POSTS)) == 2


def test_a_502_is_found_among_the_submolts_newest_posts_and_never_posted_twice(ctx, owner):
    post = moltbook_post(ctx, owner)
    ctx.fake.on("POST", MOLTBOOK_POSTS, answer("moltbook", "bad_gateway"))

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert fresh(post).remote_url == f"https://www.moltbook.com/post/{POST}"
    assert len(ctx.fake.sent("POST", MOLTBOOK_POSTS)) == 1


def test_a_challenged_post_shows_the_challenge_then_publishes_once_verified(ctx, owner):
    post = moltbook_post(ctx, owner)
    ctx.fake.on("POST", MOLTBOOK_POSTS, answer("moltbook", "post_held_for_verification"))
    ctx.fake.on(
        "GET",
        rf"/mb-api/posts/{POST}",
        answer("moltbook", "post_pending"),
        answer("moltbook", "post_verified"),
    )

    publish_due()
    publish_due(now=timezone.now() + timedelta(minutes=1), rounds=1)
    waiting = fresh(post)
    assert waiting.state != State.PUBLISHED
    assert "verification challenge" in waiting.error_message
    assert "moltbook_verify_79b5b83db3de57a6d51ce7c644c83e96" in waiting.error_message

    done = publish_due(now=timezone.now() + timedelta(minutes=2))
    assert [o.state for o in done] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", MOLTBOOK_POSTS)) == 1


def test_a_challenge_left_unanswered_fails_the_post_with_the_reason(ctx, owner):
    post = moltbook_post(ctx, owner)
    ctx.fake.on("POST", MOLTBOOK_POSTS, answer("moltbook", "post_held_for_verification"))
    ctx.fake.on("GET", rf"/mb-api/posts/{POST}", answer("moltbook", "post_verification_failed"))

    publish_due()
    outcomes = publish_due(now=timezone.now() + timedelta(minutes=6))

    assert [o.state for o in outcomes] == [State.FAILED]
    assert "answered wrongly or not within five minutes" in fresh(post).error_message
    assert len(ctx.fake.sent("POST", MOLTBOOK_POSTS)) == 1
