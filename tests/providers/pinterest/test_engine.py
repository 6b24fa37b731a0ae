"""Pinterest through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    PINS,
    PINTEREST_BOARD,
    PINTEREST_TOKEN,
    ROOT_TEXT,
    Context,
    library_image,
    now_utc,
    pinterest_connect,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
TOKEN_URL = r"/pin-api/v5/oauth/token"
BOARD_PINS = rf"/pin-api/v5/boards/{PINTEREST_BOARD}/pins"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def pin(ctx, owner, text=ROOT_TEXT):
    channel = pinterest_connect(ctx)
    post = write(
        owner, channel, [text], settings={"board": PINTEREST_BOARD}, media=library_image(ctx)
    )
    return channel, post


def test_an_expired_token_is_renewed_once_and_the_rotated_refresh_token_kept(ctx, owner):
    channel, post = pin(ctx, owner)
    ctx.fake.on("POST", PINS, answer("pinterest", "expired"), answer("pinterest", "pin_created"))
    ctx.fake.on("POST", TOKEN_URL, answer("pinterest", "token_refreshed"))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    pins = ctx.fake.sent("POST", PINS)
    assert [c.headers["Authorization"] for c in pins] == [
        f"Bearer {PINTEREST_TOKEN}",
        "Bearer pina_AMA2renewedaccess",
    ]
    [renewal] = ctx.fake.sent("POST", TOKEN_URL)
    assert renewal.form == {"grant_type": "refresh_token", "refresh_token": "pinr_e2e"}
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == "pinr_AMA2rotatedrefresh"
    assert channel.status == Integration.Status.ACTIVE
    assert fresh(post).remote_url.startswith("https://www.pinterest.com/pin/")


def test_a_revoked_grant_asks_for_a_reconnect_and_pins_nothing(ctx, owner):
    channel, post = pin(ctx, owner)
    ctx.fake.on("POST", PINS, answer("pinterest", "expired"))
    ctx.fake.on("POST", TOKEN_URL, answer("pinterest", "refresh_invalid"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    assert "reconnect" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert len(ctx.fake.sent("POST", PINS)) == 1


def test_a_rate_limit_waits_for_pinterests_reset(ctx, owner):
    _, post = pin(ctx, owner)
    ctx.fake.on("POST", PINS, answer("pinterest", "rate_limited"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]

    post = fresh(post)
    assert post.error_kind == "rate_limited"
    assert timedelta(seconds=30) < post.retry_at - timezone.now() <= timedelta(seconds=43)


def test_a_rejected_pin_fails_with_pinterests_words(ctx, owner):
    _, post = pin(ctx, owner)
    ctx.fake.on("POST", PINS, answer("pinterest", "invalid"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "content_rejected"
    assert "title is longer than 100 characters" in post.error_message


def test_a_502_on_the_pin_is_found_on_the_board_later_and_never_pinned_twice(ctx, owner):
    _, post = pin(ctx, owner)
    ctx.fake.on("POST", PINS, answer("pinterest", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"
    assert ctx.fake.sent("GET", BOARD_PINS) == []

    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]
    post = fresh(post)
    assert post.remote_url.startswith("https://www.pinterest.com/pin/")
    assert len(ctx.fake.sent("POST", PINS)) == 1
    assert len(ctx.fake.sent("GET", BOARD_PINS)) == 1


def test_a_502_whose_pin_the_board_does_not_list_is_unconfirmed(ctx, owner):
    _, post = pin(ctx, owner, text="Not on the board")
    ctx.fake.on("POST", PINS, answer("pinterest", "bad_gateway"))
    ctx.fake.on(
        "GET", BOARD_PINS, answer("pinterest", "board_pins", now=now_utc("%Y-%m-%dT%H:%M:%S"))
    )

    publish_due()
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.UNCONFIRMED
    ]
    assert "did not find it" in fresh(post).error_message
    assert len(ctx.fake.sent("POST", PINS)) == 1
