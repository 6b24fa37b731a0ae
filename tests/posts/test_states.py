"""A post's state changes only along the written transitions, and only once."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from posts.models import Post
from posts.states import ALLOWED_FROM, EDITABLE, State, transition
from tests.factories import ChannelFactory, PostFactory, PostGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org):
    return ChannelFactory(organization=org, name="Acme on Mastodon")


def _post(channel, state=State.SCHEDULED):
    """A post of ``channel`` in ``state``, due in an hour (not yet for the engine)."""
    later = timezone.now() + timedelta(hours=1)
    return PostFactory(integration=channel, state=state, publish_at=later, items=["Hello"])


def _one(post):
    return Post.objects.filter(pk=post.pk)


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for t, sources in ALLOWED_FROM.items() for s in sources],
)
def test_every_written_transition_is_allowed(channel, source, target):
    post = _post(channel, source)
    assert transition(_one(post), target) == 1
    assert Post.objects.get(pk=post.pk).state == target


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for t in State.values for s in State.values if s not in ALLOWED_FROM[t]],
)
def test_every_other_transition_is_refused_and_changes_nothing(channel, source, target):
    post = _post(channel, source)
    assert transition(_one(post), target) == 0
    assert Post.objects.get(pk=post.pk).state == source


def test_a_published_post_can_never_be_scheduled_again(channel):
    post = _post(channel, State.PUBLISHED)
    assert transition(_one(post), State.SCHEDULED) == 0


def test_a_post_being_published_cannot_be_edited():
    assert State.PUBLISHING not in EDITABLE and State.PUBLISHED not in EDITABLE


def test_a_scheduled_post_must_have_a_time(org, channel):
    group = PostGroupFactory(organization=org)
    with pytest.raises(IntegrityError):
        Post.objects.create(organization=org, group=group, integration=channel, state="scheduled")


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_post_at_once_cannot_both_win(channel):
    post = _post(channel)
    barrier = threading.Barrier(2)
    results = []

    def claim():
        try:
            barrier.wait()
            results.append(transition(_one(post), State.PUBLISHING))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]


def test_deleting_a_channel_cancels_what_has_not_gone_out(channel, owner, client_for):
    waiting = [_post(channel), _post(channel, State.DRAFT), _post(channel, State.FAILED)]
    sent = _post(channel, State.PUBLISHED)
    in_flight = _post(channel, State.PUBLISHING)

    confirm = client_for(owner).get(f"/o/acme/channels/{channel.pk}/delete/")
    assert b"3 scheduled posts to this channel will be cancelled" in confirm.content
    response = client_for(owner).post(f"/o/acme/channels/{channel.pk}/delete/", follow=True)

    assert b"3 scheduled posts cancelled" in response.content
    assert {Post.objects.get(pk=p.pk).state for p in waiting} == {State.CANCELLED}
    assert Post.objects.get(pk=sent.pk).state == State.PUBLISHED
    assert Post.objects.get(pk=in_flight.pk).state == State.PUBLISHING  # it was sent; let it end
