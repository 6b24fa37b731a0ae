"""WordPress through the publishing engine: an unclear answer never makes a second post."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    ROOT_TEXT,
    WORDPRESS_POST,
    WORDPRESS_POSTS,
    Context,
    wordpress_connect,
)
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


def article(ctx, owner, **settings):
    channel = wordpress_connect(ctx)
    return channel, write(owner, channel, [ROOT_TEXT], settings={"title": "Launch day", **settings})


def test_a_502_on_the_post_is_found_by_its_slug_and_never_posted_twice(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", WORDPRESS_POSTS, answer("wordpress", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    [sent] = ctx.fake.sent("POST", WORDPRESS_POSTS)
    [asked] = ctx.fake.sent("GET", WORDPRESS_POSTS)
    assert asked.args["slug"] == sent.json["slug"] and asked.args["status"] == "any"
    assert fresh(post).remote_url == WORDPRESS_POST["link"]


def test_a_502_whose_slug_the_site_does_not_have_is_unconfirmed(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", WORDPRESS_POSTS, answer("wordpress", "bad_gateway"))
    ctx.fake.on("GET", WORDPRESS_POSTS, answer("wordpress", "posts_by_slug_empty"))

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert fresh(post).remote_id == ""
    assert len(ctx.fake.sent("POST", WORDPRESS_POSTS)) == 1


def test_a_revoked_application_password_fails_the_post_and_asks_to_reconnect(ctx, owner):
    channel, post = article(ctx, owner)
    ctx.fake.on("POST", WORDPRESS_POSTS, answer("wordpress", "not_logged_in"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
