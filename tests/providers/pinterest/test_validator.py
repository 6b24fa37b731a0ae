from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.pinterest import PinterestProvider
from tests.providers.pinterest.conftest import BOARD


def image(url="https://media.acme.example/a.jpg", size=1000, width=1000, height=1500, alt=""):
    return MediaItem(
        "image/jpeg", size, lambda: b"", "a.jpg", width, height, alt_text=alt, public_url=url
    )


def video(duration=12.0):
    return MediaItem("video/mp4", 10_000, lambda: b"", "v.mp4", 1080, 1920, duration=duration)


def issues(text="A pin", media=None, settings=None, channel=None):
    draft = Draft([DraftItem(text, [image()] if media is None else media)], settings)
    return PinterestProvider().validate(draft, channel)


def codes(found):
    return [(i.code, i.field) for i in found]


def test_a_pin_with_a_board_and_an_image_is_fine(channel):
    assert issues(settings={"board": BOARD}, channel=channel) == []


def test_a_board_may_be_named_instead_of_its_id(channel):
    assert issues(settings={"board": "summer recipes"}, channel=channel) == []


def test_a_board_is_required():
    assert ("setting_required", "board") in codes(issues(settings={}))


def test_a_board_the_account_did_not_have_warns_with_the_known_choices(channel):
    [issue] = issues(settings={"board": "999"}, channel=channel)
    assert (issue.code, issue.field, issue.severity) == ("setting_invalid", "board", "warning")
    assert "Summer Recipes (549755885175), Workshop (549755885176)" in issue.message


def test_a_missing_board_names_the_accounts_boards(channel):
    [issue] = issues(settings={}, channel=channel)
    assert (issue.code, issue.field) == ("setting_required", "board")
    assert issue.message == (
        "Choose a board: Summer Recipes (549755885175), Workshop (549755885176)."
    )


def test_an_account_without_boards_is_told_to_create_one(channel):
    channel.meta["boards"] = []
    [issue] = issues(settings={}, channel=channel)
    assert issue.message == "This Pinterest account has no boards yet; create one first."


def test_a_pin_needs_media():
    assert ("media_required", "media") in codes(issues(media=[], settings={"board": BOARD}))


def test_description_title_and_alt_text_limits():
    found = issues(
        text="d" * 501,
        media=[image(alt="a" * 501)],
        settings={"board": BOARD, "title": "t" * 101},
    )
    assert codes(found) == [
        ("setting_invalid", "title"),
        ("text_too_long", "text"),
        ("text_too_long", "media"),
    ]


def test_a_carousel_has_at_most_five_images_of_one_size():
    found = issues(media=[image()] * 6, settings={"board": BOARD})
    assert ("media_count", "media") in codes(found)
    found = issues(media=[image(), image(width=800)], settings={"board": BOARD})
    assert [i.code for i in found] == ["media_dimensions"]


def test_carousel_images_need_public_addresses():
    found = issues(media=[image(url=""), image(url="")], settings={"board": BOARD})
    assert [i.code for i in found] == ["media_url", "media_url"]


def test_a_large_image_without_a_public_address_cannot_be_sent_inline():
    assert issues(media=[image(url="", size=4_000_000)], settings={"board": BOARD}) == []
    found = issues(media=[image(url="", size=6 * 1024 * 1024)], settings={"board": BOARD})
    assert [i.code for i in found] == ["media_url"]
    webp = image(url="")
    webp.mime_type = "image/webp"
    assert [i.code for i in issues(media=[webp], settings={"board": BOARD})] == ["media_url"]


def test_a_video_stands_alone_and_lasts_four_seconds_to_fifteen_minutes():
    assert issues(media=[video()], settings={"board": BOARD}) == []
    assert [i.code for i in issues(media=[video(2)], settings={"board": BOARD})] == [
        "media_duration"
    ]
    found = issues(media=[video(), image()], settings={"board": BOARD})
    assert "media_mix" in [i.code for i in found]


def test_link_and_colour_are_checked():
    found = issues(settings={"board": BOARD, "link": "acme.example", "dominant_color": "grey"})
    assert codes(found) == [("setting_invalid", "link"), ("setting_invalid", "dominant_color")]
