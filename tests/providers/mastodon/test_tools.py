"""Mastodon's mention lookup against a fake instance."""

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from integrations.providers.mastodon import MastodonProvider
from tests.posts.e2e.fakes import FakeNetwork, answer


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


@pytest.fixture
def channel(fake):
    return Channel("109", {"access_token": "masto-token"}, meta={"instance": fake.origin})


def test_mention_finds_accounts_with_their_full_handles(fake, channel):
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "accounts_search"))
    output = MastodonProvider().run_tool(channel, "mention", {"query": "@alice"})
    host = fake.origin.split("://", 1)[1]
    assert [(row["id"], row["name"], row["username"]) for row in output] == [
        ("109302", "Alice", f"@alice@{host}"),
        ("110555", "alice", "@alice@other.example"),
    ]
    [call] = fake.calls
    assert call.args == {"q": "alice", "limit": "10", "resolve": "false"}
    assert call.headers["Authorization"] == "Bearer masto-token"


def test_a_handle_on_another_server_is_resolved_there(fake, channel):
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "accounts_search"))
    MastodonProvider().run_tool(channel, "mention", {"query": "alice@other.example"})
    assert fake.calls[0].args["resolve"] == "true"


def test_a_revoked_token_is_reported_as_revoked(fake, channel):
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "unauthorized"))
    with pytest.raises(ProviderError) as caught:
        MastodonProvider().run_tool(channel, "mention", {"query": "alice"})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
