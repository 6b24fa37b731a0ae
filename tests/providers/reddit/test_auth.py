import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.reddit.conftest import HERE

BASIC = "Basic " + base64.b64encode(b"reddit-client-id:reddit-client-secret").decode()


def test_authorization_url_asks_for_a_permanent_grant(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/a")
    assert parse_qs(parts.query) == {
        "client_id": ["reddit-client-id"],
        "response_type": ["code"],
        "state": ["s1"],
        "redirect_uri": ["https://app.test/cb"],
        "duration": ["permanent"],
        "scope": ["identity submit read flair"],
    }


def test_exchange_code_uses_basic_auth_and_a_descriptive_user_agent(provider, httpserver):
    seen = {}

    def handler(request):
        seen["auth"] = request.headers.get("Authorization")
        seen["agent"] = request.headers.get("User-Agent")
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "token")

    httpserver.expect_request("/t", method="POST").respond_with_handler(handler)
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert seen == {
        "auth": BASIC,
        "agent": "server:postiz:1.0 (by /u/postiz)",
        "form": {
            "grant_type": "authorization_code",
            "code": "c0de",
            "redirect_uri": "https://app.test/cb",
        },
    }
    assert grant.credentials == {
        "access_token": "reddit-access-111",
        "refresh_token": "reddit-refresh-222",
    }
    assert sorted(grant.scopes) == ["flair", "identity", "read", "submit"]


def test_exchange_without_submit_scope_is_refused(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "token_no_submit"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="r")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "not allowed to post" in caught.value.user_message


def test_bad_code_answered_on_http_200_is_revoked(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "invalid_grant"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="used", redirect_uri="r")
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_refresh_keeps_the_old_refresh_token_when_none_comes_back(provider, httpserver):
    seen = {}

    def handler(request):
        seen["auth"] = request.headers.get("Authorization")
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "token_refreshed")

    httpserver.expect_request("/t", method="POST").respond_with_handler(handler)
    grant = provider.refresh(Channel("1w72", {"access_token": "a", "refresh_token": "r-old"}))
    assert seen == {
        "auth": BASIC,
        "form": {"grant_type": "refresh_token", "refresh_token": "r-old"},
    }
    assert grant.credentials == {"access_token": "reddit-access-333"}
    assert provider.refresh_ahead == 300


def test_refresh_returns_a_rotated_refresh_token(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "token_rotated"))
    grant = provider.refresh(Channel("1w72", {"access_token": "a", "refresh_token": "r-old"}))
    assert grant.credentials["refresh_token"] == "reddit-refresh-555"


@pytest.mark.parametrize("name", ["invalid_grant", "invalid_grant_400"])
def test_revoked_refresh_token(provider, httpserver, name):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, name))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1w72", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_bad_app_credentials_are_for_the_operator(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(
        fixture_response(HERE, "token_unauthorized")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1w72", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "REDDIT_CLIENT_ID" in caught.value.user_message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_refresh_server_error_is_transient(provider, httpserver, status):
    httpserver.expect_request("/t").respond_with_response(Response("down", status=status))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1w72", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_accounts_reads_me(provider, httpserver):
    httpserver.expect_request(
        "/o/api/v1/me",
        headers={"Authorization": "Bearer tok", "User-Agent": "server:postiz:1.0 (by /u/postiz)"},
    ).respond_with_response(fixture_response(HERE, "me"))
    [account] = provider.accounts(Grant(credentials={"access_token": "tok"}))
    assert (account.external_id, account.username) == ("1w72", "postiz_tester")
    assert account.profile_url == "https://www.reddit.com/user/postiz_tester"
    assert "&amp;" not in account.avatar_url


def test_configured_username_goes_into_the_user_agent(settings):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "REDDIT_USERNAME": "operator"}
    from integrations.providers.reddit import RedditProvider

    assert RedditProvider().session.headers["User-Agent"] == "server:postiz:1.0 (by /u/operator)"
