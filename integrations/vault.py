"""Encryption at rest for channel credentials (tokens, app passwords, bot tokens, keys).

Keys come from POSTIZ_ENCRYPTION_KEYS: the first encrypts, every one decrypts, so a new key
is put first and ``manage.py rotate_encryption_keys`` re-encrypts the old rows with it.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


class VaultError(Exception):
    """A stored secret could not be decrypted with any configured key."""


_cache: dict[tuple[str, ...], MultiFernet] = {}


def _fernet() -> MultiFernet:
    keys = tuple(settings.POSTIZ_ENCRYPTION_KEYS)
    if not keys:
        raise VaultError("POSTIZ_ENCRYPTION_KEYS is empty; set at least one Fernet key.")
    if keys not in _cache:
        _cache[keys] = MultiFernet([Fernet(key.encode()) for key in keys])
    return _cache[keys]


def encrypt(data: dict) -> str:
    return _fernet().encrypt(json.dumps(data, separators=(",", ":")).encode()).decode()


def decrypt(token: str) -> dict:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise VaultError(
            "A stored secret could not be decrypted: its key is no longer in "
            "POSTIZ_ENCRYPTION_KEYS."
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt with the first (newest) key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise VaultError("A stored secret could not be decrypted for rotation.") from None


def needs_rotation(token: str) -> bool:
    primary = Fernet(settings.POSTIZ_ENCRYPTION_KEYS[0].encode())
    try:
        primary.decrypt(token.encode())
    except InvalidToken:
        return True
    return False


class Secrets(dict):
    """A dict of secrets that never shows its values when printed, logged or rendered."""

    def __repr__(self):
        return f"<secrets: {', '.join(sorted(self)) or 'none'} (hidden)>"

    __str__ = __repr__


class EncryptedJSONField(models.TextField):
    """A JSON object stored as a Fernet token; reads give ``Secrets``."""

    description = "Encrypted JSON object"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return Secrets()
        return Secrets(decrypt(value))

    def to_python(self, value):
        if isinstance(value, dict):
            return Secrets(value)
        if value in (None, ""):
            return Secrets()
        return Secrets(decrypt(value))

    def get_prep_value(self, value):
        if value is None:
            value = {}
        return encrypt(dict(value))

    def value_to_string(self, obj):
        # Serialization (dumpdata) keeps the ciphertext, never the plaintext.
        return self.get_prep_value(self.value_from_object(obj))
