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


def file(mime="image/png", size=10, name="a.png"):
    return MediaItem(mime, size, lambda: b"", name)


SERVER = {
    "media_server": "https://nostr.build",
    "nip96": {
        "api_url": "https://nostr.build/api/v2/nip96/upload",
        "content_types": ["image/*", "video/mp4"],
        "max_byte_size": 1000,
    },
}


def test_without_a_media_server_media_is_refused_with_what_to_do():
    channel = Channel(external_id="pk", credentials={}, meta={})
    found = NostrProvider().validate(Draft([DraftItem("x", [file()])]), channel)
    assert [i.code for i in found] == ["media_count"]
    assert "add a media server" in found[0].message
    assert [i[0] for i in issues("", media=[file()])] == ["media_count"]


def test_with_a_media_server_up_to_four_images_or_videos_pass():
    media = [file(), file("video/mp4", name="v.mp4"), file(), file()]
    assert issues("x", meta=SERVER, media=media) == []
    assert issues("", meta=SERVER, media=media[:1]) == []
    assert issues("x", meta=SERVER, media=[*media, file()]) == [("media_count", 4, 5)]


def test_the_media_servers_size_limit_and_types_apply():
    assert issues("x", meta=SERVER, media=[file(size=1001)]) == [("media_size", 1000, 1001)]
    assert [i[0] for i in issues("x", meta=SERVER, media=[file("video/webm")])] == ["media_type"]
    assert [i[0] for i in issues("x", meta=SERVER, media=[file("audio/mpeg")])] == ["media_type"]
    # A server whose document could not be read: any image or video, no size limit.
    bare = {"media_server": "https://nostr.build"}
    assert issues("x", meta=bare, media=[file("video/webm", size=10**9)]) == []


def test_empty_notes_are_refused_and_unknown_settings_warn():
    assert [i[0] for i in issues("   ")] == ["text_required"]
    assert [i[0] for i in issues("x", settings={"kind": 30023})] == ["setting_unknown"]
