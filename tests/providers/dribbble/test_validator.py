"""What Dribbble takes as a shot: exactly one GIF, JPG or PNG of an allowed size."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.dribbble import DribbbleProvider


def image(mime="image/png", width=800, height=600, size=200_000):
    return MediaItem(mime, size, lambda: b"", width=width, height=height)


def codes(*media, text="Launch day", items=None, **settings):
    settings.setdefault("title", "Brass lamp")
    draft = Draft(items or [DraftItem(text, list(media))], settings)
    return [issue.code for issue in DribbbleProvider().validate(draft)]


def test_one_image_of_an_allowed_size_is_a_shot():
    assert codes(image()) == []
    assert codes(image("image/jpeg", 400, 300)) == []
    assert codes(image("image/gif", 400, 300), text="") == []


def test_a_shot_without_its_image_is_refused():
    assert codes() == ["media_required"]


def test_two_images_are_refused():
    assert "media_count" in codes(image(), image())


def test_an_image_of_another_size_is_refused_with_the_sizes_dribbble_takes():
    draft = Draft([DraftItem("x", [image(width=1200, height=900)])], {"title": "Lamp"})
    [issue] = DribbbleProvider().validate(draft)
    assert issue.code == "media_dimensions"
    assert "400x300 or 800x600" in issue.message and "1200x900" in issue.message


def test_a_video_or_webp_is_refused():
    assert "media_type" in codes(MediaItem("video/mp4", 1000, lambda: b"", width=800, height=600))
    assert "media_type" in codes(image("image/webp"))


def test_an_image_over_eight_megabytes_is_refused():
    assert "media_size" in codes(image(size=8 * 1024 * 1024 + 1))


def test_the_title_is_required():
    assert "setting_required" in codes(image(), title="")


def test_at_most_twelve_tags():
    assert codes(image(), tags=[f"t{i}" for i in range(12)]) == []
    assert "setting_invalid" in codes(image(), tags=[f"t{i}" for i in range(13)])


def test_a_shot_has_no_further_parts():
    items = [DraftItem("one", [image()]), DraftItem("two")]
    assert "media_count" in codes(items=items)
