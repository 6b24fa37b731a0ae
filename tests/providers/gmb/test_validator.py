from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.gmb import GoogleBusinessProvider


def photo(url="https://media.acme.example/p.jpg", width=1200, height=900, mime="image/jpeg"):
    return MediaItem(mime, 100_000, lambda: b"", "p.jpg", width, height, public_url=url)


def issues(text="Fresh bread", media=(), **settings):
    return GoogleBusinessProvider().validate(Draft([DraftItem(text, list(media))], settings))


def codes(found):
    return [(i.code, i.field) for i in found if i.severity == "error"]


def test_a_plain_update_is_fine():
    assert issues() == []
    assert issues(media=[photo()], callToActionType="CALL") == []


def test_the_summary_is_at_most_1500_characters():
    [issue] = issues("x" * 1501)
    assert (issue.code, issue.limit, issue.actual) == ("text_too_long", 1500, 1501)


def test_one_photo_at_most_and_never_a_video():
    assert ("media_count", "media") in codes(issues(media=[photo(), photo()]))
    video = MediaItem("video/mp4", 1000, lambda: b"", "v.mp4", public_url="https://x/v.mp4")
    [issue] = issues(media=[video])
    assert issue.code == "media_type" and "cannot carry videos" in issue.message


def test_the_photo_needs_a_public_address_and_a_usable_size():
    assert codes(issues(media=[photo(url="")])) == [("media_url", "media")]
    assert codes(issues(media=[photo(width=200)])) == [("media_dimensions", "media")]


def test_a_button_needs_its_link_unless_it_calls():
    assert codes(issues(callToActionType="BOOK")) == [("setting_required", "callToActionUrl")]
    assert codes(issues(callToActionType="BOOK", callToActionUrl="acme.example")) == [
        ("setting_invalid", "callToActionUrl")
    ]
    assert codes(issues(callToActionType="CALL")) == []


def test_unknown_post_types_and_buttons_are_refused():
    assert codes(issues(topicType="ALERT", callToActionType="BUY")) == [
        ("setting_invalid", "topicType"),
        ("setting_invalid", "callToActionType"),
    ]


def test_an_event_needs_a_title_and_dates_in_order():
    assert codes(issues(topicType="EVENT")) == [
        ("setting_required", "eventTitle"),
        ("setting_required", "eventStartDate"),
        ("setting_required", "eventEndDate"),
    ]
    found = issues(
        topicType="EVENT",
        eventTitle="Open day",
        eventStartDate="2027-01-10",
        eventEndDate="2027-01-09",
    )
    assert codes(found) == [("setting_invalid", "eventEndDate")]
    found = issues(
        topicType="EVENT",
        eventTitle="Open day",
        eventStartDate="10.01.2027",
        eventEndDate="2027-01-10",
        eventStartTime="9am",
    )
    assert codes(found) == [
        ("setting_invalid", "eventStartDate"),
        ("setting_invalid", "eventStartTime"),
        ("setting_required", "eventEndTime"),
    ]


def test_an_offer_needs_its_dates_and_warns_that_its_button_is_googles():
    assert ("setting_required", "eventTitle") in codes(issues(topicType="OFFER"))
    found = issues(
        topicType="OFFER",
        eventTitle="Croissant week",
        eventStartDate="2027-02-01",
        eventEndDate="2027-02-07",
        offerRedeemUrl="acme.example/offer",
        callToActionType="ORDER",
    )
    assert codes(found) == [("setting_invalid", "offerRedeemUrl")]
    assert [i.field for i in found if i.severity == "warning"] == ["callToActionType"]


def test_a_photo_alone_is_not_an_update():
    assert codes(issues("", media=[photo()])) == [("text_required", "text")]
