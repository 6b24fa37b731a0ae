"""A French reader of beehiiv: its refusal of a key is kept as a Text and said in French
later; the composer's settings and its live checks are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.beehiiv.conftest import reply
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401


def test_a_refused_key_is_kept_as_a_text_and_said_in_french(provider, httpserver):
    httpserver.expect_request("/api/v2/publications").respond_with_response(reply("unauthorized"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": "nope"})

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert caught.value.user_message.startswith("beehiiv did not accept the API key")
    assert said_in_french(caught.value) == (
        fr(
            "beehiiv n'a pas accepté la clé d'API (révoquée ou mal saisie) ; créez-en une "
            "nouvelle dans Settings → API de beehiiv, puis reconnectez-vous."
        )
    )


def test_the_composer_shows_beehiiv_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="beehiiv")
    client = client_for(french(editor))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = html.content.decode()
    assert fr("Publier à (beehiiv l'envoie à ce moment)") in html
    assert "Qui la reçoit, sur le web et par e-mail." in html

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Launch day",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-title": "Launch day",
            f"s{channel.pk}-scheduled_at": "tomorrow morning",
        },
    )
    assert (
        "scheduled_at doit être une heure ISO 8601 avec son décalage, par ex. "
        "2026-12-24T09:00:00+01:00."
    ) in answer.content.decode()
