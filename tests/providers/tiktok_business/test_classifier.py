"""TikTok API for Business's answers, read through the error table: the envelope's numeric
code on HTTP 200, the token endpoint's codes, and the server's own failures by phase."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.tiktok_business import TikTokBusinessProvider

HERE = Path(__file__).parent
C, R, A = Phase.COMMIT, Phase.READ, Phase.AUTH


def recorded(name: str) -> requests.Response:
    data = json.loads((HERE / "fixtures" / f"{name}.json").read_text())
    body = data["body"]
    response = requests.Response()
    response.status_code = data["status"]
    response.headers.update({"Content-Type": "application/json", **data.get("headers", {})})
    response._content = (body if isinstance(body, str) else json.dumps(body)).encode()
    return response


CASES = [
    # (fixture, phase, kind, network code, words the person reads)
    ("access_token_expired", C, ErrorKind.AUTH_EXPIRED, "40102", "renew"),
    ("access_token_revoked", C, ErrorKind.AUTH_EXPIRED, "40105", "renew"),
    ("token_refresh_expired", A, ErrorKind.AUTH_REVOKED, "40103", "reconnect"),
    ("token_invalid_app", A, ErrorKind.PERMISSION_DENIED, "40101", "TIKTOK_BUSINESS_APP_ID"),
    ("scope_missing", C, ErrorKind.PERMISSION_DENIED, "40001", "lacks the required scope"),
    ("rate_limited", C, ErrorKind.RATE_LIMITED, "40100", "slow down"),
    ("invalid_params", C, ErrorKind.CONTENT_REJECTED, "40002", "Invalid Param(s): 'video_url'"),
    ("system_error", C, ErrorKind.UNKNOWN_OUTCOME, "50000", "temporary problem"),
    ("system_error", R, ErrorKind.TRANSIENT_BEFORE_SEND, "50000", "temporary problem"),
    ("bad_gateway", C, ErrorKind.UNKNOWN_OUTCOME, "502", "server error"),
    ("bad_gateway", R, ErrorKind.TRANSIENT_BEFORE_SEND, "502", "server error"),
]


@pytest.mark.parametrize(("name", "phase", "kind", "code", "words"), CASES)
def test_each_recorded_error_means_what_tiktok_says(name, phase, kind, code, words):
    error = TikTokBusinessProvider().classify_response(phase, recorded(name))
    assert (error.kind, error.network_code) == (kind, code)
    assert words in error.user_message


def test_a_rate_limit_waits_a_minute_without_a_header():
    error = TikTokBusinessProvider().classify_response(C, recorded("rate_limited"))
    assert error.retry_after == 60


@pytest.mark.parametrize(
    "name", ["video_publish", "photo_publish", "status_complete", "business_get", "token"]
)
def test_code_zero_is_a_success(name):
    assert TikTokBusinessProvider().classify_response(C, recorded(name)) is None


def test_an_unreadable_success_on_the_publish_call_may_hide_a_live_post():
    response = requests.Response()
    response.status_code = 200
    response._content = b"<html>upstream reset</html>"
    error = TikTokBusinessProvider().classify_response(C, response)
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME
