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


def test_a_feed_forms_refusals_are_in_the_members_language(org):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from posts.feeds.services import feed_create

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        feed_create(
            organization=org,
            name="",
            url="https://reader:secret@blog.example/feed",
            integrations=[],
            template="{titre}",
        )
    errors = refused.value.message_dict
    assert errors["name"] == ["Donnez un nom au flux, par exemple « Blog de l\u2019entreprise »."]
    assert errors["url"] == [
        "Retirez le nom d\u2019utilisateur et le mot de passe de l\u2019adresse."
    ]
    assert errors["integrations"] == ["Choisissez au moins un canal où publier."]
    assert errors["template"][0].startswith("{titre} n\u2019est pas une variable connue.")


def test_an_entry_saved_as_a_draft_says_why_in_the_language_of_who_set_the_feed_up(
    httpserver, make_feed, owner
):
    from django.utils import translation

    from posts.feeds.models import Feed, FeedEntry
    from tests.posts.feeds.conftest import serve

    owner.language = "de"
    owner.save(update_fields=["language"])
    title = "Lang " * 150  # far over Mastodon's 500 characters
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title>'
        f"<item><title>{title}</title><link>https://blog.example/long</link>"
        "<guid>long-1</guid></item></channel></rss>"
    ).encode()
    feed = make_feed(serve(httpserver, "/long.xml", rss), mode=Feed.Mode.NOW)

    with translation.override("en"):  # a worker: no request chose a language
        feed_fetch(feed_id=feed.pk)

    entry = FeedEntry.objects.get(feed=feed, guid="long-1")
    assert entry.outcome == "drafted"
    assert entry.note.startswith("Saved as a draft: ")
    assert "Zeichen" in entry.note, entry.note
