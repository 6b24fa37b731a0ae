import pytest
from cryptography.fernet import Fernet
from django.db import connection

from integrations.models import Integration
from integrations.vault import Secrets, VaultError
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

SECRET = "xoxb-very-secret-bot-token"


def _raw_credentials(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_integration WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _channel(org):
    return ChannelFactory(organization=org, provider="slack", credentials={"access_token": SECRET})


def test_credentials_are_stored_encrypted_and_read_back(org):
    channel = _channel(org)
    raw = _raw_credentials(channel.pk)
    assert SECRET not in raw
    assert raw.startswith("gAAAA")  # a Fernet token
    assert Integration.objects.get(pk=channel.pk).credentials["access_token"] == SECRET


def test_credentials_never_show_their_values_when_printed(org):
    channel = Integration.objects.get(pk=_channel(org).pk)
    assert isinstance(channel.credentials, Secrets)
    assert SECRET not in repr(channel.credentials)
    assert SECRET not in str(channel.credentials)
    assert SECRET not in f"{channel.credentials}"


def test_an_old_key_still_decrypts_after_a_new_key_is_put_first(org, settings):
    channel = _channel(org)
    settings.POSTIZ_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.POSTIZ_ENCRYPTION_KEYS,
    ]
    assert Integration.objects.get(pk=channel.pk).credentials["access_token"] == SECRET


def test_a_secret_whose_key_was_removed_fails_loudly(org, settings):
    channel = _channel(org)
    settings.POSTIZ_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(VaultError, match="POSTIZ_ENCRYPTION_KEYS"):
        Integration.objects.get(pk=channel.pk)
