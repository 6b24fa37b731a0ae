"""What the composer asks to fix before a listmonk campaign can go out."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.listmonk import ListmonkProvider


def issues(text="Body", media=(), **settings):
    draft = Draft([DraftItem(text, list(media))], settings)
    return {(i.code, i.field) for i in ListmonkProvider().validate(draft) if i.severity == "error"}


def test_a_campaign_needs_lists_a_subject_and_text():
    assert issues(lists=[3], subject="Hello") == set()
    found = issues(text=" ")
    assert {("setting_required", "lists"), ("setting_required", "subject")} <= found
    assert ("text_required", "text") in found
    assert ("setting_invalid", "lists") in issues(lists=["customers"], subject="S")


def test_a_scheduled_campaign_needs_a_time_with_its_zone():
    base = {"lists": [3], "subject": "S", "send": "scheduled"}
    assert ("setting_required", "send_at") in issues(**base)
    assert ("setting_invalid", "send_at") in issues(**base, send_at="2027-01-05 09:00")
    assert issues(**base, send_at="2027-01-05T09:00:00+01:00") == set()


def test_unknown_formats_send_modes_and_templates_are_named():
    found = issues(lists=[3], subject="S", content_type="docx", send="later", template_id="x")
    assert {
        ("setting_invalid", "content_type"),
        ("setting_invalid", "send"),
        ("setting_invalid", "template_id"),
    } <= found


def test_only_images_are_taken():
    video = MediaItem("video/mp4", 10, lambda: b"")
    assert ("media_type", "media") in issues(lists=[3], subject="S", media=[video])


def test_text_is_asked_for_once_even_when_only_images_are_attached():
    png = MediaItem("image/png", 10, lambda: b"")
    for media in ([], [png]):
        draft = Draft([DraftItem(" ", media)], {"lists": [3], "subject": "S"})
        found = [i for i in ListmonkProvider().validate(draft) if i.code == "text_required"]
        assert len(found) == 1
