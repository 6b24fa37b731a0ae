"""A post written once goes out to every network: the composer's write path
(``post_group_create``), the real engine worked as the publisher loop works it (claims,
the batch path for one-part posts, ``publish_post`` for threads and second looks) and the
real providers, with each network faked at its HTTP boundary by its recorded responses.

The per-network setup (the channel as its connect flow stores it, the fake's answers, what
the network must have received) is in ``tests/posts/e2e/networks.py``.
"""

from __future__ import annotations

import io
import itertools
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db.models import F
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.providers.base import PublishRequest
from integrations.providers.discord import DiscordBotProvider
from media.models import MediaFile
from posts import engine
from posts.models import Post, PostItem, PostItemMedia
from posts.services.groups import (
    ChannelInput,
    ItemInput,
    PostValidationError,
    post_group_create,
    post_group_update,
)
from posts.states import State
from tests.factories import ChannelFactory
from tests.posts.e2e.fakes import FakeNetwork, answer, as_response, recorded
from tests.posts.e2e.networks import (
    BOT_MESSAGES,
    CONTAINER,
    CREATE_RECORD,
    DID,
    HOOK_PATH,
    MASTODON_ACCOUNT,
    MASTODON_STATUS,
    NETWORKS,
    REPLY_TEXT,
    ROOT_TEXT,
    SEND_MESSAGE,
    STATUSES,
    TELEGRAM_TOKEN,
    THREADS_POST,
    THREADS_USER,
    TWEETS,
    X_ROOT,
    X_TOKEN,
    X_USER,
    Context,
    Network,
    bluesky_channel,
    bumped,
    discord_bot_connect,
    discord_webhook_channel,
    lemmy_channel,
    mastodon_channel,
    mastodon_status,
    nostr_connect,
    telegram_channel,
    threads_connect,
    x_channel,
)
from tests.providers.conftest import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(org, settings, httpserver):
    context = Context(
        org=org, settings=settings, httpserver=httpserver, fake=FakeNetwork(httpserver)
    )
    yield context
    for cleanup in context.cleanups:
        cleanup()


def write(owner, channel, texts, *, settings=None, media=(), action="now", publish_at=None):
    """What the composer does when a person presses "Post now" (or "Schedule"); ``media``
    are library files for the first item."""
    group = post_group_create(
        organization=channel.organization,
        actor=owner,
        content=[ItemInput(text, list(media) if not n else []) for n, text in enumerate(texts)],
        channels=[ChannelInput(channel.pk, settings=dict(settings or {}))],
        action=action,
        publish_at=publish_at,
    )
    return group.posts.get()


def publish_due(*, now=None, rounds=5) -> list[engine.Outcome]:
    """Work the queue as the publisher loop (posts/runner.py) does, one send at a time,
    until nothing is due: claim a batch; one-part posts that can go out at once take the
    batch path (sent, each marked started by its own commit request, finished in one
    write); the others (threads, a look first) take ``publish_post``; then the claims are
    let go."""
    outcomes = []
    for _ in range(rounds):
        jobs = engine.claim_batch(limit=50, now=now)
        if not jobs:
            break
        ready = engine.prepare_sends(jobs)
        for job in ready:
            engine.send_prepared(job)
        outcomes += engine.finish_batch(ready) if ready else []
        outcomes += [engine.publish_post(job.pk) for job in jobs if job.request is None]
        engine.unlock([job.pk for job in jobs])
    return outcomes


def fresh(post) -> Post:
    return Post.objects.get(pk=post.pk)


def test_every_network_the_server_offers_has_an_end_to_end_case():
    assert sorted(str(n) for n in NETWORKS) == sorted(provider_classes())


@pytest.mark.parametrize("network", NETWORKS, ids=str)
def test_a_thread_written_once_is_published_on_the_network_exactly_once(
    network: Network, ctx, owner
):
    channel = network.connect(ctx)
    post = write(owner, channel, network.texts, settings=network.settings, media=network.media(ctx))
    assert post.state == State.SCHEDULED

    outcomes = publish_due()

    post = fresh(post)
    assert [o.state for o in outcomes] == [State.PUBLISHED], post.error_message
    assert post.state == State.PUBLISHED and post.error_message == ""
    items = list(post.items.order_by("position"))
    assert [i.content for i in items] == list(network.texts)
    network.check(ctx, post, items)
    assert all((i.remote_id or not network.names_posts) and i.published_at for i in items)
    assert (post.remote_id, post.remote_url) == (items[0].remote_id, items[0].remote_url)
    assert post.remote_url.startswith(("https://", "http://"))
    assert ctx.fake.unrouted == []

    # A second worker, or the next loop, finds nothing to send again.
    sent = len(ctx.fake.calls)
    assert publish_due() == []
    assert len(ctx.fake.calls) == sent
    if ctx.relay is not None:
        assert len(ctx.relay.received) == len(items)


