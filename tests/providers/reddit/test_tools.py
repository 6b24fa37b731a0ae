"""Reddit's look-up tools against a fake Reddit: subreddit search, and what a subreddit
accepts (post types, required flair, flairs)."""

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from integrations.providers.reddit import RedditProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

TOKEN = "reddit-access-token-abc"


@pytest.fixture
def fake(settings, httpserver):
    point(settings, httpserver, "reddit", auth="/a", token="/t", api="/o", media_upload="/s3")
    return FakeNetwork(httpserver)


@pytest.fixture
def channel():
    return Channel("t2_abc", {"access_token": TOKEN}, username="acme")


def test_subreddits_are_searched_by_word_leaving_out_private_ones(fake, channel):
    fake.on("GET", r"/o/subreddits/search", answer("reddit", "subreddits_search"))
    output = RedditProvider().run_tool(channel, "subreddits", {"word": "python"})
    assert [row["name"] for row in output] == ["r/Python", "r/learnpython"]
    first, second = output
    assert first["subreddit"] == "Python" and first["allow"] == ["self", "link", "media"]
    assert second["allow"] == ["self"]
    [call] = fake.calls
    assert call.args["q"] == "python"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.headers["User-Agent"].startswith("server:postiz:")


def test_restrictions_say_the_post_types_the_required_flair_and_the_flairs(fake, channel):
    fake.on("GET", r"/o/r/Python/about", answer("reddit", "subreddit_about"))
    fake.on("GET", r"/o/api/v1/Python/post_requirements", answer("reddit", "post_requirements"))
    fake.on("GET", r"/o/r/Python/api/link_flair_v2", answer("reddit", "link_flair_v2"))
    output = RedditProvider().run_tool(channel, "restrictions", {"subreddit": "/r/Python"})
    assert output == {
        "subreddit": "/r/Python",
        "title": "Python",
        "allow": ["self", "media"],
        "is_flair_required": True,
        # Flairs only moderators may use are left out.
        "flairs": [
            {"id": "f1a9d2e4-6f0a-11e8-9e2c-0e6c1c6c3a1c", "name": "Discussion"},
            {"id": "a7c3e1b2-6f0a-11e8-8a6b-0e5a2f8c4d2e", "name": "Showcase"},
        ],
    }


def test_a_subreddit_without_flairs_answers_an_empty_flair_list(fake, channel):
    fake.on("GET", r"/o/r/Python/about", answer("reddit", "subreddit_about"))
    fake.on("GET", r"/o/api/v1/Python/post_requirements", answer("reddit", "post_requirements"))
    fake.on("GET", r"/o/r/Python/api/link_flair_v2", answer("reddit", "forbidden"))
    output = RedditProvider().run_tool(channel, "restrictions", {"subreddit": "Python"})
    assert output["flairs"] == []


def test_an_unknown_subreddit_is_not_found(fake, channel):
    fake.on("GET", r"/o/r/nosuchplace/about", answer("reddit", "subreddit_about_unknown"))
    with pytest.raises(ProviderError) as caught:
        RedditProvider().run_tool(channel, "restrictions", {"subreddit": "r/nosuchplace"})
    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert "r/nosuchplace" in caught.value.user_message


def test_a_name_that_cannot_be_a_subreddit_is_refused_before_asking_reddit(fake, channel):
    with pytest.raises(ProviderError):
        RedditProvider().run_tool(channel, "restrictions", {"subreddit": "../api/v1/me"})
    assert fake.calls == []
