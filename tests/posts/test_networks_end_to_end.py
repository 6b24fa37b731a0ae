"""A post written once goes out to every network: the composer's write path
(``post_group_create``), the real engine (``claim_due`` + ``publish_post``) and the real
providers, with each network faked at its HTTP boundary by its recorded responses.

The per-network setup (the channel as its connect flow stores it, the fake's answers, what
the network must have received) is in ``tests/posts/e2e/networks.py``.
"""

from __future__ import annotations

import pytest

from posts import engine
from posts.models import Post
from posts.services.groups import ChannelInput, ItemInput, post_group_create
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork
from tests.posts.e2e.networks import NETWORKS, Context, Network

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def write(owner, channel, texts, *, settings=None, action="now", publish_at=None):
    """What the composer does when a person presses "Post now" (or "Schedule")."""
    group = post_group_create(
        organization=channel.organization,
        actor=owner,
        content=[ItemInput(text) for text in texts],
        channels=[ChannelInput(channel.pk, settings=dict(settings or {}))],
        action=action,
        publish_at=publish_at,
    )
    return group.posts.get()


def publish_due(*, now=None, rounds=5) -> list[engine.Outcome]:
    """Work the queue as a publisher loop does, until nothing is due."""
    outcomes = []
    for _ in range(rounds):
        claimed = engine.claim_due(now=now)
        if not claimed:
            break
        outcomes += [engine.publish_post(post_id) for post_id in claimed]
    return outcomes


def fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


@pytest.mark.parametrize("network", NETWORKS, ids=str)
def test_a_thread_written_once_is_published_on_the_network_exactly_once(
    network: Network, ctx, owner
):
    channel = network.connect(ctx)
    post = write(owner, channel, network.texts, settings=network.settings)
    assert post.state == State.SCHEDULED

    outcomes = publish_due()

    post = fresh(post)
    assert [o.state for o in outcomes] == [State.PUBLISHED], post.error_message
    assert post.state == State.PUBLISHED and post.error_message == ""
    items = list(post.items.order_by("position"))
    assert [i.content for i in items] == list(network.texts)
    network.check(ctx, post, items)
    assert all(i.remote_id and i.published_at for i in items)
    assert (post.remote_id, post.remote_url) == (items[0].remote_id, items[0].remote_url)
    assert post.remote_url.startswith(("https://", "http://"))
    assert ctx.fake.unrouted == []

    # A second worker, or the next loop, finds nothing to send again.
    sent = len(ctx.fake.calls)
    assert publish_due() == []
    assert len(ctx.fake.calls) == sent
    if ctx.relay is not None:
        assert len(ctx.relay.received) == len(items)
