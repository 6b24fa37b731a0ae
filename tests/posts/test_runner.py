"""The publisher loop publishes what falls due while it runs, and no more than once."""

import json
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from werkzeug import Response

from organizations.models import Event
from postiz.models import WorkerHeartbeat
from posts import engine, events, runner
from posts.models import Post, PostItem
from posts.states import State
from tests.factories import PostFactory
from tests.posts.helpers import status

pytestmark = pytest.mark.django_db(transaction=True)


def _fake_mastodon(httpserver, delay=0.0):
    keys = Counter()
    lock = threading.Lock()

    def statuses(request):
        with lock:
            keys[request.headers["Idempotency-Key"]] += 1
            number = sum(keys.values())
        if delay:
            threading.Event().wait(delay)
        return Response(json.dumps(status(str(number))), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    return keys


def test_the_loop_publishes_due_posts_and_one_that_falls_due_while_it_runs(mastodon, httpserver):
    keys = _fake_mastodon(httpserver, delay=0.05)
    due = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(8)]
    soon = PostFactory(
        integration=mastodon, items=["soon"], publish_at=timezone.now() + timedelta(seconds=1)
    )

    handled = runner.run(seconds=3, workers=4)

    assert handled == 9
    states = {p.pk: Post.objects.get(pk=p.pk).state for p in [*due, soon]}
    assert set(states.values()) == {State.PUBLISHED}
    assert set(keys.values()) == {1}  # every item sent exactly once
    lag = Post.objects.get(pk=soon.pk).published_at - Post.objects.get(pk=soon.pk).publish_at
    assert lag < timedelta(seconds=2)  # woke for it, not on a coarse tick


def test_two_loops_at_once_never_publish_a_post_twice(mastodon, httpserver):
    keys = _fake_mastodon(httpserver, delay=0.02)
    posts = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(30)]
    loops = [
        threading.Thread(target=runner.run, kwargs={"seconds": 3, "workers": 4}) for _ in range(2)
    ]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join()
    assert {Post.objects.get(pk=p.pk).state for p in posts} == {State.PUBLISHED}
    assert len(keys) == 30 and set(keys.values()) == {1}


def test_a_channels_posts_go_out_one_at_a_time(mastodon, httpserver):
    active = []
    peak = []
    lock = threading.Lock()

    def statuses(request):
        with lock:
            active.append(1)
            peak.append(len(active))
        threading.Event().wait(0.05)
        with lock:
            active.pop()
        return Response(json.dumps(status("1")), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    for n in range(6):
        PostFactory(integration=mastodon, items=[f"post {n}"])
    runner.run(seconds=2, workers=6)
    assert max(peak) == 1


def test_each_mastodon_server_has_its_own_limit_but_one_server_shares_it():
    limits = runner.Limits()
    first, _ = limits.for_post("mastodon", 1, {"instance": "https://one.example"})
    same, _ = limits.for_post("mastodon", 2, {"instance": "https://one.example"})
    other, _ = limits.for_post("mastodon", 3, {"instance": "https://two.example"})
    x_one, _ = limits.for_post("x", 4)
    x_two, _ = limits.for_post("x", 5)
    assert first is same and first is not other
    assert x_one is x_two  # one API for every X account


def test_every_item_is_marked_started_before_its_request_reaches_the_network(mastodon, httpserver):
    from django.db import connection

    from posts.models import PostItem

    unmarked = []

    def statuses(request):
        key = request.headers["Idempotency-Key"]
        try:
            if PostItem.objects.get(key=key).commit_started_at is None:
                unmarked.append(key)
        finally:
            connection.close()
        return Response(json.dumps(status(key)), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    posts = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(6)]
    runner.run(seconds=2, workers=3)
    assert {Post.objects.get(pk=p.pk).state for p in posts} == {State.PUBLISHED}
    assert unmarked == []


def test_an_item_is_marked_started_at_its_commit_request_not_while_its_file_uploads(
    mastodon, httpserver, settings, tmp_path
):
    from django.core.files.base import ContentFile
    from django.db import connection

    from media.models import MediaFile
    from posts.models import PostItemMedia

    settings.MEDIA_ROOT = tmp_path
    photo = MediaFile.objects.create(
        organization=mastodon.organization,
        file=ContentFile(b"\x89PNG tiny", name="cat.png"),
        name="cat.png",
        kind=MediaFile.Kind.IMAGE,
        mime_type="image/png",
        size=10,
        width=2,
        height=2,
    )
    post = PostFactory(integration=mastodon, items=["With a cat"])
    PostItemMedia.objects.create(item=post.items.get(), media=photo, position=0)
    seen = []

    def look(name, answer):
        def handler(request):
            try:
                item = PostItem.objects.get(post=post)
                seen.append((name, item.commit_started_at is not None))
            finally:
                connection.close()
            return Response(json.dumps(answer), content_type="application/json")

        return handler

    httpserver.expect_request("/api/v2/media", method="POST").respond_with_handler(
        look("upload", {"id": "m1", "url": "https://files.example/m1.png"})
    )
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(
        look("status", status("7"))
    )
    runner.run(seconds=2, workers=2)
    assert Post.objects.get(pk=post.pk).state == State.PUBLISHED
    # A worker dying during the upload leaves a post that is simply sent again.
    assert seen == [("upload", False), ("status", True)]


def test_a_post_still_waiting_for_its_channels_turn_is_not_marked_started(mastodon, httpserver):
    from posts.models import PostItem

    gate = threading.Event()
    marked_while_first_was_sending = []

    def statuses(request):
        if not marked_while_first_was_sending:
            started = PostItem.objects.filter(commit_started_at__isnull=False).count()
            marked_while_first_was_sending.append(started)
            gate.wait(1)
        from django.db import connection

        connection.close()
        return Response(json.dumps(status("1")), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    for n in range(4):  # one channel: one at a time
        PostFactory(integration=mastodon, items=[f"post {n}"])
    runner.run(seconds=2, workers=4)
    gate.set()
    assert marked_while_first_was_sending == [1]
    assert Post.objects.filter(state=State.PUBLISHED).count() == 4


def _told(monkeypatch) -> list[int]:
    """The posts whose events are told (the handler posts registered is replaced)."""
    told = []
    monkeypatch.setattr(
        "posts.events._record_posts", lambda event, posts, message="": told.extend(posts)
    )
    return told


def test_events_wait_behind_a_burst_but_no_longer_than_the_limit(mastodon, monkeypatch):
    told = _told(monkeypatch)
    monkeypatch.setattr(runner, "ANNOUNCE_DELAY", 0.6)
    posts = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(2)]
    burst = threading.Event()
    burst.set()
    announcer = runner.Announcer(busy=burst.is_set)
    try:
        events.emit_many(events.POST_PUBLISHED, post_ids=[posts[0].pk], dispatch=False)
        announcer.poke()
        threading.Event().wait(0.3)
        assert told == []  # the burst goes first
        threading.Event().wait(0.6)
        assert told == [posts[0].pk]  # but not for longer than the limit
        burst.clear()
        events.emit_many(events.POST_PUBLISHED, post_ids=[posts[1].pk], dispatch=False)
        announcer.poke()
        threading.Event().wait(0.3)
        assert told == [posts[0].pk, posts[1].pk]  # no burst: at once
    finally:
        announcer.close()


def test_a_loop_records_every_event_with_its_post_and_tells_it_before_it_ends(
    mastodon, httpserver, monkeypatch
):
    told = _told(monkeypatch)
    _fake_mastodon(httpserver)
    posts = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(5)]
    runner.run(seconds=1, workers=2)
    assert sorted(told) == sorted(p.pk for p in posts)
    assert not Event.objects.filter(dispatched_at=None).exists()


def _held_network(httpserver, release: threading.Event):
    """A network that keeps each request until ``release``; ``arrived`` tells one came."""
    arrived = threading.Event()
    keys = []

    def statuses(request):
        keys.append(request.headers["Idempotency-Key"])
        arrived.set()
        release.wait(10)
        return Response(json.dumps(status(str(len(keys)))), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    return arrived, keys


def _run_until_stopped(**kwargs):
    stop = threading.Event()
    loop = threading.Thread(target=runner.run, kwargs={"seconds": 30, "stop": stop, **kwargs})
    loop.start()
    return stop, loop


def test_a_stopped_loop_lets_its_send_return_and_hands_back_what_it_had_not_sent(
    mastodon, httpserver, settings
):
    settings.POSTIZ_PUBLISHER_STOP_GRACE = 5
    release = threading.Event()
    arrived, keys = _held_network(httpserver, release)
    first, second = (
        PostFactory(integration=mastodon, items=["first"]),
        PostFactory(integration=mastodon, items=["second"]),
    )
    # One thread: the second post is claimed (prefetched) but waits for the first.
    stop, loop = _run_until_stopped(workers=1)
    assert arrived.wait(10)
    stop.set()
    threading.Timer(0.3, release.set).start()  # the send returns during the grace
    loop.join(3)

    assert not loop.is_alive()
    assert len(keys) == 1
    sent, unsent = (first, second) if keys == [str(first.items.get().key)] else (second, first)
    assert Post.objects.get(pk=sent.pk).state == State.PUBLISHED
    assert Post.objects.get(pk=unsent.pk).state == State.SCHEDULED  # back in the queue now
    assert PostItem.objects.get(post=unsent).commit_started_at is None  # goes out without doubt


def test_a_stopped_loop_does_not_wait_past_the_grace_and_its_post_is_handed_back(
    mastodon, httpserver, settings
):
    settings.POSTIZ_PUBLISHER_STOP_GRACE = 0.3
    release = threading.Event()
    arrived, _ = _held_network(httpserver, release)
    post = PostFactory(integration=mastodon, items=["slow"])
    stop, loop = _run_until_stopped(workers=2)
    try:
        assert arrived.wait(10)
        stopped_at = time.monotonic()
        stop.set()
        loop.join(3)
        assert not loop.is_alive()
        assert time.monotonic() - stopped_at < 1.5
        # Left "publishing", its send marked started: handed back to be looked up first
        # (once PostgreSQL has ended the loop's server process, a moment after it left).
        assert Post.objects.get(pk=post.pk).state == State.PUBLISHING
        released = []
        for _ in range(250):
            if released := engine.release_orphans():
                break
            threading.Event().wait(0.02)
        assert released == [post.pk]
        assert Post.objects.get(pk=post.pk).state == State.SCHEDULED
        assert PostItem.objects.get(post=post).commit_started_at is not None
    finally:
        release.set()


def test_a_loop_told_to_stop_while_idle_returns_at_once(mastodon):
    stop, loop = _run_until_stopped()
    threading.Event().wait(0.5)
    stopped_at = time.monotonic()
    stop.set()
    loop.join(3)
    assert not loop.is_alive()
    assert time.monotonic() - stopped_at < 0.5


def test_a_loop_tells_health_it_is_alive(mastodon):
    assert not WorkerHeartbeat.objects.filter(name="publisher").exists()
    before = timezone.now()
    runner.run(seconds=0.2)
    assert WorkerHeartbeat.objects.get(name="publisher").beat_at >= before
