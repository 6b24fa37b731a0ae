"""Discord flows against a local fake: exact requests, replies, media, failures."""

import json
from pathlib import Path

import pytest

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.discord import DiscordBotProvider, DiscordWebhookProvider
from tests.providers.conftest import (
    assert_no_secret,
    drain,
    fixture_response,
    point,
    slow_handler,
    truncated_handler,
)
from tests.providers.streaming import streamed_only

HERE = Path(__file__).parent
HOOK_ID = "223704706495545344"
TOKEN = "3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94526ff5d1bd4"
WEBHOOK_URL = f"https://discord.com/api/webhooks/{HOOK_ID}/{TOKEN}"
HOOK_PATH = f"/api/webhooks/{HOOK_ID}/{TOKEN}"
BOT_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "discord", api="/api")
    return DiscordWebhookProvider()


@pytest.fixture
def channel():
    return Channel(
        external_id=HOOK_ID,
        credentials={"webhook_url": WEBHOOK_URL},
        meta={"channel_id": "199737254929760256", "guild_id": "199737254929760256"},
    )


def reply(name):
    return fixture_response(HERE, name)


truncated = truncated_handler(b'{"id": "11758715')


def test_connect_reads_the_webhook_and_stores_only_its_url(provider, httpserver, captured_logs):
    httpserver.expect_ordered_request(HOOK_PATH, method="GET").respond_with_response(
        reply("webhook")
    )
    grant = provider.authenticate({"webhook_url": f"  {WEBHOOK_URL}/ "})
    (account,) = provider.accounts(grant)
    assert grant.credentials == {"webhook_url": WEBHOOK_URL}
    assert account.external_id == HOOK_ID
    assert account.name == "Postiz"
    assert account.meta == {"channel_id": "199737254929760256", "guild_id": "199737254929760256"}
    assert account.profile_url.endswith("/channels/199737254929760256/199737254929760256")
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("Postiz/")
    httpserver.check_assertions()
    assert_no_secret(captured_logs, TOKEN)


def test_connect_rejects_a_malformed_url_without_calling_discord(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"webhook_url": "https://example.com/hook"})
    assert caught.value.field == "webhook_url"
    assert "discord.com/api/webhooks" in caught.value.user_message
    assert httpserver.log == []


