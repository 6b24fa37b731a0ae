import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.instagram.conftest import HERE

TABLE = [
    ("expired_190", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("code_rejected_100", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("ig_code_used", Phase.AUTH, ErrorKind.AUTH_REVOKED),
    ("duplicate_506", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("policy_368", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
    ("permission_200", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
    ("not_ready_9007", Phase.COMMIT, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("not_found_100", Phase.READ, ErrorKind.NOT_FOUND),
    ("invalid_param_100", Phase.UPLOAD, ErrorKind.CONTENT_REJECTED),
    ("transient_2", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("transient_2", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND),
    ("unknown_1", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
    ("bad_gateway", Phase.READ, ErrorKind.TRANSIENT_BEFORE_SEND),
]
RATE = ["rate_4", "rate_17", "rate_32", "rate_613", "rate_80001"]


def classify(provider, httpserver, response, phase, prefix="/g"):
    httpserver.expect_request(f"{prefix}/probe").respond_with_response(response)
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for(f"{prefix}/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind"), TABLE)
def test_table_is_the_same_for_both_logins(provider, standalone, httpserver, name, phase, kind):
    assert classify(provider, httpserver, fixture_response(HERE, name), phase).kind == kind
    httpserver.clear()
    error = classify(standalone, httpserver, fixture_response(HERE, name), phase, "/ig")
    assert error.kind == kind


def test_an_expired_token_is_renewed_only_with_instagram_login(provider, standalone, httpserver):
    # Through Facebook Login the channel posts with a Page token, which cannot be renewed.
    error = classify(provider, httpserver, fixture_response(HERE, "expired_190"), Phase.COMMIT)
    assert error.kind == ErrorKind.AUTH_REVOKED
    httpserver.clear()
    error = classify(
        standalone, httpserver, fixture_response(HERE, "expired_190"), Phase.COMMIT, "/ig"
    )
    assert error.kind == ErrorKind.AUTH_EXPIRED
    httpserver.clear()
    error = classify(
        standalone, httpserver, fixture_response(HERE, "invalid_token_190"), Phase.READ, "/ig"
    )
    assert error.kind == ErrorKind.AUTH_EXPIRED


@pytest.mark.parametrize("status", [400, 403])
@pytest.mark.parametrize("name", RATE)
def test_throttling_codes_on_400_and_403(provider, httpserver, name, status):
    response = fixture_response(HERE, name)
    response.status_code = status
    error = classify(provider, httpserver, response, Phase.COMMIT)
    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.retry_after == 19 * 60


def test_the_daily_publishing_limit_waits_for_a_slot(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "limit_reached_4"), Phase.COMMIT)
    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.retry_after == 3600
    assert error.network_code == "4/2207042"
    assert "a day" in error.user_message


def test_the_networks_words_are_shown(provider, httpserver):
    error = classify(
        provider, httpserver, fixture_response(HERE, "invalid_param_100"), Phase.UPLOAD
    )
    assert "The aspect ratio is not supported." in error.user_message
    assert error.network_code == "100/2207009"
