from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.instagram.conftest import HERE

LONG = "EAAGlong-user-token-456"


# -- through Facebook Login --------------------------------------------------------------
def test_facebook_login_asks_for_instagram_publishing(provider, httpserver):
    query = parse_qs(urlsplit(provider.authorization_url(state="s", redirect_uri="r")).query)
    assert "instagram_content_publish" in query["scope"][0].split(",")
    assert query["client_id"] == ["fb-app-id"]


def test_facebook_login_needs_instagram_publishing_granted(provider, httpserver):
    httpserver.expect_ordered_request("/g/v24.0/oauth/access_token").respond_with_response(
        fixture_response(HERE, "token_short")
    )
    httpserver.expect_ordered_request("/g/v24.0/oauth/access_token").respond_with_response(
        fixture_response(HERE, "token_long")
    )
    httpserver.expect_ordered_request("/g/v24.0/me/permissions").respond_with_response(
        fixture_response(HERE, "permissions_declined")
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="r")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_each_instagram_account_linked_to_a_page_is_a_choice(provider, httpserver):
    httpserver.expect_request(
        "/g/v24.0/me/accounts",
        query_string={
            "fields": "id,name,access_token,"
            "instagram_business_account{id,username,name,profile_picture_url}",
            "limit": "100",
        },
        headers={"Authorization": f"Bearer {LONG}"},
    ).respond_with_response(fixture_response(HERE, "accounts"))
    [account] = provider.accounts(Grant(credentials={"user_access_token": LONG}))
    # Acme Support has no Instagram account linked.
    assert (account.external_id, account.username, account.kind) == (
        "17841400000000001",
        "acmebakery",
        "ig-account",
    )
    assert account.credentials == {"access_token": "EAAGpage-token-101"}
    assert account.meta["page_id"] == "101"
    assert account.profile_url == "https://www.instagram.com/acmebakery"


def test_fetch_profile_and_refresh(provider, httpserver):
    httpserver.expect_request("/g/v24.0/17841400000000001").respond_with_response(
        fixture_response(HERE, "ig_user")
    )
    channel = Channel("17841400000000001", {"access_token": "EAAGpage-token-101"})
    assert provider.fetch_profile(channel).username == "acmebakery"
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


# -- through Instagram Login ---------------------------------------------------------------
def test_instagram_login_url(standalone, httpserver):
    parts = urlsplit(standalone.authorization_url(state="s1", redirect_uri="https://app.test/cb"))
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/ia")
    assert parse_qs(parts.query) == {
        "client_id": ["ig-app-id"],
        "redirect_uri": ["https://app.test/cb"],
        "response_type": ["code"],
        "scope": [
            "instagram_business_basic,instagram_business_content_publish,"
            "instagram_business_manage_comments,instagram_business_manage_insights"
        ],
        "state": ["s1"],
    }


def test_instagram_login_swaps_the_code_for_a_60_day_token(standalone, httpserver, captured_logs):
    seen = {}

    def token(request):
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "ig_token_short")

    httpserver.expect_ordered_request("/it", method="POST").respond_with_handler(token)
    httpserver.expect_ordered_request(
        "/ig/access_token",
        method="GET",
        query_string={
            "grant_type": "ig_exchange_token",
            "client_secret": "ig-app-secret",
            "access_token": "IGAAshort-token-789",
        },
    ).respond_with_response(fixture_response(HERE, "ig_token_long"))
    grant = standalone.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert seen["form"] == {
        "grant_type": "authorization_code",
        "redirect_uri": "https://app.test/cb",
        "code": "c0de",
        "client_id": "ig-app-id",
        "client_secret": "ig-app-secret",
    }
    assert grant.credentials == {"access_token": "IGAAlong-token-012"}
    assert grant.meta == {"user_id": "17841400000000009"}
    days = (grant.expires_at - grant.expires_at.now(grant.expires_at.tzinfo)).days
    assert 59 <= days <= 60
    assert_no_secret(captured_logs, "IGAAshort-token-789", "IGAAlong-token-012", "ig-app-secret")


def test_instagram_login_without_publishing_is_refused(standalone, httpserver):
    httpserver.expect_request("/it", method="POST").respond_with_response(
        fixture_response(HERE, "ig_token_short_declined")
    )
    with pytest.raises(ProviderError) as caught:
        standalone.exchange_code(code="c", redirect_uri="r")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_used_code_is_revoked(standalone, httpserver):
    httpserver.expect_request("/it", method="POST").respond_with_response(
        fixture_response(HERE, "ig_code_used")
    )
    with pytest.raises(ProviderError) as caught:
        standalone.exchange_code(code="c", redirect_uri="r")
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "has been used" in caught.value.user_message


def test_the_token_is_renewed_ahead_with_ig_refresh_token(standalone, httpserver):
    httpserver.expect_request(
        "/ig/refresh_access_token",
        method="GET",
        query_string={"grant_type": "ig_refresh_token", "access_token": "IGAAlong-token-012"},
    ).respond_with_response(fixture_response(HERE, "ig_token_refreshed"))
    grant = standalone.refresh(Channel("1", {"access_token": "IGAAlong-token-012"}))
    assert grant.credentials == {"access_token": "IGAArefreshed-token-345"}
    assert standalone.refresh_ahead == 7 * 24 * 3600


def test_renewing_a_dead_token_means_reconnecting(standalone, httpserver):
    httpserver.expect_request("/ig/refresh_access_token").respond_with_response(
        fixture_response(HERE, "expired_190")
    )
    with pytest.raises(ProviderError) as caught:
        standalone.refresh(Channel("1", {"access_token": "old"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_the_account_is_the_logged_in_professional_account(standalone, httpserver):
    httpserver.expect_request(
        "/ig/v24.0/me",
        query_string={"fields": "user_id,username,name,profile_picture_url"},
        headers={"Authorization": "Bearer IGAAlong-token-012"},
    ).respond_with_response(fixture_response(HERE, "ig_me"))
    [account] = standalone.accounts(Grant(credentials={"access_token": "IGAAlong-token-012"}))
    # user_id (the professional account id) is what publishing names, not the app-scoped id.
    assert (account.external_id, account.username, account.name) == (
        "17841400000000009",
        "acme.studio",
        "Acme Studio",
    )
