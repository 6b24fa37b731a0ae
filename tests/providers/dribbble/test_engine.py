"""Dribbble through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts import engine
from posts.models import PostItem
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    DRIBBBLE_SHOTS,
    ROOT_TEXT,
    Context,
    dribbble_connect,
    dribbble_image,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
SHOT = rf"{DRIBBBLE_SHOTS}/23456789"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    from integrations.providers.dribbble import DribbbleProvider

    monkeypatch.setattr(DribbbleProvider, "poll_interval", 0)


def shot_on_dribbble(ctx, owner):
    channel = dribbble_connect(ctx)
    post = write(
        owner, channel, [ROOT_TEXT], settings={"title": "Brass lamp"}, media=dribbble_image(ctx)
    )
    return channel, post


def test_a_shot_still_processing_is_pending_then_published_never_sent_twice(ctx, owner):
    _, post = shot_on_dribbble(ctx, owner)
    ctx.fake.on("GET", SHOT, answer("dribbble", "shot_processing"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).remote_id == ""
    assert PostItem.objects.get(post=post).progress[engine.PENDING_HANDLE_KEY] == "23456789"

    ctx.fake.on("GET", SHOT, answer("dribbble", "shot"))
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert fresh(post).remote_url == "https://dribbble.com/shots/23456789-Brass-lamp"
    assert len(ctx.fake.sent("POST", DRIBBBLE_SHOTS)) == 1


def test_a_shot_never_processed_in_the_window_asks_a_person_to_look(ctx, owner):
    _, post = shot_on_dribbble(ctx, owner)
    ctx.fake.on("GET", SHOT, answer("dribbble", "shot_processing"))

    publish_due()
    item = PostItem.objects.get(post=post)
    since = (timezone.now() - timedelta(minutes=21)).isoformat()
    item.progress = {**item.progress, engine.PENDING_SINCE_KEY: since}
    item.save(update_fields=["progress"])
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert len(ctx.fake.sent("POST", DRIBBBLE_SHOTS)) == 1


def test_a_502_on_the_create_is_found_among_the_shots_later_and_never_sent_twice(ctx, owner):
    _, post = shot_on_dribbble(ctx, owner)
    ctx.fake.on("POST", DRIBBBLE_SHOTS, answer("dribbble", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"

    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", DRIBBBLE_SHOTS)) == 1
    assert fresh(post).remote_id == "23456789"


def test_a_502_whose_shot_is_not_listed_is_unconfirmed(ctx, owner):
    shot_on_dribbble(ctx, owner)
    ctx.fake.on("POST", DRIBBBLE_SHOTS, answer("dribbble", "bad_gateway"))
    # Only other shots are listed (a shot of another title).
    ctx.fake.on(
        "GET",
        r"/drb-api/v2/user/shots",
        answer("dribbble", "user_shots", edit=lambda body: body.pop(0)),
    )

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert len(ctx.fake.sent("POST", DRIBBBLE_SHOTS)) == 1


def test_a_revoked_token_asks_for_a_reconnect_and_posts_nothing(ctx, owner):
    channel, post = shot_on_dribbble(ctx, owner)
    ctx.fake.on("POST", DRIBBBLE_SHOTS, answer("dribbble", "bad_credentials"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
