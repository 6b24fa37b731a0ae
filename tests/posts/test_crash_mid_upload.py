"""A worker killed in the middle of a video upload, before anything public was sent.

The steps before the commit (an upload session, its chunks) make nothing public, so the
item is not marked "commit started" while they run: the post handed back after the crash
resumes the upload from the offset that was saved, with no look-up, no second video and
no "unconfirmed" for the person to sort out. Only the in-flight chunk may arrive twice,
as each network's resumable protocol allows.
"""

from __future__ import annotations

import shutil
import tempfile

import pytest
from django.core.files.base import ContentFile

from integrations.providers.youtube import YouTubeProvider
from media.models import MediaFile
from posts import engine
from posts.states import State
from tests.posts.e2e.fakes import Call, FakeNetwork, answer
from tests.posts.e2e.networks import (
    FB_PAGE,
    YOUTUBE_BYTES,
    YOUTUBE_SESSIONS,
    YOUTUBE_SETTINGS,
    Context,
    facebook_connect,
    youtube_connect,
    youtube_video,
)
from tests.posts.test_crash_every_network import DyingWorker, _settle
from tests.posts.test_networks_end_to_end import write

pytestmark = pytest.mark.django_db(transaction=True)

FB_VIDEOS = rf"/v/v24\.0/{FB_PAGE}/videos"
FB_VIDEO_ID = "9990001"
FB_SESSION = "3330001"
FB_BYTES = bytes(range(256)) * 4 + b"tail of the clip"  # 1040 bytes
FB_PIECE = 400  # what the fake asks for per transfer


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


class FacebookVideoUploads:
    """Page videos' resumable upload as graph-video plays it: ``start`` opens a session
    and names the first range, each ``transfer`` at the offset it asked for moves it on
    (a piece it already holds answers the range it wants next), ``finish`` makes the
    video public."""

    def __init__(self, size: int):
        self.size = size
        self.received = b""
        self.published = 0

    def _range(self) -> tuple[str, str]:
        held = len(self.received)
        return str(held), str(min(held + FB_PIECE, self.size))

    def __call__(self, call: Call):
        phase = call.form["upload_phase"]
        if phase == "start":
            assert call.form["file_size"] == str(self.size)
            start, end = self._range()
            return answer(
                "facebook",
                "video_start",
                edit=lambda body: body.update(start_offset=start, end_offset=end),
            )
        if phase == "transfer":
            assert call.form["upload_session_id"] == FB_SESSION
            offset = int(call.form["start_offset"])
            if offset == len(self.received):
                self.received += call.files["video_file_chunk"]
            start, end = self._range()
            return answer(
                "facebook",
                "video_start",
                edit=lambda body: (
                    body.update(start_offset=start, end_offset=end),
                    body.pop("video_id"),
                    body.pop("upload_session_id"),
                ),
            )
        assert phase == "finish" and self.received == FB_BYTES
        self.published += 1
        return answer("facebook", "success")


def facebook_video(ctx: Context) -> list[int]:
    root = tempfile.mkdtemp(prefix="fb-crash-")
    ctx.settings.MEDIA_ROOT = root
    ctx.cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    video = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(FB_BYTES, name="kitchen.mp4"),
        name="kitchen.mp4",
        kind=MediaFile.Kind.VIDEO,
        mime_type="video/mp4",
        size=len(FB_BYTES),
        width=1280,
        height=720,
        duration=8.0,
    )
    return [video.pk]


def kill_once(worker: DyingWorker, wanted):
    """A hook that kills the worker at the first request ``wanted(call)`` picks."""
    fired = []

    def hook(call: Call) -> None:
        if not fired and wanted(call):
            fired.append(call)
            worker.arrived(call)

    return hook


def test_a_facebook_video_upload_killed_midway_resumes_at_the_saved_offset(ctx, owner):
    channel = facebook_connect(ctx)
    uploads = FacebookVideoUploads(len(FB_BYTES))
    ctx.fake.on("POST", FB_VIDEOS, uploads)
    post = write(owner, channel, ["Our new kitchen, on video."], media=facebook_video(ctx))
    asked_for = post.publish_at

    worker = DyingWorker(post)
    second_piece = kill_once(
        worker, lambda c: c.form.get("upload_phase") == "transfer" and c.form["start_offset"] != "0"
    )
    ctx.fake.before("POST", FB_VIDEOS, second_piece)
    worker.start()
    assert worker.done.wait(30)
    assert worker.failure is not None  # it died mid-upload

    # Nothing public had been sent: not marked started, and the upload's place was saved.
    at_crash = worker.at_arrival
    assert at_crash.commit_started_at is None
    assert at_crash.progress["video"]["session"] == FB_SESSION
    assert at_crash.progress["video"]["start"] == FB_PIECE

    assert engine.release_orphans() == [post.pk]
    post = _settle(post)

    assert post.state == State.PUBLISHED, post.error_message
    assert post.remote_id == FB_VIDEO_ID
    assert post.publish_at == asked_for
    assert uploads.published == 1 and uploads.received == FB_BYTES
    calls = ctx.fake.sent("POST", FB_VIDEOS)
    phases = [c.form["upload_phase"] for c in calls]
    assert phases.count("start") == 1 and phases.count("finish") == 1
    offsets = [c.form["start_offset"] for c in calls if c.form["upload_phase"] == "transfer"]
    # Only the piece in flight when the worker died came twice.
    assert offsets == ["0", "400", "400", "800"]
    # Resumed, not looked up: the Page's posts were never listed.
    assert ctx.fake.sent("GET", r"/g/v24\.0/.*") == []


def test_a_youtube_upload_killed_before_its_last_chunk_resumes_in_the_same_session(
    ctx, owner, monkeypatch
):
    # Two chunks: the first is an upload step, only the last can make the video.
    monkeypatch.setattr(YouTubeProvider, "chunk_size", 256 * 1024)
    channel = youtube_connect(ctx)
    post = write(
        owner, channel, ["Launch day."], settings=YOUTUBE_SETTINGS, media=youtube_video(ctx)
    )

    worker = DyingWorker(post)
    first_chunk = kill_once(worker, lambda c: c.headers["Content-Range"].startswith("bytes 0-"))
    ctx.fake.before("PUT", YOUTUBE_SESSIONS, first_chunk)
    worker.start()
    assert worker.done.wait(30)
    assert worker.failure is not None

    at_crash = worker.at_arrival
    assert at_crash.commit_started_at is None  # the last chunk had not been sent
    [upload_id] = ctx.youtube.sessions
    assert upload_id in at_crash.progress["upload_session"]  # saved before its first byte

    assert engine.release_orphans() == [post.pk]
    post = _settle(post)

    assert post.state == State.PUBLISHED, post.error_message
    assert len(ctx.fake.sent("POST", YOUTUBE_SESSIONS)) == 1  # one session, one video
    [session] = ctx.youtube.sessions.values()
    assert session["received"] == len(YOUTUBE_BYTES)
    chunks = [c.headers["Content-Range"] for c in ctx.fake.sent("PUT", YOUTUBE_SESSIONS)]
    # The first chunk (in flight at the crash) went again after the session said what it
    # held, then the last one: nothing else twice.
    sent = [c for c in chunks if not c.startswith("bytes */")]
    assert sent.count(f"bytes 262144-{len(YOUTUBE_BYTES) - 1}/{len(YOUTUBE_BYTES)}") == 1
    assert len(sent) <= 3
