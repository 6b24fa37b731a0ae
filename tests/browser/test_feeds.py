"""Adding an RSS feed in the browser: the preview shows the next posts' text, the feed is
read once saved, and the feed pages pass axe-core's WCAG 2 A/AA rules."""

from __future__ import annotations

import pytest
from django.urls import reverse

from posts.feeds.models import Feed
from posts.models import PostGroup
from tests.factories import ChannelFactory
from tests.posts.feeds.conftest import serve

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_feed_is_previewed_added_and_read(org, berliner, page_for, httpserver, axe, snapshot):
    ChannelFactory(organization=org, name="Acme on Mastodon")
    feed_url = serve(httpserver, "/feed/", "html_summary.xml")
    page = page_for(berliner)

    page.goto(reverse("posts:feeds", args=[org.slug]))
    assert page.get_by_role("heading", name="No feeds yet").is_visible()
    assert axe(page) == []
    page.get_by_role("link", name="Add your first feed").click()
    page.get_by_label("Name").fill("City Desk")
    page.get_by_label("Feed address").fill(feed_url)
    page.get_by_label("Acme on Mastodon (mastodon)").check()
    page.get_by_label("Post text").fill("{title}\n\n{summary}")
    page.get_by_role("button", name="Preview the next posts").click()

    preview = page.locator("#feed-preview")
    preview.wait_for()
    assert "Library extends opening hours\n\nThe central library will open" in (
        preview.locator("pre").first.inner_text()
    )
    assert axe(page) == []
    snapshot(page, "feed-preview")
    page.get_by_role("button", name="Add feed").click()

    page.get_by_role("heading", name="City Desk").wait_for()
    feed = Feed.objects.get()
    assert feed.primed_at is not None
    assert "2 entries, 2 new, 2 saved as drafts." in page.locator("#feed-status").inner_text()
    assert PostGroup.objects.count() == 2
    assert axe(page) == []
    snapshot(page, "feed-detail")

    page.get_by_role("button", name="Fetch now").click()
    page.locator("#feed-status", has_text="Unchanged since the read before.").wait_for()
