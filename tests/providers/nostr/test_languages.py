"""Nostr in the reader's language: a media server asking for payment is said in French
(its own words kept), and the connect form is French for a French reader."""

from django.utils import translation

from integrations.forms import CredentialForm
from integrations.providers.base import Phase
from integrations.providers.nostr import NostrProvider
from tests.providers.conftest import fixture_response
from tests.providers.languages import refused, said
from tests.providers.nostr.conftest import HERE


def test_a_media_server_asking_for_payment_is_said_in_french(httpserver):
    error = refused(
        NostrProvider(), httpserver, fixture_response(HERE, "nip96_payment"), phase=Phase.UPLOAD
    )

    with translation.override("fr"):
        assert said(error) == (
            "Le serveur de médias demande un paiement avant de stocker des fichiers (Payment "
            "required). Vérifiez votre compte sur ce serveur ou choisissez un autre serveur de "
            "médias pour ce canal."
        )


def test_the_connect_form_is_french():
    with translation.override("fr"):
        html = CredentialForm(fields=NostrProvider().credential_fields()).as_div()
    assert "Clé privée" in html
    assert "Une adresse de relais par ligne, par exemple wss://relay.damus.io." in html
    assert "Serveur de médias" in html
