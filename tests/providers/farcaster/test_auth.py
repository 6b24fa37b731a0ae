"""Connecting Farcaster with a Neynar API key and an approved signer, against a fake."""

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.conftest import assert_no_secret
from tests.providers.farcaster.conftest import API_KEY, KEY_HEADER, SIGNER, reply

FIELDS = {"api_key": API_KEY, "signer_uuid": SIGNER}


def expect_signer(httpserver, answer):
    httpserver.expect_ordered_request(
        "/api/v2/farcaster/signer", query_string={"signer_uuid": SIGNER}, headers=KEY_HEADER
    ).respond_with_response(reply(answer))


def test_an_approved_signer_connects_its_account(provider, httpserver, captured_logs):
    expect_signer(httpserver, "signer_approved")
    httpserver.expect_ordered_request(
        "/api/v2/farcaster/user/bulk", query_string={"fids": "194372"}, headers=KEY_HEADER
    ).respond_with_response(reply("users_bulk"))
    grant = provider.authenticate(FIELDS)
    [account] = provider.accounts(grant)
    assert grant.credentials == FIELDS
    assert (account.external_id, account.username, account.name) == (
        "194372",
        "acmeworkshop",
        "Acme Workshop",
    )
    assert account.profile_url == "https://farcaster.xyz/acmeworkshop"
    assert_no_secret(captured_logs, API_KEY, SIGNER)


def test_a_signer_waiting_for_approval_says_to_approve_it(provider, httpserver):
    expect_signer(httpserver, "signer_pending")
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(FIELDS)
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert caught.value.field == "signer_uuid"
    assert "pending_approval" in caught.value.user_message
    assert "approval link" in caught.value.user_message


def test_a_wrong_api_key_is_refused(provider, httpserver):
    httpserver.expect_request("/api/v2/farcaster/signer").respond_with_response(
        reply("unauthorized")
    )
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(FIELDS)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "API key" in caught.value.user_message


def test_empty_fields_are_pointed_at(provider):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": API_KEY, "signer_uuid": " "})
    assert caught.value.field == "signer_uuid"


def test_a_revoked_signer_asks_for_a_reconnect(provider, httpserver, channel):
    expect_signer(httpserver, "signer_revoked")
    with pytest.raises(ProviderError) as caught:
        provider.fetch_profile(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert not provider.check_refreshes(channel)


def test_the_channels_tool_lists_the_accounts_channels_or_searches(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v2/farcaster/user/channels", query_string={"fid": "194372", "limit": "50"}
    ).respond_with_response(reply("user_channels"))
    httpserver.expect_request(
        "/api/v2/farcaster/channel/search", query_string={"q": "wood", "limit": "20"}
    ).respond_with_response(reply("channels_search"))
    own = provider.run_tool(channel, "channels", {})
    assert [c["id"] for c in own] == ["acme", "woodworking"]
    found = provider.run_tool(channel, "channels", {"q": "wood"})
    assert found == [
        {
            "id": "woodworking",
            "name": "Woodworking",
            "url": "chain://eip155:7777777/erc721:0x4f86113fc3e9783cf3ec9a552cbb566716a57628",
            "description": "Makers and their shops",
        }
    ]
