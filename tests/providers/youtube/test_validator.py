from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.youtube import YouTubeProvider

GB = 1024**3


def video(size=50_000_000, duration=60.0, mime="video/mp4"):
    return MediaItem(mime, size, lambda: b"", filename="clip.mp4", duration=duration)


def image():
    return MediaItem("image/jpeg", 1000, lambda: b"", filename="a.jpg")


GOOD = {"title": "Launch day at Acme", "type": "public"}


def issues(text="About the launch", media=None, settings=None, items=None):
    draft = Draft(
        items or [DraftItem(text, [video()] if media is None else media)],
        settings=GOOD if settings is None else settings,
    )
    return YouTubeProvider().validate(draft)


def codes(found):
    return sorted((i.code, i.field) for i in found)


def test_a_titled_video_passes():
    assert issues() == []


def test_a_video_is_required():
    assert ("media_required", "media") in codes(issues(media=[]))


def test_an_image_is_not_a_video():
    found = codes(issues(media=[image()]))
    assert ("media_type", "media") in found and ("media_required", "media") in found


def test_exactly_one_video():
    assert ("media_count", "media") in codes(issues(media=[video(), video()]))


def test_title_and_visibility_are_required():
    found = codes(issues(settings={}))
    assert ("setting_required", "title") in found and ("setting_required", "type") in found


def test_title_is_at_most_100_characters_and_at_least_2():
    long = issues(settings={**GOOD, "title": "t" * 101})
    assert [(i.code, i.field, i.limit) for i in long] == [("setting_invalid", "title", 100)]
    assert ("setting_invalid", "title") in codes(issues(settings={**GOOD, "title": "x"}))
    assert issues(settings={**GOOD, "title": "t" * 100}) == []


def test_titles_and_descriptions_cannot_hold_angle_brackets():
    assert ("setting_invalid", "title") in codes(issues(settings={**GOOD, "title": "a <b>"}))
    assert ("text_invalid", "text") in codes(issues(text="x < y"))


def test_visibility_must_be_one_youtube_offers():
    assert ("setting_invalid", "type") in codes(issues(settings={**GOOD, "type": "secret"}))


def test_the_description_is_counted_in_bytes():
    assert issues(text="a" * 5000) == []
    [issue] = issues(text="é" * 2501)  # 5,002 bytes in 2,501 letters
    assert (issue.code, issue.limit, issue.actual) == ("text_too_long", 5000, 5002)


def test_tags_are_at_most_500_characters_with_commas_and_quotes():
    tags = [{"value": "a" * 49, "label": "x"}] * 10  # 490 + 9 commas = 499
    assert issues(settings={**GOOD, "tags": tags}) == []
    spaced = [{"value": "a b" + "c" * 46, "label": "x"}] * 10  # each 49 + 2 quotes
    [issue] = issues(settings={**GOOD, "tags": spaced})
    assert (issue.code, issue.field, issue.actual) == ("setting_invalid", "tags", 519)


def test_made_for_kids_is_yes_or_no():
    found = issues(settings={**GOOD, "selfDeclaredMadeForKids": True})
    assert codes(found) == [("setting_invalid", "selfDeclaredMadeForKids")]


def test_category_is_a_category_id():
    assert codes(issues(settings={**GOOD, "categoryId": "Music"})) == [
        ("setting_invalid", "categoryId")
    ]
    assert issues(settings={**GOOD, "categoryId": "10"}) == []


def test_size_and_duration_limits():
    assert ("media_size", "media") in codes(issues(media=[video(size=257 * GB)]))
    assert ("media_duration", "media") in codes(issues(media=[video(duration=12 * 3600 + 1)]))


def test_thumbnail_must_be_a_jpeg_or_png_of_at_most_2_mb():
    ok = {"id": "m1", "path": "https://cdn.test/cover.png"}
    assert issues(settings={**GOOD, "thumbnail": ok}) == []
    gif = {"id": "m1", "path": "https://cdn.test/cover.gif"}
    assert codes(issues(settings={**GOOD, "thumbnail": gif})) == [("media_type", "thumbnail")]
    big = {**ok, "size": 3 * 1024 * 1024}
    assert codes(issues(settings={**GOOD, "thumbnail": big})) == [("media_size", "thumbnail")]
    assert codes(issues(settings={**GOOD, "thumbnail": "cover.jpg"})) == [
        ("setting_invalid", "thumbnail")
    ]
