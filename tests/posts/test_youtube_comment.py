"""A YouTube thread: the video, then its first comment. A channel connected before
comments were offered lacks their permission: the comment fails naming it, and the video
stays published."""

from __future__ import annotations

import pytest

from posts.models import PostItem
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    YOUTUBE_SETTINGS,
    YOUTUBE_THREADS,
    YOUTUBE_VIDEO,
    Context,
    youtube_connect,
    youtube_video,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def test_a_channel_without_the_comment_permission_keeps_its_video_and_is_told_why(ctx, owner):
    channel = youtube_connect(ctx)
    ctx.fake.on("POST", YOUTUBE_THREADS, answer("youtube", "comment_insufficient_scope"))
    post = write(
        owner,
        channel,
        ["Everything we shipped.", "Links in the description."],
        settings=YOUTUBE_SETTINGS,
        media=youtube_video(ctx),
    )
    assert [o.state for o in publish_due()] == [State.FAILED]
    post = fresh(post)
    assert post.error_kind == "permission_denied"
    assert post.error_message.startswith("The first 1 part of the thread went out")
    assert "https://www.googleapis.com/auth/youtube.force-ssl" in post.error_message
    video, comment = PostItem.objects.filter(post=post).order_by("position")
    assert video.remote_id == YOUTUBE_VIDEO and video.published_at is not None
    assert comment.remote_id == "" and comment.published_at is None
    assert len(ctx.fake.sent("POST", YOUTUBE_THREADS)) == 1  # refused, not retried


def test_comments_turned_off_on_the_video_fail_only_the_comment(ctx, owner):
    channel = youtube_connect(ctx)
    ctx.fake.on("POST", YOUTUBE_THREADS, answer("youtube", "comments_disabled"))
    post = write(
        owner,
        channel,
        ["Everything we shipped.", "Links in the description."],
        settings=YOUTUBE_SETTINGS,
        media=youtube_video(ctx),
    )
    assert [o.state for o in publish_due()] == [State.FAILED]
    post = fresh(post)
    assert "Comments are turned off on this YouTube video" in post.error_message
    assert PostItem.objects.filter(post=post, position=0).get().remote_id == YOUTUBE_VIDEO
