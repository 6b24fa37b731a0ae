"""listmonk's refusals are kept as sentences each reader sees in their own language, and
its connect form speaks the person's language."""

import json

import pytest
from django.utils import translation

from integrations.forms import CredentialForm
from integrations.providers.base import ProviderError
from integrations.providers.listmonk import ListmonkProvider
from organizations.texts import say
from tests.providers.listmonk.support import listmonk_channel, reply
from tests.providers.listmonk.test_publish import CAMPAIGNS, request_for


def test_a_subject_listmonk_refused_is_read_in_spanish(httpserver):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("invalid_subject")
    )
    channel = listmonk_channel(httpserver.url_for("/").rstrip("/"))
    with pytest.raises(ProviderError) as caught:
        ListmonkProvider().publish(channel, request_for())
    kept = json.loads(json.dumps(caught.value.text.stored()))
    with translation.override("es"):
        assert say(kept) == "listmonk rechazó el asunto (Invalid length for `subject`.)."


def test_the_connect_form_and_the_sender_label_are_in_french():
    with translation.override("fr"):
        html = CredentialForm(fields=ListmonkProvider().credential_fields()).as_p()
        sender = str(
            next(f.label for f in ListmonkProvider.settings_fields if f.name == "from_email")
        )
    assert "Adresse de listmonk" in html and "Jeton d\u2019API" in html
    assert sender == "Expéditeur"
