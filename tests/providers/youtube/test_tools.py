import pytest

from integrations.providers.base import Channel, ToolInputError
from tests.providers.conftest import fixture_response
from tests.providers.youtube.conftest import CHANNEL_ID, HERE, TOKEN


@pytest.fixture
def channel():
    return Channel(CHANNEL_ID, {"access_token": TOKEN})


def test_playlists_lists_the_channels_own(provider, httpserver, channel):
    httpserver.expect_request(
        "/youtube/v3/playlists",
        query_string={"part": "snippet,status,contentDetails", "mine": "true", "maxResults": "50"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).respond_with_response(fixture_response(HERE, "playlists"))
    assert provider.run_tool(channel, "playlists", {}) == [
        {
            "id": "PLacmeLaunches",
            "name": "Launches",
            "privacy": "public",
            "videoCount": 12,
            "url": "https://www.youtube.com/playlist?list=PLacmeLaunches",
        },
        {
            "id": "PLacmeDrafts",
            "name": "Drafts",
            "privacy": "private",
            "videoCount": 3,
            "url": "https://www.youtube.com/playlist?list=PLacmeDrafts",
        },
    ]


def test_categories_lists_those_an_upload_can_pick(provider, httpserver, channel):
    httpserver.expect_request(
        "/youtube/v3/videoCategories", query_string={"part": "snippet", "regionCode": "DE"}
    ).respond_with_response(fixture_response(HERE, "categories"))
    assert provider.run_tool(channel, "categories", {"regionCode": "de"}) == [
        {"id": "1", "name": "Film & Animation"},
        {"id": "28", "name": "Science & Technology"},
    ]


def test_categories_default_to_the_us(provider, httpserver, channel):
    httpserver.expect_request(
        "/youtube/v3/videoCategories", query_string={"part": "snippet", "regionCode": "US"}
    ).respond_with_response(fixture_response(HERE, "categories"))
    assert len(provider.run_tool(channel, "categories", {})) == 2


def test_a_region_code_is_two_letters(provider, channel):
    with pytest.raises(ToolInputError):
        provider.run_tool(channel, "categories", {"regionCode": "Germany"})


def test_recent_posts_reads_the_uploads_playlist(provider, httpserver, channel):
    channel.meta = {"uploads_playlist": "UUx7lD0hp3tEuiZ1fj5lBqqw"}
    httpserver.expect_request(
        "/youtube/v3/playlistItems",
        query_string={
            "part": "contentDetails",
            "playlistId": "UUx7lD0hp3tEuiZ1fj5lBqqw",
            "maxResults": "20",
        },
    ).respond_with_response(fixture_response(HERE, "uploads"))
    [ref] = provider.recent_posts(channel)
    assert (ref.id, ref.url) == ("dQw4w9WgXcQ", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")


def test_a_pasted_watch_link_names_its_video(provider, channel):
    ref = provider.ref_for_id(channel, "https://youtu.be/dQw4w9WgXcQ")
    assert ref.id == "dQw4w9WgXcQ"
    assert provider.ref_for_id(channel, "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3").id == (
        "dQw4w9WgXcQ"
    )
