# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""X in the reader's language: a duplicate post is said in French to a French reader, and
the channel's preference and the composer's settings are French."""

import pytest
from django.utils import translation

from integrations.forms import PreferencesForm
from integrations.providers.x import XProvider
from tests.posts.test_groups import channel as channel_row
from tests.providers.conftest import fixture_response
from tests.providers.languages import (
    assert_composer_closed,
    composer_page,
    refused,
    said,
    speaking_french,
)
from tests.providers.x.conftest import HERE


def test_a_duplicate_post_is_said_in_french(provider, httpserver):
    error = refused(provider, httpserver, fixture_response(HERE, "duplicate"))

    with translation.override("fr"):
        assert said(error) == (
            "X refuse les publications en double ; modifiez le texte et réessayez."
        )
    assert error.text.english() == "X rejects duplicate posts; change the text and try again."


def test_the_premium_preference_is_french_in_the_channel_form():
    with translation.override("fr"):
        html = PreferencesForm(specs=XProvider.preference_fields).as_div()
    assert "X Premium (publications longues)" in html
    assert "Autoriser des publications jusqu’à 25" in html


@pytest.mark.django_db
def test_the_composer_names_xs_settings_in_french(org, editor, client_for):
    account = channel_row(org, "x", name="Acme X")
    page = composer_page(client_for(speaking_french(editor)), org, account)

    assert "Qui peut répondre" in page
    assert "Partenariat rémunéré" in page


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "x")
    assert_composer_closed(org, outsider, viewer, client_for)
