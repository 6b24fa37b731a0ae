from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.threads import ThreadsProvider


def media(mime="image/jpeg", public_url="https://cdn.test/a.jpg", size=1000):
    return MediaItem(mime, size, lambda: b"", filename="a.jpg", public_url=public_url)


def codes(issues):
    return [i.code for i in issues]


def test_500_characters_with_emoji_counting_their_bytes():
    assert ThreadsProvider().validate(Draft([DraftItem("a" * 500)])) == []
    [issue] = ThreadsProvider().validate(Draft([DraftItem("a" * 497 + "😀")]))
    assert (issue.code, issue.actual) == ("text_too_long", 501)


def test_media_needs_a_public_url():
    [issue] = ThreadsProvider().validate(Draft([DraftItem("x", [media(public_url="")])]))
    assert (issue.code, issue.field) == ("media_url", "media")
    assert ThreadsProvider().validate(Draft([DraftItem("x", [media()])])) == []


def test_carousel_up_to_20_and_types():
    assert ThreadsProvider().validate(Draft([DraftItem("x", [media()] * 20)])) == []
    assert codes(ThreadsProvider().validate(Draft([DraftItem("x", [media()] * 21)]))) == [
        "media_count"
    ]
    assert codes(ThreadsProvider().validate(Draft([DraftItem("x", [media("image/gif")])]))) == [
        "media_type"
    ]


def test_thread_finisher_required_when_active():
    draft = Draft([DraftItem("x")], {"active_thread_finisher": True})
    [issue] = ThreadsProvider().validate(draft)
    assert (issue.code, issue.field) == ("setting_required", "thread_finisher")
    draft.settings["thread_finisher"] = "Thanks for reading"
    assert ThreadsProvider().validate(draft) == []
    draft.settings["thread_finisher"] = "a" * 501
    assert codes(ThreadsProvider().validate(draft)) == ["setting_invalid", "text_too_long"]
