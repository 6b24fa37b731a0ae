"""How a person reads times: 24-hour (14:30) or 12-hour (2:30 PM).

Each person chooses in their profile; the default is their browser's habit, which
static/js/app.js writes into the ``postiz_clock`` cookie on every page ("12" or "24"), so
the server can write times the way the browser would. Every time shown to a person goes
through ``format_time`` (Python) or the ``clock`` template tags, so pages, popovers and
messages agree.
"""

from __future__ import annotations

from datetime import datetime, time

COOKIE = "postiz_clock"
_ATTRIBUTE = "_postiz_hour12"


def hour12_for(request) -> bool:
    """True when this request's person reads 12-hour times; cached on the request."""
    if request is None:
        return False
    cached = getattr(request, _ATTRIBUTE, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    choice = getattr(user, "clock", "") if getattr(user, "is_authenticated", False) else ""
    if not choice:
        choice = request.COOKIES.get(COOKIE, "")
    hour12 = choice == "12"
    setattr(request, _ATTRIBUTE, hour12)
    return hour12


def format_time(value: datetime | time, hour12: bool, *, seconds: bool = False) -> str:
    """14:05, or 2:05 PM (14:05:09 or 2:05:09 PM with seconds)."""
    minutes = f"{value:%M:%S}" if seconds else f"{value:%M}"
    if not hour12:
        return f"{value:%H}:{minutes}"
    hour = value.hour % 12 or 12
    return f"{hour}:{minutes} {'AM' if value.hour < 12 else 'PM'}"


def format_hour(hour: int, hour12: bool) -> str:
    """An hour row's label: 14:00, or 2 PM."""
    if not hour12:
        return f"{hour:02d}:00"
    return f"{hour % 12 or 12} {'AM' if hour < 12 else 'PM'}"


def format_when(value: datetime, hour12: bool, date_format: str = "%a %-d %b %Y") -> str:
    """A date and its time: Mon 16 Mar 2026, 14:05 (or 2:05 PM)."""
    return f"{value.strftime(date_format)}, {format_time(value, hour12)}"
