from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.linkedin import LinkedInPageProvider, LinkedInProvider, escape_little


def image(mime="image/png", size=1000):
    return MediaItem(mime_type=mime, size=size, read=lambda: b"")


def codes(issues):
    return [i.code for i in issues]


def test_3000_codepoints():
    assert LinkedInProvider().validate(Draft([DraftItem("é" * 3000)])) == []
    [issue] = LinkedInProvider().validate(Draft([DraftItem("a" * 3001)]))
    assert (issue.code, issue.limit, issue.actual) == ("text_too_long", 3000, 3001)


def test_up_to_20_images_and_no_video():
    assert LinkedInPageProvider().validate(Draft([DraftItem("x", [image()] * 20)])) == []
    assert codes(LinkedInProvider().validate(Draft([DraftItem("x", [image()] * 21)]))) == [
        "media_count"
    ]
    assert codes(LinkedInProvider().validate(Draft([DraftItem("x", [image("video/mp4")])]))) == [
        "media_type"
    ]


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
