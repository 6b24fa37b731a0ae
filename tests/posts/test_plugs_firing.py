"""Plugs fire once when a post's counts, read by the real post-counts job from a fake
network, cross their threshold: one repost or reply, never two, whatever happens."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from organizations.models import AuditEvent
from posts.analytics import services as analytics
from posts.models import Notification
from posts.plugs import services as plugs
from posts.plugs.models import Plug, PlugRun
from posts.states import State
from tests.factories import ChannelFactory, PostFactory, PostItemFactory
from tests.posts.e2e.fakes import FakeNetwork, answer, as_response

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
JWT = "eyJhY2Nlc3M.eyJvbGQ.c2ln"
POST_URI = f"at://{DID}/app.bsky.feed.post/3lfq2ax7cbk2a"
POST_CID = "bafyreib2rxk3rh6kzwq3lfq2ax7cbk2a"
CREATE = r"/xrpc/com\.atproto\.repo\.createRecord"
GET_RECORD = r"/xrpc/com\.atproto\.repo\.getRecord"
GET_POSTS = r"/xrpc/app\.bsky\.feed\.getPosts"
STATUS = "103270115826048975"


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


@pytest.fixture
def mastodon(db, fake):
    return ChannelFactory(
        provider="mastodon",
        credentials={"access_token": "t"},
        meta={"instance": fake.origin, "account_id": "109302436954721982"},
    )


@pytest.fixture
def bluesky(db, fake):
    return ChannelFactory(
        provider="bluesky",
        external_id=DID,
        username="alice.example.com",
        credentials={"access_jwt": JWT, "refresh_jwt": "eyJyZWZyZXNo.eyJvbGQ.c2ln"},
        meta={"did": DID, "handle": "alice.example.com", "pds": fake.origin},
    )


def published(channel, remote_id, *, url="", extra=None, text="Launch day"):
    when = timezone.now() - timedelta(hours=2)
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id=remote_id,
        remote_url=url,
    )
    PostItemFactory(post=post, content=text, remote_id=remote_id, remote_extra=extra or {})
    return post


def plug(channel, kind="repost", metric="likes", threshold=10, text="", **fields):
    made = plugs.plug_create(
        integration=channel, kind=kind, metric=metric, threshold=threshold, text=text
    )
    # Made before the posts of the test were published: it may act on them.
    Plug.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(days=1))
    made.refresh_from_db()
    return made


def statuses(*likes):
    """Mastodon's GET /api/v1/statuses?id[]= answers, one per refresh: our status with
    these favourites."""

    def one(count):
        def respond(call):
            status = answer("mastodon", "status", base="https://social.example").get_json()
            status.update(favourites_count=count, replies_count=1, reblogs_count=0)
            return as_response({"status": 200, "body": [status]})

        return respond

    return [one(count) for count in likes]


def get_posts(*likes):
    def one(count):
        def respond(call):
            return answer(
                "bluesky", "get_posts", edit=lambda body: body["posts"][0].update(likeCount=count)
            )

        return respond

    return [one(count) for count in likes]


def refresh(post, capture):
    """What the Refresh button does: the post's counts due now, its channel's job run."""
    with capture(execute=True):
        assert analytics.post_metrics_refresh(post=post)


def reblog_answer(call):
    status = answer("mastodon", "status", base="https://social.example").get_json()
    original = dict(status)
    status.update(id="110000000000000001", url=None, reblog=original)
    return as_response({"status": 200, "body": status})


REBLOG = rf"/api/v1/statuses/{STATUS}/reblog"


# -- The threshold -----------------------------------------------------------------------------
def test_counts_below_the_threshold_fire_nothing(
    fake, mastodon, django_capture_on_commit_callbacks
):
    post = published(mastodon, STATUS)
    plug(mastodon, threshold=10)
    fake.on("GET", r"/api/v1/statuses", *statuses(9))
    refresh(post, django_capture_on_commit_callbacks)
    assert PlugRun.objects.count() == 0
    assert fake.sent("POST", REBLOG) == []


def test_a_plug_boosts_once_when_the_counts_cross_and_never_again(
    fake, mastodon, django_capture_on_commit_callbacks
):
    post = published(mastodon, STATUS, url=f"{fake.origin}/@alice/{STATUS}")
    made = plug(mastodon, threshold=10)
    fake.on("GET", r"/api/v1/statuses", *statuses(4, 12, 30))
    fake.on("POST", REBLOG, reblog_answer)
    for _ in range(3):  # below, crossing, and well past: three real refreshes
        refresh(post, django_capture_on_commit_callbacks)
    assert len(fake.sent("GET", r"/api/v1/statuses")) == 3
    boosts = fake.sent("POST", REBLOG)
    assert len(boosts) == 1
    assert boosts[0].headers["Authorization"] == "Bearer t"
    run = PlugRun.objects.get()
    assert (run.plug, run.post, run.state, run.value) == (made, post, "done", 12)
    assert run.fired_at is not None and run.remote_id == "110000000000000001"
    assert run.remote_url == post.remote_url
    assert AuditEvent.objects.filter(action="plug.fired", target_id=str(run.pk)).exists()


def test_a_plug_made_after_the_post_was_published_leaves_it_alone(
    fake, mastodon, django_capture_on_commit_callbacks
):
    post = published(mastodon, STATUS)
    plugs.plug_create(integration=mastodon, kind="repost", metric="likes", threshold=1)
    fake.on("GET", r"/api/v1/statuses", *statuses(50))
    refresh(post, django_capture_on_commit_callbacks)
    assert PlugRun.objects.count() == 0


def test_a_disabled_plug_fires_nothing(fake, mastodon, django_capture_on_commit_callbacks):
    post = published(mastodon, STATUS)
    Plug.objects.filter(pk=plug(mastodon, threshold=1).pk).update(enabled=False)
    fake.on("GET", r"/api/v1/statuses", *statuses(50))
    refresh(post, django_capture_on_commit_callbacks)
    assert PlugRun.objects.count() == 0


# -- Bluesky: the real analytics job against the fake AppView, then a repost record -------------
def test_bluesky_repost_fires_once_when_likes_cross(
    fake, bluesky, django_capture_on_commit_callbacks
):
    post = published(
        bluesky,
        POST_URI,
        url="https://bsky.app/profile/alice.example.com/post/3lfq2ax7cbk2a",
        extra={"uri": POST_URI, "cid": POST_CID, "rkey": "3lfq2ax7cbk2a"},
    )
    plug(bluesky, threshold=40)
    fake.on("GET", GET_POSTS, *get_posts(39, 40, 41))
    fake.on(
        "POST",
        CREATE,
        lambda call: answer("bluesky", "create_record", rkey=call.json["rkey"]),
    )
    for _ in range(3):
        refresh(post, django_capture_on_commit_callbacks)
    creates = fake.sent("POST", CREATE)
    assert len(creates) == 1
    body = creates[0].json
    assert body["repo"] == DID and body["collection"] == "app.bsky.feed.repost"
    assert body["record"]["$type"] == "app.bsky.feed.repost"
    assert body["record"]["subject"] == {"uri": POST_URI, "cid": POST_CID}
    run = PlugRun.objects.get()
    assert run.state == "done" and run.value == 40
    # The record key is the run's own, fixed before the first send.
    from integrations.providers.bluesky import tid_for

    assert body["rkey"] == tid_for(str(run.key), "repost")
    assert run.remote_url == post.remote_url


def test_bluesky_reply_plug_replies_under_the_post_with_its_text(
    fake, bluesky, django_capture_on_commit_callbacks
):
    post = published(bluesky, POST_URI, extra={"uri": POST_URI, "cid": POST_CID})
    plug(bluesky, kind="reply", metric="comments", threshold=4, text="Try it: https://acme.example")
    fake.on("GET", GET_POSTS, *get_posts(40))  # the fixture's post has 4 replies
    fake.on(
        "POST",
        CREATE,
        lambda call: answer("bluesky", "create_record", rkey=call.json["rkey"]),
    )
    refresh(post, django_capture_on_commit_callbacks)
    (create,) = fake.sent("POST", CREATE)
    record = create.json["record"]
    assert create.json["collection"] == "app.bsky.feed.post"
    assert record["text"] == "Try it: https://acme.example"
    strong = {"uri": POST_URI, "cid": POST_CID}
    assert record["reply"] == {"root": strong, "parent": strong}
    assert record["facets"][0]["features"][0]["uri"] == "https://acme.example"
    run = PlugRun.objects.get()
    assert run.state == "done" and run.remote_url.startswith("https://bsky.app/profile/")


def test_mastodon_reply_carries_the_runs_idempotency_key(
    fake, mastodon, django_capture_on_commit_callbacks
):
    post = published(mastodon, STATUS)
    plug(mastodon, kind="reply", metric="likes", threshold=5, text="Our shop: https://acme.example")
    fake.on("GET", r"/api/v1/statuses", *statuses(6))
    fake.on(
        "POST",
        r"/api/v1/statuses",
        lambda call: answer(
            "mastodon", "status", base=fake.origin, edit=lambda b: b.update(id="555")
        ),
    )
    refresh(post, django_capture_on_commit_callbacks)
    (sent,) = fake.sent("POST", r"/api/v1/statuses")
    run = PlugRun.objects.get()
    assert sent.json["in_reply_to_id"] == STATUS
    assert sent.json["status"] == "Our shop: https://acme.example"
    assert sent.headers["Idempotency-Key"] == str(run.key)
    assert run.state == "done" and run.remote_id == "555"


# -- Within the network's limits ---------------------------------------------------------------
def test_a_throttled_boost_waits_and_is_sent_once_later(
    fake, mastodon, django_capture_on_commit_callbacks
):
    post = published(mastodon, STATUS)
    plug(mastodon, threshold=1)
    fake.on("GET", r"/api/v1/statuses", *statuses(3))
    fake.on("POST", REBLOG, answer("mastodon", "rate_limited"), reblog_answer)
    refresh(post, django_capture_on_commit_callbacks)
    run = PlugRun.objects.get()
    assert run.state == "pending" and run.retry_at > timezone.now()
    assert "Mastodon" in run.message
    # The round before the wait is over does nothing; after it, one boost.
    assert plugs.plugs_round()["due"] == 0
    assert len(fake.sent("POST", REBLOG)) == 1
    PlugRun.objects.update(retry_at=timezone.now() - timedelta(seconds=1))  # time passes
    assert plugs.plugs_round()["due"] == 1
    run.refresh_from_db()
    assert run.state == "done"
    assert len(fake.sent("POST", REBLOG)) == 2  # the refused one, then the one that landed
    assert PlugRun.objects.count() == 1


# -- Exactly once after a crash or an unclear answer ----------------------------------------------
def _claimed_run(channel, post, plug_row, *, minutes_ago=30):
    """A run a worker claimed (state "sending", committed) and then died."""
    return PlugRun.objects.create(
        organization=channel.organization,
        plug=plug_row,
        post=post,
        kind=plug_row.kind,
        metric=plug_row.metric,
        threshold=plug_row.threshold,
        value=plug_row.threshold,
        text=plug_row.text,
        state="sending",
        attempts=1,
        sent_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_a_repost_a_dead_worker_sent_is_adopted_not_sent_again(fake, bluesky):
    post = published(bluesky, POST_URI, extra={"uri": POST_URI, "cid": POST_CID})
    run = _claimed_run(bluesky, post, plug(bluesky, threshold=1))
    fake.on("GET", GET_RECORD, answer("bluesky", "get_record", rkey="3lrepost"))
    plugs.plugs_round()
    run.refresh_from_db()
    assert run.state == "done"
    assert fake.sent("POST", CREATE) == []
    (look,) = fake.sent("GET", GET_RECORD)
    from integrations.providers.bluesky import tid_for

    assert look.args == {
        "repo": DID,
        "collection": "app.bsky.feed.repost",
        "rkey": tid_for(str(run.key), "repost"),
    }


def test_a_repost_a_dead_worker_never_sent_goes_once_under_the_same_key(fake, bluesky):
    post = published(bluesky, POST_URI, extra={"uri": POST_URI, "cid": POST_CID})
    run = _claimed_run(bluesky, post, plug(bluesky, threshold=1))
    fake.on("GET", GET_RECORD, answer("bluesky", "record_not_found"))
    fake.on("POST", CREATE, lambda call: answer("bluesky", "create_record", rkey=call.json["rkey"]))
    plugs.plugs_round()
    plugs.plugs_round()
    run.refresh_from_db()
    assert run.state == "done"
    assert len(fake.sent("POST", CREATE)) == 1


def test_a_repost_answered_with_a_502_is_looked_for_before_anything_else(
    fake, bluesky, django_capture_on_commit_callbacks
):
    post = published(bluesky, POST_URI, extra={"uri": POST_URI, "cid": POST_CID})
    plug(bluesky, threshold=1)
    fake.on("GET", GET_POSTS, *get_posts(5))
    fake.on("POST", CREATE, answer("bluesky", "bad_gateway"))
    fake.on("GET", GET_RECORD, answer("bluesky", "get_record", rkey="3lrepost"))
    refresh(post, django_capture_on_commit_callbacks)
    run = PlugRun.objects.get()
    assert run.state == "done"
    assert len(fake.sent("POST", CREATE)) == 1


def test_an_unclear_reply_too_old_to_resend_becomes_unconfirmed_and_the_team_is_told(
    fake, mastodon, owner, org
):
    mastodon.organization = org
    mastodon.save(update_fields=["organization"])
    post = published(mastodon, STATUS)
    post.organization = org
    post.save(update_fields=["organization"])
    made = plug(mastodon, kind="reply", threshold=1, text="Our shop: https://acme.example")
    # Died two hours ago: Mastodon no longer honours the Idempotency-Key it was sent with.
    run = _claimed_run(mastodon, post, made, minutes_ago=120)
    fake.on(
        "GET",
        r"/api/v1/accounts/109302436954721982/statuses",
        answer("mastodon", "statuses", base=fake.origin),
    )
    plugs.plugs_round()
    plugs.plugs_round()
    run.refresh_from_db()
    assert run.state == "unconfirmed"
    assert fake.sent("POST", r"/api/v1/statuses") == []
    note = Notification.objects.get(user=owner)
    assert "Check the follow-up reply" in note.title
    assert AuditEvent.objects.filter(action="plug.unconfirmed").count() == 1


def test_an_unclear_reply_within_the_key_window_is_sent_again_with_the_same_key(fake, mastodon):
    post = published(mastodon, STATUS)
    made = plug(mastodon, kind="reply", threshold=1, text="Our shop: https://acme.example")
    run = _claimed_run(mastodon, post, made, minutes_ago=15)
    fake.on(
        "GET",
        r"/api/v1/accounts/109302436954721982/statuses",
        answer("mastodon", "statuses", base=fake.origin),
    )
    fake.on("POST", r"/api/v1/statuses", answer("mastodon", "status", base=fake.origin))
    plugs.plugs_round()
    run.refresh_from_db()
    assert run.state == "done"
    (sent,) = fake.sent("POST", r"/api/v1/statuses")
    assert sent.headers["Idempotency-Key"] == str(run.key)


def test_a_run_is_claimed_once_whoever_asks(fake, mastodon, django_capture_on_commit_callbacks):
    post = published(mastodon, STATUS)
    plug(mastodon, threshold=1)
    fake.on("GET", r"/api/v1/statuses", *statuses(3))
    fake.on("POST", REBLOG, reblog_answer)
    refresh(post, django_capture_on_commit_callbacks)
    run = PlugRun.objects.get()
    # The job delivered twice (a worker retry): the second finds it done.
    assert plugs.plug_run_fire(run_id=run.pk) == "done"
    assert len(fake.sent("POST", REBLOG)) == 1


# -- What a network offers ---------------------------------------------------------------------
def test_a_network_without_reposts_does_not_offer_them(db):
    reddit = ChannelFactory(provider="reddit", meta={})
    assert plugs.plug_offer(reddit) == ((), ())
    with pytest.raises(ValidationError) as refused:
        plugs.plug_create(integration=reddit, kind="repost", metric="likes", threshold=3)
    assert "not available" in str(refused.value)


def test_a_reply_plug_needs_its_text_and_a_known_count(db):
    channel = ChannelFactory(provider="mastodon")
    with pytest.raises(ValidationError) as refused:
        plugs.plug_create(integration=channel, kind="reply", metric="saves", threshold=0)
    errors = refused.value.message_dict
    assert set(errors) == {"metric", "threshold", "text"}


# -- X: a retweet, one per account ------------------------------------------------------------
X_USER = "2244994945"
X_POST = "1445880548472328192"


@pytest.fixture
def x(db, fake, settings, httpserver):
    from tests.providers.conftest import point

    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "X_CLIENT_ID": "x-client-id",
        "X_CLIENT_SECRET": "x-client-secret",
    }
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    return ChannelFactory(
        provider="x",
        external_id=X_USER,
        username="acme",
        credentials={"access_token": "x-token", "refresh_token": "x-refresh"},
    )


def tweets_metrics(*likes):
    def one(count):
        def respond(call):
            return answer(
                "x",
                "tweets_metrics",
                edit=lambda body: body["data"][0]["public_metrics"].update(like_count=count),
            )

        return respond

    return [one(count) for count in likes]


def test_x_retweets_once_when_likes_cross(fake, x, django_capture_on_commit_callbacks):
    post = published(x, X_POST, url=f"https://x.com/i/web/status/{X_POST}")
    plug(x, threshold=31)
    fake.on("GET", r"/b/2/tweets", *tweets_metrics(30, 31, 45))
    fake.on("POST", rf"/b/2/users/{X_USER}/retweets", answer("x", "retweeted"))
    for _ in range(3):
        refresh(post, django_capture_on_commit_callbacks)
    (retweet,) = fake.sent("POST", rf"/b/2/users/{X_USER}/retweets")
    assert retweet.json == {"tweet_id": X_POST}
    assert retweet.headers["Authorization"] == "Bearer x-token"
    run = PlugRun.objects.get()
    assert run.state == "done" and run.remote_url == post.remote_url


def test_x_retweet_a_dead_worker_made_is_found_among_the_accounts_posts(fake, x):
    post = published(x, X_POST)
    run = _claimed_run(x, post, plug(x, threshold=1))
    fake.on("GET", rf"/b/2/users/{X_USER}/tweets", answer("x", "user_tweets_with_retweet"))
    plugs.plugs_round()
    run.refresh_from_db()
    assert run.state == "done" and run.remote_id == "1445880548472328300"
    assert fake.sent("POST", rf"/b/2/users/{X_USER}/retweets") == []


def test_crossing_costs_the_same_queries_for_a_hundred_posts(
    mastodon, django_assert_max_num_queries
):
    from integrations.providers.base import Metrics

    posts = [published(mastodon, str(1000 + i)) for i in range(100)]
    plug(mastodon, threshold=5)
    plug(mastodon, kind="reply", metric="comments", threshold=1, text="More at acme.example")
    found = {post.pk: Metrics({"likes": 9, "comments": 0}) for post in posts}
    with django_assert_max_num_queries(5):
        created = plugs.plugs_crossed(integration=mastodon, found=found)
    assert len(created) == 100  # the likes plug only: no post has a comment
    with django_assert_max_num_queries(3):
        assert plugs.plugs_crossed(integration=mastodon, found=found) == []


# -- Threads: a repost whose repeat is not documented as harmless ------------------------------
THREADS_USER = "25432136946421234"
THREADS_POST = "18050206876707110"


@pytest.fixture
def threads(db, fake, settings, httpserver):
    from tests.providers.conftest import point

    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "THREADS_APP_ID": "threads-app-id",
        "THREADS_APP_SECRET": "threads-app-secret",
    }
    point(settings, httpserver, "threads", auth="/a", api="/g")
    return ChannelFactory(
        provider="threads", external_id=THREADS_USER, credentials={"access_token": "th-token"}
    )


def test_threads_reposts_once_when_likes_cross(fake, threads, django_capture_on_commit_callbacks):
    post = published(threads, THREADS_POST, url="https://www.threads.com/@acme/post/DAbc")
    plug(threads, threshold=80)  # the recorded insights say 87 likes
    fake.on("GET", rf"/g/v1\.0/{THREADS_POST}/insights", answer("threads", "post_insights"))
    fake.on("POST", rf"/g/v1\.0/{THREADS_POST}/repost", answer("threads", "repost_created"))
    for _ in range(2):
        refresh(post, django_capture_on_commit_callbacks)
    (repost,) = fake.sent("POST", rf"/g/v1\.0/{THREADS_POST}/repost")
    assert repost.headers["Authorization"] == "Bearer th-token"
    run = PlugRun.objects.get()
    assert (run.state, run.remote_id) == ("done", "18099999999999999")


def test_threads_repost_after_a_crash_is_found_or_left_unconfirmed_never_resent(fake, threads):
    post = published(threads, THREADS_POST)
    made = plug(threads, threshold=1)
    run = _claimed_run(threads, post, made)
    fake.on(
        "GET", rf"/g/v1\.0/{THREADS_USER}/threads", answer("threads", "user_threads_with_repost")
    )
    plugs.plugs_round()
    run.refresh_from_db()
    assert run.state == "done" and run.remote_id == "18099999999999999"
    # Another post whose repost the listing does not show: a person checks, nothing is sent.
    other = published(threads, "18050206876700000")
    second = _claimed_run(threads, other, made)
    plugs.plugs_round()
    second.refresh_from_db()
    assert second.state == "unconfirmed"
    assert fake.sent("POST", r"/g/v1\.0/.*/repost") == []
