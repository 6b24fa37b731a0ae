"""What the Twitch validator lets through: 500 characters, no media, announcements alone."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.twitch import TwitchProvider


def codes(draft):
    return [(i.code, i.field) for i in TwitchProvider().validate(draft)]


def test_a_chat_message_may_be_500_characters():
    assert codes(Draft([DraftItem("a" * 500)])) == []
    assert codes(Draft([DraftItem("a" * 501)])) == [("text_too_long", "text")]


def test_chat_takes_no_files():
    png = MediaItem("image/png", 10, lambda: b"")
    assert ("media_count", "media") in codes(Draft([DraftItem("hi", [png])]))


def test_an_announcement_is_one_message_with_a_known_colour():
    assert codes(Draft([DraftItem("hi")], {"kind": "announcement", "color": "purple"})) == []
    thread = Draft([DraftItem("hi"), DraftItem("more")], {"kind": "announcement"})
    assert ("setting_invalid", "kind") in codes(thread)
    assert ("setting_invalid", "color") in codes(
        Draft([DraftItem("hi")], {"kind": "announcement", "color": "red"})
    )
