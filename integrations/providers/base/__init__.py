"""The parts every network is built from, and the ``Provider`` class that composes them.

Adding a network is writing one module, ``integrations/providers/<network>.py``, with only
what is particular to it, and naming it in ``PROVIDER_MODULES``:

1. **Declare it**: subclass ``Provider`` and set its class attributes (identifier,
   names, ``auth_kind``, ``text_limit`` and ``text_counter``, ``media_rules``,
   ``settings_fields``, ``endpoints``, ``idempotency`` and ``lookup``, ``tools``). The
   shared validator (``validation``) checks drafts against them; add a check of its own
   only for a rule no attribute says.
2. **Sign in**: ``oauth = OAuth2(client=(...), authorize=..., token=..., pkce=...)``
   (``auth``) gives the sign-in address, the code exchange and the refresh; override one
   step only where the network differs (a network that adds parameters of its own to
   the callback, as VK ID adds ``device_id``, names them in ``callback_params`` and
   receives them in ``exchange_code(callback=...)``). A form (app password, bot token,
   server and password) is ``credential_fields`` plus ``authenticate``. Then
   ``accounts`` and ``fetch_profile``.
3. **Send**: ``publish`` (and ``check_status``, ``find_existing``, ``recent_posts`` where
   the network allows), every call through ``self.request(method, url, phase=...)``: the
   ``Transport`` adds the SSRF guard, timeouts, redacted logs and the checkpoint before
   each COMMIT (which also marks the post as possibly sent). After a step before the
   commit (an upload session, a chunk), save its result with
   ``request.save_progress()``, never ``before_commit``: a crash there must resume the
   upload, not leave the post for a person to check. Wait for media with ``poll``;
   ``check_status`` raises the network's refusal with ``verdict=True``. Media the network
   takes long to prepare before the commit (a reel's container) is not waited for in
   ``publish`` past a short while: return a pending result whose handle is what to poll,
   with nothing published; ``check_status`` answers state "ready" once it is prepared
   (never committing itself), and the engine sends again at once, so ``publish`` resumes
   from its progress and commits through ``before_commit``.
4. **Say what its errors mean**: ``errors = ErrorTable(rows=(Rule(...), ...),
   read=read_error)`` (``classify``): a reader that, given an answer and its phase, finds
   the status, code and message in the network's error body, and rows from (status,
   code, pattern, phase) to an ``ErrorKind``. What the rows leave out falls to the mapping
   by status. A failure after the post may have gone out is ``SERVER_FAULT`` (unknown on
   the commit), never a retry.
5. **Test it** under ``tests/providers/<network>/`` against a local fake with the
   network's real answers, and record one error body per row of its table in
   ``fixtures/`` (``tests/providers/test_error_tables.py`` fails for a row none reaches).

The package re-exports every public name, so ``from integrations.providers.base import X``
works whichever module holds X:

- ``errors``: ErrorKind, Phase, ProviderError
- ``data``: Grant, Account, CredentialField, SettingField, Channel, MediaItem, RemoteRef,
  PublishRequest, PublishResult, DraftItem, Draft, Issue, MediaRules, Metrics,
  METRIC_NAMES
- ``classify``: ErrorTable, Rule, Said, SERVER_FAULT, SOME_CODE, NO_CODE, GENERIC,
  SERVER_ERROR, after_headers, said_or, classify (error classification as data)
- ``transport``: Transport (session, timeouts, SSRF guard, redacted logs, commit checkpoint)
- ``auth``: OAuth2, bearer, bot, token_credentials, require_scope
- ``validation``: the shared validator (check_text, check_media, check_settings)
- ``http``: USER_AGENT, TIMEOUT, UPLOAD_TIMEOUT, json_object, split_scopes, expiry_after,
  retry_after_seconds
- ``polling``: poll
- ``redaction``: RedactSecrets (the urllib3 log filter)
- ``tools``: Tool, ToolInput, ToolInputError, OptionSource (look-up tools a provider
  declares, and settings whose choices come from one)
- ``provider``: Provider
"""

from integrations.providers.base.auth import OAuth2, bearer, bot, require_scope, token_credentials
from integrations.providers.base.classify import (
    GENERIC,
    NO_CODE,
    SERVER_ERROR,
    SERVER_FAULT,
    SOME_CODE,
    ErrorTable,
    Rule,
    Said,
    after_headers,
    classify,
    said_or,
)
from integrations.providers.base.data import (
    METRIC_NAMES,
    Account,
    Channel,
    CredentialField,
    Draft,
    DraftItem,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    Metrics,
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
from integrations.providers.base.polling import poll
from integrations.providers.base.provider import Provider
from integrations.providers.base.redaction import RedactSecrets
from integrations.providers.base.tools import OptionSource, Tool, ToolInput, ToolInputError
from integrations.providers.base.transport import Transport, logger

__all__ = [
    "GENERIC",
    "METRIC_NAMES",
    "NO_CODE",
    "SERVER_ERROR",
    "SERVER_FAULT",
    "SOME_CODE",
    "TIMEOUT",
    "UPLOAD_TIMEOUT",
    "USER_AGENT",
    "Account",
    "Channel",
    "CredentialField",
    "Draft",
    "DraftItem",
    "ErrorKind",
    "ErrorTable",
    "Grant",
    "Issue",
    "MediaItem",
    "MediaRules",
    "Metrics",
    "OAuth2",
    "OptionSource",
    "Phase",
    "Provider",
    "ProviderError",
    "PublishRequest",
    "PublishResult",
    "RedactSecrets",
    "RemoteRef",
    "Rule",
    "Said",
    "SettingField",
    "Tool",
    "ToolInput",
    "ToolInputError",
    "Transport",
    "after_headers",
    "bearer",
    "bot",
    "classify",
    "expiry_after",
    "json_object",
    "logger",
    "poll",
    "require_scope",
    "retry_after_seconds",
    "said_or",
    "split_scopes",
    "token_credentials",
]
