"""beehiiv through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    BEEHIIV_POST,
    BEEHIIV_POSTS,
    ROOT_TEXT,
    Context,
    beehiiv_connect,
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


def post_on_beehiiv(ctx, owner):
    channel = beehiiv_connect(ctx)
    return channel, write(owner, channel, [ROOT_TEXT], settings={"title": "Launch day"})


def test_a_plan_without_post_creation_fails_the_post_saying_it_needs_enterprise(ctx, owner):
    _, post = post_on_beehiiv(ctx, owner)
    ctx.fake.on("POST", BEEHIIV_POSTS, answer("beehiiv", "enterprise_only"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "permission_denied"
    assert "Enterprise" in post.error_message


def test_a_502_on_the_create_is_found_by_its_slug_and_never_sent_twice(ctx, owner):
    _, post = post_on_beehiiv(ctx, owner)
    ctx.fake.on("POST", BEEHIIV_POSTS, answer("beehiiv", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", BEEHIIV_POSTS)) == 1
    [look] = ctx.fake.sent("GET", BEEHIIV_POSTS)
    assert look.multi["slugs[]"] == [
        ctx.fake.sent("POST", BEEHIIV_POSTS)[0].json["web_settings"]["slug"]
    ]
    assert fresh(post).remote_id == BEEHIIV_POST["id"]


def test_a_502_whose_slug_beehiiv_does_not_have_is_unconfirmed(ctx, owner):
    post_on_beehiiv(ctx, owner)
    ctx.fake.on("POST", BEEHIIV_POSTS, answer("beehiiv", "bad_gateway"))
    ctx.fake.on("GET", BEEHIIV_POSTS, answer("beehiiv", "posts_empty"))

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert len(ctx.fake.sent("POST", BEEHIIV_POSTS)) == 1
