"""A YouTube post worked by the real engine, as the publisher loop works it: the channel,
the post (with a video from the library) and the fake network of
tests/posts/e2e/networks.py, each refusal as YouTube sends it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from integrations.providers.google import seconds_to_quota_reset
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    YOUTUBE_BYTES,
    YOUTUBE_SESSIONS,
    YOUTUBE_SETTINGS,
    YOUTUBE_TOKEN,
    YOUTUBE_VIDEO,
    Context,
    youtube_connect,
    youtube_video,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db

RENEWED = "ya29.a0AfB_byC-secret-renewed"
TOKEN_URL = r"/t"


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def youtube_post(ctx, owner, **settings):
    channel = youtube_connect(ctx)
    post = write(
        owner,
        channel,
        ["Everything we shipped today."],
        settings={**YOUTUBE_SETTINGS, **settings},
        media=youtube_video(ctx),
    )
    return channel, post


def chunks(ctx):
    return [c for c in ctx.fake.sent("PUT", YOUTUBE_SESSIONS) if c.raw]


def test_an_expired_sign_in_is_renewed_once_and_the_upload_goes_on_in_the_same_session(ctx, owner):
    channel, post = youtube_post(ctx, owner)
    ctx.fake.on("POST", TOKEN_URL, answer("youtube", "token_refreshed"))
    sent = []

    def first_chunk_refused(call):
        sent.append(call.headers["Authorization"])
        if len(sent) == 1:
            return answer("youtube", "auth_error_401")
        return ctx.youtube.put(call)

    ctx.fake.on("PUT", YOUTUBE_SESSIONS, first_chunk_refused)

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    [renewal] = ctx.fake.sent("POST", TOKEN_URL)
    assert renewal.form["grant_type"] == "refresh_token"
    assert renewal.form["refresh_token"] == "1//yt-refresh"
    assert len(ctx.fake.sent("POST", YOUTUBE_SESSIONS)) == 1  # one session, one video
    assert sent[0] == f"Bearer {YOUTUBE_TOKEN}" and sent[-1] == f"Bearer {RENEWED}"
    channel.refresh_from_db()
    # Google sends no new refresh token: the stored one stays.
    assert channel.credentials == {"access_token": RENEWED, "refresh_token": "1//yt-refresh"}
    assert fresh(post).remote_id == YOUTUBE_VIDEO


def test_a_revoked_google_grant_asks_for_a_reconnect_and_fails_the_post(ctx, owner):
    channel, post = youtube_post(ctx, owner)
    ctx.fake.on("POST", YOUTUBE_SESSIONS, answer("youtube", "auth_error_401"))
    ctx.fake.on("POST", TOKEN_URL, answer("youtube", "invalid_grant"))

    assert [o.state for o in publish_due()] == [State.FAILED]

    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert "reconnect" in fresh(post).error_message
    assert chunks(ctx) == []


def test_a_used_up_quota_waits_for_midnight_pacific_then_the_video_goes_out_once(ctx, owner):
    _, post = youtube_post(ctx, owner)
    ctx.fake.on(
        "POST",
        YOUTUBE_SESSIONS,
        answer("youtube", "quota_exceeded"),
        ctx.youtube.open,  # then the session opens as usual
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]

    post = fresh(post)
    assert post.error_kind == "rate_limited" and "midnight Pacific" in post.error_message
    wait = (post.retry_at - timezone.now()).total_seconds()
    assert abs(wait - seconds_to_quota_reset()) < 10
    assert publish_due() == []  # nothing before the reset
    after_reset = timezone.now() + timedelta(seconds=wait + 1)
    assert [o.state for o in publish_due(now=after_reset)] == [State.PUBLISHED]
    assert b"".join(c.raw for c in chunks(ctx)) == YOUTUBE_BYTES


def test_a_video_still_processing_is_checked_again_until_it_is_published(ctx, owner):
    _, post = youtube_post(ctx, owner)
    ctx.fake.on(
        "GET",
        r"/g/youtube/v3/videos",
        answer("youtube", "videos_processing"),
        answer("youtube", "videos_processing"),
        answer("youtube", "videos_processed"),
    )

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert "still processing" in fresh(post).error_message
    # Checked every 30 s: still processing once more, then processed.
    later = timezone.now() + timedelta(minutes=1)
    assert [o.state for o in publish_due(now=later)] == [State.SCHEDULED, State.PUBLISHED]
    assert len(ctx.fake.sent("GET", r"/g/youtube/v3/videos")) == 3

    post = fresh(post)
    assert post.remote_url == f"https://www.youtube.com/watch?v={YOUTUBE_VIDEO}"
    assert len(ctx.fake.sent("POST", YOUTUBE_SESSIONS)) == 1 and len(chunks(ctx)) == 1


def test_a_title_youtube_refuses_fails_the_post_with_youtubes_words(ctx, owner):
    _, post = youtube_post(ctx, owner)
    ctx.fake.on("POST", YOUTUBE_SESSIONS, answer("youtube", "invalid_title"))

    assert [o.state for o in publish_due()] == [State.FAILED]

    assert fresh(post).error_message == (
        "YouTube refused the title: The request metadata specifies an invalid or empty video title."
    )
    assert chunks(ctx) == []
