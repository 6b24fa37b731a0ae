"""What beehiiv takes: a titled article, images by their public addresses, a schedule
with its offset (never on a draft)."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.beehiiv import BeehiivProvider


def codes(text="Launch day at Acme", media=(), items=None, **settings):
    settings.setdefault("title", "Launch day")
    draft = Draft(items or [DraftItem(text, list(media))], settings)
    return [issue.code for issue in BeehiivProvider().validate(draft)]


def image(url="https://cdn.acme.example/lamp.png"):
    return MediaItem("image/png", 1000, lambda: b"", public_url=url, width=800, height=600)


def test_a_titled_post_with_images_is_fine():
    assert codes(media=[image()]) == []


def test_the_title_is_required():
    assert codes(title="") == ["setting_required"]


def test_a_schedule_needs_its_offset_and_a_confirmed_post():
    assert codes(scheduled_at="2026-12-24T09:00:00+01:00") == []
    assert codes(scheduled_at="2026-12-24 09:00") == ["setting_invalid"]
    assert codes(scheduled_at="2026-12-24T09:00:00Z", status="draft") == ["setting_invalid"]


def test_only_known_statuses_and_audiences():
    assert "setting_invalid" in codes(status="published")
    assert "setting_invalid" in codes(audience="vip")
    assert codes(status="draft", audience="premium") == []


def test_a_video_is_refused():
    video = MediaItem("video/mp4", 1000, lambda: b"", public_url="https://cdn.acme.example/v.mp4")
    assert "media_type" in codes(media=[video])


def test_a_post_has_no_further_parts():
    assert "media_count" in codes(items=[DraftItem("one"), DraftItem("two")])
