"""How each network is connected, faked and checked in the end-to-end publishing tests.

One ``Network`` per provider: ``connect`` stores the channel the way that network's connect
flow does (the credentials and meta its provider reads), points the provider at the fake
and declares the fake's answers (recorded responses, with ids told apart per call);
``check`` asserts what the network received and what each item recorded, for the whole
thread or (given one item) for a one-part post.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from coincurve import PrivateKey
from django.core.files.base import ContentFile
from PIL import Image
from werkzeug import Response

from integrations.models import Integration
from integrations.providers.base import PublishRequest
from integrations.providers.discord import DiscordBotProvider
from integrations.providers.farcaster import idem_for
from integrations.providers.nostr import note_id
from media.models import MediaFile
from tests.factories import ChannelFactory
from tests.posts.e2e.fakes import Call, FakeNetwork, answer, as_response, recorded
from tests.providers.conftest import point
from tests.providers.nostr.relay import Relay, valid

ROOT_TEXT = "Launch day at Acme"
REPLY_TEXT = "Details in the first reply"


@dataclass
class Context:
    org: object
    settings: object
    httpserver: object
    fake: FakeNetwork
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    relay: Relay | None = None
    youtube: YouTubeUploads | None = None

    def configure(self, **values: str) -> None:
        self.settings.PROVIDER_SETTINGS = {**self.settings.PROVIDER_SETTINGS, **values}

    def channel(self, identifier: str, external_id: str, **fields) -> Integration:
        return ChannelFactory(
            organization=self.org,
            provider=identifier,
            external_id=external_id,
            name=fields.pop("name", f"Acme on {identifier}"),
            **fields,
        )


@dataclass
class Network:
    identifier: str
    connect: Callable[[Context], Integration]
    check: Callable[[Context, object, list], None]
    texts: tuple[str, ...] = (ROOT_TEXT, REPLY_TEXT)
    settings: dict = field(default_factory=dict)
    # The library files the post's first item carries (ids), made once connected.
    media: Callable[[Context], list[int]] = lambda ctx: []
    # False for a network whose answer names no post (MeWe's 204): its items keep no id.
    names_posts: bool = True

    def __str__(self):
        return self.identifier


def bumped(value: str, by: int) -> str:
    """A numeric id ``by`` above ``value`` (the next object the network creates)."""
    return str(int(value) + by)


def call_number(fake: FakeNetwork, method: str, pattern: str) -> int:
    """0 for the first call to this route, 1 for the next…"""
    return len(fake.sent(method, pattern)) - 1


# -- Bluesky: a PDS given by the channel's meta; records with a fixed rkey ---------------
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
JWT = "eyJhY2Nlc3M.eyJvbGQ.c2ln"
CREATE_RECORD = r"/xrpc/com\.atproto\.repo\.createRecord"
# Three parts, so the third's parent (the second) differs from its root (the first).
BLUESKY_TEXTS = (ROOT_TEXT, REPLY_TEXT, "And a third part")


def bluesky_channel(ctx: Context) -> Integration:
    pds = ctx.fake.origin
    return ctx.channel(
        "bluesky",
        DID,
        username="alice.example.com",
        credentials={
            "access_jwt": JWT,
            "refresh_jwt": "eyJyZWZyZXNo.eyJvbGQ.c2ln",
            "identifier": "alice.example.com",
            "app_password": "abcd-efgh-ijkl-mnop",
        },
        meta={"did": DID, "handle": "alice.example.com", "pds": pds, "service": pds},
    )


def bluesky_connect(ctx: Context) -> Integration:
    def created(call):
        n = call_number(ctx.fake, "POST", CREATE_RECORD)
        return answer(
            "bluesky",
            "create_record",
            edit=lambda body: body.update(cid=f"bafyreicid{n}"),
            rkey=call.json["rkey"],
        )

    ctx.fake.on("POST", CREATE_RECORD, created)
    return bluesky_channel(ctx)


def bluesky_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", CREATE_RECORD)
    assert all(c.headers["Authorization"] == f"Bearer {JWT}" for c in calls)
    bodies = [c.json for c in calls]
    assert [(b["repo"], b["collection"]) for b in bodies] == [(DID, "app.bsky.feed.post")] * n
    records = [b["record"] for b in bodies]
    assert [r["text"] for r in records] == list(BLUESKY_TEXTS[:n])
    # Each part's record says when it was sent: in order, never one shared time.
    created = [r["createdAt"] for r in records]
    assert created == sorted(created) and len(set(created)) == n
    uris = [f"at://{DID}/app.bsky.feed.post/{b['rkey']}" for b in bodies]
    refs = [{"uri": uri, "cid": f"bafyreicid{k}"} for k, uri in enumerate(uris)]
    assert "reply" not in records[0]
    # Every reply names the thread's root, and its parent: the item just before it.
    replies = [{"root": refs[0], "parent": refs[k - 1]} for k in range(1, n)]
    assert [r["reply"] for r in records[1:]] == replies
    assert [i.remote_id for i in items] == uris
    assert [i.remote_extra["cid"] for i in items] == [r["cid"] for r in refs]
    assert post.remote_url == f"https://bsky.app/profile/alice.example.com/post/{bodies[0]['rkey']}"


# -- Mastodon: the instance given by the channel's meta ---------------------------------
MASTODON_ACCOUNT = "109302436954721982"
MASTODON_TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
MASTODON_STATUS = "103270115826048975"
STATUSES = r"/api/v1/statuses"


def mastodon_channel(ctx: Context) -> Integration:
    return ctx.channel(
        "mastodon",
        MASTODON_ACCOUNT,
        username="@alice@social.example",
        credentials={"access_token": MASTODON_TOKEN},
        meta={"instance": ctx.fake.origin, "account_id": MASTODON_ACCOUNT},
    )


def mastodon_status(origin: str, id_: str, reply_to: str | None = None):
    def edit(body):
        body["id"] = id_
        body["in_reply_to_id"] = reply_to
        body["url"] = f"{origin}/@alice/{id_}"
        body["uri"] = f"{origin}/users/alice/statuses/{id_}"

    return answer("mastodon", "status", edit=edit, base=origin)


def mastodon_connect(ctx: Context) -> Integration:
    origin = ctx.fake.origin
    reply_id = bumped(MASTODON_STATUS, 1)
    ctx.fake.on(
        "POST",
        STATUSES,
        mastodon_status(origin, MASTODON_STATUS),
        mastodon_status(origin, reply_id, MASTODON_STATUS),
    )
    return mastodon_channel(ctx)


def mastodon_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", STATUSES)
    assert [c.json for c in calls] == [
        {"status": ROOT_TEXT, "visibility": "public"},
        {"status": REPLY_TEXT, "visibility": "public", "in_reply_to_id": MASTODON_STATUS},
    ][:n]
    # Each item's own permanent key: a retry of one never swallows the other.
    assert [c.headers["Idempotency-Key"] for c in calls] == [str(i.key) for i in items]
    assert all(c.headers["Authorization"] == f"Bearer {MASTODON_TOKEN}" for c in calls)
    assert [i.remote_id for i in items] == [MASTODON_STATUS, bumped(MASTODON_STATUS, 1)][:n]
    assert post.remote_url == f"{ctx.fake.origin}/@alice/{MASTODON_STATUS}"


# -- Discord: a webhook into a forum channel (each post opens a thread) ------------------
HOOK_ID = "223704706495545344"
HOOK_TOKEN = "3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94"
GUILD = "199737254929760256"
FORUM = "199737254929760256"
FORUM_THREAD = "1175871500000000001"
HOOK_PATH = f"/api/webhooks/{HOOK_ID}/{HOOK_TOKEN}"


def discord_webhook_channel(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "discord", api="/api")
    return ctx.channel(
        "discord",
        HOOK_ID,
        credentials={"webhook_url": f"https://discord.com/api/webhooks/{HOOK_ID}/{HOOK_TOKEN}"},
        meta={"channel_id": FORUM, "guild_id": GUILD},
        preferences={"forum": True},
    )


def discord_connect(ctx: Context) -> Integration:
    # The forum opens a thread for the first message: it answers from that thread.
    opened = answer("discord", "message", edit=lambda body: body.update(channel_id=FORUM_THREAD))
    ctx.fake.on("POST", HOOK_PATH, opened, answer("discord", "message_in_thread"))
    return discord_webhook_channel(ctx)


def discord_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", HOOK_PATH)
    assert [c.args for c in calls] == [
        {"wait": "true"},
        {"wait": "true", "thread_id": FORUM_THREAD},
    ][:n]
    assert [c.json for c in calls] == [
        {"content": ROOT_TEXT, "allowed_mentions": {"parse": []}, "thread_name": ROOT_TEXT},
        {"content": REPLY_TEXT, "allowed_mentions": {"parse": []}},
    ][:n]
    root_id = recorded("discord", "message")["body"]["id"]
    reply_id = recorded("discord", "message_in_thread")["body"]["id"]
    assert [i.remote_id for i in items] == [root_id, reply_id][:n]
    assert post.remote_url == f"https://discord.com/channels/{GUILD}/{FORUM_THREAD}/{root_id}"


# -- Discord bot: the operator's bot posts in a guild channel -----------------------------
BOT_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
BOT_CHANNEL = "199737254929760256"
BOT_MESSAGES = f"/api/channels/{BOT_CHANNEL}/messages"


def discord_bot_connect(ctx: Context) -> Integration:
    ctx.configure(
        DISCORD_CLIENT_ID="discord-client-id",
        DISCORD_CLIENT_SECRET="discord-client-secret",
        DISCORD_BOT_TOKEN=BOT_TOKEN,
    )
    point(ctx.settings, ctx.httpserver, "discord-bot", api="/api")
    root = recorded("discord", "message")["body"]["id"]
    second = answer("discord", "message", edit=lambda body: body.update(id=bumped(root, 1)))
    ctx.fake.on("POST", BOT_MESSAGES, answer("discord", "message"), second)
    return ctx.channel(
        "discord-bot",
        BOT_CHANNEL,
        username="general",
        meta={
            "channel_id": BOT_CHANNEL,
            "guild_id": GUILD,
            "guild_name": "Acme",
            "channel_type": "text",
        },
    )


def discord_bot_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", BOT_MESSAGES)
    assert all(c.headers["Authorization"] == f"Bot {BOT_TOKEN}" for c in calls)
    root = recorded("discord", "message")["body"]["id"]
    expected = [
        {
            "content": text,
            "allowed_mentions": {"parse": []},
            "nonce": DiscordBotProvider.nonce_for(PublishRequest("", "", key=str(item.key))),
            "enforce_nonce": True,
        }
        for text, item in zip((ROOT_TEXT, REPLY_TEXT), items, strict=False)
    ]
    if n > 1:
        expected[1]["message_reference"] = {"message_id": root, "fail_if_not_exists": True}
    assert [c.json for c in calls] == expected
    assert [i.remote_id for i in items] == [root, bumped(root, 1)][:n]
    assert post.remote_url == f"https://discord.com/channels/{GUILD}/{BOT_CHANNEL}/{root}"


# -- Slack: a bot token and a channel; replies hang off the first message's ts ------------
SLACK_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"
SLACK_CHANNEL = "C012AB3CD"


def slack_connect(ctx: Context) -> Integration:
    ctx.configure(SLACK_CLIENT_ID="4b39e9-752c4", SLACK_CLIENT_SECRET="slack-client-secret")
    point(ctx.settings, ctx.httpserver, "slack", auth="/oauth/v2", api="/api")

    def permalink(call):
        ts = call.args["message_ts"]
        link = f"https://acme.slack.com/archives/{SLACK_CHANNEL}/p{ts.replace('.', '')}"
        return answer("slack", "permalink", edit=lambda body: body.update(permalink=link))

    ctx.fake.on(
        "POST",
        r"/api/chat\.postMessage",
        answer("slack", "post_message"),
        answer("slack", "post_reply"),
    )
    ctx.fake.on("GET", r"/api/chat\.getPermalink", permalink)
    return ctx.channel(
        "slack",
        f"T9TK3CUKW:{SLACK_CHANNEL}",
        username="#general",
        credentials={"access_token": SLACK_TOKEN},
        meta={"team_id": "T9TK3CUKW", "channel_id": SLACK_CHANNEL, "team_name": "Acme"},
    )


def slack_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", r"/api/chat\.postMessage")
    root_ts = recorded("slack", "post_message")["body"]["ts"]
    reply_ts = recorded("slack", "post_reply")["body"]["ts"]
    expected = [
        {
            "channel": SLACK_CHANNEL,
            "text": text,
            "metadata": {"event_type": "scheduled_post", "event_payload": {"post_id": str(i.pk)}},
        }
        for text, i in zip((ROOT_TEXT, REPLY_TEXT), items, strict=False)
    ]
    if n > 1:
        expected[1]["thread_ts"] = root_ts  # replies hang off the first message
    assert [c.json for c in calls] == expected
    assert all(c.headers["Authorization"] == f"Bearer {SLACK_TOKEN}" for c in calls)
    assert [i.remote_id for i in items] == [root_ts, reply_ts][:n]
    assert post.remote_url == (
        f"https://acme.slack.com/archives/{SLACK_CHANNEL}/p{root_ts.replace('.', '')}"
    )


# -- Telegram: a bot token and a channel it administers -----------------------------------
TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
TELEGRAM_CHAT = "-1001234567890"
SEND_MESSAGE = f"/tg/bot{TELEGRAM_TOKEN}/sendMessage"


def telegram_channel(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "telegram", api="/tg")
    return ctx.channel(
        "telegram",
        TELEGRAM_CHAT,
        name="Postiz News",
        username="@postiznews",
        credentials={"bot_token": TELEGRAM_TOKEN},
        meta={"chat_id": TELEGRAM_CHAT, "chat_type": "channel"},
    )


def telegram_connect(ctx: Context) -> Integration:
    def reply(body):
        body["result"]["message_id"] = 43
        body["result"]["reply_to_message"]["message_id"] = 42

    ctx.fake.on(
        "POST",
        SEND_MESSAGE,
        answer("telegram", "send_message"),
        answer("telegram", "send_message_reply", edit=reply),
    )
    return telegram_channel(ctx)


def telegram_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", SEND_MESSAGE)
    preview = {"is_disabled": False}
    assert [c.json for c in calls] == [
        {"chat_id": TELEGRAM_CHAT, "text": ROOT_TEXT, "link_preview_options": preview},
        {
            "chat_id": TELEGRAM_CHAT,
            "text": REPLY_TEXT,
            "link_preview_options": preview,
            "reply_parameters": {"message_id": 42},
        },
    ][:n]
    assert [i.remote_id for i in items] == ["42", "43"][:n]
    assert post.remote_url == "https://t.me/postiznews/42"


# -- Nostr: a key and a relay (the fake relay verifies every signature) -------------------
NOSTR_SECRET = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
NOSTR_PUBKEY = PrivateKey(bytes.fromhex(NOSTR_SECRET)).public_key_xonly.format().hex()


def nostr_connect(ctx: Context) -> Integration:
    ctx.relay = Relay()
    ctx.cleanups.append(ctx.relay.stop)
    return ctx.channel(
        "nostr",
        NOSTR_PUBKEY,
        credentials={"private_key": NOSTR_SECRET},
        meta={"pubkey": NOSTR_PUBKEY, "relays": [ctx.relay.url]},
    )


def nostr_check(ctx: Context, post, items) -> None:
    n = len(items)
    notes = ctx.relay.received
    assert len(notes) == n and all(valid(note) for note in notes)
    root = notes[0]
    assert (root["kind"], root["content"], root["tags"]) == (1, ROOT_TEXT, [])
    if n > 1:
        reply = notes[1]
        assert (reply["kind"], reply["content"]) == (1, REPLY_TEXT)
        # NIP-10: a direct reply to the root carries the marked root tag and the author.
        assert reply["tags"] == [
            ["e", root["id"], ctx.relay.url, "root", NOSTR_PUBKEY],
            ["p", NOSTR_PUBKEY],
        ]
    assert set(ctx.relay.events) == {note["id"] for note in notes}
    assert [i.remote_id for i in items] == [note["id"] for note in notes]
    assert post.remote_url == f"https://njump.me/{note_id(root['id'])}"


# -- X: OAuth 2 user token ----------------------------------------------------------------
X_TOKEN = "x-access-secret-token-123"
X_USER = "2244994945"
TWEETS = r"/b/2/tweets"


def x_channel(ctx: Context) -> Integration:
    ctx.configure(X_CLIENT_ID="x-client-id", X_CLIENT_SECRET="x-client-secret")
    point(ctx.settings, ctx.httpserver, "x", auth="/a", api="/b", upload="/u")
    return ctx.channel(
        "x",
        X_USER,
        username="acme",
        credentials={"access_token": X_TOKEN, "refresh_token": "x-refresh-zzz"},
    )


X_ROOT = recorded("x", "tweet_created")["body"]["data"]["id"]


def x_connect(ctx: Context) -> Integration:
    def second(body):
        body["data"].update(id=bumped(X_ROOT, 1), text=REPLY_TEXT)

    ctx.fake.on("POST", TWEETS, answer("x", "tweet_created"), answer("x", "tweet_created", second))
    return x_channel(ctx)


def x_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", TWEETS)
    assert [c.json for c in calls] == [
        {"text": ROOT_TEXT},
        {"text": REPLY_TEXT, "reply": {"in_reply_to_tweet_id": X_ROOT}},
    ][:n]
    assert all(c.headers["Authorization"] == f"Bearer {X_TOKEN}" for c in calls)
    assert [i.remote_id for i in items] == [X_ROOT, bumped(X_ROOT, 1)][:n]
    assert post.remote_url == f"https://x.com/i/web/status/{X_ROOT}"


# -- LinkedIn: a member, or a page the member administers; the reply is a comment ---------
LINKEDIN_TOKEN = "li-secret-access-token-987"
SHARE = recorded("linkedin", "post_created")["headers"]["x-restli-id"]
COMMENT = recorded("linkedin", "comment_created")["body"]["commentUrn"]
DISTRIBUTION = {
    "feedDistribution": "MAIN_FEED",
    "targetEntities": [],
    "thirdPartyDistributionChannels": [],
}


def linkedin_channel(ctx: Context, identifier: str, external_id: str, urn: str) -> Integration:
    ctx.configure(LINKEDIN_CLIENT_ID="li-client-id", LINKEDIN_CLIENT_SECRET="li-client-secret")
    point(ctx.settings, ctx.httpserver, identifier, auth="/a", token="/t", api="/b")
    ctx.fake.on("POST", r"/b/rest/posts", answer("linkedin", "post_created"))
    ctx.fake.on("POST", r"/b/rest/socialActions/.+/comments", answer("linkedin", "comment_created"))
    return ctx.channel(
        identifier, external_id, credentials={"access_token": LINKEDIN_TOKEN}, meta={"urn": urn}
    )


def linkedin_checker(urn: str) -> Callable:
    def check(ctx: Context, post, items) -> None:
        n = len(items)
        [created] = ctx.fake.sent("POST", r"/b/rest/posts")
        comments = ctx.fake.sent("POST", r"/b/rest/socialActions/.+/comments")
        assert created.json == {
            "author": urn,
            "commentary": ROOT_TEXT,
            "visibility": "PUBLIC",
            "distribution": DISTRIBUTION,
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        assert created.headers["X-Restli-Protocol-Version"] == "2.0.0"
        assert created.headers["Linkedin-Version"]
        # The second item is a comment on the post just created.
        assert [unquote(c.path) for c in comments] == [f"/b/rest/socialActions/{SHARE}/comments"][
            : n - 1
        ]
        assert [c.json for c in comments] == [
            {"actor": urn, "object": SHARE, "message": {"text": REPLY_TEXT}}
        ][: n - 1]
        assert [i.remote_id for i in items] == [SHARE, COMMENT][:n]
        assert post.remote_url == f"https://www.linkedin.com/feed/update/{SHARE}"

    return check


# -- Threads: a container per item, then publish; replies name the previous post ----------
THREADS_TOKEN = "THAA-secret-long-lived-token"
THREADS_USER = "1234567890"
CONTAINER = recorded("threads", "container")["body"]["id"]
THREADS_POST = recorded("threads", "published")["body"]["id"]


def threads_connect(ctx: Context) -> Integration:
    ctx.configure(THREADS_APP_ID="threads-app-id", THREADS_APP_SECRET="threads-app-secret")
    point(ctx.settings, ctx.httpserver, "threads", auth="/a", api="/g")

    def numbered(name: str, first: str):
        return [
            answer("threads", name, edit=lambda body, n=n: body.update(id=bumped(first, n)))
            for n in range(3)
        ]

    def read(call):
        object_id = call.path.rsplit("/", 1)[-1]
        if call.args.get("fields") == "permalink":
            link = f"https://www.threads.com/@acme/post/{object_id}"
            return answer(
                "threads", "permalink", edit=lambda b: b.update(id=object_id, permalink=link)
            )
        return answer("threads", "status_finished", edit=lambda b: b.update(id=object_id))

    base = f"/g/v1.0/{THREADS_USER}"
    ctx.fake.on("POST", base + "/threads", *numbered("container", CONTAINER))
    ctx.fake.on("POST", base + "/threads_publish", *numbered("published", THREADS_POST))
    ctx.fake.on("GET", r"/g/v1\.0/\d+", read)
    return ctx.channel(
        "threads",
        THREADS_USER,
        username="acme",
        credentials={"access_token": THREADS_TOKEN},
    )


def threads_check(ctx: Context, post, items) -> None:
    n = len(items)
    base = f"/g/v1.0/{THREADS_USER}"
    containers = ctx.fake.sent("POST", base + "/threads")
    commits = ctx.fake.sent("POST", base + "/threads_publish")
    assert [c.form for c in containers] == [
        {"text": ROOT_TEXT, "media_type": "TEXT"},
        {"text": REPLY_TEXT, "reply_to_id": THREADS_POST, "media_type": "TEXT"},
    ][:n]
    assert [c.form for c in commits] == [
        {"creation_id": CONTAINER},
        {"creation_id": bumped(CONTAINER, 1)},
    ][:n]
    assert all(c.headers["Authorization"] == f"Bearer {THREADS_TOKEN}" for c in containers)
    assert [i.remote_id for i in items] == [THREADS_POST, bumped(THREADS_POST, 1)][:n]
    assert post.remote_url == f"https://www.threads.com/@acme/post/{THREADS_POST}"


# -- Reddit: a submission per subreddit entry; the reply is a comment on it ---------------
REDDIT_TOKEN = "reddit-access-token-abc"
SUBMISSION = recorded("reddit", "submit_ok")["body"]["json"]["data"]
REDDIT_COMMENT = recorded("reddit", "comment_ok")["body"]["json"]["data"]["things"][0]["data"]
REDDIT_SETTINGS = {
    "subreddit": [{"value": {"subreddit": "test", "title": "Launch day", "type": "self"}}]
}


def reddit_connect(ctx: Context) -> Integration:
    ctx.configure(REDDIT_CLIENT_ID="reddit-client-id", REDDIT_CLIENT_SECRET="reddit-secret")
    point(
        ctx.settings, ctx.httpserver, "reddit", auth="/a", token="/t", api="/o", media_upload="/s3"
    )
    ctx.fake.on("POST", r"/o/api/submit", answer("reddit", "submit_ok"))
    ctx.fake.on("POST", r"/o/api/comment", answer("reddit", "comment_ok"))
    return ctx.channel(
        "reddit",
        "t2_abc123",
        username="acme",
        credentials={"access_token": REDDIT_TOKEN, "refresh_token": "reddit-refresh"},
    )


def reddit_check(ctx: Context, post, items) -> None:
    n = len(items)
    [submit] = ctx.fake.sent("POST", r"/o/api/submit")
    comments = ctx.fake.sent("POST", r"/o/api/comment")
    assert submit.form == {
        "api_type": "json",
        "kind": "self",
        "sr": "test",
        "title": "Launch day",
        "text": ROOT_TEXT,
    }
    assert [c.form for c in comments] == [
        {"api_type": "json", "thing_id": SUBMISSION["name"], "text": REPLY_TEXT}
    ][: n - 1]
    assert submit.headers["Authorization"] == f"Bearer {REDDIT_TOKEN}"
    assert [i.remote_id for i in items] == [SUBMISSION["name"], REDDIT_COMMENT["name"]][:n]
    assert [i.remote_url for i in items] == [
        SUBMISSION["url"],
        f"https://www.reddit.com{REDDIT_COMMENT['permalink']}",
    ][:n]


# -- Lemmy: the instance given by the channel's meta; the reply is a comment --------------
LEMMY_JWT = recorded("lemmy", "login")["body"]["jwt"]
LEMMY_POST = recorded("lemmy", "post")["body"]["post_view"]["post"]["id"]
LEMMY_COMMENT = recorded("lemmy", "comment")["body"]["comment_view"]["comment"]["id"]
LEMMY_SETTINGS = {"subreddit": [{"value": {"id": 15, "title": "Hello Lemmy"}}]}


def lemmy_channel(ctx: Context) -> Integration:
    return ctx.channel(
        "lemmy",
        "https://lemmy.example/u/alice",
        username="alice",
        credentials={"jwt": LEMMY_JWT, "username_or_email": "alice", "password": "secret pass"},
        meta={"instance": ctx.fake.origin},
    )


def lemmy_connect(ctx: Context) -> Integration:
    ctx.fake.on("POST", r"/api/v3/post", answer("lemmy", "post"))
    ctx.fake.on("POST", r"/api/v3/comment", answer("lemmy", "comment"))
    return lemmy_channel(ctx)


def lemmy_check(ctx: Context, post, items) -> None:
    n = len(items)
    [created] = ctx.fake.sent("POST", r"/api/v3/post")
    comments = ctx.fake.sent("POST", r"/api/v3/comment")
    assert created.json == {"name": "Hello Lemmy", "community_id": 15, "body": ROOT_TEXT}
    assert [c.json for c in comments] == [{"content": REPLY_TEXT, "post_id": LEMMY_POST}][: n - 1]
    assert created.headers["Authorization"] == f"Bearer {LEMMY_JWT}"
    assert [i.remote_id for i in items] == [str(LEMMY_POST), str(LEMMY_COMMENT)][:n]
    assert post.remote_url == f"{ctx.fake.origin}/post/{LEMMY_POST}"


def library_image(ctx: Context) -> list[int]:
    """A small PNG in the organization's media library, stored under a temporary root."""
    root = tempfile.mkdtemp()
    ctx.settings.MEDIA_ROOT = root
    ctx.cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    buffer = io.BytesIO()
    Image.new("RGB", (600, 900), (91, 75, 219)).save(buffer, format="PNG")
    png = buffer.getvalue()
    media = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(png, name="lamp.png"),
        name="lamp.png",
        kind=MediaFile.Kind.IMAGE,
        mime_type="image/png",
        size=len(png),
        width=600,
        height=900,
        alt_text="A brass lamp",
    )
    return [media.pk]


