"""Lemmy's error table from recorded responses."""

from pathlib import Path

import pytest
import requests

from integrations.providers.base import ErrorKind, Phase
from integrations.providers.lemmy import LemmyProvider
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
    ("name", "phase", "kind"),
    [
        ("not_logged_in", Phase.COMMIT, ErrorKind.AUTH_EXPIRED),
        ("incorrect_login", Phase.AUTH, ErrorKind.AUTH_REVOKED),
        ("incorrect_login_401", Phase.COMMIT, ErrorKind.AUTH_EXPIRED),
        ("missing_totp", Phase.AUTH, ErrorKind.AUTH_REVOKED),
        ("rate_limit", Phase.COMMIT, ErrorKind.RATE_LIMITED),
        ("rate_limit_429", Phase.READ, ErrorKind.RATE_LIMITED),
        ("couldnt_find_community", Phase.READ, ErrorKind.NOT_FOUND),
        ("invalid_post_title", Phase.COMMIT, ErrorKind.CONTENT_REJECTED),
        ("banned", Phase.COMMIT, ErrorKind.PERMISSION_DENIED),
        ("server_error", Phase.COMMIT, ErrorKind.UNKNOWN_OUTCOME),
        ("server_error", Phase.UPLOAD, ErrorKind.TRANSIENT_BEFORE_SEND),
    ],
)
def test_error_table(name, phase, kind):
    error = LemmyProvider().classify_response(phase, as_requests_response(name))
    assert error is not None and error.kind == kind
    assert error.user_message


def test_rate_limit_backs_off_for_a_minute():
    error = LemmyProvider().classify_response(Phase.COMMIT, as_requests_response("rate_limit"))
    assert error.retry_after == 60
    assert error.network_code == "rate_limit_error"


def test_an_invalid_title_points_at_the_communities_setting():
    error = LemmyProvider().classify_response(
        Phase.COMMIT, as_requests_response("invalid_post_title")
    )
    assert error.field == "subreddit"


def test_successes_are_not_errors():
    provider = LemmyProvider()
    for name in ("login", "site", "post", "comment", "pictrs_upload", "user_posts"):
        assert provider.classify_response(Phase.COMMIT, as_requests_response(name)) is None
