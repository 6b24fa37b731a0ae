"""How a provider failure is described: its kind, the phase it happened in, and the error.

The publishing engine decides what to do from ``ErrorKind`` and ``Phase`` (retry, refresh,
reconcile, or ask the person to edit); ``ProviderError.user_message`` is shown as is.
"""

from __future__ import annotations

from enum import StrEnum

from organizations.texts import Text


# -- Errors -------------------------------------------------------------------------------
class ErrorKind(StrEnum):
    AUTH_EXPIRED = "auth_expired"  # renewable: refresh once, then retry
    AUTH_REVOKED = "auth_revoked"  # grant gone: channel needs reconnecting
    RATE_LIMITED = "rate_limited"  # not applied: retry after retry_after
    TRANSIENT_BEFORE_SEND = "transient_before_send"  # never reached the network: retry
    UNKNOWN_OUTCOME = "unknown_outcome"  # commit sent, result unknown: reconcile, never blind
    CONTENT_REJECTED = "content_rejected"  # permanent: the user must edit the post
    PERMISSION_DENIED = "permission_denied"  # scope, role or app approval missing
    NOT_FOUND = "not_found"  # target gone


class Phase(StrEnum):
    AUTH = "auth"  # login, code exchange, refresh
    READ = "read"  # profile, account lists, lookups, status polls
    UPLOAD = "upload"  # steps before the commit; safe to run again
    COMMIT = "commit"  # the call that makes the post public


class ProviderError(Exception):
    """A classified failure; ``user_message`` is shown to people as is.

    The message may be an ``organizations.texts.Text``: ``user_message`` is then its
    rendering in the language active when raised (the page's, or English in a job), and
    ``text`` keeps it so a record can show it later in each reader's language."""

    def __init__(
        self,
        kind: ErrorKind,
        user_message: str | Text,
        *,
        retry_after: float | None = None,
        network_code: str = "",
        raw_excerpt: str = "",
        field: str = "",
        verdict: bool = False,
    ):
        self.text = user_message if isinstance(user_message, Text) else None
        user_message = str(user_message)
        super().__init__(user_message)
        self.kind = ErrorKind(kind)
        self.user_message = user_message
        self.retry_after = retry_after
        self.network_code = str(network_code or "")
        self.raw_excerpt = raw_excerpt[:500]
        self.field = field
        # The network's own answer about the post (a status check saying it failed, and
        # why), not a failure of the request that asked: only such an answer settles a
        # post the network was still making (``Provider.check_status``).
        self.verdict = verdict

    def __repr__(self):
        return f"ProviderError({self.kind}, {self.user_message!r}, code={self.network_code!r})"
