# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Pinterest in the reader's language: a missing board is said in French to a French
reader, and the composer names the pin's settings (and its new-board form) in French."""

import pytest
from django.utils import translation

from tests.posts.test_groups import channel as channel_row
from tests.providers.languages import (
    assert_composer_closed,
    composer_page,
    refused,
    said,
    speaking_french,
)
from tests.providers.pinterest.conftest import reply


def test_a_missing_board_is_said_in_french(provider, httpserver):
    error = refused(provider, httpserver, reply("board_not_found"))

    with translation.override("fr"):
        assert said(error) == (
            "Pinterest n’a pas trouvé le tableau ; choisissez un autre tableau pour cette "
            "publication."
        )
    with translation.override("pt-br"):
        assert said(error) == (
            "O Pinterest não encontrou a pasta; escolha outra pasta para esta publicação."
        )


@pytest.mark.django_db
def test_the_composer_names_the_pins_settings_in_french(org, editor, client_for):
    account = channel_row(org, "pinterest", name="Acme Pins")
    page = composer_page(client_for(speaking_french(editor)), org, account)

    assert "Couleur dominante" in page
    assert "Affichée pendant le chargement de l’image de l’épingle, au format #RRGGBB." in page
    # The form that makes a new board from the composer.
    assert "Créer un tableau sur le compte Pinterest connecté ; renvoie son" in page
    assert "Le nom du tableau" in page


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "pinterest")
    assert_composer_closed(org, outsider, viewer, client_for)
