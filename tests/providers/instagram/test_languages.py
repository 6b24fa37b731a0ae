# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Instagram in the reader's language: a refusal kept on a post is said in French with
Instagram's own words left as they are, and the composer's settings and tag checks are
French for a French member."""

import pytest
from django.utils import translation

from integrations.providers.base import Draft, DraftItem, MediaItem
from tests.posts.test_groups import channel as channel_row
from tests.providers.conftest import fixture_response
from tests.providers.instagram.conftest import HERE
from tests.providers.languages import (
    assert_composer_closed,
    composer_page,
    refused,
    said,
    speaking_french,
)


def test_a_post_blocked_under_instagrams_rules_is_said_in_french(provider, httpserver):
    error = refused(provider, httpserver, fixture_response(HERE, "policy_368"))

    with translation.override("fr"):
        assert said(error) == (
            "Instagram a bloqué cette publication en vertu de ses règles : The action "
            "attempted has been deemed abusive or is otherwise disallowed"
        )
    assert error.text.english().startswith("Instagram blocked this post under its rules: ")


def test_tag_checks_are_french_for_a_french_reader(provider):
    photo = MediaItem(
        "image/jpeg", 3, lambda: b"JPG", filename="a.jpg", public_url="https://cdn.test/a.jpg"
    )
    draft = Draft([DraftItem("Bonjour", [photo])], {"user_tags": ["@alice 2 0.3"]})

    with translation.override("fr"):
        messages = [issue.message for issue in provider.validate(draft)]
    assert (
        "Identification 1 (@alice) : x et y indiquent la position sur la photo, de 0 à 1 "
        "(0 0 est le coin supérieur gauche, 1 1 le coin inférieur droit)."
    ) in messages


@pytest.mark.django_db
def test_the_composer_names_instagrams_settings_in_french(org, editor, client_for):
    account = channel_row(org, "instagram", name="Acme Insta")
    page = composer_page(client_for(speaking_french(editor)), org, account)

    assert "Personnes identifiées sur les photos" in page
    assert "Jusqu’à 3 noms d’utilisateur Instagram invités comme co-auteurs." in page


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "instagram")
    assert_composer_closed(org, outsider, viewer, client_for)
