"""A person connects each network through the Channels pages, end to end.

The real providers run; only the network is faked, at the HTTP boundary (pytest-httpserver,
answering with the providers' own recorded fixtures) or, for Nostr, by the in-process test
relay. OAuth networks are driven the way a browser goes: POST "connect", follow the redirect
to the network's authorize page (a fake that sends the browser back with a code), then load
our callback with what the network put in the URL.
"""

import base64
import hashlib
import logging
from html import escape
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from coincurve import PrivateKey
from django.conf import settings as django_settings
from django.db import connection
from werkzeug import Response

from integrations.models import Integration
from integrations.providers.nostr import npub, sign_event
from organizations.models import AuditEvent
from tests.providers.nostr.relay import Relay
from tests.providers.wordpress.support import reply as wp_reply

from .conftest import point, recorded, reply

pytestmark = pytest.mark.django_db

CHANNELS = "/o/acme/channels/"


def connect_url(provider_id: str) -> str:
    return f"{CHANNELS}connect/{provider_id}/"


def configure(settings, **values: str) -> None:
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, **values}


# -- What every successful connection must show -----------------------------------------
def raw_row(channel: Integration) -> str:
    """The channel's row as the database holds it (no decryption)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_integration WHERE id = %s", [channel.pk])
        return " ".join(str(value) for value in cursor.fetchone())


@pytest.fixture(autouse=True)
def logs(caplog):
    """Every log line of the test, down to urllib3's DEBUG request lines."""
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_connected(client, org, *, provider, external_id, name, secrets, logs) -> Integration:
    """The channel exists with the account's id and name, its secrets are encrypted at rest,
    never rendered and never logged, and the connection is in the audit log."""
    channel = Integration.objects.get(organization=org, provider=provider)
    assert (channel.external_id, channel.name) == (external_id, name)
    raw = raw_row(channel)
    for secret in secrets:
        assert secret not in raw, f"{secret!r} is stored in clear"
    page = client.get(f"{CHANNELS}{channel.pk}/")
    listing = client.get(CHANNELS)
    assert page.status_code == 200 and listing.status_code == 200
    assert escape(name).encode() in page.content
    for secret in secrets:
        assert secret.encode() not in page.content, f"{secret!r} shown on the channel page"
        assert secret.encode() not in listing.content, f"{secret!r} shown on the channels list"
    # The fake network's own access log (werkzeug) is the network's, not ours.
    logged = "\n".join(r.getMessage() for r in logs.records if r.name != "werkzeug")
    for secret in secrets:
        assert secret not in logged, f"{secret!r} in a log line"
    assert AuditEvent.objects.filter(
        organization=org, action="channel.connected", target_id=str(channel.pk)
    ).exists()
    return channel


def assert_refused(response, message: str, *, never_shown: str) -> None:
    """A bad credential: the form comes back (400) with the network's message, and
    nothing is saved or echoed."""
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert never_shown.encode() not in response.content
    assert not Integration.objects.exists()


# -- A browser going through an OAuth login ---------------------------------------------
def sign_in_on_the_network(
    client, httpserver, provider_id, authorize_path, code="the-code", extra=None
):
    """POST connect, follow to the (fake) authorize page, which sends the browser back to
    our callback with a code (and ``extra`` parameters, as VK ID adds its device_id);
    returns (callback response, the authorize page's query)."""
    seen: dict = {}

    def authorize(request):
        seen.update(request.args.to_dict())
        back = {"code": code, "state": request.args["state"], **(extra or {})}
        return Response(
            status=302, headers={"Location": f"{request.args['redirect_uri']}?{urlencode(back)}"}
        )

    httpserver.expect_request(authorize_path, method="GET").respond_with_handler(authorize)
    start = client.post(connect_url(provider_id))
    assert start.status_code == 302, start.content[:500]
    assert urlsplit(start["Location"]).path == authorize_path

    browser = requests.Session()
    browser.trust_env = False
    at_network = browser.get(start["Location"], allow_redirects=False, timeout=5)
    assert at_network.status_code == 302
    callback = django_settings.SITE_URL + f"/integrations/{provider_id}/callback/"
    assert at_network.headers["Location"].startswith(callback + "?")
    back = urlsplit(at_network.headers["Location"])
    return client.get(back.path, dict(parse_qsl(back.query))), seen


def form_of(request) -> dict:
    return request.form.to_dict()


# -- Telegram: bot token + chat ---------------------------------------------------------
TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"


@pytest.fixture
def telegram(settings, httpserver):
    point(settings, httpserver, "telegram", api="/tg")
    return httpserver


def expect_telegram_bot(httpserver, calls: list):
    base = f"/tg/bot{TELEGRAM_TOKEN}"

    def answer(name):
        def handler(request):
            calls.append((request.path.rsplit("/", 1)[-1], request.get_json(silent=True)))
            return reply("telegram", name)

        return handler

    httpserver.expect_request(f"{base}/getMe", method="POST").respond_with_handler(answer("get_me"))
    httpserver.expect_request(f"{base}/getChat", method="POST").respond_with_handler(
        answer("get_chat_channel")
    )
    httpserver.expect_request(f"{base}/getChatMember", method="POST").respond_with_handler(
        answer("member_admin")
    )


def test_telegram_connects_with_a_bot_token_and_a_channel_name(
    telegram, org, owner, client_for, logs
):
    calls = []
    expect_telegram_bot(telegram, calls)
    client = client_for(owner)
    form_page = client.get(connect_url("telegram"))
    assert form_page.status_code == 200 and b'type="password"' in form_page.content

    response = client.post(
        connect_url("telegram"), {"bot_token": TELEGRAM_TOKEN, "chat": "t.me/postiznews"}
    )

    assert response.status_code == 302, response.content[:800]
    assert [name for name, _ in calls] == ["getMe", "getChat", "getChatMember"]
    assert calls[1][1] == {"chat_id": "@postiznews"}
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="telegram",
        external_id="-1001234567890",
        name="Postiz News",
        secrets=[TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":")[1]],
    )
    assert response["Location"] == f"{CHANNELS}{channel.pk}/"
    assert channel.credentials == {"bot_token": TELEGRAM_TOKEN}
    assert channel.meta["chat_id"] == "-1001234567890"
    telegram.check_assertions()


def test_a_revoked_telegram_bot_token_is_explained_and_nothing_is_saved(
    telegram, org, owner, client_for
):
    telegram.expect_request(f"/tg/bot{TELEGRAM_TOKEN}/getMe").respond_with_response(
        reply("telegram", "unauthorized")
    )
    response = client_for(owner).post(
        connect_url("telegram"), {"bot_token": TELEGRAM_TOKEN, "chat": "@postiznews"}
    )
    assert_refused(
        response,
        "Telegram does not accept the bot token (revoked in @BotFather?); "
        "connect again with a current token.",
        never_shown=TELEGRAM_TOKEN,
    )


# -- Discord: a channel webhook, or the bot installed through OAuth ---------------------
HOOK_ID = "223704706495545344"
HOOK_TOKEN = (
    "3d89bb7572e0fb30d8128367b3b1b44fecd1726de135cbe28a41f8b2f777c372ba2939e72279b94526ff5d1bd4"
)
WEBHOOK_URL = f"https://discord.com/api/webhooks/{HOOK_ID}/{HOOK_TOKEN}"
DISCORD_BOT_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
GUILD_ID = "41771983423143937"


@pytest.fixture
def discord(settings, httpserver):
    point(settings, httpserver, "discord", api="/api")
    return httpserver


def test_discord_connects_with_a_webhook_url(discord, org, owner, client_for, logs):
    discord.expect_request(
        f"/api/webhooks/{HOOK_ID}/{HOOK_TOKEN}", method="GET"
    ).respond_with_response(reply("discord", "webhook"))
    client = client_for(owner)
    assert b'type="password"' in client.get(connect_url("discord")).content

    response = client.post(connect_url("discord"), {"webhook_url": f" {WEBHOOK_URL}/ "})

    assert response.status_code == 302, response.content[:800]
    hook_token_in_answer = recorded("discord", "webhook")["body"]["token"]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="discord",
        external_id=HOOK_ID,
        name="Postiz",
        secrets=[HOOK_TOKEN, hook_token_in_answer],
    )
    assert channel.credentials == {"webhook_url": WEBHOOK_URL}
    assert channel.meta["guild_id"] == "199737254929760256"
    discord.check_assertions()


def test_a_deleted_discord_webhook_is_explained_and_nothing_is_saved(
    discord, org, owner, client_for
):
    discord.expect_request(f"/api/webhooks/{HOOK_ID}/{HOOK_TOKEN}").respond_with_response(
        reply("discord", "unknown_webhook")
    )
    response = client_for(owner).post(connect_url("discord"), {"webhook_url": WEBHOOK_URL})
    assert_refused(
        response,
        "The Discord webhook was deleted; create a new webhook and connect with it.",
        never_shown=HOOK_TOKEN,
    )


@pytest.fixture
def discord_bot(settings, httpserver):
    configure(
        settings,
        DISCORD_CLIENT_ID="157730590492196864",
        DISCORD_CLIENT_SECRET="discord-client-secret",
        DISCORD_BOT_TOKEN=DISCORD_BOT_TOKEN,
    )
    point(settings, httpserver, "discord-bot", api="/api", web="/web")
    return httpserver


