"""A worker killed while its send is on the wire, for every network.

The worker claims a one-part post and sends it as the publisher loop does, on a database
connection of its own; the moment the request reaches the network, the worker dies (its
connection, and with it its claim, is cut). Then the post is handed back and worked until
it settles. For every network: whatever key the network saw was already saved before the
request reached it, the post is never published twice (a resend carries the very same
key, which the network de-duplicates; a network without keys is never sent to again), it
ends published (or unconfirmed, where the network cannot be asked) and it keeps the time
it was scheduled for.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, connections
from django.utils import timezone

from integrations.providers.base import PublishRequest
from integrations.providers.bluesky import tid_for
from integrations.providers.discord import DiscordBotProvider
from posts import engine
from posts.models import Post, PostItem
from posts.states import State
from tests.posts.e2e.fakes import Call, FakeNetwork, answer, as_response, recorded
from tests.posts.e2e.networks import (
    BOT_MESSAGES,
    CREATE_RECORD,
    HOOK_PATH,
    KICK_CHAT,
    LOCAL_POSTS,
    MASTODON_ACCOUNT,
    MASTODON_STATUS,
    NETWORKS,
    NEYNAR_CAST,
    SEND_MESSAGE,
    STATUSES,
    THREADS_USER,
    TWEETS,
    TWITCH_MESSAGES,
    YOUTUBE_SESSIONS,
    Context,
    Network,
    farcaster_idem,
    mastodon_status,
)
from tests.posts.test_networks_end_to_end import publish_due, write

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Commit:
    """The request that makes the post, and the idempotency key the network reads in it."""

    method: str
    pattern: str
    # The key in the request; None for a network that has no such key.
    key: Callable[[Call], str] | None = None
    # The same key, worked out from what was saved for the item before the request left.
    saved: Callable[[PostItem], str] | None = None
    # For a network with one address for every call (GraphQL): which calls are commits.
    only: Callable[[Call], bool] = lambda call: True

    def sent(self, fake: FakeNetwork) -> list[Call]:
        return [c for c in fake.sent(self.method, self.pattern) if self.only(c)]


def _bluesky_rkey(item: PostItem) -> str:
    return tid_for(str(item.key), str(item.pk))


def _discord_nonce(item: PostItem) -> str:
    return DiscordBotProvider.nonce_for(PublishRequest("", "", key=str(item.key)))


COMMITS = {
    "bluesky": Commit("POST", CREATE_RECORD, lambda c: c.json["rkey"], _bluesky_rkey),
    "mastodon": Commit(
        "POST", STATUSES, lambda c: c.headers["Idempotency-Key"], lambda i: str(i.key)
    ),
    "discord-bot": Commit("POST", BOT_MESSAGES, lambda c: c.json["nonce"], _discord_nonce),
    "threads": Commit(
        "POST",
        rf"/g/v1\.0/{THREADS_USER}/threads_publish",
        lambda c: c.form["creation_id"],
        lambda i: i.progress["container"],
    ),
    # Nostr's "request" is the signed event a relay receives: its id is the key.
    "nostr": Commit("EVENT", "", lambda event: event["id"], lambda i: i.progress["event"]["id"]),
    "discord": Commit("POST", HOOK_PATH),
    "slack": Commit("POST", r"/api/chat\.postMessage"),
    "telegram": Commit("POST", SEND_MESSAGE),
    "x": Commit("POST", TWEETS),
    "linkedin": Commit("POST", r"/b/rest/posts"),
    "linkedin-page": Commit("POST", r"/b/rest/posts"),
    "reddit": Commit("POST", r"/o/api/submit"),
    "lemmy": Commit("POST", r"/api/v3/post"),
    "pinterest": Commit("POST", r"/pin-api/v5/pins"),
    "gmb": Commit("POST", LOCAL_POSTS),
    "ghost": Commit("POST", r"/ghost/api/admin/posts/"),
    # The campaign, saved before it is started, is the key: listmonk starts it once.
    "listmonk": Commit(
        "PUT",
        r"/api/campaigns/\d+/status",
        lambda c: c.path.split("/")[3],
        lambda i: i.progress["listmonk_campaign"],
    ),
    "tumblr": Commit("POST", r"/tumblr-api/v2/blog/acmeworkshop/posts"),
    # Chat cannot be read back: never sent again, the person checks the chat.
    "twitch": Commit("POST", TWITCH_MESSAGES),
    "kick": Commit("POST", KICK_CHAT),
    # Neynar's idem, from the part's key: a resend within its window makes no second cast.
    "farcaster": Commit("POST", NEYNAR_CAST, lambda c: c.json["idem"], farcaster_idem),
    # Moltbook has no key: the submolt's newest posts are read before any resend.
    "moltbook": Commit("POST", r"/mb-api/posts"),
    # Whop has no key either: the experience's newest forum posts are read first.
    "whop": Commit("POST", r"/whop-api/forum_posts"),
    # Skool can be neither keyed nor asked: never sent again, the person checks.
    "skool": Commit("POST", r"/skool-api/posts"),
    # Dribbble has no key: the designer's shots are searched for the title and description.
    "dribbble": Commit("POST", r"/drb-api/v2/shots"),
    # VK's guid is undocumented in effect: the wall is read for the text before any resend.
    "vk": Commit("POST", r"/vk-api/method/wall\.post"),
    # beehiiv has no key either: the post's slug, which carries the part's key, is looked up.
    "beehiiv": Commit("POST", r"/bh/v2/publications/pub_[0-9a-f-]+/posts"),
    # The last chunk of the upload makes the video; the session it goes to is the key.
    "youtube": Commit(
        "PUT",
        YOUTUBE_SESSIONS,
        lambda c: c.args["upload_id"],
        lambda i: parse_qs(urlsplit(i.progress["upload_session"]).query)["upload_id"][0],
    ),
    "facebook": Commit("POST", r"/g/v24\.0/101/feed"),
    # The container is the key: publishing it again cannot make a second post.
    "instagram": Commit(
        "POST",
        r"/g/v24\.0/17841400000000001/media_publish",
        lambda c: c.form["creation_id"],
        lambda i: i.progress["container"],
    ),
    "instagram-standalone": Commit(
        "POST",
        r"/ig/v24\.0/17841400000000001/media_publish",
        lambda c: c.form["creation_id"],
        lambda i: i.progress["container"],
    ),
    # TikTok names a publish only in init's answer: an init whose answer was lost is never
    # sent again, and the person is asked to check.
    "tiktok": Commit("POST", r"/api/v2/post/publish/video/init/"),
    # TikTok Business names a publish only in the publish call's answer: one whose answer
    # was lost is never sent again; the account's video list is searched for it instead.
    "tiktok-business": Commit("POST", r"/ttb/business/video/publish/"),
    # dev.to has no key: the author's own article list is read before any resend.
    "devto": Commit("POST", r"/devto-api/articles"),
    # Hashnode has no key either: the publication's posts are read before any resend.
    "hashnode": Commit("POST", r"/hn-gql/", only=lambda c: "publishPost" in c.json["query"]),
    # Medium can be neither keyed nor asked: never sent again, the person checks.
    "medium": Commit("POST", r"/md-api/users/[0-9a-f]+/posts"),
    # WordPress has no key: the site is asked for the slug the post was sent with.
    "wordpress": Commit("POST", r"/wp-json/wp/v2/posts"),
    # MeWe can be neither keyed nor asked: never sent again, the person checks.
    "mewe": Commit("POST", r"/mewe-api/group/[0-9a-f]+/post"),
}


def test_every_network_has_a_crash_case():
    assert sorted(COMMITS) == sorted(str(network) for network in NETWORKS)


# -- What each network answers after the crash, as the real one does ----------------------
def _bluesky_as_a_pds(ctx: Context) -> None:
    """Records kept by key: a second record under a taken key is refused the way the
    reference PDS refuses it (a bare 500), and getRecord reads what is there."""
    records: dict[str, str] = {}

    def create(call: Call):
        rkey = call.json["rkey"]
        if rkey in records:
            return answer("bluesky", "internal_error")
        records[rkey] = call.json["record"]["text"]
        return answer("bluesky", "create_record", rkey=rkey)

    def read(call: Call):
        rkey = call.args["rkey"]
        if rkey not in records:
            return answer("bluesky", "record_not_found")
        text = records[rkey]
        return answer(
            "bluesky", "get_record", edit=lambda body: body["value"].update(text=text), rkey=rkey
        )

    ctx.fake.on("POST", CREATE_RECORD, create)
    ctx.fake.on("GET", r"/xrpc/com\.atproto\.repo\.getRecord", read)


def _mastodon_with_keys(ctx: Context) -> None:
    """A repeat of a key answers the status it made; the account's list lags behind."""
    ctx.fake.on("POST", STATUSES, mastodon_status(ctx.fake.origin, MASTODON_STATUS))
    ctx.fake.on("GET", rf"/api/v1/accounts/{MASTODON_ACCOUNT}/statuses", as_response({"body": []}))


