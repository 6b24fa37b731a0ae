"""A French reader of Farcaster: a signer not approved yet (its state in Neynar's own word)
is kept as a Text and said in French later; the channel's preference, the composer's live
checks and the connect form are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.factories import ChannelFactory
from tests.providers.farcaster.conftest import API_KEY, KEY_HEADER, SIGNER, reply
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401


def test_a_pending_signer_is_kept_as_a_text_and_said_in_french(provider, httpserver):
    httpserver.expect_request(
        "/api/v2/farcaster/signer", query_string={"signer_uuid": SIGNER}, headers=KEY_HEADER
    ).respond_with_response(reply("signer_pending"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"api_key": API_KEY, "signer_uuid": SIGNER})

    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert caught.value.user_message.startswith("The signer is pending_approval, not approved")
    assert said_in_french(caught.value) == (
        fr(
            "Le signer est à l'état pending_approval, pas approuvé : ouvrez son lien "
            "d'approbation dans l'application Farcaster, puis reconnectez-vous."
        )
    )


def test_the_channel_and_the_composer_speak_french(org, owner, client_for, french):  # noqa: F811
    channel = ChannelFactory(organization=org, provider="farcaster")
    client = client_for(french(owner))

    detail = client.get(reverse("integrations:detail", args=[org.slug, channel.pk]))
    html = detail.content.decode()
    assert "Farcaster Pro (casts longs)" in html
    assert fr("Autoriser les casts jusqu'à 1\xa0024 octets.") in html

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "gm",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-channel_id": "Not A Channel!",
        },
    )
    assert (
        fr("Un identifiant de canal comporte jusqu'à 16 lettres minuscules, chiffres et tirets.")
    ) in answer.content.decode()

    form = client.get(reverse("integrations:connect", args=[org.slug, "farcaster"]))
    assert "UUID du signer" in form.content.decode()
