"""The engine against real providers, each network faked at its HTTP boundary."""

import json
import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from integrations.models import Integration
from integrations.providers import get_provider
from media.models import MediaFile
from organizations import events as organization_events
from organizations.models import Event
from posts import engine
from posts.models import Notification, Post, PostItem, PostItemMedia
from posts.states import State
from tests.factories import ChannelFactory, PostFactory
from tests.posts.helpers import BOT, status

pytestmark = pytest.mark.django_db


def run(post):
    """Claim and publish, as a worker does."""
    assert engine.claim_due() == [post.pk]
    return engine.publish_post(post.pk)


def fresh(post):
    return Post.objects.get(pk=post.pk)


def test_a_due_post_is_published_once_with_its_items_key_as_idempotency_key(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["Hello world"])
    seen = []

    def statuses(request):
        seen.append(request.headers.get("Idempotency-Key"))
        return Response(json.dumps(status("1", "Hello world")), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    assert run(post).state == State.PUBLISHED
    post = fresh(post)
    assert post.remote_id == "1" and post.remote_url == "https://social.example/@acme/1"
    assert seen == [str(post.items.get().key)]
    assert engine.claim_due() == []  # nothing left to claim


def test_a_thread_replies_to_the_previous_item_and_waits_for_its_delay(mastodon, httpserver):
    post = PostFactory(
        integration=mastodon, items=["one", "two", {"content": "three", "delay_minutes": 30}]
    )
    bodies = []

    def statuses(request):
        data = request.get_json(silent=True) or request.form.to_dict()
        bodies.append(data)
        id_ = str(len(bodies))
        return Response(json.dumps(status(id_)), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    outcome = run(post)

    assert outcome.state == State.SCHEDULED  # the third item waits 30 minutes
    assert [b.get("in_reply_to_id") for b in bodies] == [None, "1"]
    post = fresh(post)
    assert timedelta(minutes=29) < post.retry_at - timezone.now() <= timedelta(minutes=30)
    # Thirty minutes pass.
    earlier = timezone.now() - timedelta(minutes=31)
    PostItem.objects.filter(post=post, published_at__isnull=False).update(published_at=earlier)
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED
    assert bodies[2].get("in_reply_to_id") == "2" and len(bodies) == 3


def test_content_the_network_refuses_fails_with_its_message(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["x" * 10])
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "Validation failed: Text character limit of 500 exceeded"}, status=422
    )
    outcome = run(post)
    assert outcome.state == State.FAILED
    assert "character limit of 500" in fresh(post).error_message


def test_a_revoked_token_fails_the_post_and_flags_the_channel_once(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["hi"])
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "The access token is invalid"}, status=401
    )
    assert run(post).state == State.FAILED
    assert Integration.objects.get(pk=mastodon.pk).status == Integration.Status.NEEDS_RECONNECT


def test_a_rate_limit_reschedules_after_the_networks_wait(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["hi"])
    reset = (timezone.now() + timedelta(minutes=5)).isoformat()
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        {"error": "Too many requests"}, status=429, headers={"X-RateLimit-Reset": reset}
    )
    assert run(post).state == State.SCHEDULED
    wait = fresh(post).retry_at - timezone.now()
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)
    assert fresh(post).items.get().commit_started_at is None  # nothing went out


def test_an_unreachable_network_is_retried_with_backoff_then_fails(org, settings):
    settings.PROVIDER_ENDPOINTS = {"telegram": {"api": "http://127.0.0.1:9"}}  # nothing listens
    channel = ChannelFactory(
        organization=org,
        provider="telegram",
        external_id="-1",
        name="News",
        credentials={"bot_token": BOT},
        meta={"chat_id": "-1"},
    )
    post = PostFactory(integration=channel, items=["hi"])
    waits = []
    for _ in engine.BACKOFF:
        assert run(post).state == State.SCHEDULED
        waits.append((fresh(post).retry_at - timezone.now()).total_seconds())
        Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert waits == sorted(waits) and waits[0] >= engine.BACKOFF[0] - 1
    assert run(post).state == State.FAILED


def test_an_unclear_outcome_on_a_network_without_idempotency_is_never_sent_twice(
    telegram, httpserver
):
    post = PostFactory(integration=telegram, items=["hi"])
    sent = []

    def send(request):
        sent.append(request.path)
        return Response("<html>502 Bad Gateway</html>", status=502)

    httpserver.expect_request(f"/tg/bot{BOT}/sendMessage").respond_with_handler(send)
    outcome = run(post)
    assert outcome.state == State.UNCONFIRMED
    assert "could not confirm" in fresh(post).error_message
    assert len(sent) == 1
    assert engine.claim_due() == []  # never picked up again by itself


