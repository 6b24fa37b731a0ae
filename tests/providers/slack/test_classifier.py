"""Slack's error table: errors arrive on HTTP 200 as {"ok": false, "error": ...}."""

from pathlib import Path

import pytest
import requests

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.slack import SlackProvider
from tests.providers.conftest import fixture_response

HERE = Path(__file__).parent


def as_requests_response(name):
    raw = fixture_response(HERE, name)
    response = requests.Response()
    response.status_code = raw.status_code
    response.headers.update(dict(raw.headers))
    response._content = raw.get_data()
    return response


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("err_token_expired", ErrorKind.AUTH_EXPIRED),
        ("err_invalid_auth", ErrorKind.AUTH_REVOKED),
        ("err_token_revoked", ErrorKind.AUTH_REVOKED),
        ("err_account_inactive", ErrorKind.AUTH_REVOKED),
        ("err_invalid_refresh_token", ErrorKind.AUTH_REVOKED),
        ("err_not_in_channel", ErrorKind.PERMISSION_DENIED),
        ("err_missing_scope", ErrorKind.PERMISSION_DENIED),
        ("err_channel_not_found", ErrorKind.NOT_FOUND),
        ("err_is_archived", ErrorKind.NOT_FOUND),
        ("err_msg_too_long", ErrorKind.CONTENT_REJECTED),
        ("err_no_text", ErrorKind.CONTENT_REJECTED),
        ("err_invalid_blocks", ErrorKind.CONTENT_REJECTED),
        ("rate_limited", ErrorKind.RATE_LIMITED),
    ],
)
def test_error_table(name, kind):
    response = as_requests_response(name)
    error = SlackProvider().classify_response(Phase.COMMIT, response)
    assert error is not None and error.kind == kind
    assert error.network_code == response.json()["error"]
    assert error.user_message


def test_errors_on_http_200_are_still_errors():
    response = as_requests_response("err_token_expired")
    assert response.status_code == 200
    assert SlackProvider().classify_response(Phase.READ, response).kind == ErrorKind.AUTH_EXPIRED


def test_rate_limit_reads_retry_after():
    error = SlackProvider().classify_response(Phase.COMMIT, as_requests_response("rate_limited"))
    assert error.retry_after == 30


def test_not_in_channel_says_how_to_fix_it():
    error = SlackProvider().classify_response(
        Phase.COMMIT, as_requests_response("err_not_in_channel")
    )
    assert "/invite" in error.user_message


def test_slack_internal_error_depends_on_the_phase():
    provider = SlackProvider()
    response = as_requests_response("err_internal_error")
    assert provider.classify_response(Phase.COMMIT, response).kind == ErrorKind.UNKNOWN_OUTCOME
    assert (
        provider.classify_response(Phase.UPLOAD, response).kind == ErrorKind.TRANSIENT_BEFORE_SEND
    )


def test_server_errors_depend_on_the_phase():
    provider = SlackProvider()
    response = as_requests_response("server_error")
    assert provider.classify_response(Phase.COMMIT, response).kind == ErrorKind.UNKNOWN_OUTCOME
    assert provider.classify_response(Phase.READ, response).kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_successes_are_not_errors():
    provider = SlackProvider()
    for name in ("post_message", "permalink", "oauth_access", "complete_upload"):
        assert provider.classify_response(Phase.COMMIT, as_requests_response(name)) is None


def test_the_plain_text_answer_of_the_upload_url_is_a_success():
    response = requests.Response()
    response.status_code = 200
    response._content = b"OK - 4"
    assert SlackProvider().classify_response(Phase.UPLOAD, response) is None
