"""Posts due while nothing ran are not sent late; the late-post alarm says so first."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import Integration
from postiz.models import WorkerHeartbeat
from postiz.tasks import heartbeat
from posts import engine
from posts.models import Post
from posts.states import State
from posts.sweep import MISSED_MESSAGE, sweep, sweep_missed
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def ago(minutes):
    return timezone.now() - timedelta(minutes=minutes)


def test_a_post_overdue_past_the_grace_window_becomes_missed_and_is_not_claimed(mastodon, settings):
    settings.POSTIZ_MISSED_GRACE_MINUTES = 60
    late = PostFactory(integration=mastodon, items=["Breakfast special"], publish_at=ago(61))
    on_time = PostFactory(integration=mastodon, items=["Lunch"], publish_at=ago(59))

    assert sweep_missed() == 1
    late.refresh_from_db()
    assert late.state == State.MISSED
    assert late.error_message == MISSED_MESSAGE
    assert engine.claim_due() == [on_time.pk]


def test_a_missed_post_can_be_scheduled_again_by_a_person(mastodon):
    post = PostFactory(integration=mastodon, items=["Breakfast special"], publish_at=ago(120))
    sweep_missed()
    from posts.states import transition

    assert transition(Post.objects.filter(pk=post.pk), State.SCHEDULED, publish_at=timezone.now())
    assert engine.claim_due() == [post.pk]


def test_posts_of_a_disabled_channel_are_held_not_missed(mastodon):
    post = PostFactory(integration=mastodon, items=["Held"], publish_at=ago(500))
    Integration.objects.filter(pk=mastodon.pk).update(status=Integration.Status.DISABLED)
    assert sweep_missed() == 0
    post.refresh_from_db()
    assert post.state == State.SCHEDULED


def test_the_sweep_tells_the_organization(mastodon, monkeypatch):
    told = []
    monkeypatch.setattr(
        "posts.events.emit", lambda event, **kwargs: told.append((event, kwargs["post_id"]))
    )
    post = PostFactory(integration=mastodon, items=["Breakfast special"], publish_at=ago(90))
    assert sweep()["missed"] == 1
    assert told == [("post.missed", post.pk)]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_hands_back_posts_of_a_worker_that_died(mastodon):
    post = PostFactory(integration=mastodon, items=["Held by a dead worker"], publish_at=ago(1))

    def dying_worker():
        try:
            engine.claim_due()
        finally:
            connection.close()  # the worker is gone: so is its connection, and its claim

    worker = threading.Thread(target=dying_worker)
    worker.start()
    worker.join()
    for _ in range(200):  # PostgreSQL ends the gone client's server process a moment later
        if sweep()["released"] == 1:
            break
        threading.Event().wait(0.02)
    post.refresh_from_db()
    assert post.state == State.SCHEDULED and post.retry_at is not None


def test_health_is_503_while_a_post_is_late_and_ok_once_it_is_out(client, mastodon, settings):
    settings.POSTIZ_LATE_POST_MINUTES = 5
    heartbeat()
    WorkerHeartbeat.beat("publisher")
    PostFactory(integration=mastodon, items=["on time"], publish_at=ago(2))
    assert client.get("/health").status_code == 200

    late = PostFactory(integration=mastodon, items=["late"], publish_at=ago(7))
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["publishing"]["ok"] is False
    assert body["publishing"]["late_posts"] == 1
    assert body["publishing"]["oldest_due_at"] == late.publish_at.isoformat()

    Post.objects.filter(pk=late.pk).update(state=State.PUBLISHED)
    assert client.get("/health").status_code == 200


def test_health_does_not_count_held_posts_as_late(client, mastodon):
    heartbeat()
    PostFactory(integration=mastodon, items=["held"], publish_at=ago(30))
    Integration.objects.filter(pk=mastodon.pk).update(status=Integration.Status.DISABLED)
    assert client.get("/health").json()["publishing"] == {"ok": True, "late_posts": 0}