@pytest.mark.parametrize("network", NETWORKS, ids=str)
def test_a_one_part_post_goes_out_on_the_loops_batch_path_exactly_once(
    network: Network, ctx, owner
):
    channel = network.connect(ctx)
    post = write(
        owner, channel, network.texts[:1], settings=network.settings, media=network.media(ctx)
    )

    jobs = engine.claim_batch(limit=10)
    # One part, nothing sent before: the loop sends it (its commit request marks it
    # started) and saves its outcome with the others in one write.
    assert engine.prepare_sends(jobs) == jobs
    for job in jobs:
        engine.send_prepared(job)
    outcomes = engine.finish_batch(jobs)
    engine.unlock([job.pk for job in jobs])

    post = fresh(post)
    assert [o.state for o in outcomes] == [State.PUBLISHED], post.error_message
    [item] = post.items.all()
    network.check(ctx, post, [item])
    assert (item.remote_id or not network.names_posts) and item.published_at
    assert item.commit_started_at
    assert (post.remote_id, post.remote_url) == (item.remote_id, item.remote_url)
    assert ctx.fake.unrouted == []
    sent = len(ctx.fake.calls)
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.calls) == sent


# -- The network says no ----------------------------------------------------------------
REJECTIONS = [
    pytest.param(
        mastodon_channel,
        ("POST", STATUSES, answer("mastodon", "validation_failed")),
        "Text character limit of 500 exceeded",
        id="mastodon",
    ),
    pytest.param(
        telegram_channel,
        ("POST", SEND_MESSAGE, answer("telegram", "too_long")),
        "message is too long",
        id="telegram",
    ),
    pytest.param(
        x_channel,
        ("POST", TWEETS, answer("x", "invalid_request")),
        "Your Tweet text is too long",
        id="x",
    ),
]


@pytest.mark.parametrize(("connect", "route", "said"), REJECTIONS)
def test_content_the_network_rejects_fails_the_post_with_the_networks_words(
    connect, route, said, ctx, owner
):
    ctx.fake.on(*route)
    post = write(owner, connect(ctx), ["Hello"])

    assert [o.state for o in publish_due()] == [State.FAILED]

    post = fresh(post)
    assert post.state == State.FAILED and post.error_kind == "content_rejected"
    assert said in post.error_message
    item = post.items.get()
    # Nothing went out: a retry after the person's fix sends without looking first.
    assert (item.remote_id, item.published_at, item.commit_started_at) == ("", None, None)
    assert len(ctx.fake.calls) == 1
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.calls) == 1


def test_a_reply_refused_after_the_root_went_out_says_which_parts_are_live(ctx, owner):
    ctx.fake.on(
        "POST",
        SEND_MESSAGE,
        answer("telegram", "send_message"),
        answer("telegram", "reply_not_found"),
    )
    post = write(owner, telegram_channel(ctx), [ROOT_TEXT, REPLY_TEXT])

    assert [o.state for o in publish_due()] == [State.FAILED]

    post = fresh(post)
    assert post.error_message == (
        "The first 1 part of the thread went out; the next one did not: "
        "The Telegram message this replies to was deleted."
    )
    root, reply = post.items.order_by("position")
    assert root.remote_id == "42" and root.published_at is not None
    assert reply.remote_id == "" and reply.commit_started_at is None
    assert len(ctx.fake.sent("POST", SEND_MESSAGE)) == 2


# -- An unclear answer after sending ------------------------------------------------------
@pytest.mark.parametrize(
    ("connect", "route", "network"),
    [
        pytest.param(
            telegram_channel,
            ("POST", SEND_MESSAGE, answer("telegram", "server_error")),
            "Telegram",
            id="telegram",
        ),
        pytest.param(
            discord_webhook_channel,
            ("POST", HOOK_PATH, answer("discord", "server_error")),
            "Discord",
            id="discord",
        ),
    ],
)
def test_a_5xx_after_sending_on_a_network_without_idempotency_is_unconfirmed_never_resent(
    connect, route, network, ctx, owner
):
    ctx.fake.on(*route)
    post = write(owner, connect(ctx), ["Hello"])

    assert [o.state for o in publish_due()] == [State.UNCONFIRMED]

    post = fresh(post)
    assert post.state == State.UNCONFIRMED and post.error_kind == "unknown_outcome"
    assert post.error_message == (
        f"We sent this to {network} but could not confirm it was published, and {network} "
        "gives us no way to check. Look at the channel before posting it again."
    )
    assert publish_due(now=timezone.now() + timedelta(days=1)) == []
    assert len(ctx.fake.calls) == 1  # sent once, never again


def x_timeline(*texts: str):
    """The account's recent posts as X lists them, with ``texts`` as the newest ones."""

    def edit(body):
        for n, text in enumerate(texts):
            body["data"].insert(0, {"id": bumped(X_ROOT, 10 + n), "text": text})

    return answer("x", "user_tweets", edit=edit)


def test_a_5xx_on_x_is_looked_up_later_and_unconfirmed_when_x_does_not_list_it(ctx, owner):
    ctx.fake.on("POST", TWEETS, answer("x", "bad_gateway"))
    ctx.fake.on("GET", rf"/b/2/users/{X_USER}/tweets", x_timeline())
    post = write(owner, x_channel(ctx), ["Hello from Acme"])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    waiting = fresh(post)
    assert waiting.error_kind == "unknown_outcome"
    # X's lists take a while to show a new post: look after they settle, not at once.
    assert timedelta(seconds=40) < waiting.retry_at - timezone.now() <= timedelta(seconds=46)
    assert ctx.fake.sent("GET", rf"/b/2/users/{X_USER}/tweets") == []

    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.UNCONFIRMED
    ]
    post = fresh(post)
    assert "we did not find it on X afterwards" in post.error_message
    assert len(ctx.fake.sent("POST", TWEETS)) == 1
    assert len(ctx.fake.sent("GET", rf"/b/2/users/{X_USER}/tweets")) == 1


def test_a_5xx_on_x_adopts_the_post_x_lists_instead_of_sending_it_twice(ctx, owner):
    ctx.fake.on("POST", TWEETS, answer("x", "bad_gateway"))
    ctx.fake.on("GET", rf"/b/2/users/{X_USER}/tweets", x_timeline("Hello from Acme"))
    post = write(owner, x_channel(ctx), ["Hello from Acme"])

    publish_due()
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]

    post = fresh(post)
    assert post.remote_id == bumped(X_ROOT, 10)
    assert post.remote_url == f"https://x.com/i/web/status/{bumped(X_ROOT, 10)}"
    assert (post.error_kind, post.error_message) == ("", "")
    assert len(ctx.fake.sent("POST", TWEETS)) == 1


class MastodonServer:
    """Statuses kept by Idempotency-Key, as Mastodon does for about an hour: the same key
    answers the status it already made. ``stall_first`` answers the first post only after
    the client gave up; ``listed`` says whether the account's timeline shows new statuses
    yet."""

    def __init__(self, fake, *, stall_first: bool = False, listed: bool = True):
        self.origin = fake.origin
        self.statuses: dict[str, dict] = {}
        self.stall_first = stall_first
        self.listed = listed
        self.answered = threading.Event()
        fake.on("POST", STATUSES, self.create)
        fake.on("GET", rf"/api/v1/accounts/{MASTODON_ACCOUNT}/statuses", self.timeline)

    def create(self, call):
        key = call.headers["Idempotency-Key"]
        if key not in self.statuses:
            status = recorded("mastodon", "status", base=self.origin)["body"]
            id_ = bumped(MASTODON_STATUS, len(self.statuses))
            status.update(
                id=id_,
                url=f"{self.origin}/@alice/{id_}",
                uri=f"{self.origin}/users/alice/statuses/{id_}",
                content=f"<p>{call.json['status']}</p>",
                in_reply_to_id=call.json.get("in_reply_to_id"),
            )
            self.statuses[key] = status
        response = as_response({"status": 200, "body": self.statuses[key]})
        if self.stall_first:
            self.stall_first = False
            time.sleep(1.0)  # past the client's read timeout (0.5 s)
            self.answered.set()
        return response

    def timeline(self, call):
        shown = list(reversed(self.statuses.values())) if self.listed else []
        return as_response({"status": 200, "body": shown})


@pytest.fixture
def impatient_mastodon(monkeypatch):
    """The engine's Mastodon client gives up reading after half a second."""
    monkeypatch.setattr(engine._provider("mastodon"), "timeout", (1, 0.5))


def test_mastodon_timeout_then_a_second_attempt_with_the_same_key_makes_one_status(
    ctx, owner, impatient_mastodon
):
    server = MastodonServer(ctx.fake, stall_first=True, listed=False)
    post = write(owner, mastodon_channel(ctx), ["Hello from Acme"])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert fresh(post).error_kind == "unknown_outcome"
    assert server.answered.wait(3)

    later = timezone.now() + timedelta(minutes=1)
    assert [o.state for o in publish_due(now=later)] == [State.PUBLISHED]

    post = fresh(post)
    item = post.items.get()
    posts = ctx.fake.sent("POST", STATUSES)
    # Looked first (the timeline did not show it yet), then sent again under the same key.
    assert [c.method for c in ctx.fake.calls] == ["POST", "GET", "POST"]
    assert [c.headers["Idempotency-Key"] for c in posts] == [str(item.key)] * 2
    assert len(server.statuses) == 1  # one status on the network
    assert post.remote_id == item.remote_id == MASTODON_STATUS
    assert (post.error_kind, post.error_message) == ("", "")