def test_connect_with_a_deleted_webhook_fails_with_a_clear_message(provider, httpserver):
    httpserver.expect_request(HOOK_PATH).respond_with_response(reply("unknown_webhook"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"webhook_url": WEBHOOK_URL})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_publish_text_waits_for_the_message_and_blocks_mentions(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_ordered_request(
        HOOK_PATH,
        method="POST",
        query_string="wait=true",
        json={"content": "Hello Discord @everyone", "allowed_mentions": {"parse": []}},
    ).respond_with_response(reply("message"))
    result = provider.publish(channel, PublishRequest(post_id="p1", text="Hello Discord @everyone"))
    httpserver.check_assertions()
    assert result.ref.id == "1175871512345678901"
    assert result.ref.url == (
        "https://discord.com/channels/199737254929760256/199737254929760256/1175871512345678901"
    )
    assert "thread_id" not in result.ref.extra
    assert_no_secret(captured_logs, TOKEN)


def test_display_name_and_avatar_come_from_channel_preferences(provider, httpserver, channel):
    channel.preferences = {"username": "Brand", "avatar_url": "https://cdn.example/a.png"}
    httpserver.expect_ordered_request(
        HOOK_PATH,
        method="POST",
        json={
            "content": "Hi",
            "allowed_mentions": {"parse": []},
            "username": "Brand",
            "avatar_url": "https://cdn.example/a.png",
        },
    ).respond_with_response(reply("message"))
    provider.publish(channel, PublishRequest(post_id="p1", text="Hi"))
    httpserver.check_assertions()


def test_media_is_sent_as_multipart_with_payload_json_and_descriptions(
    provider, httpserver, channel
):
    seen = {}
    video = b"abcdef" * 50_000  # 300 KB, sent from its stream in pieces of at most 64 KB

    def handler(request):
        seen["payload"] = json.loads(request.form["payload_json"])
        seen["files"] = {
            key: (f.filename, f.mimetype, f.read()) for key, f in request.files.items()
        }
        seen["query"] = request.args.to_dict()
        return reply("message")

    httpserver.expect_ordered_request(HOOK_PATH, method="POST").respond_with_handler(handler)
    files = [
        MediaItem("image/png", 4, lambda: b"\x89PNG", filename="a.png", alt_text="A cat"),
        # read() fails the test: the video must be streamed, never loaded whole.
        streamed_only(video, filename="b.mp4"),
    ]
    provider.publish(channel, PublishRequest(post_id="p1", text="Look", media=files))
    httpserver.check_assertions()
    assert seen["query"] == {"wait": "true"}
    assert seen["payload"] == {
        "content": "Look",
        "allowed_mentions": {"parse": []},
        "attachments": [
            {"id": 0, "filename": "a.png", "description": "A cat"},
            {"id": 1, "filename": "b.mp4"},
        ],
    }
    assert seen["files"] == {
        "files[0]": ("a.png", "image/png", b"\x89PNG"),
        "files[1]": ("b.mp4", "video/mp4", video),
    }


def test_a_reply_goes_into_the_parents_thread(provider, httpserver, channel):
    parent = RemoteRef(id="1175871500000000001", extra={"thread_id": "1175871500000000001"})
    httpserver.expect_ordered_request(
        HOOK_PATH,
        method="POST",
        query_string="wait=true&thread_id=1175871500000000001",
        json={"content": "Part two", "allowed_mentions": {"parse": []}},
    ).respond_with_response(reply("message_in_thread"))
    result = provider.publish(
        channel, PublishRequest(post_id="p1:1", text="Part two", reply_to=parent, root=parent)
    )
    httpserver.check_assertions()
    assert result.ref.extra["thread_id"] == "1175871500000000001"
    assert "/1175871500000000001/1175871599999999999" in result.ref.url


def test_a_reply_in_a_plain_channel_is_the_next_message(provider, httpserver, channel):
    parent = RemoteRef(id="1175871512345678901", extra={"channel_id": "199737254929760256"})
    httpserver.expect_ordered_request(
        HOOK_PATH, method="POST", query_string="wait=true"
    ).respond_with_response(reply("message"))
    provider.publish(channel, PublishRequest(post_id="p1:1", text="Two", reply_to=parent))
    httpserver.check_assertions()


def test_forum_webhooks_open_a_thread_named_after_the_first_line(provider, httpserver, channel):
    channel.preferences = {"forum": True}
    httpserver.expect_ordered_request(
        HOOK_PATH,
        method="POST",
        json={
            "content": "\nLaunch day!\nMore text",
            "allowed_mentions": {"parse": []},
            "thread_name": "Launch day!",
        },
    ).respond_with_response(reply("message_in_thread"))
    result = provider.publish(
        channel, PublishRequest(post_id="p1", text="\nLaunch day!\nMore text")
    )
    httpserver.check_assertions()
    # The next item of the thread will post into the new forum thread.
    assert result.ref.extra["thread_id"] == "1175871500000000001"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("unknown_webhook", ErrorKind.AUTH_REVOKED),
        ("rate_limited", ErrorKind.RATE_LIMITED),
        ("invalid_form_body", ErrorKind.CONTENT_REJECTED),
        ("unauthorized", ErrorKind.AUTH_REVOKED),
    ],
)
def test_publish_errors_are_classified(provider, httpserver, channel, name, kind):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", text="Hi"))
    assert caught.value.kind == kind


def test_a_commit_that_times_out_is_an_unknown_outcome(provider, httpserver, channel):
    slow = slow_handler(lambda _: reply("message"))
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_handler(slow)
    provider.timeout = (1, 0.5)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", text="Hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    drain(httpserver)
    assert len(httpserver.log) == 1  # never a second commit


