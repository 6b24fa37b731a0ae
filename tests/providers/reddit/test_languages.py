# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Reddit in the reader's language: a subreddit's refusal is said in French with Reddit's
own words kept, and the composer explains the subreddit entries in French."""

import pytest
from django.utils import translation

from tests.posts.test_groups import channel as channel_row
from tests.providers.conftest import fixture_response
from tests.providers.languages import (
    assert_composer_closed,
    composer_page,
    refused,
    said,
    speaking_french,
)
from tests.providers.reddit.conftest import HERE


def test_a_subreddit_without_text_posts_is_said_in_french(provider, httpserver):
    error = refused(provider, httpserver, fixture_response(HERE, "no_selfs"))

    with translation.override("fr"):
        assert said(error) == (
            "Ce subreddit n’accepte pas les publications texte ; choisissez une publication "
            "lien. (that subreddit doesn't allow text posts)"
        )
    assert error.text.english() == (
        "This subreddit does not accept text posts; choose a link post. (that subreddit "
        "doesn't allow text posts)"
    )


@pytest.mark.django_db
def test_the_composer_explains_subreddit_entries_in_french(org, editor, client_for):
    account = channel_row(org, "reddit", name="Acme Reddit")
    page = composer_page(client_for(speaking_french(editor)), org, account)

    assert "Une soumission par entrée" in page


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "reddit")
    assert_composer_closed(org, outsider, viewer, client_for)
