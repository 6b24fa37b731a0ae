"""What the composer asks to fix before a Tumblr post can go out."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.tumblr import TumblrProvider


def issues(text="Hello", media=(), **settings):
    draft = Draft([DraftItem(text, list(media))], settings)
    return {(i.code, i.field) for i in TumblrProvider().validate(draft) if i.severity == "error"}


def item(mime, size=10):
    return MediaItem(mime, size, lambda: b"")


def test_a_post_needs_something_to_show():
    assert ("text_required", "text") in issues(text=" ")
    assert issues(text="", media=[item("image/png")]) == set()
    assert issues(text="", link="https://acme.example") == set()


def test_a_video_goes_alone_and_images_up_to_thirty():
    assert ("media_mix", "media") in issues(media=[item("video/mp4"), item("image/png")])
    assert ("media_count", "media") in issues(media=[item("image/png")] * 31)
    assert issues(media=[item("image/png")] * 30) == set()


def test_gifs_over_ten_megabytes_are_refused():
    assert ("media_size", "media") in issues(media=[item("image/gif", 11 * 1024 * 1024)])


def test_links_must_be_web_addresses_and_states_known():
    found = issues(link="acme", source_url="ftp://x", state="later")
    assert {
        ("setting_invalid", "link"),
        ("setting_invalid", "source_url"),
        ("setting_invalid", "state"),
    } <= found
