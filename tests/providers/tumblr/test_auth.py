"""Signing in to Tumblr, picking blogs and renewing the sign-in, against a local fake."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.conftest import assert_no_secret
from tests.providers.tumblr.conftest import BEARER, TOKEN, reply


def form(request) -> dict:
    return {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}


def test_the_sign_in_asks_to_write_and_to_stay_signed_in(provider):
    url = provider.authorization_url(state="s1", redirect_uri="https://postiz.example/cb/")
    parts = urlsplit(url)
    assert parts.path == "/www/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "response_type": "code",
        "client_id": "tumblr-consumer-key",
        "redirect_uri": "https://postiz.example/cb/",
        "scope": "basic write offline_access",
        "state": "s1",
    }


def test_the_code_is_exchanged_and_every_blog_becomes_a_choice(provider, httpserver, captured_logs):
    httpserver.expect_ordered_request("/api/v2/oauth2/token", method="POST").respond_with_response(
        reply("token")
    )
    httpserver.expect_ordered_request(
        "/api/v2/user/info", method="GET", headers=BEARER
    ).respond_with_response(reply("user_info"))
    grant = provider.exchange_code(code="c0de", redirect_uri="https://postiz.example/cb/")
    accounts = provider.accounts(grant)
    sent = form(httpserver.log[0][0])
    assert sent == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://postiz.example/cb/",
        "client_id": "tumblr-consumer-key",
        "client_secret": "tumblr-consumer-secret",
    }
    assert grant.credentials == {
        "access_token": TOKEN["access_token"],
        "refresh_token": TOKEN["refresh_token"],
    }
    assert grant.expires_at is not None
    assert [(a.external_id, a.username, a.name, a.kind) for a in accounts] == [
        ("t:Qm3pX9vK2sL7cN4hB8dR1w", "acmeworkshop", "Acme Workshop", "blog"),
        ("t:Zx7cV1bN5mQ2wE9rT4yU6i", "acme-offcuts", "Acme Offcuts", "blog"),
    ]
    assert accounts[0].avatar_url.endswith("_512.pnj")
    assert_no_secret(captured_logs, TOKEN["access_token"], TOKEN["refresh_token"])


def test_a_grant_without_write_is_refused(provider, httpserver):
    httpserver.expect_request("/api/v2/oauth2/token").respond_with_response(reply("token_no_write"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c0de", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_refresh_keeps_the_new_refresh_token(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/oauth2/token", method="POST").respond_with_response(
        reply("token_refreshed")
    )
    grant = provider.refresh(channel)
    assert form(httpserver.log[0][0])["refresh_token"] == TOKEN["refresh_token"]
    assert grant.credentials == {
        "access_token": "tumblr-access-new-5Tn0YeW3",
        "refresh_token": "tumblr-refresh-new-9Mq4AfL7",
    }


@pytest.mark.parametrize("answer", ["refresh_invalid", "refresh_expired"])
def test_a_refresh_token_tumblr_no_longer_takes_asks_for_a_reconnect(
    provider, httpserver, channel, answer
):
    httpserver.expect_request("/api/v2/oauth2/token").respond_with_response(reply(answer))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_check_connection_finds_the_channels_blog(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/user/info").respond_with_response(reply("user_info"))
    assert provider.fetch_profile(channel).username == "acmeworkshop"
    channel.external_id, channel.username = "t:gone", "gone"
    with pytest.raises(ProviderError) as caught:
        provider.fetch_profile(channel)
    assert caught.value.kind == ErrorKind.NOT_FOUND


def test_the_blogs_tool_lists_where_the_account_can_post(provider, httpserver, channel):
    httpserver.expect_request("/api/v2/user/info").respond_with_response(reply("user_info"))
    assert provider.run_tool(channel, "blogs", {}) == [
        {
            "name": "acmeworkshop",
            "title": "Acme Workshop",
            "url": "https://acmeworkshop.tumblr.com/",
        },
        {
            "name": "acme-offcuts",
            "title": "Acme Offcuts",
            "url": "https://acme-offcuts.tumblr.com/",
        },
    ]
