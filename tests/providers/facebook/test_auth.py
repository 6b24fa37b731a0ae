from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.facebook.conftest import HERE

SHORT = "EAAGshort-user-token-123"
LONG = "EAAGlong-user-token-456"


def test_authorization_url_asks_for_the_page_permissions(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/a")
    query = parse_qs(parts.query)
    assert query["client_id"] == ["fb-app-id"]
    assert query["state"] == ["s1"]
    assert query["scope"] == [
        "pages_show_list,pages_manage_posts,pages_read_engagement,pages_manage_metadata,"
        "pages_manage_engagement,publish_video,read_insights"
    ]


def expect_login(httpserver, permissions="permissions"):
    httpserver.expect_ordered_request(
        "/g/v24.0/oauth/access_token",
        method="GET",
        query_string={
            "client_id": "fb-app-id",
            "client_secret": "fb-app-secret",
            "redirect_uri": "https://app.test/cb",
            "code": "c0de",
        },
    ).respond_with_response(fixture_response(HERE, "token_short"))
    httpserver.expect_ordered_request(
        "/g/v24.0/oauth/access_token",
        method="GET",
        query_string={
            "grant_type": "fb_exchange_token",
            "client_id": "fb-app-id",
            "client_secret": "fb-app-secret",
            "fb_exchange_token": SHORT,
        },
    ).respond_with_response(fixture_response(HERE, "token_long"))
    httpserver.expect_ordered_request(
        "/g/v24.0/me/permissions", headers={"Authorization": f"Bearer {LONG}"}
    ).respond_with_response(fixture_response(HERE, permissions))


def test_the_code_becomes_a_long_lived_user_token(provider, httpserver, captured_logs):
    expect_login(httpserver)
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert grant.credentials == {"user_access_token": LONG}
    # The Page tokens taken from it do not expire: no reminder to reconnect.
    assert grant.expires_at is None
    assert "pages_manage_posts" in grant.scopes
    assert_no_secret(captured_logs, SHORT, LONG, "fb-app-secret", "c0de")


def test_a_declined_publish_permission_fails_the_connection_at_once(provider, httpserver):
    expect_login(httpserver, "permissions_declined")
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "pages_manage_posts" in caught.value.user_message


def test_a_refused_code_is_revoked_not_retried(provider, httpserver):
    httpserver.expect_request("/g/v24.0/oauth/access_token").respond_with_response(
        fixture_response(HERE, "code_rejected_100")
    )
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="bad", redirect_uri="https://app.test/cb")
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def expect_pages(httpserver):
    httpserver.expect_ordered_request(
        "/g/v24.0/me/accounts",
        query_string={"fields": "id,name,username,access_token,tasks,picture{url}", "limit": "100"},
        headers={"Authorization": f"Bearer {LONG}"},
    ).respond_with_response(fixture_response(HERE, "accounts"))
    httpserver.expect_ordered_request(
        "/g/v24.0/me/accounts",
        query_string={
            "fields": "id,name,username,access_token,tasks,picture{url}",
            "limit": "100",
            "after": "QVFIUmN4",
        },
    ).respond_with_response(fixture_response(HERE, "accounts_page2"))


def test_each_page_the_person_can_post_to_is_a_choice_with_its_own_token(provider, httpserver):
    expect_pages(httpserver)
    accounts = provider.accounts(Grant(credentials={"user_access_token": LONG}))
    # Acme Support only lets this person moderate: it cannot be posted to.
    assert [(a.external_id, a.name, a.kind) for a in accounts] == [
        ("101", "Acme Bakery", "page"),
        ("103", "Acme Cafe", "page"),
    ]
    assert accounts[0].credentials == {"access_token": "EAAGpage-token-101"}
    assert accounts[0].profile_url == "https://www.facebook.com/acmebakery"
    assert accounts[0].avatar_url.endswith("acme.jpg")
    assert accounts[1].credentials == {"access_token": "EAAGpage-token-103"}


def test_the_pages_tool_lists_the_pages_again(provider, httpserver):
    expect_pages(httpserver)
    channel = Channel("101", {"access_token": "EAAGpage-token-101", "user_access_token": LONG})
    assert provider.run_tool(channel, "pages", {}) == [
        {
            "id": "101",
            "name": "Acme Bakery",
            "username": "acmebakery",
            "url": "https://www.facebook.com/acmebakery",
        },
        {"id": "103", "name": "Acme Cafe", "username": "", "url": "https://www.facebook.com/103"},
    ]


def test_an_expired_user_token_fails_the_pages_tool_without_disconnecting_the_page(
    provider, httpserver
):
    httpserver.expect_request("/g/v24.0/me/accounts").respond_with_response(
        fixture_response(HERE, "expired_190")
    )
    channel = Channel("101", {"access_token": "EAAGpage-token-101", "user_access_token": LONG})
    with pytest.raises(ProviderError) as caught:
        provider.run_tool(channel, "pages", {})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "Posting to this Page still works" in caught.value.user_message


def test_fetch_profile_reads_the_page_with_its_token(provider, httpserver):
    httpserver.expect_request(
        "/g/v24.0/101",
        query_string={"fields": "id,name,username,picture{url}"},
        headers={"Authorization": "Bearer EAAGpage-token-101"},
    ).respond_with_response(fixture_response(HERE, "page"))
    account = provider.fetch_profile(Channel("101", {"access_token": "EAAGpage-token-101"}))
    assert (account.external_id, account.name, account.username) == (
        "101",
        "Acme Bakery",
        "acmebakery",
    )


def test_refresh_asks_for_a_reconnect_without_calling_the_network(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("101", {"access_token": "EAAGpage-token-101"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "reconnect" in caught.value.user_message
    assert httpserver.log == []
    assert provider.refresh_ahead == 0