def test_mastodon_timeout_then_the_status_found_on_the_timeline_is_adopted(
    ctx, owner, impatient_mastodon
):
    server = MastodonServer(ctx.fake, stall_first=True, listed=True)
    post = write(owner, mastodon_channel(ctx), ["Hello from Acme"])

    publish_due()
    assert server.answered.wait(3)
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]

    assert [c.method for c in ctx.fake.calls] == ["POST", "GET"]  # never sent twice
    assert fresh(post).remote_id == MASTODON_STATUS


# -- Writing, editing, then publishing at the chosen time ----------------------------------
def test_an_edited_scheduled_post_goes_out_at_its_time_with_the_edited_text(ctx, owner):
    ctx.fake.on("POST", SEND_MESSAGE, answer("telegram", "send_message"))
    channel = telegram_channel(ctx)
    when = timezone.now() + timedelta(hours=2)
    post = write(owner, channel, ["First draft"], action="schedule", publish_at=when)

    post_group_update(
        group=post.group,
        actor=owner,
        content=[ItemInput("Final words")],
        channels=[ChannelInput(channel.pk)],
        action="schedule",
        publish_at=when,
    )
    assert publish_due() == []  # not due yet
    assert ctx.fake.calls == []

    assert [o.state for o in publish_due(now=when + timedelta(seconds=1))] == [State.PUBLISHED]
    [sent] = ctx.fake.sent("POST", SEND_MESSAGE)
    assert sent.json["text"] == "Final words"
    assert fresh(post).remote_url == "https://t.me/postiznews/42"


# -- Media ------------------------------------------------------------------------------
def tiny_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), (91, 75, 219)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_image_attached_in_the_library_is_uploaded_and_attached_to_the_status(
    ctx, owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    png = tiny_png()
    media = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(png, name="cat.png"),
        name="cat.png",
        kind=MediaFile.Kind.IMAGE,
        mime_type="image/png",
        size=len(png),
        width=2,
        height=2,
        alt_text="A purple square",
    )
    origin = ctx.fake.origin
    ctx.fake.on("POST", r"/api/v2/media", answer("mastodon", "media_200", base=origin))
    ctx.fake.on("POST", STATUSES, mastodon_status(origin, MASTODON_STATUS))
    channel = mastodon_channel(ctx)
    group = post_group_create(
        organization=ctx.org,
        actor=owner,
        content=[ItemInput("Look", media_ids=[media.pk])],
        channels=[ChannelInput(channel.pk)],
        action="now",
    )
    assert PostItemMedia.objects.filter(item__post__group=group).count() == 1

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    uploads = ctx.fake.sent("POST", r"/api/v2/media")
    assert len(uploads) == 1, "the file was not uploaded"
    upload = uploads[0]
    assert upload.files["file"] == png
    assert upload.form == {"description": "A purple square"}
    [status] = ctx.fake.sent("POST", STATUSES)
    media_id = recorded("mastodon", "media_200", base=origin)["body"]["id"]
    assert status.json["media_ids"] == [media_id]


# -- Recovering without a second post -----------------------------------------------------
def test_an_expired_x_sign_in_is_renewed_once_and_the_post_goes_out_with_the_new_token(ctx, owner):
    ctx.fake.on("POST", TWEETS, answer("x", "unauthorized"), answer("x", "tweet_created"))
    ctx.fake.on("POST", r"/b/2/oauth2/token", answer("x", "token_rotated"))
    channel = x_channel(ctx)
    post = write(owner, channel, ["Hello from Acme"])

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    tweets = ctx.fake.sent("POST", TWEETS)
    assert [c.headers["Authorization"] for c in tweets] == [
        f"Bearer {X_TOKEN}",
        "Bearer x-access-ccc333",
    ]
    [renewal] = ctx.fake.sent("POST", r"/b/2/oauth2/token")
    assert renewal.form["grant_type"] == "refresh_token"
    assert renewal.form["refresh_token"] == "x-refresh-zzz"
    channel.refresh_from_db()
    # X rotates refresh tokens: the new one replaces the used one.
    assert channel.credentials["access_token"] == "x-access-ccc333"
    assert channel.credentials["refresh_token"] == "x-refresh-ddd444"
    assert channel.status == Integration.Status.ACTIVE
    assert fresh(post).remote_id == X_ROOT


def bluesky_record(text: str):
    """getRecord's answer for a record with ``text`` at the key asked for."""
    return lambda call: answer(
        "bluesky",
        "get_record",
        edit=lambda body: body["value"].update(text=text),
        rkey=call.args["rkey"],
    )


