"""Ghost's refusals are kept as sentences each reader sees in their own language, and its
connect form speaks the person's language."""

import json

import pytest
from django.utils import translation

from integrations.forms import CredentialForm
from integrations.providers.base import ProviderError
from integrations.providers.ghost import GhostProvider
from organizations.texts import say
from tests.providers.ghost.support import ghost_channel, reply
from tests.providers.ghost.test_publish import POSTS, request_for


def test_a_title_ghost_refused_is_read_in_french_with_ghosts_words(httpserver):
    httpserver.expect_request(POSTS).respond_with_response(reply("title_too_long"))
    with pytest.raises(ProviderError) as caught:
        GhostProvider().publish(ghost_channel(httpserver.url_for("/").rstrip("/")), request_for())
    kept = json.loads(json.dumps(caught.value.text.stored()))
    with translation.override("fr"):
        assert say(kept).startswith("Ghost a refusé le titre : ")
        assert "255" in say(kept)  # Ghost's own words stay as it said them


def test_the_connect_form_is_labelled_in_german():
    with translation.override("de"):
        html = CredentialForm(fields=GhostProvider().credential_fields()).as_p()
    assert "Admin-API-Schlüssel" in html
    assert "Ghost-Website" in html
