"""The Discord validator is pure: limits, files, webhook URL shape."""

import pytest

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.discord import (
    DiscordBotProvider,
    DiscordWebhookProvider,
    flatten_form_errors,
    parse_webhook_url,
)


def media(n=1, size=1000, mime="image/png"):
    return [
        MediaItem(mime_type=mime, size=size, read=lambda: b"x", filename=f"f{i}.png")
        for i in range(n)
    ]


def codes(issues):
    return [issue.code for issue in issues]


def test_text_of_2000_characters_is_accepted_and_2001_is_not():
    provider = DiscordWebhookProvider()
    assert provider.validate(Draft([DraftItem("a" * 2000)])) == []
    issues = provider.validate(Draft([DraftItem("a" * 2001)]))
    assert codes(issues) == ["text_too_long"]
    assert issues[0].limit == 2000 and issues[0].actual == 2001


def test_empty_post_needs_text_or_a_file():
    provider = DiscordWebhookProvider()
    assert codes(provider.validate(Draft([DraftItem("  ")]))) == ["text_required"]
    assert provider.validate(Draft([DraftItem("", media(1))])) == []


def test_at_most_ten_files_of_ten_megabytes():
    provider = DiscordWebhookProvider()
    assert provider.validate(Draft([DraftItem("hi", media(10))])) == []
    assert codes(provider.validate(Draft([DraftItem("hi", media(11))]))) == ["media_count"]
    big = media(1, size=10 * 1024 * 1024 + 1)
    assert codes(provider.validate(Draft([DraftItem("hi", big)]))) == ["media_size"]


def test_any_file_type_is_allowed():
    provider = DiscordWebhookProvider()
    pdf = media(1, mime="application/pdf")
    assert provider.validate(Draft([DraftItem("hi", pdf)])) == []


def test_channel_setting_is_accepted_and_unknown_settings_are_not():
    provider = DiscordWebhookProvider()
    assert provider.validate(Draft([DraftItem("hi")], {"channel": "123"})) == []
    issues = provider.validate(Draft([DraftItem("hi")], {"embeds": []}))
    assert codes(issues) == ["setting_unknown"]
    assert issues[0].severity == "warning"


@pytest.mark.parametrize(
    "url",
    [
        "https://discord.com/api/webhooks/223704706495545344/3d89bb7572e0fb30d8128367b3b1b44fecd1",
        "https://discordapp.com/api/webhooks/223704706495545344/abc_DEF-ghi123456789012/",
        "https://ptb.discord.com/api/v10/webhooks/223704706495545344/abc_DEF-ghi123456789012",
    ],
)
def test_webhook_urls_in_discord_shapes_are_recognised(url):
    webhook_id, token = parse_webhook_url(url)
    assert webhook_id == "223704706495545344"
    assert token


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://discord.com/api/webhooks/223704706495545344/abcdefghijabcdefghijabc",
        "https://evil.example/api/webhooks/223704706495545344/abcdefghijabcdefghijabc",
        "https://discord.com/api/webhooks/notanid/abcdefghijabcdefghijabc",
        "https://discord.com/api/webhooks/223704706495545344",
        "https://discord.com/channels/1/2",
    ],
)
def test_other_urls_are_not_webhooks(url):
    with pytest.raises(ValueError):
        parse_webhook_url(url)


def test_nested_form_errors_are_flattened_to_paths():
    errors = {
        "content": {"_errors": [{"code": "X", "message": "Too long."}]},
        "attachments": {"0": {"description": {"_errors": [{"code": "Y", "message": "Bad."}]}}},
    }
    assert flatten_form_errors(errors) == [
        ("content", "Too long."),
        ("attachments.0.description", "Bad."),
    ]


def test_declarations():
    hook, bot = DiscordWebhookProvider, DiscordBotProvider
    assert hook.identifier == "discord" and hook.auth_kind == "webhook"
    assert hook.idempotency == "none" and hook.lookup == "none"
    assert bot.identifier == "discord-bot" and bot.account_selection == "channels"
    assert bot.idempotency == "native-key"
    assert DiscordBotProvider().family == "discord"
    assert set(bot.required_settings) >= {"DISCORD_CLIENT_ID", "DISCORD_BOT_TOKEN"}
