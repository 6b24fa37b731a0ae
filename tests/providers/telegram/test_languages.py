# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Telegram in the reader's language: a chat the bot cannot find is said in French, and
the connect form is French for a French reader."""

from pathlib import Path

from django.utils import translation

from integrations.forms import CredentialForm
from integrations.providers.telegram import TelegramProvider
from tests.providers.conftest import fixture_response
from tests.providers.languages import refused, said

HERE = Path(__file__).parent


def test_a_chat_the_bot_cannot_find_is_said_in_french(httpserver):
    error = refused(TelegramProvider(), httpserver, fixture_response(HERE, "chat_not_found"))

    with translation.override("fr"):
        assert said(error) == (
            "Telegram ne trouve pas cette discussion ; elle a peut-être été supprimée, ou le "
            "bot n’y a jamais été ajouté."
        )
    with translation.override("es"):
        assert said(error) == (
            "Telegram no encuentra este chat; puede que se haya eliminado o que el bot nunca "
            "se añadiera."
        )


def test_the_connect_form_is_french():
    with translation.override("fr"):
        html = CredentialForm(fields=TelegramProvider().credential_fields()).as_div()
    assert "Jeton du bot" in html
    assert "Canal ou groupe" in html
    assert "Ajoutez d’abord le bot comme administrateur." in html
