from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug import Response

from integrations.providers import get_provider
from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.conftest import fixture_response
from tests.providers.linkedin.conftest import HERE

REST = {"LinkedIn-Version": "202605", "X-Restli-Protocol-Version": "2.0.0"}


def test_both_variants_are_registered():
    assert get_provider("linkedin").family == "linkedin"
    assert get_provider("linkedin-page").family == "linkedin"
    assert get_provider("linkedin-page").account_selection == "pages"


def test_member_authorization_url(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/a")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["li-client-id"],
        "redirect_uri": ["https://app.test/cb"],
        "state": ["s1"],
        "scope": ["openid profile w_member_social"],
    }


def test_page_authorization_url_adds_organization_scopes(page_provider):
    query = parse_qs(urlsplit(page_provider.authorization_url(state="s", redirect_uri="r")).query)
    assert query["scope"] == [
        "openid profile w_member_social w_organization_social r_organization_social "
        "rw_organization_admin"
    ]


def test_exchange_code_posts_the_form(provider, httpserver):
    seen = {}

    def handler(request):
        seen["form"] = request.form.to_dict()
        seen["type"] = request.headers["Content-Type"]
        return fixture_response(HERE, "token")

    httpserver.expect_request("/t", method="POST").respond_with_handler(handler)
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert seen["type"] == "application/x-www-form-urlencoded"
    assert seen["form"] == {
        "grant_type": "authorization_code",
        "code": "c0de",
        "redirect_uri": "https://app.test/cb",
        "client_id": "li-client-id",
        "client_secret": "li-client-secret",
    }
    assert grant.credentials == {"access_token": "li-access-AQV111"}
    assert grant.scopes == ["email", "openid", "profile", "w_member_social"]
    assert grant.refresh_expires_at is None


def test_partner_exchange_keeps_refresh_token_and_its_expiry(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "token_partner"))
    grant = provider.exchange_code(code="c", redirect_uri="r")
    assert grant.credentials["refresh_token"] == "li-refresh-AQX333"
    assert grant.refresh_expires_at > grant.expires_at


def test_exchange_without_posting_scope_is_refused(provider, page_provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "token_no_write"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="r")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "not allowed to post" in caught.value.user_message
    # A member-only grant is not enough for pages.
    httpserver.clear()
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "token"))
    with pytest.raises(ProviderError):
        page_provider.exchange_code(code="c", redirect_uri="r")


def test_refresh_with_partner_refresh_token(provider, httpserver):
    seen = {}

    def handler(request):
        seen["form"] = request.form.to_dict()
        return fixture_response(HERE, "token_partner")

    httpserver.expect_request("/t", method="POST").respond_with_handler(handler)
    grant = provider.refresh(Channel("782bbtaQ", {"access_token": "a", "refresh_token": "old-r"}))
    assert seen["form"] == {
        "grant_type": "refresh_token",
        "refresh_token": "old-r",
        "client_id": "li-client-id",
        "client_secret": "li-client-secret",
    }
    assert grant.credentials == {
        "access_token": "li-access-AQV222",
        "refresh_token": "li-refresh-AQX333",
    }


def test_refresh_without_refresh_token_asks_to_reconnect(provider, httpserver):
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("782bbtaQ", {"access_token": "a"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert httpserver.log == []


def test_refresh_rejected_is_revoked(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(fixture_response(HERE, "refresh_invalid"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_refresh_server_error_is_transient(provider, httpserver):
    httpserver.expect_request("/t").respond_with_response(Response("x", status=503))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": "a", "refresh_token": "r"}))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_member_account_from_userinfo(provider, httpserver):
    httpserver.expect_request(
        "/b/v2/userinfo", method="GET", headers={"Authorization": "Bearer tok"}
    ).respond_with_response(fixture_response(HERE, "userinfo"))
    [account] = provider.accounts(Grant(credentials={"access_token": "tok"}))
    assert account.external_id == "782bbtaQ"
    assert account.name == "John Doe"
    assert account.meta == {"urn": "urn:li:person:782bbtaQ"}
    assert account.avatar_url.startswith("https://media.licdn.com/")


def test_page_accounts_list_administered_organizations(page_provider, httpserver):
    httpserver.expect_ordered_request(
        "/b/rest/organizationAcls",
        method="GET",
        query_string={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
        headers={**REST, "Authorization": "Bearer tok"},
    ).respond_with_response(fixture_response(HERE, "organization_acls"))
    httpserver.expect_ordered_request(
        "/b/rest/organizations",
        method="GET",
        query_string="ids=List(2414183,5583111)",
        headers=REST,
    ).respond_with_response(fixture_response(HERE, "organizations"))
    accounts = page_provider.accounts(Grant(credentials={"access_token": "tok"}))
    assert [(a.external_id, a.name, a.username, a.kind) for a in accounts] == [
        ("2414183", "Devtestco", "devtestco", "page"),
        ("5583111", "Example Corp", "example-corp", "page"),
    ]
    assert accounts[0].meta == {"urn": "urn:li:organization:2414183"}
    assert accounts[0].profile_url == "https://www.linkedin.com/company/devtestco"


def test_no_administered_pages_gives_no_accounts(page_provider, httpserver):
    httpserver.expect_request("/b/rest/organizationAcls").respond_with_response(
        fixture_response(HERE, "organization_acls_empty")
    )
    assert page_provider.accounts(Grant(credentials={"access_token": "tok"})) == []


def test_page_fetch_profile(page_provider, httpserver):
    httpserver.expect_request("/b/rest/organizations/2414183", headers=REST).respond_with_response(
        fixture_response(HERE, "organization")
    )
    account = page_provider.fetch_profile(Channel("2414183", {"access_token": "tok"}))
    assert account.name == "Devtestco"