def test_a_bluesky_5xx_is_settled_by_reading_the_record_at_its_fixed_key(ctx, owner):
    ctx.fake.on("POST", CREATE_RECORD, answer("bluesky", "bad_gateway"))
    ctx.fake.on("GET", r"/xrpc/com\.atproto\.repo\.getRecord", bluesky_record("Hello from Acme"))
    post = write(owner, bluesky_channel(ctx), ["Hello from Acme"])

    # The PDS wrote the record before its gateway gave up: read at once, and adopted.
    assert [o.state for o in publish_due()] == [State.PUBLISHED]
    [created] = ctx.fake.sent("POST", CREATE_RECORD)
    rkey = created.json["rkey"]
    [lookup] = ctx.fake.sent("GET", r"/xrpc/com\.atproto\.repo\.getRecord")
    assert lookup.args == {"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}
    assert fresh(post).remote_id == f"at://{DID}/app.bsky.feed.post/{rkey}"


def test_a_bluesky_record_that_appears_after_the_5xx_is_adopted_at_the_next_look(ctx, owner):
    ctx.fake.on("POST", CREATE_RECORD, answer("bluesky", "bad_gateway"))
    ctx.fake.on(
        "GET",
        r"/xrpc/com\.atproto\.repo\.getRecord",
        answer("bluesky", "record_not_found"),
        bluesky_record("Hello from Acme"),
    )
    post = write(owner, bluesky_channel(ctx), ["Hello from Acme"])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]  # not there yet
    assert fresh(post).error_kind == "unknown_outcome"
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]
    assert len(ctx.fake.sent("POST", CREATE_RECORD)) == 1  # adopted, not written again
    keys = {c.args["rkey"] for c in ctx.fake.sent("GET", r"/xrpc/com\.atproto\.repo\.getRecord")}
    assert keys == {ctx.fake.sent("POST", CREATE_RECORD)[0].json["rkey"]}


def test_a_bluesky_record_key_taken_by_another_post_is_never_adopted(ctx, owner):
    ctx.fake.on("POST", CREATE_RECORD, answer("bluesky", "internal_error"))
    ctx.fake.on("GET", r"/xrpc/com\.atproto\.repo\.getRecord", bluesky_record("Someone else"))
    post = write(owner, bluesky_channel(ctx), ["Hello from Acme"])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    outcomes = publish_due(now=timezone.now() + timedelta(minutes=1))
    post = fresh(post)
    assert [o.state for o in outcomes] == [State.UNCONFIRMED] and post.remote_id == ""
    assert len(ctx.fake.sent("POST", CREATE_RECORD)) == 1


def test_a_threads_5xx_on_publish_publishes_the_same_container_again(ctx, owner):
    base = f"/g/v1.0/{THREADS_USER}"
    channel = threads_connect(ctx)  # a working Threads…
    # …except that the first publish call fails at the gateway.
    ctx.fake.on(
        "POST",
        base + "/threads_publish",
        answer("threads", "bad_gateway"),
        answer("threads", "published"),
    )
    post = write(owner, channel, ["Hello from Acme"])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]

    assert len(ctx.fake.sent("POST", base + "/threads")) == 1  # one container
    commits = ctx.fake.sent("POST", base + "/threads_publish")
    assert [c.form for c in commits] == [{"creation_id": CONTAINER}] * 2
    assert fresh(post).remote_id == THREADS_POST


def test_a_note_the_relay_kept_without_confirming_is_found_not_signed_again(ctx, owner):
    channel = nostr_connect(ctx)
    ctx.relay.mode = "close"  # stores the note, then drops the connection
    post = write(owner, channel, ["gm from Acme"])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    ctx.relay.mode = "ok"
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=1))] == [
        State.PUBLISHED
    ]

    [note] = ctx.relay.received
    assert list(ctx.relay.events) == [note["id"]]
    assert fresh(post).remote_id == note["id"]


def test_a_relay_refusal_fails_the_post_with_the_relays_words(ctx, owner):
    channel = nostr_connect(ctx)
    ctx.relay.mode = "reject"
    ctx.relay.reject_with = "invalid: note contains a banned word"
    post = write(owner, channel, ["gm from Acme"])

    assert [o.state for o in publish_due()] == [State.FAILED]

    post = fresh(post)
    assert "note contains a banned word" in post.error_message
    assert ctx.relay.events == {}


# -- When the outcome never becomes clear -------------------------------------------------
def attempt_hourly(post, hours: int) -> list[str]:
    """Let the queue run once an hour for ``hours`` hours; the post's state after each."""
    states = []
    # The queue's clock runs ahead of the engine's here; a grace window longer than the
    # run keeps the post from counting as missed (tests/posts/test_sweep.py covers that).
    with override_settings(POSTIZ_MISSED_GRACE_MINUTES=(hours + 1) * 60):
        for hour in range(1, hours + 1):
            publish_due(now=timezone.now() + timedelta(hours=hour), rounds=1)
            states.append(fresh(post).state)
    return states


def test_a_bluesky_server_answering_5xx_forever_ends_in_a_state_the_person_sees(ctx, owner):
    ctx.fake.on("POST", CREATE_RECORD, answer("bluesky", "bad_gateway"))
    ctx.fake.on(
        "GET", r"/xrpc/com\.atproto\.repo\.getRecord", answer("bluesky", "record_not_found")
    )
    post = write(owner, bluesky_channel(ctx), ["Hello from Acme"])

    states = attempt_hourly(post, 12)

    # Like transient failures (three retries with backoff), the engine should stop and
    # tell the person; the same record key makes every resend safe, not endless.
    assert states[-1] in (State.UNCONFIRMED, State.FAILED), states
    assert len(ctx.fake.sent("POST", CREATE_RECORD)) < 12


