"""Telegram's error table from recorded responses."""

from pathlib import Path

import pytest
import requests

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.telegram import TelegramChatMigrated, TelegramProvider
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
    ("name", "kind", "code"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED, "401"),
        ("not_found_token", ErrorKind.AUTH_REVOKED, "404"),
        ("rate_limited", ErrorKind.RATE_LIMITED, "429"),
        ("not_member", ErrorKind.PERMISSION_DENIED, "403"),
        ("kicked", ErrorKind.PERMISSION_DENIED, "403"),
        ("not_enough_rights", ErrorKind.PERMISSION_DENIED, "400"),
        ("chat_not_found", ErrorKind.NOT_FOUND, "400"),
        ("reply_not_found", ErrorKind.NOT_FOUND, "400"),
        ("too_long", ErrorKind.CONTENT_REJECTED, "400"),
        ("cant_parse", ErrorKind.CONTENT_REJECTED, "400"),
        ("migrated", ErrorKind.TRANSIENT_BEFORE_SEND, "400"),
        ("server_error", ErrorKind.UNKNOWN_OUTCOME, "502"),
    ],
)
def test_error_table(name, kind, code):
    error = TelegramProvider().classify_response(Phase.COMMIT, as_requests_response(name))
    assert error is not None and error.kind == kind
    assert error.network_code == code
    assert error.user_message


def test_rate_limit_reads_parameters_retry_after():
    error = TelegramProvider().classify_response(Phase.COMMIT, as_requests_response("rate_limited"))
    assert error.retry_after == 7


def test_an_upgraded_group_exposes_its_new_id():
    error = TelegramProvider().classify_response(Phase.COMMIT, as_requests_response("migrated"))
    assert isinstance(error, TelegramChatMigrated)
    assert error.migrated_chat_id == "-1001987654321"


def test_a_too_long_message_points_at_the_text():
    error = TelegramProvider().classify_response(Phase.COMMIT, as_requests_response("too_long"))
    assert error.field == "text"
    assert "message is too long" in error.user_message


def test_a_502_before_the_commit_is_transient():
    error = TelegramProvider().classify_response(Phase.AUTH, as_requests_response("server_error"))
    assert error.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_successes_are_not_errors():
    provider = TelegramProvider()
    for name in ("get_me", "send_message", "send_media_group", "member_admin"):
        assert provider.classify_response(Phase.COMMIT, as_requests_response(name)) is None
