"""Connecting with an app password, accounts, and renewing sessions (with rotation)."""

from datetime import UTC, datetime

import pytest

from integrations.providers.base import ErrorKind, Grant, ProviderError
from integrations.providers.bluesky import BlueskyProvider

from .support import DID, Recorder, channel, load, respond

PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def provider():
    return BlueskyProvider()


def test_login_creates_a_session_and_learns_the_pds(provider, httpserver, captured_logs):
    service = httpserver.url_for("").rstrip("/")
    pds = service + "/pds"
    login = Recorder(lambda _: respond("create_session", pds=pds))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_handler(login)

    grant = provider.authenticate(
        {"service": service, "identifier": "@alice.example.com", "app_password": PASSWORD}
    )

    httpserver.check_assertions()
    assert login.calls[0]["json"] == {"identifier": "alice.example.com", "password": PASSWORD}
    session = load("create_session")["body"]
    assert grant.credentials == {
        "access_jwt": session["accessJwt"],
        "refresh_jwt": session["refreshJwt"],
        "identifier": "alice.example.com",
        "app_password": PASSWORD,
    }
    assert grant.meta == {
        "did": DID,
        "handle": "alice.example.com",
        "pds": pds,
        "service": service,
    }
    # The access JWT's exp claim (2030-01-01T00:00:00Z), read without verification.
    assert grant.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    text = "\n".join(r.getMessage() for r in captured_logs.records)
    assert PASSWORD not in text and session["accessJwt"] not in text


def test_without_a_did_document_the_service_url_is_the_pds(provider, httpserver):
    service = httpserver.url_for("").rstrip("/")
    body = load("create_session", pds=service)["body"]
    del body["didDoc"]
    body["accessJwt"] = "not-a-jwt"
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(body)
    before = datetime.now(UTC)
    grant = provider.authenticate({"service": service, "identifier": DID, "app_password": PASSWORD})
    assert grant.meta["pds"] == service
    # An undecodable token is assumed to live the documented two hours.
    assert 7190 <= (grant.expires_at - before).total_seconds() <= 7210


def test_wrong_app_password_fails_at_connect_with_an_actionable_message(provider, httpserver):
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        respond("authentication_required")
    )
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(
            {
                "service": httpserver.url_for(""),
                "identifier": "alice.example.com",
                "app_password": "wrong",
            }
        )
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert caught.value.user_message.startswith("Bluesky refused the handle or app password")


def test_service_addresses_become_https_origins():
    from integrations.providers.bluesky import _origin

    assert _origin("bsky.social") == "https://bsky.social"
    assert _origin("http://pds.example.com/xrpc") == "https://pds.example.com"
    assert _origin("http://localhost:2583") == "http://localhost:2583"


def test_credential_form_has_service_identifier_and_secret_password(provider):
    fields = {f.name: f for f in provider.credential_fields()}
    assert list(fields) == ["service", "identifier", "app_password"]
    assert fields["service"].initial == "https://bsky.social"
    assert fields["app_password"].type == "secret"


def test_accounts_use_the_profile_when_the_appview_answers(provider, httpserver):
    pds = httpserver.url_for("").rstrip("/")
    profile = Recorder(respond("get_profile"))
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_handler(profile)
    grant = Grant(
        credentials={"access_jwt": "eyJhY2Nlc3M.eyJ4.c2ln"},
        meta={"did": DID, "handle": "alice.example.com", "pds": pds},
    )
    [account] = provider.accounts(grant)
    assert profile.calls[0]["args"] == {"actor": DID}
    assert profile.calls[0]["headers"]["Authorization"] == "Bearer eyJhY2Nlc3M.eyJ4.c2ln"
    assert (account.external_id, account.username, account.name) == (
        DID,
        "alice.example.com",
        "Alice",
    )
    assert account.profile_url == "https://bsky.app/profile/alice.example.com"
    assert account.avatar_url.startswith("https://cdn.bsky.app/")


def test_accounts_fall_back_to_the_handle_on_a_bare_pds(provider, httpserver):
    pds = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_json(
        {"error": "MethodNotImplemented", "message": "Method Not Implemented"}, status=501
    )
    grant = Grant(
        credentials={"access_jwt": "x"}, meta={"did": DID, "handle": "alice.test", "pds": pds}
    )
    [account] = provider.accounts(grant)
    assert account.name == "alice.test" and account.avatar_url == ""


def test_refresh_sends_the_refresh_jwt_and_returns_the_rotated_pair(provider, httpserver):
    pds = httpserver.url_for("").rstrip("/")
    call = Recorder(lambda _: respond("refresh_session", pds=pds))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_handler(call)

    grant = provider.refresh(channel(pds))

    httpserver.check_assertions()
    assert call.calls[0]["headers"]["Authorization"] == "Bearer eyJyZWZyZXNo.eyJvbGQ.c2ln"
    fresh = load("refresh_session")["body"]
    assert grant.credentials["access_jwt"] == fresh["accessJwt"]
    assert grant.credentials["refresh_jwt"] == fresh["refreshJwt"]  # rotated, to persist
    assert grant.credentials["app_password"] == PASSWORD  # kept for a later re-login
    assert grant.expires_at == datetime(2030, 1, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("dead", ["expired_token", "invalid_token"])
def test_a_dead_refresh_jwt_logs_in_again_with_the_app_password(provider, httpserver, dead):
    pds = httpserver.url_for("").rstrip("/")
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.refreshSession", method="POST"
    ).respond_with_response(respond(dead))
    login = Recorder(lambda _: respond("create_session", pds=pds))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.createSession", method="POST"
    ).respond_with_handler(login)

    grant = provider.refresh(channel(pds))

    httpserver.check_assertions()
    assert login.calls[0]["json"] == {"identifier": "alice.example.com", "password": PASSWORD}
    assert grant.credentials["refresh_jwt"] == load("create_session")["body"]["refreshJwt"]


def test_a_revoked_app_password_makes_refresh_auth_revoked(provider, httpserver):
    pds = httpserver.url_for("").rstrip("/")
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.refreshSession"
    ).respond_with_response(respond("expired_token"))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.createSession"
    ).respond_with_response(respond("authentication_required"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel(pds))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_a_network_failure_during_refresh_is_transient(provider):
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel("http://127.0.0.1:9"))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
