from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.instagram import InstagramProvider, InstagramStandaloneProvider


def media(mime="image/jpeg", url="https://cdn.test/a.jpg", **fields):
    return MediaItem(mime, 1000, lambda: b"", filename="f.jpg", public_url=url, **fields)


def clip(duration=20.0, width=1080, height=1920):
    return media("video/mp4", duration=duration, width=width, height=height)


def issues(draft):
    return InstagramProvider().validate(draft)


def codes(draft):
    return [(i.code, i.field) for i in issues(draft)]


POST = {"post_type": "post"}
STORY = {"post_type": "story"}


def test_a_photo_post_is_fine():
    assert issues(Draft([DraftItem("Hello", [media()])], POST)) == []


def test_no_media_says_instagram_has_no_text_posts():
    [issue] = issues(Draft([DraftItem("Just words")], POST))
    assert issue.code == "media_required"
    assert "no text-only posts" in issue.message


def test_post_type_is_required():
    assert codes(Draft([DraftItem("x", [media()])])) == [("setting_required", "post_type")]


def test_too_many_carousel_items():
    assert issues(Draft([DraftItem("x", [media()] * 10)], POST)) == []
    [issue] = issues(Draft([DraftItem("x", [media()] * 11)], POST))
    assert (issue.code, issue.limit, issue.actual) == ("media_count", 10, 11)
    assert "at most 10" in issue.message


def test_media_needs_a_public_address_and_jpeg():
    assert codes(Draft([DraftItem("x", [media(url="")])], POST)) == [("media_url", "media")]
    assert codes(Draft([DraftItem("x", [media("image/png")])], POST)) == [("media_type", "media")]


def test_feed_photo_aspect_ratio():
    [issue] = issues(Draft([DraftItem("x", [media(width=1000, height=2000)])], POST))
    assert issue.code == "media_ratio"
    assert "0.8:1 and 1.91:1" in issue.message and "1000x2000" in issue.message


def test_reel_duration_out_of_range():
    assert issues(Draft([DraftItem("x", [clip()])], POST)) == []
    [issue] = issues(Draft([DraftItem("x", [clip(duration=2)])], POST))
    assert (issue.code, issue.limit, issue.actual) == ("media_duration", 3, 2)
    [issue] = issues(Draft([DraftItem("x", [clip(duration=901)])], POST))
    assert "3 to 900 seconds" in issue.message


def test_reel_aspect_ratio_out_of_range():
    [issue] = issues(Draft([DraftItem("x", [clip(width=1100, height=100)])], POST))
    assert issue.code == "media_ratio"


def test_carousel_videos_last_at_most_a_minute():
    draft = Draft([DraftItem("x", [media(), clip(duration=61, width=1080, height=1080)])], POST)
    assert codes(draft) == [("media_duration", "media")]


def test_story_rules():
    assert issues(Draft([DraftItem("", [media()])], STORY)) == []
    assert codes(Draft([DraftItem("", [media(), media()])], STORY)) == [("media_count", "media")]
    assert codes(Draft([DraftItem("", [clip(duration=90)])], STORY)) == [
        ("media_duration", "media")
    ]
    [warning] = issues(Draft([DraftItem("Caption", [media()])], STORY))
    assert warning.severity == "warning" and "no caption" in warning.message
    draft = Draft([DraftItem("", [media()])], {**STORY, "collaborators": [{"label": "a"}]})
    assert codes(draft) == [("setting_invalid", "collaborators")]


def test_a_story_takes_no_first_comment():
    draft = Draft([DraftItem("", [media()]), DraftItem("Nice")], STORY)
    assert codes(draft) == [("setting_invalid", "text")]


def test_trial_reels_and_collaborators():
    draft = Draft([DraftItem("x", [media()])], {**POST, "is_trial_reel": True})
    assert codes(draft) == [("setting_invalid", "is_trial_reel")]
    draft = Draft([DraftItem("x", [clip()])], {**POST, "graduation_strategy": "MANUAL"})
    assert codes(draft) == [("setting_invalid", "graduation_strategy")]
    four = [{"label": name} for name in "abcd"]
    draft = Draft([DraftItem("x", [media()])], {**POST, "collaborators": four})
    assert codes(draft) == [("setting_invalid", "collaborators")]


def test_caption_length_and_hashtags():
    assert codes(Draft([DraftItem("a" * 2201, [media()])], POST)) == [("text_too_long", "text")]
    tags = " ".join(f"#t{n}" for n in range(31))
    [issue] = issues(Draft([DraftItem(tags, [media()])], POST))
    assert (issue.code, issue.limit, issue.actual) == ("text_too_long", 30, 31)


def test_first_comment_is_text_only():
    draft = Draft([DraftItem("x", [media()]), DraftItem("c", [media()])], POST)
    assert codes(draft) == [("media_count", "media")]


def test_standalone_has_the_same_rules():
    assert [
        i.code for i in InstagramStandaloneProvider().validate(Draft([DraftItem("x")], POST))
    ] == ["media_required"]
