"""Nostr counts code points; a relay's NIP-11 limit applies when connecting learned one."""

from integrations.providers.base import Channel, Draft, DraftItem, MediaItem
from integrations.providers.nostr import NostrProvider


def issues(text, meta=None, media=(), settings=None):
    channel = Channel(external_id="pk", credentials={}, meta=meta or {})
    draft = Draft([DraftItem(text, list(media))], settings=settings or {})
    return [(i.code, i.limit, i.actual) for i in NostrProvider().validate(draft, channel)]


def test_no_limit_without_a_relay_document():
    assert issues("a" * 100_000) == []


def test_the_smallest_relay_limit_applies_counted_in_code_points():
    assert issues("🌍" * 8196, meta={"max_content_length": 8196}) == []
    assert issues("🌍" * 8197, meta={"max_content_length": 8196}) == [("text_too_long", 8196, 8197)]


def test_media_is_not_supported_in_this_version():
    image = MediaItem("image/png", 10, lambda: b"", "a.png")
    assert [i[0] for i in issues("x", media=[image])] == ["media_count"]


def test_empty_notes_are_refused_and_unknown_settings_warn():
    assert [i[0] for i in issues("   ")] == ["text_required"]
    assert [i[0] for i in issues("x", settings={"kind": 30023})] == ["setting_unknown"]
