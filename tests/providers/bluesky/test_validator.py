"""The Bluesky validator counts as Bluesky does: graphemes, a byte cap, small images."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.bluesky import BlueskyProvider, make_tid, tid_for


def image(size=500_000, mime="image/png", name="a.png"):
    return MediaItem(mime_type=mime, size=size, read=lambda: b"", filename=name)


def codes(draft):
    return [issue.code for issue in BlueskyProvider().validate(draft)]


def test_300_graphemes_pass_even_when_they_are_many_code_points():
    accented = "e\u0301"  # one grapheme, two code points
    assert len(accented * 300) == 600
    assert codes(Draft([DraftItem(accented * 300)])) == []


def test_301_graphemes_are_too_long_with_limit_and_actual():
    issues = BlueskyProvider().validate(Draft([DraftItem("a" * 301)]))
    assert [(i.code, i.limit, i.actual) for i in issues] == [("text_too_long", 300, 301)]


def test_the_3000_byte_cap_applies_even_under_300_graphemes():
    family = "👩‍👩‍👧‍👦"  # 25 UTF-8 bytes, one grapheme
    issues = BlueskyProvider().validate(Draft([DraftItem(family * 150)]))
    assert [(i.code, i.limit, i.actual) for i in issues] == [("text_too_long", 3000, 3750)]


def test_empty_post_needs_text_or_media():
    assert codes(Draft([DraftItem("  ")])) == ["text_required"]
    assert codes(Draft([DraftItem("", [image()])])) == []


def test_at_most_four_images():
    assert codes(Draft([DraftItem("x", [image()] * 4)])) == []
    assert codes(Draft([DraftItem("x", [image()] * 5)])) == ["media_count"]


def test_images_over_one_million_bytes_are_refused_even_if_a_pds_would_take_them():
    assert codes(Draft([DraftItem("x", [image(1_000_000)])])) == []
    issues = BlueskyProvider().validate(Draft([DraftItem("x", [image(1_000_001)])]))
    assert [(i.code, i.limit, i.actual) for i in issues] == [("media_size", 1_000_000, 1_000_001)]


def video(size=20_000_000, duration=30.0, mime="video/mp4"):
    return MediaItem(mime, size, lambda: b"", "v.mp4", duration=duration)


def test_one_mp4_video_is_accepted():
    assert codes(Draft([DraftItem("x", [video()])])) == []
    assert codes(Draft([DraftItem("", [video(100_000_000, 180.0)])])) == []


def test_a_video_with_an_image_beside_it_is_refused():
    assert codes(Draft([DraftItem("x", [video(), image()])])) == ["media_mix"]
    assert codes(Draft([DraftItem("x", [video(), video()])])) == ["media_mix"]


def test_videos_over_100_mb_are_refused():
    issues = BlueskyProvider().validate(Draft([DraftItem("x", [video(100_000_001)])]))
    assert [(i.code, i.limit, i.actual) for i in issues] == [
        ("media_size", 100_000_000, 100_000_001)
    ]


def test_videos_longer_than_three_minutes_are_refused():
    issues = BlueskyProvider().validate(Draft([DraftItem("x", [video(duration=181.5)])]))
    assert [(i.code, i.limit, i.actual) for i in issues] == [("media_duration", 180, 181.5)]
    assert "3 minutes" in issues[0].message


def test_only_mp4_video_is_accepted():
    assert codes(Draft([DraftItem("x", [video(mime="video/quicktime")])])) == ["media_type"]


def test_bluesky_has_no_post_settings():
    assert codes(Draft([DraftItem("x")], settings={"__type": "bluesky"})) == []
    # Unknown keys are kept and ignored (public API rule): a warning, never a refusal.
    assert codes(Draft([DraftItem("x")], settings={"visibility": "public"})) == ["setting_unknown"]


def test_tid_zero_and_alphabet():
    assert make_tid(0, 0) == "2222222222222"
    tid = make_tid(1_724_171_495_793_000, 512)
    assert len(tid) == 13 and set(tid) <= set("234567abcdefghijklmnopqrstuvwxyz")
    assert tid[0] in "234567abcdefghij"


def test_tid_is_stable_for_one_item_and_differs_between_items():
    from posts.models import new_item_key

    key = str(new_item_key())
    assert tid_for(key, "1741") == tid_for(key, "1741")
    assert tid_for(key, "1741") != tid_for(key, "1742")
    # Items written in the same millisecond, numbered apart: never the same key.
    same_ms = {tid_for(key, str(n)) for n in range(1, 5000)}
    assert len(same_ms) == 4999
    # The time part is when the item was written, so keys sort in writing order.
    later = str(new_item_key())
    assert tid_for(key, "9") <= tid_for(later, "9") or key[:13] == later[:13]


def test_tid_time_is_the_items_writing_time():
    from datetime import UTC, datetime

    key = "01a24c3f-6114-726a-88e1-acfed933cd11"  # UUIDv7: 0x01a24c3f6114 ms
    written = datetime.fromtimestamp(0x01A24C3F6114 / 1000, tz=UTC)
    tid = tid_for(key, "1000")
    value = 0
    for char in tid:
        value = value * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(char)
    assert value >> 10 == int(written.timestamp() * 1000) * 1000  # µs; item 1000 → +0 µs
