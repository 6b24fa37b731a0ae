import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.facebook.conftest import HERE

TABLE = [
    # A Page token cannot be renewed: an expired or invalidated one means reconnecting.
    ("expired_190", Phase.COMMIT, ErrorKind.AUTH_REVOKED),
    ("invalid_token_190", Phase.READ, ErrorKind.AUTH_REVOKED),
    ("expired_190", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("code_rejected_100", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("duplicate_506", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("policy_368", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("permission_200", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("not_found_100", Phase.READ, ErrorKind.NOT_FOUND),
    ("invalid_param_100", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("transient_2", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("transient_2", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("unknown_1", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("unknown_1", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("bad_gateway", Phase.READ, ErrorKind.TRANSIENT_BEFORE_SEND),
]
RATE = ["rate_4", "rate_17", "rate_32", "rate_613", "rate_80001"]


def classify(provider, httpserver, response, phase):
    httpserver.expect_request("/g/probe").respond_with_response(response)
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for("/g/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind"), TABLE)
def test_table(provider, httpserver, name, phase, kind):
    error = classify(provider, httpserver, fixture_response(HERE, name), phase)
    assert error.kind == kind
    assert error.user_message and "{" not in error.user_message


@pytest.mark.parametrize("status", [400, 403])
@pytest.mark.parametrize("name", RATE)
def test_throttling_codes_on_400_and_403_wait_what_meta_estimates(
    provider, httpserver, name, status
):
    response = fixture_response(HERE, name)
    response.status_code = status
    error = classify(provider, httpserver, response, Phase.COMMIT)
    assert error.kind == ErrorKind.RATE_LIMITED
    # estimated_time_to_regain_access is in minutes.
    assert error.retry_after == 19 * 60
    assert error.network_code == name.split("_")[1]


def test_throttling_without_usage_header_waits_five_minutes(provider, httpserver):
    response = fixture_response(HERE, "rate_80001")
    del response.headers["X-Business-Use-Case-Usage"]
    assert classify(provider, httpserver, response, Phase.COMMIT).retry_after == 300


def test_an_error_on_http_200_is_still_an_error(provider, httpserver):
    response = fixture_response(HERE, "duplicate_506")
    response.status_code = 200
    error = classify(provider, httpserver, response, Phase.COMMIT)
    assert error.kind == ErrorKind.CONTENT_REJECTED


def test_the_networks_words_are_shown(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "duplicate_506"), Phase.COMMIT)
    assert "duplicate" in error.user_message
    httpserver.clear()
    error = classify(
        provider, httpserver, fixture_response(HERE, "invalid_param_100"), Phase.COMMIT
    )
    assert "The link you entered is not a valid URL." in error.user_message
    assert error.network_code == "100"