def now_utc(fmt: str) -> str:
    return datetime.now(UTC).strftime(fmt)


# -- Pinterest: one pin on the board the post names; no replies --------------------------
PINTEREST_TOKEN = "pina_AMA0e2eaccess"
PINTEREST_BOARD = "549755885175"
PIN = recorded("pinterest", "pin_created")["body"]["id"]
PINS = r"/pin-api/v5/pins"


def pinterest_connect(ctx: Context) -> Integration:
    ctx.configure(PINTEREST_CLIENT_ID="1484362", PINTEREST_CLIENT_SECRET="pinterest-secret")
    point(ctx.settings, ctx.httpserver, "pinterest", auth="/pin-www", api="/pin-api")
    ctx.fake.on("POST", PINS, answer("pinterest", "pin_created"))

    def newest(body):
        # The board lists the pin as made (a look after an unclear outcome finds it).
        body["items"][0].update(description=ROOT_TEXT, title=None)

    ctx.fake.on(
        "GET",
        rf"/pin-api/v5/boards/{PINTEREST_BOARD}/pins",
        lambda call: answer(
            "pinterest", "board_pins", edit=newest, now=now_utc("%Y-%m-%dT%H:%M:%S")
        ),
    )
    return ctx.channel(
        "pinterest",
        "754056550823100002",
        username="acmehome",
        credentials={"access_token": PINTEREST_TOKEN, "refresh_token": "pinr_e2e"},
        meta={"boards": [{"id": PINTEREST_BOARD, "name": "Summer Recipes", "privacy": "PUBLIC"}]},
    )


def pinterest_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", PINS)
    assert created.headers["Authorization"] == f"Bearer {PINTEREST_TOKEN}"
    body = created.json
    assert (body["board_id"], body["description"]) == (PINTEREST_BOARD, ROOT_TEXT)
    assert body["alt_text"] == "A brass lamp"
    assert body["media_source"]["source_type"] == "image_url"
    assert body["media_source"]["url"].endswith(".png")
    assert [i.remote_id for i in items] == [PIN]
    assert post.remote_url == f"https://www.pinterest.com/pin/{PIN}/"


# -- Google Business Profile: a local post on the channel's location ---------------------
GMB_TOKEN = "ya29.a0AfB_e2e-access"
GMB_ACCOUNT = "accounts/106029376340395932001"
GMB_LOCATION = "locations/4352806333531136502"
LOCAL_POSTS = rf"/gmb-api/v4/{GMB_ACCOUNT}/{GMB_LOCATION}/localPosts"
GMB_NOW = "%Y-%m-%dT%H:%M:%S.%fZ"


def gmb_connect(ctx: Context) -> Integration:
    ctx.configure(GMB_CLIENT_ID="123-gmb.apps.googleusercontent.com", GMB_CLIENT_SECRET="GOCSPX")
    point(ctx.settings, ctx.httpserver, "gmb", auth="/gmb-auth", token="/gmb-token", api="/gmb-api")

    def listed(body):
        body["localPosts"][0]["summary"] = ROOT_TEXT

    ctx.fake.on(
        "POST",
        LOCAL_POSTS,
        lambda call: answer("gmb", "post_live", now=now_utc(GMB_NOW)),
    )
    ctx.fake.on(
        "GET",
        LOCAL_POSTS,
        lambda call: answer("gmb", "local_posts", edit=listed, now=now_utc(GMB_NOW)),
    )
    return ctx.channel(
        "gmb",
        "4352806333531136502",
        username="Invalidenstraße 1, Berlin",
        credentials={"access_token": GMB_TOKEN, "refresh_token": "1//0gE2e"},
        meta={"account": GMB_ACCOUNT, "location": GMB_LOCATION},
    )


def gmb_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", LOCAL_POSTS)
    assert created.headers["Authorization"] == f"Bearer {GMB_TOKEN}"
    assert created.json == {"topicType": "STANDARD", "summary": ROOT_TEXT}
    live = recorded("gmb", "post_live")["body"]
    assert [i.remote_id for i in items] == [live["name"]]
    assert post.remote_url == live["searchUrl"]


# -- YouTube: one video, sent through a resumable upload session --------------------------
YOUTUBE_TOKEN = "ya29.a0AfB_byC-secret-access"
YOUTUBE_CHANNEL = "UCx7lD0hp3tEuiZ1fj5lBqqw"
YOUTUBE_VIDEO = recorded("youtube", "video")["body"]["id"]
YOUTUBE_SESSIONS = r"/g/upload/youtube/v3/videos"
YOUTUBE_SETTINGS = {"title": "Launch day at Acme", "type": "public"}
YOUTUBE_BYTES = bytes(range(256)) * 1200  # 300 KiB: one chunk, the last
YOUTUBE_THREADS = r"/g/youtube/v3/commentThreads"
YOUTUBE_COMMENT = recorded("youtube", "comment_thread")["body"]["id"]


class YouTubeUploads:
    """The upload host as YouTube plays it: a session per POST (its address in Location),
    308 with the Range it holds until the last byte, whose answer is the video; a PUT of
    ``bytes */total`` asks the session what it holds."""

    def __init__(self, origin: str):
        self.origin = origin
        self.sessions: dict[str, dict] = {}

    def open(self, call):
        upload_id = f"yt-upload-{len(self.sessions) + 1}"
        self.sessions[upload_id] = {
            "size": int(call.headers["X-Upload-Content-Length"]),
            "metadata": call.json,
            "received": 0,
            "video": None,
        }
        location = f"{self.origin}/g/upload/youtube/v3/videos?upload_id={upload_id}"
        return Response("", status=200, headers={"Location": location})

    def put(self, call):
        session = self.sessions[call.args["upload_id"]]
        content_range = call.headers["Content-Range"]
        if not content_range.startswith("bytes */"):
            first = int(content_range.split()[1].split("-")[0])
            if first <= session["received"] and session["video"] is None:
                session["received"] = max(session["received"], first + len(call.raw))
                if session["received"] == session["size"]:
                    session["video"] = recorded("youtube", "video")["body"]
        if session["video"] is not None:
            status = 200 if content_range.startswith("bytes */") else 201
            return as_response({"status": status, "body": session["video"]})
        held = {"Range": f"bytes=0-{session['received'] - 1}"} if session["received"] else {}
        return Response("", status=308, headers=held)


def youtube_connect(ctx: Context) -> Integration:
    ctx.configure(YOUTUBE_CLIENT_ID="yt-client-id", YOUTUBE_CLIENT_SECRET="yt-secret")
    point(ctx.settings, ctx.httpserver, "youtube", auth="/a", token="/t", api="/g", upload="/g")
    ctx.youtube = YouTubeUploads(ctx.fake.origin)
    ctx.fake.on("POST", YOUTUBE_SESSIONS, ctx.youtube.open)
    ctx.fake.on("PUT", YOUTUBE_SESSIONS, ctx.youtube.put)
    ctx.fake.on("GET", r"/g/youtube/v3/videos", answer("youtube", "videos_processed"))
    # The thread's second part: the video's first comment.
    ctx.fake.on("POST", YOUTUBE_THREADS, answer("youtube", "comment_thread"))
    return ctx.channel(
        "youtube",
        YOUTUBE_CHANNEL,
        username="acmestudio",
        credentials={"access_token": YOUTUBE_TOKEN, "refresh_token": "1//yt-refresh"},
        meta={"uploads_playlist": "UUx7lD0hp3tEuiZ1fj5lBqqw"},
    )


def youtube_video(ctx: Context) -> list[int]:
    """A 300 KiB video in the organization's library, stored in a directory of its own."""
    import shutil
    import tempfile

    from django.core.files.base import ContentFile

    from media.models import MediaFile

    root = tempfile.mkdtemp(prefix="yt-e2e-")
    ctx.settings.MEDIA_ROOT = root
    ctx.cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    video = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(YOUTUBE_BYTES, name="launch.mp4"),
        name="launch.mp4",
        kind=MediaFile.Kind.VIDEO,
        mime_type="video/mp4",
        size=len(YOUTUBE_BYTES),
        width=1920,
        height=1080,
        duration=12.0,
    )
    return [video.pk]


def youtube_check(ctx: Context, post, items) -> None:
    [session] = ctx.youtube.sessions.values()
    assert session["metadata"] == {
        "snippet": {
            "title": "Launch day at Acme",
            "description": ROOT_TEXT,
            "categoryId": "22",
        },
        "status": {"privacyStatus": "public"},
    }
    assert session["received"] == len(YOUTUBE_BYTES)
    chunks = [c for c in ctx.fake.sent("PUT", YOUTUBE_SESSIONS) if c.raw]
    assert b"".join(c.raw for c in chunks) == YOUTUBE_BYTES
    assert all(c.headers["Authorization"] == f"Bearer {YOUTUBE_TOKEN}" for c in chunks)
    comments = ctx.fake.sent("POST", YOUTUBE_THREADS)
    assert [c.json for c in comments] == [
        {
            "snippet": {
                "videoId": YOUTUBE_VIDEO,
                "topLevelComment": {"snippet": {"textOriginal": REPLY_TEXT}},
            }
        }
    ][: len(items) - 1]
    assert [i.remote_id for i in items] == [YOUTUBE_VIDEO, YOUTUBE_COMMENT][: len(items)]
    assert post.remote_url == f"https://www.youtube.com/watch?v={YOUTUBE_VIDEO}"


# -- Facebook Page: a feed post with the Page token; the reply is a comment on it ---------
FB_PAGE = "101"
FB_TOKEN = "EAAGpage-token-101"
FB_POST = recorded("facebook", "feed_post")["body"]["id"]
FB_COMMENT = recorded("facebook", "comment")["body"]["id"]
FB_FEED = rf"/g/v24\.0/{FB_PAGE}/feed"


def facebook_connect(ctx: Context) -> Integration:
    ctx.configure(FACEBOOK_APP_ID="fb-app-id", FACEBOOK_APP_SECRET="fb-app-secret")
    point(ctx.settings, ctx.httpserver, "facebook", auth="/a", api="/g", video="/v")
    ctx.fake.on("POST", FB_FEED, answer("facebook", "feed_post"))
    # The Page's recent posts, where a post whose answer was lost is found by its text.
    listed = [
        {
            "id": FB_POST,
            "message": ROOT_TEXT,
            "permalink_url": f"https://www.facebook.com/{FB_POST}",
        }
    ]
    ctx.fake.on(
        "GET", FB_FEED, answer("facebook", "feed_list", edit=lambda b: b.update(data=listed))
    )
    ctx.fake.on("POST", rf"/g/v24\.0/{FB_POST}/comments", answer("facebook", "comment"))
    return ctx.channel(
        "facebook", FB_PAGE, username="acmebakery", credentials={"access_token": FB_TOKEN}
    )


def facebook_check(ctx: Context, post, items) -> None:
    n = len(items)
    [created] = ctx.fake.sent("POST", FB_FEED)
    comments = ctx.fake.sent("POST", r"/g/v24\.0/.+/comments")
    assert created.form == {"message": ROOT_TEXT, "published": "true"}
    assert created.headers["Authorization"] == f"Bearer {FB_TOKEN}"
    assert [c.form for c in comments] == [{"message": REPLY_TEXT}][: n - 1]
    assert [c.path for c in comments] == [f"/g/v24.0/{FB_POST}/comments"][: n - 1]
    assert [i.remote_id for i in items] == [FB_POST, FB_COMMENT][:n]
    assert post.remote_url == f"https://www.facebook.com/{FB_POST}"


# -- Instagram: a photo container, published; the reply is a first comment -------------
IG_TOKEN = "EAAGpage-token-101"
IG_USER = "17841400000000001"
IG_CONTAINER = recorded("instagram", "container")["body"]["id"]
IG_MEDIA = recorded("instagram", "published")["body"]["id"]
IG_COMMENT = recorded("instagram", "comment")["body"]["id"]
IG_PERMALINK = recorded("instagram", "permalink")["body"]["permalink"]


def jpeg_in_library(ctx: Context) -> list[int]:
    """A small JPEG in the organization's library (Instagram publishes nothing without one)."""
    import io
    import shutil
    import tempfile

    from django.core.files.base import ContentFile
    from PIL import Image

    from media.models import MediaFile

    root = tempfile.mkdtemp()
    ctx.settings.MEDIA_ROOT = root
    ctx.cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (219, 75, 91)).save(buffer, format="JPEG")
    data = buffer.getvalue()
    media = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(data, name="bread.jpg"),
        name="bread.jpg",
        kind=MediaFile.Kind.IMAGE,
        mime_type="image/jpeg",
        size=len(data),
        width=4,
        height=4,
    )
    return [media.pk]


def instagram_connect_as(identifier: str, prefix: str) -> Callable[[Context], Integration]:
    def connect(ctx: Context) -> Integration:
        ctx.configure(
            FACEBOOK_APP_ID="fb-app-id",
            FACEBOOK_APP_SECRET="fb-app-secret",
            INSTAGRAM_APP_ID="ig-app-id",
            INSTAGRAM_APP_SECRET="ig-app-secret",
        )
        point(ctx.settings, ctx.httpserver, identifier, auth="/a", token="/t", api=prefix)
        base = rf"{prefix}/v24\.0"

        def read(call):
            object_id = call.path.rsplit("/", 1)[-1]
            if call.args.get("fields") == "permalink":
                return answer("instagram", "permalink")
            return answer("instagram", "status_finished", edit=lambda b: b.update(id=object_id))

        ctx.fake.on(
            "GET",
            rf"{base}/{IG_USER}/content_publishing_limit",
            answer("instagram", "publishing_limit"),
        )
        ctx.fake.on("POST", rf"{base}/{IG_USER}/media", answer("instagram", "container"))
        ctx.fake.on("POST", rf"{base}/{IG_USER}/media_publish", answer("instagram", "published"))
        ctx.fake.on("POST", rf"{base}/{IG_MEDIA}/comments", answer("instagram", "comment"))
        ctx.fake.on("GET", rf"{base}/\d+", read)
        return ctx.channel(
            identifier, IG_USER, username="acmebakery", credentials={"access_token": IG_TOKEN}
        )

    return connect


def instagram_checker(prefix: str) -> Callable:
    def check(ctx: Context, post, items) -> None:
        n = len(items)
        base = rf"{prefix}/v24\.0"
        [container] = ctx.fake.sent("POST", rf"{base}/{IG_USER}/media")
        commits = ctx.fake.sent("POST", rf"{base}/{IG_USER}/media_publish")
        comments = ctx.fake.sent("POST", rf"{base}/{IG_MEDIA}/comments")
        assert container.form["caption"] == ROOT_TEXT
        assert container.form["image_url"].startswith(("http://", "https://"))
        assert container.headers["Authorization"] == f"Bearer {IG_TOKEN}"
        assert {c.form["creation_id"] for c in commits} == {IG_CONTAINER}
        assert [c.form for c in comments] == [{"message": REPLY_TEXT}][: n - 1]
        assert [i.remote_id for i in items] == [IG_MEDIA, IG_COMMENT][:n]
        assert post.remote_url == IG_PERMALINK

    return check


# -- TikTok: creator info, init, the video in one chunk, then the publish's status --------
TIKTOK_TOKEN = recorded("tiktok", "token")["body"]["access_token"]
TIKTOK_OPEN_ID = recorded("tiktok", "token")["body"]["open_id"]
TIKTOK_POST = "7445530123456789012"
TIKTOK_INIT = r"/api/v2/post/publish/video/init/"
TIKTOK_VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8
TIKTOK_SETTINGS = {
    "privacy_level": "PUBLIC_TO_EVERYONE",
    "content_posting_method": "DIRECT_POST",
    "comment": True,
    "duet": False,
    "stitch": False,
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
    "autoAddMusic": "no",
}


def tiktok_video(ctx: Context) -> list[int]:
    ctx.settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="tiktok-media-")
    video = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(TIKTOK_VIDEO, name="launch.mp4"),
        name="launch.mp4",
        kind=MediaFile.Kind.VIDEO,
        mime_type="video/mp4",
        size=len(TIKTOK_VIDEO),
        width=1080,
        height=1920,
        duration=12.0,
    )
    return [video.pk]


def tiktok_connect(ctx: Context) -> Integration:
    ctx.configure(TIKTOK_CLIENT_KEY="tiktok-client-key", TIKTOK_CLIENT_SECRET="tiktok-secret")
    point(ctx.settings, ctx.httpserver, "tiktok", auth="/a", api="/api", upload="/up")
    ctx.fake.on(
        "POST", r"/api/v2/post/publish/creator_info/query/", answer("tiktok", "creator_info")
    )
    ctx.fake.on("POST", TIKTOK_INIT, answer("tiktok", "video_init", origin=ctx.fake.origin))
    ctx.fake.on("PUT", r"/up/video/", as_response({"status": 201, "body": ""}))
    ctx.fake.on("POST", r"/api/v2/post/publish/status/fetch/", answer("tiktok", "status_complete"))
    return ctx.channel(
        "tiktok",
        TIKTOK_OPEN_ID,
        username="acme.studio",
        credentials={"access_token": TIKTOK_TOKEN, "refresh_token": "rft.tiktok-refresh"},
    )


def tiktok_check(ctx: Context, post, items) -> None:
    [init] = ctx.fake.sent("POST", TIKTOK_INIT)
    assert init.headers["Authorization"] == f"Bearer {TIKTOK_TOKEN}"
    assert init.json["post_info"]["title"] == ROOT_TEXT
    assert init.json["source_info"]["video_size"] == len(TIKTOK_VIDEO)
    [chunk] = ctx.fake.sent("PUT", r"/up/video/")
    assert chunk.raw == TIKTOK_VIDEO
    assert chunk.headers["Content-Range"] == f"bytes 0-{len(TIKTOK_VIDEO) - 1}/{len(TIKTOK_VIDEO)}"
    assert [i.remote_id for i in items] == [TIKTOK_POST]
    assert post.remote_url == f"https://www.tiktok.com/@acme.studio/video/{TIKTOK_POST}"


# -- TikTok Business: TikTok pulls the video from its public address; status by share_id --
TTB_TOKEN = recorded("tiktok_business", "token")["body"]["data"]
TTB_PUBLISH = r"/ttb/business/video/publish/"
TTB_SHARE = recorded("tiktok_business", "video_publish")["body"]["data"]["share_id"]
TTB_COMMENT = recorded("tiktok_business", "comment_create")["body"]["data"]["comment_id"]


def tiktok_business_connect(ctx: Context) -> Integration:
    ctx.configure(TIKTOK_BUSINESS_APP_ID="ttb-app-id", TIKTOK_BUSINESS_APP_SECRET="ttb-secret")
    point(ctx.settings, ctx.httpserver, "tiktok-business", auth="/ttb-auth", api="/ttb")
    ctx.fake.on("POST", TTB_PUBLISH, answer("tiktok_business", "video_publish"))
    ctx.fake.on(
        "GET", r"/ttb/business/publish/status/", answer("tiktok_business", "status_complete")
    )

    def videos(call):
        # The account's videos, the newest made just now with the post's caption.
        def edit(body):
            body["data"]["videos"][0]["caption"] = ROOT_TEXT

        created = str(int(datetime.now(UTC).timestamp()))
        return answer("tiktok_business", "video_list", edit, created=created)

    ctx.fake.on("GET", r"/ttb/business/video/list/", videos)
    ctx.fake.on(
        "POST",
        r"/ttb/business/comment/create/",
        answer("tiktok_business", "comment_create", text=REPLY_TEXT),
    )
    return ctx.channel(
        "tiktok-business",
        TTB_TOKEN["open_id"],
        username="acme.shop",
        credentials={
            "access_token": TTB_TOKEN["access_token"],
            "refresh_token": TTB_TOKEN["refresh_token"],
        },
    )


def tiktok_business_check(ctx: Context, post, items) -> None:
    [publish] = ctx.fake.sent("POST", TTB_PUBLISH)
    assert publish.headers["Access-Token"] == TTB_TOKEN["access_token"]
    assert publish.json["business_id"] == TTB_TOKEN["open_id"]
    assert publish.json["post_info"]["caption"] == ROOT_TEXT
    assert publish.json["video_url"].startswith(("http://", "https://"))
    statuses = ctx.fake.sent("GET", r"/ttb/business/publish/status/")
    assert {c.args["publish_id"] for c in statuses} == {TTB_SHARE}
    n = len(items)
    comments = ctx.fake.sent("POST", r"/ttb/business/comment/create/")
    comment = {"business_id": TTB_TOKEN["open_id"], "video_id": TIKTOK_POST, "text": REPLY_TEXT}
    assert [c.json for c in comments] == [comment][: n - 1]
    assert [i.remote_id for i in items] == [TIKTOK_POST, TTB_COMMENT][:n]
    assert post.remote_url == f"https://www.tiktok.com/@acme.shop/video/{TIKTOK_POST}"


# -- dev.to: an article per post; the author's list is what a look after a crash reads --
DEVTO_KEY = "devto-e2e-key"
DEVTO_ARTICLES = r"/devto-api/articles"
DEVTO_ARTICLE = recorded("devto", "article_created")["body"]


def devto_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "devto", api="/devto-api")
    ctx.fake.on("POST", DEVTO_ARTICLES, answer("devto", "article_created"))

    def mine(call):
        # What the author sees on dev.to: the articles that reached it.
        def listed(body):
            body[:] = [
                {**DEVTO_ARTICLE, "body_markdown": c.json["article"]["body_markdown"]}
                for c in ctx.fake.sent("POST", DEVTO_ARTICLES)
            ]

        return answer("devto", "my_articles", edit=listed)

    ctx.fake.on("GET", r"/devto-api/articles/me/all", mine)
    return ctx.channel("devto", "1234567", username="acmedev", credentials={"api_key": DEVTO_KEY})


def devto_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", DEVTO_ARTICLES)
    assert created.headers["Api-Key"] == DEVTO_KEY
    assert created.json == {
        "article": {
            "title": "Launch day at Acme",
            "body_markdown": ROOT_TEXT,
            "published": True,
            "tags": "python, django",
        }
    }
    assert [i.remote_id for i in items] == [str(DEVTO_ARTICLE["id"])]
    assert post.remote_url == DEVTO_ARTICLE["url"]


# -- Hashnode: one GraphQL address; the publication's posts are what a look reads ---------
HASHNODE_TOKEN = "hn-e2e-token"
HASHNODE_GQL = r"/hn-gql/"
HASHNODE_PUB = "65a1f0c2e4b0a1b2c3d4e5f6"
HASHNODE_POST = recorded("hashnode", "publish_post")["body"]["data"]["publishPost"]["post"]


def hashnode_graphql(ctx: Context, publish: str = "publish_post"):
    """Hashnode's one address: publishPost answers the recorded ``publish`` answer; a read
    of the publication lists the posts that reached Hashnode, whatever it answered."""

    def graphql(call):
        if "publishPost" in call.json["query"]:
            return answer("hashnode", publish)

        def listed(body):
            body["data"]["publication"]["posts"]["edges"] = [
                {
                    "node": {
                        **HASHNODE_POST,
                        "publishedAt": "2026-12-07T09:00:03.120Z",
                        "content": {"markdown": c.json["variables"]["input"]["contentMarkdown"]},
                    }
                }
                for c in ctx.fake.sent("POST", HASHNODE_GQL)
                if "publishPost" in c.json["query"]
            ]

        return answer("hashnode", "posts", edit=listed)

    return graphql


def hashnode_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "hashnode", api="/hn-gql")
    ctx.fake.on("POST", HASHNODE_GQL, hashnode_graphql(ctx))
    return ctx.channel(
        "hashnode",
        "60f1a2b3c4d5e6f7a8b9c0d1",
        username="acmedev",
        credentials={"token": HASHNODE_TOKEN},
        meta={"publications": [{"id": HASHNODE_PUB, "title": "Acme Engineering", "url": ""}]},
    )


def hashnode_check(ctx: Context, post, items) -> None:
    [created] = [c for c in ctx.fake.sent("POST", HASHNODE_GQL) if "publishPost" in c.json["query"]]
    assert created.headers["Authorization"] == HASHNODE_TOKEN
    assert created.json["variables"] == {
        "input": {
            "publicationId": HASHNODE_PUB,
            "title": "Launch day at Acme",
            "contentMarkdown": ROOT_TEXT,
            "tags": [{"slug": "python", "name": "python"}],
        }
    }
    assert [i.remote_id for i in items] == [HASHNODE_POST["id"]]
    assert post.remote_url == HASHNODE_POST["url"]


# -- Medium (legacy): a post on the author's profile; nothing to look up afterwards -----
MEDIUM_TOKEN = "181d415f34379af07b2c11d144dfbe35d"
MEDIUM_USER = recorded("medium", "me")["body"]["data"]["id"]
MEDIUM_POSTS = rf"/md-api/users/{MEDIUM_USER}/posts"
MEDIUM_POST = recorded("medium", "post_created")["body"]["data"]


def medium_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "medium", api="/md-api")
    ctx.fake.on("POST", MEDIUM_POSTS, answer("medium", "post_created"))
    return ctx.channel(
        "medium", MEDIUM_USER, username="acmedev", credentials={"token": MEDIUM_TOKEN}
    )


def medium_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", MEDIUM_POSTS)
    assert created.headers["Authorization"] == f"Bearer {MEDIUM_TOKEN}"
    assert created.json == {
        "title": "Launch day at Acme",
        "contentFormat": "markdown",
        "content": f"# Launch day at Acme\n\n{ROOT_TEXT}",
        "publishStatus": "public",
    }
    assert [i.remote_id for i in items] == [MEDIUM_POST["id"]]
    assert post.remote_url == MEDIUM_POST["url"]


# -- Ghost: the site given by the channel's meta; one article, found by its title --------
GHOST_KEY = (
    "6740b1c29c2b3e0001f49b77:5d1f0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10"
)
GHOST_POST = recorded("ghost", "post_created")["body"]["posts"][0]
GHOST_POSTS = r"/ghost/api/admin/posts/"


def ghost_connect(ctx: Context) -> Integration:
    ctx.fake.on("POST", GHOST_POSTS, answer("ghost", "post_created"))
    ctx.fake.on("GET", GHOST_POSTS, answer("ghost", "posts_recent"))
    return ctx.channel(
        "ghost",
        "https://blog.acme.example",
        username="blog.acme.example",
        credentials={"admin_api_key": GHOST_KEY},
        meta={"url": ctx.fake.origin},
    )


def ghost_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", GHOST_POSTS)
    assert created.args == {"source": "html"}
    assert created.json == {
        "posts": [{"title": "Launch day", "html": f"<p>{ROOT_TEXT}</p>", "status": "published"}]
    }
    assert created.headers["Authorization"].startswith("Ghost ey")
    assert [i.remote_id for i in items] == [GHOST_POST["id"]]
    assert post.remote_url == GHOST_POST["url"]


# -- listmonk: the server given by the channel's meta; a campaign made, then started -----
LISTMONK_AUTH = {"api_user": "postiz", "api_token": "Zq8vT1xJc4mN7pR2sW5yB9dF3gH6kL0a"}
LISTMONK_CAMPAIGN = recorded("listmonk", "campaign_created")["body"]["data"]["id"]


def listmonk_connect(ctx: Context) -> Integration:
    ctx.fake.on("POST", r"/api/campaigns", answer("listmonk", "campaign_created"))
    ctx.fake.on("PUT", r"/api/campaigns/\d+/status", answer("listmonk", "campaign_running"))
    ctx.fake.on("GET", r"/api/campaigns/\d+", answer("listmonk", "campaign_created"))
    return ctx.channel(
        "listmonk",
        f"{ctx.fake.origin}#postiz",
        username="postiz@lists.acme.example",
        credentials=dict(LISTMONK_AUTH),
        meta={"url": ctx.fake.origin},
    )


def listmonk_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", r"/api/campaigns")
    starts = ctx.fake.sent("PUT", r"/api/campaigns/\d+/status")
    assert created.json["subject"] == "Launch day" and created.json["lists"] == [3]
    assert created.json["body"] == ROOT_TEXT
    assert created.headers["Authorization"] == "token postiz:" + LISTMONK_AUTH["api_token"]
    assert {c.path for c in starts} == {f"/api/campaigns/{LISTMONK_CAMPAIGN}/status"}
    assert [c.json for c in starts][-1] == {"status": "running"}
    assert [i.remote_id for i in items] == [str(LISTMONK_CAMPAIGN)]
    assert post.remote_url == f"{ctx.fake.origin}/admin/campaigns/{LISTMONK_CAMPAIGN}"


# -- Tumblr: an NPF post on the channel's blog; found again by the slug it was sent with --
TUMBLR_TOKEN = recorded("tumblr", "token")["body"]
TUMBLR_POST = recorded("tumblr", "post_created")["body"]["response"]["id"]
TUMBLR_POSTS = r"/tumblr-api/v2/blog/acmeworkshop/posts"


def tumblr_connect(ctx: Context) -> Integration:
    ctx.configure(TUMBLR_CLIENT_ID="tumblr-consumer-key", TUMBLR_CLIENT_SECRET="tumblr-secret")
    point(ctx.settings, ctx.httpserver, "tumblr", auth="/tumblr-www", api="/tumblr-api")
    ctx.fake.on("POST", TUMBLR_POSTS, answer("tumblr", "post_created"))

    def as_posted(body):
        # The blog lists the post under the slug it was sent with.
        sent = ctx.fake.sent("POST", TUMBLR_POSTS)
        body["response"]["posts"][0]["slug"] = sent[0].json["slug"] if sent else "other"

    ctx.fake.on("GET", TUMBLR_POSTS, lambda call: answer("tumblr", "blog_posts", edit=as_posted))
    return ctx.channel(
        "tumblr",
        "t:Qm3pX9vK2sL7cN4hB8dR1w",
        username="acmeworkshop",
        credentials={
            "access_token": TUMBLR_TOKEN["access_token"],
            "refresh_token": TUMBLR_TOKEN["refresh_token"],
        },
        meta={"blog": "acmeworkshop"},
    )


def tumblr_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", TUMBLR_POSTS)
    assert created.json["content"] == [{"type": "text", "text": ROOT_TEXT}]
    assert created.json["state"] == "published"
    assert created.json["slug"].startswith("launch-day-at-acme-")
    assert created.headers["Authorization"] == f"Bearer {TUMBLR_TOKEN['access_token']}"
    assert [i.remote_id for i in items] == [TUMBLR_POST]
    assert post.remote_url == f"https://www.tumblr.com/acmeworkshop/{TUMBLR_POST}"


# -- Twitch: chat messages in the broadcaster's own chat; a thread replies to the one before
TWITCH_TOKEN = recorded("twitch", "token")["body"]
TWITCH_MESSAGES = r"/twitch-api/helix/chat/messages"
TWITCH_IDS = ("abc-123-def", "abc-123-deg")


def twitch_connect(ctx: Context) -> Integration:
    ctx.configure(TWITCH_CLIENT_ID="twitch-client-id", TWITCH_CLIENT_SECRET="twitch-secret")
    point(ctx.settings, ctx.httpserver, "twitch", auth="/twitch-id", api="/twitch-api")

    def sent(call):
        n = call_number(ctx.fake, "POST", TWITCH_MESSAGES)
        return answer(
            "twitch", "message_sent", edit=lambda b: b["data"][0].update(message_id=TWITCH_IDS[n])
        )

    ctx.fake.on("POST", TWITCH_MESSAGES, sent)
    return ctx.channel(
        "twitch",
        "141981764",
        username="twitchdev",
        credentials={
            "access_token": TWITCH_TOKEN["access_token"],
            "refresh_token": TWITCH_TOKEN["refresh_token"],
        },
    )


def twitch_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", TWITCH_MESSAGES)
    base = {"broadcaster_id": "141981764", "sender_id": "141981764"}
    assert [c.json for c in calls] == [
        {**base, "message": ROOT_TEXT},
        {**base, "message": REPLY_TEXT, "reply_parent_message_id": TWITCH_IDS[0]},
    ][:n]
    assert all(c.headers["Client-Id"] == "twitch-client-id" for c in calls)
    assert all(
        c.headers["Authorization"] == f"Bearer {TWITCH_TOKEN['access_token']}" for c in calls
    )
    assert [i.remote_id for i in items] == list(TWITCH_IDS[:n])
    assert post.remote_url == "https://www.twitch.tv/twitchdev"


# -- Kick: chat messages as the user in their own channel ---------------------------------
KICK_TOKEN = recorded("kick", "token")["body"]
KICK_CHAT = r"/kick-api/public/v1/chat"
KICK_IDS = ("9b4c1a7e-0001", "9b4c1a7e-0002")


def kick_connect(ctx: Context) -> Integration:
    ctx.configure(KICK_CLIENT_ID="kick-client-id", KICK_CLIENT_SECRET="kick-secret")
    point(ctx.settings, ctx.httpserver, "kick", auth="/kick-id", api="/kick-api")

    def sent(call):
        n = call_number(ctx.fake, "POST", KICK_CHAT)
        return answer(
            "kick", "message_sent", edit=lambda b: b["data"].update(message_id=KICK_IDS[n])
        )

    ctx.fake.on("POST", KICK_CHAT, sent)
    return ctx.channel(
        "kick",
        "4377088",
        username="acmeworkshop",
        credentials={
            "access_token": KICK_TOKEN["access_token"],
            "refresh_token": KICK_TOKEN["refresh_token"],
        },
    )


def kick_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", KICK_CHAT)
    base = {"type": "user", "broadcaster_user_id": 4377088}
    assert [c.json for c in calls] == [
        {**base, "content": ROOT_TEXT},
        {**base, "content": REPLY_TEXT, "reply_to_message_id": KICK_IDS[0]},
    ][:n]
    assert all(c.headers["Authorization"] == f"Bearer {KICK_TOKEN['access_token']}" for c in calls)
    assert [i.remote_id for i in items] == list(KICK_IDS[:n])
    assert post.remote_url == "https://kick.com/acmeworkshop"


# -- Farcaster: casts through Neynar; each keyed by idem, a thread by parent hash ---------
NEYNAR_KEY = "NEYNAR-7F3A-41C2-9B8E-5D6A0C1E2F34"
NEYNAR_SIGNER = "19d0c5fd-9b33-4a48-a0e2-bc7b0555baec"
NEYNAR_CAST = r"/neynar/v2/farcaster/cast"
NEYNAR_CASTS = r"/neynar/v2/farcaster/feed/user/casts"
CAST_HASHES = (
    "0x71d5225f77e0164388b1d4c120825f3a2c1f131c",
    "0x71d5225f77e0164388b1d4c120825f3a2c1f131d",
)


