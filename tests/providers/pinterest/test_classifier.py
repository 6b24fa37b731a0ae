import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.pinterest.conftest import reply

TABLE = [
    ("expired", Phase.COMMIT, ErrorKind.AUTH_EXPIRED, "2"),
    ("refresh_invalid", Phase.AUTH, ErrorKind.AUTH_REVOKED, "283"),
    ("forbidden", Phase.COMMIT, ErrorKind.PERMISSION_DENIED, "29"),
    ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED, "8"),
    ("invalid", Phase.COMMIT, ErrorKind.CONTENT_REJECTED, "1"),
    ("board_not_found", Phase.COMMIT, ErrorKind.NOT_FOUND, "40"),
    ("pin_not_found", Phase.READ, ErrorKind.NOT_FOUND, "50"),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "502"),
    ("bad_gateway", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND, "502"),
]


def classify(provider, httpserver, name, phase):
    httpserver.expect_request("/api/probe").respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", httpserver.url_for("/api/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind", "code"), TABLE)
def test_each_recorded_error_gets_its_kind(provider, httpserver, name, phase, kind, code):
    error = classify(provider, httpserver, name, phase)
    assert (error.kind, error.network_code) == (kind, code)
    assert "{" not in error.user_message


def test_the_rate_limit_waits_until_pinterests_reset(provider, httpserver):
    assert classify(provider, httpserver, "rate_limited", Phase.COMMIT).retry_after == 42


def test_a_missing_permission_says_what_to_do(provider, httpserver):
    error = classify(provider, httpserver, "forbidden", Phase.COMMIT)
    assert error.user_message.startswith(
        "Pinterest does not allow this for the connected account: You are not permitted"
    )
    assert "Reconnect" in error.user_message
