import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.gmb.conftest import reply

TABLE = [
    ("unauthenticated", Phase.COMMIT, ErrorKind.AUTH_EXPIRED, "ACCESS_TOKEN_EXPIRED"),
    ("invalid_grant", Phase.AUTH, ErrorKind.AUTH_REVOKED, "invalid_grant"),
    ("invalid_client", Phase.AUTH, ErrorKind.PERMISSION_DENIED, "invalid_client"),
    ("permission_denied", Phase.COMMIT, ErrorKind.PERMISSION_DENIED, "PERMISSION_DENIED"),
    ("service_disabled", Phase.READ, ErrorKind.PERMISSION_DENIED, "SERVICE_DISABLED"),
    ("quota_zero", Phase.READ, ErrorKind.PERMISSION_DENIED, "QUOTA_ZERO"),
    ("rate_limited", Phase.COMMIT, ErrorKind.RATE_LIMITED, "RATE_LIMIT_EXCEEDED"),
    ("invalid_argument", Phase.COMMIT, ErrorKind.CONTENT_REJECTED, "INVALID_ARGUMENT"),
    ("not_found", Phase.COMMIT, ErrorKind.NOT_FOUND, "NOT_FOUND"),
    ("bad_gateway", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME, "502"),
    ("bad_gateway", Phase.READ, ErrorKind.TRANSIENT_BEFORE_SEND, "502"),
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


def test_a_rate_limit_waits_what_google_says(provider, httpserver):
    assert classify(provider, httpserver, "rate_limited", Phase.COMMIT).retry_after == 30


def test_an_api_not_approved_tells_the_user_to_request_access(provider, httpserver):
    for name in ("permission_denied", "service_disabled", "quota_zero"):
        message = classify(provider, httpserver, name, Phase.COMMIT).user_message
        assert "developers.google.com/my-business/content/prereqs" in message, name


def test_a_rejected_post_says_which_field_google_refused(provider, httpserver):
    error = classify(provider, httpserver, "invalid_argument", Phase.COMMIT)
    assert error.user_message == (
        "Google Business Profile rejected the post: Invalid url (call_to_action.url)"
    )
