"""Threads in the reader's language: a throttled post is said in French to a French
reader, and the composer's closing-reply settings are French."""

import pytest
from django.utils import translation

from integrations.providers.threads import ThreadsProvider
from tests.posts.test_groups import channel as channel_row
from tests.providers.conftest import fixture_response
from tests.providers.languages import (
    assert_composer_closed,
    composer_page,
    refused,
    said,
    speaking_french,
)
from tests.providers.threads.conftest import HERE


def test_a_throttled_post_is_said_in_french(httpserver):
    error = refused(ThreadsProvider(), httpserver, fixture_response(HERE, "rate_17"))

    with translation.override("fr"):
        assert said(error) == "Threads nous demande de ralentir ; nous réessaierons plus tard."
    with translation.override("es"):
        assert said(error) == (
            "Threads nos pidió ir más despacio; lo intentaremos de nuevo más tarde."
        )


@pytest.mark.django_db
def test_the_composer_names_the_closing_reply_in_french(org, editor, client_for):
    account = channel_row(org, "threads", name="Acme Threads")
    page = composer_page(client_for(speaking_french(editor)), org, account)

    assert "Ajouter une réponse de clôture" in page
    assert "Réponse de clôture" in page


@pytest.mark.django_db
def test_the_composer_stays_closed_to_outsiders_and_viewers(org, outsider, viewer, client_for):
    channel_row(org, "threads")
    assert_composer_closed(org, outsider, viewer, client_for)