def test_the_discord_bot_is_installed_and_one_channel_is_picked(
    discord_bot, org, owner, client_for, logs
):
    seen = {}

    def token(request):
        seen["token"] = (form_of(request), request.authorization)
        return reply("discord", "oauth_token_bot")

    def channels(request):
        seen["bot"] = request.headers.get("Authorization")
        return reply("discord", "guild_channels")

    discord_bot.expect_request("/api/oauth2/token", method="POST").respond_with_handler(token)
    discord_bot.expect_request(f"/api/guilds/{GUILD_ID}/channels").respond_with_handler(channels)
    client = client_for(owner)

    response, asked = sign_in_on_the_network(
        client, discord_bot, "discord-bot", "/web/oauth2/authorize"
    )

    assert asked["client_id"] == "157730590492196864" and asked["scope"] == "bot"
    form, basic = seen["token"]
    assert form["code"] == "the-code" and form["grant_type"] == "authorization_code"
    assert (basic.username, basic.password) == ("157730590492196864", "discord-client-secret")
    assert seen["bot"] == f"Bot {DISCORD_BOT_TOKEN}"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    assert b"#general" in choice.content and b"#announcements" in choice.content
    assert b"Voice" not in choice.content
    assert not Integration.objects.exists()

    done = client.post(response["Location"], {"accounts": [GUILD_ID]})

    assert done.status_code == 302
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="discord-bot",
        external_id=GUILD_ID,
        name="#general",
        secrets=[DISCORD_BOT_TOKEN, "discord-client-secret", "GNaVzEtATqdh173tNHEXY9ZYAuhiYxvy"],
    )
    assert channel.credentials == {}  # the bot token stays in the instance's configuration
    assert channel.meta["guild_name"] == "Postiz Test"
    assert Integration.objects.count() == 1


# -- Lemmy: instance + username + password ----------------------------------------------
LEMMY_PASSWORD = "correct horse battery staple"
LEMMY_JWT = recorded("lemmy", "login")["body"]["jwt"]


def lemmy_form(httpserver, **overrides) -> dict:
    return {
        "instance": httpserver.url_for("/").rstrip("/"),
        "username_or_email": "alice",
        "password": LEMMY_PASSWORD,
        "totp": "",
        **overrides,
    }


def test_lemmy_connects_with_an_instance_a_username_and_a_password(
    httpserver, org, owner, client_for, logs
):
    logins = []

    def login(request):
        logins.append(request.get_json())
        return reply("lemmy", "login")

    httpserver.expect_request("/api/v3/user/login", method="POST").respond_with_handler(login)
    httpserver.expect_request(
        "/api/v3/site", headers={"Authorization": f"Bearer {LEMMY_JWT}"}
    ).respond_with_response(reply("lemmy", "site"))
    client = client_for(owner)
    assert b'type="password"' in client.get(connect_url("lemmy")).content

    response = client.post(connect_url("lemmy"), lemmy_form(httpserver))

    assert response.status_code == 302, response.content[:800]
    assert logins == [{"username_or_email": "alice", "password": LEMMY_PASSWORD}]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="lemmy",
        external_id="https://lemmy.example/u/alice",
        name="Alice A.",
        secrets=[LEMMY_PASSWORD, LEMMY_JWT],
    )
    assert channel.credentials["password"] == LEMMY_PASSWORD
    assert channel.credentials["jwt"] == LEMMY_JWT
    assert channel.meta["instance"] == httpserver.url_for("/").rstrip("/")
    httpserver.check_assertions()


def test_a_wrong_lemmy_password_is_explained_and_nothing_is_saved(
    httpserver, org, owner, client_for
):
    httpserver.expect_request("/api/v3/user/login", method="POST").respond_with_response(
        reply("lemmy", "incorrect_login")
    )
    response = client_for(owner).post(connect_url("lemmy"), lemmy_form(httpserver))
    assert_refused(
        response,
        "Lemmy did not accept the username or password; check them and connect again.",
        never_shown=LEMMY_PASSWORD,
    )


# -- Nostr: private key + relays --------------------------------------------------------
# NIP-19's example private key, and its own public key.
NSEC = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"
NSEC_HEX = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
NOSTR_PUBKEY = PrivateKey(bytes.fromhex(NSEC_HEX)).public_key_xonly.format().hex()


@pytest.fixture
def relay():
    """The in-process test relay of the provider's own tests."""
    started = Relay()
    yield started
    started.stop()


def test_nostr_connects_with_a_private_key_and_relays(relay, org, owner, client_for, logs):
    profile = sign_event(
        bytes.fromhex(NSEC_HEX),
        kind=0,
        content='{"name":"alice","display_name":"Alice on Nostr"}',
        tags=[],
        created_at=1800000000,
    )
    relay.events = {profile["id"]: profile}
    client = client_for(owner)
    form_page = client.get(connect_url("nostr"))
    assert b'type="password"' in form_page.content and b"wss://relay.damus.io" in form_page.content

    response = client.post(connect_url("nostr"), {"private_key": NSEC, "relays": f"{relay.url}\n"})

    assert response.status_code == 302, response.content[:800]
    assert any(r[2].get("authors") == [NOSTR_PUBKEY] for r in relay.requests)
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="nostr",
        external_id=NOSTR_PUBKEY,
        name="Alice on Nostr",
        secrets=[NSEC, NSEC_HEX],
    )
    assert channel.credentials == {"private_key": NSEC_HEX}
    assert channel.username == npub(NOSTR_PUBKEY)
    assert channel.meta["relays"] == [relay.url]


def test_a_public_key_pasted_as_the_nostr_private_key_is_explained(relay, org, owner, client_for):
    npub_key = npub(NOSTR_PUBKEY)
    response = client_for(owner).post(
        connect_url("nostr"), {"private_key": npub_key, "relays": relay.url}
    )
    assert_refused(
        response,
        "That is not a Nostr private key: paste your nsec1… key or its 64-character hex form.",
        never_shown=npub_key,
    )
    assert relay.requests == [] and relay.received == []


# -- Slack: OAuth v2, then pick the channel ---------------------------------------------
SLACK_TOKEN = recorded("slack", "oauth_access")["body"]["access_token"]


@pytest.fixture
def slack(settings, httpserver):
    configure(settings, SLACK_CLIENT_ID="slack-client-id", SLACK_CLIENT_SECRET="slack-secret")
    point(settings, httpserver, "slack", auth="/slack-oauth", api="/slack-api")
    return httpserver


def test_slack_installs_then_asks_which_channel_and_connects_the_ticked_one(
    slack, org, owner, client_for, logs
):
    exchanges = []

    def access(request):
        exchanges.append(form_of(request))
        return reply("slack", "oauth_access")

    def channels(request):
        assert request.headers["Authorization"] == f"Bearer {SLACK_TOKEN}"
        page = (
            "conversations_list_page2" if request.args.get("cursor") else "conversations_list_page1"
        )
        return reply("slack", page)

    slack.expect_request("/slack-api/oauth.v2.access", method="POST").respond_with_handler(access)
    slack.expect_request("/slack-api/conversations.list").respond_with_handler(channels)
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, slack, "slack", "/slack-oauth/authorize")

    assert asked["client_id"] == "slack-client-id" and "chat:write" in asked["scope"]
    assert exchanges[0]["code"] == "the-code"
    assert exchanges[0]["client_secret"] == "slack-secret"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    assert b"#general" in choice.content and b"#random" in choice.content
    assert SLACK_TOKEN.encode() not in choice.content

    done = client.post(response["Location"], {"accounts": ["T9TK3CUKW:C061EG9T2"]})

    assert done.status_code == 302 and done["Location"] == CHANNELS
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="slack",
        external_id="T9TK3CUKW:C061EG9T2",
        name="#random",
        secrets=[SLACK_TOKEN, "slack-secret"],
    )
    assert channel.credentials["access_token"] == SLACK_TOKEN
    assert channel.meta["channel_id"] == "C061EG9T2"
    assert channel.meta["team_name"] == "Slack Softball Team"
    assert Integration.objects.count() == 1  # #general was not ticked


# -- Threads: OAuth, then the long-lived token ------------------------------------------
THREADS_SHORT = recorded("threads", "token_short")["body"]["access_token"]
THREADS_LONG = recorded("threads", "token_long")["body"]["access_token"]


@pytest.fixture
def threads(settings, httpserver):
    configure(settings, THREADS_APP_ID="threads-app-id", THREADS_APP_SECRET="threads-secret")
    point(settings, httpserver, "threads", auth="/threads-authorize", api="/graph")
    return httpserver


def test_threads_swaps_the_code_for_a_long_lived_token_and_connects(
    threads, org, owner, client_for, logs
):
    seen = {}

    def short(request):
        seen["code"] = form_of(request)
        return reply("threads", "token_short")

    def long_lived(request):
        seen["exchange"] = request.args.to_dict()
        return reply("threads", "token_long")

    def me(request):
        seen["me"] = request.headers.get("Authorization")
        return reply("threads", "me")

    threads.expect_request("/graph/oauth/access_token", method="POST").respond_with_handler(short)
    threads.expect_request("/graph/access_token", method="GET").respond_with_handler(long_lived)
    threads.expect_request("/graph/v1.0/me").respond_with_handler(me)
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, threads, "threads", "/threads-authorize")

    assert response.status_code == 302, response.content[:800]
    assert asked["client_id"] == "threads-app-id" and "threads_content_publish" in asked["scope"]
    assert seen["code"]["code"] == "the-code"
    assert seen["code"]["client_secret"] == "threads-secret"
    assert seen["exchange"]["grant_type"] == "th_exchange_token"
    assert seen["exchange"]["access_token"] == THREADS_SHORT
    assert seen["me"] == f"Bearer {THREADS_LONG}"
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="threads",
        external_id="1234567890",
        name="Threads API Test User",
        secrets=[THREADS_LONG, THREADS_SHORT, "threads-secret"],
    )
    assert channel.credentials == {"access_token": THREADS_LONG}
    assert channel.token_expires_at is not None
    assert channel.username == "threadsapitestuser"


