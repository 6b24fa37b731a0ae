"""Shared HTTP constants and helpers for reading networks' answers: JSON bodies, scopes,
token expiry, Retry-After, and whether a dropped connection had already sent the request."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

USER_AGENT = "Postiz/1.0 (+self-hosted social media scheduler)"
# (connect, read) seconds; uploads get a longer read timeout.
TIMEOUT = (5, 30)
UPLOAD_TIMEOUT = (5, 120)


def _connection_dropped_after_send(exc: Exception) -> bool:
    """A ConnectionError for a reset/closed connection (sent), not DNS or refused (not sent)."""
    if not isinstance(exc, requests.ConnectionError):
        return False
    text = repr(exc).lower()
    not_sent = (
        "name or service",
        "nodename",
        "refused",
        "failed to resolve",
        "no route",
        "newconnectionerror",
    )
    return not any(marker in text for marker in not_sent)


def json_object(response: requests.Response, default: Any = ...) -> Any:
    """The body when it is a JSON object; otherwise ``default`` (an empty dict unless given)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        return data
    return {} if default is ... else default


def split_scopes(value: str | None) -> list[str]:
    """Granted scopes separated by spaces or commas (LinkedIn uses commas)."""
    return [scope for scope in re.split(r"[,\s]+", value or "") if scope]


def expiry_after(seconds: Any) -> datetime | None:
    """An OAuth ``expires_in`` (seconds from now) as an aware UTC time; None when absent."""
    try:
        return datetime.now(UTC) + timedelta(seconds=int(seconds))
    except (TypeError, ValueError):
        return None


def retry_after_seconds(response: requests.Response, default: float | None = 60.0) -> float | None:
    """Seconds to wait from Retry-After (seconds or HTTP date) or a reset header (epoch)."""
    from email.utils import parsedate_to_datetime
    from time import time

    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            try:
                return max(parsedate_to_datetime(value).timestamp() - time(), 0.0)
            except (TypeError, ValueError):
                pass
    for header in ("x-rate-limit-reset", "RateLimit-Reset", "X-RateLimit-Reset"):
        value = response.headers.get(header)
        if value:
            try:
                number = float(value)
            except ValueError:
                # An ISO 8601 time (Mastodon).
                try:
                    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
                except ValueError:
                    continue
                return max(moment.timestamp() - time(), 0.0)
            # An epoch timestamp, or already a number of seconds.
            return max(number - time(), 0.0) if number > 1_000_000_000 else number
    return default


def self_hosted_base_url(value: str, app_path: str) -> str:
    """What a person typed for a self-hosted site (``blog.example.com``, or an address
    copied from its admin pages) → the site's base URL, ``""`` when it is no web address.
    A site may live under a path; ``app_path`` (a regular expression) marks where the
    application's own pages start in a copied address, and what follows is dropped."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - a port that is not a number makes no address
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    path = re.split(app_path, parts.path, maxsplit=1)[0].rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}"
