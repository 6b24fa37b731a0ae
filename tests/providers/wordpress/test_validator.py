"""What the composer asks to fix before a WordPress post can go out."""

from integrations.providers.base import Draft, DraftItem, MediaItem
from integrations.providers.wordpress import WordPressProvider
from tests.providers.wordpress.support import wp_channel


def found(text="Body", media=(), channel=None, **settings):
    draft = Draft([DraftItem(text, list(media))], settings)
    return WordPressProvider().validate(draft, channel)


def errors(*args, **kwargs):
    return {(i.code, i.field) for i in found(*args, **kwargs) if i.severity == "error"}


def png(size=7, mime="image/png"):
    return MediaItem(mime, size, lambda: b"", filename="a.png", width=10, height=10)


def test_a_post_without_a_title_is_allowed_with_a_warning():
    assert errors(title="Launch") == set()
    [warning] = [i for i in found() if i.field == "title"]
    assert warning.severity == "warning" and "(no title)" in warning.message


def test_a_scheduled_post_needs_a_time_with_its_zone():
    assert ("setting_required", "date") in errors(title="T", status="future")
    assert ("setting_invalid", "date") in errors(
        title="T", status="future", date="2031-01-05T09:00:00"
    )
    assert errors(title="T", status="future", date="2031-01-05T09:00:00Z") == set()


def test_only_the_statuses_wordpress_knows_are_taken():
    assert ("setting_invalid", "status") in errors(title="T", status="scheduled")
    for status in ("publish", "draft", "pending", "private"):
        assert errors(title="T", status=status) == set()


def test_images_wordpress_takes_pass_and_video_is_refused():
    assert errors(title="T", media=[png(), png(mime="image/webp")]) == set()
    video = MediaItem("video/mp4", 1000, lambda: b"", filename="a.mp4", duration=3.0)
    assert any(i.code == "media_type" for i in found(title="T", media=[video]))
    assert any(i.code == "media_size" for i in found(title="T", media=[png(9 * 1024 * 1024)]))


def test_a_contributor_is_told_to_choose_draft_and_to_leave_images_out(httpserver):
    channel = wp_channel("https://fieldnotes.acme.example", can_publish=False, can_upload=False)
    assert ("setting_invalid", "status") in errors(title="T", channel=channel)
    assert errors(title="T", status="pending", channel=channel) == set()
    assert ("setting_invalid", "media") in errors(
        title="T", status="draft", media=[png()], channel=channel
    )


def test_a_canonical_url_is_refused_where_the_site_takes_none():
    plain = wp_channel("https://fieldnotes.acme.example")
    seo = wp_channel("https://fieldnotes.acme.example", canonical_meta="_seo_canonical_url")
    url = "https://acme.example/launch"
    [issue] = [i for i in found(title="T", canonical_url=url, channel=plain) if i.field]
    assert issue.field == "canonical_url" and "core WordPress has none" in issue.message
    assert errors(title="T", canonical_url=url, channel=seo) == set()
    assert ("setting_invalid", "canonical_url") in errors(title="T", canonical_url="acme")


def test_images_alone_make_no_article():
    assert ("text_required", "text") in {
        (i.code, i.field or "text") for i in found(" ", media=[png()], title="T")
    }


def test_a_page_takes_no_categories_or_tags():
    assert errors(title="T", type="page") == set()
    assert ("setting_invalid", "tags") in errors(title="T", type="page", tags=["News"])
    assert ("setting_invalid", "type") in errors(title="T", type="product")


def test_a_featured_image_is_given_by_its_web_address():
    assert errors(title="T", main_image={"path": "https://acme.example/a.png"}) == set()
    assert ("setting_invalid", "main_image") in errors(title="T", main_image="a.png")


def test_a_scheduled_time_already_past_is_warned_about():
    [issue] = found(title="T", status="future", date="2020-01-05T09:00:00Z")
    assert (issue.field, issue.severity) == ("date", "warning")
    assert "at once" in issue.message
