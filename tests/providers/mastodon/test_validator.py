"""The Mastodon validator uses the instance's own limits, counted as Mastodon counts."""

from integrations.providers.base import Channel, Draft, DraftItem, MediaItem
from integrations.providers.mastodon import MastodonProvider


def media(mime="image/png", size=1000, name="a.png"):
    return MediaItem(mime_type=mime, size=size, read=lambda: b"", filename=name)


def issues(text="hi", files=(), meta=None, settings=None):
    channel = Channel(external_id="1", credentials={}, meta=meta or {}) if meta else None
    draft = Draft([DraftItem(text, list(files))], settings=settings or {})
    return [(i.code, i.limit, i.actual) for i in MastodonProvider().validate(draft, channel)]


def test_default_limit_is_500_code_points():
    assert issues("a" * 500) == []
    assert issues("a" * 501) == [("text_too_long", 500, 501)]


def test_the_instance_limit_from_connect_time_applies():
    assert issues("a" * 900, meta={"max_characters": 1000}) == []
    assert issues("a" * 1001, meta={"max_characters": 1000}) == [("text_too_long", 1000, 1001)]


def test_a_url_counts_as_the_reserved_length_whatever_its_size():
    url = "https://example.com/" + "x" * 200
    assert issues("a" * 476 + " " + url) == []  # 476 + 1 + 23 = 500
    assert issues("a" * 477 + " " + url) == [("text_too_long", 500, 501)]
    assert issues("a" * 476 + " " + url, meta={"characters_reserved_per_url": 30}) == [
        ("text_too_long", 500, 507)
    ]


def test_a_remote_mention_counts_only_its_user_part():
    text = "@bob@very.long.example.social " + "a" * 495  # "@bob " + 495 = 500
    assert issues(text) == []


def test_four_attachments_by_default_and_the_instance_may_allow_more():
    assert issues(files=[media()] * 4) == []
    assert [i[0] for i in issues(files=[media()] * 5)] == ["media_count"]
    assert issues(files=[media()] * 5, meta={"max_media_attachments": 8}) == []


def test_a_video_must_be_alone():
    assert [i[0] for i in issues(files=[media(), media("video/mp4", name="v.mp4")])] == [
        "media_mix"
    ]


def test_the_instance_image_size_limit_applies():
    big = media(size=12_000_000)
    assert issues(files=[big]) == []
    assert issues(files=[big], meta={"image_size_limit": 10_485_760}) == [
        ("media_size", 10_485_760, 12_000_000)
    ]


def test_unknown_settings_only_warn():
    assert issues(settings={"__type": "mastodon"}) == []
    assert [i[0] for i in issues(settings={"spoiler": "x"})] == ["setting_unknown"]
