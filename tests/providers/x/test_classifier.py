import time

import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.x.conftest import HERE

TABLE = [
    ("unauthorized", Phase.COMMIT, ErrorKind.AUTH_EXPIRED),
    ("unauthorized", Phase.READ, ErrorKind.AUTH_EXPIRED),
    ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED),
    ("duplicate", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("forbidden", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("client_not_enrolled", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("invalid_request", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("not_found_read", Phase.READ, ErrorKind.NOT_FOUND),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("bad_gateway", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("refresh_invalid", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("token_invalid_client", Phase.AUTH, ErrorKind.PERMISSION_DENIED),
]


def classify(provider, httpserver, name, phase, response=None):
    httpserver.expect_request("/b/probe").respond_with_response(
        response or fixture_response(HERE, name)
    )
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for("/b/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind"), TABLE)
def test_table(provider, httpserver, name, phase, kind):
    assert classify(provider, httpserver, name, phase).kind == kind


def test_successes_are_not_errors(provider, httpserver):
    for name in ("tweet_created", "users_me", "media_status_succeeded"):
        httpserver.clear()
        httpserver.expect_request("/b/ok").respond_with_response(fixture_response(HERE, name))
        provider.request("GET", httpserver.url_for("/b/ok"), phase=Phase.READ)


def test_rate_limit_waits_until_x_rate_limit_reset(provider, httpserver):
    response = fixture_response(HERE, "rate_limited")
    response.headers["x-rate-limit-reset"] = str(int(time.time()) + 600)
    error = classify(provider, httpserver, "", Phase.COMMIT, response)
    assert 590 <= error.retry_after <= 600
    assert error.network_code == "88"


def test_daily_cap_waits_for_the_24_hour_reset(provider, httpserver):
    response = fixture_response(HERE, "rate_limited_daily")
    response.headers["x-rate-limit-reset"] = str(int(time.time()) + 60)
    response.headers["x-user-limit-24hour-reset"] = str(int(time.time()) + 7200)
    error = classify(provider, httpserver, "", Phase.COMMIT, response)
    assert 7190 <= error.retry_after <= 7200


def test_duplicate_message_says_what_to_do(provider, httpserver):
    error = classify(provider, httpserver, "duplicate", Phase.COMMIT)
    assert "X rejects duplicate posts" in error.user_message


def test_rejection_shows_the_networks_message(provider, httpserver):
    error = classify(provider, httpserver, "invalid_request", Phase.COMMIT)
    assert "Your Tweet text is too long." in error.user_message
