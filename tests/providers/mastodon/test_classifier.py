"""Mastodon's error table, keyed on status code and error structure."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.mastodon import MastodonProvider

from .support import as_response

TABLE = [
    ("unauthorized", Phase.COMMIT, ErrorKind.AUTH_REVOKED, "401"),
    ("unauthorized", Phase.READ, ErrorKind.AUTH_REVOKED, "401"),
    ("forbidden_scope", Phase.COMMIT, ErrorKind.PERMISSION_DENIED, "403"),
    ("not_found", Phase.COMMIT, ErrorKind.NOT_FOUND, "404"),
    ("validation_failed", Phase.COMMIT, ErrorKind.CONTENT_REJECTED, "422"),
    ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED, "429"),
    ("invalid_client", Phase.AUTH, ErrorKind.AUTH_REVOKED, "invalid_client"),
    ("invalid_grant", Phase.AUTH, ErrorKind.AUTH_REVOKED, "invalid_grant"),
    ("file_too_large", Phase.UPLOAD, ErrorKind.CONTENT_REJECTED, "413"),
    ("server_error", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "500"),
    ("server_error", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND, "500"),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "502"),
    ("bad_gateway", Phase.READ, ErrorKind.TRANSIENT_BEFORE_SEND, "502"),
]


@pytest.mark.parametrize(("fixture", "phase", "kind", "code"), TABLE)
def test_each_recorded_error_maps_to_its_kind(fixture, phase, kind, code):
    error = MastodonProvider().classify_response(phase, as_response(fixture))
    assert (error.kind, error.network_code) == (kind, code)


@pytest.mark.parametrize("fixture", ["status", "media_200", "media_202", "media_206", "token"])
def test_successes_are_not_errors(fixture):
    assert MastodonProvider().classify_response(Phase.COMMIT, as_response(fixture)) is None


def test_rate_limit_reset_is_an_iso_time():
    reset = (datetime.now(UTC) + timedelta(seconds=180)).isoformat().replace("+00:00", "Z")
    error = MastodonProvider().classify_response(
        Phase.COMMIT, as_response("rate_limited", **{"X-RateLimit-Reset": reset})
    )
    assert error.kind == ErrorKind.RATE_LIMITED
    assert 170 <= error.retry_after <= 181


def test_validation_failure_shows_the_servers_text():
    error = MastodonProvider().classify_response(Phase.COMMIT, as_response("validation_failed"))
    assert "Text character limit of 500 exceeded" in error.user_message


def test_invalid_client_tells_the_caller_to_register_again():
    error = MastodonProvider().classify_response(Phase.AUTH, as_response("invalid_client"))
    assert error.kind == ErrorKind.AUTH_REVOKED
    assert error.network_code == "invalid_client"


def test_an_oauth_error_body_on_a_200_is_still_an_error():
    response = as_response("token")
    response._content = b'{"error":"invalid_grant","error_description":"expired"}'
    error = MastodonProvider().classify_response(Phase.AUTH, response)
    assert error.kind == ErrorKind.AUTH_REVOKED
