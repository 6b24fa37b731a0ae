"""A French reader of Tumblr: a daily limit, written by a job in no one's language, is said
in French later (a whole sentence for each kind of limit); the composer's settings are
French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest
from tests.factories import ChannelFactory
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.tumblr.conftest import POSTS, reply


def test_the_daily_media_limit_is_kept_as_a_text_and_said_in_french(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("media_limit"))
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest(post_id="p1", key="k1", text="Lamp"))

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.user_message == (
        "The blog reached Tumblr's daily limit for media; we will try again tomorrow."
    )
    assert said_in_french(caught.value) == (
        "Le blog a atteint la limite quotidienne de médias de Tumblr ; nous réessaierons demain."
    )


def test_the_composer_shows_tumblr_settings_in_french(org, editor, client_for, french):  # noqa: F811
    channel = ChannelFactory(organization=org, provider="tumblr")
    page = client_for(french(editor)).get(
        reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}"
    )
    html = page.content.decode()
    assert "Affiché sous forme de carte de lien." in html
    assert "Cité comme source." in html
    assert fr("published : maintenant ; queue : dans la file d'attente du blog") in html
