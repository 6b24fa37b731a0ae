"""The providers and rotate_encryption_keys commands."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from integrations import vault
from integrations.models import InstanceApp, Integration
from integrations.providers import provider_classes
from tests.factories import ChannelFactory


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_providers_prints_one_line_per_network_with_configuration(settings):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "X_CLIENT_ID": ""}
    lines = _run("providers").splitlines()
    assert len(lines) == len(provider_classes())
    x = next(line for line in lines if line.startswith("x "))
    assert "auth: oauth2+pkce" in x and "configured: no (set X_CLIENT_ID)" in x
    assert "refresh" in x and "idempotency=" in x
    bluesky = next(line for line in lines if line.startswith("bluesky "))
    assert "Bluesky" in bluesky and "configured: yes" in bluesky
    assert "limited" not in bluesky


def test_providers_says_skool_is_unofficial():
    lines = _run("providers").splitlines()
    skool = next(line for line in lines if line.startswith("skool "))
    assert "limited: Unofficial: Skool has no public API." in skool


def test_providers_says_why_a_network_is_limited():
    lines = _run("providers").splitlines()
    medium = next(line for line in lines if line.startswith("medium "))
    assert "limited: Medium no longer supports its API and issues no new integration tokens" in (
        medium
    )


def test_providers_says_mewe_is_a_closed_beta_and_which_settings_it_needs(settings):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "MEWE_APP_ID": "mewe-app-7f3a",
        "MEWE_API_KEY": "",
    }
    lines = _run("providers").splitlines()
    mewe = next(line for line in lines if line.startswith("mewe "))
    assert "limited: MeWe's developer program is a closed beta" in mewe
    assert "configured: no (set MEWE_API_KEY)" in mewe


def _raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rotate_re_encrypts_every_secret_with_the_new_key_and_is_safe_twice(org, settings):
    old_key = settings.POSTIZ_ENCRYPTION_KEYS[0]
    channel = ChannelFactory(
        organization=org,
        provider="x",
        external_id="1",
        name="X",
        credentials={"access_token": "secret-1"},
    )
    app = InstanceApp.objects.create(
        provider="mastodon",
        instance_url="https://social.example",
        redirect_uri="https://postiz.example/cb",
        client_id="id",
        client_secret={"client_secret": "secret-2"},
    )
    new_key = Fernet.generate_key().decode()
    settings.POSTIZ_ENCRYPTION_KEYS = [new_key, old_key]
    assert vault.needs_rotation(_raw("integrations_integration", "credentials", channel.pk))

    output = _run("rotate_encryption_keys")
    assert "2 row(s) re-encrypted in total." in output

    settings.POSTIZ_ENCRYPTION_KEYS = [new_key]  # the old key can go now
    assert Integration.objects.get(pk=channel.pk).credentials == {"access_token": "secret-1"}
    assert InstanceApp.objects.get(pk=app.pk).client_secret == {"client_secret": "secret-2"}
    assert "secret-1" not in _raw("integrations_integration", "credentials", channel.pk)
    assert "0 row(s) re-encrypted in total." in _run("rotate_encryption_keys")