def test_a_502_on_the_commit_is_an_unknown_outcome(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_response(reply("server_error"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", text="Hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1
    assert_no_secret(captured_logs, TOKEN)


def test_a_connection_closed_mid_response_is_an_unknown_outcome(provider, httpserver, channel):
    httpserver.expect_request(HOOK_PATH, method="POST").respond_with_handler(truncated)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", text="Hi"))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(httpserver.log) == 1


def test_webhook_provider_cannot_find_posts_after_an_unknown_outcome(provider, channel):
    assert provider.find_existing(channel, PublishRequest(post_id="p1", text="Hi")) is None


# -- the bot variant ----------------------------------------------------------------------
@pytest.fixture
def bot(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "DISCORD_CLIENT_ID": "157730590492196864",
        "DISCORD_CLIENT_SECRET": "client-secret-value",
        "DISCORD_BOT_TOKEN": BOT_TOKEN,
    }
    point(settings, httpserver, "discord-bot", api="/api", web="/web")
    return DiscordBotProvider()


def test_bot_is_configured_only_with_client_and_bot_token(settings):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "DISCORD_BOT_TOKEN": ""}
    assert not DiscordBotProvider.is_configured()
    assert "DISCORD_BOT_TOKEN" in DiscordBotProvider.missing_settings()


def test_bot_install_url_asks_for_the_bot_scope_and_send_permissions(bot):
    url = bot.authorization_url(state="s1", redirect_uri="https://app.example/cb")
    assert "/web/oauth2/authorize?" in url
    assert "client_id=157730590492196864" in url and "scope=bot" in url
    assert "permissions=274877959168" in url and "state=s1" in url


def test_bot_install_exchange_keeps_the_guild_and_lists_text_channels(
    bot, httpserver, captured_logs
):
    seen = {}

    def token(request):
        seen["form"] = request.form.to_dict()
        seen["auth"] = request.authorization
        return reply("oauth_token_bot")

    def channels(request):
        seen["bot_auth"] = request.headers.get("Authorization")
        return reply("guild_channels")

    httpserver.expect_ordered_request("/api/oauth2/token", method="POST").respond_with_handler(
        token
    )
    httpserver.expect_ordered_request(
        "/api/guilds/41771983423143937/channels", method="GET"
    ).respond_with_handler(channels)
    grant = bot.exchange_code(code="abc", redirect_uri="https://app.example/cb")
    accounts = bot.accounts(grant)
    httpserver.check_assertions()
    assert seen["form"] == {
        "grant_type": "authorization_code",
        "code": "abc",
        "redirect_uri": "https://app.example/cb",
    }
    assert seen["auth"].username == "157730590492196864"
    assert seen["bot_auth"] == f"Bot {BOT_TOKEN}"
    assert grant.meta == {"guild_id": "41771983423143937", "guild_name": "Postiz Test"}
    assert [(a.external_id, a.name, a.meta["channel_type"]) for a in accounts] == [
        ("41771983423143937", "#general", "text"),
        ("41771983423143940", "#announcements", "announcement"),
    ]
    assert_no_secret(captured_logs, BOT_TOKEN, "client-secret-value")


def test_bot_publish_sends_a_nonce_and_replies_by_reference(bot, httpserver):
    channel = Channel(
        external_id="41771983423143937",
        credentials={},
        meta={"channel_id": "41771983423143937", "guild_id": "41771983423143937"},
    )
    seen = {}

    def handler(request):
        seen["auth"] = request.headers.get("Authorization")
        seen["body"] = request.get_json()
        return reply("message")

    httpserver.expect_ordered_request(
        "/api/channels/41771983423143937/messages", method="POST"
    ).respond_with_handler(handler)
    request = PublishRequest(
        post_id="3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b:1",
        text="Reply",
        reply_to=RemoteRef(id="1175871512345678901"),
    )
    result = bot.publish(channel, request)
    httpserver.check_assertions()
    assert seen["auth"] == f"Bot {BOT_TOKEN}"
    nonce = seen["body"]["nonce"]
    assert len(nonce) <= 25 and nonce == DiscordBotProvider.nonce_for(request)
    assert seen["body"]["enforce_nonce"] is True
    assert seen["body"]["message_reference"]["message_id"] == "1175871512345678901"
    assert seen["body"]["allowed_mentions"] == {"parse": []}
    assert result.ref.id == "1175871512345678901"
    assert result.ref.url.endswith("/41771983423143937/41771983423143937/1175871512345678901")


def test_bot_nonce_differs_per_thread_item_and_is_stable():
    first = PublishRequest(post_id="3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b:0", text="a")
    second = PublishRequest(post_id="3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b:1", text="b")
    assert DiscordBotProvider.nonce_for(first) != DiscordBotProvider.nonce_for(second)
    assert DiscordBotProvider.nonce_for(first) == DiscordBotProvider.nonce_for(first)


def test_bot_missing_permission_is_permission_denied(bot, httpserver):
    channel = Channel(external_id="1", credentials={}, meta={"channel_id": "1", "guild_id": "2"})
    httpserver.expect_request("/api/channels/1/messages").respond_with_response(
        reply("missing_permissions")
    )
    with pytest.raises(ProviderError) as caught:
        bot.publish(channel, PublishRequest(post_id="p", text="x"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "Send Messages" in caught.value.user_message


def test_bot_install_without_a_guild_is_refused(bot, httpserver):
    body = {"token_type": "Bearer", "access_token": "x", "scope": "identify"}
    httpserver.expect_request("/api/oauth2/token").respond_with_json(body)
    with pytest.raises(ProviderError) as caught:
        bot.exchange_code(code="abc", redirect_uri="https://app.example/cb")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
