"""Bluesky's mention lookup: the AppView's typeahead through the PDS, or the handle
resolved by a PDS that has no AppView."""

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from integrations.providers.bluesky import BlueskyProvider
from tests.posts.e2e.fakes import FakeNetwork, answer

ACCESS = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6ImNvbS5hdHByb3RvLmFjY2VzcyJ9.c2ln"


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


@pytest.fixture
def channel(fake):
    return Channel(
        "did:plc:abc",
        {"access_jwt": ACCESS, "refresh_jwt": "r"},
        username="acme.bsky.social",
        meta={"did": "did:plc:abc", "pds": fake.origin, "handle": "acme.bsky.social"},
    )


def test_mention_finds_accounts_by_name_or_handle(fake, channel):
    fake.on(
        "GET",
        r"/xrpc/app.bsky.actor.searchActorsTypeahead",
        answer("bluesky", "search_actors_typeahead"),
    )
    output = BlueskyProvider().run_tool(channel, "mention", {"query": "@bsky"})
    assert output[0] == {
        "id": "did:plc:z72i7hdynmk6r22z27h6tvur",
        "name": "Bluesky",
        "username": "bsky.app",
        "picture": "https://cdn.bsky.app/img/avatar/plain/did:plc:z72i7hdynmk6r22z27h6tvur/bafkreihagr@jpeg",
        "url": "https://bsky.app/profile/bsky.app",
    }
    assert [row["username"] for row in output] == ["bsky.app", "atproto.com"]
    [call] = fake.calls
    assert call.args == {"q": "bsky", "limit": "10"}
    assert call.headers["Authorization"] == f"Bearer {ACCESS}"


def test_a_pds_without_an_appview_still_resolves_an_exact_handle(fake, channel):
    fake.on(
        "GET",
        r"/xrpc/app.bsky.actor.searchActorsTypeahead",
        answer("bluesky", "method_not_implemented"),
    )
    fake.on("GET", r"/xrpc/com.atproto.identity.resolveHandle", answer("bluesky", "resolve_handle"))
    output = BlueskyProvider().run_tool(channel, "mention", {"query": "Bsky.App"})
    assert [(row["id"], row["username"]) for row in output] == [
        ("did:plc:z72i7hdynmk6r22z27h6tvur", "bsky.app")
    ]


def test_an_expired_session_is_reported_as_expired(fake, channel):
    fake.on(
        "GET", r"/xrpc/app.bsky.actor.searchActorsTypeahead", answer("bluesky", "expired_token")
    )
    with pytest.raises(ProviderError) as caught:
        BlueskyProvider().run_tool(channel, "mention", {"query": "bsky"})
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED
