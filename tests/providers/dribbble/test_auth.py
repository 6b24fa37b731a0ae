"""Connecting a Dribbble account: OAuth 2.0 with the upload scope, no refresh."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from tests.providers.conftest import assert_no_secret
from tests.providers.dribbble.conftest import BEARER, TOKEN, reply


def test_the_sign_in_asks_for_public_and_upload(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.example/cb/")
    parts = urlsplit(url)
    assert parts.path == "/www/oauth/authorize"
    query = parse_qs(parts.query)
    assert query["scope"] == ["public upload"]
    assert query["client_id"] == ["drb-client-id"]
    assert query["state"] == ["s1"]


def test_the_code_becomes_a_token_that_never_expires(provider, httpserver, captured_logs):
    httpserver.expect_request("/www/oauth/token", method="POST").respond_with_response(
        reply("token")
    )
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.example/cb/")
    form = httpserver.log[0][0].form
    assert form["grant_type"] == "authorization_code" and form["code"] == "c0de"
    assert form["client_secret"] == "drb-client-secret"
    assert grant.credentials == {"access_token": TOKEN["access_token"]}
    assert grant.expires_at is None
    assert_no_secret(captured_logs, TOKEN["access_token"], "drb-client-secret")


def test_a_grant_without_the_upload_scope_is_refused_at_once(provider, httpserver):
    httpserver.expect_request("/www/oauth/token", method="POST").respond_with_response(
        reply("token_public_only")
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c0de", redirect_uri="https://app.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_used_code_says_the_sign_in_must_start_again(provider, httpserver):
    httpserver.expect_request("/www/oauth/token", method="POST").respond_with_response(
        reply("invalid_grant")
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="old", redirect_uri="https://app.example/cb/")
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_the_account_is_the_signed_in_designer(provider, httpserver):
    httpserver.expect_request("/api/v2/user", headers=BEARER).respond_with_response(reply("user"))
    [account] = provider.accounts(_grant())
    assert (account.external_id, account.name, account.username) == (
        "1405112",
        "Acme Studio",
        "acmestudio",
    )
    assert account.profile_url == "https://dribbble.com/acmestudio"


def test_an_account_dribbble_does_not_let_upload_is_refused_when_connecting(provider, httpserver):
    httpserver.expect_request("/api/v2/user").respond_with_response(reply("user_cannot_upload"))
    with pytest.raises(ProviderError) as caught:
        provider.accounts(_grant())
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "upload shots" in caught.value.user_message


def test_teams_are_looked_up_for_the_team_setting(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/user", headers=BEARER).respond_with_response(reply("user"))
    assert provider.run_tool(channel, "teams", {}) == [
        {"id": "39021", "name": "Acme Design Team", "login": "acmedesign"}
    ]


def test_a_revoked_token_asks_for_a_reconnect_and_cannot_be_refreshed(provider, httpserver):
    httpserver.expect_request("/api/v2/user").respond_with_response(reply("bad_credentials"))
    channel = Channel("1405112", {"access_token": "revoked"})
    with pytest.raises(ProviderError) as caught:
        provider.fetch_profile(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    with pytest.raises(ProviderError) as renewal:
        provider.refresh(channel)
    assert renewal.value.kind == ErrorKind.AUTH_REVOKED


def _grant():
    from integrations.providers.base import Grant

    return Grant(credentials={"access_token": TOKEN["access_token"]}, scopes=["public", "upload"])
