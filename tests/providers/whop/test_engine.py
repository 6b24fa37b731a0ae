"""Whop through the publishing engine: an unclear answer never makes a second post."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import ROOT_TEXT, WHOP_FORUM, WHOP_POSTS, Context, whop_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def forum_post(ctx, owner, title="Launch day"):
    channel = whop_connect(ctx)
    settings = {"experience": WHOP_FORUM, "title": title}
    return channel, write(owner, channel, [ROOT_TEXT], settings=settings)


def test_a_502_on_the_forum_post_is_found_by_its_text_and_never_posted_twice(ctx, owner):
    _, post = forum_post(ctx, owner)
    ctx.fake.on("POST", WHOP_POSTS, answer("whop", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert fresh(post).remote_id == "post_1CsJ8fWq9zQmA"
    assert len(ctx.fake.sent("POST", WHOP_POSTS)) == 1


def test_a_502_whose_post_the_forum_does_not_list_is_unconfirmed(ctx, owner):
    _, post = forum_post(ctx, owner, title="Not in the forum")
    ctx.fake.on("POST", WHOP_POSTS, answer("whop", "bad_gateway"))

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert fresh(post).remote_id == ""
    assert len(ctx.fake.sent("POST", WHOP_POSTS)) == 1


def test_a_key_without_the_forum_permission_fails_the_post_and_says_which(ctx, owner):
    channel, post = forum_post(ctx, owner)
    ctx.fake.on("POST", WHOP_POSTS, answer("whop", "forbidden"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "permission_denied"
    assert "forum:post:create" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.ACTIVE


def test_a_deleted_key_asks_for_a_reconnect(ctx, owner):
    channel, post = forum_post(ctx, owner)
    ctx.fake.on("POST", WHOP_POSTS, answer("whop", "unauthorized"))

    publish_due()

    assert fresh(post).state == State.FAILED
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
