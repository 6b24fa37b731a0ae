"""Signing in to Twitch, checking the connection and renewing the sign-in, against a fake."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.conftest import assert_no_secret
from tests.providers.twitch.conftest import CLIENT_ID, HELIX, TOKEN, reply


def form(request) -> dict:
    return {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}


def test_the_sign_in_asks_to_chat_announce_and_read_the_account(provider):
    url = provider.authorization_url(state="s1", redirect_uri="https://postiz.example/cb/")
    parts = urlsplit(url)
    assert parts.path == "/id/oauth2/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "https://postiz.example/cb/",
        "scope": "user:write:chat moderator:manage:announcements user:read:email",
        "state": "s1",
    }


def test_the_code_is_exchanged_and_the_account_read(provider, httpserver, captured_logs):
    httpserver.expect_ordered_request("/id/oauth2/token", method="POST").respond_with_response(
        reply("token")
    )
    httpserver.expect_ordered_request(
        "/api/helix/users", method="GET", headers=HELIX
    ).respond_with_response(reply("users"))
    grant = provider.exchange_code(code="c0de", redirect_uri="https://postiz.example/cb/")
    [account] = provider.accounts(grant)
    assert form(httpserver.log[0][0]) == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://postiz.example/cb/",
        "client_id": CLIENT_ID,
        "client_secret": "twitch-client-secret",
    }
    assert grant.credentials == {
        "access_token": TOKEN["access_token"],
        "refresh_token": TOKEN["refresh_token"],
    }
    assert grant.expires_at is not None
    assert "user:write:chat" in grant.scopes
    assert (account.external_id, account.username, account.name) == (
        "141981764",
        "twitchdev",
        "TwitchDev",
    )
    assert account.profile_url == "https://www.twitch.tv/twitchdev"
    assert_no_secret(captured_logs, TOKEN["access_token"], TOKEN["refresh_token"])


def test_a_grant_without_chat_is_refused_while_connecting(provider, httpserver):
    httpserver.expect_request("/id/oauth2/token").respond_with_response(reply("token_no_chat"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c0de", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_refresh_keeps_the_new_refresh_token(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth2/token", method="POST").respond_with_response(
        reply("token_refreshed")
    )
    grant = provider.refresh(channel)
    sent = form(httpserver.log[0][0])
    assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", TOKEN["refresh_token"])
    assert grant.credentials == {
        "access_token": "twitch-access-new-5Tn0YeW3",
        "refresh_token": "twitch-refresh-new-9Mq4AfL7",
    }


def test_a_refresh_token_twitch_no_longer_takes_asks_for_a_reconnect(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth2/token").respond_with_response(reply("refresh_invalid"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_a_wrong_app_secret_names_the_settings_not_the_channel(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth2/token").respond_with_response(reply("client_invalid"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "TWITCH_CLIENT_SECRET" in caught.value.user_message


def test_check_connection_validates_the_token_then_reads_the_account(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/id/oauth2/validate", headers={"Authorization": f"OAuth {TOKEN['access_token']}"}
    ).respond_with_response(reply("validate"))
    httpserver.expect_ordered_request("/api/helix/users", headers=HELIX).respond_with_response(
        reply("users")
    )
    assert provider.fetch_profile(channel).username == "twitchdev"


def test_an_invalid_token_at_check_connection_is_renewable(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth2/validate").respond_with_response(
        reply("validate_invalid")
    )
    with pytest.raises(ProviderError) as caught:
        provider.fetch_profile(channel)
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


def test_a_token_of_another_account_is_not_taken_for_this_channel(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth2/validate").respond_with_response(reply("validate"))
    channel.external_id = "999"
    with pytest.raises(ProviderError) as caught:
        provider.fetch_profile(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
