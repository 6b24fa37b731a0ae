"""A French reader of Medium: its refusal of a token is kept as a Text and said in French
later; the composer's settings and the Channels page's note on Medium are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.medium.test_medium import TOKEN, provider, reply  # noqa: F401


def test_a_refused_token_is_kept_as_a_text_and_said_in_french(provider, httpserver):  # noqa: F811
    httpserver.expect_request("/v1/me").respond_with_response(reply("token_invalid"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"token": TOKEN})

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "issues no new tokens" in caught.value.user_message
    assert said_in_french(caught.value) == (
        fr(
            "Medium n'a pas accepté le jeton d'intégration (révoqué ou mal saisi). Medium "
            "n'émet plus de nouveaux jetons : seul un jeton créé avant la fermeture de son API "
            "peut se reconnecter."
        )
    )


def test_the_composer_and_the_channels_page_speak_french(
    org,
    owner,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="medium")
    client = client_for(french(owner))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = html.content.decode()
    assert "Sous-titre (affiché sous le titre)" in html
    assert "Adresse canonique (où il est paru en premier)" in html

    listing = client.get(reverse("integrations:list", args=[org.slug])).content.decode()
    assert fr("Medium ne maintient plus son API et n'émet plus de jetons d'intégration") in listing