def test_a_threads_post_published_but_not_listed_ends_in_a_state_the_person_sees(ctx, owner):
    base = f"/g/v1.0/{THREADS_USER}"
    channel = threads_connect(ctx)
    # Threads publishes, but the gateway loses the answer; the container then says
    # PUBLISHED while the account's list does not show the post (yet, or ever).
    ctx.fake.on("POST", base + "/threads_publish", answer("threads", "bad_gateway"))
    ctx.fake.on(
        "GET",
        rf"/g/v1\.0/{CONTAINER}",
        answer("threads", "status_finished"),
        answer("threads", "status_published"),
    )
    ctx.fake.on("GET", base + "/threads", answer("threads", "user_threads"))
    post = write(owner, channel, ["Hello from Acme"])

    states = attempt_hourly(post, 12)

    # Threads itself says the container was published: the person should be told to
    # look (unconfirmed), not left with a post that is retried every ten seconds.
    assert states[-1] == State.UNCONFIRMED, states
    assert len(ctx.fake.sent("POST", base + "/threads_publish")) == 1


# -- A thread with waits between its parts ------------------------------------------------
def telegram_messages(first: int = 42):
    """Telegram's answer to each sendMessage, with message ids ``first``, ``first`` + 1…"""
    numbers = itertools.count(first)

    def respond(call):
        number = next(numbers)
        return answer(
            "telegram", "send_message", edit=lambda b: b["result"].update(message_id=number)
        )

    return respond


def minutes_pass(post, minutes: int) -> list[engine.Outcome]:
    """``minutes`` go by: the parts already out went out that long ago; the queue runs
    once (as it would at that moment)."""
    PostItem.objects.filter(post=post, published_at__isnull=False).update(
        published_at=F("published_at") - timedelta(minutes=minutes)
    )
    return publish_due(now=timezone.now() + timedelta(minutes=minutes), rounds=1)


def write_drip(owner, channel, parts: int, wait: int = 30):
    group = post_group_create(
        organization=channel.organization,
        actor=owner,
        content=[
            ItemInput(f"Part {n}", delay_minutes=wait if n > 1 else 0) for n in range(1, parts + 1)
        ],
        channels=[ChannelInput(channel.pk)],
        action="now",
    )
    return group.posts.get()


def test_a_drip_thread_sends_each_part_after_its_wait_replying_to_the_one_before(ctx, owner):
    ctx.fake.on("POST", SEND_MESSAGE, telegram_messages())
    post = write_drip(owner, telegram_channel(ctx), parts=3)

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    first = post.items.get(position=0)
    # The next part is due 30 minutes after the first went out; the post's own time stays.
    assert fresh(post).retry_at == first.published_at + timedelta(minutes=30)
    assert fresh(post).publish_at == post.publish_at
    assert publish_due() == []  # nothing before the wait is over
    assert [o.state for o in minutes_pass(post, 31)] == [State.SCHEDULED]
    assert [o.state for o in minutes_pass(post, 31)] == [State.PUBLISHED]

    calls = ctx.fake.sent("POST", SEND_MESSAGE)
    assert [c.json["text"] for c in calls] == ["Part 1", "Part 2", "Part 3"]
    assert [c.json.get("reply_parameters") for c in calls] == [
        None,
        {"message_id": 42},
        {"message_id": 43},
    ]
    assert fresh(post).remote_id == "42"


def test_a_network_blip_on_the_last_part_of_a_drip_thread_is_retried_not_failed(
    ctx, owner, settings, httpserver
):
    ctx.fake.on("POST", SEND_MESSAGE, telegram_messages())
    post = write_drip(owner, telegram_channel(ctx), parts=4)
    publish_due()
    minutes_pass(post, 31)
    minutes_pass(post, 31)
    assert len(ctx.fake.sent("POST", SEND_MESSAGE)) == 3

    # Telegram cannot be reached for a moment when the last part is due.
    settings.PROVIDER_ENDPOINTS = {
        **settings.PROVIDER_ENDPOINTS,
        "telegram": {"api": "http://127.0.0.1:9"},  # nothing listens
    }
    outcomes = minutes_pass(post, 31)

    post = fresh(post)
    assert [o.state for o in outcomes] == [State.SCHEDULED], post.error_message
    wait = (post.retry_at - timezone.now()).total_seconds()
    assert engine.BACKOFF[0] - 1 <= wait <= engine.BACKOFF[0] * 1.25 + 1  # the first retry

    point(settings, httpserver, "telegram", api="/tg")
    assert [o.state for o in publish_due(now=timezone.now() + timedelta(minutes=5))] == [
        State.PUBLISHED
    ]
    assert len(ctx.fake.sent("POST", SEND_MESSAGE)) == 4


