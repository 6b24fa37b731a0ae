import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from tests.providers.pinterest.conftest import BEARER, REFRESH, TOKEN, reply

BASIC = "Basic " + base64.b64encode(b"1484362:pinterest-app-secret").decode()


def test_the_sign_in_page_asks_for_boards_and_pins(provider, httpserver):
    url = provider.authorization_url(state="s1", redirect_uri="https://app.test/cb")
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == httpserver.url_for("/www/oauth/")
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["1484362"],
        "redirect_uri": ["https://app.test/cb"],
        "state": ["s1"],
        "scope": ["boards:read,boards:write,pins:read,pins:write,user_accounts:read"],
    }


def test_the_code_is_exchanged_with_basic_auth_for_continuous_refresh(provider, httpserver):
    seen = {}

    def handler(request):
        seen.update(form=request.form.to_dict(), auth=request.headers["Authorization"])
        return reply("token")

    httpserver.expect_request("/api/v5/oauth/token", method="POST").respond_with_handler(handler)
    grant = provider.exchange_code(code="c0de", redirect_uri="https://app.test/cb")
    assert seen == {
        "form": {
            "grant_type": "authorization_code",
            "code": "c0de",
            "redirect_uri": "https://app.test/cb",
            "continuous_refresh": "true",
        },
        "auth": BASIC,
    }
    assert grant.credentials == {
        "access_token": "pina_AMA1secretaccess",
        "refresh_token": "pinr_AMA1secretrefresh",
    }
    assert grant.expires_at and grant.refresh_expires_at
    assert "pins:write" in grant.scopes


def test_a_sign_in_without_pin_writing_is_refused_when_connecting(provider, httpserver):
    httpserver.expect_request("/api/v5/oauth/token").respond_with_response(reply("token_no_write"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://app.test/cb")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_renewal_returns_the_rotated_refresh_token(provider, httpserver):
    seen = {}

    def handler(request):
        seen.update(form=request.form.to_dict(), auth=request.headers["Authorization"])
        return reply("token_refreshed")

    httpserver.expect_request("/api/v5/oauth/token", method="POST").respond_with_handler(handler)
    grant = provider.refresh(Channel("1", {"access_token": TOKEN, "refresh_token": REFRESH}))
    form = {"grant_type": "refresh_token", "refresh_token": REFRESH}
    assert seen == {"form": form, "auth": BASIC}
    # Continuous refresh: the used refresh token is replaced by the new one.
    assert grant.credentials == {
        "access_token": "pina_AMA2renewedaccess",
        "refresh_token": "pinr_AMA2rotatedrefresh",
    }


def test_a_refused_refresh_token_means_reconnect(provider, httpserver):
    httpserver.expect_request("/api/v5/oauth/token").respond_with_response(reply("refresh_invalid"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("1", {"access_token": TOKEN, "refresh_token": REFRESH}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "reconnect" in caught.value.user_message


def test_connecting_reads_the_account_and_every_page_of_its_boards(provider, httpserver):
    httpserver.expect_ordered_request(
        "/api/v5/user_account", headers={"Authorization": "Bearer pina_x"}
    ).respond_with_response(reply("user_account"))
    httpserver.expect_ordered_request(
        "/api/v5/boards", query_string={"page_size": "100"}
    ).respond_with_response(reply("boards_page1"))
    httpserver.expect_ordered_request(
        "/api/v5/boards",
        query_string={"page_size": "100", "bookmark": "Y2JVSG81V2sxcmNHRlpWM1l4WkRBeFRsTnVWbWxY"},
    ).respond_with_response(reply("boards_page2"))
    from integrations.providers.base import Grant

    [account] = provider.accounts(Grant(credentials={"access_token": "pina_x"}))
    assert (account.external_id, account.name, account.username) == (
        "754056550823100002",
        "Acme Home",
        "acmehome",
    )
    assert account.profile_url == "https://www.pinterest.com/acmehome/"
    assert [b["name"] for b in account.meta["boards"]] == [
        "Summer Recipes",
        "Workshop",
        "Launches",
    ]


def test_check_connection_reads_the_profile(provider, httpserver, channel):
    httpserver.expect_request("/api/v5/user_account", headers=BEARER).respond_with_response(
        reply("user_account")
    )
    assert provider.fetch_profile(channel).username == "acmehome"
