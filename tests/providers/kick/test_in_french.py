"""A French reader of Kick: a message Kick held back is kept as a Text and said in French
later; the composer's settings are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest
from tests.factories import ChannelFactory
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.kick.conftest import CHAT, reply


def test_a_message_not_sent_is_kept_as_a_text_and_said_in_french(provider, httpserver, channel):
    httpserver.expect_request(CHAT, method="POST").respond_with_response(reply("message_not_sent"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", key="7c1d", text="Launch day"))

    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.user_message == (
        "Kick did not send the message (its chat settings or moderation held it)."
    )
    assert said_in_french(caught.value) == (
        fr("Kick n'a pas envoyé le message (les réglages du chat ou la modération l'ont retenu).")
    )


def test_the_composer_shows_kick_settings_in_french(org, editor, client_for, french):  # noqa: F811
    channel = ChannelFactory(organization=org, provider="kick")
    page = client_for(french(editor)).get(
        reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}"
    )
    html = page.content.decode()
    assert "Envoyer en tant que" in html
    assert fr("bot : en tant que compte bot de l'application") in html
