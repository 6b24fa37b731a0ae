"""A French reader of MeWe: a sign-in still waiting for approval is kept as a Text and said
in French later; the composer's settings and its live checks are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ProviderError
from tests.factories import ChannelFactory
from tests.providers.in_french import french, said_in_french  # noqa: F401
from tests.providers.mewe.conftest import reply


def test_a_pending_approval_is_kept_as_a_text_and_said_in_french(provider, httpserver):
    httpserver.expect_request("/api/dev/token").respond_with_response(reply("token_pending"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="lrt", redirect_uri="https://postiz.example/cb/")

    assert "still waiting for you to approve" in caught.value.user_message
    assert said_in_french(caught.value) == (
        "MeWe attend toujours que vous approuviez cette application. Approuvez-la dans "
        "MeWe, puis reconnectez-vous."
    )


def test_the_composer_shows_mewe_settings_and_checks_in_french(
    org,
    editor,
    client_for,
    french,  # noqa: F811
):
    channel = ChannelFactory(organization=org, provider="mewe")
    client = client_for(french(editor))

    html = client.get(reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}")
    html = html.content.decode()
    assert "Votre fil, ou un groupe dont vous êtes membre." in html
    assert "Groupe (pour publier dans un groupe)" in html

    answer = client.post(
        reverse("posts:composer_validate", args=[org.slug]),
        {
            "channels": [str(channel.pk)],
            "item-0-text": "Hello",
            "timezone": "Europe/Paris",
            f"s{channel.pk}-post_type": "group",
        },
    )
    assert "Choisissez le groupe MeWe où publier." in answer.content.decode()
