"""The Telegram validator is pure; text counts UTF-16 code units."""

import pytest

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.telegram import TelegramProvider, normalise_chat


def item(mime, size=100, name="f"):
    return MediaItem(mime, size, lambda: b"x", filename=name)


def test_text_limit_counts_utf16_code_units():
    provider = TelegramProvider()
    assert provider.validate(Draft([DraftItem("a" * 4096)])) == []
    # An emoji outside the BMP is two UTF-16 units: 2048 of them are 4096 units.
    assert provider.validate(Draft([DraftItem("😀" * 2048)])) == []
    (issue,) = provider.validate(Draft([DraftItem("😀" * 2048 + "a")]))
    assert issue.code == "text_too_long" and issue.actual == 4097


def test_a_long_text_with_media_is_fine_because_it_follows_as_a_reply():
    provider = TelegramProvider()
    assert provider.validate(Draft([DraftItem("a" * 3000, [item("image/png")])])) == []


def test_up_to_ten_files_with_photo_and_video_caps():
    provider = TelegramProvider()
    assert provider.validate(Draft([DraftItem("x", [item("image/jpeg")] * 10)])) == []
    assert [
        i.code for i in provider.validate(Draft([DraftItem("x", [item("image/jpeg")] * 11)]))
    ] == ["media_count"]
    big_photo = item("image/jpeg", size=10 * 1024 * 1024 + 1)
    assert [i.code for i in provider.validate(Draft([DraftItem("x", [big_photo])]))] == [
        "media_size"
    ]


def test_documents_cannot_share_an_album_with_photos():
    provider = TelegramProvider()
    issues = provider.validate(
        Draft([DraftItem("x", [item("image/png"), item("application/pdf")])])
    )
    assert [i.code for i in issues] == ["media_mix"]
    assert provider.validate(Draft([DraftItem("x", [item("image/png"), item("video/mp4")])])) == []


def test_no_settings_beyond_type():
    provider = TelegramProvider()
    assert provider.validate(Draft([DraftItem("x")], {"__type": "telegram"})) == []
    (issue,) = provider.validate(Draft([DraftItem("x")], {"chat": "@x"}))
    assert (issue.code, issue.severity) == ("setting_unknown", "warning")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@postiznews", "@postiznews"),
        ("postiznews", "@postiznews"),
        ("https://t.me/postiznews", "@postiznews"),
        (" -1001234567890 ", "-1001234567890"),
    ],
)
def test_chat_references_are_normalised(raw, expected):
    assert normalise_chat(raw) == expected


@pytest.mark.parametrize("raw", ["", "@ab", "hello world", "@bad-name!"])
def test_bad_chat_references_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_chat(raw)


def test_declarations():
    assert TelegramProvider.auth_kind == "bot-token"
    assert TelegramProvider.text_counter == "utf16"
    assert TelegramProvider.idempotency == "none" and TelegramProvider.lookup == "none"
