import pytest

from integrations.providers.base import ErrorKind, Phase, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.youtube.conftest import HERE

C, U, A, R = Phase.COMMIT, Phase.UPLOAD, Phase.AUTH, Phase.READ
TABLE = [
    # (fixture, phase, kind, reported code, field)
    ("invalid_grant", A, ErrorKind.AUTH_REVOKED, "invalid_grant", ""),
    ("invalid_client", A, ErrorKind.PERMISSION_DENIED, "invalid_client", ""),
    ("auth_error_401", C, ErrorKind.AUTH_EXPIRED, "authError", ""),
    ("auth_error_401", R, ErrorKind.AUTH_EXPIRED, "authError", ""),
    ("youtube_signup_required", R, ErrorKind.PERMISSION_DENIED, "youtubeSignupRequired", ""),
    ("quota_exceeded", U, ErrorKind.RATE_LIMITED, "quotaExceeded", ""),
    ("upload_limit_exceeded", U, ErrorKind.RATE_LIMITED, "uploadLimitExceeded", ""),
    ("rate_limit_exceeded", R, ErrorKind.RATE_LIMITED, "rateLimitExceeded", ""),
    ("invalid_title", U, ErrorKind.CONTENT_REJECTED, "invalidTitle", "title"),
    ("invalid_description", U, ErrorKind.CONTENT_REJECTED, "invalidDescription", "text"),
    ("invalid_tags", U, ErrorKind.CONTENT_REJECTED, "invalidTags", "tags"),
    ("invalid_category", U, ErrorKind.CONTENT_REJECTED, "invalidCategoryId", "categoryId"),
    ("forbidden_privacy", U, ErrorKind.CONTENT_REJECTED, "forbiddenPrivacySetting", "type"),
    ("invalid_image", U, ErrorKind.CONTENT_REJECTED, "invalidImage", "thumbnail"),
    ("playlist_not_found", U, ErrorKind.NOT_FOUND, "playlistNotFound", "playlistId"),
    ("forbidden", U, ErrorKind.PERMISSION_DENIED, "forbidden", ""),
    ("media_body_required", U, ErrorKind.CONTENT_REJECTED, "mediaBodyRequired", ""),
    ("session_expired", R, ErrorKind.NOT_FOUND, "session_expired", ""),
    ("backend_error", C, ErrorKind.UNKNOWN_OUTCOME, "backendError", ""),
    ("backend_error", U, ErrorKind.TRANSIENT_BEFORE_SEND, "backendError", ""),
    ("bad_gateway", C, ErrorKind.UNKNOWN_OUTCOME, "502", ""),
    ("bad_gateway", R, ErrorKind.TRANSIENT_BEFORE_SEND, "502", ""),
]


def classify(provider, httpserver, response, phase):
    httpserver.expect_request("/probe").respond_with_response(response)
    with pytest.raises(ProviderError) as caught:
        provider.request("PUT", httpserver.url_for("/probe"), phase=phase)
    return caught.value


@pytest.mark.parametrize(("name", "phase", "kind", "code", "field"), TABLE)
def test_table(provider, httpserver, name, phase, kind, code, field):
    error = classify(provider, httpserver, fixture_response(HERE, name), phase)
    assert (error.kind, error.network_code, error.field) == (kind, code, field)
    assert error.user_message and "{" not in error.user_message and "<" not in error.user_message


def test_the_message_youtube_gives_is_shown_without_its_markup(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "invalid_title"), Phase.UPLOAD)
    assert error.user_message == (
        "YouTube refused the title: The request metadata specifies an invalid or empty video title."
    )


def test_a_last_chunk_answered_with_an_unreadable_success_may_hide_the_video(provider, httpserver):
    from werkzeug import Response

    error = classify(provider, httpserver, Response("<html>ok</html>", status=201), Phase.COMMIT)
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_308_is_not_an_error(provider, httpserver):
    from werkzeug import Response

    httpserver.expect_request("/probe").respond_with_response(
        Response("", status=308, headers={"Range": "bytes=0-99"})
    )
    response = provider.request(
        "PUT", httpserver.url_for("/probe"), phase=Phase.COMMIT, allow_redirects=False
    )
    assert response.status_code == 308
