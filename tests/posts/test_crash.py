"""A worker that dies mid-publish: its posts come back at once, and are never sent twice.

A claim is held by an advisory lock of the claiming connection; these tests claim on a
connection of their own (a thread), then close it (the worker died) or keep it open (it
is alive and busy)."""

import json
import os
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from posts import engine, runner
from posts.models import Post, PostItem
from posts.states import State
from tests.posts.helpers import BOT, make_post, status

pytestmark = pytest.mark.django_db(transaction=True)


class Worker:
    """Claims on its own connection and starts sending, then dies or stays alive."""

    def __init__(self, limit=10):
        self.claimed = []
        self.claimed_event = threading.Event()
        self.die = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(limit,))
        self.thread.start()
        assert self.claimed_event.wait(10)

    def _run(self, limit):
        try:
            jobs = engine.claim_batch(limit=limit)
            engine.begin_sends(jobs)  # commit started: the send may have gone out
            self.claimed = [job.pk for job in jobs]
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]
            self.claimed_event.set()
            self.die.wait(10)
        finally:
            connection.close()  # the process is gone: so is its connection

    def kill(self):
        self.die.set()
        self.thread.join()
        # PostgreSQL ends the server process (and drops its locks) a moment after the
        # client goes: wait for that, as the next loop's check would.
        for _ in range(200):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [self.backend])
                if cursor.fetchone() is None:
                    return
            threading.Event().wait(0.02)
        raise AssertionError("the worker's connection did not go away")


def fresh(post):
    return Post.objects.get(pk=post.pk)


def test_posts_of_a_worker_that_died_are_handed_back_at_once(mastodon):
    post = make_post(mastodon, "hi")
    worker = Worker()
    assert worker.claimed == [post.pk]
    worker.kill()
    assert engine.release_orphans() == [post.pk]
    handed_back = fresh(post)
    # Due again at once, as a retry: the time the person asked for is kept.
    assert handed_back.state == State.SCHEDULED and handed_back.retry_at <= timezone.now()
    assert handed_back.publish_at == post.publish_at
    assert handed_back.items.get().commit_started_at is not None  # the next attempt looks first


def test_a_live_workers_posts_are_never_taken_however_long_it_takes(mastodon):
    post = make_post(mastodon, "hi")
    worker = Worker()
    try:
        # Held for hours (a slow video upload): the worker may still be sending.
        Post.objects.filter(pk=post.pk).update(state_changed_at=timezone.now() - timedelta(hours=6))
        assert engine.release_orphans() == []
        assert engine.claim_due() == []
        assert fresh(post).state == State.PUBLISHING
    finally:
        worker.kill()


def test_a_post_in_flight_at_the_crash_is_adopted_from_mastodon_not_posted_again(
    mastodon, httpserver
):
    post = make_post(mastodon, "Sent just before the crash")
    item = post.items.get()
    posted = []
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(
        lambda request: posted.append(1) or Response("{}", status=500)
    )
    # The dead worker's send reached Mastodon: the status is on the account.
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json(
        [status("314", "Sent just before the crash")]
    )
    worker = Worker()
    worker.kill()
    engine.release_orphans()
    assert engine.claim_due() == [post.pk]
    assert engine.publish_post(post.pk).state == State.PUBLISHED
    post = fresh(post)
    assert post.remote_id == "314" and PostItem.objects.get(pk=item.pk).remote_id == "314"
    assert posted == []


def test_a_post_in_flight_at_the_crash_on_telegram_becomes_unconfirmed_never_resent(
    telegram, httpserver
):
    post = make_post(telegram, "hi")
    sent = []
    httpserver.expect_request(f"/tg/bot{BOT}/sendMessage").respond_with_handler(
        lambda request: sent.append(1) or Response(json.dumps({"ok": True}))
    )
    worker = Worker()
    worker.kill()
    assert engine.release_orphans() == [post.pk]
    assert engine.claim_due() == [post.pk]
    outcome = engine.publish_post(post.pk)
    assert outcome.state == State.UNCONFIRMED
    assert "no way to check" in fresh(post).error_message
    assert sent == []


def test_a_post_claimed_again_meanwhile_is_not_handed_back(mastodon):
    post = make_post(mastodon, "hi")
    Worker().kill()
    assert engine.release_orphans() == [post.pk]
    assert engine.claim_due() == [post.pk]  # this connection holds it now, alive
    assert engine.release_orphans() == []
    assert fresh(post).state == State.PUBLISHING
    engine.unlock([post.pk])
    connection.close()


def test_a_loop_hands_back_a_dead_workers_posts_and_publishes_them(mastodon, httpserver):
    keys = []

    def statuses(request):
        keys.append(request.headers["Idempotency-Key"])
        return Response(json.dumps(status(str(len(keys)))), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json([])
    posts = [make_post(mastodon, f"post {n}") for n in range(3)]
    Worker().kill()
    runner.run(seconds=1.5, workers=4)
    assert {fresh(p).state for p in posts} == {State.PUBLISHED}
    # Mastodon's idempotency key (the item's key) makes the resend safe: same key each.
    assert sorted(keys) == sorted(str(p.items.get().key) for p in posts)


def test_a_slot_is_a_name_so_another_publishers_loop_0_runs_beside_this_one(mastodon, httpserver):
    # Each publisher process (another host's, say) numbers its loops from 0: a loop whose
    # number another process's loop already has publishes all the same.
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(status("1"))
    named = threading.Event()
    stop = threading.Event()

    def other_host():
        try:
            runner._name_loop(0)
            named.set()
            stop.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=other_host)
    other.start()
    assert named.wait(10)
    try:
        posts = [make_post(mastodon, f"post {n}") for n in range(3)]
        assert runner.run(seconds=1.5, workers=4, slot=0) == 3
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [f"postiz publisher slot=0 pid={os.getpid()}"],
            )
            assert cursor.fetchone()[0] == 1  # the other's; this loop's connection closed
    finally:
        stop.set()
        other.join()
    assert {fresh(p).state for p in posts} == {State.PUBLISHED}
