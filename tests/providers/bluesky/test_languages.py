# French writes its apostrophe as U+2019, as the catalogs do.
# ruff: noqa: RUF001
"""Bluesky in the reader's language: a refused sign-in is said in French, and the connect
form and the channel's preference are French for a French reader."""

import pytest
from django.utils import translation

from integrations.forms import CredentialForm, PreferencesForm
from integrations.providers.base import ProviderError
from integrations.providers.bluesky import BlueskyProvider
from tests.providers.bluesky.support import respond
from tests.providers.languages import said


def test_a_refused_app_password_is_said_in_french(httpserver):
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        respond("authentication_required")
    )
    with pytest.raises(ProviderError) as caught:
        BlueskyProvider().authenticate(
            {"service": httpserver.url_for(""), "identifier": "alice.test", "app_password": "x"}
        )

    with translation.override("fr"):
        assert said(caught.value) == (
            "Bluesky a refusé l’identifiant ou le mot de passe d’application. Vérifiez "
            "l’identifiant, créez un nouveau mot de passe d’application dans les paramètres de "
            "Bluesky et connectez-vous à nouveau."
        )


def test_the_connect_form_and_the_preference_are_french():
    with translation.override("fr"):
        connect = CredentialForm(fields=BlueskyProvider().credential_fields()).as_div()
        preferences = PreferencesForm(specs=BlueskyProvider.preference_fields).as_div()
    assert "Mot de passe d’application" in connect
    assert "Identifiant ou DID" in connect
    assert "N’utilisez jamais votre mot de passe principal." in connect
    assert "Application web" in preferences
