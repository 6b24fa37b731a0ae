"""Connecting a listmonk server with an API user and token, against a local fake."""

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.listmonk import ListmonkProvider, server_origin
from tests.providers.conftest import assert_no_secret
from tests.providers.listmonk.support import AUTH, TOKEN, USER, listmonk_channel, reply


@pytest.fixture
def provider():
    return ListmonkProvider()


@pytest.fixture
def origin(httpserver):
    return httpserver.url_for("/").rstrip("/")


def test_the_server_address_is_taken_as_people_paste_it():
    assert server_origin("lists.acme.example") == "https://lists.acme.example"
    assert server_origin("https://lists.acme.example/admin/campaigns") == (
        "https://lists.acme.example"
    )
    assert server_origin("https://acme.example/mail/") == "https://acme.example/mail"
    assert server_origin("mailto:x") == ""


def test_connect_reads_the_lists_with_the_api_token(provider, httpserver, origin, captured_logs):
    httpserver.expect_request(
        "/api/lists",
        method="GET",
        query_string={"per_page": "all"},
        headers={"Authorization": AUTH},
    ).respond_with_response(reply("lists"))
    grant = provider.authenticate({"url": origin + "/admin/", "api_user": USER, "api_token": TOKEN})
    httpserver.check_assertions()
    assert grant.credentials == {"api_user": USER, "api_token": TOKEN}
    (account,) = provider.accounts(grant)
    host = origin.split("://")[1]
    assert account.external_id == f"{origin}#{USER}"
    assert account.name == f"listmonk ({host})"
    assert account.username == f"{USER}@{host}"
    assert [entry["name"] for entry in account.meta["lists"]] == ["Acme customers", "Workshop news"]
    assert_no_secret(captured_logs, TOKEN)


def test_a_wrong_token_is_refused_with_what_to_do(provider, httpserver, origin):
    httpserver.expect_request("/api/lists").respond_with_response(reply("invalid_credentials"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "api_user": USER, "api_token": "nope"})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "API user and token" in caught.value.user_message


def test_an_address_that_is_not_listmonk_says_so(provider, httpserver, origin):
    httpserver.expect_request("/api/lists").respond_with_response(reply("not_listmonk"))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "api_user": USER, "api_token": TOKEN})
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert "listmonk server" in caught.value.user_message


def test_a_missing_token_is_asked_for_before_any_request(provider, httpserver, origin):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "api_user": USER, "api_token": " "})
    assert caught.value.field == "api_token"
    assert httpserver.log == []


def test_check_connection_reads_the_lists_again(provider, httpserver, origin):
    httpserver.expect_request("/api/lists").respond_with_response(reply("lists"))
    channel = listmonk_channel(origin)
    account = provider.fetch_profile(channel)
    assert account.external_id == channel.external_id
    assert provider.check_refreshes(channel) is False
