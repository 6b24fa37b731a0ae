"""The contract every network implements, and the shared HTTP and error machinery.

A provider is stateless apart from its HTTP session: it receives what it needs (a
``Channel`` with decrypted credentials, a ``PublishRequest``) and returns plain data
(``Grant``, ``Account``, ``PublishResult``) or raises ``ProviderError``. The services in
``integrations.services`` persist what it returns; providers never touch the database.

The package re-exports every public name, so ``from integrations.providers.base import X``
works whichever module holds X:

- ``errors``: ErrorKind, Phase, ProviderError
- ``data``: Grant, Account, CredentialField, SettingField, Channel, MediaItem, RemoteRef,
  PublishRequest, PublishResult, DraftItem, Draft, Issue, MediaRules
- ``http``: USER_AGENT, TIMEOUT, UPLOAD_TIMEOUT, json_object, split_scopes, expiry_after,
  retry_after_seconds
- ``redaction``: RedactSecrets (the urllib3 log filter)
- ``tools``: Tool, ToolInput, ToolInputError (look-up tools a provider declares)
- ``provider``: Provider
"""

from integrations.providers.base.data import (
    Account,
    Channel,
    CredentialField,
    Draft,
    DraftItem,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    PublishRequest,
    PublishResult,
    RemoteRef,
    SettingField,
)
from integrations.providers.base.errors import ErrorKind, Phase, ProviderError
from integrations.providers.base.http import (
    TIMEOUT,
    UPLOAD_TIMEOUT,
    USER_AGENT,
    expiry_after,
    json_object,
    retry_after_seconds,
    split_scopes,
)
from integrations.providers.base.provider import Provider, logger
from integrations.providers.base.redaction import RedactSecrets
from integrations.providers.base.tools import Tool, ToolInput, ToolInputError

__all__ = [
    "TIMEOUT",
    "UPLOAD_TIMEOUT",
    "USER_AGENT",
    "Account",
    "Channel",
    "CredentialField",
    "Draft",
    "DraftItem",
    "ErrorKind",
    "Grant",
    "Issue",
    "MediaItem",
    "MediaRules",
    "Phase",
    "Provider",
    "ProviderError",
    "PublishRequest",
    "PublishResult",
    "RedactSecrets",
    "RemoteRef",
    "SettingField",
    "Tool",
    "ToolInput",
    "ToolInputError",
    "expiry_after",
    "json_object",
    "logger",
    "retry_after_seconds",
    "split_scopes",
]
