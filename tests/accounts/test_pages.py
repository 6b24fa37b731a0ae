"""allauth's pages keep allauth's behaviour but wear the product's layout."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from tests.accounts.conftest import login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ENTRANCE = '<main id="main" class="page-narrow card entrance"'
SETTINGS = '<main id="main" class="page page-settings"'
STYLESHEET = '<link rel="stylesheet" href="/static/css/app.css">'

CONFIGURED_PROVIDERS = {
    "google": {"APPS": [{"client_id": "google-id", "secret": "google-secret"}]},
    "github": {"APPS": [{"client_id": "github-id", "secret": "github-secret"}]},
    "openid_connect": {
        "APPS": [
            {
                "provider_id": "oidc",
                "name": "Company SSO",
                "client_id": "oidc-id",
                "secret": "oidc-secret",
                "settings": {"server_url": "https://sso.example.com"},
            }
        ]
    },
}


def _html(response, status=200) -> str:
    assert response.status_code == status, response
    return response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        reverse("account_reset_password_done"),
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}),
        reverse("account_reset_password_from_key_done"),
        reverse("account_email_verification_sent"),
        reverse("account_confirm_email", kwargs={"key": "not-a-key"}),
        reverse("account_inactive"),
        reverse("socialaccount_login_cancelled"),
        (reverse("socialaccount_login_error"), 401),
    ],
)
def test_entrance_pages_are_one_card_in_the_product_layout(client, path):
    path, status = path if isinstance(path, tuple) else (path, 200)
    html = _html(client.get(path), status)

    assert STYLESHEET in html
    assert ENTRANCE in html
    assert 'class="brand"' in html  # the product's top bar from base.html
    assert "<h1>" in html


def test_closed_signup_page_uses_the_entrance_layout(client, settings):
    settings.POSTIZ_DISABLE_SIGNUP = True

    html = _html(client.get(reverse("account_signup")))

    assert ENTRANCE in html
    assert "Sign-up is closed" in html
    assert f'href="{reverse("account_login")}"' in html


def test_login_form_renders_with_the_products_form_markup(client):
    html = _html(client.get(reverse("account_login")))

    assert '<label for="id_login">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert '<div class="field checkbox">' in html
    assert '<button class="button" type="submit">' in html
    assert '<div class="form-actions">' in html


def test_form_errors_use_the_errorlist_style(client):
    UserFactory(email="grace@example.com")

    html = _html(login(client, "grace@example.com", "wrong password"))

    assert '<ul class="errorlist nonfield">' in html


@pytest.mark.parametrize(
    "name",
    [
        "profile",
        "account_change_password",
        "account_email",
        "account_logout",
        "mfa_index",
    ],
)
def test_settings_pages_share_the_settings_layout_and_tabs(client_for, name):
    html = _html(client_for(UserFactory()).get(reverse(name)))

    assert STYLESHEET in html
    assert SETTINGS in html
    assert '<nav class="settings-nav" aria-label="Account settings">' in html
    assert f'<a href="{reverse(name)}" aria-current="page">' in html or name == "account_logout"


def test_set_password_page_is_offered_to_people_without_a_password(client_for):
    user = UserFactory()
    user.set_unusable_password()
    user.save()

    html = _html(client_for(user).get(reverse("account_set_password")))

    assert SETTINGS in html
    assert f'<a href="{reverse("account_change_password")}" aria-current="page">' in html


def test_email_page_shows_addresses_with_badges_and_styled_buttons(client_for):
    user = UserFactory(email="grace@example.com")

    html = _html(client_for(user).get(reverse("account_email")))

    assert "grace@example.com" in html
    assert '<span class="badge badge-success">' in html
    assert '<button class="button button-danger" type="submit" name="action_remove">' in html
    assert '<button class="button button-secondary" type="submit" name="action_send">' in html


def test_reauthenticate_page_is_an_entrance_card(client):
    login(client, UserFactory(email="grace@example.com").email)

    html = _html(client.get(reverse("account_reauthenticate")))

    assert ENTRANCE in html


def test_mfa_pages_render_in_the_product_layout(client):
    user = UserFactory(email="grace@example.com")
    login(client, user.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    activate = _html(client.get(reverse("mfa_activate_totp")))
    assert SETTINGS in activate
    assert 'class="qr-code"' in activate
    assert '<label for="authenticator_secret">' in activate

    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    index = _html(client.get(reverse("mfa_index")))
    assert '<section class="card panel">' in index
    assert '<a class="button button-danger" href="/accounts/2fa/totp/deactivate/">' in index
    deactivate = _html(client.get(reverse("mfa_deactivate_totp")))
    assert SETTINGS in deactivate
    codes = _html(client.get(reverse("mfa_view_recovery_codes")))
    assert '<textarea class="mono" id="recovery_codes"' in codes
    assert '<label for="recovery_codes">' in codes
    assert SETTINGS in _html(client.get(reverse("mfa_generate_recovery_codes")))

    client.post(reverse("account_logout"))
    login(client, user.email)
    stage = _html(client.get(reverse("mfa_authenticate")))
    assert ENTRANCE in stage
    assert '<button class="button button-secondary" type="submit" form="logout-from-stage">' in (
        stage
    )


def test_social_login_buttons_are_hidden_when_no_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}

    for name in ["account_login", "account_signup"]:
        html = _html(client.get(reverse(name)))
        assert "provider-list" not in html
        assert "Or use a third-party" not in html
        assert "/accounts/github/login/" not in html


def test_social_login_buttons_appear_for_configured_providers_only(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": CONFIGURED_PROVIDERS["github"]}

    html = _html(client.get(reverse("account_login")))

    assert '<ul class="provider-list">' in html
    assert (
        '<a class="button button-secondary provider" data-provider="github" '
        'href="/accounts/github/login/?process=login">GitHub</a>'
    ) in html
    assert "/accounts/google/login/" not in html
    assert "/accounts/oidc/" not in html


def test_every_configured_provider_gets_a_button_on_login_and_signup(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = CONFIGURED_PROVIDERS

    for name in ["account_login", "account_signup"]:
        html = _html(client.get(reverse(name)))
        assert 'href="/accounts/github/login/?process=login">GitHub</a>' in html
        assert 'href="/accounts/google/login/?process=login">Google</a>' in html
        assert 'href="/accounts/oidc/oidc/login/?process=login">Company SSO</a>' in html


def test_connected_accounts_page_offers_configured_providers(client_for, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": CONFIGURED_PROVIDERS["github"]}

    html = _html(client_for(UserFactory()).get(reverse("socialaccount_connections")))

    assert SETTINGS in html
    assert f'<a href="{reverse("socialaccount_connections")}" aria-current="page">' in html
    assert 'href="/accounts/github/login/?process=connect">GitHub</a>' in html


_PROVIDER_VARIABLES = [
    f"{prefix}_{suffix}"
    for prefix in ("GOOGLE", "GITHUB")
    for suffix in ("CLIENT_ID", "CLIENT_SECRET")
] + ["OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_SERVER_URL", "OIDC_NAME"]


def _providers_from_settings(**variables) -> list[str]:
    """SOCIALACCOUNT_PROVIDERS as postiz/settings.py builds it from these variables."""
    env = {
        **os.environ,
        # Empty, not absent, so a local .env file cannot fill them in.
        **dict.fromkeys(_PROVIDER_VARIABLES, ""),
        # A URL is enough to skip starting the embedded database; nothing connects.
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "SECRET_KEY": "test-only",
        **variables,
    }
    script = (
        "from postiz import settings\nprint(','.join(sorted(settings.SOCIALACCOUNT_PROVIDERS)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_settings_configure_a_provider_only_when_its_id_and_secret_are_set():
    assert _providers_from_settings() == []
    assert _providers_from_settings(GITHUB_CLIENT_ID="id") == []
    assert _providers_from_settings(GITHUB_CLIENT_ID="id", GITHUB_CLIENT_SECRET="s") == ["github"]
    assert _providers_from_settings(
        GOOGLE_CLIENT_ID="id",
        GOOGLE_CLIENT_SECRET="s",
        OIDC_CLIENT_ID="id",
        OIDC_CLIENT_SECRET="s",
    ) == ["google"]
    assert _providers_from_settings(
        OIDC_CLIENT_ID="id", OIDC_CLIENT_SECRET="s", OIDC_SERVER_URL="https://sso.example.com"
    ) == ["openid_connect"]
