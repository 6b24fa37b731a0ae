"""Check connection tests the credential that lasts: it renews the session where the
network allows it (a revoked grant is found now, not when the access token runs out) and
reads the profile with a cheap authenticated call where the only credential is long-lived.
Networks are faked at the HTTP boundary with their recorded answers."""

import pytest
from django.core import mail

from integrations.models import Integration
from organizations.models import Event
from tests.factories import ChannelFactory

from .conftest import X_ACCESS, X_REFRESH, point, recorded, reply

pytestmark = pytest.mark.django_db

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
OLD_ACCESS_JWT = "eyJhY2Nlc3M.eyJvbGQ.c2ln"
OLD_REFRESH_JWT = "eyJyZWZyZXNo.eyJvbGQ.c2ln"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"


class Calls:
    """A fake endpoint that answers in turn and keeps what each request carried."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.seen: list[dict] = []

    def __call__(self, request):
        self.seen.append(
            {
                "authorization": request.headers.get("Authorization", ""),
                "json": request.get_json(silent=True),
                "form": dict(request.form),
            }
        )
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@pytest.fixture
def check(django_capture_on_commit_callbacks):
    """POST "Check connection" and run what the request left for after its commit."""

    def post(client, channel):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/o/acme/channels/{channel.pk}/check/", follow=True)

    return post


def assert_flagged(channel, owner, message: bytes, response):
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert channel.last_error
    assert message in response.content
    assert b"the connection works" not in response.content
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert Event.objects.filter(name="channel.needs_reconnect", integration_id=channel.pk).exists()


# -- Bluesky: the refresh JWT, then the app password ----------------------------------------
@pytest.fixture
def bluesky_channel(org, httpserver):
    pds = httpserver.url_for("/pds").rstrip("/")
    return ChannelFactory(
        organization=org,
        provider="bluesky",
        external_id=DID,
        name="Alice",
        username="alice.example.com",
        credentials={
            "access_jwt": OLD_ACCESS_JWT,
            "refresh_jwt": OLD_REFRESH_JWT,
            "identifier": "alice.example.com",
            "app_password": APP_PASSWORD,
        },
        meta={"did": DID, "handle": "alice.example.com", "pds": pds, "service": pds},
    )


def test_checking_a_bluesky_channel_whose_app_password_was_revoked_flags_it_at_once(
    httpserver, org, owner, client_for, check, bluesky_channel
):
    # The access JWT would still be accepted for up to two hours: the check never relies
    # on it. The PDS refuses the revoked refresh JWT, then the revoked app password.
    refresh = Calls(reply("bluesky", "revoked_refresh_token"))
    login = Calls(reply("bluesky", "authentication_required"))
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_handler(refresh)
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_handler(login)
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_response(
        reply("bluesky", "get_profile")
    )

    response = check(client_for(owner), bluesky_channel)

    assert refresh.seen[0]["authorization"] == f"Bearer {OLD_REFRESH_JWT}"
    assert login.seen[0]["json"] == {"identifier": "alice.example.com", "password": APP_PASSWORD}
    assert_flagged(bluesky_channel, owner, b"Bluesky refused the handle or app password", response)
    assert APP_PASSWORD.encode() not in response.content
    assert not any(r.path.endswith("getProfile") for r, _ in httpserver.log)


def test_checking_a_bluesky_channel_renews_the_session_and_keeps_the_rotated_refresh_jwt(
    httpserver, org, owner, client_for, check, bluesky_channel
):
    pds = bluesky_channel.meta["pds"]
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_response(reply("bluesky", "refresh_session", pds=pds))
    profile = Calls(reply("bluesky", "get_profile"))
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_handler(profile)

    response = check(client_for(owner), bluesky_channel)

    assert b"Bluesky answered: the connection works" in response.content
    session = recorded("bluesky", "refresh_session")["body"]
    bluesky_channel.refresh_from_db()
    assert bluesky_channel.credentials["refresh_jwt"] == session["refreshJwt"]
    assert bluesky_channel.credentials["access_jwt"] == session["accessJwt"]
    assert bluesky_channel.last_refreshed_at is not None
    # The profile is read with the new session, not the one the check started with.
    assert profile.seen[0]["authorization"] == f"Bearer {session['accessJwt']}"
    assert bluesky_channel.status == Integration.Status.ACTIVE


def test_a_bluesky_check_signs_in_again_when_only_the_refresh_jwt_died(
    httpserver, org, owner, client_for, check, bluesky_channel
):
    pds = bluesky_channel.meta["pds"]
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_response(reply("bluesky", "revoked_refresh_token"))
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_response(reply("bluesky", "create_session", pds=pds))
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_response(
        reply("bluesky", "get_profile")
    )

    response = check(client_for(owner), bluesky_channel)

    assert b"the connection works" in response.content
    bluesky_channel.refresh_from_db()
    session = recorded("bluesky", "create_session")["body"]
    assert bluesky_channel.credentials["refresh_jwt"] == session["refreshJwt"]
    assert bluesky_channel.status == Integration.Status.ACTIVE


@pytest.mark.parametrize("failure", ["bad_gateway", "rate_limited"])
def test_a_bluesky_outage_during_a_check_keeps_the_channel_active(
    httpserver, org, owner, client_for, check, bluesky_channel, failure
):
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_response(reply("bluesky", failure))

    response = check(client_for(owner), bluesky_channel)

    bluesky_channel.refresh_from_db()
    assert bluesky_channel.status == Integration.Status.ACTIVE
    assert bluesky_channel.last_error and bluesky_channel.last_error_at
    assert bluesky_channel.credentials["refresh_jwt"] == OLD_REFRESH_JWT
    assert b"the connection works" not in response.content
    assert mail.outbox == []


def test_a_check_that_works_brings_a_channel_that_needed_reconnecting_back(
    httpserver, org, owner, client_for, check, bluesky_channel
):
    bluesky_channel.status = Integration.Status.NEEDS_RECONNECT
    bluesky_channel.save()
    pds = bluesky_channel.meta["pds"]
    httpserver.expect_request(
        "/pds/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_response(reply("bluesky", "refresh_session", pds=pds))
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_response(
        reply("bluesky", "get_profile")
    )

    check(client_for(owner), bluesky_channel)

    bluesky_channel.refresh_from_db()
    assert bluesky_channel.status == Integration.Status.ACTIVE


# -- X: a rotating refresh token ----------------------------------------------------------
def test_checking_an_x_channel_refreshes_and_a_refused_refresh_token_flags_it(
    x_network, org, owner, client_for, check, make_channel
):
    channel = make_channel()
    x_network.expect_request("/x-api/2/oauth2/token", method="POST").respond_with_response(
        reply("x", "refresh_invalid")
    )
    x_network.expect_request("/x-api/2/users/me").respond_with_response(reply("x", "users_me"))

    response = check(client_for(owner), channel)

    assert_flagged(channel, owner, b"X", response)
    assert not any(r.path.endswith("/users/me") for r, _ in x_network.log)


def test_checking_an_x_channel_keeps_the_rotated_refresh_token(
    x_network, org, owner, client_for, check, make_channel
):
    channel = make_channel()
    token = Calls(reply("x", "token_rotated"))
    me = Calls(reply("x", "users_me"))
    x_network.expect_request("/x-api/2/oauth2/token", method="POST").respond_with_handler(token)
    x_network.expect_request("/x-api/2/users/me").respond_with_handler(me)

    response = check(client_for(owner), channel)

    assert b"the connection works" in response.content
    assert token.seen[0]["form"]["refresh_token"] == X_REFRESH
    channel.refresh_from_db()
    assert channel.credentials["refresh_token"] == "x-refresh-ddd444"
    assert me.seen[0]["authorization"] == "Bearer x-access-ccc333" != f"Bearer {X_ACCESS}"


# -- Long-lived tokens: one cheap authenticated read ----------------------------------------
def test_a_revoked_mastodon_token_is_found_by_the_check(
    httpserver, org, owner, client_for, check, make_channel
):
    instance = httpserver.url_for("/").rstrip("/")
    channel = make_channel(
        provider="mastodon",
        external_id="109",
        credentials={"access_token": "masto-token"},
        meta={"instance": instance, "account_id": "109"},
        token_expires_at=None,
    )
    read = Calls(reply("mastodon", "unauthorized"))
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_handler(read)

    response = check(client_for(owner), channel)

    assert read.seen[0]["authorization"] == "Bearer masto-token"
    assert_flagged(channel, owner, b"Mastodon", response)


def test_a_revoked_telegram_bot_token_is_found_by_the_check(
    settings, httpserver, org, owner, client_for, check, make_channel
):
    token = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw4"
    point(settings, httpserver, "telegram", api="/tg")
    channel = make_channel(
        provider="telegram",
        external_id="-1001234567890",
        username="@postiz_news",
        credentials={"bot_token": token},
        meta={"chat_id": "-1001234567890", "chat_type": "channel"},
        token_expires_at=None,
    )
    httpserver.expect_request(f"/tg/bot{token}/getMe", method="POST").respond_with_response(
        reply("telegram", "unauthorized")
    )

    response = check(client_for(owner), channel)

    assert_flagged(channel, owner, b"Telegram", response)
    assert token.encode() not in response.content


@pytest.fixture
def discord_bot_channel(settings, httpserver, make_channel):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "DISCORD_CLIENT_ID": "157730590492196864",
        "DISCORD_CLIENT_SECRET": "discord-client-secret",
        "DISCORD_BOT_TOKEN": "bot-token-1",
    }
    point(settings, httpserver, "discord-bot", api="/api", web="/web")
    return make_channel(
        provider="discord-bot",
        external_id="41771983423143937",
        name="#general",
        credentials={},
        meta={"channel_id": "41771983423143937", "guild_id": "41771983423143937"},
        token_expires_at=None,
    )


def test_a_discord_bot_channel_is_checked_with_a_read_of_the_channel(
    httpserver, org, owner, client_for, check, discord_bot_channel
):
    read = Calls(reply("discord", "channel"))
    httpserver.expect_request("/api/channels/41771983423143937").respond_with_handler(read)

    response = check(client_for(owner), discord_bot_channel)

    assert b"the connection works" in response.content
    assert read.seen[0]["authorization"] == "Bot bot-token-1"


def test_a_discord_bot_that_lost_its_token_is_found_by_the_check(
    httpserver, org, owner, client_for, check, discord_bot_channel
):
    httpserver.expect_request("/api/channels/41771983423143937").respond_with_response(
        reply("discord", "unauthorized")
    )
    response = check(client_for(owner), discord_bot_channel)
    assert_flagged(discord_bot_channel, owner, b"Discord", response)


# -- Lemmy: the session, then the stored password -------------------------------------------
@pytest.fixture
def lemmy_channel(httpserver, make_channel):
    return make_channel(
        provider="lemmy",
        external_id="https://lemmy.example/u/alice",
        credentials={"jwt": "old-jwt", "username_or_email": "alice", "password": "old-password"},
        meta={"instance": httpserver.url_for("/").rstrip("/"), "person_id": 5},
        token_expires_at=None,
    )


def test_a_lemmy_session_it_forgot_signs_in_again_and_a_changed_password_flags_it(
    httpserver, org, owner, client_for, check, lemmy_channel
):
    # Lemmy answers a session it no longer knows as if no one were signed in.
    anonymous = recorded("lemmy", "site")["body"]
    anonymous.pop("my_user", None)
    httpserver.expect_request("/api/v3/site").respond_with_json(anonymous)
    login = Calls(reply("lemmy", "incorrect_login"))
    httpserver.expect_request("/api/v3/user/login", method="POST").respond_with_handler(login)

    response = check(client_for(owner), lemmy_channel)

    assert login.seen[0]["json"] == {"username_or_email": "alice", "password": "old-password"}
    assert_flagged(lemmy_channel, owner, b"Lemmy", response)


# -- Other networks with a refresh token ------------------------------------------------------
@pytest.mark.parametrize(
    ("provider", "endpoints", "settings_values", "token_path", "refused"),
    [
        (
            "reddit",
            {"auth": "/reddit-authorize", "token": "/reddit-token", "api": "/oauth"},
            {"REDDIT_CLIENT_ID": "reddit-client-id", "REDDIT_CLIENT_SECRET": "reddit-secret"},
            "/reddit-token",
            "invalid_grant",
        ),
        (
            "slack",
            {"auth": "/slack-oauth", "api": "/slack-api"},
            {"SLACK_CLIENT_ID": "slack-client-id", "SLACK_CLIENT_SECRET": "slack-secret"},
            "/slack-api/oauth.v2.access",
            "err_invalid_refresh_token",
        ),
    ],
)
def test_a_refused_refresh_token_is_found_by_the_check(
    settings,
    httpserver,
    org,
    owner,
    client_for,
    check,
    make_channel,
    provider,
    endpoints,
    settings_values,
    token_path,
    refused,
):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, **settings_values}
    point(settings, httpserver, provider, **endpoints)
    channel = make_channel(
        provider=provider,
        external_id="T1:C1" if provider == "slack" else "t2_abc",
        credentials={"access_token": "old-access", "refresh_token": "old-refresh"},
        meta={"team_id": "T1", "channel_id": "C1"} if provider == "slack" else {},
    )
    token = Calls(reply(provider, refused))
    httpserver.expect_request(token_path, method="POST").respond_with_handler(token)

    response = check(client_for(owner), channel)

    assert token.seen[0]["form"]["refresh_token"] == "old-refresh"
    assert_flagged(channel, owner, b"", response)
    assert len(httpserver.log) == 1  # nothing was read with the old access token
