"""Hashnode through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork
from tests.posts.e2e.networks import (
    HASHNODE_GQL,
    HASHNODE_PUB,
    ROOT_TEXT,
    Context,
    hashnode_connect,
    hashnode_graphql,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
SETTINGS = {"title": "Launch day at Acme", "publication": HASHNODE_PUB}


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def hashnode_post(ctx, owner, publish_answer="publish_post"):
    channel = hashnode_connect(ctx)
    ctx.fake.on("POST", HASHNODE_GQL, hashnode_graphql(ctx, publish_answer))
    return channel, write(owner, channel, [ROOT_TEXT], settings=SETTINGS)


def publishes(ctx):
    return [c for c in ctx.fake.sent("POST", HASHNODE_GQL) if "publishPost" in c.json["query"]]


def test_a_refused_token_asks_for_a_reconnect(ctx, owner):
    channel, post = hashnode_post(ctx, owner, "unauthenticated")

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert len(publishes(ctx)) == 1


def test_a_publication_without_pro_fails_and_says_to_upgrade(ctx, owner):
    channel, post = hashnode_post(ctx, owner, "forbidden_pro")

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "permission_denied"
    assert "Pro plan" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.ACTIVE  # the token is fine


def test_an_internal_error_on_publish_is_found_in_the_publication_and_never_sent_twice(ctx, owner):
    _, post = hashnode_post(ctx, owner, "internal_error")

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"

    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]
    post = fresh(post)
    assert post.remote_url == "https://blog.acme.example/launch-day-at-acme"
    assert len(publishes(ctx)) == 1
    assert len(ctx.fake.sent("POST", HASHNODE_GQL)) == 2  # the publish, then one look
