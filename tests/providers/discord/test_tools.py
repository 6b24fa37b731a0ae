"""Discord's channels tool: the bot's server channels, or a webhook's one channel."""

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError
from integrations.providers.discord import DiscordBotProvider, DiscordWebhookProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

BOT_TOKEN = "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs"
WEBHOOK = "https://discord.com/api/webhooks/223704706495545344/" + "a" * 68


@pytest.fixture
def fake(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "DISCORD_CLIENT_ID": "123",
        "DISCORD_CLIENT_SECRET": "s",
        "DISCORD_BOT_TOKEN": BOT_TOKEN,
    }
    point(settings, httpserver, "discord", api="/api")
    point(settings, httpserver, "discord-bot", api="/api", web="/web")
    return FakeNetwork(httpserver)


def test_the_bot_lists_its_servers_text_and_announcement_channels(fake):
    fake.on("GET", r"/api/guilds/41771983423143937/channels", answer("discord", "guild_channels"))
    channel = Channel(
        "41771983423143937",
        {},
        meta={"guild_id": "41771983423143937", "channel_id": "41771983423143937"},
    )
    output = DiscordBotProvider().run_tool(channel, "channels", {})
    assert [(row["id"], row["name"], row["type"]) for row in output] == [
        ("41771983423143937", "general", "text"),
        ("41771983423143940", "announcements", "announcement"),
    ]
    assert fake.calls[0].headers["Authorization"] == f"Bot {BOT_TOKEN}"


def test_a_webhook_answers_the_one_channel_it_posts_to(fake):
    fake.on("GET", r"/api/webhooks/223704706495545344/a+", answer("discord", "webhook"))
    channel = Channel("223704706495545344", {"webhook_url": WEBHOOK})
    output = DiscordWebhookProvider().run_tool(channel, "channels", {})
    assert output == [
        {
            "id": "199737254929760256",
            "name": "Postiz",
            "guildId": "199737254929760256",
            "url": "https://discord.com/channels/199737254929760256/199737254929760256",
        }
    ]


def test_a_deleted_webhook_is_reported_as_revoked(fake):
    fake.on("GET", r"/api/webhooks/223704706495545344/a+", answer("discord", "unknown_webhook"))
    channel = Channel("223704706495545344", {"webhook_url": WEBHOOK})
    with pytest.raises(ProviderError) as caught:
        DiscordWebhookProvider().run_tool(channel, "channels", {})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
