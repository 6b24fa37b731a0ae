"""TikTok through the publishing engine, as a person sees it: a renewed sign-in (with the
rotated refresh token kept), a revoked one, a rate limit, a rejection, an unclear init,
a publish TikTok is still making, and a post sent to the inbox whose id is then set
through the public API (GET /posts/:id/missing, PUT /posts/:id/release-id)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Integration
from integrations.providers.tiktok import TikTokProvider
from integrations.tools import integration_run_tool
from posts.models import Post
from posts.states import State
from tests.api.helpers import make_key
from tests.posts.e2e.fakes import FakeNetwork, answer, recorded
from tests.posts.e2e.networks import (
    TIKTOK_INIT,
    TIKTOK_POST,
    TIKTOK_SETTINGS,
    TIKTOK_TOKEN,
    Context,
    tiktok_connect,
    tiktok_video,
)
from tests.posts.test_networks_end_to_end import publish_due, write

pytestmark = pytest.mark.django_db

TOKEN_PATH = r"/api/v2/oauth/token/"
STATUS = r"/api/v2/post/publish/status/fetch/"
ROTATED = recorded("tiktok", "token_rotated")["body"]


@pytest.fixture
def ctx(org, settings, httpserver, monkeypatch):
    monkeypatch.setattr(TikTokProvider, "poll_interval", 0)
    monkeypatch.setattr(TikTokProvider, "poll_attempts", 2)
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def post_video(ctx, owner, **settings) -> tuple[Integration, Post]:
    channel = tiktok_connect(ctx)
    post = write(
        owner,
        channel,
        ["Launch day at Acme"],
        settings={**TIKTOK_SETTINGS, **settings},
        media=tiktok_video(ctx),
    )
    return channel, post


def settle(post: Post, rounds: int = 8) -> Post:
    for minute in range(rounds):
        current = Post.objects.get(pk=post.pk)
        if current.state not in (State.SCHEDULED, State.PUBLISHING):
            return current
        publish_due(now=timezone.now() + timedelta(minutes=minute))
    return Post.objects.get(pk=post.pk)


def test_an_expired_sign_in_is_renewed_once_and_the_rotated_pair_is_kept(ctx, owner):
    channel, post = post_video(ctx, owner)
    ctx.fake.on(
        "POST",
        TIKTOK_INIT,
        answer("tiktok", "access_token_invalid"),
        answer("tiktok", "video_init", origin=ctx.fake.origin),
    )
    ctx.fake.on("POST", TOKEN_PATH, answer("tiktok", "token_rotated"))

    publish_due()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED, post.error_message
    assert post.remote_id == TIKTOK_POST
    [refresh] = ctx.fake.sent("POST", TOKEN_PATH)
    assert refresh.form["refresh_token"] == "rft.tiktok-refresh"
    inits = ctx.fake.sent("POST", TIKTOK_INIT)
    assert [c.headers["Authorization"] for c in inits] == [
        f"Bearer {TIKTOK_TOKEN}",
        f"Bearer {ROTATED['access_token']}",
    ]
    channel.refresh_from_db()
    assert channel.credentials == {
        "access_token": ROTATED["access_token"],
        "refresh_token": ROTATED["refresh_token"],
    }


def test_a_revoked_grant_fails_the_post_and_asks_for_a_reconnect(ctx, owner):
    channel, post = post_video(ctx, owner)
    ctx.fake.on("POST", TIKTOK_INIT, answer("tiktok", "access_token_invalid"))
    ctx.fake.on("POST", TOKEN_PATH, answer("tiktok", "token_invalid_grant"))

    publish_due()

    post.refresh_from_db()
    channel.refresh_from_db()
    assert post.state == State.FAILED
    assert "reconnect the channel" in post.error_message
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert len(ctx.fake.sent("POST", TIKTOK_INIT)) == 1


def test_a_rate_limit_waits_what_tiktok_says(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TIKTOK_INIT, answer("tiktok", "rate_limit_exceeded"))
    before = timezone.now()

    publish_due()

    post.refresh_from_db()
    assert post.state == State.SCHEDULED
    assert post.error_message == "TikTok asked us to slow down; we will try again later."
    assert timedelta(seconds=40) < post.retry_at - before < timedelta(seconds=50)


def test_a_rejection_shows_tiktoks_words(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TIKTOK_INIT, answer("tiktok", "invalid_params"))
    publish_due()
    post.refresh_from_db()
    assert post.state == State.FAILED
    assert post.error_message == (
        "TikTok rejected the post: The value of the field post_info.title exceeds the "
        "maximum length."
    )


def test_an_unclear_init_leaves_the_post_unconfirmed_and_is_never_sent_twice(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TIKTOK_INIT, answer("tiktok", "bad_gateway"))

    post = settle(post)

    assert post.state == State.UNCONFIRMED
    assert "could not confirm" in post.error_message
    assert len(ctx.fake.sent("POST", TIKTOK_INIT)) == 1
    assert ctx.fake.sent("PUT", r"/up/video/") == []


def test_a_publish_tiktok_is_still_making_is_checked_until_it_is_published(ctx, owner):
    _, post = post_video(ctx, owner)
    processing = [answer("tiktok", "status_processing_download") for _ in range(4)]
    ctx.fake.on("POST", STATUS, *processing, answer("tiktok", "status_complete"))

    publish_due()
    post.refresh_from_db()
    assert post.state == State.SCHEDULED
    assert "still processing" in post.error_message

    post = settle(post)

    assert post.state == State.PUBLISHED, post.error_message
    assert post.remote_url == f"https://www.tiktok.com/@acme.studio/video/{TIKTOK_POST}"
    assert len(ctx.fake.sent("POST", TIKTOK_INIT)) == 1
    assert len(ctx.fake.sent("PUT", r"/up/video/")) == 1


def test_a_video_sent_to_the_inbox_gets_its_release_id_through_the_public_api(ctx, org, owner):
    origin = ctx.fake.origin
    ctx.fake.on(
        "POST",
        r"/api/v2/post/publish/inbox/video/init/",
        answer("tiktok", "inbox_init", origin=origin),
    )
    _, post = post_video(ctx, owner, content_posting_method="UPLOAD")
    ctx.fake.on("POST", STATUS, answer("tiktok", "status_inbox"))
    ctx.fake.on("POST", r"/api/v2/video/list/", answer("tiktok", "video_list"))

    publish_due()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED and post.remote_id == ""
    assert ctx.fake.sent("POST", TIKTOK_INIT) == []  # the inbox, not a direct post
    api = Client(HTTP_AUTHORIZATION=make_key(org, actor=owner)[1])
    base = f"/public/v1/posts/{post.public_id}"

    missing = api.get(f"{base}/missing")

    assert missing.status_code == 200
    videos = missing.json()
    assert [v["id"] for v in videos] == ["7445530123456789012", "7440000000000000001"]
    assert videos[0]["url"].startswith("https://www.tiktok.com/@acme.studio/video/7445530")
    [listing] = ctx.fake.sent("POST", r"/api/v2/video/list/")
    assert listing.headers["Authorization"] == f"Bearer {TIKTOK_TOKEN}"

    link = "https://www.tiktok.com/@acme.studio/video/7445530123456789012?is_from_webapp=1"
    answer_ = api.put(f"{base}/release-id", {"releaseId": link}, content_type="application/json")

    assert answer_.status_code == 200, answer_.content
    body = answer_.json()
    assert (body["releaseId"], body["state"]) == ("7445530123456789012", "PUBLISHED")
    assert body["releaseURL"] == "https://www.tiktok.com/@acme.studio/video/7445530123456789012"
    post.refresh_from_db()
    assert post.remote_id == "7445530123456789012"
    # Set once: the post no longer waits for an id.
    again = api.put(f"{base}/release-id", {"releaseId": "1"}, content_type="application/json")
    assert again.status_code == 400
    assert api.get(f"{base}/missing").json() == []


def test_the_creator_info_tool_runs_for_a_channel_and_renews_a_stale_token(ctx):
    channel = tiktok_connect(ctx)
    creator = r"/api/v2/post/publish/creator_info/query/"
    ctx.fake.on(
        "POST", creator, answer("tiktok", "access_token_invalid"), answer("tiktok", "creator_info")
    )
    ctx.fake.on("POST", TOKEN_PATH, answer("tiktok", "token_rotated"))

    info = integration_run_tool(integration=channel, name="creator_info", data={})

    assert info["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert (info["stitch_disabled"], info["max_video_post_duration_sec"]) == (True, 300)
    assert [c.headers["Authorization"] for c in ctx.fake.sent("POST", creator)] == [
        f"Bearer {TIKTOK_TOKEN}",
        f"Bearer {ROTATED['access_token']}",
    ]
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == ROTATED["refresh_token"]
