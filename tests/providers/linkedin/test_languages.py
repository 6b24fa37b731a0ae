# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""LinkedIn in the reader's language: a retired API version is said in French (the
version stays as LinkedIn names it), and the composer's settings are French."""

import pytest
from django.utils import translation

from integrations.providers.linkedin import LINKEDIN_VERSION
from tests.posts.test_groups import channel as channel_row
from tests.providers.conftest import fixture_response
from tests.providers.languages import (
    assert_composer_closed,
    composer_page,
    refused,
    said,
    speaking_french,
)
from tests.providers.linkedin.conftest import HERE


def test_a_retired_api_version_is_said_in_french(provider, httpserver):
    error = refused(provider, httpserver, fixture_response(HERE, "version_retired"))

    with translation.override("fr"):
        assert said(error) == (
            f"LinkedIn n’accepte plus la version d’API {LINKEDIN_VERSION} ; l’administrateur "
            "du serveur doit mettre Postiz à jour. Rien n’a été publié."
        )
    assert error.text.english() == (
        f"LinkedIn no longer accepts API version {LINKEDIN_VERSION}; the server "
        "administrator must update Postiz. Nothing was posted."
    )


@pytest.mark.django_db
def test_the_composer_names_linkedins_settings_in_french(org, editor, client_for):
    account = channel_row(org, "linkedin", name="Acme LinkedIn")
    page = composer_page(client_for(speaking_french(editor)), org, account)

    assert "Publier les images en carrousel" in page
    assert "Les images deviennent une seule publication de document à faire défiler." in page


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "linkedin")
    assert_composer_closed(org, outsider, viewer, client_for)
