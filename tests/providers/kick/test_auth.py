"""Signing in to Kick (OAuth 2.1 with PKCE) and renewing the sign-in, against a fake."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.conftest import assert_no_secret
from tests.providers.kick.conftest import BEARER, TOKEN, reply


def form(request) -> dict:
    return {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}


def test_the_sign_in_carries_a_pkce_challenge_and_asks_to_chat(provider):
    url = provider.authorization_url(
        state="s1", redirect_uri="https://postiz.example/cb/", code_challenge="ch4ll3nge"
    )
    parts = urlsplit(url)
    assert parts.path == "/id/oauth/authorize"
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": "01JKICKCLIENT",
        "redirect_uri": "https://postiz.example/cb/",
        "scope": "chat:write user:read channel:read",
        "state": "s1",
        "code_challenge": "ch4ll3nge",
        "code_challenge_method": "S256",
    }


def test_the_code_and_verifier_are_exchanged_and_the_channel_read(
    provider, httpserver, captured_logs
):
    httpserver.expect_ordered_request("/id/oauth/token", method="POST").respond_with_response(
        reply("token")
    )
    httpserver.expect_ordered_request("/api/public/v1/users", headers=BEARER).respond_with_response(
        reply("users")
    )
    httpserver.expect_ordered_request(
        "/api/public/v1/channels", headers=BEARER
    ).respond_with_response(reply("channels"))
    grant = provider.exchange_code(
        code="c0de", redirect_uri="https://postiz.example/cb/", code_verifier="v3rifier"
    )
    [account] = provider.accounts(grant)
    assert form(httpserver.log[0][0]) == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://postiz.example/cb/",
        "code_verifier": "v3rifier",
        "client_id": "01JKICKCLIENT",
        "client_secret": "kick-client-secret",
    }
    assert grant.credentials == {
        "access_token": TOKEN["access_token"],
        "refresh_token": TOKEN["refresh_token"],
    }
    assert (account.external_id, account.username, account.name) == (
        "4377088",
        "acmeworkshop",
        "AcmeWorkshop",
    )
    assert account.profile_url == "https://kick.com/acmeworkshop"
    assert_no_secret(captured_logs, TOKEN["access_token"], TOKEN["refresh_token"], "v3rifier")


def test_a_grant_without_chat_write_is_refused_while_connecting(provider, httpserver):
    httpserver.expect_request("/id/oauth/token").respond_with_response(reply("token_no_chat"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_refresh_keeps_the_new_refresh_token(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth/token", method="POST").respond_with_response(
        reply("token_refreshed")
    )
    grant = provider.refresh(channel)
    assert form(httpserver.log[0][0])["refresh_token"] == TOKEN["refresh_token"]
    assert grant.credentials == {
        "access_token": "kick-access-new-Y2E1ZDk0",
        "refresh_token": "kick-refresh-new-OGQ3ZTFj",
    }


def test_a_refused_refresh_asks_for_a_reconnect(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth/token").respond_with_response(reply("refresh_invalid"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_a_refused_app_names_the_settings(provider, httpserver, channel):
    httpserver.expect_request("/id/oauth/token").respond_with_response(reply("client_invalid"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "KICK_CLIENT_SECRET" in caught.value.user_message


def test_check_connection_reads_the_account_and_its_channel(provider, httpserver, channel):
    httpserver.expect_request("/api/public/v1/users").respond_with_response(reply("users"))
    httpserver.expect_request("/api/public/v1/channels").respond_with_response(reply("channels"))
    assert provider.fetch_profile(channel).external_id == "4377088"
