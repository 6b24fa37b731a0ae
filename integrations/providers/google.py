"""What Google's APIs share: the OAuth 2.0 client (offline access, so a refresh token
comes with the first consent) and the reader of Google's error bodies.

Google answers in two shapes: the token endpoint speaks OAuth's
``{"error": "invalid_grant", "error_description": "..."}``, and the APIs speak
``{"error": {"code", "message", "status", "errors": [{"reason", "domain", "message"}]}}``,
where ``reason`` (``quotaExceeded``, ``authError``, ``invalidTitle``) says what went wrong.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.utils.translation import gettext_noop

from integrations.providers.base import OAuth2, Phase, Said, json_object

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
# Google's daily quotas start again at midnight Pacific time.
PACIFIC = ZoneInfo("America/Los_Angeles")
_TAGS = re.compile(r"<[^>]+>")


def google_oauth(client: tuple[str, str], *, write_scope: str) -> OAuth2:
    """The authorization-code flow of a Google OAuth client. ``access_type=offline`` asks
    for a refresh token and ``prompt=consent`` makes Google send one again on a reconnect
    (it sends it on the first consent only otherwise)."""
    return OAuth2(
        client=client,
        authorize=("auth", ""),
        token=("token", ""),
        params={"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
        write_scope=write_scope,
        reconnect_message=gettext_noop(
            "Google sent no refresh token for this channel; connect it again."
        ),
    )


def read_google_error(response: requests.Response, phase: Phase) -> Said:
    """A Google answer as the error tables read it: the OAuth ``error`` string, or the
    first ``errors[].reason`` (else the ``status``) of an API error."""
    body = json_object(response, None)
    error = (body or {}).get("error")
    if isinstance(error, str):
        return Said(
            response.status_code,
            code=error,
            message=str((body or {}).get("error_description") or ""),
            body=body,
        )
    if not isinstance(error, dict):
        return Said(response.status_code, body=body)
    errors = error.get("errors") if isinstance(error.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    reason = str(first.get("reason") or error.get("status") or "")
    # Quota messages carry a link in HTML; people see the words.
    message = _TAGS.sub("", str(error.get("message") or first.get("message") or ""))
    return Said(response.status_code, code=reason, message=message, body=body)


def seconds_to_quota_reset(now: datetime | None = None) -> float:
    """Seconds until the next midnight Pacific time, when Google's daily quotas reset."""
    now = (now or datetime.now(PACIFIC)).astimezone(PACIFIC)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
    # Aware datetimes of one zone subtract as wall times; in UTC a DST change counts.
    return max((midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds(), 0.0)