# -- TikTok: Login Kit (client_key), then the profile and the creator's posting options ----
TIKTOK_TOKEN = recorded("tiktok", "token")["body"]


@pytest.fixture
def tiktok(settings, httpserver):
    configure(settings, TIKTOK_CLIENT_KEY="tiktok-client-key", TIKTOK_CLIENT_SECRET="tiktok-secret")
    point(settings, httpserver, "tiktok", auth="/tiktok-authorize", api="/tiktok-api")
    return httpserver


def test_tiktok_connects_and_keeps_the_creators_posting_options(
    tiktok, org, owner, client_for, logs
):
    seen = {}

    def token(request):
        seen["form"] = form_of(request)
        return reply("tiktok", "token")

    def user(request):
        seen["user"] = request.headers.get("Authorization")
        return reply("tiktok", "user_info")

    tiktok.expect_request("/tiktok-api/v2/oauth/token/", method="POST").respond_with_handler(token)
    tiktok.expect_request("/tiktok-api/v2/user/info/").respond_with_handler(user)
    tiktok.expect_request(
        "/tiktok-api/v2/post/publish/creator_info/query/", method="POST"
    ).respond_with_response(reply("tiktok", "creator_info"))
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, tiktok, "tiktok", "/tiktok-authorize/")

    assert response.status_code == 302, response.content[:800]
    assert asked["client_key"] == "tiktok-client-key" and "client_id" not in asked
    assert asked["scope"].split(",") == [
        "user.info.basic",
        "video.publish",
        "video.upload",
        "video.list",
        "user.info.stats",
    ]
    assert seen["form"]["client_secret"] == "tiktok-secret"
    assert seen["form"]["grant_type"] == "authorization_code"
    assert seen["user"] == f"Bearer {TIKTOK_TOKEN['access_token']}"
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="tiktok",
        external_id=TIKTOK_TOKEN["open_id"],
        name="Acme Studio",
        secrets=[TIKTOK_TOKEN["access_token"], TIKTOK_TOKEN["refresh_token"], "tiktok-secret"],
    )
    assert channel.credentials == {
        "access_token": TIKTOK_TOKEN["access_token"],
        "refresh_token": TIKTOK_TOKEN["refresh_token"],
    }
    assert channel.username == "acme.studio"
    assert channel.token_expires_at and channel.refresh_expires_at
    # Cached for the validator: what the creator may post.
    info = channel.meta["creator_info"]
    assert info["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert info["max_video_post_duration_sec"] == 300


def test_a_tiktok_sign_in_that_did_not_allow_posting_is_refused(tiktok, org, owner, client_for):
    tiktok.expect_request("/tiktok-api/v2/oauth/token/", method="POST").respond_with_response(
        reply("tiktok", "token_basic_only")
    )
    response, _ = sign_in_on_the_network(client_for(owner), tiktok, "tiktok", "/tiktok-authorize/")
    assert response.status_code == 400
    assert "allow posting videos" in response.content.decode()
    assert not Integration.objects.exists()


# -- TikTok Business: the API for Business app, JSON token call, the account by business_id -
TTB_TOKEN = recorded("tiktok_business", "token")["body"]["data"]


@pytest.fixture
def tiktok_business(settings, httpserver):
    configure(
        settings, TIKTOK_BUSINESS_APP_ID="ttb-app-id", TIKTOK_BUSINESS_APP_SECRET="ttb-secret"
    )
    point(settings, httpserver, "tiktok-business", auth="/ttb-authorize", api="/ttb-api")
    return httpserver


def test_a_tiktok_business_account_connects_with_its_posting_options(
    tiktok_business, org, owner, client_for, logs
):
    seen = {}

    def token(request):
        seen["token"] = request.get_json()
        return reply("tiktok_business", "token")

    def profile(request):
        seen["profile"] = (request.headers.get("Access-Token"), request.args.to_dict())
        return reply("tiktok_business", "business_get")

    tiktok_business.expect_request(
        "/ttb-api/tt_user/oauth2/token/", method="POST"
    ).respond_with_handler(token)
    tiktok_business.expect_request("/ttb-api/business/get/").respond_with_handler(profile)
    tiktok_business.expect_request("/ttb-api/business/video/settings/").respond_with_response(
        reply("tiktok_business", "video_settings")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(
        client, tiktok_business, "tiktok-business", "/ttb-authorize/"
    )

    assert response.status_code == 302, response.content[:800]
    assert asked["client_key"] == "ttb-app-id"
    assert "video.publish" in asked["scope"].split(",")
    assert seen["token"]["auth_code"] == "the-code"
    assert seen["token"]["client_secret"] == "ttb-secret"
    assert seen["profile"] == (
        TTB_TOKEN["access_token"],
        {
            "business_id": TTB_TOKEN["open_id"],
            "fields": '["username","display_name","profile_image"]',
        },
    )
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="tiktok-business",
        external_id=TTB_TOKEN["open_id"],
        name="Acme Shop",
        secrets=[TTB_TOKEN["access_token"], TTB_TOKEN["refresh_token"], "ttb-secret"],
    )
    assert channel.credentials == {
        "access_token": TTB_TOKEN["access_token"],
        "refresh_token": TTB_TOKEN["refresh_token"],
    }
    assert channel.username == "acme.shop"
    assert channel.token_expires_at and channel.refresh_expires_at
    assert channel.meta["creator_info"]["max_video_post_duration_sec"] == 600


def test_a_tiktok_business_sign_in_that_did_not_allow_posting_is_refused(
    tiktok_business, org, owner, client_for
):
    tiktok_business.expect_request(
        "/ttb-api/tt_user/oauth2/token/", method="POST"
    ).respond_with_response(reply("tiktok_business", "token_basic_only"))
    response, _ = sign_in_on_the_network(
        client_for(owner), tiktok_business, "tiktok-business", "/ttb-authorize/"
    )
    assert response.status_code == 400
    assert "allow posting videos" in response.content.decode()
    assert not Integration.objects.exists()


# -- Reddit: OAuth with HTTP Basic client authentication --------------------------------
REDDIT_TOKEN = recorded("reddit", "token")["body"]


@pytest.fixture
def reddit(settings, httpserver):
    configure(settings, REDDIT_CLIENT_ID="reddit-client-id", REDDIT_CLIENT_SECRET="reddit-secret")
    point(
        settings,
        httpserver,
        "reddit",
        auth="/reddit-authorize",
        token="/reddit-token",
        api="/oauth",
    )
    return httpserver


def test_reddit_connects_with_http_basic_client_authentication(
    reddit, org, owner, client_for, logs
):
    seen = {}

    def token(request):
        seen["form"], seen["basic"] = form_of(request), request.authorization
        return reply("reddit", "token")

    reddit.expect_request("/reddit-token", method="POST").respond_with_handler(token)
    reddit.expect_request(
        "/oauth/api/v1/me", headers={"Authorization": f"Bearer {REDDIT_TOKEN['access_token']}"}
    ).respond_with_response(reply("reddit", "me"))
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, reddit, "reddit", "/reddit-authorize")

    assert response.status_code == 302, response.content[:800]
    assert asked["duration"] == "permanent" and "submit" in asked["scope"].split()
    assert (seen["basic"].username, seen["basic"].password) == ("reddit-client-id", "reddit-secret")
    assert seen["form"]["grant_type"] == "authorization_code"
    assert seen["form"]["code"] == "the-code"
    assert "client_secret" not in seen["form"]  # Basic only, never in the body
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="reddit",
        external_id="1w72",
        name="postiz_tester",
        secrets=[REDDIT_TOKEN["access_token"], REDDIT_TOKEN["refresh_token"], "reddit-secret"],
    )
    assert channel.credentials == {
        "access_token": REDDIT_TOKEN["access_token"],
        "refresh_token": REDDIT_TOKEN["refresh_token"],
    }
    assert "&amp;" not in channel.avatar_url


def test_a_refused_reddit_code_is_explained_and_nothing_is_saved(reddit, org, owner, client_for):
    reddit.expect_request("/reddit-token", method="POST").respond_with_response(
        reply("reddit", "invalid_grant")
    )
    response, _ = sign_in_on_the_network(client_for(owner), reddit, "reddit", "/reddit-authorize")
    assert response.status_code == 400
    assert escape("Reddit did not accept this sign-in; connect again.") in response.content.decode()
    assert b"/o/acme/channels/connect/reddit/" in response.content  # a way to start again
    assert not Integration.objects.exists()


# -- LinkedIn (a member profile) --------------------------------------------------------
LINKEDIN_TOKEN = recorded("linkedin", "token")["body"]["access_token"]


@pytest.fixture
def linkedin(settings, httpserver):
    configure(settings, LINKEDIN_CLIENT_ID="li-client-id", LINKEDIN_CLIENT_SECRET="li-secret")
    point(settings, httpserver, "linkedin", auth="/li-authorize", token="/li-token", api="/li-api")
    return httpserver


