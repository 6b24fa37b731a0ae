"""Google Business Profile's refusals are kept as sentences each reader sees in their own
language, and its settings and checks speak the person's language."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import Draft, DraftItem, Phase, ProviderError
from integrations.providers.gmb import GoogleBusinessProvider
from organizations.texts import say
from tests.factories import ChannelFactory
from tests.providers.conftest import fixture_response
from tests.providers.gmb.conftest import HERE


def test_a_project_without_access_is_explained_in_french(provider, httpserver):
    httpserver.expect_request("/api/probe").respond_with_response(
        fixture_response(HERE, "quota_zero")
    )
    with pytest.raises(ProviderError) as caught:
        provider.request("GET", provider.url("api", "/probe"), phase=Phase.READ)
    kept = json.loads(json.dumps(caught.value.text.stored()))
    with translation.override("fr"):
        assert say(kept).startswith(
            "Google Business Profile n\u2019a pas accordé l\u2019accès à ce serveur. Les API "
            "Google Business Profile doivent être approuvées"
        )
        assert say(kept).endswith("Rien n\u2019a été publié.")


def test_an_offer_without_dates_is_refused_in_spanish():
    draft = Draft([DraftItem("Sale")], {"topicType": "OFFER", "eventTitle": "Sale"})
    with translation.override("es"):
        messages = [i.message for i in GoogleBusinessProvider().validate(draft)]
    assert "Una oferta necesita una fecha de inicio y una de fin." in messages


@pytest.mark.django_db
def test_the_composer_labels_the_post_settings_in_french(org, editor, client_for):
    channel = ChannelFactory(organization=org, provider="gmb")
    url = reverse("posts:new", args=[org.slug]) + f"?channel={channel.pk}"
    # The page's language stays with the page (the test client shares this thread).
    with translation.override("en"):
        page = client_for(editor).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Type de publication" in page and "Code promo" in page
