"""What the composer asks to fix before a Ghost article can go out."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.ghost import GhostProvider


def issues(text="Body", media=(), **settings):
    draft = Draft([DraftItem(text, list(media))], settings)
    return {(i.code, i.field) for i in GhostProvider().validate(draft) if i.severity == "error"}


def test_an_article_needs_a_title_and_text():
    assert issues(title="Launch") == set()
    assert ("setting_required", "title") in issues()
    assert ("text_required", "text") in issues(text=" ", title="Launch")


def test_a_title_longer_than_ghost_keeps_is_refused():
    assert ("setting_invalid", "title") in issues(title="x" * 256)


def test_a_scheduled_post_needs_a_time_with_its_zone():
    assert ("setting_required", "published_at") in issues(title="T", status="scheduled")
    assert ("setting_invalid", "published_at") in issues(
        title="T", status="scheduled", published_at="2027-01-05T09:00:00"
    )
    assert issues(title="T", status="scheduled", published_at="2027-01-05T09:00:00Z") == set()


def test_a_draft_cannot_be_emailed():
    assert ("setting_invalid", "newsletter") in issues(
        title="T", status="draft", newsletter="default-newsletter"
    )


def test_unknown_status_segment_and_bad_canonical_url_are_named():
    found = issues(title="T", status="live", email_segment="everyone", canonical_url="acme")
    assert {("setting_invalid", "status"), ("setting_invalid", "email_segment")} <= found
    assert ("setting_invalid", "canonical_url") in found


def test_only_images_are_taken_and_at_most_ten():
    video = MediaItem("video/mp4", 10, lambda: b"")
    assert ("media_type", "media") in issues(title="T", media=[video])
    png = MediaItem("image/png", 10, lambda: b"")
    assert ("media_count", "media") in issues(title="T", media=[png] * 11)


def test_text_is_asked_for_once_even_when_only_images_are_attached():
    png = MediaItem("image/png", 10, lambda: b"")
    for media in ([], [png]):
        draft = Draft([DraftItem(" ", media)], {"title": "T"})
        found = [i for i in GhostProvider().validate(draft) if i.code == "text_required"]
        assert len(found) == 1
