from integrations.providers.pinterest import PinterestProvider
from tests.providers.pinterest.conftest import BEARER, reply


def test_the_boards_tool_lists_every_board(provider, httpserver, channel):
    httpserver.expect_ordered_request("/api/v5/boards", headers=BEARER).respond_with_response(
        reply("boards_page1")
    )
    httpserver.expect_ordered_request("/api/v5/boards", headers=BEARER).respond_with_response(
        reply("boards_page2")
    )
    assert provider.run_tool(channel, "boards", {}) == [
        {"id": "549755885175", "name": "Summer Recipes", "privacy": "PUBLIC"},
        {"id": "549755885176", "name": "Workshop", "privacy": "SECRET"},
        {"id": "549755885177", "name": "Launches", "privacy": "PUBLIC"},
    ]


def test_a_board_is_created_from_the_composer(provider, httpserver, channel):
    httpserver.expect_request(
        "/api/v5/boards",
        method="POST",
        headers=BEARER,
        json={"name": "Autumn Ideas", "privacy": "SECRET", "description": "Leaves and lamps"},
    ).respond_with_response(reply("board_created"))
    created = provider.run_tool(
        channel,
        "create_board",
        {"name": "Autumn Ideas", "description": "Leaves and lamps", "secret": True},
    )
    assert created == {"id": "549755885190", "name": "Autumn Ideas", "privacy": "PUBLIC"}


def test_the_tools_are_declared_for_integration_trigger():
    assert [t.name for t in PinterestProvider.tools] == ["boards", "create_board"]
    schema = PinterestProvider.tool("create_board").describe()["dataSchema"]
    assert [field["key"] for field in schema] == ["name", "description", "secret"]
