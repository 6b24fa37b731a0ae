"""A feed's read error, written by the worker, is read by each member in their own
language on the feed's page; the API and the admin keep the English text."""

import html as html_lib

import pytest
from django.urls import reverse

from organizations.permissions import Role
from posts.feeds.reading import feed_fetch
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_feeds_read_error_is_shown_in_each_readers_language(
    httpserver, make_feed, org, owner, client_for
):
    httpserver.expect_request("/gone.xml").respond_with_data("Not Found", status=404)
    feed = make_feed(httpserver.url_for("/gone.xml"))
    french = MembershipFactory(organization=org, role=Role.ADMIN).user
    french.language = "fr"
    french.save(update_fields=["language"])
    owner.language = "en"
    owner.save(update_fields=["language"])

    feed_fetch(feed_id=feed.pk)
    feed.refresh_from_db()

    assert feed.last_error.endswith(
        "answered HTTP 404 for the feed. Check the address: there is no feed there (any more)."
    )
    page = reverse("posts:feed", args=[org.slug, feed.public_id])
    in_french = html_lib.unescape(client_for(french).get(page).content.decode())
    in_english = html_lib.unescape(client_for(owner).get(page).content.decode())
    assert "a répondu HTTP 404 pour le flux. Vérifiez l\u2019adresse" in in_french
    assert "answered HTTP 404 for the feed. Check the address" in in_english
