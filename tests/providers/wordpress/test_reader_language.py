"""WordPress's refusals are kept as sentences each reader sees in their own language, and
its connect form and checks speak the person's language."""

import json

import pytest
from django.utils import translation

from integrations.forms import CredentialForm
from integrations.providers.base import Draft, DraftItem, ProviderError
from integrations.providers.wordpress import WordPressProvider
from organizations.texts import say
from tests.providers.wordpress.support import reply
from tests.providers.wordpress.test_publish import POSTS, request_for


def test_a_contributor_refused_publishing_reads_why_in_french(httpserver):
    from tests.providers.wordpress.support import wp_channel

    origin = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request(POSTS).respond_with_response(reply("cannot_publish", origin))
    with pytest.raises(ProviderError) as caught:
        WordPressProvider().publish(wp_channel(origin), request_for())
    kept = json.loads(json.dumps(caught.value.text.stored()))
    with translation.override("fr"):
        assert say(kept) == (
            "Cet utilisateur WordPress n\u2019a pas le droit de publier (Sorry, you are not "
            "allowed to publish posts in this post type.) ; choisissez draft ou pending, ou "
            "demandez le rôle Auteur ou supérieur."
        )


def test_the_connect_form_is_labelled_in_french():
    with translation.override("fr"):
        form = CredentialForm(fields=WordPressProvider().credential_fields())
        html = form.as_p()
    assert "Mot de passe d\u2019application" in html
    assert "Le nom avec lequel vous vous connectez." in html


def test_a_page_with_categories_is_refused_in_portuguese():
    draft = Draft([DraftItem("Text")], {"title": "About", "type": "page", "categories": ["News"]})
    with translation.override("pt-br"):
        messages = [i.message for i in WordPressProvider().validate(draft)]
    assert "Uma página do WordPress não tem categorias." in messages