def test_linkedin_connects_a_member_profile(linkedin, org, owner, client_for, logs):
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("linkedin", "token")

    linkedin.expect_request("/li-token", method="POST").respond_with_handler(token)
    linkedin.expect_request(
        "/li-api/v2/userinfo", headers={"Authorization": f"Bearer {LINKEDIN_TOKEN}"}
    ).respond_with_response(reply("linkedin", "userinfo"))
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, linkedin, "linkedin", "/li-authorize")

    assert response.status_code == 302, response.content[:800]
    assert asked["client_id"] == "li-client-id" and "w_member_social" in asked["scope"].split()
    assert exchanges[0]["code"] == "the-code" and exchanges[0]["client_secret"] == "li-secret"
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="linkedin",
        external_id="782bbtaQ",
        name="John Doe",
        secrets=[LINKEDIN_TOKEN, "li-secret"],
    )
    assert response["Location"] == f"{CHANNELS}{channel.pk}/"
    assert channel.credentials == {"access_token": LINKEDIN_TOKEN}
    assert channel.meta["urn"] == "urn:li:person:782bbtaQ"
    assert "w_member_social" in channel.scopes


# -- Pinterest: OAuth with Basic client authentication; the boards come along ------------
PINTEREST_TOKEN = recorded("pinterest", "token")["body"]


@pytest.fixture
def pinterest(settings, httpserver):
    configure(settings, PINTEREST_CLIENT_ID="1484362", PINTEREST_CLIENT_SECRET="pin-secret")
    point(settings, httpserver, "pinterest", auth="/pin-www", api="/pin-api")
    return httpserver


def test_pinterest_connects_the_account_with_its_boards(pinterest, org, owner, client_for, logs):
    seen = {}

    def token(request):
        seen["form"], seen["basic"] = form_of(request), request.authorization
        return reply("pinterest", "token")

    def boards(request):
        page = "boards_page2" if request.args.get("bookmark") else "boards_page1"
        return reply("pinterest", page)

    bearer = {"Authorization": f"Bearer {PINTEREST_TOKEN['access_token']}"}
    pinterest.expect_request("/pin-api/v5/oauth/token", method="POST").respond_with_handler(token)
    pinterest.expect_request("/pin-api/v5/user_account", headers=bearer).respond_with_response(
        reply("pinterest", "user_account")
    )
    pinterest.expect_request("/pin-api/v5/boards", headers=bearer).respond_with_handler(boards)
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, pinterest, "pinterest", "/pin-www/oauth/")

    assert response.status_code == 302, response.content[:800]
    assert asked["scope"] == "boards:read,boards:write,pins:read,pins:write,user_accounts:read"
    assert (seen["basic"].username, seen["basic"].password) == ("1484362", "pin-secret")
    assert seen["form"]["continuous_refresh"] == "true"
    assert "client_secret" not in seen["form"]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="pinterest",
        external_id="754056550823100002",
        name="Acme Home",
        secrets=[PINTEREST_TOKEN["access_token"], PINTEREST_TOKEN["refresh_token"], "pin-secret"],
    )
    assert channel.credentials == {
        "access_token": PINTEREST_TOKEN["access_token"],
        "refresh_token": PINTEREST_TOKEN["refresh_token"],
    }
    assert [b["name"] for b in channel.meta["boards"]] == [
        "Summer Recipes",
        "Workshop",
        "Launches",
    ]
    assert channel.refresh_expires_at is not None


# -- Google Business Profile: Google's OAuth, then the locations to post to --------------
GMB_TOKEN = recorded("gmb", "token")["body"]
GMB_ACCOUNT = "accounts/106029376340395932001"


@pytest.fixture
def gmb(settings, httpserver):
    configure(
        settings, GMB_CLIENT_ID="123-gmb.apps.googleusercontent.com", GMB_CLIENT_SECRET="GOCSPX-x"
    )
    point(
        settings,
        httpserver,
        "gmb",
        auth="/google-auth",
        token="/google-token",
        accounts="/gbp-accounts",
        info="/gbp-info",
        api="/gbp-api",
    )
    return httpserver


def test_google_business_profile_asks_which_locations_and_connects_the_ticked_one(
    gmb, org, owner, client_for, logs
):
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("gmb", "token")

    def locations(request):
        page = "locations_page2" if request.args.get("pageToken") else "locations_page1"
        return reply("gmb", page)

    bearer = {"Authorization": f"Bearer {GMB_TOKEN['access_token']}"}
    gmb.expect_request("/google-token", method="POST").respond_with_handler(token)
    gmb.expect_request("/gbp-accounts/v1/accounts", headers=bearer).respond_with_response(
        reply("gmb", "accounts")
    )
    gmb.expect_request(
        f"/gbp-info/v1/{GMB_ACCOUNT}/locations", headers=bearer
    ).respond_with_handler(locations)
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, gmb, "gmb", "/google-auth")

    assert asked["access_type"] == "offline" and asked["prompt"] == "consent"
    assert asked["scope"] == "https://www.googleapis.com/auth/business.manage"
    assert exchanges[0]["client_secret"] == "GOCSPX-x"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    assert b"Acme Bakery Mitte" in choice.content and b"Acme Bakery Kreuzberg" in choice.content
    assert GMB_TOKEN["access_token"].encode() not in choice.content

    done = client.post(response["Location"], {"accounts": ["4352806333531136503"]})

    assert done.status_code == 302 and done["Location"] == CHANNELS
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="gmb",
        external_id="4352806333531136503",
        name="Acme Bakery Kreuzberg",
        secrets=[GMB_TOKEN["access_token"], GMB_TOKEN["refresh_token"], "GOCSPX-x"],
    )
    assert channel.meta["account"] == GMB_ACCOUNT
    assert channel.meta["location"] == "locations/4352806333531136503"
    assert channel.credentials["refresh_token"] == GMB_TOKEN["refresh_token"]
    assert Integration.objects.count() == 1  # Mitte was not ticked


def test_a_project_google_has_not_approved_is_explained_and_nothing_is_saved(
    gmb, org, owner, client_for
):
    gmb.expect_request("/google-token", method="POST").respond_with_response(reply("gmb", "token"))
    gmb.expect_request("/gbp-accounts/v1/accounts").respond_with_response(
        reply("gmb", "quota_zero")
    )
    response, _ = sign_in_on_the_network(client_for(owner), gmb, "gmb", "/google-auth")
    assert response.status_code == 400
    assert "developers.google.com/my-business/content/prereqs" in response.content.decode()
    assert not Integration.objects.exists()


# -- YouTube: Google OAuth, then pick the channel ----------------------------------------
YOUTUBE_TOKEN = recorded("youtube", "token")["body"]["access_token"]
YOUTUBE_REFRESH = recorded("youtube", "token")["body"]["refresh_token"]


@pytest.fixture
def youtube(settings, httpserver):
    configure(settings, YOUTUBE_CLIENT_ID="yt-client-id", YOUTUBE_CLIENT_SECRET="yt-secret")
    point(
        settings,
        httpserver,
        "youtube",
        auth="/google-auth",
        token="/google-token",
        api="/gapi",
        upload="/gapi",
    )
    return httpserver


def test_youtube_signs_in_with_google_then_connects_the_ticked_channel(
    youtube, org, owner, client_for, logs
):
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("youtube", "token")

    youtube.expect_request("/google-token", method="POST").respond_with_handler(token)
    youtube.expect_request(
        "/gapi/youtube/v3/channels",
        query_string={"part": "snippet,contentDetails", "mine": "true", "maxResults": "50"},
        headers={"Authorization": f"Bearer {YOUTUBE_TOKEN}"},
    ).respond_with_response(reply("youtube", "channels_two"))
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, youtube, "youtube", "/google-auth")

    assert asked["client_id"] == "yt-client-id"
    assert (asked["access_type"], asked["prompt"]) == ("offline", "consent")
    assert "https://www.googleapis.com/auth/youtube.upload" in asked["scope"].split()
    assert exchanges[0]["code"] == "the-code" and exchanges[0]["client_secret"] == "yt-secret"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    assert b"Acme Studio" in choice.content and b"Acme Labs" in choice.content
    assert YOUTUBE_TOKEN.encode() not in choice.content

    done = client.post(response["Location"], {"accounts": ["UCbr4ndAcmeLabs00000000"]})

    assert done.status_code == 302 and done["Location"] == CHANNELS
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="youtube",
        external_id="UCbr4ndAcmeLabs00000000",
        name="Acme Labs",
        secrets=[YOUTUBE_TOKEN, YOUTUBE_REFRESH, "yt-secret"],
    )
    assert channel.credentials == {"access_token": YOUTUBE_TOKEN, "refresh_token": YOUTUBE_REFRESH}
    assert channel.meta["uploads_playlist"] == "UUbr4ndAcmeLabs00000000"
    assert channel.username == "acmelabs" and channel.token_expires_at is not None
    assert Integration.objects.count() == 1  # Acme Studio was not ticked


def test_a_google_account_without_a_youtube_channel_is_told_to_make_one(
    youtube, org, owner, client_for
):
    youtube.expect_request("/google-token", method="POST").respond_with_response(
        reply("youtube", "token")
    )
    youtube.expect_request("/gapi/youtube/v3/channels").respond_with_response(
        reply("youtube", "channels_none")
    )
    client = client_for(owner)
    response, _ = sign_in_on_the_network(client, youtube, "youtube", "/google-auth")
    page = client.get(response["Location"]) if response.status_code == 302 else response
    assert "create one on youtube.com" in page.content.decode()
    assert not Integration.objects.exists()


