"""Google Business Profile through the publishing engine."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer, recorded
from tests.posts.e2e.networks import (
    GMB_NOW,
    GMB_TOKEN,
    LOCAL_POSTS,
    ROOT_TEXT,
    Context,
    gmb_connect,
    now_utc,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db
TOKEN_URL = r"/gmb-token"
LIVE = recorded("gmb", "post_live")["body"]


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def test_an_expired_token_is_renewed_once_and_the_refresh_token_kept(ctx, owner):
    channel = gmb_connect(ctx)
    post = write(owner, channel, [ROOT_TEXT])
    ctx.fake.on(
        "POST",
        LOCAL_POSTS,
        answer("gmb", "unauthenticated"),
        answer("gmb", "post_live", now=now_utc(GMB_NOW)),
    )
    ctx.fake.on("POST", TOKEN_URL, answer("gmb", "token_refreshed"))

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    posts = ctx.fake.sent("POST", LOCAL_POSTS)
    assert [c.headers["Authorization"] for c in posts] == [
        f"Bearer {GMB_TOKEN}",
        "Bearer ya29.a0AfB_renewed-access",
    ]
    channel.refresh_from_db()
    # Google does not send a new refresh token; the channel keeps its own.
    assert channel.credentials == {
        "access_token": "ya29.a0AfB_renewed-access",
        "refresh_token": "1//0gE2e",
    }
    assert fresh(post).remote_id == LIVE["name"]


def test_a_post_under_review_is_checked_again_until_it_is_live(ctx, owner):
    channel = gmb_connect(ctx)
    post = write(owner, channel, [ROOT_TEXT])
    ctx.fake.on("POST", LOCAL_POSTS, answer("gmb", "post_processing", now=now_utc(GMB_NOW)))
    ctx.fake.on(
        "GET",
        rf"/gmb-api/v4/{LIVE['name']}",
        answer("gmb", "post_processing", now=now_utc(GMB_NOW)),
        answer("gmb", "post_live", now=now_utc(GMB_NOW)),
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert "still processing" in fresh(post).error_message
    later = timezone.now()
    for minutes in (2, 4):
        later += timedelta(minutes=minutes)
        publish_due(now=later)

    post = fresh(post)
    assert post.state == State.PUBLISHED, post.error_message
    assert (post.remote_id, post.remote_url) == (LIVE["name"], LIVE["searchUrl"])
    assert len(ctx.fake.sent("POST", LOCAL_POSTS)) == 1


def test_a_project_without_api_access_fails_with_what_to_request(ctx, owner):
    channel = gmb_connect(ctx)
    post = write(owner, channel, [ROOT_TEXT])
    ctx.fake.on("POST", LOCAL_POSTS, answer("gmb", "service_disabled"))

    publish_due()

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "permission_denied"
    assert "developers.google.com/my-business/content/prereqs" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.ACTIVE


def test_a_502_on_the_post_is_found_among_the_locations_posts_later(ctx, owner):
    channel = gmb_connect(ctx)
    post = write(owner, channel, [ROOT_TEXT])
    ctx.fake.on("POST", LOCAL_POSTS, answer("gmb", "bad_gateway"))

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]
    assert fresh(post).remote_id == LIVE["name"]
    assert len(ctx.fake.sent("POST", LOCAL_POSTS)) == 1
