"""A French reader of Whop: its refusal of a key is kept as a Text and said in French later;
the composer's settings and its live checks are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.whop.test_whop import COMPANY, KEY, provider, reply  # noqa: F401


def test_a_refused_key_is_kept_as_a_text_and_said_in_french(provider, httpserver):  # noqa: F811
    httpserver.expect_request(f"/api/v1/companies/{COMPANY}").respond_with_response(
        reply("unauthorized")
    )
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY, "company_id": COMPANY})

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "Make a new company API key" in caught.value.user_message
    assert said_in_french(caught.value) == (
        fr(
            "Whop n'a pas accepté la clé d'API (supprimée, renouvelée ou mal saisie). Créez une "
            "nouvelle clé d'API d'entreprise dans le tableau de bord Whop (Developer) et "
            "reconnectez-vous."
        )
    )


def test_the_composer_shows_whop_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="whop")
    client = client_for(french(editor))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = html.content.decode()
    assert "Expérience (un forum ou un chat)" in html
    assert "Notifier les membres (publications de forum)" in html

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Launch day",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-kind": "chat",
            f"s{channel.pk}-title": "Launch day",
        },
    )
    assert (
        fr("Un titre est réservé aux publications de forum ; un message de chat n'en a pas.")
    ) in answer.content.decode()
