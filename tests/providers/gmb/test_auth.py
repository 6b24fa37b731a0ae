from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.providers.gmb.conftest import ACCOUNT, BEARER, LOCATION, REFRESH, TOKEN, reply


def test_the_sign_in_asks_for_offline_business_profile_access(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/o/oauth2/v2/auth")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["123-gmb.apps.googleusercontent.com"],
        "redirect_uri": ["https://app.test/cb"],
        "state": ["s1"],
        "scope": ["https://www.googleapis.com/auth/business.manage"],
        "access_type": ["offline"],
        "prompt": ["consent"],
        "include_granted_scopes": ["true"],
    }


def test_the_code_gives_a_renewable_grant(provider, httpserver):
    seen = {}

    def handler(request):
        seen.update(request.form.to_dict())
        return reply("token")

    httpserver.expect_request("/token", method="POST").respond_with_handler(handler)
    grant = provider.exchange_code(code="4/0Acode", redirect_uri="https://app.test/cb")
    assert seen == {
        "grant_type": "authorization_code",
        "code": "4/0Acode",
        "redirect_uri": "https://app.test/cb",
        "client_id": "123-gmb.apps.googleusercontent.com",
        "client_secret": "GOCSPX-gmb-secret",
    }
    assert grant.credentials == {
        "access_token": "ya29.a0AfB_secret-access",
        "refresh_token": "1//0gSecretRefreshToken",
    }
    assert grant.expires_at is not None


def test_a_sign_in_without_business_profile_access_is_refused(provider, httpserver):
    httpserver.expect_request("/token").respond_with_response(reply("token_no_scope"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://app.test/cb")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_renewal_keeps_the_refresh_token_google_does_not_resend(provider, httpserver):
    httpserver.expect_request(
        "/token",
        method="POST",
    ).respond_with_response(reply("token_refreshed"))
    grant = provider.refresh(Channel("1", {"access_token": TOKEN, "refresh_token": REFRESH}))
    request, _ = httpserver.log[0]
    assert request.form["grant_type"] == "refresh_token"
    assert request.form["refresh_token"] == REFRESH
    # No refresh token in the answer: the channel keeps its own.
    assert grant.credentials == {"access_token": "ya29.a0AfB_renewed-access"}


def test_invalid_grant_means_the_channel_must_reconnect(provider, httpserver):
    httpserver.expect_request("/token").respond_with_response(reply("invalid_grant"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": TOKEN, "refresh_token": REFRESH}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Token has been expired or revoked" in caught.value.user_message


def test_every_location_of_every_account_becomes_a_choice(provider, httpserver):
    bearer = {"Authorization": "Bearer ya29.fresh"}
    httpserver.expect_ordered_request(
        "/acct/v1/accounts", headers=bearer, query_string={"pageSize": "100"}
    ).respond_with_response(reply("accounts"))
    httpserver.expect_ordered_request(
        f"/info/v1/{ACCOUNT}/locations",
        headers=bearer,
        query_string={"readMask": "name,title,storefrontAddress,metadata", "pageSize": "100"},
    ).respond_with_response(reply("locations_page1"))
    httpserver.expect_ordered_request(
        f"/info/v1/{ACCOUNT}/locations",
        query_string={
            "readMask": "name,title,storefrontAddress,metadata",
            "pageSize": "100",
            "pageToken": "CiAKGjBBREFBUF9wYWdlXzI",
        },
    ).respond_with_response(reply("locations_page2"))
    choices = provider.accounts(Grant(credentials={"access_token": "ya29.fresh"}))
    assert [(c.external_id, c.name, c.username, c.kind) for c in choices] == [
        ("4352806333531136502", "Acme Bakery Mitte", "Invalidenstraße 1, Berlin", "location"),
        ("4352806333531136503", "Acme Bakery Kreuzberg", "Oranienstraße 2, Berlin", "location"),
    ]
    assert choices[0].meta == {
        "account": ACCOUNT,
        "account_name": "Acme Bakeries",
        "location": LOCATION,
    }
    assert choices[0].profile_url == "https://maps.google.com/maps?cid=5219840913312398661"


def test_an_unapproved_project_is_told_what_to_request_when_connecting(provider, httpserver):
    httpserver.expect_request("/acct/v1/accounts").respond_with_response(reply("quota_zero"))
    with pytest.raises(ProviderError) as caught:
        provider.accounts(Grant(credentials={"access_token": "ya29.fresh"}))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "developers.google.com/my-business/content/prereqs" in caught.value.user_message


def test_check_connection_reads_the_location(provider, httpserver, channel):
    httpserver.expect_request(f"/info/v1/{LOCATION}", headers=BEARER).respond_with_response(
        reply("location")
    )
    assert provider.fetch_profile(channel).name == "Acme Bakery Mitte"
