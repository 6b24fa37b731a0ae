from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.facebook import FacebookProvider


def media(mime="image/jpeg", size=1000, **fields):
    return MediaItem(mime, size, lambda: b"", filename="f", **fields)


def reel(duration=20.0, width=1080, height=1920):
    return media("video/mp4", duration=duration, width=width, height=height)


def codes(draft):
    return [(i.code, i.field) for i in FacebookProvider().validate(draft)]


def test_text_posts_up_to_63206_characters():
    assert codes(Draft([DraftItem("a" * 63206)])) == []
    assert codes(Draft([DraftItem("a" * 63207)])) == [("text_too_long", "text")]


def test_nothing_to_post():
    assert codes(Draft([DraftItem("  ")])) == [("text_required", "text")]


def test_up_to_ten_photos_or_one_video_alone():
    assert codes(Draft([DraftItem("x", [media()] * 10)])) == []
    assert codes(Draft([DraftItem("x", [media()] * 11)])) == [("media_count", "media")]
    assert codes(Draft([DraftItem("x", [media(), reel()])])) == [("media_mix", "media")]


def test_a_story_is_one_photo_or_video():
    assert codes(Draft([DraftItem("")], {"post_type": "story"})) == [
        ("text_required", "text"),
        ("media_required", "media"),
    ]
    assert codes(Draft([DraftItem("", [media(), media()])], {"post_type": "story"})) == [
        ("media_count", "media")
    ]
    [issue] = FacebookProvider().validate(
        Draft([DraftItem("", [reel(duration=75)])], {"post_type": "story"})
    )
    assert (issue.code, issue.limit, issue.actual) == ("media_duration", 60, 75)


def test_a_reel_is_one_vertical_video_of_3_to_90_seconds():
    assert codes(Draft([DraftItem("x", [reel()])], {"post_type": "reel"})) == []
    assert codes(Draft([DraftItem("x", [media()])], {"post_type": "reel"})) == [
        ("media_type", "media")
    ]
    assert codes(Draft([DraftItem("x", [reel(), reel()])], {"post_type": "reel"})) == [
        ("media_mix", "media"),
        ("media_count", "media"),
    ]
    [issue] = FacebookProvider().validate(
        Draft([DraftItem("x", [reel(duration=120)])], {"post_type": "reel"})
    )
    assert "3 to 90 seconds" in issue.message
    [issue] = FacebookProvider().validate(
        Draft([DraftItem("x", [reel(width=1920, height=1080)])], {"post_type": "reel"})
    )
    assert (issue.code, issue.message) == (
        "media_ratio",
        "A Facebook reel is vertical (9:16); f is 1920x1080.",
    )


def test_settings_that_do_not_fit_the_post():
    assert codes(Draft([DraftItem("x")], {"post_type": "carousel"})) == [
        ("setting_invalid", "post_type")
    ]
    assert codes(
        Draft([DraftItem("x", [media()])], {"post_type": "story", "url": "https://a.test"})
    ) == [("setting_invalid", "url")]
    assert codes(
        Draft([DraftItem("x", [media()])], {"text_format_preset_id": "106018623298955"})
    ) == [("setting_invalid", "text_format_preset_id")]


def test_a_link_with_photos_is_a_warning_that_it_will_not_be_attached():
    [issue] = FacebookProvider().validate(
        Draft([DraftItem("x", [media()])], {"url": "https://acme.test"})
    )
    assert (issue.code, issue.field, issue.severity) == ("setting_invalid", "url", "warning")


def test_a_story_takes_no_first_comment():
    draft = Draft([DraftItem("", [media()]), DraftItem("Nice")], {"post_type": "story"})
    assert codes(draft) == [("setting_invalid", "text")]


def test_comments_carry_no_media():
    assert codes(Draft([DraftItem("x"), DraftItem("c", [media()])])) == [("media_count", "media")]
