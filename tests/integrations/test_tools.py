"""Look-up tools: how a provider declares them (data, checked when the class is made),
how their inputs are checked, and how the service runs them with the channel's token:
refreshed when expired, renewed once when the network calls it stale, and the channel
marked for reconnecting when the grant is gone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.providers.base import Provider, Tool, ToolInput, ToolInputError
from integrations.tools import (
    ChannelDisconnected,
    ToolFailed,
    ToolNotFound,
    integration_run_tool,
    integration_tools,
)
from tests.factories import ChannelFactory
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

SEARCH = Tool(
    "search",
    "Search things",
    (
        ToolInput("word", description="Words"),
        ToolInput("limit", "number", "How many", required=False),
        ToolInput("exact", "boolean", "Exact match", required=False),
    ),
)


def test_a_tool_describes_itself_as_the_public_api_lists_it():
    assert SEARCH.describe() == {
        "methodName": "search",
        "description": "Search things",
        "dataSchema": [
            {"key": "word", "type": "string", "description": "Words"},
            {"key": "limit", "type": "number", "description": "How many (optional)"},
            {"key": "exact", "type": "boolean", "description": "Exact match (optional)"},
        ],
    }


def test_tool_inputs_are_checked_and_unknown_keys_ignored():
    assert SEARCH.clean({"word": " cats ", "limit": "5", "other": 1}) == {
        "word": "cats",
        "limit": 5,
    }
    assert SEARCH.clean({"word": 42, "exact": "true"}) == {"word": "42", "exact": True}
    with pytest.raises(ToolInputError) as caught:
        SEARCH.clean({"word": "", "limit": "many", "exact": 3})
    assert caught.value.messages == [
        "word is required",
        "limit must be a number",
        "exact must be a boolean",
    ]
    with pytest.raises(ToolInputError, match="data must be an object"):
        SEARCH.clean(["cats"])
    with pytest.raises(ToolInputError, match="word must be a string"):
        SEARCH.clean({"word": {"nested": True}})
    with pytest.raises(ToolInputError, match="at most 200"):
        SEARCH.clean({"word": "x" * 201})


def test_a_provider_cannot_declare_a_tool_without_its_method():
    with pytest.raises(TypeError, match="declares tool search without a method"):

        class _Broken(Provider):
            identifier = "broken-test"
            display_name = "Broken"
            auth_kind = "oauth2"
            tools = (SEARCH,)


def test_a_tool_may_name_a_method_of_another_name():
    class _Net(Provider):
        identifier = "renamed-test"
        display_name = "Net"
        auth_kind = "oauth2"
        tools = (Tool("find", "Find", (ToolInput("word"),), method="_find"),)

        def _find(self, channel, *, word):
            return [{"id": "1", "name": word}]

    assert _Net().run_tool(None, "find", {"word": "a"}) == [{"id": "1", "name": "a"}]
    with pytest.raises(LookupError):
        _Net().run_tool(None, "_find", {"word": "a"})


def test_each_network_with_something_to_look_up_declares_its_tools():
    names = {ident: [t.name for t in cls.tools] for ident, cls in provider_classes().items()}
    assert names["x"] == ["lists", "communities"]
    assert names["reddit"] == ["subreddits", "restrictions"]
    assert names["discord"] == names["discord-bot"] == names["slack"] == ["channels"]
    assert names["linkedin-page"] == ["companies"]
    assert names["lemmy"] == ["subreddits"]
    assert names["telegram"] == ["chats"]
    assert names["mastodon"] == names["bluesky"] == ["mention"]
    assert names["nostr"] == names["threads"] == names["linkedin"] == []
    assert names["pinterest"] == ["boards", "create_board"]
    assert names["gmb"] == ["locations"]
    assert names["youtube"] == ["playlists", "categories"]
    assert names["facebook"] == ["pages"]
    assert names["instagram"] == names["instagram-standalone"] == ["publishing_limit"]
    assert names["tiktok"] == names["tiktok-business"] == ["creator_info"]
    assert names["devto"] == ["organization"]
    assert names["hashnode"] == ["publications", "series"]
    assert names["medium"] == ["publications"]
    assert names["ghost"] == ["tags", "newsletters"]
    assert names["listmonk"] == ["lists", "templates"]
    assert names["tumblr"] == ["blogs"]
    assert names["farcaster"] == ["channels"]
    assert names["twitch"] == names["kick"] == []
    assert names["moltbook"] == ["submolts", "verify"]
    assert names["whop"] == ["experiences"]
    assert names["wordpress"] == ["categories", "tags"]
    assert names["dribbble"] == ["teams"]
    assert names["vk"] == ["groups"]
    assert names["beehiiv"] == ["publications"]
    assert names["mewe"] == ["groups"]


# -- Running a tool for a channel -------------------------------------------------------
TOKEN = "x-access-old"


@pytest.fixture
def fake(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "X_CLIENT_ID": "x-client-id",
        "X_CLIENT_SECRET": "x-client-secret",
    }
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    return FakeNetwork(httpserver)


@pytest.fixture
def x_channel(org):
    return ChannelFactory(
        organization=org,
        provider="x",
        external_id="2244994945",
        name="Acme on X",
        credentials={"access_token": TOKEN, "refresh_token": "x-refresh-old"},
        token_expires_at=timezone.now() + timedelta(hours=1),
    )


LISTS = r"/b/2/users/2244994945/owned_lists"
TOKEN_URL = r"/b/2/oauth2/token"


def _bearers(fake):
    return [c.headers["Authorization"] for c in fake.sent("GET", LISTS)]


def test_a_tool_runs_with_the_channels_token(fake, x_channel):
    fake.on("GET", LISTS, answer("x", "owned_lists"))
    output = integration_run_tool(integration=x_channel, name="lists", data={})
    assert len(output) == 2 and _bearers(fake) == [f"Bearer {TOKEN}"]
    assert [t.name for t in integration_tools(integration=x_channel)] == ["lists", "communities"]


def test_an_expired_token_is_refreshed_before_the_tool_runs(fake, x_channel):
    Integration.objects.filter(pk=x_channel.pk).update(
        token_expires_at=timezone.now() - timedelta(minutes=1)
    )
    x_channel.refresh_from_db()
    fake.on("POST", TOKEN_URL, answer("x", "token_rotated"))
    fake.on("GET", LISTS, answer("x", "owned_lists"))
    integration_run_tool(integration=x_channel, name="lists", data={})
    x_channel.refresh_from_db()
    new_token = x_channel.credentials["access_token"]
    assert new_token != TOKEN and _bearers(fake) == [f"Bearer {new_token}"]
    assert x_channel.credentials["refresh_token"] != "x-refresh-old"  # rotated, kept


def test_a_token_the_network_calls_stale_is_renewed_once_and_the_tool_run_again(fake, x_channel):
    fake.on("POST", TOKEN_URL, answer("x", "token_rotated"))
    fake.on("GET", LISTS, answer("x", "unauthorized"), answer("x", "owned_lists"))
    output = integration_run_tool(integration=x_channel, name="lists", data={})
    assert len(output) == 2
    assert len(fake.sent("POST", TOKEN_URL)) == 1 and len(_bearers(fake)) == 2


def test_a_refresh_the_network_refuses_disconnects_the_channel(fake, x_channel):
    fake.on("POST", TOKEN_URL, answer("x", "refresh_invalid"))
    fake.on("GET", LISTS, answer("x", "unauthorized"))
    with pytest.raises(ChannelDisconnected):
        integration_run_tool(integration=x_channel, name="lists", data={})
    x_channel.refresh_from_db()
    assert x_channel.status == Integration.Status.NEEDS_RECONNECT


def test_a_token_still_refused_after_renewal_disconnects_the_channel(fake, x_channel):
    fake.on("POST", TOKEN_URL, answer("x", "token_rotated"))
    fake.on("GET", LISTS, answer("x", "unauthorized"))
    with pytest.raises(ChannelDisconnected):
        integration_run_tool(integration=x_channel, name="lists", data={})
    assert len(fake.sent("POST", TOKEN_URL)) == 1  # never a loop of refreshes
    x_channel.refresh_from_db()
    assert x_channel.status == Integration.Status.NEEDS_RECONNECT


def test_a_network_refusal_is_a_tool_failure_saying_what_it_answered(fake, x_channel):
    fake.on("GET", r"/b/2/communities/search", answer("x", "forbidden"))
    with pytest.raises(ToolFailed) as caught:
        integration_run_tool(integration=x_channel, name="communities", data={"word": "py"})
    assert "not permitted" in caught.value.message
    x_channel.refresh_from_db()
    assert x_channel.status == Integration.Status.ACTIVE


def test_an_unreadable_answer_is_a_tool_failure_not_a_crash(fake, x_channel):
    from werkzeug import Response

    fake.on("GET", LISTS, Response("<html>oops</html>", status=200))
    with pytest.raises(ToolFailed):
        integration_run_tool(integration=x_channel, name="lists", data={})


def test_nothing_is_sent_for_an_unknown_tool_bad_input_or_a_disconnected_channel(fake, x_channel):
    with pytest.raises(ToolNotFound):
        integration_run_tool(integration=x_channel, name="boards", data={})
    with pytest.raises(ToolInputError):
        integration_run_tool(integration=x_channel, name="communities", data={})
    Integration.objects.filter(pk=x_channel.pk).update(status=Integration.Status.NEEDS_RECONNECT)
    x_channel.refresh_from_db()
    with pytest.raises(ChannelDisconnected):
        integration_run_tool(integration=x_channel, name="lists", data={})
    assert fake.calls == []
