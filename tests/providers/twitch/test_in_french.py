"""A French reader of Twitch: a chat message Twitch dropped is kept as a Text (its reason in
Twitch's own words) and said in French later; the composer's settings are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest
from tests.factories import ChannelFactory
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.twitch.conftest import MESSAGES, reply


def test_a_dropped_message_is_kept_as_a_text_and_said_in_french(provider, httpserver, channel):
    httpserver.expect_request(MESSAGES, method="POST").respond_with_response(
        reply("message_dropped")
    )
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", key="7c1d", text="Launch day"))

    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    english = caught.value.user_message
    assert english.startswith("Twitch did not send the message: ")
    reason = english.removeprefix("Twitch did not send the message: ")
    assert "identical to the previous one" in reason
    assert said_in_french(caught.value) == fr("Twitch n'a pas envoyé le message : ") + reason


def test_the_composer_shows_twitch_settings_in_french(org, editor, client_for, french):  # noqa: F811
    channel = ChannelFactory(organization=org, provider="twitch")
    page = client_for(french(editor)).get(
        reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}"
    )
    html = page.content.decode()
    assert fr("Couleur de l'annonce") in html
    assert fr("primary est la couleur d'accent du canal.") in html