def _discord_with_nonces(ctx: Context) -> None:
    """With enforce_nonce, a repeat within minutes answers the message already made."""
    ctx.fake.on("POST", BOT_MESSAGES, answer("discord", "message"))


def _threads_containers(ctx: Context) -> None:
    """A container is published once: publishing it again answers the same post."""
    ctx.fake.on("POST", rf"/g/v1\.0/{THREADS_USER}/threads_publish", answer("threads", "published"))


AFTER_CRASH = {
    "bluesky": _bluesky_as_a_pds,
    "mastodon": _mastodon_with_keys,
    "discord-bot": _discord_with_nonces,
    "threads": _threads_containers,
}


# -- The dying worker ---------------------------------------------------------------------
class DyingWorker:
    """Claims and sends on its own connection, as one loop iteration does, and dies (its
    connection cut, its claims with it) the moment its request reaches the network."""

    def __init__(self, post: Post):
        self.post = post
        self.at_arrival: PostItem | None = None
        self.failure: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]
            jobs = engine.claim_batch(limit=10)
            ready = engine.prepare_sends(jobs)
            for job in ready:  # each marked started by its provider's commit request
                engine.send_prepared(job)
            engine.finish_batch(ready)  # never reached: the connection is gone by then
        except Exception as error:
            self.failure = error
        finally:
            connection.close()
            self.done.set()

    def arrived(self, _request) -> None:
        """In the network's thread, as the request arrives: note what was saved, then die."""
        try:
            self.at_arrival = PostItem.objects.get(post=self.post)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [self.backend])
                for _ in range(500):
                    cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [self.backend])
                    if cursor.fetchone() is None:
                        break
                    threading.Event().wait(0.01)
        finally:
            connections.close_all()


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def _settle(post: Post, rounds: int = 8) -> Post:
    """Work the queue, a minute later each round, until the post is out of the engine."""
    for minute in range(rounds):
        current = Post.objects.get(pk=post.pk)
        if current.state not in (State.SCHEDULED, State.PUBLISHING):
            return current
        publish_due(now=timezone.now() + timedelta(minutes=minute))
    return Post.objects.get(pk=post.pk)


