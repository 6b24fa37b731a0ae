"""Signing and sending one webhook request. No database here: the services decide what to
send and record what happened."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext_noop

from organizations.texts import Text
from postiz.ssrf import UnsafeURL, check_url, guarded_session

# Short: a receiver that needs longer should answer at once and work afterwards (and the
# delivery is retried); the sending job's threads are never tied up for long.
CONNECT_TIMEOUT = 3
READ_TIMEOUT = 5
# How much of the receiver's answer is kept in the delivery log.
EXCERPT_CHARS = 500
USER_AGENT = "Postiz-Webhooks/1.0"


@dataclass(frozen=True)
class Attempt:
    delivered: bool
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""  # in English, as the delivery log's API shows it
    # True when trying again cannot help (the address is refused by the SSRF guard).
    permanent: bool = False
    # The error kept as a sentence (organizations.texts), for the webhook's page.
    error_text: dict | None = None


def _failure(error: Text, **fields) -> Attempt:
    return Attempt(False, error=error.english(), error_text=error.stored(), **fields)


def body_of(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8, keys in a stable order."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` with the webhook's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check_scheme(url: str) -> None:
    """Raise UnsafeURL unless the address is https (http only where private addresses
    are allowed)."""
    allow_private = getattr(settings, "POSTIZ_ALLOW_PRIVATE_URLS", False)
    scheme = url.split(":", 1)[0].lower()
    if scheme != "https" and not (scheme == "http" and allow_private):
        raise UnsafeURL("Use an https:// address.")


def check_address(url: str) -> None:
    """Raise UnsafeURL for an address we will not post to: not https (http only where
    private addresses are allowed), or resolving to a private, loopback or link-local host."""
    check_scheme(url)
    check_url(url)


def _refused(error: UnsafeURL) -> Text:
    return Text(gettext_noop("Refused: %(reason)s"), reason=str(error))


def send(*, url: str, secret: str, event: str, event_id: str, payload: dict) -> Attempt:
    """POST the event once; never raises. Redirects are not followed (a 3xx is a failure)."""
    try:
        check_scheme(url)
    except UnsafeURL as error:
        return _failure(_refused(error), permanent=True)
    body = body_of(payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Postiz-Event": event,
        "X-Postiz-Event-Id": event_id,
        "X-Postiz-Timestamp": timestamp,
        "X-Postiz-Signature": sign(secret, timestamp, body),
    }
    try:
        # The session vets the address when it connects, and connects to what it vetted.
        with (
            guarded_session() as session,
            session.post(
                url,
                data=body,
                headers=headers,
                timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            # Read a little: a receiver answering with megabytes must not fill our memory.
            raw = response.raw.read(EXCERPT_CHARS * 4, decode_content=True) or b""
            excerpt = raw.decode(response.encoding or "utf-8", errors="replace")[:EXCERPT_CHARS]
            status = response.status_code
    except UnsafeURL as error:
        return _failure(_refused(error), permanent=True)
    except requests.Timeout:
        return _failure(Text(gettext_noop("No answer within the time limit.")))
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        said = Text(gettext_noop("Could not connect: %(error)s."), error=type(error).__name__)
        return _failure(said)
    if 200 <= status < 300:
        return Attempt(True, status_code=status, excerpt=excerpt)
    if 300 <= status < 400:
        said = Text(gettext_noop("Redirects are not followed."))
        return _failure(said, status_code=status, excerpt=excerpt)
    return Attempt(False, status_code=status, excerpt=excerpt, error=f"HTTP {status}.")
