"""Small helpers about the incoming request, shared by every app."""

import ipaddress
import json

import psycopg
from django.conf import settings
from django.db import InterfaceError, OperationalError

# What a lost or refused database connection raises: through Django's cursors, and through
# the raw psycopg cursors a few lists use. Answered 503 by postiz.middleware.
DATABASE_DOWN = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


def client_ip(request) -> str | None:
    """The caller's address: the one the reverse proxy saw when USE_X_FORWARDED_FOR says
    there is one, else the connecting address. The audit log, API keys and the sign-in
    rate limits (accounts.adapters) all read it here."""
    if request is None:
        return None
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw to what the client sent: only the last
        # entry is the proxy's word; anything before it is whatever the client wrote.
        address = _valid_ip(forwarded.rsplit(",", 1)[-1])
        if address:
            return address
    return request.META.get("REMOTE_ADDR") or None


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


# -- Text and JSON people send ------------------------------------------------------------
class JSONTooDeep(ValueError):
    """JSON nested deeper than Python can read (about a thousand levels)."""


def loads_json(raw):
    """``json.loads``, with JSON nested too deeply to read raised as ``JSONTooDeep`` (a
    ValueError, like any unreadable JSON) instead of a RecursionError."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise JSONTooDeep("The JSON is nested too deeply to read.") from None


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None: PostgreSQL refuses the NUL
    character, and a lone surrogate (JSON's "\\ud800") is not a character at all, so it
    cannot be encoded."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000), which cannot be stored; remove it"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return (
                "contains an unpaired surrogate (such as \\ud800), which is not a character; "
                "send valid Unicode"
            )
    return None


def json_text_problem(data) -> tuple[str, str] | None:
    """The first string of parsed JSON (keys included) that cannot be stored, as (where,
    why): ``where`` is the path of the field, e.g. ``posts.0.value.0.content``."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return path or "body", problem
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                problem = text_problem(key) if isinstance(key, str) else None
                if problem:
                    return path or "body", f"has a field whose name {problem}"
                stack.append((f"{path}.{key}" if path else str(key), item))
        elif isinstance(value, list):
            for index in reversed(range(len(value))):
                stack.append((f"{path}.{index}" if path else str(index), value[index]))
    return None


def absolute_url(path: str) -> str:
    """An absolute URL on this instance, for emails and jobs that have no request."""
    return settings.SITE_URL + path
