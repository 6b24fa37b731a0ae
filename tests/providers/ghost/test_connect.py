"""Connecting a Ghost site with an Admin API key, against a local fake."""

import time

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.ghost import GhostProvider, admin_token, site_origin
from tests.providers.conftest import assert_no_secret
from tests.providers.ghost.support import KEY, KEY_ID, SECRET, ghost_channel, reply, token_claims


@pytest.fixture
def provider():
    return GhostProvider()


@pytest.fixture
def origin(httpserver):
    return httpserver.url_for("/").rstrip("/")


def test_every_request_carries_a_fresh_five_minute_token_for_the_admin_api():
    before = int(time.time())
    head, claims = token_claims(f"Ghost {admin_token(KEY)}")
    assert head == {"alg": "HS256", "typ": "JWT", "kid": KEY_ID}
    assert claims["aud"] == "/admin/"
    assert before <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 300


def test_the_site_address_is_taken_as_people_paste_it():
    assert site_origin("blog.acme.example") == "https://blog.acme.example"
    assert site_origin("https://blog.acme.example/ghost/#/dashboard") == (
        "https://blog.acme.example"
    )
    assert site_origin("https://acme.example/blog/") == "https://acme.example/blog"
    assert site_origin("ftp://acme.example") == ""


def test_connect_reads_the_site_and_proves_the_key(provider, httpserver, origin, captured_logs):
    httpserver.expect_ordered_request("/ghost/api/admin/site/", method="GET").respond_with_response(
        reply("site")
    )
    httpserver.expect_ordered_request(
        "/ghost/api/admin/posts/", method="GET", query_string={"limit": "1", "fields": "id"}
    ).respond_with_response(reply("posts_one"))
    grant = provider.authenticate({"url": origin + "/ghost/", "admin_api_key": KEY})
    httpserver.check_assertions()
    for request, _ in httpserver.log:
        token_claims(request.headers["Authorization"])
        assert request.headers["Accept-Version"] == "v5.0"
    assert grant.credentials == {"admin_api_key": KEY}
    (account,) = provider.accounts(grant)
    assert account.external_id == "https://blog.acme.example"
    assert account.name == "Acme Journal"
    assert account.username == "blog.acme.example"
    assert account.avatar_url.endswith("icon.png")
    assert account.meta["url"] == origin
    assert_no_secret(captured_logs, SECRET)


def test_a_deleted_integrations_key_is_refused_with_what_to_do(provider, httpserver, origin):
    httpserver.expect_request("/ghost/api/admin/site/").respond_with_response(reply("site"))
    httpserver.expect_request("/ghost/api/admin/posts/").respond_with_response(reply("unknown_key"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "admin_api_key": KEY})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Admin API key" in caught.value.user_message


def test_a_pasted_content_api_key_is_refused_before_any_request(provider, httpserver, origin):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "admin_api_key": "22444f78447824223cefc48062"})
    assert caught.value.field == "admin_api_key"
    assert httpserver.log == []


def test_an_address_that_is_not_ghost_says_so(provider, httpserver, origin):
    httpserver.expect_request("/ghost/api/admin/site/").respond_with_response(reply("not_ghost"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "admin_api_key": KEY})
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert "Ghost site" in caught.value.user_message


def test_check_connection_reads_the_site_and_refresh_asks_for_a_new_key(
    provider, httpserver, origin
):
    httpserver.expect_request("/ghost/api/admin/site/").respond_with_response(reply("site"))
    httpserver.expect_request("/ghost/api/admin/posts/").respond_with_response(reply("posts_one"))
    channel = ghost_channel(origin)
    assert provider.fetch_profile(channel).name == "Acme Journal"
    assert provider.check_refreshes(channel) is False
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
