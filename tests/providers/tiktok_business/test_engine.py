"""TikTok Business through the publishing engine, as a person sees it: a renewed sign-in
(with the rotated refresh token kept), a revoked one, a rate limit, a rejection, an unclear
publish call (found in the account's videos, or left for the person to confirm, and never
sent twice), a publish TikTok is still making, and a draft whose id is then set through
the public API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Integration
from integrations.providers.tiktok_business import TikTokBusinessProvider
from integrations.tools import integration_run_tool
from posts.models import Post
from posts.states import State
from tests.api.helpers import make_key
from tests.posts.e2e.fakes import FakeNetwork, answer, recorded
from tests.posts.e2e.networks import (
    TIKTOK_POST,
    TTB_PUBLISH,
    TTB_TOKEN,
    Context,
    tiktok_business_connect,
    tiktok_video,
)
from tests.posts.test_networks_end_to_end import publish_due, write

pytestmark = pytest.mark.django_db

REFRESH_PATH = r"/ttb/tt_user/oauth2/refresh_token/"
STATUS = r"/ttb/business/publish/status/"
LIST = r"/ttb/business/video/list/"
ROTATED = recorded("tiktok_business", "token_rotated")["body"]["data"]
CAPTION = "Autumn collection is here 🍂 #acme"
SETTINGS = {
    "comment": True,
    "duet": False,
    "stitch": False,
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
}


@pytest.fixture
def ctx(org, settings, httpserver, monkeypatch):
    monkeypatch.setattr(TikTokBusinessProvider, "poll_interval", 0)
    monkeypatch.setattr(TikTokBusinessProvider, "poll_attempts", 2)
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def post_video(ctx, owner, **settings) -> tuple[Integration, Post]:
    channel = tiktok_business_connect(ctx)
    post = write(
        owner, channel, [CAPTION], settings={**SETTINGS, **settings}, media=tiktok_video(ctx)
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
        TTB_PUBLISH,
        answer("tiktok_business", "access_token_expired"),
        answer("tiktok_business", "video_publish"),
    )
    ctx.fake.on("POST", REFRESH_PATH, answer("tiktok_business", "token_rotated"))

    publish_due()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED, post.error_message
    assert post.remote_id == TIKTOK_POST
    [refresh] = ctx.fake.sent("POST", REFRESH_PATH)
    assert refresh.json["refresh_token"] == TTB_TOKEN["refresh_token"]
    publishes = ctx.fake.sent("POST", TTB_PUBLISH)
    assert [c.headers["Access-Token"] for c in publishes] == [
        TTB_TOKEN["access_token"],
        ROTATED["access_token"],
    ]
    channel.refresh_from_db()
    assert channel.credentials == {
        "access_token": ROTATED["access_token"],
        "refresh_token": ROTATED["refresh_token"],
    }


def test_a_revoked_grant_fails_the_post_and_asks_for_a_reconnect(ctx, owner):
    channel, post = post_video(ctx, owner)
    ctx.fake.on("POST", TTB_PUBLISH, answer("tiktok_business", "access_token_revoked"))
    ctx.fake.on("POST", REFRESH_PATH, answer("tiktok_business", "token_refresh_expired"))

    publish_due()

    post.refresh_from_db()
    channel.refresh_from_db()
    assert post.state == State.FAILED
    assert "reconnect the channel" in post.error_message
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert len(ctx.fake.sent("POST", TTB_PUBLISH)) == 1


def test_a_rate_limit_waits_and_tries_again(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TTB_PUBLISH, answer("tiktok_business", "rate_limited"))
    before = timezone.now()

    publish_due()

    post.refresh_from_db()
    assert post.state == State.SCHEDULED
    assert post.error_message == "TikTok asked us to slow down; we will try again later."
    assert timedelta(seconds=55) < post.retry_at - before < timedelta(seconds=65)


def test_a_rejection_shows_tiktoks_words(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TTB_PUBLISH, answer("tiktok_business", "invalid_params"))
    publish_due()
    post.refresh_from_db()
    assert post.state == State.FAILED
    assert post.error_message == (
        "TikTok rejected the post: Invalid Param(s): 'video_url'. The video_url must be a "
        "publicly accessible HTTP(s) URL."
    )


def test_an_unclear_publish_found_among_the_accounts_videos_is_adopted(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TTB_PUBLISH, answer("tiktok_business", "bad_gateway"))
    # TikTok made it after all: the newest video has the post's caption.
    created = str(int(timezone.now().timestamp()))
    ctx.fake.on("GET", LIST, answer("tiktok_business", "video_list", created=created))

    publish_due()
    post.refresh_from_db()
    assert post.state == State.SCHEDULED  # the list lags behind: looked at after a wait

    post = settle(post)

    assert post.state == State.PUBLISHED, post.error_message
    assert post.remote_id == TIKTOK_POST
    assert post.remote_url == f"https://www.tiktok.com/@acme.shop/video/{TIKTOK_POST}"
    assert len(ctx.fake.sent("POST", TTB_PUBLISH)) == 1
    assert ctx.fake.sent("GET", LIST)


def test_an_unclear_publish_not_found_is_left_unconfirmed_and_never_sent_twice(ctx, owner):
    _, post = post_video(ctx, owner)
    ctx.fake.on("POST", TTB_PUBLISH, answer("tiktok_business", "bad_gateway"))
    ctx.fake.on("GET", LIST, answer("tiktok_business", "video_list", created="1655118100"))

    post = settle(post, rounds=12)

    assert post.state == State.UNCONFIRMED
    assert "could not confirm" in post.error_message
    assert len(ctx.fake.sent("POST", TTB_PUBLISH)) == 1
    assert len(ctx.fake.sent("GET", LIST)) >= 2  # looked again after each wait


def test_a_publish_tiktok_is_still_making_is_checked_until_it_is_published(ctx, owner):
    _, post = post_video(ctx, owner)
    processing = [answer("tiktok_business", "status_processing") for _ in range(4)]
    ctx.fake.on("GET", STATUS, *processing, answer("tiktok_business", "status_complete"))

    publish_due()
    post.refresh_from_db()
    assert post.state == State.SCHEDULED
    assert "still processing" in post.error_message

    post = settle(post)

    assert post.state == State.PUBLISHED, post.error_message
    assert post.remote_id == TIKTOK_POST
    assert len(ctx.fake.sent("POST", TTB_PUBLISH)) == 1


def test_a_draft_gets_its_release_id_through_the_public_api(ctx, org, owner):
    _, post = post_video(ctx, owner, upload_to_draft=True)
    ctx.fake.on("GET", STATUS, answer("tiktok_business", "status_draft"))

    publish_due()

    post.refresh_from_db()
    assert post.state == State.PUBLISHED and post.remote_id == ""
    [publish] = ctx.fake.sent("POST", TTB_PUBLISH)
    assert publish.json["post_info"]["upload_to_draft"] is True
    api = Client(HTTP_AUTHORIZATION=make_key(org, actor=owner)[1])
    base = f"/public/v1/posts/{post.public_id}"

    missing = api.get(f"{base}/missing")

    assert missing.status_code == 200
    assert [v["id"] for v in missing.json()] == [TIKTOK_POST, "7109065174526479622"]
    [listing] = ctx.fake.sent("GET", LIST)
    assert listing.headers["Access-Token"] == TTB_TOKEN["access_token"]

    link = f"https://www.tiktok.com/@acme.shop/video/{TIKTOK_POST}?is_from_webapp=1"
    done = api.put(f"{base}/release-id", {"releaseId": link}, content_type="application/json")

    assert done.status_code == 200, done.content
    assert (done.json()["releaseId"], done.json()["state"]) == (TIKTOK_POST, "PUBLISHED")
    post.refresh_from_db()
    assert post.remote_url == f"https://www.tiktok.com/@acme.shop/video/{TIKTOK_POST}"


def test_the_creator_info_tool_runs_for_a_channel_and_renews_a_stale_token(ctx):
    channel = tiktok_business_connect(ctx)
    settings_path = r"/ttb/business/video/settings/"
    ctx.fake.on(
        "GET",
        settings_path,
        answer("tiktok_business", "access_token_expired"),
        answer("tiktok_business", "video_settings"),
    )
    ctx.fake.on("POST", REFRESH_PATH, answer("tiktok_business", "token_rotated"))

    info = integration_run_tool(integration=channel, name="creator_info", data={})

    assert info["max_video_post_duration_sec"] == 600
    assert [c.headers["Access-Token"] for c in ctx.fake.sent("GET", settings_path)] == [
        TTB_TOKEN["access_token"],
        ROTATED["access_token"],
    ]
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == ROTATED["refresh_token"]


# -- TikTok's verdict on a pending post -------------------------------------------------
def due_now(post) -> None:
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())


def pending_post(ctx, owner, monkeypatch) -> Post:
    # One look right after the publish call, so the post goes pending.
    monkeypatch.setattr(TikTokBusinessProvider, "poll_attempts", 1)
    _, post = post_video(ctx, owner)
    return post


def test_tiktok_saying_a_pending_post_failed_fails_it_with_tiktoks_words(ctx, owner, monkeypatch):
    post = pending_post(ctx, owner, monkeypatch)
    ctx.fake.on(
        "GET",
        STATUS,
        answer("tiktok_business", "status_processing"),
        answer("tiktok_business", "status_failed_frame_rate"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.FAILED]
    post.refresh_from_db()
    assert post.error_message == (
        "TikTok refused the video's frame rate; it accepts 23 to 60 frames per second."
    )
    assert len(ctx.fake.sent("POST", TTB_PUBLISH)) == 1


def test_a_publish_tiktok_could_not_fetch_while_pending_is_made_again_once(ctx, owner, monkeypatch):
    post = pending_post(ctx, owner, monkeypatch)
    ctx.fake.on(
        "GET",
        STATUS,
        answer("tiktok_business", "status_processing"),
        answer("tiktok_business", "status_failed_pull"),  # the check: nothing was made
        answer("tiktok_business", "status_failed_pull"),  # the next attempt's look agrees
        answer("tiktok_business", "status_complete"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert "could not download" in Post.objects.get(pk=post.pk).error_message
    due_now(post)
    assert [o.state for o in publish_due()] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", TTB_PUBLISH)) == 2  # the failed one, and its remake
