"""A French reader of Moltbook: its refusal of a key, and a post held for its verification
challenge (the challenge kept in Moltbook's own words), are kept as Texts and said in French
later; the composer's settings and its live checks are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.moltbook.test_moltbook import (  # noqa: F401
    KEY,
    POST,
    channel,
    post_request,
    provider,
    reply,
)


def test_a_refused_key_is_kept_as_a_text_and_said_in_french(provider, httpserver):  # noqa: F811
    httpserver.expect_request("/api/v1/agents/me").respond_with_response(reply("invalid_key"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": KEY})

    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert said_in_french(caught.value) == (
        fr(
            "Moltbook n'a pas accepté la clé d'API (renouvelée depuis le tableau de bord du "
            "propriétaire, ou mal saisie). Collez la clé actuelle de l'agent et reconnectez-vous."
        )
    )


def test_a_held_post_says_its_challenge_in_french_keeping_moltbooks_words(
    provider,  # noqa: F811
    httpserver,
    channel,  # noqa: F811
):
    httpserver.expect_request("/api/v1/posts", method="POST").respond_with_response(
        reply("post_held_for_verification")
    )
    result = provider.publish(channel, post_request())
    httpserver.expect_request(f"/api/v1/posts/{POST}", method="GET").respond_with_response(
        reply("post_pending")
    )
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.check_status(channel, result.handle)

    french_text = said_in_french(caught.value)
    assert french_text.startswith(
        fr(
            "Moltbook retient cette publication jusqu'à ce que son défi de vérification reçoive "
            "une réponse (avant "
        )
    )
    assert "lO^bSt-Er" in french_text  # the challenge, as Moltbook wrote it
    assert fr("Répondez avec l'outil verify du canal, verification_code moltbook_verify_") in (
        french_text
    )


def test_the_composer_shows_moltbook_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    moltbook = ChannelFactory(organization=org, provider="moltbook")
    client = client_for(french(editor))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={moltbook.pk}")
    assert "Lien (en fait une publication de lien)" in html.content.decode()

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(moltbook.pk)],
            "item-0-text": "Launch day",
            "timezone": "Europe/Paris",
            f"s{moltbook.pk}-title": "Launch day",
            f"s{moltbook.pk}-submolt": "not a name!",
        },
    )
    assert "Un submolt se désigne par son nom court" in answer.content.decode()
