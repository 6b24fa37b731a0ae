"""The Lemmy validator is pure: communities, titles, one image."""

import pytest

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.lemmy import LemmyProvider, community_entries, instance_origin


def settings(**entry):
    return {"subreddit": [{"value": {"subreddit": "technology", "id": 15, "title": "T", **entry}}]}


def codes(issues):
    return [i.code for i in issues]


def test_a_post_needs_at_least_one_community():
    provider = LemmyProvider()
    assert codes(provider.validate(Draft([DraftItem("x")], {}))) == ["setting_required"]
    assert provider.validate(Draft([DraftItem("x")], settings())) == []


def test_each_community_needs_a_title_of_at_most_200_characters():
    provider = LemmyProvider()
    assert provider.validate(Draft([DraftItem("x")], settings(title="a" * 200))) == []
    (issue,) = provider.validate(Draft([DraftItem("x")], settings(title="a" * 201)))
    assert issue.code == "text_too_long" and issue.field == "subreddit" and issue.limit == 200
    assert codes(provider.validate(Draft([DraftItem("x")], settings(title="  ")))) == [
        "setting_required"
    ]


def test_a_community_needs_a_name_or_id_and_a_link_must_be_a_url():
    provider = LemmyProvider()
    bare = {"subreddit": [{"value": {"title": "T"}}]}
    assert codes(provider.validate(Draft([DraftItem("x")], bare))) == ["setting_required"]
    issues = provider.validate(Draft([DraftItem("x")], settings(url="not a url")))
    assert codes(issues) == ["setting_invalid"]


def test_one_image_and_no_video():
    provider = LemmyProvider()
    png = MediaItem("image/png", 10, lambda: b"x")
    mp4 = MediaItem("video/mp4", 10, lambda: b"x")
    assert provider.validate(Draft([DraftItem("x", [png])], settings())) == []
    assert codes(provider.validate(Draft([DraftItem("x", [png, png])], settings()))) == [
        "media_count"
    ]
    assert codes(provider.validate(Draft([DraftItem("x", [mp4])], settings()))) == ["media_type"]


def test_comments_are_capped_at_10000_characters():
    provider = LemmyProvider()
    draft = Draft([DraftItem("x"), DraftItem("a" * 10001)], settings())
    (issue,) = provider.validate(draft)
    assert issue.item == 1 and issue.limit == 10000


def test_entries_are_unwrapped_from_value_or_taken_flat():
    flat = {"subreddit": [{"subreddit": "a", "title": "T"}, {"value": {"id": 3, "title": "U"}}]}
    assert community_entries(flat) == [{"subreddit": "a", "title": "T"}, {"id": 3, "title": "U"}]


@pytest.mark.parametrize(
    ("raw", "origin"),
    [
        ("lemmy.world", "https://lemmy.world"),
        ("https://lemmy.world/c/technology", "https://lemmy.world"),
        (" http://127.0.0.1:8536/ ", "http://127.0.0.1:8536"),
        ("", ""),
        ("ftp://lemmy.world", ""),
    ],
)
def test_instance_origin(raw, origin):
    assert instance_origin(raw) == origin


def test_declarations():
    assert LemmyProvider.custom_instance and LemmyProvider.auth_kind == "credentials-form"
    assert LemmyProvider.reply_mode == "comment" and LemmyProvider.lookup == "by-content"
