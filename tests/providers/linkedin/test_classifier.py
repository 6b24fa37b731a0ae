from datetime import UTC, datetime, timedelta

import pytest

from integrations.providers.base import Channel, ErrorKind, Phase, ProviderError, PublishRequest
from tests.providers.conftest import fixture_response
from tests.providers.linkedin.conftest import HERE

TABLE = [
    ("expired", Phase.COMMIT, ErrorKind.AUTH_EXPIRED),
    ("revoked", Phase.COMMIT, ErrorKind.AUTH_REVOKED),
    ("forbidden", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("version_retired", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED),
    ("duplicate", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("invalid", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("not_found", Phase.COMMIT, ErrorKind.NOT_FOUND),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("bad_gateway", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("refresh_invalid", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("token_invalid_client", Phase.AUTH, ErrorKind.PERMISSION_DENIED),
]


def classify(provider, httpserver, name, phase):
    httpserver.expect_request("/b/probe").respond_with_response(fixture_response(HERE, name))
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for("/b/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind"), TABLE)
def test_table(provider, httpserver, name, phase, kind):
    assert classify(provider, httpserver, name, phase).kind == kind


def test_created_with_empty_body_is_success(provider, httpserver):
    httpserver.expect_request("/b/probe").respond_with_response(
        fixture_response(HERE, "post_created")
    )
    response = provider.request("POST", httpserver.url_for("/b/probe"), phase=Phase.COMMIT)
    assert response.headers["x-restli-id"] == "urn:li:share:6844785523593134080"


def test_daily_quota_retries_after_next_midnight_utc(provider, httpserver):
    error = classify(provider, httpserver, "rate_limited", Phase.COMMIT)
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert abs(error.retry_after - (midnight - now).total_seconds()) < 5


def test_retired_version_tells_the_operator(provider, httpserver):
    error = classify(provider, httpserver, "version_retired", Phase.COMMIT)
    assert "202605" in error.user_message
    assert "administrator" in error.user_message


def test_rejection_shows_linkedins_message(provider, httpserver):
    error = classify(provider, httpserver, "invalid", Phase.COMMIT)
    assert "exceeds maximum length 3000" in error.user_message


def test_expired_without_refresh_token_is_revoked_with_one(provider, httpserver):
    httpserver.expect_request("/b/rest/posts").respond_with_response(
        fixture_response(HERE, "expired")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(Channel("782bbtaQ", {"access_token": "a"}), PublishRequest("p", "hi"))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            Channel("782bbtaQ", {"access_token": "a", "refresh_token": "r"}),
            PublishRequest("p", "hi"),
        )
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED
