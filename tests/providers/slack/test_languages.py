# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Slack in the reader's language: an app left out of the channel is said in French and
in Brazilian Portuguese, with the command to type left as it is."""

from pathlib import Path

from django.utils import translation

from integrations.providers.slack import SlackProvider
from tests.providers.conftest import fixture_response
from tests.providers.languages import refused, said

HERE = Path(__file__).parent


def test_an_app_left_out_of_the_channel_is_said_in_the_readers_language(httpserver):
    error = refused(SlackProvider(), httpserver, fixture_response(HERE, "err_not_in_channel"))

    with translation.override("fr"):
        assert said(error) == (
            "L’application n’est pas dans ce canal Slack ; tapez /invite @<app name> dans le canal."
        )
    with translation.override("pt-br"):
        assert said(error) == (
            "O aplicativo não está neste canal do Slack; digite /invite @<app name> no canal."
        )
    assert error.text.english() == (
        "The app is not in this Slack channel; type /invite @<app name> in the channel."
    )
