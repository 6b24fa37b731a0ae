"""Bluesky's error table, driven by responses recorded as the network sends them."""

import time

import pytest

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.bluesky import BlueskyProvider

from .support import as_response

TABLE = [
    ("expired_token", Phase.COMMIT, ErrorKind.AUTH_EXPIRED, "ExpiredToken"),
    ("expired_token", Phase.AUTH, ErrorKind.AUTH_EXPIRED, "ExpiredToken"),
    ("invalid_token", Phase.COMMIT, ErrorKind.AUTH_EXPIRED, "InvalidToken"),
    ("authentication_required", Phase.AUTH, ErrorKind.AUTH_REVOKED, "AuthenticationRequired"),
    ("authentication_required", Phase.COMMIT, ErrorKind.AUTH_EXPIRED, "AuthenticationRequired"),
    ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED, "RateLimitExceeded"),
    ("invalid_request", Phase.COMMIT, ErrorKind.CONTENT_REJECTED, "InvalidRequest"),
    ("blob_too_large", Phase.UPLOAD, ErrorKind.CONTENT_REJECTED, "BlobTooLarge"),
    ("record_not_found", Phase.READ, ErrorKind.NOT_FOUND, "RecordNotFound"),
    ("account_takedown", Phase.COMMIT, ErrorKind.AUTH_REVOKED, "AccountTakedown"),
    ("internal_error", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "InternalServerError"),
    ("internal_error", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND, "InternalServerError"),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "502"),
    ("bad_gateway", Phase.READ, ErrorKind.TRANSIENT_BEFORE_SEND, "502"),
]


@pytest.mark.parametrize(("fixture", "phase", "kind", "code"), TABLE)
def test_each_recorded_error_maps_to_its_kind(fixture, phase, kind, code):
    error = BlueskyProvider().classify_response(phase, as_response(fixture))
    assert error is not None
    assert (error.kind, error.network_code) == (kind, code)


@pytest.mark.parametrize("fixture", ["create_record", "upload_blob", "create_session"])
def test_successes_are_not_errors(fixture):
    assert BlueskyProvider().classify_response(Phase.COMMIT, as_response(fixture)) is None


def test_expired_token_is_http_400_not_401():
    response = as_response("expired_token")
    assert response.status_code == 400


def test_login_refusal_tells_the_person_what_to_do():
    error = BlueskyProvider().classify_response(Phase.AUTH, as_response("authentication_required"))
    assert error.user_message.startswith("Bluesky refused the handle or app password")
    assert "app password" in error.user_message


def test_rate_limit_waits_until_the_reset_epoch():
    reset = str(int(time.time()) + 120)
    error = BlueskyProvider().classify_response(
        Phase.COMMIT, as_response("rate_limited", **{"RateLimit-Reset": reset})
    )
    assert error.kind == ErrorKind.RATE_LIMITED
    assert 110 <= error.retry_after <= 121


def test_content_rejection_shows_the_networks_message():
    error = BlueskyProvider().classify_response(Phase.COMMIT, as_response("invalid_request"))
    assert "must not be longer than 300 graphemes" in error.user_message


def test_an_error_body_on_a_200_is_still_an_error():
    response = as_response("create_record")
    response.status_code = 200
    response._content = b'{"error":"ExpiredToken","message":"Token has expired"}'
    error = BlueskyProvider().classify_response(Phase.COMMIT, response)
    assert error.kind == ErrorKind.AUTH_EXPIRED