# -- Settings the composer offers --------------------------------------------------------
def test_the_threads_closing_reply_goes_out_after_the_thread(ctx, owner):
    base = f"/g/v1.0/{THREADS_USER}"
    channel = threads_connect(ctx)
    finisher = {"active_thread_finisher": True, "thread_finisher": "Thanks for reading"}
    write(owner, channel, [ROOT_TEXT, REPLY_TEXT], settings=finisher)

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    forms = [c.form for c in ctx.fake.sent("POST", base + "/threads")]
    assert forms[-1] == {
        "text": "Thanks for reading",
        "reply_to_id": bumped(THREADS_POST, 1),  # the end of the thread
        "media_type": "TEXT",
    }, forms


# -- One group, several channels ----------------------------------------------------------
def test_a_group_for_two_networks_publishes_each_and_one_refusal_does_not_stop_the_other(
    ctx, owner
):
    ctx.fake.on("POST", STATUSES, answer("mastodon", "validation_failed"))
    ctx.fake.on("POST", SEND_MESSAGE, answer("telegram", "send_message"))
    mastodon, telegram = mastodon_channel(ctx), telegram_channel(ctx)
    group = post_group_create(
        organization=ctx.org,
        actor=owner,
        content=[ItemInput("Hello everyone")],
        channels=[ChannelInput(mastodon.pk), ChannelInput(telegram.pk)],
        action="now",
    )

    outcomes = publish_due()

    assert sorted(o.state for o in outcomes) == [State.FAILED, State.PUBLISHED]
    states = dict(group.posts.values_list("integration__provider", "state"))
    assert states == {"mastodon": State.FAILED, "telegram": State.PUBLISHED}
    assert ctx.fake.sent("POST", STATUSES)[0].json["status"] == "Hello everyone"
    assert ctx.fake.sent("POST", SEND_MESSAGE)[0].json["text"] == "Hello everyone"


# -- Channels that cannot publish --------------------------------------------------------
def test_a_channel_that_needs_reconnecting_fails_its_post_without_calling_the_network(ctx, owner):
    channel = telegram_channel(ctx)
    post = write(owner, channel, ["Hello"])
    Integration.objects.filter(pk=channel.pk).update(status=Integration.Status.NEEDS_RECONNECT)

    assert [o.state for o in publish_due()] == [State.FAILED]

    assert fresh(post).error_message == "Postiz News needs reconnecting before it can publish."
    assert ctx.fake.calls == []


def test_a_post_pointing_at_another_organizations_channel_is_never_sent(ctx, owner, outsider):
    post = write(owner, telegram_channel(ctx), ["Hello"])
    theirs = ChannelFactory(
        organization=outsider.memberships.get().organization,
        provider="telegram",
        external_id="-1009999",
        name="Their news",
        credentials={"bot_token": TELEGRAM_TOKEN},
        meta={"chat_id": "-1009999"},
    )
    # However the row came to point there, the publisher checks the tenant again.
    Post.objects.filter(pk=post.pk).update(integration=theirs)

    assert [o.state for o in publish_due()] == [State.FAILED]

    assert fresh(post).error_message == "The channel belongs to another organization."
    assert ctx.fake.calls == []


def test_a_channel_with_its_own_version_gets_that_version_and_the_others_the_groups(ctx, owner):
    ctx.fake.on("POST", SEND_MESSAGE, answer("telegram", "send_message"))
    ctx.fake.on("POST", TWEETS, answer("x", "tweet_created"))
    telegram, x = telegram_channel(ctx), x_channel(ctx)
    post_group_create(
        organization=ctx.org,
        actor=owner,
        content=[ItemInput("The long announcement, as written for everyone")],
        channels=[
            ChannelInput(telegram.pk),
            ChannelInput(x.pk, items=[ItemInput("Short for X")]),
        ],
        action="now",
    )

    assert sorted(o.state for o in publish_due()) == [State.PUBLISHED] * 2

    [message] = ctx.fake.sent("POST", SEND_MESSAGE)
    [tweet] = ctx.fake.sent("POST", TWEETS)
    assert message.json["text"] == "The long announcement, as written for everyone"
    assert tweet.json == {"text": "Short for X"}


