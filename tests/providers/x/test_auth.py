import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.x.conftest import HERE


def test_authorization_url_asks_for_posting_scopes_with_pkce(provider, httpserver):
    url = provider.authorization_url(
        state="st4te", redirect_uri="https://app.test/cb", code_challenge="ch4llenge"
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/a")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["x-client-id"],
        "redirect_uri": ["https://app.test/cb"],
        "scope": ["tweet.read tweet.write users.read offline.access media.write list.read"],
        "state": ["st4te"],
        "code_challenge": ["ch4llenge"],
        "code_challenge_method": ["S256"],
    }
    assert "%20" in parts.query  # scopes separated by encoded spaces, not '+'


def _basic(request):
    return request.headers.get("Authorization")


def test_exchange_code_posts_the_verifier_with_basic_auth(provider, httpserver):
    seen = {}

    def handler(request):
        seen["auth"] = _basic(request)
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "token")

    httpserver.expect_ordered_request("/b/2/oauth2/token", method="POST").respond_with_handler(
        handler
    )
    grant = provider.exchange_code(
        code="c0de", redirect_uri="https://app.test/cb", code_verifier="v"
    )
    expected = base64.b64encode(b"x-client-id:x-client-secret").decode()
    assert seen["auth"] == f"Basic {expected}"
    assert seen["form"] == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://app.test/cb",
        "code_verifier": "v",
        "client_id": "x-client-id",
    }
    assert grant.credentials == {
        "access_token": "x-access-aaa111",
        "refresh_token": "x-refresh-bbb222",
    }
    assert "tweet.write" in grant.scopes
    assert grant.expires_at is not None


def test_public_client_sends_no_basic_auth(provider, httpserver, settings):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "X_CLIENT_SECRET": ""}
    seen = {}

    def handler(request):
        seen["auth"] = _basic(request)
        return fixture_response(HERE, "token")

    httpserver.expect_request("/b/2/oauth2/token").respond_with_handler(handler)
    provider.exchange_code(code="c", redirect_uri="https://app.test/cb", code_verifier="v")
    assert seen["auth"] is None


def test_exchange_without_write_scope_is_refused(provider, httpserver):
    httpserver.expect_request("/b/2/oauth2/token").respond_with_response(
        fixture_response(HERE, "token_read_only")
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://app.test/cb", code_verifier="v")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "not allowed to post" in caught.value.user_message


def test_refresh_returns_the_rotated_refresh_token(provider, httpserver):
    seen = {}

    def handler(request):
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "token_rotated")

    httpserver.expect_request("/b/2/oauth2/token", method="POST").respond_with_handler(handler)
    channel = Channel("2244994945", {"access_token": "old", "refresh_token": "x-refresh-bbb222"})
    grant = provider.refresh(channel)
    assert seen["form"] == {
        "grant_type": "refresh_token",
        "refresh_token": "x-refresh-bbb222",
        "client_id": "x-client-id",
    }
    assert grant.credentials == {
        "access_token": "x-access-ccc333",
        "refresh_token": "x-refresh-ddd444",
    }


def test_refresh_without_new_refresh_token_leaves_the_old_one_to_the_caller(provider, httpserver):
    body = json.loads((HERE / "fixtures" / "token_rotated.json").read_text())["body"]
    del body["refresh_token"]
    httpserver.expect_request("/b/2/oauth2/token").respond_with_json(body)
    grant = provider.refresh(Channel("1", {"access_token": "old", "refresh_token": "keep"}))
    assert grant.credentials == {"access_token": "x-access-ccc333"}


def test_used_refresh_token_means_revoked(provider, httpserver):
    httpserver.expect_request("/b/2/oauth2/token").respond_with_response(
        fixture_response(HERE, "refresh_invalid")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "a", "refresh_token": "used"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_wrong_app_credentials_are_an_operator_problem_not_a_revocation(provider, httpserver):
    httpserver.expect_request("/b/2/oauth2/token").respond_with_response(
        fixture_response(HERE, "token_invalid_client")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "X_CLIENT_ID" in caught.value.user_message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_refresh_server_error_is_transient_never_revoked(provider, httpserver, status):
    httpserver.expect_request("/b/2/oauth2/token").respond_with_response(
        Response("oops", status=status)
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_refresh_when_network_unreachable_is_transient(provider, settings):
    settings.PROVIDER_ENDPOINTS = {"x": {"api": "http://127.0.0.1:9"}}
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_accounts_reads_the_profile_with_the_bearer_token(provider, httpserver):
    httpserver.expect_request(
        "/b/2/users/me",
        method="GET",
        headers={"Authorization": "Bearer x-access-aaa111"},
        query_string={"user.fields": "profile_image_url,username,name"},
    ).respond_with_response(fixture_response(HERE, "users_me"))
    from integrations.providers.base import Grant

    [account] = provider.accounts(Grant(credentials={"access_token": "x-access-aaa111"}))
    assert account.external_id == "2244994945"
    assert account.username == "XDevelopers"
    assert account.name == "X Developers"
    assert account.profile_url == "https://x.com/XDevelopers"
    assert account.avatar_url.startswith("https://pbs.twimg.com/")


def test_fetch_profile_uses_the_channel_token(provider, httpserver):
    httpserver.expect_request(
        "/b/2/users/me", headers={"Authorization": "Bearer chan-token"}
    ).respond_with_response(fixture_response(HERE, "users_me"))
    account = provider.fetch_profile(Channel("2244994945", {"access_token": "chan-token"}))
    assert account.external_id == "2244994945"
