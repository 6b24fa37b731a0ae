"""Connecting to an instance: checking it, registering the app, OAuth, limits, account."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import ErrorKind, Grant, ProviderError
from integrations.providers.mastodon import MastodonProvider

from .support import ACCOUNT_ID, TOKEN, Recorder, load, respond

REDIRECT = "https://postiz.example.org/integrations/callback/mastodon"
CLIENT = {
    "client_id": "TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hPM",
    "client_secret": "ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw",
}


@pytest.fixture
def provider():
    return MastodonProvider()


@pytest.fixture
def base(httpserver):
    return httpserver.url_for("").rstrip("/")


def test_check_instance_accepts_a_v2_server_and_returns_its_origin(provider, httpserver, base):
    httpserver.expect_request("/api/v2/instance").respond_with_response(
        respond("instance_v2", base)
    )
    assert provider.check_instance(base + "/about/more?x=1") == base


def test_check_instance_falls_back_to_v1_on_older_servers(provider, httpserver, base):
    httpserver.expect_ordered_request("/api/v2/instance").respond_with_json(
        {"error": "Record not found"}, status=404
    )
    httpserver.expect_ordered_request("/api/v1/instance").respond_with_response(
        respond("instance_v1", base)
    )
    assert provider.check_instance(base) == base
    httpserver.check_assertions()


def test_something_that_is_not_mastodon_is_refused_with_a_clear_message(provider, httpserver, base):
    httpserver.expect_request("/api/v2/instance").respond_with_data(
        "<html>Welcome to my blog</html>", content_type="text/html"
    )
    httpserver.expect_request("/api/v1/instance").respond_with_json({"hello": "world"})
    with pytest.raises(ProviderError) as caught:
        provider.check_instance(base)
    assert caught.value.user_message.startswith(f"{base} does not look like a Mastodon server")


def test_an_unreachable_instance_says_so(provider):
    with pytest.raises(ProviderError) as caught:
        provider.check_instance("http://127.0.0.1:9")
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert "Could not reach http://127.0.0.1:9" in caught.value.user_message


def test_instance_addresses_are_normalised_to_https_origins(provider):
    from integrations.providers.mastodon import _instance_origin

    assert _instance_origin("Mastodon.Social") == "https://mastodon.social"
    assert _instance_origin("http://mastodon.social/@bob") == "https://mastodon.social"
    assert _instance_origin("http://localhost:3000/") == "http://localhost:3000"
    assert _instance_origin("ftp://x") == ""


def test_register_app_posts_name_redirect_scopes_and_website(provider, httpserver, base):
    call = Recorder(respond("app", base))
    httpserver.expect_ordered_request("/api/v1/apps", method="POST").respond_with_handler(call)
    client = provider.register_app(instance_url=base, redirect_uri=REDIRECT)
    httpserver.check_assertions()
    assert call.calls[0]["json"] == {
        "client_name": "Postiz",
        "redirect_uris": REDIRECT,
        "scopes": "read write:statuses write:media",
        "website": "https://postiz.example.org",
    }
    assert client == CLIENT


def test_authorization_url_carries_client_scopes_state_and_pkce(provider):
    url = provider.authorization_url(
        state="st4te",
        redirect_uri=REDIRECT,
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        instance={"url": "social.example", **CLIENT},
    )
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "social.example",
        "/oauth/authorize",
    )
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == {
        "response_type": "code",
        "client_id": CLIENT["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "read write:statuses write:media",
        "state": "st4te",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
    }


def test_exchange_code_returns_the_token_account_and_instance_limits(
    provider, httpserver, base, captured_logs
):
    token = Recorder(respond("token", base))
    httpserver.expect_ordered_request("/oauth/token", method="POST").respond_with_handler(token)
    verify = Recorder(respond("verify_credentials", base))
    httpserver.expect_ordered_request(
        "/api/v1/accounts/verify_credentials", method="GET"
    ).respond_with_handler(verify)
    httpserver.expect_ordered_request("/api/v2/instance").respond_with_response(
        respond("instance_v2", base)
    )

    grant = provider.exchange_code(
        code="c0de", redirect_uri=REDIRECT, code_verifier="v" * 43, instance={"url": base, **CLIENT}
    )

    httpserver.check_assertions()
    form = {k: v[0] for k, v in parse_qs(token.calls[0]["data"].decode()).items()}
    assert form == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "client_id": CLIENT["client_id"],
        "client_secret": CLIENT["client_secret"],
        "redirect_uri": REDIRECT,
        "scope": "read write:statuses write:media",
        "code_verifier": "v" * 43,
    }
    assert verify.calls[0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert grant.credentials == {"access_token": TOKEN}
    assert grant.scopes == ["read", "write:statuses", "write:media"]
    assert grant.expires_at is None
    assert grant.meta == {
        "instance": base,
        "account_id": ACCOUNT_ID,
        "acct": "alice",
        "max_characters": 1000,
        "characters_reserved_per_url": 23,
        "max_media_attachments": 4,
        "image_size_limit": 16777216,
        "video_size_limit": 103809024,
    }
    logged = "\n".join(r.getMessage() for r in captured_logs.records)
    assert TOKEN not in logged and CLIENT["client_secret"] not in logged


def test_invalid_client_during_exchange_asks_to_register_again(provider, httpserver, base):
    httpserver.expect_request("/oauth/token").respond_with_response(respond("invalid_client"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri=REDIRECT, instance={"url": base, **CLIENT})
    assert (caught.value.kind, caught.value.network_code) == (
        ErrorKind.AUTH_REVOKED,
        "invalid_client",
    )


def test_a_token_without_write_scopes_fails_at_connect(provider, httpserver, base):
    httpserver.expect_request("/oauth/token").respond_with_response(respond("token_read_only"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri=REDIRECT, instance={"url": base, **CLIENT})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_accounts_return_the_verified_account(provider, httpserver, base):
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_response(
        respond("verify_credentials", base)
    )
    grant = Grant(credentials={"access_token": TOKEN}, meta={"instance": base})
    [account] = provider.accounts(grant)
    host = urlsplit(base).netloc
    assert account.external_id == ACCOUNT_ID
    assert account.username == f"@alice@{host}"
    assert account.name == "Alice 🐘"
    assert account.profile_url == f"{base}/@alice"
    assert account.avatar_url == load("verify_credentials", base)["body"]["avatar"]


def test_a_revoked_token_is_auth_revoked(provider, httpserver, base):
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_response(
        respond("unauthorized")
    )
    with pytest.raises(ProviderError) as caught:
        provider.accounts(Grant(credentials={"access_token": TOKEN}, meta={"instance": base}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_mastodon_tokens_do_not_refresh(provider, base):
    from .support import channel

    assert provider.refresh_ahead == 0
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel(base))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
