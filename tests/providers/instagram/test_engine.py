"""Instagram and Facebook through the publishing engine: a stale sign-in is renewed once
(Instagram Login) or the channel asks for a reconnect (Page tokens), and a throttle waits."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.models import Post
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    FB_FEED,
    IG_CONTAINER,
    IG_MEDIA,
    IG_TOKEN,
    IG_USER,
    Context,
    facebook_connect,
    instagram_connect_as,
    jpeg_in_library,
)
from tests.posts.test_networks_end_to_end import publish_due, write

pytestmark = pytest.mark.django_db(transaction=True)

PUBLISH = rf"/ig/v24\.0/{IG_USER}/media_publish"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def test_an_expired_instagram_login_is_renewed_once_and_the_same_container_published(ctx, owner):
    channel = instagram_connect_as("instagram-standalone", "/ig")(ctx)
    ctx.fake.on(
        "POST", PUBLISH, answer("instagram", "expired_190"), answer("instagram", "published")
    )
    ctx.fake.on("GET", r"/ig/refresh_access_token", answer("instagram", "ig_token_refreshed"))
    post = write(
        owner,
        channel,
        ["Fresh bread"],
        settings={"post_type": "post"},
        media=jpeg_in_library(ctx),
    )

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    commits = ctx.fake.sent("POST", PUBLISH)
    assert [c.headers["Authorization"] for c in commits] == [
        f"Bearer {IG_TOKEN}",
        "Bearer IGAArefreshed-token-345",
    ]
    assert {c.form["creation_id"] for c in commits} == {IG_CONTAINER}
    [renewal] = ctx.fake.sent("GET", r"/ig/refresh_access_token")
    assert renewal.args == {"grant_type": "ig_refresh_token", "access_token": IG_TOKEN}
    assert len(ctx.fake.sent("POST", rf"/ig/v24\.0/{IG_USER}/media")) == 1  # one container
    channel.refresh_from_db()
    assert channel.credentials["access_token"] == "IGAArefreshed-token-345"
    assert Post.objects.get(pk=post.pk).remote_id == IG_MEDIA


def test_a_dead_page_token_fails_the_post_and_asks_for_a_reconnect(ctx, owner):
    channel = facebook_connect(ctx)
    ctx.fake.on("POST", FB_FEED, answer("facebook", "expired_190"))
    post = write(owner, channel, ["Fresh bread"])

    assert [o.state for o in publish_due()] == [State.FAILED]

    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert "reconnect" in Post.objects.get(pk=post.pk).error_message
    assert len(ctx.fake.sent("POST", FB_FEED)) == 1  # nothing to renew, nothing retried


def test_a_throttled_instagram_publish_waits_what_meta_estimates_then_goes_out(ctx, owner):
    channel = instagram_connect_as("instagram-standalone", "/ig")(ctx)
    ctx.fake.on(
        "POST", PUBLISH, answer("instagram", "rate_80001"), answer("instagram", "published")
    )
    post = write(
        owner,
        channel,
        ["Fresh bread"],
        settings={"post_type": "post"},
        media=jpeg_in_library(ctx),
    )

    publish_due()
    post = Post.objects.get(pk=post.pk)
    assert post.state == State.SCHEDULED
    assert "slow down" in post.error_message
    assert publish_due(now=timezone.now() + timedelta(minutes=5)) == []  # still waiting

    publish_due(now=timezone.now() + timedelta(minutes=20))
    post = Post.objects.get(pk=post.pk)
    assert post.state == State.PUBLISHED, post.error_message
    assert {c.form["creation_id"] for c in ctx.fake.sent("POST", PUBLISH)} == {IG_CONTAINER}
