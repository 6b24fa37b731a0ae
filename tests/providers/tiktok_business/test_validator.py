"""What the composer, the API and the publisher refuse before anything is sent to TikTok
Business (pure: the account's cached posting options are the only network data)."""

from __future__ import annotations

import pytest

from integrations.providers.base import Channel, Draft, DraftItem, MediaItem
from integrations.providers.tiktok_business import TikTokBusinessProvider

OPTIONS = {
    "privacy_level_options": ["PUBLIC_TO_EVERYONE", "SELF_ONLY"],
    "comment_disabled": True,
    "duet_disabled": False,
    "stitch_disabled": False,
    "max_video_post_duration_sec": 180,
}
BASE = {
    "comment": False,
    "duet": False,
    "stitch": False,
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
}


def video(**fields) -> MediaItem:
    values = {
        "filename": "launch.mp4",
        "width": 1080,
        "height": 1920,
        "duration": 30.0,
        "public_url": "https://media.acme.example/launch.mp4",
        **fields,
    }
    return MediaItem("video/mp4", 10_000_000, lambda: b"", **values)


def photo(name="a.jpg", **fields) -> MediaItem:
    values = {"public_url": f"https://media.acme.example/{name}", **fields}
    return MediaItem("image/jpeg", 200_000, lambda: b"", filename=name, **values)


def issues(text="Hello", media=None, settings=None, channel=None, items=None):
    draft = Draft(
        items=items or [DraftItem(text, media if media is not None else [video()])],
        settings={**BASE, **(settings or {})},
    )
    return TikTokBusinessProvider().validate(draft, channel)


def codes(found) -> set[tuple[str, str]]:
    return {(i.code, i.field) for i in found}


CHANNEL = Channel("biz", {}, meta={"creator_info": OPTIONS})


def test_a_public_video_passes():
    assert issues(channel=CHANNEL) == []


def test_a_post_needs_media():
    assert codes(issues(media=[])) == {("media_required", "media")}


def test_a_caption_over_2200_is_too_long():
    found = issues(text="x" * 2201)
    assert [i.code for i in found] == ["text_too_long"]


def test_photo_captions_may_run_to_4000():
    settings = {"privacy_level": "PUBLIC_TO_EVERYONE"}
    assert issues(text="x" * 3000, media=[photo()], settings=settings) == []
    found = issues(text="x" * 4001, media=[photo()], settings=settings)
    assert [i.code for i in found] == ["text_too_long"]


def test_a_photo_post_needs_a_visibility():
    found = issues(media=[photo()])
    assert ("setting_required", "privacy_level") in codes(found)


def test_a_video_ignores_the_visibility_setting():
    # Business videos are public; a leftover choice is not checked against the options.
    assert issues(settings={"privacy_level": "FOLLOWER_OF_CREATOR"}, channel=CHANNEL) == []


def test_a_visibility_the_account_lacks_is_refused_for_photos():
    found = issues(
        media=[photo()], settings={"privacy_level": "MUTUAL_FOLLOW_FRIENDS"}, channel=CHANNEL
    )
    [issue] = found
    assert (issue.code, issue.field) == ("setting_invalid", "privacy_level")
    assert "it allows: everyone (PUBLIC_TO_EVERYONE), only me (SELF_ONLY)" in issue.message


def test_comments_the_account_turned_off_cannot_be_allowed():
    [issue] = issues(settings={"comment": True}, channel=CHANNEL)
    assert (issue.code, issue.field) == ("setting_invalid", "comment")


def test_a_video_longer_than_the_account_may_post_is_refused():
    [issue] = issues(media=[video(duration=181)], channel=CHANNEL)
    assert issue.code == "media_duration"
    assert "up to 3 min; launch.mp4 lasts 3 min 1 s" in issue.message


def test_media_without_a_public_address_is_refused():
    found = issues(media=[video(public_url="")])
    assert ("media_url", "media") in codes(found)


def test_a_paid_partnership_cannot_be_private():
    found = issues(
        media=[photo()], settings={"privacy_level": "SELF_ONLY", "brand_content_toggle": True}
    )
    assert ("setting_invalid", "privacy_level") in codes(found)


def test_a_video_cannot_go_with_photos():
    found = issues(media=[video(), photo()])
    assert found and all(i.field == "media" for i in found)


@pytest.mark.parametrize(("rate", "refused"), [(30.0, False), (75.0, True)])
def test_the_frame_rate_tiktok_accepts(rate, refused):
    found = issues(media=[video(frame_rate=rate)])
    assert (("media_frame_rate", "media") in codes(found)) is refused


def test_later_parts_are_comments_of_150_characters_without_files():
    assert issues(items=[DraftItem("One", [video()]), DraftItem("First!", [])]) == []
    found = issues(
        items=[
            DraftItem("One", [video()]),
            DraftItem("c" * 151, []),
            DraftItem("With a file", [photo()]),
            DraftItem("  ", []),
        ]
    )
    assert [(i.code, i.item) for i in found] == [
        ("text_too_long", 1),
        ("media_count", 2),
        ("text_required", 3),
    ]


def test_a_draft_cannot_have_comments():
    found = issues(
        items=[DraftItem("One", [video()]), DraftItem("Two", [])],
        settings={"upload_to_draft": True},
    )
    assert ("setting_invalid", "upload_to_draft") in codes(found)


def test_a_photo_title_over_90_is_refused():
    found = issues(media=[photo()], settings={"privacy_level": "SELF_ONLY", "title": "t" * 91})
    assert any(i.field == "title" for i in found)
