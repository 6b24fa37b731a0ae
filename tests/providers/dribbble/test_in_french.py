"""A French reader of Dribbble: a sign-in Dribbble no longer takes is kept as a Text and
said in French later; the composer's settings and its live checks are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.dribbble.conftest import reply
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401


def test_a_used_code_is_kept_as_a_text_and_said_in_french(provider, httpserver):
    httpserver.expect_request("/www/oauth/token", method="POST").respond_with_response(
        reply("invalid_grant")
    )
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="old", redirect_uri="https://app.example/cb/")

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert said_in_french(caught.value) == (
        fr("Dribbble n'accepte plus cette connexion ; reconnectez le compte.")
    )


def test_the_composer_shows_dribbble_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="dribbble")
    client = client_for(french(editor))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = html.content.decode()
    assert "12 au maximum, sans #." in html
    assert "Équipe (vide : votre profil)" in html

    tags = "\n".join(f"tag{n}" for n in range(13))
    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Launch day",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-title": "Launch day",
            f"s{channel.pk}-tags": tags,
        },
    )
    assert "Dribbble accepte 12 tags au maximum ; celle-ci en a 13." in answer.content.decode()
