"""A French reader of Hashnode: its refusal, written by a job in no one's language, is said
in French later; the composer's settings, its live checks and the connect form are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.hashnode.test_hashnode import TOKEN, provider, reply  # noqa: F401
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401


def test_a_refused_token_is_kept_as_a_text_and_said_in_french(provider, httpserver):  # noqa: F811
    httpserver.expect_request("/gql/").respond_with_response(reply("unauthenticated"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"token": TOKEN})

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert caught.value.user_message.startswith("Hashnode did not accept the Personal Access")
    assert said_in_french(caught.value) == (
        fr(
            "Hashnode n'a pas accepté le jeton d'accès personnel (Personal Access Token) ; "
            "créez-en un nouveau dans Account Settings → Developer de Hashnode, puis "
            "reconnectez-vous."
        )
    )


def test_the_composer_shows_hashnode_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="hashnode")
    client = client_for(french(editor))

    page = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = page.content.decode()
    assert fr("Adresse de l'image de couverture") in html
    assert fr("Adresse de l'article d'origine (canonique)") in html
    assert "15 au maximum." in html

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Launch day",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-title": "Hi",
        },
    )
    assert "Les titres Hashnode doivent comporter au moins 6 caractères." in answer.content.decode()


def test_the_connect_form_asks_for_the_token_in_french(org, owner, client_for, french):  # noqa: F811
    page = client_for(french(owner)).get(
        reverse("integrations:connect", args=[org.slug, "hashnode"])
    )
    html = page.content.decode()
    assert fr("Jeton d'accès personnel (Personal Access Token)") in html
    assert "Créez-en un sur hashnode.com/settings/developer." in html
