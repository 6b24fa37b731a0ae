import pytest

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.linkedin import (
    MB,
    LinkedInPageProvider,
    LinkedInProvider,
    escape_little,
)


def image(mime="image/png", size=1000):
    return MediaItem(mime_type=mime, size=size, read=lambda: b"")


def codes(issues):
    return [i.code for i in issues]


def test_3000_codepoints():
    assert LinkedInProvider().validate(Draft([DraftItem("é" * 3000)])) == []
    [issue] = LinkedInProvider().validate(Draft([DraftItem("a" * 3001)]))
    assert (issue.code, issue.limit, issue.actual) == ("text_too_long", 3000, 3001)


def test_up_to_20_images():
    assert LinkedInPageProvider().validate(Draft([DraftItem("x", [image()] * 20)])) == []
    assert codes(LinkedInProvider().validate(Draft([DraftItem("x", [image()] * 21)]))) == [
        "media_count"
    ]


def video(mime="video/mp4", size=5 * MB):
    return MediaItem(mime_type=mime, size=size, read=lambda: b"", filename="clip.mp4")


@pytest.mark.parametrize("provider", [LinkedInProvider(), LinkedInPageProvider()])
def test_one_mp4_video_between_75_kb_and_500_mb(provider):
    assert provider.validate(Draft([DraftItem("x", [video()])])) == []
    assert provider.validate(Draft([DraftItem("x", [video(size=75_000)])])) == []
    assert provider.validate(Draft([DraftItem("x", [video(size=500_000_000)])])) == []


def test_a_video_with_an_image_is_refused():
    issues = LinkedInProvider().validate(Draft([DraftItem("x", [video(), image()])]))
    assert [(i.code, i.message) for i in issues] == [
        ("media_mix", "On LinkedIn a video must be posted on its own.")
    ]


def test_two_videos_are_refused():
    assert codes(LinkedInPageProvider().validate(Draft([DraftItem("x", [video(), video()])]))) == [
        "media_mix"
    ]


def test_a_video_over_500_mb_is_refused():
    [issue] = LinkedInPageProvider().validate(Draft([DraftItem("x", [video(size=500_000_001)])]))
    assert (issue.code, issue.limit, issue.actual) == ("media_size", 500_000_000, 500_000_001)


def test_a_video_under_75_kb_is_refused():
    [issue] = LinkedInProvider().validate(Draft([DraftItem("x", [video(size=74_999)])]))
    assert (issue.code, issue.field, issue.limit, issue.actual) == (
        "media_size",
        "media",
        75_000,
        74_999,
    )
    assert "at least 75 KB" in issue.message


def test_only_mp4_videos():
    [issue] = LinkedInProvider().validate(Draft([DraftItem("x", [video("video/quicktime")])]))
    assert issue.code == "media_type"


def test_video_title_setting():
    draft = Draft([DraftItem("x", [video()])], {"video_title": "Launch film"})
    assert LinkedInProvider().validate(draft) == []


def test_comments_cannot_carry_media():
    issues = LinkedInProvider().validate(Draft([DraftItem("post"), DraftItem("c", [image()])]))
    assert [(i.code, i.item) for i in issues] == [("media_count", 1)]


def test_carousel_setting_warns_it_posts_as_multi_image():
    draft = Draft([DraftItem("x", [image(), image()])], {"post_as_images_carousel": True})
    [issue] = LinkedInProvider().validate(draft)
    assert (issue.field, issue.severity) == ("post_as_images_carousel", "warning")


def test_settings_types():
    assert codes(
        LinkedInProvider().validate(Draft([DraftItem("x")], {"post_as_images_carousel": "yes"}))
    ) == ["setting_invalid"]


def test_reserved_characters_are_escaped_but_links_and_hashtags_survive():
    text = "Hi (all) @you [x] {y} <z> *b* _i_ ~s~ a|b \\ # #launch https://ex.com/a_(b)?q=1"
    assert escape_little(text) == (
        "Hi \\(all\\) \\@you \\[x\\] \\{y\\} \\<z\\> \\*b\\* \\_i\\_ \\~s\\~ "
        "a\\|b \\\\ \\# #launch "
        "https://ex.com/a_(b)?q=1"
    )


def test_linkedin_refuses_a_video_over_30_minutes_or_under_3_seconds():
    from integrations.providers.linkedin import LinkedInProvider

    def clip(seconds):
        return MediaItem(
            "video/mp4",
            5_000_000,
            lambda: b"",
            filename="talk.mp4",
            width=1920,
            height=1080,
            duration=seconds,
        )

    [long] = LinkedInProvider().validate(Draft([DraftItem("Talk", [clip(1860.0)])]))
    assert long.code == "media_duration"
    assert long.message == "talk.mp4 lasts 31:00; LinkedIn takes videos up to 30:00. Trim it."
    [short] = LinkedInProvider().validate(Draft([DraftItem("Talk", [clip(2.0)])]))
    assert short.message == "talk.mp4 lasts 0:02; LinkedIn needs videos of at least 0:03."


def test_linkedin_refuses_a_video_taller_than_1_to_2_4():
    from integrations.providers.linkedin import LinkedInProvider

    tall = MediaItem(
        "video/mp4",
        5_000_000,
        lambda: b"",
        filename="story.mp4",
        width=400,
        height=1080,
        duration=20.0,
    )
    [issue] = LinkedInProvider().validate(Draft([DraftItem("Story", [tall])]))
    assert issue.code == "media_ratio"
    assert issue.message == (
        "story.mp4 is 1:2.7 (400\u00d71080); LinkedIn takes videos from 1:2.4 to 2.4:1. "
        "Crop it wider."
    )
