"""A post the network took but is still making (a video processing, a post under review):
how its checks end.

The network's own answer settles it: a refusal fails the post with the network's words; a
publish the network dropped is sent again. A check that cannot tell (a rate limit, a
server error, a token that ran out) is asked again, with a renewed token where needed,
until the provider's window ends; only then, or when checking is impossible, is the post
left unconfirmed for the person to look at.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from integrations.providers.tiktok import TikTokProvider
from posts import engine
from posts.models import Post, PostItem
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    GMB_NOW,
    LOCAL_POSTS,
    TIKTOK_INIT,
    TIKTOK_SETTINGS,
    YOUTUBE_SETTINGS,
    YOUTUBE_TOKEN,
    Context,
    gmb_connect,
    now_utc,
    tiktok_connect,
    tiktok_video,
    youtube_connect,
    youtube_video,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db

VIDEOS = r"/g/youtube/v3/videos"
TIKTOK_STATUS = r"/api/v2/post/publish/status/fetch/"
RENEWED = "ya29.a0AfB_byC-secret-renewed"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def youtube_post(ctx, owner):
    channel = youtube_connect(ctx)
    post = write(
        owner,
        channel,
        ["Everything we shipped."],
        settings=YOUTUBE_SETTINGS,
        media=youtube_video(ctx),
    )
    return channel, post


def tiktok_post(ctx, owner, monkeypatch):
    # One look right after the upload (not a minute of them), so the post goes pending.
    monkeypatch.setattr(TikTokProvider, "poll_attempts", 1)
    channel = tiktok_connect(ctx)
    post = write(
        owner, channel, ["Behind the scenes."], settings=TIKTOK_SETTINGS, media=tiktok_video(ctx)
    )
    return channel, post


def due_now(post) -> None:
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())


def wait_of(post) -> float:
    return (fresh(post).retry_at - timezone.now()).total_seconds()


def pending_since(post, ago: timedelta) -> None:
    """The post has been pending on the network this long."""
    item = PostItem.objects.get(post=post)
    since = (timezone.now() - ago).isoformat()
    item.progress = {**item.progress, engine.PENDING_SINCE_KEY: since}
    item.save(update_fields=["progress"])


# -- The network's verdict ------------------------------------------------------------------
def test_tiktok_saying_a_pending_post_failed_fails_it_with_tiktoks_words(ctx, owner, monkeypatch):
    _, post = tiktok_post(ctx, owner, monkeypatch)
    ctx.fake.on(
        "POST",
        TIKTOK_STATUS,
        answer("tiktok", "status_processing_upload"),
        answer("tiktok", "failed_spam_risk_text"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert "still processing" in fresh(post).error_message

    due_now(post)
    assert [o.state for o in publish_due()] == [State.FAILED]
    post = fresh(post)
    assert post.error_message == "TikTok flagged the caption; change it."
    assert post.error_kind == "content_rejected"
    assert len(ctx.fake.sent("POST", TIKTOK_INIT)) == 1


def test_youtube_rejecting_a_video_while_it_processes_fails_the_post(ctx, owner):
    _, post = youtube_post(ctx, owner)
    ctx.fake.on(
        "GET",
        VIDEOS,
        answer("youtube", "videos_processing"),
        answer("youtube", "videos_rejected"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.FAILED]
    assert fresh(post).error_message == "YouTube rejected the video (duplicate)."


def test_google_rejecting_a_post_under_review_fails_it(ctx, owner):
    channel = gmb_connect(ctx)
    ctx.fake.on(
        "POST", LOCAL_POSTS, lambda c: answer("gmb", "post_processing", now=now_utc(GMB_NOW))
    )
    ctx.fake.on(
        "GET", LOCAL_POSTS + "/.+", lambda c: answer("gmb", "post_rejected", now=now_utc(GMB_NOW))
    )
    post = write(owner, channel, ["Open late on Fridays."])
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.FAILED]
    assert "Google rejected this post" in fresh(post).error_message


def test_a_publish_tiktok_dropped_while_pending_is_made_again_once(ctx, owner, monkeypatch):
    _, post = tiktok_post(ctx, owner, monkeypatch)
    ctx.fake.on(
        "POST",
        TIKTOK_STATUS,
        answer("tiktok", "status_processing_upload"),
        answer("tiktok", "failed_internal"),  # the check: TikTok dropped it, made nothing
        answer("tiktok", "failed_internal"),  # the next attempt's look says the same
        answer("tiktok", "status_complete"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert "internal problem" in fresh(post).error_message
    due_now(post)
    assert [o.state for o in publish_due()] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", TIKTOK_INIT)) == 2  # the dropped one, and its remake


# -- Checks that cannot tell ------------------------------------------------------------------
def test_an_expired_sign_in_while_pending_is_renewed_and_the_check_goes_on(ctx, owner):
    channel, post = youtube_post(ctx, owner)
    ctx.fake.on("POST", r"/t", answer("youtube", "token_refreshed"))
    ctx.fake.on(
        "GET",
        VIDEOS,
        answer("youtube", "videos_processing"),
        answer("youtube", "auth_error_401"),
        answer("youtube", "videos_processed"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.PUBLISHED]
    checks = ctx.fake.sent("GET", VIDEOS)
    assert [c.headers["Authorization"] for c in checks[-2:]] == [
        f"Bearer {YOUTUBE_TOKEN}",
        f"Bearer {RENEWED}",
    ]
    assert len(ctx.fake.sent("POST", r"/t")) == 1
    channel.refresh_from_db()
    assert channel.status == Integration.Status.ACTIVE


def test_a_revoked_sign_in_while_pending_asks_for_a_reconnect_and_never_fails_the_post(ctx, owner):
    channel, post = youtube_post(ctx, owner)
    ctx.fake.on("POST", r"/t", answer("youtube", "invalid_grant"))
    ctx.fake.on(
        "GET", VIDEOS, answer("youtube", "videos_processing"), answer("youtube", "auth_error_401")
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    post = fresh(post)
    assert "no longer accepts this channel's sign-in" in post.error_message
    assert "reconnect" in post.error_message
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT


def test_a_rate_limited_or_failing_check_is_asked_again_not_given_up(ctx, owner):
    _, post = youtube_post(ctx, owner)
    ctx.fake.on(
        "GET",
        VIDEOS,
        answer("youtube", "videos_processing"),
        answer("youtube", "rate_limit_exceeded"),
        answer("youtube", "bad_gateway"),
        answer("youtube", "videos_processed"),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    for _ in range(2):
        due_now(post)
        assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", r"/g/upload/youtube/v3/videos")) == 1


def test_a_check_the_network_refuses_leaves_the_post_unconfirmed_at_once(ctx, owner):
    channel = gmb_connect(ctx)
    ctx.fake.on(
        "POST", LOCAL_POSTS, lambda c: answer("gmb", "post_processing", now=now_utc(GMB_NOW))
    )
    ctx.fake.on("GET", LOCAL_POSTS + "/.+", answer("gmb", "permission_denied"))
    post = write(owner, channel, ["Open late on Fridays."])
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert "would not let us check" in fresh(post).error_message


def test_a_channel_needing_a_reconnect_leaves_a_pending_post_unconfirmed_not_failed(ctx, owner):
    channel, post = youtube_post(ctx, owner)
    ctx.fake.on("GET", VIDEOS, answer("youtube", "videos_processing"))
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    Integration.objects.filter(pk=channel.pk).update(status=Integration.Status.NEEDS_RECONNECT)
    due_now(post)
    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert "needs reconnecting" in fresh(post).error_message


# -- The window and the pace --------------------------------------------------------------------
def test_a_video_processing_for_long_is_checked_for_two_hours_then_unconfirmed(ctx, owner):
    _, post = youtube_post(ctx, owner)
    ctx.fake.on("GET", VIDEOS, answer("youtube", "videos_processing"))
    assert [o.state for o in publish_due()] == [State.SCHEDULED]

    # Forty minutes on (past the default half hour), YouTube is still checked.
    pending_since(post, timedelta(minutes=40))
    due_now(post)
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    # The last check falls at the window's end.
    pending_since(post, timedelta(minutes=119, seconds=50))
    due_now(post)
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert wait_of(post) <= 10

    pending_since(post, timedelta(hours=2, seconds=1))
    due_now(post)
    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert "still processing it 120 minutes later" in fresh(post).error_message


def test_a_post_under_review_is_checked_every_20_seconds_for_half_an_hour(ctx, owner):
    channel = gmb_connect(ctx)
    processing = lambda c: answer("gmb", "post_processing", now=now_utc(GMB_NOW))  # noqa: E731
    ctx.fake.on("POST", LOCAL_POSTS, processing)
    ctx.fake.on("GET", LOCAL_POSTS + "/.+", processing)
    post = write(owner, channel, ["Open late on Fridays."])
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    for _ in range(3):
        assert 15 < wait_of(post) <= 20  # the same pace each time
        due_now(post)
        assert [o.state for o in publish_due()] == [State.SCHEDULED]
    pending_since(post, timedelta(minutes=31))
    due_now(post)
    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]
    assert "still processing it 30 minutes later" in fresh(post).error_message


def test_video_checks_come_less_often_and_follow_youtubes_own_estimate(ctx, owner):
    _, post = youtube_post(ctx, owner)

    def time_left(body):
        body["items"][0]["processingDetails"]["processingProgress"] = {
            "partsTotal": "1000",
            "partsProcessed": "250",
            "timeLeftMs": "90000",
        }

    ctx.fake.on(
        "GET",
        VIDEOS,
        answer("youtube", "videos_processing"),
        answer("youtube", "videos_processing"),
        answer("youtube", "videos_processing", edit=time_left),
    )
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert 15 < wait_of(post) <= 20
    due_now(post)
    publish_due()
    assert 25 < wait_of(post) <= 30  # 20 s, then half as long again
    due_now(post)
    publish_due()
    assert 85 < wait_of(post) <= 90  # YouTube said a minute and a half is left
