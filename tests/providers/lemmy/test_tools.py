"""Lemmy's community search against a fake instance."""

import pytest

from integrations.providers.base import Channel
from integrations.providers.lemmy import LemmyProvider
from tests.posts.e2e.fakes import FakeNetwork, answer

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.c2lnbmF0dXJl"


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


def test_communities_are_searched_by_word_and_remote_ones_named_with_their_server(fake):
    fake.on("GET", r"/api/v3/search", answer("lemmy", "search_communities"))
    channel = Channel(
        "https://lemmy.example/u/acme",
        {"jwt": JWT},
        username="acme",
        meta={"instance": fake.origin},
    )
    output = LemmyProvider().run_tool(channel, "subreddits", {"word": "tech"})
    assert [(row["id"], row["subreddit"], row["title"]) for row in output] == [
        ("15", "technology", "Technology"),
        ("87", "technology@beehaw.example", "Technology at Beehaw"),
    ]
    assert output[1]["subscribers"] == 5400
    [call] = fake.calls
    assert call.args == {"q": "tech", "type_": "Communities", "sort": "TopAll", "limit": "10"}
    assert call.headers["Authorization"] == f"Bearer {JWT}"
