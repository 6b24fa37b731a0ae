"""An Instagram reel Instagram takes long to process: publish waits a minute at most, then
hands the post back pending with its container; the engine's checks poll the container,
and once it is ready the post is published exactly once (also after a worker dies
mid-commit), or failed with Instagram's words when it cannot be processed."""

from __future__ import annotations

import shutil
import tempfile
import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection, connections
from django.utils import timezone

from integrations.providers.instagram import InstagramProvider
from media.models import MediaFile
from posts import engine
from posts.models import Post, PostItem
from posts.states import State
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.posts.e2e.networks import (
    IG_CONTAINER,
    IG_MEDIA,
    IG_PERMALINK,
    IG_USER,
    Context,
    instagram_connect_as,
)
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

BASE = r"/g/v24\.0"
CONTAINERS = rf"{BASE}/{IG_USER}/media"
COMMITS = rf"{BASE}/{IG_USER}/media_publish"
STATUS = rf"{BASE}/{IG_CONTAINER}"
CAPTION = "Behind the scenes at the bakery"


@pytest.fixture
def ctx(org, settings, httpserver, monkeypatch):
    # One look inside publish (the real wait is a minute), and none of it slept.
    monkeypatch.setattr(InstagramProvider, "poll_attempts", 1)
    monkeypatch.setattr(InstagramProvider, "poll_default", 0)
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def reel_in_library(ctx) -> list[int]:
    root = tempfile.mkdtemp(prefix="ig-reel-")
    ctx.settings.MEDIA_ROOT = root
    ctx.cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 64
    video = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(data, name="bakery.mp4"),
        name="bakery.mp4",
        kind=MediaFile.Kind.VIDEO,
        mime_type="video/mp4",
        size=len(data),
        width=1080,
        height=1920,
        duration=20.0,
    )
    return [video.pk]


def reel_post(ctx, owner, *statuses: str):
    """A reel on a connected Instagram account whose container answers ``statuses`` in
    turn (the last one from then on)."""
    channel = instagram_connect_as("instagram", "/g")(ctx)
    ctx.fake.on(
        "GET",
        STATUS,
        *[answer("instagram", name, edit=lambda b: b.update(id=IG_CONTAINER)) for name in statuses],
    )
    return write(
        owner, channel, [CAPTION], settings={"post_type": "post"}, media=reel_in_library(ctx)
    )


def due_now(post) -> None:
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())


@pytest.mark.django_db
def test_a_reel_still_processing_is_pending_then_published_once_when_ready(ctx, owner):
    post = reel_post(ctx, owner, "status_in_progress", "status_in_progress", "status_finished")

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    post = fresh(post)
    assert "still processing" in post.error_message
    assert ctx.fake.sent("POST", COMMITS) == []  # nothing published yet
    item = PostItem.objects.get(post=post)
    assert item.progress["container"] == IG_CONTAINER
    assert item.progress[engine.PENDING_HANDLE_KEY] == IG_CONTAINER
    # Instagram's own pace for reels: the first look after half a minute.
    assert 25 <= (post.retry_at - timezone.now()).total_seconds() <= 31

    due_now(post)
    assert [o.state for o in publish_due()] == [State.SCHEDULED]  # still processing
    assert ctx.fake.sent("POST", COMMITS) == []

    due_now(post)
    assert [o.state for o in publish_due()] == [State.PUBLISHED]
    post = fresh(post)
    assert [c.form for c in ctx.fake.sent("POST", COMMITS)] == [{"creation_id": IG_CONTAINER}]
    assert len(ctx.fake.sent("POST", CONTAINERS)) == 1  # one container, made once
    assert (post.remote_id, post.remote_url) == (IG_MEDIA, IG_PERMALINK)
    item = PostItem.objects.get(post=post)
    assert engine.PENDING_HANDLE_KEY not in item.progress


@pytest.mark.django_db
def test_a_reel_instagram_cannot_process_fails_with_instagrams_words(ctx, owner):
    post = reel_post(ctx, owner, "status_in_progress", "status_error")
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)
    assert [o.state for o in publish_due()] == [State.FAILED]
    post = fresh(post)
    assert "2207026: Unsupported video format" in post.error_message
    assert post.error_kind == "content_rejected"
    assert ctx.fake.sent("POST", COMMITS) == []


@pytest.mark.django_db
def test_a_reel_still_processing_after_the_hour_fails_saying_nothing_was_published(ctx, owner):
    post = reel_post(ctx, owner, "status_in_progress")
    publish_due()
    item = PostItem.objects.get(post=post)
    since = (timezone.now() - timedelta(seconds=InstagramProvider.pending_window)).isoformat()
    item.progress = {**item.progress, engine.PENDING_SINCE_KEY: since}
    item.save(update_fields=["progress"])
    due_now(post)
    assert [o.state for o in publish_due()] == [State.FAILED]
    message = fresh(post).error_message
    assert "60 minutes later" in message and "nothing was published" in message
    assert "could not confirm" not in message
    assert ctx.fake.sent("POST", COMMITS) == []


class DyingCheck:
    """Works the pending post as the loop's one-post path does, on a connection of its
    own, and dies (connection cut, claim gone) the moment media_publish reaches Instagram."""

    def __init__(self):
        self.failure: BaseException | None = None
        self.marked = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]
            for job in engine.claim_batch(limit=10):
                engine.publish_post(job.pk)
        except Exception as error:
            self.failure = error
        finally:
            connection.close()
            self.done.set()

    def arrived(self, _call) -> None:
        try:
            self.marked = PostItem.objects.get().commit_started_at
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [self.backend])
                for _ in range(500):
                    cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [self.backend])
                    if cursor.fetchone() is None:
                        break
                    threading.Event().wait(0.01)
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_as_the_ready_reel_is_published_never_publishes_it_twice(ctx, owner):
    # Processing, then ready; once media_publish went out, the container says PUBLISHED.
    post = reel_post(ctx, owner, "status_in_progress", "status_finished")
    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    due_now(post)

    worker = DyingCheck()
    published = []

    def publish_then_list(call):
        published.append(call)
        ctx.fake.on(
            "GET",
            STATUS,
            answer("instagram", "status_published", edit=lambda b: b.update(id=IG_CONTAINER)),
        )

    ctx.fake.before("POST", COMMITS, publish_then_list)
    ctx.fake.before("POST", COMMITS, worker.arrived)
    listed = [{"id": IG_MEDIA, "caption": CAPTION, "permalink": IG_PERMALINK}]
    ctx.fake.on(
        "GET",
        rf"{BASE}/{IG_USER}/media",
        answer("instagram", "recent_media", edit=lambda b: b.update(data=listed)),
    )
    worker.thread.start()
    assert worker.done.wait(30)
    assert worker.failure is not None  # it died before saving anything
    assert worker.marked is not None  # the commit was marked before it reached Instagram

    assert engine.release_orphans() == [post.pk]
    for minute in range(6):
        if fresh(post).state not in (State.SCHEDULED, State.PUBLISHING):
            break
        publish_due(now=timezone.now() + timedelta(minutes=minute))
    post = fresh(post)
    assert post.state == State.PUBLISHED, post.error_message
    assert len(ctx.fake.sent("POST", COMMITS)) == 1  # found by the container, never resent
    assert post.remote_id == IG_MEDIA