# -- Facebook Pages: Facebook Login, the 60-day user token, then pick the Pages ---------
FB_SHORT = recorded("facebook", "token_short")["body"]["access_token"]
FB_LONG = recorded("facebook", "token_long")["body"]["access_token"]
FB_PAGE_TOKEN = "EAAGpage-token-101"


@pytest.fixture
def meta_login(settings, httpserver):
    """Facebook and Instagram (through Facebook Login) configured and pointed at the fake."""
    configure(settings, FACEBOOK_APP_ID="fb-app-id", FACEBOOK_APP_SECRET="fb-secret")
    for identifier in ("facebook", "instagram"):
        point(settings, httpserver, identifier, auth="/fb-dialog", api="/fb-graph")
    return httpserver


def expect_facebook_login(httpserver, network: str, seen: dict) -> None:
    def token(request):
        seen.setdefault("token", []).append(request.args.to_dict())
        return reply(
            network, "token_long" if "fb_exchange_token" in request.args else "token_short"
        )

    def permissions(request):
        seen["permissions"] = request.headers.get("Authorization")
        return reply(network, "permissions")

    httpserver.expect_request("/fb-graph/v24.0/oauth/access_token").respond_with_handler(token)
    httpserver.expect_request("/fb-graph/v24.0/me/permissions").respond_with_handler(permissions)


def test_facebook_login_lists_the_pages_and_connects_the_ticked_one_with_its_page_token(
    meta_login, org, owner, client_for, logs
):
    seen = {}
    expect_facebook_login(meta_login, "facebook", seen)
    meta_login.expect_request(
        "/fb-graph/v24.0/me/accounts", headers={"Authorization": f"Bearer {FB_LONG}"}
    ).respond_with_handler(
        lambda r: reply("facebook", "accounts_page2" if r.args.get("after") else "accounts")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, meta_login, "facebook", "/fb-dialog")

    assert asked["client_id"] == "fb-app-id" and "pages_manage_posts" in asked["scope"]
    assert seen["token"][0]["code"] == "the-code"
    assert seen["token"][1]["fb_exchange_token"] == FB_SHORT
    assert seen["permissions"] == f"Bearer {FB_LONG}"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    # Acme Support is left out: this person may only moderate it.
    assert b"Acme Bakery" in choice.content and b"Acme Cafe" in choice.content
    assert b"Acme Support" not in choice.content
    for secret in (FB_LONG, FB_PAGE_TOKEN):
        assert secret.encode() not in choice.content

    done = client.post(response["Location"], {"accounts": ["103"]})

    assert done.status_code == 302
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="facebook",
        external_id="103",
        name="Acme Cafe",
        secrets=[FB_LONG, FB_SHORT, "EAAGpage-token-103", "fb-secret"],
    )
    # The Page's own token publishes; the user token lists the Pages again (the tool).
    assert channel.credentials == {
        "user_access_token": FB_LONG,
        "access_token": "EAAGpage-token-103",
    }
    assert channel.token_expires_at is None  # Page tokens do not expire
    assert Integration.objects.count() == 1  # Acme Bakery was not ticked


def test_instagram_through_facebook_login_connects_the_account_linked_to_a_page(
    meta_login, org, owner, client_for, logs
):
    seen = {}
    expect_facebook_login(meta_login, "instagram", seen)
    meta_login.expect_request("/fb-graph/v24.0/me/accounts").respond_with_response(
        reply("instagram", "accounts")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, meta_login, "instagram", "/fb-dialog")

    assert "instagram_content_publish" in asked["scope"]
    # One Page has an Instagram account linked, so there is nothing to pick.
    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="instagram",
        external_id="17841400000000001",
        name="Acme Bakery",
        secrets=[FB_LONG, FB_SHORT, FB_PAGE_TOKEN, "fb-secret"],
    )
    assert channel.credentials["access_token"] == FB_PAGE_TOKEN
    assert channel.meta["page_id"] == "101"
    assert channel.username == "acmebakery"


def test_instagram_login_connects_the_professional_account_with_a_60_day_token(
    settings, httpserver, org, owner, client_for, logs
):
    configure(settings, INSTAGRAM_APP_ID="ig-app-id", INSTAGRAM_APP_SECRET="ig-secret")
    point(
        settings,
        httpserver,
        "instagram-standalone",
        auth="/ig-authorize",
        token="/ig-token",
        api="/ig-graph",
    )
    seen = {}

    def token(request):
        seen["code"] = form_of(request)
        return reply("instagram", "ig_token_short")

    def exchange(request):
        seen["exchange"] = request.args.to_dict()
        return reply("instagram", "ig_token_long")

    httpserver.expect_request("/ig-token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/ig-graph/access_token").respond_with_handler(exchange)
    httpserver.expect_request(
        "/ig-graph/v24.0/me", headers={"Authorization": "Bearer IGAAlong-token-012"}
    ).respond_with_response(reply("instagram", "ig_me"))
    client = client_for(owner)

    response, asked = sign_in_on_the_network(
        client, httpserver, "instagram-standalone", "/ig-authorize"
    )

    assert response.status_code == 302, response.content[:800]
    assert asked["client_id"] == "ig-app-id"
    assert "instagram_business_content_publish" in asked["scope"]
    assert seen["code"]["client_secret"] == "ig-secret"
    assert seen["exchange"]["grant_type"] == "ig_exchange_token"
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="instagram-standalone",
        external_id="17841400000000009",
        name="Acme Studio",
        secrets=["IGAAshort-token-789", "IGAAlong-token-012", "ig-secret"],
    )
    assert channel.credentials == {"access_token": "IGAAlong-token-012"}
    assert channel.token_expires_at is not None  # renewed a week before it runs out


# -- dev.to: an API key ---------------------------------------------------------------
DEVTO_KEY = "devto-connect-key-Qm81"


def test_devto_connects_with_an_api_key(httpserver, settings, org, owner, client_for, logs):
    point(settings, httpserver, "devto", api="/api")
    httpserver.expect_request(
        "/api/users/me", headers={"api-key": DEVTO_KEY}
    ).respond_with_response(reply("devto", "user_me"))
    client = client_for(owner)
    assert b'type="password"' in client.get(connect_url("devto")).content

    response = client.post(connect_url("devto"), {"api_key": DEVTO_KEY})

    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="devto",
        external_id="1234567",
        name="Acme Dev",
        secrets=[DEVTO_KEY],
    )
    assert channel.credentials == {"api_key": DEVTO_KEY}
    httpserver.check_assertions()


def test_a_wrong_devto_key_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "devto", api="/api")
    httpserver.expect_request("/api/users/me").respond_with_response(reply("devto", "unauthorized"))
    response = client_for(owner).post(connect_url("devto"), {"api_key": DEVTO_KEY})
    assert_refused(
        response,
        "dev.to did not accept the API key; make a new one at dev.to/settings/extensions "
        "and reconnect.",
        never_shown=DEVTO_KEY,
    )


# -- Hashnode: a Personal Access Token --------------------------------------------------
HASHNODE_TOKEN = "hn-connect-token-2c9e"


def test_hashnode_connects_with_a_token_and_keeps_its_publications(
    httpserver, settings, org, owner, client_for, logs
):
    point(settings, httpserver, "hashnode", api="/gql")
    httpserver.expect_request(
        "/gql/", method="POST", headers={"Authorization": HASHNODE_TOKEN}
    ).respond_with_response(reply("hashnode", "me"))
    client = client_for(owner)
    assert b'type="password"' in client.get(connect_url("hashnode")).content

    response = client.post(connect_url("hashnode"), {"token": HASHNODE_TOKEN})

    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="hashnode",
        external_id="60f1a2b3c4d5e6f7a8b9c0d1",
        name="Acme Dev",
        secrets=[HASHNODE_TOKEN],
    )
    assert [p["title"] for p in channel.meta["publications"]] == [
        "Acme Engineering",
        "Acme Notes",
    ]
    httpserver.check_assertions()


def test_a_refused_hashnode_token_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "hashnode", api="/gql")
    httpserver.expect_request("/gql/").respond_with_response(reply("hashnode", "unauthenticated"))
    response = client_for(owner).post(connect_url("hashnode"), {"token": HASHNODE_TOKEN})
    assert_refused(
        response,
        "Hashnode did not accept the Personal Access Token; make a new one in Hashnode's "
        "Account Settings → Developer and reconnect.",
        never_shown=HASHNODE_TOKEN,
    )


# -- Medium (limited): an integration token made before Medium stopped issuing them -----
MEDIUM_TOKEN = "2a4f0c8e1b3d5f7a9c0e2b4d6f8a1c3e5"


def test_medium_says_it_is_limited_and_connects_with_an_old_token(
    httpserver, settings, org, owner, client_for, logs
):
    point(settings, httpserver, "medium", api="/v1")
    httpserver.expect_request(
        "/v1/me", headers={"Authorization": f"Bearer {MEDIUM_TOKEN}"}
    ).respond_with_response(reply("medium", "me"))
    client = client_for(owner)
    listing = client.get(CHANNELS).content.decode()
    assert "Limited: Medium no longer supports its API and issues no new integration tokens" in (
        listing
    )
    form = client.get(connect_url("medium")).content.decode()
    assert 'type="password"' in form and "issues no new integration tokens" in form

    response = client.post(connect_url("medium"), {"token": MEDIUM_TOKEN})

    assert response.status_code == 302, response.content[:800]
    assert_connected(
        client,
        org,
        logs=logs,
        provider="medium",
        external_id="5303d74c64f66366f00cb9b2a94f3251bf5",
        name="Acme Dev",
        secrets=[MEDIUM_TOKEN],
    )
    httpserver.check_assertions()


