"""Discord's error table, driven by recorded responses."""

from pathlib import Path

import pytest
import requests

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.discord import DiscordWebhookProvider
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
    ("name", "phase", "kind", "code"),
    [
        ("unauthorized", Phase.COMMIT, ErrorKind.AUTH_REVOKED, "0"),
        ("unknown_webhook", Phase.COMMIT, ErrorKind.AUTH_REVOKED, "10015"),
        ("unknown_webhook", Phase.AUTH, ErrorKind.AUTH_REVOKED, "10015"),
        ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED, "429"),
        ("rate_limited_global", Phase.COMMIT, ErrorKind.RATE_LIMITED, "429"),
        ("invalid_form_body", Phase.COMMIT, ErrorKind.CONTENT_REJECTED, "50035"),
        ("missing_permissions", Phase.COMMIT, ErrorKind.PERMISSION_DENIED, "50013"),
        ("missing_access", Phase.COMMIT, ErrorKind.PERMISSION_DENIED, "50001"),
        ("unknown_channel", Phase.COMMIT, ErrorKind.NOT_FOUND, "10003"),
        ("unknown_message", Phase.COMMIT, ErrorKind.NOT_FOUND, "10008"),
        ("server_error", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "502"),
        ("server_error", Phase.AUTH, ErrorKind.TRANSIENT_BEFORE_SEND, "502"),
    ],
)
def test_error_table(name, phase, kind, code):
    error = DiscordWebhookProvider().classify_response(phase, as_requests_response(name))
    assert error is not None
    assert error.kind == kind
    assert error.network_code == code
    assert error.user_message


def test_successes_are_not_errors():
    provider = DiscordWebhookProvider()
    assert provider.classify_response(Phase.COMMIT, as_requests_response("message")) is None
    assert provider.classify_response(Phase.AUTH, as_requests_response("webhook")) is None


def test_rate_limit_uses_the_float_retry_after_from_the_body():
    error = DiscordWebhookProvider().classify_response(
        Phase.COMMIT, as_requests_response("rate_limited")
    )
    assert error.retry_after == pytest.approx(1.234)


def test_a_global_rate_limit_says_it_is_not_only_this_channel():
    provider = DiscordWebhookProvider()
    app_wide = provider.classify_response(Phase.COMMIT, as_requests_response("rate_limited_global"))
    channel = provider.classify_response(Phase.COMMIT, as_requests_response("rate_limited"))

    assert app_wide.user_message == (
        "Discord is rate limiting everything; we will try again shortly."
    )
    assert channel.user_message == (
        "Discord is rate limiting this channel; we will try again shortly."
    )
    assert app_wide.retry_after == pytest.approx(64.57)


def test_deleted_webhook_says_what_to_do():
    error = DiscordWebhookProvider().classify_response(
        Phase.COMMIT, as_requests_response("unknown_webhook")
    )
    assert "webhook was deleted" in error.user_message


def test_form_errors_name_the_field_and_the_reason():
    provider = DiscordWebhookProvider()
    error = provider.classify_response(Phase.COMMIT, as_requests_response("invalid_form_body"))
    assert "content: Must be 2000 or fewer in length." in error.user_message
    assert error.field == "text"
    nested = provider.classify_response(
        Phase.COMMIT, as_requests_response("invalid_form_body_nested")
    )
    assert "attachments.0.description" in nested.user_message
    assert nested.field == "attachments.0.description"


def test_an_unreadable_success_on_the_commit_is_an_unknown_outcome():
    response = requests.Response()
    response.status_code = 200
    response._content = b"<html>oops"
    error = DiscordWebhookProvider().classify_response(Phase.COMMIT, response)
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME
