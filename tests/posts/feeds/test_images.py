"""A feed's posts may carry the entry's own image or the linked page's og:image, fetched
through the guard with type and size limits and stored in the media library."""

import pytest

from media.models import MediaFile
from posts.feeds.models import Feed, FeedEntry
from posts.feeds.reading import feed_fetch
from posts.models import PostItemMedia
from tests.media.files import jpeg, png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _feed_with_image(httpserver, image_url: str, link: str) -> bytes:
    return (
        "<rss version='2.0' xmlns:media='http://search.yahoo.com/mrss/'><channel>"
        "<title>City Desk</title><item><title>Library extends opening hours</title>"
        f"<link>{link}</link><guid>library-hours</guid>"
        f"<media:content url='{image_url}' medium='image' type='image/jpeg'/>"
        "</item></channel></rss>"
    ).encode()


def test_the_entrys_own_image_is_stored_and_attached(httpserver, make_feed):
    httpserver.expect_request("/library.jpg").respond_with_data(
        jpeg(800, 600), content_type="image/jpeg"
    )
    body = _feed_with_image(
        httpserver, httpserver.url_for("/library.jpg"), "https://news.example/library"
    )
    httpserver.expect_request("/rss").respond_with_data(body, content_type="application/rss+xml")
    feed = make_feed(httpserver.url_for("/rss"), mode=Feed.Mode.NOW, image=Feed.Image.ENTRY)

    feed_fetch(feed_id=feed.pk)

    media = MediaFile.objects.get()
    assert (media.organization, media.kind, media.width, media.height) == (
        feed.organization,
        "image",
        800,
        600,
    )
    assert PostItemMedia.objects.get().media == media


def test_the_linked_pages_og_image_is_used_when_asked(httpserver, make_feed):
    page = (
        "<!doctype html><html><head><title>Tram 4</title>"
        '<meta property="og:image" content="/img/tram.png">'
        "</head><body>…</body></html>"
    )
    httpserver.expect_request("/city/tram-4").respond_with_data(page, content_type="text/html")
    httpserver.expect_request("/img/tram.png").respond_with_data(png(), content_type="image/png")
    body = (
        "<rss version='2.0'><channel><title>City Desk</title><item>"
        f"<title>Tram line 4</title><link>{httpserver.url_for('/city/tram-4')}</link>"
        "</item></channel></rss>"
    ).encode()
    httpserver.expect_request("/rss").respond_with_data(body, content_type="text/xml")
    feed = make_feed(httpserver.url_for("/rss"), mode=Feed.Mode.NOW, image=Feed.Image.PAGE)

    feed_fetch(feed_id=feed.pk)

    assert MediaFile.objects.get().mime_type == "image/png"
    assert PostItemMedia.objects.count() == 1


def test_an_image_that_is_not_an_image_or_too_large_is_left_out(httpserver, make_feed, monkeypatch):
    from posts.feeds import fetch

    monkeypatch.setattr(fetch, "IMAGE_MAX_BYTES", 2048)
    httpserver.expect_request("/big.jpg").respond_with_data(
        jpeg(1600, 1200), content_type="image/jpeg"
    )
    body = _feed_with_image(
        httpserver, httpserver.url_for("/big.jpg"), "https://news.example/library"
    )
    httpserver.expect_request("/rss").respond_with_data(body, content_type="text/xml")
    feed = make_feed(httpserver.url_for("/rss"), mode=Feed.Mode.NOW, image=Feed.Image.ENTRY)

    feed_fetch(feed_id=feed.pk)

    assert not MediaFile.objects.exists()
    assert FeedEntry.objects.get().outcome == "posted"


def test_an_image_on_the_private_network_is_never_fetched(httpserver, make_feed, settings, caplog):
    body = _feed_with_image(httpserver, "http://169.254.169.254/latest/x.jpg", "")
    httpserver.expect_request("/rss").respond_with_data(body, content_type="text/xml")
    feed = make_feed(httpserver.url_for("/rss"), mode=Feed.Mode.NOW, image=Feed.Image.ENTRY)
    from postiz import ssrf

    real = ssrf.vet_url

    def vet(url):
        # The fake feed server is on loopback (allowed); the metadata address is not.
        settings.POSTIZ_ALLOW_PRIVATE_URLS = "169.254" not in url
        return real(url)

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(ssrf, "vet_url", vet)
    try:
        feed_fetch(feed_id=feed.pk)
    finally:
        monkeypatch.undo()

    assert not MediaFile.objects.exists()
    assert FeedEntry.objects.get().outcome == "posted"
    assert "169.254.169.254 points to a private or local address" in caplog.text
