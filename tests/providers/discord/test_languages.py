"""Discord in the reader's language: an app-wide rate limit is said in French, and the
webhook's connect form and preferences are French for a French reader."""

from django.utils import translation

from integrations.forms import CredentialForm, PreferencesForm
from integrations.providers.discord import DiscordWebhookProvider
from tests.providers.conftest import fixture_response
from tests.providers.discord.test_classifier import HERE
from tests.providers.languages import refused, said


def test_an_app_wide_rate_limit_is_said_in_french(httpserver):
    error = refused(
        DiscordWebhookProvider(), httpserver, fixture_response(HERE, "rate_limited_global")
    )

    with translation.override("fr"):
        assert said(error) == "Discord limite toutes les requêtes ; nous réessaierons sous peu."
    with translation.override("de"):
        assert said(error) == "Discord drosselt alle Anfragen; wir versuchen es in Kürze erneut."


def test_the_webhook_connect_form_is_french():
    with translation.override("fr"):
        html = CredentialForm(fields=DiscordWebhookProvider().credential_fields()).as_div()
    assert "URL du webhook" in html
    assert "Dans Discord : Paramètres du salon → Intégrations → Webhooks" in html


def test_the_webhooks_preferences_are_french_in_the_channel_form():
    with translation.override("fr"):
        html = PreferencesForm(specs=DiscordWebhookProvider.preference_fields).as_div()
    assert "Nom affiché" in html
    assert "Publier dans ce fil du salon du webhook." in html
