from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.youtube.conftest import CHANNEL_ID, HERE, REFRESH, TOKEN

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload "
    "https://www.googleapis.com/auth/youtube.readonly "
    "https://www.googleapis.com/auth/youtube "
    # The first comment (commentThreads.insert).
    "https://www.googleapis.com/auth/youtube.force-ssl "
    "https://www.googleapis.com/auth/yt-analytics.readonly"
)


def test_sign_in_asks_for_offline_access_and_consent(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/o/oauth2/v2/auth")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["123-acme.apps.googleusercontent.com"],
        "redirect_uri": ["https://app.test/cb"],
        "scope": [SCOPES],
        "state": ["s1"],
        # A refresh token, sent again on every reconnect.
        "access_type": ["offline"],
        "prompt": ["consent"],
        "include_granted_scopes": ["true"],
    }


def test_the_code_gives_an_access_and_a_refresh_token(provider, httpserver):
    seen = {}

    def token(request):
        seen.update(request.form.to_dict())
        return fixture_response(HERE, "token")

    httpserver.expect_request("/token", method="POST").respond_with_handler(token)
    grant = provider.exchange_code(code="4/0Ab-code", redirect_uri="https://app.test/cb")
    assert seen == {
        "grant_type": "authorization_code",
        "code": "4/0Ab-code",
        "redirect_uri": "https://app.test/cb",
        "client_id": "123-acme.apps.googleusercontent.com",
        "client_secret": "GOCSPX-secret",
    }
    assert grant.credentials == {"access_token": TOKEN, "refresh_token": REFRESH}
    assert grant.scopes == SCOPES.split()
    assert grant.expires_at is not None


def test_a_grant_without_the_upload_permission_is_refused_when_connecting(provider, httpserver):
    httpserver.expect_request("/token", method="POST").respond_with_response(
        fixture_response(HERE, "token_without_upload")
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://app.test/cb")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_refresh_renews_the_access_token_and_keeps_the_refresh_token(provider, httpserver):
    seen = {}

    def token(request):
        seen.update(request.form.to_dict())
        return fixture_response(HERE, "token_refreshed")

    httpserver.expect_request("/token", method="POST").respond_with_handler(token)
    grant = provider.refresh(Channel(CHANNEL_ID, {"access_token": TOKEN, "refresh_token": REFRESH}))
    assert seen["grant_type"] == "refresh_token" and seen["refresh_token"] == REFRESH
    # Google sends no new refresh token: the stored one stays.
    assert grant.credentials == {"access_token": "ya29.a0AfB_byC-secret-renewed"}
    assert provider.refresh_ahead == 300


def test_a_revoked_grant_needs_a_reconnect(provider, httpserver):
    httpserver.expect_request("/token", method="POST").respond_with_response(
        fixture_response(HERE, "invalid_grant")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel(CHANNEL_ID, {"access_token": TOKEN, "refresh_token": REFRESH}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "reconnect" in caught.value.user_message


def test_google_trouble_during_refresh_is_transient(provider, httpserver):
    httpserver.expect_request("/token", method="POST").respond_with_response(
        fixture_response(HERE, "backend_error")
    )
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel(CHANNEL_ID, {"access_token": TOKEN, "refresh_token": REFRESH}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_each_youtube_channel_of_the_account_is_a_choice(provider, httpserver):
    httpserver.expect_request(
        "/youtube/v3/channels",
        method="GET",
        query_string={"part": "snippet,contentDetails", "mine": "true", "maxResults": "50"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).respond_with_response(fixture_response(HERE, "channels"))
    [account] = provider.accounts(Grant(credentials={"access_token": TOKEN}))
    assert (account.external_id, account.name, account.username) == (
        CHANNEL_ID,
        "Acme Studio",
        "acmestudio",
    )
    assert account.profile_url == "https://www.youtube.com/@acmestudio"
    assert account.avatar_url == "https://yt3.ggpht.com/acme=s240-c-k"
    assert account.kind == "channel"
    assert account.meta == {"uploads_playlist": "UUx7lD0hp3tEuiZ1fj5lBqqw"}


def test_an_account_without_a_channel_is_told_to_create_one(provider, httpserver):
    httpserver.expect_request("/youtube/v3/channels").respond_with_response(
        fixture_response(HERE, "channels_none")
    )
    with pytest.raises(ProviderError) as caught:
        provider.accounts(Grant(credentials={"access_token": TOKEN}))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "create one on youtube.com" in caught.value.user_message


def test_profile_reads_the_connected_channel(provider, httpserver):
    httpserver.expect_request(
        "/youtube/v3/channels",
        query_string={"part": "snippet,contentDetails", "id": CHANNEL_ID},
    ).respond_with_response(fixture_response(HERE, "channels"))
    profile = provider.fetch_profile(Channel(CHANNEL_ID, {"access_token": TOKEN}))
    assert profile.name == "Acme Studio"
