from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.threads.conftest import HERE


def test_authorization_url(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/a")
    assert parse_qs(parts.query) == {
        "client_id": ["threads-app-id"],
        "redirect_uri": ["https://app.test/cb"],
        "scope": [
            "threads_basic,threads_content_publish,threads_manage_replies,threads_manage_insights"
        ],
        "response_type": ["code"],
        "state": ["s1"],
    }


def test_exchange_code_then_swaps_for_a_long_lived_token(provider, httpserver):
    seen = {}

    def short(request):
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "token_short")

    httpserver.expect_ordered_request("/g/oauth/access_token", method="POST").respond_with_handler(
        short
    )
    httpserver.expect_ordered_request(
        "/g/access_token",
        method="GET",
        query_string={
            "grant_type": "th_exchange_token",
            "client_secret": "threads-app-secret",
            "access_token": "THQVJ-short-secret",
        },
    ).respond_with_response(fixture_response(HERE, "token_long"))
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert seen["form"] == {
        "client_id": "threads-app-id",
        "client_secret": "threads-app-secret",
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.test/cb",
        "code": "c0de",
    }
    assert grant.credentials == {"access_token": "THAA-long-secret"}
    assert grant.meta == {"user_id": "1234567890"}
    days = (grant.expires_at - grant.expires_at.now(grant.expires_at.tzinfo)).days
    assert 59 <= days <= 60


def test_refresh_uses_the_long_lived_token(provider, httpserver):
    httpserver.expect_request(
        "/g/refresh_access_token",
        method="GET",
        query_string={"grant_type": "th_refresh_token", "access_token": "THAA-long-secret"},
    ).respond_with_response(fixture_response(HERE, "token_refreshed"))
    grant = provider.refresh(Channel("1234567890", {"access_token": "THAA-long-secret"}))
    assert grant.credentials == {"access_token": "THAA-refreshed-secret"}
    assert "refresh_token" not in grant.credentials
    assert provider.refresh_ahead == 7 * 24 * 3600


def test_refresh_of_an_expired_token_is_revoked(provider, httpserver):
    httpserver.expect_request("/g/refresh_access_token").respond_with_response(
        fixture_response(HERE, "expired_190")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "old"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


@pytest.mark.parametrize("name", ["transient_2", "bad_gateway"])
def test_refresh_server_trouble_is_transient(provider, httpserver, name):
    httpserver.expect_request("/g/refresh_access_token").respond_with_response(
        fixture_response(HERE, name)
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "old"}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_refresh_network_down_is_transient(provider, settings):
    settings.PROVIDER_ENDPOINTS = {"threads": {"api": "http://127.0.0.1:9"}}
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "old"}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_accounts_reads_the_profile(provider, httpserver):
    httpserver.expect_request(
        "/g/v1.0/me",
        query_string={"fields": "id,username,name,threads_profile_picture_url"},
        headers={"Authorization": "Bearer tok"},
    ).respond_with_response(fixture_response(HERE, "me"))
    [account] = provider.accounts(Grant(credentials={"access_token": "tok"}))
    assert (account.external_id, account.username, account.name) == (
        "1234567890",
        "threadsapitestuser",
        "Threads API Test User",
    )
    assert account.profile_url == "https://www.threads.com/@threadsapitestuser"
    assert account.avatar_url.startswith("https://scontent")


def test_fetch_profile(provider, httpserver):
    httpserver.expect_request("/g/v1.0/me").respond_with_response(fixture_response(HERE, "me"))
    assert provider.fetch_profile(Channel("1234567890", {"access_token": "t"})).username == (
        "threadsapitestuser"
    )


def test_refused_code_exchange_is_revoked_not_retried(provider, httpserver):
    httpserver.expect_request("/g/oauth/access_token").respond_with_response(
        Response(
            '{"error":{"message":"Invalid verification code format.","type":"OAuthException",'
            '"code":100,"fbtrace_id":"x"}}',
            status=400,
            content_type="application/json",
        )
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="bad", redirect_uri="r")
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