@pytest.mark.parametrize("network", NETWORKS, ids=str)
def test_a_worker_killed_mid_send_never_publishes_twice_and_keeps_the_posts_time(
    network: Network, ctx, owner
):
    commit = COMMITS[str(network)]
    channel = network.connect(ctx)
    if str(network) in AFTER_CRASH:
        AFTER_CRASH[str(network)](ctx)
    post = write(
        owner, channel, network.texts[:1], settings=network.settings, media=network.media(ctx)
    )
    asked_for = post.publish_at

    worker = DyingWorker(post)
    if str(network) == "nostr":
        ctx.relay.before_event = worker.arrived
    else:
        ctx.fake.before(
            commit.method,
            commit.pattern,
            lambda call: worker.arrived(call) if commit.only(call) else None,
        )
    worker.start()
    assert worker.done.wait(30)
    assert worker.failure is not None  # it died: its outcome was never saved
    assert worker.at_arrival is not None, "the request never reached the network"
    # When the request reached the network, the item was marked started and everything
    # the network keys it by was already saved.
    assert worker.at_arrival.commit_started_at is not None
    sent = ctx.relay.received if str(network) == "nostr" else commit.sent(ctx.fake)
    first = sent[0]
    if commit.key is not None:
        assert commit.key(first) == commit.saved(worker.at_arrival)

    assert engine.release_orphans() == [post.pk]  # handed back at once
    post = _settle(post)

    sent = ctx.relay.received if str(network) == "nostr" else commit.sent(ctx.fake)
    if commit.key is not None:
        # Resent only under the very same key, which the network de-duplicates.
        assert {commit.key(request) for request in sent} == {commit.key(first)}
        assert post.state == State.PUBLISHED, post.error_message
    else:
        # No key: never sent again; found by a look, or the person is asked to check.
        assert len(sent) == 1
        assert post.state in (State.PUBLISHED, State.UNCONFIRMED), post.error_message
    assert post.publish_at == asked_for
    if str(network) == "bluesky":
        created = {c.json["rkey"] for c in ctx.fake.sent("POST", CREATE_RECORD)}
        assert post.remote_id == f"at://{recorded_did()}/app.bsky.feed.post/{created.pop()}"


def recorded_did() -> str:
    return recorded("bluesky", "create_record", rkey="x")["body"]["uri"].split("/")[2]