def test_lemmy_comments_on_the_post_in_every_community_it_went_to(ctx, owner):
    ctx.fake.on("POST", r"/api/v3/post", answer("lemmy", "post"), answer("lemmy", "post_second"))
    ctx.fake.on(
        "POST",
        r"/api/v3/comment",
        answer("lemmy", "comment"),
        answer("lemmy", "comment", edit=lambda b: b["comment_view"]["comment"].update(id=5002)),
    )
    both = {
        "subreddit": [
            {"value": {"id": 15, "title": "Hello Lemmy"}},
            {"value": {"id": 16, "title": "Hello Lemmy"}},
        ]
    }
    post = write(owner, lemmy_channel(ctx), [ROOT_TEXT, REPLY_TEXT], settings=both)

    assert [o.state for o in publish_due()] == [State.PUBLISHED]

    posts = ctx.fake.sent("POST", r"/api/v3/post")
    comments = ctx.fake.sent("POST", r"/api/v3/comment")
    assert [c.json["community_id"] for c in posts] == [15, 16]
    # The second part is a comment under each of them, from what the root recorded.
    assert [c.json for c in comments] == [
        {"content": REPLY_TEXT, "post_id": 1001},
        {"content": REPLY_TEXT, "post_id": 1002},
    ]
    root, reply = fresh(post).items.order_by("position")
    assert root.remote_extra["post_ids"] == ["1001", "1002"]
    assert reply.remote_extra["comment_ids"] == ["5001", "5002"]


# -- Times people choose ------------------------------------------------------------------
def test_a_post_scheduled_for_nine_in_paris_goes_out_at_nine_in_paris(ctx, owner):
    ctx.fake.on("POST", SEND_MESSAGE, answer("telegram", "send_message"))
    nine_in_paris = datetime(2030, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    post = write(
        owner, telegram_channel(ctx), ["Bonjour"], action="schedule", publish_at=nine_in_paris
    )
    assert fresh(post).publish_at == datetime(2030, 7, 1, 7, 0, tzinfo=UTC)  # summer time

    assert publish_due(now=nine_in_paris - timedelta(seconds=1)) == []
    assert [o.state for o in publish_due(now=nine_in_paris)] == [State.PUBLISHED]
    assert len(ctx.fake.sent("POST", SEND_MESSAGE)) == 1


def test_a_busy_lookup_after_an_unclear_send_never_leads_to_sending_twice(ctx, owner):
    def slow_down(call):
        reset = str(int(time.time()) + 300)
        data = recorded("x", "rate_limited")
        data["headers"]["x-rate-limit-reset"] = reset
        return as_response(data)

    # X created the post but the gateway lost the answer; its timeline is rate limited
    # the first time we look, and lists the post the next time.
    ctx.fake.on("POST", TWEETS, answer("x", "bad_gateway"), answer("x", "tweet_created"))
    ctx.fake.on("GET", rf"/b/2/users/{X_USER}/tweets", slow_down, x_timeline("Hello from Acme"))
    post = write(owner, x_channel(ctx), ["Hello from Acme"])

    states = []
    for minutes in (0, 1, 10, 30):
        publish_due(now=timezone.now() + timedelta(minutes=minutes), rounds=1)
        states.append(fresh(post).state)

    assert len(ctx.fake.sent("POST", TWEETS)) == 1, states  # never sent a second time
    assert states[-1] == State.PUBLISHED
    assert fresh(post).remote_id == bumped(X_ROOT, 10)  # the post X listed


# -- The network asks us to wait ----------------------------------------------------------
def test_a_rate_limited_message_waits_as_long_as_discord_asks_then_goes_out_once(ctx, owner):
    channel = discord_bot_connect(ctx)  # a working Discord bot…
    root = answer("discord", "message")
    # …that is rate limited the first time: 1.234 s, says its body.
    ctx.fake.on("POST", BOT_MESSAGES, answer("discord", "rate_limited"), root)
    post = write(owner, channel, [ROOT_TEXT])

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    waiting = fresh(post)
    assert waiting.error_kind == "rate_limited"
    assert timedelta(seconds=0) < waiting.retry_at - timezone.now() <= timedelta(seconds=1.3)
    assert waiting.items.get().commit_started_at is None  # Discord said no: nothing went out

    assert [o.state for o in publish_due(now=timezone.now() + timedelta(seconds=2))] == [
        State.PUBLISHED
    ]
    calls = ctx.fake.sent("POST", BOT_MESSAGES)
    nonce = DiscordBotProvider.nonce_for(PublishRequest("", "", key=str(waiting.items.get().key)))
    assert [c.json["nonce"] for c in calls] == [nonce] * 2
    assert fresh(post).remote_id == recorded("discord", "message")["body"]["id"]


# -- What the composer refuses never reaches the network ----------------------------------
def test_a_post_longer_than_this_mastodon_server_allows_is_refused_before_anything_is_sent(
    ctx, owner
):
    channel = mastodon_channel(ctx)
    channel.meta = {**channel.meta, "max_characters": 20}  # the server's own limit
    channel.save(update_fields=["meta"])

    with pytest.raises(PostValidationError) as refused:
        write(owner, channel, ["This text is longer than twenty characters"])

    [issue] = refused.value.issues_by_channel[channel.pk]
    assert issue.message == "Mastodon allows 20 characters; this has 42."
    assert not Post.objects.filter(integration=channel).exists()
    assert publish_due() == [] and ctx.fake.calls == []
