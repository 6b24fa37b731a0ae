"""The Slack validator is pure."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.slack import SlackProvider


def test_text_up_to_40000_characters_is_accepted():
    provider = SlackProvider()
    assert provider.validate(Draft([DraftItem("a" * 40000)])) == []
    (issue,) = provider.validate(Draft([DraftItem("a" * 40001)]))
    assert issue.code == "text_too_long" and issue.limit == 40000


def test_files_without_text_are_fine_and_ten_files_at_most():
    provider = SlackProvider()
    files = [MediaItem("application/pdf", 10, lambda: b"x", filename="a.pdf")] * 10
    assert provider.validate(Draft([DraftItem("", files)])) == []
    (issue,) = provider.validate(Draft([DraftItem("x", files + files[:1])]))
    assert issue.code == "media_count"


def test_channel_setting_is_known():
    provider = SlackProvider()
    assert provider.validate(Draft([DraftItem("x")], {"channel": "C1", "__type": "slack"})) == []
    (issue,) = provider.validate(Draft([DraftItem("x")], {"blocks": []}))
    assert (issue.code, issue.severity) == ("setting_unknown", "warning")


def test_declarations():
    assert SlackProvider.auth_kind == "oauth2"
    assert SlackProvider.account_selection == "channels"
    assert SlackProvider.lookup == "by-content"
    assert SlackProvider.required_settings == ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    assert {"chat:write", "chat:write.public", "files:write", "channels:read"} <= set(
        SlackProvider.scopes
    )
