"""YouTube's refusals are kept as sentences each reader sees in their own language, and
its settings and checks speak the person's language."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import Draft, DraftItem, Phase
from integrations.providers.youtube import YouTubeProvider
from organizations.texts import say
from tests.factories import ChannelFactory
from tests.providers.conftest import fixture_response
from tests.providers.youtube.conftest import HERE
from tests.providers.youtube.test_classifier import classify


def test_a_refused_title_is_kept_with_youtubes_words_for_a_french_reader(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "invalid_title"), Phase.UPLOAD)
    kept = json.loads(json.dumps(error.text.stored()))
    with translation.override("fr"):
        # Ours in French, YouTube's own words as it said them.
        assert say(kept) == (
            "YouTube a refusé le titre : The request metadata specifies an invalid or empty "
            "video title."
        )
    assert error.user_message.startswith("YouTube refused the title: ")


def test_a_quota_used_up_is_read_in_german(provider, httpserver):
    error = classify(provider, httpserver, fixture_response(HERE, "quota_exceeded"), Phase.UPLOAD)
    with translation.override("de"):
        assert str(error.text) == (
            "Das tägliche YouTube-Kontingent dieses Servers ist aufgebraucht; wir versuchen es "
            "erneut, nachdem es um Mitternacht pazifischer Zeit zurückgesetzt wurde."
        )


def test_the_composer_checks_speak_the_persons_language():
    draft = Draft([DraftItem("A video", [])], {"title": "Hi", "tags": "not a list"})
    with translation.override("es"):
        messages = {i.message for i in YouTubeProvider().validate(draft)}
    assert "tags debe ser una lista de etiquetas." in messages
    assert "Elige Visibilidad." in messages  # the setting's label, in the same language


@pytest.mark.django_db
def test_the_composer_labels_youtubes_settings_in_french(org, editor, client_for):
    channel = ChannelFactory(organization=org, provider="youtube", name="Acme Studio")
    url = reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}"
    # The page's language stays with the page (the test client shares this thread).
    with translation.override("en"):
        page = client_for(editor).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Visibilité" in page
    assert "Conçue pour les enfants" in page
    assert "Un JPEG ou PNG de 2 Mo au plus (1280x720 recommandé)." in page
