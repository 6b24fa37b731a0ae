"""Encryption at rest for channel credentials (tokens, app passwords, bot tokens, keys).

Keys come from POSTIZ_ENCRYPTION_KEYS: the first encrypts, every one decrypts, so a new key
is put first and ``manage.py rotate_encryption_keys`` re-encrypts the old rows with it.
Every process on every host must hold the same keys: ``credentials_report`` tells /health,
and ``credentials_log`` the log as each process starts, whether this process's keys read
what is stored, so a key that differs shows at once, not as failed posts later.
"""

from __future__ import annotations

import json
import logging
import threading
import time

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import DatabaseError, connection, models

logger = logging.getLogger("postiz.vault")

# The credentials check reads one row per encrypted field and decrypts it: done again at
# most this often per process (or at once when the keys change).
CREDENTIALS_CHECK_SECONDS = 60.0
UNREADABLE = (
    "POSTIZ_ENCRYPTION_KEYS here cannot decrypt the stored credentials: every web, "
    "publisher and worker process must be given the same keys as the process that wrote them"
)
_credentials_seen: tuple[float, tuple, dict] | None = None


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


def stored_secrets_readable() -> dict:
    """Whether this process's keys decrypt what is stored: the newest value of every
    encrypted field (channel credentials, instance apps, webhook secrets), one query in
    all, each read by its primary key index. Returns ``{"ok", "checked", "unreadable"}``,
    ``unreadable`` naming the fields (never a value). Raises DatabaseError."""
    from django.apps import apps

    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedJSONField)
    ]
    if not fields:
        return {"ok": True, "checked": 0, "unreadable": []}
    quote = connection.ops.quote_name
    # Only the models' own table and column names, quoted, are formatted in.
    newest = " UNION ALL ".join(
        f"(SELECT %s, {quote(field.column)} FROM {quote(model._meta.db_table)} "  # noqa: S608
        f"WHERE {quote(field.column)} <> '' ORDER BY {quote(model._meta.pk.column)} DESC LIMIT 1)"
        for model, field in fields
    )
    with connection.cursor() as cursor:
        cursor.execute(newest, [f"{model._meta.label}.{field.name}" for model, field in fields])
        rows = cursor.fetchall()
    unreadable = []
    for label, token in rows:
        try:
            _fernet().decrypt(token.encode())
        except InvalidToken:
            unreadable.append(label)
    return {"ok": not unreadable, "checked": len(rows), "unreadable": sorted(unreadable)}


def credentials_report() -> dict:
    """Any process (/health): whether its keys read the stored credentials, as
    ``{"ok", "checked"}`` plus ``unreadable`` and ``error`` when not; asked of the
    database at most every CREDENTIALS_CHECK_SECONDS. Raises DatabaseError."""
    global _credentials_seen
    keys = tuple(settings.POSTIZ_ENCRYPTION_KEYS)
    now = time.monotonic()
    if _credentials_seen and _credentials_seen[1] == keys and now < _credentials_seen[0]:
        return _credentials_seen[2]
    found = stored_secrets_readable()
    report = {"ok": found["ok"], "checked": found["checked"]}
    if not found["ok"]:
        report.update(unreadable=found["unreadable"], error=UNREADABLE)
    _credentials_seen = (now + CREDENTIALS_CHECK_SECONDS, keys, report)
    return report


def credentials_log(process: str) -> bool:
    """A process calls this as it starts: logs an error when its keys cannot read the
    stored credentials (a warning when the database cannot be asked yet). Returns
    whether they can."""
    try:
        report = credentials_report()
    except DatabaseError as error:
        logger.warning("%s: could not check the stored credentials yet: %s", process, error)
        return False
    if not report["ok"]:
        logger.error(
            "%s: %s (unreadable: %s). Posts to those channels would fail.",
            process,
            report["error"],
            ", ".join(report["unreadable"]),
        )
    return shared_secrets_log(process) and report["ok"]


def shared_secrets_log(process: str) -> bool:
    """The other secrets every process must share, checked as a process starts: the API
    key pepper (against the stored keys) and SECRET_KEY (against the background
    processes' last heartbeats). Logs an error for each that differs; returns whether
    none does."""
    from organizations.selectors import api_keys_pepper_report
    from postiz.models import OTHER_SIGNING_KEY, WorkerHeartbeat

    keys = api_keys_pepper_report()
    if not keys["ok"]:
        logger.error("%s: %s (%d keys).", process, keys["error"], keys["refused"])
    others = WorkerHeartbeat.other_secret_keys(
        [name for name in ("worker", "publisher") if name != process]
    )
    for name in others:
        logger.error("%s: the %s %s.", process, name, OTHER_SIGNING_KEY)
    return keys["ok"] and not others


def credentials_log_soon(process: str) -> threading.Thread:
    """``credentials_log`` on a thread (and connection) of its own, so a process whose
    database is slow to answer starts all the same; returns the started thread."""

    def check() -> None:
        try:
            credentials_log(process)
        except Exception as error:  # a check that cannot run never takes its process down
            logger.warning("%s: could not check the stored credentials: %s", process, error)
        finally:
            connection.close()

    thread = threading.Thread(target=check, name="credentials-check", daemon=True)
    thread.start()
    return thread


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
