"""X's look-up tools against a fake X: the account's lists and a community search."""

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from integrations.providers.x import XProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

TOKEN = "x-access-secret-token-123"


@pytest.fixture
def fake(settings, httpserver):
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    return FakeNetwork(httpserver)


@pytest.fixture
def channel():
    return Channel("2244994945", {"access_token": TOKEN})


def test_lists_are_the_accounts_own_lists_read_with_its_token(fake, channel):
    fake.on("GET", r"/b/2/users/2244994945/owned_lists", answer("x", "owned_lists"))
    output = XProvider().run_tool(channel, "lists", {})
    assert [(row["id"], row["name"], row["private"]) for row in output] == [
        ("1146654567674912769", "Launch partners", False),
        ("1146654567674912770", "Press", True),
    ]
    assert output[0]["memberCount"] == 12
    assert output[0]["url"] == "https://x.com/i/lists/1146654567674912769"
    [call] = fake.calls
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.args["list.fields"] == "description,private,member_count"


def test_an_account_without_lists_gets_an_empty_list(fake, channel):
    fake.on("GET", r"/b/2/users/2244994945/owned_lists", answer("x", "owned_lists_empty"))
    assert XProvider().run_tool(channel, "lists", {}) == []


def test_communities_are_searched_by_word_and_give_the_url_the_setting_takes(fake, channel):
    fake.on("GET", r"/b/2/communities/search", answer("x", "communities_search"))
    output = XProvider().run_tool(channel, "communities", {"word": " python "})
    assert [row["name"] for row in output] == ["Python Developers", "Pythonistas"]
    assert output[0]["url"] == "https://x.com/i/communities/1493446837214187523"
    assert fake.calls[0].args["query"] == "python"


def test_a_tool_the_token_may_not_use_is_a_classified_refusal(fake, channel):
    fake.on("GET", r"/b/2/communities/search", answer("x", "forbidden"))
    with pytest.raises(ProviderError) as caught:
        XProvider().run_tool(channel, "communities", {"word": "python"})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED


def test_an_expired_token_is_reported_as_expired(fake, channel):
    fake.on("GET", r"/b/2/users/2244994945/owned_lists", answer("x", "unauthorized"))
    with pytest.raises(ProviderError) as caught:
        XProvider().run_tool(channel, "lists", {})
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED
