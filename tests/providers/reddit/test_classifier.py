import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.reddit.conftest import HERE

TABLE = [
    ("ratelimit", Phase.COMMIT, ErrorKind.RATE_LIMITED),
    ("subreddit_noexist", Phase.COMMIT, ErrorKind.NOT_FOUND),
    ("subreddit_notallowed", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("no_selfs", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("flair_required", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("too_long", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("thread_locked", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("unauthorized", Phase.COMMIT, ErrorKind.AUTH_EXPIRED),
    ("unauthorized", Phase.READ, ErrorKind.AUTH_EXPIRED),
    ("too_many_requests", Phase.COMMIT, ErrorKind.RATE_LIMITED),
    ("forbidden", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("not_found", Phase.READ, ErrorKind.NOT_FOUND),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("bad_gateway", Phase.READ, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("invalid_grant", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("token_unauthorized", Phase.AUTH, ErrorKind.PERMISSION_DENIED),
]


def classify(provider, httpserver, name, phase):
    httpserver.expect_request("/o/probe").respond_with_response(fixture_response(HERE, name))
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for("/o/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind"), TABLE)
def test_table(provider, httpserver, name, phase, kind):
    assert classify(provider, httpserver, name, phase).kind == kind


def test_ratelimit_on_http_200_parses_the_wait(provider, httpserver):
    error = classify(provider, httpserver, "ratelimit", Phase.COMMIT)
    assert error.retry_after == 9 * 60
    assert error.network_code == "RATELIMIT"
    httpserver.clear()
    assert classify(provider, httpserver, "ratelimit_seconds", Phase.COMMIT).retry_after == 45


def test_429_uses_the_reset_header(provider, httpserver):
    assert classify(provider, httpserver, "too_many_requests", Phase.COMMIT).retry_after == 42


def test_messages_say_what_to_change(provider, httpserver):
    error = classify(provider, httpserver, "no_selfs", Phase.COMMIT)
    assert "does not accept text posts" in error.user_message
    assert error.field == "subreddit"
    httpserver.clear()
    error = classify(provider, httpserver, "flair_required", Phase.COMMIT)
    assert "requires a flair" in error.user_message


def test_success_is_not_an_error(provider, httpserver):
    httpserver.expect_request("/o/ok").respond_with_response(fixture_response(HERE, "submit_ok"))
    provider.request("POST", httpserver.url_for("/o/ok"), phase=Phase.COMMIT)
