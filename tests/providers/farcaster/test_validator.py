"""What the Farcaster validator lets through: bytes, not characters; two public embeds."""

from integrations.providers.base import Channel, Draft, DraftItem, MediaItem
from integrations.providers.farcaster import FarcasterProvider


def codes(draft, channel=None):
    return [(i.code, i.field) for i in FarcasterProvider().validate(draft, channel)]


def image(url="https://media.example/lamp.png"):
    return MediaItem("image/png", 1000, lambda: b"", public_url=url)


def test_text_is_counted_in_utf8_bytes():
    assert codes(Draft([DraftItem("a" * 320)])) == []
    # 107 characters, 321 bytes: each é is two bytes.
    assert codes(Draft([DraftItem("é" * 160 + "a")])) == [("text_too_long", "text")]


def test_a_pro_account_may_cast_long_casts():
    pro = Channel("194372", {}, preferences={"pro": True})
    assert codes(Draft([DraftItem("a" * 1024)]), pro) == []
    assert codes(Draft([DraftItem("a" * 1025)]), pro) == [("text_too_long", "text")]


def test_at_most_two_embeds():
    assert codes(Draft([DraftItem("hi", [image(), image()])])) == []
    assert ("media_count", "media") in codes(Draft([DraftItem("hi", [image()] * 3)]))


def test_a_channel_id_looks_like_one():
    assert codes(Draft([DraftItem("hi")], {"channel_id": "woodworking"})) == []
    assert ("setting_invalid", "channel_id") in codes(
        Draft([DraftItem("hi")], {"channel_id": "Wood Working!"})
    )
