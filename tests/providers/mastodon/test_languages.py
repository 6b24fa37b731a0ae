# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Mastodon in the reader's language: an address that is no Mastodon server, and a
server's request to slow down, are said in French to a French reader."""

import pytest
from django.utils import translation

from integrations.providers.base import ProviderError
from integrations.providers.mastodon import MastodonProvider
from tests.providers.languages import refused, said
from tests.providers.mastodon.support import respond


def test_an_address_that_is_not_mastodon_is_said_in_french(httpserver):
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/api/v2/instance").respond_with_data("<html>Blog</html>")
    httpserver.expect_request("/api/v1/instance").respond_with_json({"hello": "world"})
    with pytest.raises(ProviderError) as caught:
        MastodonProvider().check_instance(base)

    with translation.override("fr"):
        assert said(caught.value) == (
            f"{base} ne ressemble pas à un serveur Mastodon. Vérifiez l’adresse du serveur où "
            "se trouve votre compte."
        )
    assert caught.value.user_message.startswith(f"{base} does not look like a Mastodon server")


def test_a_request_to_slow_down_is_said_in_french(httpserver):
    error = refused(MastodonProvider(), httpserver, respond("rate_limited"))

    with translation.override("fr"):
        assert said(error) == (
            "Mastodon nous demande de ralentir ; nous réessaierons une fois sa limite "
            "réinitialisée."
        )
