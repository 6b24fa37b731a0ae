"""Connecting VK: VK ID with PKCE and the device id, rotating refresh, walls to post on."""

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import ErrorKind, Grant, ProviderError
from tests.providers.conftest import assert_no_secret
from tests.providers.vk.conftest import DEVICE, TOKEN, method, reply


def test_the_sign_in_asks_vk_id_with_a_code_challenge_and_the_rights_to_post(provider):
    url = provider.authorization_url(
        state="s1", redirect_uri="https://app.example/cb/", code_challenge="ch4ll"
    )
    parts = urlsplit(url)
    assert parts.path == "/id/authorize"
    query = parse_qs(parts.query)
    assert query["scope"] == ["vkid.personal_info wall photos video groups"]
    assert query["code_challenge"] == ["ch4ll"] and query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == ["51234567"] and query["response_type"] == ["code"]


def test_the_code_is_exchanged_with_its_verifier_and_device_id(provider, httpserver, captured_logs):
    httpserver.expect_request("/id/oauth2/auth", method="POST").respond_with_response(
        reply("token")
    )
    grant = provider.exchange_code(
        code="c0de",
        redirect_uri="https://app.example/cb/",
        code_verifier="v3rifier",
        callback={"device_id": DEVICE},
    )
    form = httpserver.log[0][0].form
    assert form["grant_type"] == "authorization_code"
    assert (form["code"], form["code_verifier"], form["device_id"]) == ("c0de", "v3rifier", DEVICE)
    assert form["client_id"] == "51234567" and form["redirect_uri"] == "https://app.example/cb/"
    assert "client_secret" not in form
    assert grant.credentials == {
        "access_token": TOKEN["access_token"],
        "refresh_token": TOKEN["refresh_token"],
        "device_id": DEVICE,
    }
    assert grant.expires_at is not None
    assert_no_secret(captured_logs, TOKEN["access_token"], TOKEN["refresh_token"])


def test_a_sign_in_back_without_a_device_id_is_refused_without_calling_vk(provider):
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://app.example/cb/", callback={})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_a_sign_in_without_the_wall_right_is_refused_at_once(provider, httpserver):
    httpserver.expect_request("/id/oauth2/auth").respond_with_response(reply("token_no_wall"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(
            code="c", redirect_uri="https://x/cb/", callback={"device_id": DEVICE}
        )
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_a_refresh_sends_the_device_id_and_keeps_the_rotated_pair(provider, httpserver, person):
    httpserver.expect_request("/id/oauth2/auth", method="POST").respond_with_response(
        reply("token_refreshed")
    )
    grant = provider.refresh(person)
    form = httpserver.log[0][0].form
    assert form["grant_type"] == "refresh_token"
    assert (form["refresh_token"], form["device_id"]) == (TOKEN["refresh_token"], DEVICE)
    assert grant.credentials["refresh_token"] == "vk2.a.refresh-NEW-5Tn0YeW3"
    assert grant.credentials["access_token"] == "vk2.a.access-NEW-9Mq4AfL7"
    assert grant.credentials["device_id"] == DEVICE


@pytest.mark.parametrize("fixture", ["refresh_invalid", "device_mismatch"])
def test_a_refused_refresh_asks_for_a_reconnect(provider, httpserver, person, fixture):
    httpserver.expect_request("/id/oauth2/auth").respond_with_response(reply(fixture))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(person)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_the_choices_are_the_persons_wall_and_each_community_they_manage(provider, httpserver):
    httpserver.expect_request(method("users.get")).respond_with_response(reply("users_get"))
    httpserver.expect_request(method("groups.get")).respond_with_response(reply("groups_get"))
    grant = Grant(credentials={"access_token": TOKEN["access_token"], "device_id": DEVICE})
    wall, club = provider.accounts(grant)
    assert (wall.external_id, wall.name, wall.username) == (
        "743784474",
        "Anna Smirnova",
        "anna.acme",
    )
    assert (club.external_id, club.name, club.kind) == ("-228154012", "Acme Workshop", "community")
    assert club.meta == {"owner_id": -228154012}
    groups = httpserver.log[1][0].form
    assert groups["filter"] == "admin,editor" and groups["extended"] == "1"
    assert groups["access_token"] == TOKEN["access_token"] and groups["v"] == "5.199"
    assert "access_token" not in httpserver.log[1][0].query_string.decode()


def test_the_groups_tool_lists_walls_to_post_on(provider, httpserver, person):
    httpserver.expect_request(method("groups.get")).respond_with_response(reply("groups_get"))
    assert provider.run_tool(person, "groups", {}) == [
        {"id": "-228154012", "name": "Acme Workshop", "screen_name": "acmeworkshop"}
    ]


def test_a_community_no_longer_managed_is_explained(provider, httpserver, community):
    httpserver.expect_request(method("groups.get")).respond_with_response(
        reply("groups_get").__class__('{"response":{"count":0,"items":[]}}', status=200)
    )
    with pytest.raises(ProviderError) as caught:
        provider.fetch_profile(community)
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
