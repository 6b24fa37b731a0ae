"""VK through the publishing engine: what a person sees after each kind of answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    ROOT_TEXT,
    VK_TOKEN,
    VK_WALL_GET,
    VK_WALL_POST,
    Context,
    vk_connect,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
TOKEN_URL = r"/vk-id/oauth2/auth"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def post_on_vk(ctx, owner, text=ROOT_TEXT):
    channel = vk_connect(ctx)
    return channel, write(owner, channel, [text])


def test_an_expired_token_is_renewed_with_the_device_id_and_the_rotated_pair_kept(ctx, owner):
    channel, post = post_on_vk(ctx, owner)
    ctx.fake.on("POST", VK_WALL_POST, answer("vk", "auth_failed"), answer("vk", "wall_post"))
    ctx.fake.on("POST", TOKEN_URL, answer("vk", "token_refreshed"))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    sent = ctx.fake.sent("POST", VK_WALL_POST)
    assert [c.form["access_token"] for c in sent] == [
        VK_TOKEN["access_token"],
        "vk2.a.access-NEW-9Mq4AfL7",
    ]
    [renewal] = ctx.fake.sent("POST", TOKEN_URL)
    assert renewal.form["refresh_token"] == VK_TOKEN["refresh_token"]
    assert renewal.form["device_id"] == "dev-7f3a9c1e5b"
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == "vk2.a.refresh-NEW-5Tn0YeW3"
    assert channel.credentials["device_id"] == "dev-7f3a9c1e5b"
    assert fresh(post).remote_url == "https://vk.com/wall-228154012_512"


def test_a_refused_renewal_asks_for_a_reconnect_and_posts_nothing(ctx, owner):
    channel, post = post_on_vk(ctx, owner)
    ctx.fake.on("POST", VK_WALL_POST, answer("vk", "auth_failed"))
    ctx.fake.on("POST", TOKEN_URL, answer("vk", "refresh_invalid"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "auth_revoked"
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT


def test_a_captcha_moves_the_post_half_an_hour_later_not_to_failed(ctx, owner):
    _, post = post_on_vk(ctx, owner)
    ctx.fake.on("POST", VK_WALL_POST, answer("vk", "captcha_needed"))

    publish_due()

    post = fresh(post)
    assert post.state == State.SCHEDULED and post.error_kind == "rate_limited"
    assert timedelta(minutes=29) < post.retry_at - timezone.now() <= timedelta(minutes=30)


def test_a_502_on_wall_post_is_found_on_the_wall_later_and_never_posted_twice(ctx, owner):
    _, post = post_on_vk(ctx, owner)
    ctx.fake.on("POST", VK_WALL_POST, answer("vk", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"

    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", VK_WALL_POST)) == 1
    assert fresh(post).remote_id == "-228154012_512"


def test_a_502_whose_post_the_wall_does_not_show_is_unconfirmed(ctx, owner):
    post_on_vk(ctx, owner)
    ctx.fake.on("POST", VK_WALL_POST, answer("vk", "bad_gateway"))
    ctx.fake.on(
        "POST",
        VK_WALL_GET,
        answer("vk", "wall_get", edit=lambda body: body["response"]["items"].pop(0)),
    )

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert len(ctx.fake.sent("POST", VK_WALL_POST)) == 1
