"""A French reader of Skool: a community the session cannot see is kept as a Text (its
address as typed) and said in French later; the connect form, its note on why Skool is
unofficial and its cookie fields are French."""

import pytest
from django.urls import reverse
from django.utils import translation

from integrations.providers.base import ErrorKind, ProviderError
from tests.providers.in_french import fr, french, said_in_french  # noqa: F401
from tests.providers.skool.test_skool import TOKEN, provider, reply  # noqa: F401


def test_an_unseen_community_is_kept_as_a_text_and_said_in_french(provider, httpserver):  # noqa: F811
    httpserver.expect_request("/www/acme-makers").respond_with_response(
        reply("community_page_without_group")
    )
    with translation.override("en"), pytest.raises(ProviderError) as caught:
        provider.authenticate({"community": "acme-makers", "auth_token": TOKEN})

    assert caught.value.kind == ErrorKind.NOT_FOUND
    assert "skool.com/acme-makers" in caught.value.user_message
    assert said_in_french(caught.value) == (
        fr(
            "Skool n'a montré aucune communauté à l'adresse skool.com/acme-makers à cette "
            "session : vérifiez l'adresse, et que le compte en est membre."
        )
    )


def test_the_connect_form_says_in_french_that_skool_is_unofficial(
    org,
    owner,
    client_for,
    french,  # noqa: F811
):
    form = client_for(french(owner)).get(reverse("integrations:connect", args=[org.slug, "skool"]))
    html = form.content.decode()
    assert fr("Non officiel : Skool n'a pas d'API publique.") in html
    assert "Cookie auth_token (non officiel)" in html
    assert "Collez" not in html  # nothing refused yet
