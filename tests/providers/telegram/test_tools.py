"""Telegram's chats tool: the connected chat and the chats the bot was recently added to,
each checked (getChatMember) before it is offered."""

import pytest

from integrations.providers.base import Channel
from integrations.providers.telegram import TelegramProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


@pytest.fixture
def fake(settings, httpserver):
    point(settings, httpserver, "telegram", api="/")
    network = FakeNetwork(httpserver)
    network.on("POST", rf"/bot{TOKEN}/getMe", answer("telegram", "get_me"))
    network.on("POST", rf"/bot{TOKEN}/getChat", answer("telegram", "get_chat_channel"))
    return network


@pytest.fixture
def channel():
    return Channel(
        "-1001234567890",
        {"bot_token": TOKEN},
        username="@postiznews",
        meta={"chat_id": "-1001234567890", "chat_type": "channel"},
    )


def _member(call):
    status = {"-1001234567890": "member_admin", "-1009876543210": "member_member"}
    return answer("telegram", status[str(call.json["chat_id"])])


def test_chats_are_the_connected_one_and_those_the_bot_was_added_to(fake, channel):
    fake.on("POST", rf"/bot{TOKEN}/getUpdates", answer("telegram", "get_updates"))
    fake.on("POST", rf"/bot{TOKEN}/getChatMember", _member)
    output = TelegramProvider().run_tool(channel, "chats", {})
    assert output == [
        {
            "id": "-1001234567890",
            "name": "Postiz News",
            "type": "channel",
            "username": "@postiznews",
            "connected": True,
        },
        {
            "id": "-1009876543210",
            "name": "Launch group",
            "type": "supergroup",
            "username": "",
            "connected": False,
        },
    ]
    # The bot was removed from "Old channel", and a private chat is no place to post.
    asked = [c.json["chat_id"] for c in fake.sent("POST", rf"/bot{TOKEN}/getChatMember")]
    assert sorted(map(str, asked)) == ["-1001234567890", "-1009876543210"]
    # Updates are read without an offset, so none is confirmed (taken from others).
    assert "offset" not in fake.sent("POST", rf"/bot{TOKEN}/getUpdates")[0].json


def test_a_chat_where_the_bot_may_not_post_is_left_out(fake, channel):
    fake.on("POST", rf"/bot{TOKEN}/getUpdates", answer("telegram", "get_updates"))
    fake.on(
        "POST",
        rf"/bot{TOKEN}/getChatMember",
        lambda call: (
            answer("telegram", "member_admin")
            if str(call.json["chat_id"]) == "-1001234567890"
            else answer("telegram", "member_left")
        ),
    )
    output = TelegramProvider().run_tool(channel, "chats", {})
    assert [row["id"] for row in output] == ["-1001234567890"]


def test_a_bot_with_a_webhook_offers_its_connected_chat(fake, channel):
    fake.on("POST", rf"/bot{TOKEN}/getUpdates", answer("telegram", "webhook_conflict"))
    fake.on("POST", rf"/bot{TOKEN}/getChatMember", answer("telegram", "member_admin"))
    output = TelegramProvider().run_tool(channel, "chats", {})
    assert [row["id"] for row in output] == ["-1001234567890"]
