"""Slack's channels tool against a fake Slack: every page of conversations.list."""

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from integrations.providers.slack import SlackProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


@pytest.fixture
def fake(settings, httpserver):
    point(settings, httpserver, "slack", auth="/oauth/v2", api="/api")
    return FakeNetwork(httpserver)


@pytest.fixture
def channel():
    return Channel(
        "T9TK3CUKW:C012AB3CD",
        {"access_token": TOKEN},
        meta={"team_id": "T9TK3CUKW", "channel_id": "C012AB3CD"},
    )


def test_channels_lists_every_page_of_public_channels(fake, channel):
    fake.on(
        "GET",
        r"/api/conversations.list",
        answer("slack", "conversations_list_page1"),
        answer("slack", "conversations_list_page2"),
    )
    output = SlackProvider().run_tool(channel, "channels", {})
    assert output == [
        {"id": "C012AB3CD", "name": "general", "member": True, "members": 4},
        {"id": "C061EG9T2", "name": "random", "member": False, "members": 4},
    ]
    first, second = fake.calls
    assert first.args["types"] == "public_channel" and "cursor" not in first.args
    assert second.args["cursor"] == "dGVhbTpDMDYxRkE1UEI="
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_revoked_token_is_reported_as_revoked(fake, channel):
    fake.on("GET", r"/api/conversations.list", answer("slack", "err_token_revoked"))
    with pytest.raises(ProviderError) as caught:
        SlackProvider().run_tool(channel, "channels", {})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