def farcaster_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "farcaster", api="/neynar")
    made: dict[str, str] = {}

    def cast(call):
        # Neynar answers a repeated idem with the cast it already made.
        idem = call.json["idem"]
        made.setdefault(idem, CAST_HASHES[len(made)])
        return answer("farcaster", "cast_created", edit=lambda b: b["cast"].update(hash=made[idem]))

    ctx.fake.on("POST", NEYNAR_CAST, cast)
    # The account's list lags behind its casts.
    ctx.fake.on("GET", NEYNAR_CASTS, as_response({"body": {"casts": [], "next": {"cursor": None}}}))
    return ctx.channel(
        "farcaster",
        "194372",
        username="acmeworkshop",
        credentials={"api_key": NEYNAR_KEY, "signer_uuid": NEYNAR_SIGNER},
        meta={"fid": "194372"},
    )


def farcaster_check(ctx: Context, post, items) -> None:
    n = len(items)
    calls = ctx.fake.sent("POST", NEYNAR_CAST)
    idems = [farcaster_idem(i) for i in items]
    assert [c.json for c in calls] == [
        {"signer_uuid": NEYNAR_SIGNER, "text": ROOT_TEXT, "idem": idems[0]},
        {
            "signer_uuid": NEYNAR_SIGNER,
            "text": REPLY_TEXT,
            "idem": idems[-1],
            "parent": CAST_HASHES[0],
            "parent_author_fid": 194372,
        },
    ][:n]
    assert all(c.headers["X-Api-Key"] == NEYNAR_KEY for c in calls)
    assert [i.remote_id for i in items] == list(CAST_HASHES[:n])
    assert post.remote_url == f"https://farcaster.xyz/acmeworkshop/{CAST_HASHES[0][:10]}"


def farcaster_idem(item) -> str:
    return idem_for(PublishRequest("", "", key=str(item.key)))


# -- Moltbook: a post in a submolt; found again among the submolt's newest by title ------
MOLTBOOK_KEY = "moltbook_sk_4vbBsDhqTVg-uvC2mNw3xinZwRhn6r0A"
MOLTBOOK_POST = recorded("moltbook", "post_created")["body"]["post"]["id"]
MOLTBOOK_POSTS = r"/mb-api/posts"


def moltbook_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "moltbook", api="/mb-api")
    ctx.fake.on("POST", MOLTBOOK_POSTS, answer("moltbook", "post_created"))
    ctx.fake.on("GET", MOLTBOOK_POSTS, answer("moltbook", "submolt_new"))
    return ctx.channel(
        "moltbook",
        recorded("moltbook", "agent_me")["body"]["agent"]["id"],
        username="AcmeScout",
        credentials={"api_key": MOLTBOOK_KEY},
    )


def moltbook_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", MOLTBOOK_POSTS)
    assert created.headers["Authorization"] == f"Bearer {MOLTBOOK_KEY}"
    assert created.json == {
        "submolt": "general",
        "title": "Launch day at Acme",
        "content": ROOT_TEXT,
    }
    assert [i.remote_id for i in items] == [MOLTBOOK_POST]
    assert post.remote_url == f"https://www.moltbook.com/post/{MOLTBOOK_POST}"


# -- Whop: a forum post in a company's Forum experience; found again by text and title ----
WHOP_KEY = "apik_7bZ2kL9qX4mN8pR1sT6vW3yA5cE0dF"
WHOP_FORUM = "exp_Fr0mForumA1"
WHOP_POST = recorded("whop", "forum_post_created")["body"]["id"]
WHOP_POSTS = r"/whop-api/forum_posts"


def whop_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "whop", api="/whop-api")

    def as_posted(body):
        # The forum lists the post with the text it was sent with.
        sent = ctx.fake.sent("POST", WHOP_POSTS)
        body["data"][1]["content"] = sent[0].json["content"] if sent else "other"

    ctx.fake.on("POST", WHOP_POSTS, answer("whop", "forum_post_created"))
    ctx.fake.on("GET", WHOP_POSTS, lambda call: answer("whop", "forum_posts", edit=as_posted))
    return ctx.channel(
        "whop",
        "biz_6bZUIbghyEtOzp",
        username="acme-academy",
        credentials={"api_key": WHOP_KEY},
    )


def whop_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", WHOP_POSTS)
    assert created.headers["Authorization"] == f"Bearer {WHOP_KEY}"
    assert created.json == {
        "experience_id": WHOP_FORUM,
        "content": ROOT_TEXT,
        "title": "Launch day",
    }
    assert [i.remote_id for i in items] == [WHOP_POST]
    assert post.remote_url == "https://whop.com/acme-academy/"


# -- Skool (unofficial): a post in the community; nothing to look up afterwards -----------
SKOOL_TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi1hY21l.Qm9vbQ"
SKOOL_GROUP = "4f1c2b7e9a0d4e6f8b3a5c7d9e1f2a3b"
SKOOL_POSTS = r"/skool-api/posts"


def skool_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "skool", web="/skool-www", api="/skool-api")
    ctx.fake.on("POST", SKOOL_POSTS, answer("skool", "post_created"))
    return ctx.channel(
        "skool", SKOOL_GROUP, username="acme-makers", credentials={"auth_token": SKOOL_TOKEN}
    )


def skool_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", SKOOL_POSTS)
    assert created.headers["Cookie"] == f"auth_token={SKOOL_TOKEN}"
    assert created.json["group_id"] == SKOOL_GROUP
    assert created.json["metadata"]["title"] == "Launch day at Acme"
    assert created.json["metadata"]["content"] == ROOT_TEXT
    assert [i.remote_id for i in items] == ["9b8e7d6c5b4a39281706f5e4d3c2b1a0"]
    assert post.remote_url == "https://www.skool.com/acme-makers/launch-day-at-acme"


# -- MeWe (limited): a photo uploaded, then a group post; nothing to look up afterwards ----
MEWE_TOKEN = recorded("mewe", "token")["body"]["apiToken"]
MEWE_USER = recorded("mewe", "me")["body"]["userId"]
MEWE_GROUP = recorded("mewe", "groups")["body"]["groups"][0]["groupId"]
MEWE_PHOTO = recorded("mewe", "photo_uploaded")["body"]["id"]
MEWE_POSTS = rf"/mewe-api/group/{MEWE_GROUP}/post"


def mewe_connect(ctx: Context) -> Integration:
    ctx.configure(MEWE_APP_ID="mewe-app-7f3a", MEWE_API_KEY="mewe-key-1b9c5e7d")
    point(ctx.settings, ctx.httpserver, "mewe", web="/mewe-web", api="/mewe-api", login="/l")
    ctx.fake.on("POST", r"/mewe-api/photo/upload", answer("mewe", "photo_uploaded"))
    ctx.fake.on("POST", MEWE_POSTS, answer("mewe", "post_created"))
    return ctx.channel(
        "mewe", MEWE_USER, username="acmeworkshop", credentials={"access_token": MEWE_TOKEN}
    )


def mewe_check(ctx: Context, post, items) -> None:
    [photo] = ctx.fake.sent("POST", r"/mewe-api/photo/upload")
    [created] = ctx.fake.sent("POST", MEWE_POSTS)
    for call in (photo, created):
        assert call.headers["Authorization"] == f"Bearer {MEWE_TOKEN}"
        assert call.headers["X-App-Id"] == "mewe-app-7f3a"
    assert created.json == {"text": ROOT_TEXT, "uploadedPhotoIds": [MEWE_PHOTO]}
    # MeWe answers 204 and names no post: the group's page is the link.
    assert [i.remote_id for i in items] == [""]
    assert post.remote_url == f"https://mewe.com/group/{MEWE_GROUP}"


# -- WordPress: the REST root in the channel's meta; one post, found again by its slug ----
WORDPRESS_AUTH = {"username": "editor", "app_password": "Xk3p 9QaL 7mWz 2RtY 5vBn 8CdE"}
WORDPRESS_POST = recorded("wordpress", "post_created")["body"]
WORDPRESS_POSTS = r"/wp-json/wp/v2/posts"


def wordpress_connect(ctx: Context) -> Integration:
    ctx.fake.on("POST", WORDPRESS_POSTS, answer("wordpress", "post_created"))

    def by_slug(call: Call) -> Response:
        # The site lists a post under the slug it was sent with, whatever its status.
        sent = [c.json["slug"] for c in ctx.fake.sent("POST", WORDPRESS_POSTS)]
        if call.args.get("slug") not in sent:
            return answer("wordpress", "posts_by_slug_empty")

        def as_sent(body):
            body[0].update(
                id=WORDPRESS_POST["id"],
                link=WORDPRESS_POST["link"],
                status="publish",
                slug=call.args["slug"],
            )

        return answer("wordpress", "posts_by_slug", edit=as_sent)

    ctx.fake.on("GET", WORDPRESS_POSTS, by_slug)
    return ctx.channel(
        "wordpress",
        "https://fieldnotes.acme.example#1",
        username="editor@fieldnotes.acme.example",
        credentials=dict(WORDPRESS_AUTH),
        meta={
            "url": ctx.fake.origin,
            "rest_root": f"{ctx.fake.origin}/wp-json/",
            "can_publish": True,
            "can_upload": True,
            "canonical_meta": "",
        },
    )


def wordpress_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", WORDPRESS_POSTS)
    body = dict(created.json)
    slug = body.pop("slug")
    assert slug.startswith("launch-day-at-acme-") and len(slug) == len("launch-day-at-acme-") + 10
    assert body == {
        "title": "Launch day at Acme",
        "content": f"<p>{ROOT_TEXT}</p>",
        "status": "publish",
    }
    assert created.headers["Authorization"].startswith("Basic ")
    assert [i.remote_id for i in items] == [str(WORDPRESS_POST["id"])]
    assert post.remote_url == WORDPRESS_POST["link"]


# -- Dribbble: one shot (an 800x600 image); accepted with 202, read once processed -------
DRIBBBLE_TOKEN = recorded("dribbble", "token")["body"]["access_token"]
DRIBBBLE_SHOT = recorded("dribbble", "shot")["body"]
DRIBBBLE_SHOTS = r"/drb-api/v2/shots"


def dribbble_image(ctx: Context) -> list[int]:
    """An 800x600 PNG in the library: one of the sizes Dribbble takes."""
    root = tempfile.mkdtemp()
    ctx.settings.MEDIA_ROOT = root
    ctx.cleanups.append(lambda: shutil.rmtree(root, ignore_errors=True))
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (201, 160, 72)).save(buffer, format="PNG")
    png = buffer.getvalue()
    media = MediaFile.objects.create(
        organization=ctx.org,
        file=ContentFile(png, name="lamp.png"),
        name="lamp.png",
        kind=MediaFile.Kind.IMAGE,
        mime_type="image/png",
        size=len(png),
        width=800,
        height=600,
    )
    return [media.pk]


def dribbble_connect(ctx: Context) -> Integration:
    ctx.configure(DRIBBBLE_CLIENT_ID="drb-client-id", DRIBBBLE_CLIENT_SECRET="drb-secret")
    point(ctx.settings, ctx.httpserver, "dribbble", auth="/drb-www", api="/drb-api")
    ctx.fake.on("POST", DRIBBBLE_SHOTS, answer("dribbble", "shot_accepted"))
    ctx.fake.on("GET", rf"{DRIBBBLE_SHOTS}/\d+", answer("dribbble", "shot"))

    def as_posted(body):
        # The designer's list shows the shot as it was sent (title and description).
        sent = ctx.fake.sent("POST", DRIBBBLE_SHOTS)
        if sent:
            body[0]["title"] = sent[0].form["title"]
            body[0]["description"] = f"<p>{sent[0].form.get('description', '')}</p>"
        else:
            body.pop(0)

    ctx.fake.on(
        "GET",
        r"/drb-api/v2/user/shots",
        lambda call: answer("dribbble", "user_shots", edit=as_posted),
    )
    return ctx.channel(
        "dribbble",
        "1405112",
        username="acmestudio",
        credentials={"access_token": DRIBBBLE_TOKEN},
    )


def dribbble_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", DRIBBBLE_SHOTS)
    assert created.form == {"title": "Brass lamp", "description": ROOT_TEXT}
    assert created.files["image"].startswith(b"\x89PNG")
    assert created.headers["Authorization"] == f"Bearer {DRIBBBLE_TOKEN}"
    assert [i.remote_id for i in items] == [str(DRIBBBLE_SHOT["id"])]
    assert post.remote_url == DRIBBBLE_SHOT["html_url"]


# -- VK: wall.post on a community's wall, made by the community; found by its text ------
VK_TOKEN = recorded("vk", "token")["body"]
VK_WALL_POST = r"/vk-api/method/wall\.post"
VK_WALL_GET = r"/vk-api/method/wall\.get"


def vk_connect(ctx: Context) -> Integration:
    ctx.configure(VK_CLIENT_ID="51234567")
    point(ctx.settings, ctx.httpserver, "vk", auth="/vk-id", api="/vk-api")
    ctx.fake.on("POST", VK_WALL_POST, answer("vk", "wall_post"))

    def as_posted(body):
        # The wall lists the post with the text it was sent with.
        sent = ctx.fake.sent("POST", VK_WALL_POST)
        if sent:
            body["response"]["items"][0]["text"] = sent[0].form.get("message", "")
        else:
            body["response"]["items"].pop(0)

    ctx.fake.on("POST", VK_WALL_GET, lambda call: answer("vk", "wall_get", edit=as_posted))
    return ctx.channel(
        "vk",
        "-228154012",
        username="acmeworkshop",
        credentials={
            "access_token": VK_TOKEN["access_token"],
            "refresh_token": VK_TOKEN["refresh_token"],
            "device_id": "dev-7f3a9c1e5b",
        },
        meta={"owner_id": -228154012},
    )


def vk_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", VK_WALL_POST)
    assert created.form["owner_id"] == "-228154012" and created.form["from_group"] == "1"
    assert created.form["message"] == ROOT_TEXT
    assert created.form["access_token"] == VK_TOKEN["access_token"]
    assert created.args == {}
    assert [i.remote_id for i in items] == ["-228154012_512"]
    assert post.remote_url == "https://vk.com/wall-228154012_512"


# -- beehiiv: one post in the channel's publication; found again by the slug it was sent with
BEEHIIV_KEY = "bh_live_Q2w3E4r5T6y7U8i9O0pA1sD2fG3hJ4kL"
BEEHIIV_PUB = "pub_6c4e1f2a-8b3d-4e5f-9a0b-1c2d3e4f5a6b"
BEEHIIV_POST = recorded("beehiiv", "post")["body"]["data"]
BEEHIIV_POSTS = rf"/bh/v2/publications/{BEEHIIV_PUB}/posts"


def beehiiv_connect(ctx: Context) -> Integration:
    point(ctx.settings, ctx.httpserver, "beehiiv", api="/bh")
    ctx.fake.on("POST", BEEHIIV_POSTS, answer("beehiiv", "post_created"))
    ctx.fake.on("GET", rf"{BEEHIIV_POSTS}/post_[0-9a-f-]+", answer("beehiiv", "post"))

    def as_posted(body):
        # The publication lists the post under the slug it was sent with.
        sent = ctx.fake.sent("POST", BEEHIIV_POSTS)
        if sent:
            body["data"][0]["slug"] = sent[0].json["web_settings"]["slug"]
        else:
            body["data"].pop(0)

    ctx.fake.on(
        "GET", BEEHIIV_POSTS, lambda call: answer("beehiiv", "posts_by_slug", edit=as_posted)
    )
    return ctx.channel(
        "beehiiv", BEEHIIV_PUB, username="Acme Weekly", credentials={"api_key": BEEHIIV_KEY}
    )


def beehiiv_check(ctx: Context, post, items) -> None:
    [created] = ctx.fake.sent("POST", BEEHIIV_POSTS)
    assert created.headers["Authorization"] == f"Bearer {BEEHIIV_KEY}"
    assert created.json["title"] == "Launch day"
    assert created.json["body_content"] == f"<p>{ROOT_TEXT}</p>"
    assert created.json["status"] == "confirmed"
    assert created.json["web_settings"]["slug"].startswith("launch-day-")
    assert [i.remote_id for i in items] == [BEEHIIV_POST["id"]]
    assert post.remote_url == BEEHIIV_POST["web_url"]


NETWORKS = [
    Network(
        "bluesky",
        bluesky_connect,
        bluesky_check,
        texts=BLUESKY_TEXTS,
    ),
    Network("mastodon", mastodon_connect, mastodon_check),
    Network("discord", discord_connect, discord_check),
    Network("discord-bot", discord_bot_connect, discord_bot_check),
    Network("slack", slack_connect, slack_check),
    Network("telegram", telegram_connect, telegram_check),
    Network("nostr", nostr_connect, nostr_check),
    Network("x", x_connect, x_check),
    Network(
        "linkedin",
        lambda ctx: linkedin_channel(ctx, "linkedin", "782bbtaQ", "urn:li:person:782bbtaQ"),
        linkedin_checker("urn:li:person:782bbtaQ"),
    ),
    Network(
        "linkedin-page",
        lambda ctx: linkedin_channel(
            ctx, "linkedin-page", "2414183", "urn:li:organization:2414183"
        ),
        linkedin_checker("urn:li:organization:2414183"),
    ),
    Network("threads", threads_connect, threads_check),
    Network("reddit", reddit_connect, reddit_check, settings=REDDIT_SETTINGS),
    Network("lemmy", lemmy_connect, lemmy_check, settings=LEMMY_SETTINGS),
    Network(
        "pinterest",
        pinterest_connect,
        pinterest_check,
        texts=(ROOT_TEXT,),
        settings={"board": PINTEREST_BOARD},
        media=library_image,
    ),
    Network("gmb", gmb_connect, gmb_check, texts=(ROOT_TEXT,)),
    Network(
        "youtube",
        youtube_connect,
        youtube_check,
        settings=YOUTUBE_SETTINGS,
        media=youtube_video,
    ),
    Network("facebook", facebook_connect, facebook_check),
    Network(
        "instagram",
        instagram_connect_as("instagram", "/g"),
        instagram_checker("/g"),
        settings={"post_type": "post"},
        media=jpeg_in_library,
    ),
    Network(
        "instagram-standalone",
        instagram_connect_as("instagram-standalone", "/ig"),
        instagram_checker("/ig"),
        settings={"post_type": "post"},
        media=jpeg_in_library,
    ),
    Network(
        "tiktok",
        tiktok_connect,
        tiktok_check,
        texts=(ROOT_TEXT,),
        settings=TIKTOK_SETTINGS,
        media=tiktok_video,
    ),
    Network(
        "tiktok-business",
        tiktok_business_connect,
        tiktok_business_check,
        settings={
            "comment": True,
            "duet": False,
            "stitch": False,
            "brand_content_toggle": False,
            "brand_organic_toggle": False,
        },
        media=tiktok_video,
    ),
    Network(
        "devto",
        devto_connect,
        devto_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day at Acme", "tags": ["python", "django"]},
    ),
    Network(
        "hashnode",
        hashnode_connect,
        hashnode_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day at Acme", "publication": HASHNODE_PUB, "tags": ["python"]},
    ),
    Network(
        "medium",
        medium_connect,
        medium_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day at Acme"},
    ),
    Network(
        "ghost",
        ghost_connect,
        ghost_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day"},
    ),
    Network(
        "listmonk",
        listmonk_connect,
        listmonk_check,
        texts=(ROOT_TEXT,),
        settings={"lists": "3", "subject": "Launch day"},
    ),
    Network("tumblr", tumblr_connect, tumblr_check, texts=(ROOT_TEXT,)),
    Network("twitch", twitch_connect, twitch_check),
    Network("kick", kick_connect, kick_check),
    Network("farcaster", farcaster_connect, farcaster_check),
    Network(
        "moltbook",
        moltbook_connect,
        moltbook_check,
        texts=(ROOT_TEXT,),
        settings={"submolt": "general", "title": "Launch day at Acme"},
    ),
    Network(
        "whop",
        whop_connect,
        whop_check,
        texts=(ROOT_TEXT,),
        settings={"experience": WHOP_FORUM, "title": "Launch day"},
    ),
    Network(
        "skool",
        skool_connect,
        skool_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day at Acme"},
    ),
    Network(
        "mewe",
        mewe_connect,
        mewe_check,
        texts=(ROOT_TEXT,),
        settings={"post_type": "group", "group": MEWE_GROUP},
        media=jpeg_in_library,
        names_posts=False,
    ),
    Network(
        "wordpress",
        wordpress_connect,
        wordpress_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day at Acme"},
    ),
    Network(
        "dribbble",
        dribbble_connect,
        dribbble_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Brass lamp"},
        media=dribbble_image,
    ),
    Network("vk", vk_connect, vk_check, texts=(ROOT_TEXT,)),
    Network(
        "beehiiv",
        beehiiv_connect,
        beehiiv_check,
        texts=(ROOT_TEXT,),
        settings={"title": "Launch day"},
    ),
]