def test_a_revoked_medium_token_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "medium", api="/v1")
    httpserver.expect_request("/v1/me").respond_with_response(reply("medium", "token_invalid"))
    response = client_for(owner).post(connect_url("medium"), {"token": MEDIUM_TOKEN})
    assert_refused(
        response,
        "Medium did not accept the integration token (revoked, or mistyped). Medium issues no "
        "new tokens, so only a token made before it closed its API can connect again.",
        never_shown=MEDIUM_TOKEN,
    )


# -- Ghost: site address + Admin API key (each request signs its own token) -------------
GHOST_KEY = (
    "6740b1c29c2b3e0001f49b77:5d1f0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10"
)


def test_ghost_connects_with_its_site_address_and_an_admin_api_key(
    httpserver, org, owner, client_for, logs
):
    seen = []

    def site(request):
        seen.append(request.headers.get("Authorization", ""))
        return reply("ghost", "site")

    httpserver.expect_request("/ghost/api/admin/site/").respond_with_handler(site)
    httpserver.expect_request("/ghost/api/admin/posts/").respond_with_response(
        reply("ghost", "posts_one")
    )
    client = client_for(owner)
    form = client.get(connect_url("ghost")).content
    assert b'type="password"' in form and b"Admin API key" in form

    origin = httpserver.url_for("/").rstrip("/")
    response = client.post(connect_url("ghost"), {"url": origin, "admin_api_key": GHOST_KEY})

    assert response.status_code == 302, response.content[:800]
    assert seen and seen[0].startswith("Ghost ey")  # a signed token, never the key
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="ghost",
        external_id="https://blog.acme.example",
        name="Acme Journal",
        secrets=[GHOST_KEY.split(":")[1]],
    )
    assert channel.credentials == {"admin_api_key": GHOST_KEY}
    assert channel.meta["url"] == origin


def test_a_ghost_key_from_a_deleted_integration_is_explained_and_nothing_is_saved(
    httpserver, org, owner, client_for
):
    httpserver.expect_request("/ghost/api/admin/site/").respond_with_response(
        reply("ghost", "site")
    )
    httpserver.expect_request("/ghost/api/admin/posts/").respond_with_response(
        reply("ghost", "unknown_key")
    )
    response = client_for(owner).post(
        connect_url("ghost"),
        {"url": httpserver.url_for("/").rstrip("/"), "admin_api_key": GHOST_KEY},
    )
    assert_refused(
        response,
        "Ghost did not accept the Admin API key; paste a current key and connect again.",
        never_shown=GHOST_KEY.split(":")[1],
    )


# -- listmonk: server address + API user + token ----------------------------------------
LISTMONK_TOKEN = "Zq8vT1xJc4mN7pR2sW5yB9dF3gH6kL0a"


def test_listmonk_connects_with_its_address_an_api_user_and_a_token(
    httpserver, org, owner, client_for, logs
):
    httpserver.expect_request(
        "/api/lists", headers={"Authorization": f"token postiz:{LISTMONK_TOKEN}"}
    ).respond_with_response(reply("listmonk", "lists"))
    client = client_for(owner)
    assert b'type="password"' in client.get(connect_url("listmonk")).content
    origin = httpserver.url_for("/").rstrip("/")

    response = client.post(
        connect_url("listmonk"), {"url": origin, "api_user": "postiz", "api_token": LISTMONK_TOKEN}
    )

    assert response.status_code == 302, response.content[:800]
    host = origin.split("://")[1]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="listmonk",
        external_id=f"{origin}#postiz",
        name=f"listmonk ({host})",
        secrets=[LISTMONK_TOKEN],
    )
    assert channel.meta["url"] == origin
    assert [entry["id"] for entry in channel.meta["lists"]] == ["3", "5"]


def test_a_wrong_listmonk_token_is_explained_and_nothing_is_saved(
    httpserver, org, owner, client_for
):
    httpserver.expect_request("/api/lists").respond_with_response(
        reply("listmonk", "invalid_credentials")
    )
    response = client_for(owner).post(
        connect_url("listmonk"),
        {"url": httpserver.url_for("/"), "api_user": "postiz", "api_token": LISTMONK_TOKEN},
    )
    assert_refused(
        response,
        "listmonk did not accept the API user and token; check them and connect again.",
        never_shown=LISTMONK_TOKEN,
    )


# -- Tumblr: OAuth 2.0, then the blogs to post to ---------------------------------------
TUMBLR_TOKEN = recorded("tumblr", "token")["body"]


@pytest.fixture
def tumblr(settings, httpserver):
    configure(settings, TUMBLR_CLIENT_ID="tumblr-consumer-key", TUMBLR_CLIENT_SECRET="tumblr-sec")
    point(settings, httpserver, "tumblr", auth="/tumblr-www", api="/tumblr-api")
    return httpserver


def test_tumblr_asks_which_blogs_and_connects_the_ticked_one(tumblr, org, owner, client_for, logs):
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("tumblr", "token")

    bearer = {"Authorization": f"Bearer {TUMBLR_TOKEN['access_token']}"}
    tumblr.expect_request("/tumblr-api/v2/oauth2/token", method="POST").respond_with_handler(token)
    tumblr.expect_request("/tumblr-api/v2/user/info", headers=bearer).respond_with_response(
        reply("tumblr", "user_info")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(
        client, tumblr, "tumblr", "/tumblr-www/oauth2/authorize"
    )

    assert asked["scope"] == "basic write offline_access"
    assert exchanges[0]["client_secret"] == "tumblr-sec"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    assert b"Acme Workshop" in choice.content and b"Acme Offcuts" in choice.content

    done = client.post(response["Location"], {"accounts": ["t:Zx7cV1bN5mQ2wE9rT4yU6i"]})

    assert done.status_code == 302 and done["Location"] == CHANNELS
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="tumblr",
        external_id="t:Zx7cV1bN5mQ2wE9rT4yU6i",
        name="Acme Offcuts",
        secrets=[TUMBLR_TOKEN["access_token"], TUMBLR_TOKEN["refresh_token"], "tumblr-sec"],
    )
    assert channel.username == "acme-offcuts"
    assert channel.credentials["refresh_token"] == TUMBLR_TOKEN["refresh_token"]
    assert channel.token_expires_at is not None
    assert Integration.objects.count() == 1  # Acme Workshop was not ticked


# -- Twitch: OAuth 2.0, the account is the channel --------------------------------------
TWITCH_TOKEN = recorded("twitch", "token")["body"]


def test_twitch_connects_the_signed_in_broadcaster(
    settings, httpserver, org, owner, client_for, logs
):
    configure(settings, TWITCH_CLIENT_ID="twitch-client-id", TWITCH_CLIENT_SECRET="twitch-sec")
    point(settings, httpserver, "twitch", auth="/twitch-id", api="/twitch-api")
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("twitch", "token")

    helix = {
        "Authorization": f"Bearer {TWITCH_TOKEN['access_token']}",
        "Client-Id": "twitch-client-id",
    }
    httpserver.expect_request("/twitch-id/oauth2/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/twitch-api/helix/users", headers=helix).respond_with_response(
        reply("twitch", "users")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(
        client, httpserver, "twitch", "/twitch-id/oauth2/authorize"
    )

    assert asked["scope"] == "user:write:chat moderator:manage:announcements user:read:email"
    assert exchanges[0]["client_secret"] == "twitch-sec"
    assert response.status_code == 302 and response["Location"].startswith(CHANNELS)
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="twitch",
        external_id="141981764",
        name="TwitchDev",
        secrets=[TWITCH_TOKEN["access_token"], TWITCH_TOKEN["refresh_token"], "twitch-sec"],
    )
    assert channel.username == "twitchdev"
    assert channel.token_expires_at is not None


# -- Kick: OAuth 2.1 with PKCE, the account is the channel ------------------------------
KICK_TOKEN = recorded("kick", "token")["body"]


def test_kick_connects_with_pkce(settings, httpserver, org, owner, client_for, logs):
    configure(settings, KICK_CLIENT_ID="kick-client-id", KICK_CLIENT_SECRET="kick-sec")
    point(settings, httpserver, "kick", auth="/kick-id", api="/kick-api")
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("kick", "token")

    bearer = {"Authorization": f"Bearer {KICK_TOKEN['access_token']}"}
    httpserver.expect_request("/kick-id/oauth/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/kick-api/public/v1/users", headers=bearer).respond_with_response(
        reply("kick", "users")
    )
    httpserver.expect_request("/kick-api/public/v1/channels", headers=bearer).respond_with_response(
        reply("kick", "channels")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(client, httpserver, "kick", "/kick-id/oauth/authorize")

    assert asked["scope"] == "chat:write user:read channel:read"
    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    # The verifier sent with the code is the one the challenge was made from.
    verifier = exchanges[0]["code_verifier"]
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert response.status_code == 302 and response["Location"].startswith(CHANNELS)
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="kick",
        external_id="4377088",
        name="AcmeWorkshop",
        secrets=[KICK_TOKEN["access_token"], KICK_TOKEN["refresh_token"], "kick-sec", verifier],
    )
    assert channel.username == "acmeworkshop"


# -- Farcaster: a Neynar API key and an approved signer ---------------------------------
NEYNAR_KEY = "NEYNAR-7F3A-41C2-9B8E-5D6A0C1E2F34"
NEYNAR_SIGNER = "19d0c5fd-9b33-4a48-a0e2-bc7b0555baec"


def test_farcaster_connects_with_a_neynar_key_and_an_approved_signer(
    settings, httpserver, org, owner, client_for, logs
):
    point(settings, httpserver, "farcaster", api="/neynar")
    key = {"x-api-key": NEYNAR_KEY}
    httpserver.expect_request(
        "/neynar/v2/farcaster/signer", query_string={"signer_uuid": NEYNAR_SIGNER}, headers=key
    ).respond_with_response(reply("farcaster", "signer_approved"))
    httpserver.expect_request("/neynar/v2/farcaster/user/bulk", headers=key).respond_with_response(
        reply("farcaster", "users_bulk")
    )
    client = client_for(owner)
    assert client.get(connect_url("farcaster")).content.count(b'type="password"') == 2

    response = client.post(
        connect_url("farcaster"), {"api_key": NEYNAR_KEY, "signer_uuid": NEYNAR_SIGNER}
    )

    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="farcaster",
        external_id="194372",
        name="Acme Workshop",
        secrets=[NEYNAR_KEY, NEYNAR_SIGNER],
    )
    assert channel.username == "acmeworkshop"


def test_a_farcaster_signer_not_yet_approved_is_explained_and_nothing_is_saved(
    settings, httpserver, org, owner, client_for
):
    point(settings, httpserver, "farcaster", api="/neynar")
    httpserver.expect_request("/neynar/v2/farcaster/signer").respond_with_response(
        reply("farcaster", "signer_pending")
    )
    response = client_for(owner).post(
        connect_url("farcaster"), {"api_key": NEYNAR_KEY, "signer_uuid": NEYNAR_SIGNER}
    )
    assert_refused(
        response,
        "The signer is pending_approval, not approved: open its approval link in the "
        "Farcaster app, then connect again.",
        never_shown=NEYNAR_KEY,
    )


# -- Moltbook: an AI agent's API key ---------------------------------------------------
MOLTBOOK_KEY = "moltbook_sk_4vbBsDhqTVg-uvC2mNw3xinZwRhn6r0A"


def test_moltbook_connects_the_agent_behind_its_api_key(
    httpserver, settings, org, owner, client_for, logs
):
    point(settings, httpserver, "moltbook", api="/mb-api")
    httpserver.expect_request(
        "/mb-api/agents/me", headers={"Authorization": f"Bearer {MOLTBOOK_KEY}"}
    ).respond_with_response(reply("moltbook", "agent_me"))
    client = client_for(owner)
    form = client.get(connect_url("moltbook")).content.decode()
    assert 'type="password"' in form and "moltbook_" in form

    response = client.post(connect_url("moltbook"), {"api_key": MOLTBOOK_KEY})

    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="moltbook",
        external_id="8c88a3c6-f1cb-46f8-b9b6-56357b2d2b55",
        name="AcmeScout",
        secrets=[MOLTBOOK_KEY],
    )
    assert channel.username == "AcmeScout"
    httpserver.check_assertions()


def test_a_rotated_moltbook_key_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "moltbook", api="/mb-api")
    httpserver.expect_request("/mb-api/agents/me").respond_with_response(
        reply("moltbook", "invalid_key")
    )
    response = client_for(owner).post(connect_url("moltbook"), {"api_key": MOLTBOOK_KEY})
    assert_refused(
        response,
        "Moltbook did not accept the API key (rotated from the owner dashboard, or "
        "mistyped). Paste the agent's current key and connect again.",
        never_shown=MOLTBOOK_KEY,
    )


# -- Whop: a company API key and the company's id ----------------------------------------
WHOP_KEY = "apik_7bZ2kL9qX4mN8pR1sT6vW3yA5cE0dF"


def test_whop_connects_the_company_with_its_api_key(
    httpserver, settings, org, owner, client_for, logs
):
    point(settings, httpserver, "whop", api="/whop-api")
    httpserver.expect_request(
        "/whop-api/companies/biz_6bZUIbghyEtOzp", headers={"Authorization": f"Bearer {WHOP_KEY}"}
    ).respond_with_response(reply("whop", "company"))
    client = client_for(owner)
    form = client.get(connect_url("whop")).content.decode()
    assert 'type="password"' in form and "biz_" in form

    response = client.post(
        connect_url("whop"), {"api_key": WHOP_KEY, "company_id": "biz_6bZUIbghyEtOzp"}
    )

    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="whop",
        external_id="biz_6bZUIbghyEtOzp",
        name="Acme Academy",
        secrets=[WHOP_KEY],
    )
    assert channel.username == "acme-academy"
    httpserver.check_assertions()


def test_a_refused_whop_key_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "whop", api="/whop-api")
    httpserver.expect_request("/whop-api/companies/biz_6bZUIbghyEtOzp").respond_with_response(
        reply("whop", "unauthorized")
    )
    response = client_for(owner).post(
        connect_url("whop"), {"api_key": WHOP_KEY, "company_id": "biz_6bZUIbghyEtOzp"}
    )
    assert_refused(
        response,
        "Whop did not accept the API key (deleted, rotated or mistyped). Make a new company "
        "API key in the Whop dashboard (Developer) and connect again.",
        never_shown=WHOP_KEY,
    )


# -- Skool (unofficial): the community and the browser session's cookie ------------------
SKOOL_TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2Vzc2lvbi1hY21l.Qm9vbQ"


def test_skool_says_it_is_unofficial_and_connects_a_community_with_the_session_cookie(
    httpserver, settings, org, owner, client_for, logs
):
    point(settings, httpserver, "skool", web="/skool-www", api="/skool-api")
    httpserver.expect_request(
        "/skool-www/acme-makers", headers={"Cookie": f"auth_token={SKOOL_TOKEN}"}
    ).respond_with_response(reply("skool", "community_page"))
    client = client_for(owner)
    listing = client.get(CHANNELS).content.decode()
    assert "Skool" in listing
    assert "Limited: Unofficial: Skool has no public API." in listing
    form = client.get(connect_url("skool")).content.decode()
    assert 'type="password"' in form and "auth_token cookie (unofficial)" in form

    response = client.post(
        connect_url("skool"),
        {"community": "https://www.skool.com/acme-makers", "auth_token": SKOOL_TOKEN},
    )

    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="skool",
        external_id="4f1c2b7e9a0d4e6f8b3a5c7d9e1f2a3b",
        name="Acme Makers",
        secrets=[SKOOL_TOKEN],
    )
    assert channel.username == "acme-makers"
    httpserver.check_assertions()


def test_a_skool_community_the_session_cannot_see_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "skool", web="/skool-www", api="/skool-api")
    httpserver.expect_request("/skool-www/acme-makers").respond_with_response(
        reply("skool", "community_page_without_group")
    )
    response = client_for(owner).post(
        connect_url("skool"), {"community": "acme-makers", "auth_token": SKOOL_TOKEN}
    )
    assert_refused(
        response,
        "Skool showed no community at skool.com/acme-makers to this session: check the "
        "address, and that the account is a member.",
        never_shown=SKOOL_TOKEN,
    )


# -- WordPress: site address + username + application password (HTTP Basic) -------------
def _wordpress_site(httpserver, me="user_me"):
    """A WordPress 6.1 site as recorded, at the fake's address (its home page names the
    REST root, which is then asked who the password belongs to)."""
    origin = httpserver.url_for("/").rstrip("/")
    seen = []

    def me_answer(request):
        seen.append(request.headers.get("Authorization", ""))
        return wp_reply(me, origin)

    httpserver.expect_request("/", method="GET").respond_with_response(
        wp_reply("home_page", origin)
    )
    httpserver.expect_request("/wp-json/wp/v2/users/me").respond_with_handler(me_answer)
    httpserver.expect_request("/wp-json/").respond_with_response(wp_reply("site_index", origin))
    httpserver.expect_request("/wp-json/wp/v2/posts", method="OPTIONS").respond_with_response(
        wp_reply("posts_schema", origin)
    )
    return origin, seen


WORDPRESS_PASSWORD = "Xk3p 9QaL 7mWz 2RtY 5vBn 8CdE"


def test_wordpress_connects_with_its_address_a_username_and_an_application_password(
    httpserver, org, owner, client_for, logs
):
    origin, seen = _wordpress_site(httpserver)
    client = client_for(owner)
    form = client.get(connect_url("wordpress")).content
    assert b'type="password"' in form and b"Application password" in form

    response = client.post(
        connect_url("wordpress"),
        {"url": origin, "username": "editor", "app_password": WORDPRESS_PASSWORD},
    )

    assert response.status_code == 302, response.content[:800]
    assert seen == ["Basic ZWRpdG9yOlhrM3AgOVFhTCA3bVd6IDJSdFkgNXZCbiA4Q2RF"]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="wordpress",
        external_id=f"{origin}#1",
        name="Acme Field Notes",
        secrets=[WORDPRESS_PASSWORD, "ZWRpdG9yOlhrM3AgOVFhTCA3bVd6IDJSdFkgNXZCbiA4Q2RF"],
    )
    assert channel.credentials == {"username": "editor", "app_password": WORDPRESS_PASSWORD}
    assert channel.meta["rest_root"] == origin + "/wp-json/"


def test_a_wrong_wordpress_application_password_is_explained_and_nothing_is_saved(
    httpserver, org, owner, client_for
):
    origin, _ = _wordpress_site(httpserver, me="not_logged_in")
    response = client_for(owner).post(
        connect_url("wordpress"),
        {"url": origin, "username": "editor", "app_password": WORDPRESS_PASSWORD},
    )
    assert_refused(
        response,
        "WordPress did not accept the username and application password; check them (or make "
        "a new application password) and connect again. WordPress takes application passwords "
        "only over HTTPS (or on a site set up as local).",
        never_shown=WORDPRESS_PASSWORD,
    )


# -- Dribbble: OAuth 2.0 with the upload scope; one channel, the signed-in designer -----
DRIBBBLE_TOKEN = recorded("dribbble", "token")["body"]


@pytest.fixture
def dribbble(settings, httpserver):
    configure(settings, DRIBBBLE_CLIENT_ID="drb-client-id", DRIBBBLE_CLIENT_SECRET="drb-sec")
    point(settings, httpserver, "dribbble", auth="/drb-www", api="/drb-api")
    return httpserver


def test_dribbble_connects_the_designer_with_a_token_that_never_expires(
    dribbble, org, owner, client_for, logs
):
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("dribbble", "token")

    bearer = {"Authorization": f"Bearer {DRIBBBLE_TOKEN['access_token']}"}
    dribbble.expect_request("/drb-www/oauth/token", method="POST").respond_with_handler(token)
    dribbble.expect_request("/drb-api/v2/user", headers=bearer).respond_with_response(
        reply("dribbble", "user")
    )
    client = client_for(owner)

    response, asked = sign_in_on_the_network(
        client, dribbble, "dribbble", "/drb-www/oauth/authorize"
    )

    assert asked["scope"] == "public upload"
    assert exchanges[0]["client_secret"] == "drb-sec"
    assert response.status_code == 302 and response["Location"].startswith(CHANNELS)
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="dribbble",
        external_id="1405112",
        name="Acme Studio",
        secrets=[DRIBBBLE_TOKEN["access_token"], "drb-sec"],
    )
    assert channel.username == "acmestudio"
    assert channel.token_expires_at is None


def test_a_dribbble_account_that_cannot_upload_is_refused_and_nothing_is_saved(
    dribbble, org, owner, client_for
):
    dribbble.expect_request("/drb-www/oauth/token", method="POST").respond_with_response(
        reply("dribbble", "token")
    )
    dribbble.expect_request("/drb-api/v2/user").respond_with_response(
        reply("dribbble", "user_cannot_upload")
    )
    response, _ = sign_in_on_the_network(
        client_for(owner), dribbble, "dribbble", "/drb-www/oauth/authorize"
    )
    assert "does not let this account upload shots" in response.content.decode()
    assert not Integration.objects.exists()


# -- VK: VK ID with PKCE and a device id; the person's wall and their communities -------
VK_TOKEN = recorded("vk", "token")["body"]


@pytest.fixture
def vk(settings, httpserver):
    configure(settings, VK_CLIENT_ID="51234567")
    point(settings, httpserver, "vk", auth="/vk-id", api="/vk-api")
    return httpserver


def test_vk_signs_in_with_vk_id_and_connects_the_ticked_community(vk, org, owner, client_for, logs):
    exchanges = []

    def token(request):
        exchanges.append(form_of(request))
        return reply("vk", "token")

    vk.expect_request("/vk-id/oauth2/auth", method="POST").respond_with_handler(token)
    vk.expect_request("/vk-api/method/users.get").respond_with_response(reply("vk", "users_get"))
    vk.expect_request("/vk-api/method/groups.get").respond_with_response(reply("vk", "groups_get"))
    client = client_for(owner)
    listing = client.get(CHANNELS).content.decode()
    assert "Limited: VK" in listing

    response, asked = sign_in_on_the_network(
        client, vk, "vk", "/vk-id/authorize", extra={"device_id": "dev-7f3a9c1e5b"}
    )

    assert asked["code_challenge_method"] == "S256" and asked["code_challenge"]
    assert exchanges[0]["device_id"] == "dev-7f3a9c1e5b"
    assert exchanges[0]["code_verifier"] and exchanges[0]["grant_type"] == "authorization_code"
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"])
    assert b"Anna Smirnova" in choice.content and b"Acme Workshop" in choice.content

    done = client.post(response["Location"], {"accounts": ["-228154012"]})

    assert done.status_code == 302 and done["Location"] == CHANNELS
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="vk",
        external_id="-228154012",
        name="Acme Workshop",
        secrets=[VK_TOKEN["access_token"], VK_TOKEN["refresh_token"]],
    )
    assert channel.meta["owner_id"] == -228154012
    assert channel.credentials["device_id"] == "dev-7f3a9c1e5b"
    assert channel.token_expires_at is not None


# -- beehiiv (limited): an API key, then the publications it reaches --------------------
BEEHIIV_KEY = "bh_live_Q2w3E4r5T6y7U8i9O0pA1sD2fG3hJ4kL"


def test_beehiiv_says_it_is_limited_and_connects_the_ticked_publication(
    httpserver, settings, org, owner, client_for, logs
):
    point(settings, httpserver, "beehiiv", api="/bh")
    httpserver.expect_request(
        "/bh/v2/publications", headers={"Authorization": f"Bearer {BEEHIIV_KEY}"}
    ).respond_with_response(reply("beehiiv", "publications"))
    client = client_for(owner)
    assert "Limited: beehiiv&#x27;s API creates posts only for Enterprise plans" in (
        client.get(CHANNELS).content.decode()
    )
    form = client.get(connect_url("beehiiv")).content.decode()
    assert 'type="password"' in form and "Enterprise plan" in form

    response = client.post(connect_url("beehiiv"), {"api_key": BEEHIIV_KEY})

    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    choice = client.get(response["Location"]).content
    assert b"Acme Weekly" in choice and b"Acme Dev Notes" in choice
    done = client.post(
        response["Location"], {"accounts": ["pub_6c4e1f2a-8b3d-4e5f-9a0b-1c2d3e4f5a6b"]}
    )
    assert done.status_code == 302
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="beehiiv",
        external_id="pub_6c4e1f2a-8b3d-4e5f-9a0b-1c2d3e4f5a6b",
        name="Acme Weekly",
        secrets=[BEEHIIV_KEY],
    )
    assert channel.credentials == {"api_key": BEEHIIV_KEY}


def test_a_wrong_beehiiv_key_is_explained_and_nothing_is_saved(
    httpserver, settings, org, owner, client_for
):
    point(settings, httpserver, "beehiiv", api="/bh")
    httpserver.expect_request("/bh/v2/publications").respond_with_response(
        reply("beehiiv", "unauthorized")
    )
    response = client_for(owner).post(connect_url("beehiiv"), {"api_key": BEEHIIV_KEY})
    assert_refused(
        response,
        "beehiiv did not accept the API key (revoked, or mistyped); make a new one in "
        "beehiiv's Settings → API and connect again.",
        never_shown=BEEHIIV_KEY,
    )


# -- MeWe (limited): MeWe's sign-in page, then the login request token exchanged --------
MEWE_TOKEN = recorded("mewe", "token")["body"]["apiToken"]
MEWE_USER = recorded("mewe", "me")["body"]["userId"]


@pytest.fixture
def mewe(settings, httpserver):
    configure(settings, MEWE_APP_ID="mewe-app-7f3a", MEWE_API_KEY="mewe-key-1b9c5e7d")
    point(settings, httpserver, "mewe", web="/mewe-web", api="/mewe-api", login="/mewe-login")
    return httpserver


def test_mewe_says_it_is_limited_and_connects_through_its_sign_in_page(
    mewe, org, owner, client_for, logs
):
    mewe.expect_request(
        "/mewe-api/token",
        query_string={"loginRequestToken": "lrt-the-code"},
        headers={"X-App-Id": "mewe-app-7f3a", "X-Api-Key": "mewe-key-1b9c5e7d"},
    ).respond_with_response(reply("mewe", "token"))
    mewe.expect_request(
        "/mewe-api/me",
        headers={"X-App-Id": "mewe-app-7f3a", "Authorization": f"Bearer {MEWE_TOKEN}"},
    ).respond_with_response(reply("mewe", "me"))
    client = client_for(owner)
    assert "Limited: MeWe&#x27;s developer program is a closed beta" in (
        client.get(CHANNELS).content.decode()
    )

    response, asked = sign_in_on_the_network(
        client, mewe, "mewe", "/mewe-login", code="lrt-the-code"
    )

    assert asked["client_id"] == "mewe-app-7f3a" and set(asked) == {
        "client_id",
        "redirect_uri",
        "state",
    }
    assert response.status_code == 302, response.content[:800]
    channel = assert_connected(
        client,
        org,
        logs=logs,
        provider="mewe",
        external_id=MEWE_USER,
        name="Acme Workshop",
        secrets=[MEWE_TOKEN, "mewe-key-1b9c5e7d"],
    )
    assert channel.username == "acmeworkshop"
    assert channel.token_expires_at is not None
    mewe.check_assertions()


def test_a_mewe_sign_in_not_yet_approved_says_so_and_saves_nothing(mewe, owner, client_for):
    mewe.expect_request("/mewe-api/token").respond_with_response(reply("mewe", "token_pending"))
    response, _ = sign_in_on_the_network(client_for(owner), mewe, "mewe", "/mewe-login")
    assert "MeWe is still waiting for you to approve this app" in response.content.decode()
    assert not Integration.objects.exists()
