"""A French reader of VK: a sign-in refused while connecting is kept as a Text and said in
French later; the Channels page says in French why VK is limited."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.vk.conftest import DEVICE, reply


def test_a_sign_in_without_the_wall_is_kept_as_a_text_and_said_in_french(provider, httpserver):
    httpserver.expect_request("/id/oauth2/auth").respond_with_response(reply("token_no_wall"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.exchange_code(
            code="c", redirect_uri="https://x/cb/", callback={"device_id": DEVICE}
        )

    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert caught.value.user_message == (
        "VK was not allowed to post on walls; connect again and allow it."
    )
    assert said_in_french(caught.value) == (
        fr(
            "VK n'a pas reçu l'autorisation de publier sur les murs ; reconnectez-vous et "
            "autorisez-la."
        )
    )


def test_the_channels_page_says_why_vk_is_limited_in_french(org, owner, client_for, french):  # noqa: F811
    listing = client_for(french(owner)).get(reverse("integrations:list", args=[org.slug]))
    assert (
        fr(
            "La documentation de VK n'autorise wall.post avec un jeton utilisateur que depuis une "
            "application Standalone (Implicit Flow)"
        )
    ) in listing.content.decode()
