"""A French reader of dev.to: its refusal is kept as a Text and said in French later; the
composer's settings and its live checks are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.devto.test_devto import KEY, provider, reply  # noqa: F401
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401


def test_a_refused_key_is_kept_as_a_text_and_said_in_french(provider, httpserver):  # noqa: F811
    httpserver.expect_request("/api/users/me").respond_with_response(reply("unauthorized"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY})

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert caught.value.user_message.startswith("dev.to did not accept the API key")
    assert said_in_french(caught.value) == (
        fr(
            "dev.to n'a pas accepté la clé d'API ; créez-en une nouvelle sur "
            "dev.to/settings/extensions et reconnectez-vous."
        )
    )


def test_the_composer_shows_dev_to_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="devto")
    client = client_for(french(editor))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = html.content.decode()
    assert fr("Description (l'extrait affiché dans les listes)") in html
    assert "Publier (désactivé : enregistrer comme brouillon)" in html

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Launch day",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-title": "Launch day",
            f"s{channel.pk}-tags": "python\nweb\ndjango\nrelease\nnews",
        },
    )
    assert "dev.to accepte 4 tags ; celle-ci en a 5." in answer.content.decode()
