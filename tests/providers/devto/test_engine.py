"""dev.to through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import DEVTO_ARTICLES, ROOT_TEXT, Context, devto_connect
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
MINE = r"/devto-api/articles/me/all"
SETTINGS = {"title": "Launch day at Acme"}


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def article(ctx, owner, text=ROOT_TEXT):
    channel = devto_connect(ctx)
    return channel, write(owner, channel, [text], settings=SETTINGS)


def test_a_revoked_key_asks_for_a_reconnect_and_posts_nothing(ctx, owner):
    channel, post = article(ctx, owner)
    ctx.fake.on("POST", DEVTO_ARTICLES, answer("devto", "unauthorized"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    assert "dev.to/settings/extensions" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert len(ctx.fake.sent("POST", DEVTO_ARTICLES)) == 1


def test_a_rate_limit_waits_as_long_as_dev_to_says(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", DEVTO_ARTICLES, answer("devto", "rate_limited"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]

    post = fresh(post)
    assert post.error_kind == "rate_limited"
    assert timedelta(seconds=25) < post.retry_at - timezone.now() <= timedelta(seconds=31)


def test_too_many_tags_fail_the_post_with_dev_tos_words(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", DEVTO_ARTICLES, answer("devto", "too_many_tags"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "content_rejected"
    assert "Tag list exceed the maximum of 4 tags" in post.error_message


def test_a_502_whose_article_dev_to_kept_is_found_and_never_posted_twice(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", DEVTO_ARTICLES, answer("devto", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"
    assert ctx.fake.sent("GET", MINE) == []  # the list is read once it has settled

    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]
    post = fresh(post)
    assert post.remote_url == "https://dev.to/acmedev/launch-day-at-acme-3k2b"
    assert len(ctx.fake.sent("POST", DEVTO_ARTICLES)) == 1
    assert len(ctx.fake.sent("GET", MINE)) == 1


def test_a_502_whose_article_dev_to_does_not_list_is_unconfirmed(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", DEVTO_ARTICLES, answer("devto", "bad_gateway"))
    ctx.fake.on("GET", MINE, answer("devto", "my_articles_empty"))

    publish_due()
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.UNCONFIRMED
    ]
    assert "did not find it" in fresh(post).error_message
    assert len(ctx.fake.sent("POST", DEVTO_ARTICLES)) == 1
