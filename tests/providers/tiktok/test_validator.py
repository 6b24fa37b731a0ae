"""The TikTok validator: media, text, settings, and the creator's own options cached on
the channel when it was connected (creator info)."""

from __future__ import annotations

import pytest

from integrations.providers.base import Channel, Draft, DraftItem, MediaItem
from integrations.providers.tiktok import TikTokProvider
from tests.posts.e2e.fakes import recorded

SETTINGS = {
    "privacy_level": "PUBLIC_TO_EVERYONE",
    "content_posting_method": "DIRECT_POST",
    "comment": False,
    "duet": False,
    "stitch": False,
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
    "autoAddMusic": "no",
}
CREATOR = recorded("tiktok", "creator_info")["body"]["data"]
PRIVATE = recorded("tiktok", "creator_info_private")["body"]["data"]


def video(**fields) -> MediaItem:
    values = {"width": 1080, "height": 1920, "duration": 30.0, "frame_rate": 30.0}
    values.update(fields)
    return MediaItem("video/mp4", 10_000_000, lambda: b"", filename="clip.mp4", **values)


def photo(name="a.jpg", mime="image/jpeg", url="https://media.acme.example/a.jpg"):
    return MediaItem(mime, 200_000, lambda: b"", filename=name, public_url=url)


def channel(info=None) -> Channel:
    return Channel("open-id", {}, username="acme.studio", meta={"creator_info": info or CREATOR})


def check(media, settings=None, text="Hello", info=None, items=None):
    draft = Draft(items or [DraftItem(text, media)], {**SETTINGS, **(settings or {})})
    return TikTokProvider().validate(draft, channel(info))


def codes(issues):
    return sorted((i.code, i.field) for i in issues if i.severity == "error")


def test_a_good_video_post_passes():
    assert codes(check([video()])) == []


def test_a_post_without_media_is_refused():
    assert ("media_required", "media") in codes(check([]))


def test_a_caption_over_2200_characters_is_refused():
    [issue] = check([video()], text="a" * 2201)
    assert issue.code == "text_too_long" and (issue.limit, issue.actual) == (2200, 2201)


def test_a_photo_description_may_be_longer_than_a_caption():
    assert codes(check([photo()], text="a" * 3000)) == []
    [issue] = check([photo()], text="a" * 4001)
    assert issue.code == "text_too_long" and issue.limit == 4000


def test_a_video_shares_its_post_with_nothing():
    assert ("media_mix", "media") in codes(check([video(), photo()]))


def test_png_photos_are_refused():
    [issue] = check([photo("a.png", "image/png")])
    assert issue.code == "media_type" and "image/png" in issue.message


def test_more_than_35_photos_are_refused():
    assert ("media_count", "media") in codes(check([photo() for _ in range(36)]))


def test_photos_need_a_public_address():
    [issue] = check([photo(url="")])
    assert issue.code == "media_url" and "public address" in issue.message


def test_privacy_level_is_required():
    settings = dict(SETTINGS)
    del settings["privacy_level"]
    draft = Draft([DraftItem("x", [video()])], settings)
    issues = TikTokProvider().validate(draft, channel())
    assert ("setting_required", "privacy_level") in codes(issues)


def test_a_privacy_option_the_creator_does_not_have_is_refused_with_the_ones_it_has():
    [issue] = check([video()], {"privacy_level": "PUBLIC_TO_EVERYONE"}, info=PRIVATE)
    assert issue.field == "privacy_level"
    assert issue.message == (
        "This TikTok account cannot post for everyone (PUBLIC_TO_EVERYONE); it allows: "
        "followers (FOLLOWER_OF_CREATOR), friends (MUTUAL_FOLLOW_FRIENDS), only me (SELF_ONLY)."
    )


def test_a_video_longer_than_the_creator_may_post_is_refused():
    [issue] = check([video(duration=75)], info=PRIVATE | {"privacy_level_options": []})
    assert issue.code == "media_duration"
    assert (
        issue.message
        == "This TikTok account can post videos up to 1 min; clip.mp4 lasts 1 min 15 s."
    )
    assert (issue.limit, issue.actual) == (60, 75)


@pytest.mark.parametrize(("name", "label"), [("duet", "Duets"), ("stitch", "Stitches")])
def test_duets_and_stitches_turned_off_for_the_account_are_refused(name, label):
    # The public creator has stitches off; the private one has everything off.
    info = CREATOR if name == "stitch" else PRIVATE | {"privacy_level_options": []}
    [issue] = check([video()], {name: True}, info=info)
    assert (issue.code, issue.field) == ("setting_invalid", name)
    assert issue.message.startswith(f"{label} are turned off for this TikTok account")


def test_comments_turned_off_are_refused_and_allowed_ones_pass():
    assert codes(check([video()], {"comment": True})) == []
    info = PRIVATE | {"privacy_level_options": []}
    assert codes(check([video()], {"comment": True}, info=info)) == [("setting_invalid", "comment")]


def test_photo_posts_have_no_duets_or_stitches_to_refuse():
    assert codes(check([photo()], {"stitch": True})) == []


def test_an_inbox_upload_leaves_the_options_to_the_app():
    settings = {"content_posting_method": "UPLOAD", "stitch": True}
    assert codes(check([video()], settings, info=PRIVATE)) == []


def test_without_cached_creator_info_only_the_fixed_rules_apply():
    draft = Draft([DraftItem("x", [video(duration=9999)])], dict(SETTINGS))
    assert codes(TikTokProvider().validate(draft, None)) == []


def test_a_frame_rate_tiktok_refuses_is_named():
    [issue] = check([video(frame_rate=15)])
    assert issue.code == "media_frame_rate" and "23 to 60 frames per second" in issue.message


def test_a_picture_too_small_is_named():
    [issue] = check([video(width=320, height=240)])
    assert issue.code == "media_dimensions" and "360 to 4096 pixels" in issue.message


def test_a_photo_title_is_at_most_90_characters():
    [issue] = check([photo()], {"title": "t" * 91})
    assert (issue.code, issue.field, issue.limit) == ("setting_invalid", "title", 90)


def test_a_tiktok_post_has_one_part():
    items = [DraftItem("one", [video()]), DraftItem("two")]
    assert ("media_count", "text") in codes(check(None, items=items))


def test_a_paid_partnership_cannot_be_private():
    [issue] = check([video()], {"privacy_level": "SELF_ONLY", "brand_content_toggle": True})
    assert (issue.code, issue.field) == ("setting_invalid", "privacy_level")
    assert "paid partnership" in issue.message
