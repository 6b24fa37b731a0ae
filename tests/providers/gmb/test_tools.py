from integrations.providers.gmb import GoogleBusinessProvider
from tests.providers.gmb.conftest import ACCOUNT, BEARER, reply


def test_the_locations_tool_lists_what_the_account_manages(provider, httpserver, channel):
    httpserver.expect_ordered_request("/acct/v1/accounts", headers=BEARER).respond_with_response(
        reply("accounts")
    )
    httpserver.expect_ordered_request(
        f"/info/v1/{ACCOUNT}/locations", headers=BEARER
    ).respond_with_response(reply("locations_page2"))
    assert provider.run_tool(channel, "locations", {}) == [
        {
            "id": "4352806333531136503",
            "name": "Acme Bakery Kreuzberg",
            "address": "Oranienstraße 2, Berlin",
            "account": ACCOUNT,
            "mapsUrl": "https://maps.google.com/maps?cid=5219840913312398662",
        }
    ]


def test_the_tool_is_declared_for_integration_trigger():
    assert [t.name for t in GoogleBusinessProvider.tools] == ["locations"]
