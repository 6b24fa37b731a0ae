"""Lemmy's refusals are kept as sentences each reader sees in their own language, and its
connect form and checks speak the person's language."""

import json

from django.utils import translation

from integrations.forms import CredentialForm
from integrations.providers.base import Draft, DraftItem, Phase
from integrations.providers.lemmy import LemmyProvider
from organizations.texts import say
from tests.providers.lemmy.test_classifier import as_requests_response


def test_a_ban_is_read_in_french_later():
    error = LemmyProvider().classify_response(Phase.COMMIT, as_requests_response("banned"))
    kept = json.loads(json.dumps(error.text.stored()))
    with translation.override("fr"):
        assert say(kept) == "Le compte est banni de cette communauté Lemmy."
    assert error.user_message == "The account is banned from this Lemmy community."


def test_the_connect_form_and_the_checks_speak_german():
    with translation.override("de"):
        html = CredentialForm(fields=LemmyProvider().credential_fields()).as_p()
        draft = Draft([DraftItem("Text")], {"subreddit": [{"value": {"title": ""}}]})
        messages = [i.message for i in LemmyProvider().validate(draft)]
    assert "Benutzername oder E-Mail" in html and "Zwei-Faktor-Code" in html
    assert "Wählen Sie Community 1." in messages
    assert "Schreiben Sie einen Titel für den Beitrag." in messages
