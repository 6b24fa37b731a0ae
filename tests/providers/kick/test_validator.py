"""What the Kick validator lets through: 500 characters of text, no files."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.kick import KickProvider


def codes(draft):
    return [(i.code, i.field) for i in KickProvider().validate(draft)]


def test_a_chat_message_may_be_500_characters():
    assert codes(Draft([DraftItem("é" * 500)])) == []
    assert codes(Draft([DraftItem("é" * 501)])) == [("text_too_long", "text")]


def test_chat_takes_no_files_and_a_known_sender():
    png = MediaItem("image/png", 10, lambda: b"")
    assert ("media_count", "media") in codes(Draft([DraftItem("hi", [png])]))
    assert codes(Draft([DraftItem("hi")], {"sender": "bot"})) == []
    assert ("setting_invalid", "sender") in codes(Draft([DraftItem("hi")], {"sender": "mod"}))