def test_an_unclear_outcome_is_resolved_by_looking_before_sending_again(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["Hello again"])
    posts_sent = []

    def first(request):
        posts_sent.append(1)
        return Response("bad gateway", status=502)

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(first)
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json(
        [status("77", "Hello again")]
    )
    assert run(post).state == State.SCHEDULED  # look again once the lists settle
    assert fresh(post).items.get().commit_started_at is not None

    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED
    assert fresh(post).remote_id == "77"  # adopted, not posted again
    assert len(posts_sent) == 1


def test_a_channel_that_needs_reconnecting_fails_the_post_without_calling_the_network(
    mastodon, httpserver
):
    Integration.objects.filter(pk=mastodon.pk).update(status="needs_reconnect")
    post = PostFactory(integration=mastodon, items=["hi"])
    assert run(post).state == State.FAILED
    assert "needs reconnecting" in fresh(post).error_message
    assert httpserver.log == []


def test_a_post_cancelled_after_it_was_claimed_is_left_alone(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["hi"])
    assert engine.claim_due() == [post.pk]
    Post.objects.filter(pk=post.pk).update(state=State.CANCELLED)
    assert engine.publish_post(post.pk).state == "skipped"
    assert httpserver.log == []


def test_only_due_posts_are_claimed(mastodon):
    due = PostFactory(integration=mastodon, items=["now"])
    PostFactory(
        integration=mastodon, items=["later"], publish_at=timezone.now() + timedelta(hours=1)
    )
    PostFactory(integration=mastodon, items=["draft"], state=State.DRAFT)
    assert engine.claim_due() == [due.pk]
    assert fresh(due).state == State.PUBLISHING and fresh(due).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_the_same_time_share_the_queue_without_overlap(mastodon):
    posts = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(40)]
    barrier = threading.Barrier(2)
    claimed = []

    def worker():
        try:
            barrier.wait()
            while ids := engine.claim_due(limit=5):
                claimed.append(ids)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [pk for ids in claimed for pk in ids]
    assert sorted(everything) == sorted(p.pk for p in posts)  # each exactly once


def test_an_expired_session_is_refreshed_once_and_the_item_sent_with_the_new_token(org, httpserver):
    pds = httpserver.url_for("").rstrip("/")
    did = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
    channel = ChannelFactory(
        organization=org,
        provider="bluesky",
        external_id=did,
        name="Acme on Bluesky",
        username="acme.example.com",
        credentials={"access_jwt": "old-access", "refresh_jwt": "old-refresh"},
        meta={"did": did, "handle": "acme.example.com", "pds": pds, "service": pds},
    )
    post = PostFactory(integration=channel, items=["hi"])
    tokens = []

    def create(request):
        tokens.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer old-access":
            return Response(
                json.dumps({"error": "ExpiredToken", "message": "Token has expired"}),
                status=400,
                content_type="application/json",
            )
        rkey = request.get_json()["rkey"]
        uri = f"at://{did}/app.bsky.feed.post/{rkey}"
        return Response(
            json.dumps({"uri": uri, "cid": "bafyreib2rxk3rh6kzwq"}), content_type="application/json"
        )

    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(create)
    httpserver.expect_request(
        "/xrpc/com.atproto.server.refreshSession",
        headers={"Authorization": "Bearer old-refresh"},
    ).respond_with_json(
        {
            "accessJwt": "new-access",
            "refreshJwt": "new-refresh",
            "did": did,
            "handle": "acme.example.com",
        }
    )

    assert run(post).state == State.PUBLISHED
    assert tokens == ["Bearer old-access", "Bearer new-access"]
    stored = Integration.objects.get(pk=channel.pk).credentials
    assert stored["refresh_jwt"] == "new-refresh"  # the rotated token was kept


def test_a_lookup_that_finds_nothing_leaves_the_post_unconfirmed_not_resent(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["Lost in the mail"])
    sent = []

    def gateway(request):
        sent.append(1)
        return Response("bad gateway", status=502)

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(gateway)
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json([])
    assert run(post).state == State.SCHEDULED
    # Past the window in which Mastodon honours the idempotency key: sending again could
    # make a second post, so the engine asks the person instead.
    PostItem.objects.filter(post=post).update(
        commit_started_at=timezone.now()
        - timedelta(seconds=get_provider("mastodon").idempotency_window + 60)
    )
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    outcome = run(post)
    assert outcome.state == State.UNCONFIRMED
    assert "did not find it on Mastodon" in outcome.message
    assert len(sent) == 1


def test_within_the_key_window_an_unclear_post_is_resent_with_the_same_idempotency_key(
    mastodon, httpserver
):
    post = PostFactory(integration=mastodon, items=["Second try"])
    keys = []

    def statuses(request):
        keys.append(request.headers.get("Idempotency-Key"))
        if len(keys) == 1:
            return Response("bad gateway", status=502)
        return Response(json.dumps(status("88", "Second try")), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json([])
    assert run(post).state == State.SCHEDULED
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED
    assert len(keys) == 2 and keys[0] == keys[1]  # Mastodon answers the repeat with the same post


def test_a_post_stays_with_its_worker_while_the_worker_lives(mastodon):
    post = PostFactory(integration=mastodon, items=["hi"])
    engine.claim_due()  # this connection is the worker, and it lives
    Post.objects.filter(pk=post.pk).update(state_changed_at=timezone.now() - timedelta(hours=6))
    assert engine.release_orphans() == []
    assert fresh(post).state == State.PUBLISHING
    engine.unlock([post.pk])


# -- The batch path (what the publisher loop uses) ----------------------------------------
def publish_batch(limit=50):
    """Claim, start, send and save a batch, as one loop iteration does."""
    jobs = engine.claim_batch(limit=limit)
    engine.begin_sends(jobs)
    for job in jobs:
        if job.request is not None:
            engine.send_prepared(job)
    announced = []
    engine.finish_batch(
        [j for j in jobs if j.request is not None], announce=lambda: announced.append(True)
    )
    engine.unlock([j.pk for j in jobs])
    return jobs, announced


def test_a_batch_is_published_with_each_items_own_key_and_announced_once(
    mastodon, httpserver, owner
):
    posts = [PostFactory(integration=mastodon, items=[f"Batch {n}"]) for n in range(5)]
    keys = []

    def statuses(request):
        keys.append(request.headers["Idempotency-Key"])
        number = str(len(keys))
        return Response(json.dumps(status(number)), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    _, announced = publish_batch()
    assert sorted(keys) == sorted(str(p.items.get().key) for p in posts)
    for post in posts:
        post = fresh(post)
        item = post.items.get()
        assert post.state == State.PUBLISHED and post.remote_id == item.remote_id != ""
        assert post.remote_url.startswith("https://social.example/@acme/")
        assert item.published_at is not None and post.published_at == item.published_at
    # Each post's event was saved with its new state, in the same statement; telling them
    # was asked for once.
    saved = Event.objects.filter(name="post.published").values_list("post_id", flat=True)
    assert sorted(saved) == sorted(p.pk for p in posts) and announced == [True]
    assert organization_events.dispatch_all() == 5
    assert Notification.objects.filter(kind="post.published").count() == 5  # one member each


def test_claiming_and_saving_a_batch_take_the_same_few_queries_for_one_post_or_forty(
    mastodon, httpserver, django_assert_max_num_queries
):
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(status("1"))

    def queries_for(count):
        for n in range(count):
            PostFactory(integration=mastodon, items=[f"post {n}"])
        with django_assert_max_num_queries(3):  # claim, posts with channels, items
            jobs = engine.claim_batch(limit=count)
            engine.prepare_sends(jobs)  # no attached files: no query for them
        engine.mark_started(jobs)
        for job in jobs:
            engine.send_prepared(job)
        with django_assert_max_num_queries(1):  # items and posts in one statement
            engine.finish_batch(jobs, announce=lambda: None)
        return jobs

    assert len(queries_for(1)) == 1
    assert len(queries_for(40)) == 40
    assert Post.objects.filter(state=State.PUBLISHED).count() == 41


def test_commit_started_is_saved_for_the_whole_batch_before_anything_is_sent(mastodon, httpserver):
    posts = [PostFactory(integration=mastodon, items=[f"post {n}"]) for n in range(3)]
    jobs = engine.claim_batch(limit=10)
    engine.begin_sends(jobs)
    started = PostItem.objects.filter(post__in=posts, commit_started_at__isnull=False)
    assert started.count() == 3 and httpserver.log == []


def test_in_a_batch_a_refusal_fails_only_its_own_post(mastodon, httpserver):
    good = PostFactory(integration=mastodon, items=["fine"])
    bad = PostFactory(integration=mastodon, items=["x" * 600])

    def statuses(request):
        if len(request.get_json()["status"]) > 500:
            return Response(
                json.dumps({"error": "Validation failed: Text character limit of 500 exceeded"}),
                status=422,
                content_type="application/json",
            )
        return Response(json.dumps(status("5")), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    publish_batch()
    assert fresh(good).state == State.PUBLISHED
    assert fresh(bad).state == State.FAILED
    assert "character limit of 500" in fresh(bad).error_message
    assert fresh(bad).items.get().commit_started_at is None  # refused: nothing went out


def test_in_a_batch_an_unclear_outcome_is_looked_up_later_not_resent(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["Unclear"])
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_data(
        "bad gateway", status=502
    )
    publish_batch()
    post = fresh(post)
    assert post.state == State.SCHEDULED and post.retry_at > timezone.now()
    assert post.items.get().commit_started_at is not None  # the next attempt looks first


def test_threads_and_refused_channels_take_the_one_post_path(mastodon, httpserver):
    thread = PostFactory(integration=mastodon, items=["one", "two"])
    single = PostFactory(integration=mastodon, items=["solo"])
    jobs = {job.pk: job for job in engine.claim_batch(limit=10)}
    engine.begin_sends(list(jobs.values()))
    assert jobs[thread.pk].request is None and jobs[single.pk].request is not None
    assert fresh(thread).items.filter(commit_started_at__isnull=False).count() == 0


def test_a_busy_lookup_after_an_unclear_send_looks_again_and_never_sends_blindly(
    mastodon, httpserver
):
    post = PostFactory(integration=mastodon, items=["Lost answer"])
    posted, looks = [], []

    def statuses(request):
        posted.append(1)
        return Response("bad gateway", status=502)

    def timeline(request):
        looks.append(1)
        if len(looks) == 1:
            reset = (timezone.now() + timedelta(minutes=2)).isoformat()
            return Response(
                json.dumps({"error": "Too many requests"}),
                status=429,
                headers={"X-RateLimit-Reset": reset},
                content_type="application/json",
            )
        return Response(json.dumps([status("99", "Lost answer")]), content_type="application/json")

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_handler(timeline)
    assert run(post).state == State.SCHEDULED  # unclear: look once the lists settle
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.SCHEDULED  # the look-up was rate limited: wait
    assert fresh(post).items.get().commit_started_at is not None  # …and look again
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED
    assert fresh(post).remote_id == "99" and len(posted) == 1


def test_a_lookup_the_network_refuses_leaves_the_post_unconfirmed_not_resent(mastodon, httpserver):
    post = PostFactory(integration=mastodon, items=["Lost answer"])
    posted = []
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(
        lambda request: posted.append(1) or Response("bad gateway", status=502)
    )
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json(
        {"error": "This action is outside the authorized scopes"}, status=403
    )
    assert run(post).state == State.SCHEDULED
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.UNCONFIRMED
    assert len(posted) == 1


def test_a_network_that_never_answers_clearly_ends_unconfirmed_after_a_few_tries(
    mastodon, httpserver
):
    post = PostFactory(integration=mastodon, items=["Into the void"])
    keys = []
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(
        lambda request: (
            keys.append(request.headers["Idempotency-Key"]) or Response("bad gateway", status=502)
        )
    )
    httpserver.expect_request("/api/v1/accounts/109/statuses").respond_with_json([])
    states = []
    for _ in range(8):
        Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
        states.append(run(post).state)
        if states[-1] != State.SCHEDULED:
            break
    assert states == [State.SCHEDULED] * (engine.MAX_UNCLEAR - 1) + [State.UNCONFIRMED]
    assert len(keys) == engine.MAX_UNCLEAR and len(set(keys)) == 1  # one key, re-sent safely


def test_earlier_claims_of_a_thread_do_not_use_up_a_later_parts_retries(org, settings):
    settings.PROVIDER_ENDPOINTS = {"telegram": {"api": "http://127.0.0.1:9"}}  # nothing listens
    channel = ChannelFactory(
        organization=org,
        provider="telegram",
        external_id="-1",
        name="News",
        credentials={"bot_token": BOT},
        meta={"chat_id": "-1"},
    )
    post = PostFactory(integration=channel, items=["hi"])
    # Claimed many times before (earlier parts, waits for rate limits).
    Post.objects.filter(pk=post.pk).update(attempts=7)
    assert run(post).state == State.SCHEDULED  # the first blip of this part: retried


def test_a_telegram_group_upgraded_to_a_supergroup_gets_the_post_at_its_new_id(
    telegram, httpserver
):
    post = PostFactory(integration=telegram, items=["Hello group"])
    chats = []

    def send(request):
        chats.append(str(request.get_json()["chat_id"]))
        if chats[-1] == "-1001":
            body = {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: group chat was upgraded to a supergroup chat",
                "parameters": {"migrate_to_chat_id": -1009876543210},
            }
            return Response(json.dumps(body), status=400, content_type="application/json")
        message = {"message_id": 7, "date": 0, "chat": {"id": -1009876543210}, "text": "x"}
        body = {"ok": True, "result": message}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(f"/tg/bot{BOT}/sendMessage").respond_with_handler(send)
    assert run(post).state == State.PUBLISHED
    assert chats == ["-1001", "-1009876543210"]
    assert Integration.objects.get(pk=telegram.pk).meta["chat_id"] == "-1009876543210"
    later = PostFactory(integration=telegram, items=["Next one"])
    assert run(later).state == State.PUBLISHED
    assert chats[-1] == "-1009876543210"  # straight to the new id


def test_a_post_the_network_is_still_making_is_checked_later_never_resubmitted(
    org, settings, httpserver
):
    from tests.providers.conftest import fixture_response, point
    from tests.providers.reddit.conftest import HERE

    point(settings, httpserver, "reddit", auth="/a", token="/t", api="/o", media_upload="/s3")
    channel = ChannelFactory(
        organization=org,
        provider="reddit",
        external_id="1w72",
        name="u/postiz_tester",
        username="postiz_tester",
        credentials={"access_token": "reddit-token"},
    )
    post = PostFactory(integration=channel, items=["caption"])
    # An earlier attempt submitted an image post; Reddit had not listed it yet.
    handle = json.dumps({"submissions": [{"sr": "test", "title": "Launch day", "pending": True}]})
    PostItem.objects.filter(post=post).update(
        commit_started_at=timezone.now(), progress={engine.PENDING_HANDLE_KEY: handle}
    )
    listings = iter(["submitted_empty", "submitted_image"])
    httpserver.expect_request("/o/user/postiz_tester/submitted").respond_with_handler(
        lambda request: fixture_response(HERE, next(listings))
    )

    outcome = run(post)
    assert outcome.state == State.SCHEDULED and "still processing" in outcome.message
    # Checked again at Reddit's pace: every 20 s, the default (spec 1.3).
    assert timedelta(seconds=15) < fresh(post).retry_at - timezone.now() <= timedelta(seconds=20)
    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now())
    assert run(post).state == State.PUBLISHED
    assert fresh(post).remote_id == "t3_1imgab"
    assert not [r for r, _ in httpserver.log if r.path == "/o/api/submit"]


@pytest.mark.parametrize(("network", "safe"), [("mastodon", True), ("discord-bot", False)])
def test_a_resend_relies_on_a_key_only_while_that_network_honours_it(network, safe):
    # Three minutes after the first send: Mastodon still de-duplicates by its key (about an
    # hour); Discord checks a nonce for a few minutes only, so resending could post twice.
    item = PostItem(commit_started_at=timezone.now() - timedelta(minutes=3))
    assert engine._safe_to_resend(get_provider(network), item) is safe


def test_on_the_batch_path_an_uploaded_file_is_kept_when_the_status_is_refused(
    mastodon, httpserver, settings, tmp_path
):
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
    uploads, statuses = [], []

    def upload(request):
        uploads.append(request)
        return Response(json.dumps({"id": "m1", "url": "https://files.example/m1.png"}))

    def publish(request):
        statuses.append(request.get_json())
        if len(statuses) == 1:
            return Response('{"error": "Too many requests"}', status=429)
        return Response(json.dumps(status("7")), content_type="application/json")

    httpserver.expect_request("/api/v2/media", method="POST").respond_with_handler(upload)
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(publish)

    publish_batch()
    assert fresh(post).state == State.SCHEDULED  # waits for the rate limit
    assert post.items.get().progress["media"]["0"]["id"] == "m1"

    Post.objects.filter(pk=post.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    publish_batch()
    assert fresh(post).state == State.PUBLISHED
    assert len(uploads) == 1  # the retry reused the uploaded file
    assert [s.get("media_ids") for s in statuses] == [["m1"], ["m1"]]
