"""TikTok's errors come in its body, {"error": {"code", "message", "log_id"}}, on every
status (code "ok" is a success); the token endpoint answers OAuth's flat shape."""

import logging

import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.tiktok.conftest import HERE

C, U, A, R = Phase.COMMIT, Phase.UPLOAD, Phase.AUTH, Phase.READ
TABLE = [
    ("access_token_invalid", C, ErrorKind.AUTH_EXPIRED, "access_token_invalid"),
    ("access_token_invalid", R, ErrorKind.AUTH_EXPIRED, "access_token_invalid"),
    ("scope_not_authorized", C, ErrorKind.PERMISSION_DENIED, "scope_not_authorized"),
    ("rate_limit_exceeded", C, ErrorKind.RATE_LIMITED, "rate_limit_exceeded"),
    ("spam_risk_too_many_posts", C, ErrorKind.RATE_LIMITED, "spam_risk_too_many_posts"),
    (
        "spam_risk_too_many_pending_share",
        C,
        ErrorKind.RATE_LIMITED,
        "spam_risk_too_many_pending_share",
    ),
    ("reached_active_user_cap", C, ErrorKind.RATE_LIMITED, "reached_active_user_cap"),
    (
        "spam_risk_user_banned_from_posting",
        C,
        ErrorKind.PERMISSION_DENIED,
        "spam_risk_user_banned_from_posting",
    ),
    (
        "unaudited_client",
        C,
        ErrorKind.CONTENT_REJECTED,
        "unaudited_client_can_only_post_to_private_accounts",
    ),
    (
        "privacy_level_option_mismatch",
        C,
        ErrorKind.CONTENT_REJECTED,
        "privacy_level_option_mismatch",
    ),
    ("url_ownership_unverified", C, ErrorKind.PERMISSION_DENIED, "url_ownership_unverified"),
    ("invalid_params", C, ErrorKind.CONTENT_REJECTED, "invalid_params"),
    ("invalid_file_upload", U, ErrorKind.CONTENT_REJECTED, "invalid_file_upload"),
    ("internal_error", C, ErrorKind.UNKNOWN_OUTCOME, "internal_error"),
    ("internal_error", U, ErrorKind.TRANSIENT_BEFORE_SEND, "internal_error"),
    ("bad_gateway", C, ErrorKind.UNKNOWN_OUTCOME, "502"),
    ("bad_gateway", R, ErrorKind.TRANSIENT_BEFORE_SEND, "502"),
    ("token_invalid_grant", A, ErrorKind.AUTH_REVOKED, "invalid_grant"),
    ("token_invalid_client", A, ErrorKind.PERMISSION_DENIED, "invalid_client"),
    ("token_invalid_request", A, ErrorKind.AUTH_REVOKED, "invalid_request"),
]


def classify(provider, httpserver, response, phase):
    httpserver.expect_request("/api/probe").respond_with_response(response)
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for("/api/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind", "code"), TABLE)
def test_each_recorded_error_has_its_kind(provider, httpserver, name, phase, kind, code):
    error = classify(provider, httpserver, fixture_response(HERE, name), phase)
    assert (error.kind, error.network_code) == (kind, code)
    assert error.user_message and "{" not in error.user_message


def test_an_error_code_on_http_200_is_still_an_error(provider, httpserver):
    response = fixture_response(HERE, "privacy_level_option_mismatch")
    response.status_code = 200
    error = classify(provider, httpserver, response, Phase.COMMIT)
    assert error.kind == ErrorKind.CONTENT_REJECTED and error.field == "privacy_level"


def test_code_ok_is_a_success_whatever_else_the_body_says(provider, httpserver):
    httpserver.expect_request("/api/probe").respond_with_response(
        fixture_response(HERE, "creator_info")
    )
    response = provider.request("POST", httpserver.url_for("/api/probe"), phase=Phase.READ)
    assert response.json()["data"]["creator_username"] == "acme.studio"


def test_the_rate_limit_waits_what_tiktok_says(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "rate_limit_exceeded"), C)
    assert error.retry_after == 42


def test_the_daily_post_cap_waits_a_day(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "spam_risk_too_many_posts"), C)
    assert error.retry_after == 24 * 3600
    assert "daily post limit" in error.user_message


def test_the_networks_words_are_shown_for_a_rejection(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "invalid_params"), C)
    assert error.user_message == (
        "TikTok rejected the post: The value of the field post_info.title exceeds the "
        "maximum length."
    )


def test_the_log_id_is_logged_for_tiktoks_support(provider, httpserver, caplog):
    caplog.set_level(logging.INFO)
    classify(provider, httpserver, fixture_response(HERE, "access_token_invalid"), C)
    assert "20241206120000010102030405060700FF" in caplog.text


def test_the_log_id_of_the_call_that_creates_a_post_is_logged(provider, httpserver, caplog):
    caplog.set_level(logging.INFO)
    httpserver.expect_request("/api/probe").respond_with_response(
        fixture_response(HERE, "pull_init")
    )
    provider.request("POST", httpserver.url_for("/api/probe"), phase=Phase.COMMIT)
    assert "ok log_id 202412061200000101020304050607A1B2" in caplog.text
