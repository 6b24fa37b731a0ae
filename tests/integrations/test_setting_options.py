"""Setting choices looked up with a tool (``SettingField.options``, spec 1.3 ``options``),
and the channel's kept copy of what such tools answer."""

import pytest
from werkzeug import Response

from integrations import tools
from integrations.providers.base import Channel, OptionSource, Provider, SettingField, Tool
from integrations.providers.pinterest import PinterestProvider
from integrations.providers.tiktok import TikTokProvider
from integrations.providers.youtube import YouTubeProvider
from tests.factories import ChannelFactory
from tests.providers.conftest import point
from tests.providers.pinterest.conftest import configure, reply


def test_the_networks_name_where_their_choices_come_from():
    assert PinterestProvider.option_source("board").create == "create_board"
    assert YouTubeProvider.option_source("playlistId").tool == "playlists"
    assert YouTubeProvider.option_source("categoryId").tool == "categories"
    assert TikTokProvider.option_source("privacy_level").within == "privacy_level_options"
    assert PinterestProvider.option_source("title") is None


def test_choices_are_read_from_the_tools_answer_and_filtered_by_a_query():
    boards = [{"id": "1", "name": "Summer Recipes"}, {"id": "2", "name": "Workshop"}, {"x": 3}]
    assert PinterestProvider.option_list("board", boards) == [
        {"value": "1", "label": "Summer Recipes"},
        {"value": "2", "label": "Workshop"},
    ]
    assert PinterestProvider.option_list("board", boards, "  shop") == [
        {"value": "2", "label": "Workshop"}
    ]
    info = {"privacy_level_options": ["MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]}
    assert TikTokProvider.option_list("privacy_level", info) == [
        {"value": "MUTUAL_FOLLOW_FRIENDS", "label": "Friends (MUTUAL_FOLLOW_FRIENDS)"},
        {"value": "SELF_ONLY", "label": "Only me (SELF_ONLY)"},
    ]


def test_a_setting_naming_a_tool_the_network_lacks_is_refused_when_declared():
    with pytest.raises(TypeError, match="option source names no tool"):

        class Broken(Provider):
            identifier = "broken"
            display_name = "Broken"
            auth_kind = "bot-token"
            settings_fields = (SettingField("board", "string", options=OptionSource("boards")),)
            tools = (Tool("pins", "Pins"),)

            def pins(self, channel):
                return []


def test_the_provider_asks_the_network_for_the_choices(settings, httpserver):
    configure(settings, httpserver)
    httpserver.expect_ordered_request("/api/v5/boards").respond_with_response(reply("boards_page1"))
    httpserver.expect_ordered_request("/api/v5/boards").respond_with_response(reply("boards_page2"))
    channel = Channel("1", {"access_token": "t"})
    assert PinterestProvider().options("board", channel, "launch") == [
        {"value": "549755885177", "label": "Launches"}
    ]


@pytest.mark.django_db
def test_running_the_creator_info_tool_refreshes_what_the_channel_keeps(settings, httpserver):
    point(settings, httpserver, "tiktok", api="/tt")
    channel = ChannelFactory(
        provider="tiktok",
        meta={"open_id": "o1", "creator_info": {"privacy_level_options": ["SELF_ONLY"]}},
    )
    body = {
        "data": {
            "creator_avatar_url": "https://p16.tiktokcdn.com/a.jpeg",
            "creator_username": "acme",
            "creator_nickname": "Acme",
            "privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"],
            "comment_disabled": False,
            "duet_disabled": True,
            "stitch_disabled": False,
            "max_video_post_duration_sec": 600,
        },
        "error": {"code": "ok", "message": "", "log_id": "202612062330"},
    }
    httpserver.expect_oneshot_request(
        "/tt/v2/post/publish/creator_info/query/", method="POST"
    ).respond_with_json(body)
    tools.integration_run_tool(integration=channel, name="creator_info", data={})
    channel.refresh_from_db()
    assert channel.meta["open_id"] == "o1"  # the rest of what it keeps stays
    assert channel.meta["creator_info"]["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "SELF_ONLY",
    ]
    # The composer's choices follow at once, without asking TikTok again.
    kept = tools.kept_setting_options(integration=channel, name="privacy_level")
    assert [o["value"] for o in kept.options] == ["PUBLIC_TO_EVERYONE", "SELF_ONLY"]


@pytest.mark.django_db
def test_a_created_board_does_not_become_the_whole_list_when_none_was_kept(settings, httpserver):
    configure(settings, httpserver)
    channel = ChannelFactory(provider="pinterest", meta={})
    httpserver.expect_oneshot_request("/api/v5/boards", method="POST").respond_with_response(
        reply("board_created")
    )
    tools.integration_run_tool(integration=channel, name="create_board", data={"name": "New"})
    channel.refresh_from_db()
    assert "boards" not in channel.meta


@pytest.mark.django_db
def test_without_a_kept_copy_a_refusal_reaches_the_caller(settings, httpserver):
    configure(settings, httpserver)
    channel = ChannelFactory(provider="pinterest", meta={})
    httpserver.expect_request("/api/v5/boards").respond_with_response(
        Response('{"code": 29, "message": "Forbidden"}', status=403)
    )
    with pytest.raises(tools.ToolFailed):
        tools.integration_setting_options(integration=channel, name="board")
