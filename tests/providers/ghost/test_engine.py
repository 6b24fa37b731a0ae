"""Ghost through the publishing engine: an unclear answer never makes a second article."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import GHOST_POSTS, ROOT_TEXT, Context, ghost_connect
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


def article(ctx, owner, title="Launch day"):
    channel = ghost_connect(ctx)
    return channel, write(owner, channel, [ROOT_TEXT], settings={"title": title})


def test_a_502_on_the_article_is_found_by_its_title_and_never_posted_twice(ctx, owner):
    _, post = article(ctx, owner)
    ctx.fake.on("POST", GHOST_POSTS, answer("ghost", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", GHOST_POSTS)) == 1
    assert fresh(post).remote_url == "https://blog.acme.example/launch-day/"


def test_a_502_whose_article_ghost_does_not_list_is_unconfirmed(ctx, owner):
    _, post = article(ctx, owner, title="Not on the site")
    ctx.fake.on("POST", GHOST_POSTS, answer("ghost", "bad_gateway"))

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert fresh(post).remote_id == ""
    assert len(ctx.fake.sent("POST", GHOST_POSTS)) == 1


def test_a_deleted_integration_fails_the_post_and_asks_for_a_new_key(ctx, owner):
    channel, post = article(ctx, owner)
    ctx.fake.on("POST", GHOST_POSTS, answer("ghost", "unknown_key"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
