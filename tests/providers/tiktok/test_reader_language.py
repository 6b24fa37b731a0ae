"""TikTok's refusals are kept as sentences each reader sees in their own language, and the
composer's TikTok settings are labelled in the person's language."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, Phase, ProviderError, PublishRequest
from organizations.texts import say
from tests.factories import ChannelFactory
from tests.posts.e2e.fakes import answer
from tests.providers.conftest import fixture_response
from tests.providers.tiktok.conftest import HERE
from tests.providers.tiktok.test_publish import CREATOR, SETTINGS, channel, video_file  # noqa: F401


def test_a_refusal_from_tiktoks_table_is_read_in_french_later(provider, httpserver):
    httpserver.expect_request("/api/probe").respond_with_response(
        fixture_response(HERE, "spam_risk_too_many_posts")
    )
    with pytest.raises(ProviderError) as caught:
        provider.request("POST", provider.url("api", "/probe"), phase=Phase.COMMIT)
    kept = json.loads(json.dumps(caught.value.text.stored()))
    with translation.override("fr"):
        assert say(kept) == (
            "Ce compte TikTok a atteint sa limite quotidienne de publications ; nous "
            "réessaierons demain."
        )
    assert caught.value.user_message == (
        "This TikTok account reached its daily post limit; we will try again tomorrow."
    )


def test_what_the_creators_options_refuse_at_publish_time_is_kept_whole_for_every_reader(
    provider,
    fake,
    channel,  # noqa: F811
):
    video, _ = video_file(1024)
    fake.on("POST", CREATOR, answer("tiktok", "creator_info_private"))
    settings = {**SETTINGS, "privacy_level": "PUBLIC_TO_EVERYONE", "duet": False, "stitch": False}
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p1", "x", [video], settings))
    error = caught.value
    assert error.kind == ErrorKind.CONTENT_REJECTED
    kept = json.loads(json.dumps(error.text.stored()))
    with translation.override("fr"):
        assert say(kept) == (
            "Ce compte TikTok ne peut pas publier pour tout le monde (PUBLIC_TO_EVERYONE) ; il "
            "permet : abonnés (FOLLOWER_OF_CREATOR), amis (MUTUAL_FOLLOW_FRIENDS), moi "
            "uniquement (SELF_ONLY). Les commentaires sont désactivés pour ce compte TikTok ; "
            "décochez « Autoriser les commentaires »."
        )
    assert error.user_message == (
        "This TikTok account cannot post for everyone (PUBLIC_TO_EVERYONE); it allows: "
        "followers (FOLLOWER_OF_CREATOR), friends (MUTUAL_FOLLOW_FRIENDS), only me "
        '(SELF_ONLY). Comments are turned off for this TikTok account; untick "Allow comments".'
    )


@pytest.mark.django_db
def test_the_composer_labels_tiktoks_settings_in_the_persons_language(org, editor, client_for):
    channel = ChannelFactory(  # noqa: F811
        organization=org,
        provider="tiktok",
        meta={"creator_info": {"privacy_level_options": ["FOLLOWER_OF_CREATOR", "SELF_ONLY"]}},
    )
    url = reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}"
    # The page's language stays with the page (the test client shares this thread).
    with translation.override("en"):
        page = client_for(editor).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Qui peut la voir" in page
    assert "Autoriser les duos" in page
    assert '<option value="SELF_ONLY">Moi uniquement (SELF_ONLY)</option>' in page
