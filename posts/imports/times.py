"""Reading a row's date and time: ISO 8601 and the common local ways of writing them,
in the row's zone (a column, an offset in the value) or the importer's.

Wall-clock times follow the composer's rule (posts.calendar.local_to_utc): a time the
clocks skip (the spring-forward gap) goes out that much later, and a time that happens
twice (the autumn overlap) means the first one. Both are said in the preview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_noop

from organizations.texts import Text

_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_LOCAL_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_TIME = re.compile(
    r"^(\d{1,2})(?::(\d{2}))?(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?$", re.IGNORECASE
)
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


@dataclass
class When:
    """What a row's date came to, or why it came to nothing."""

    at: datetime | None = None  # aware UTC
    zone: str = ""
    local: str = ""  # the wall-clock time as read, for the preview
    error: tuple[str, str] | None = None  # (code, message)
    warnings: list[tuple[str, str]] | None = None


def split_date_time(value: str) -> tuple[str | None, str]:
    """A cell holding a date and maybe a time → (date part, time part); (None, "") when
    the cell does not start with a date."""
    value = value.strip()
    if not value:
        return None, ""
    head, _, rest = value.replace("T", " ", 1).partition(" ")
    if _ISO_DATE.match(head) or _LOCAL_DATE.match(head):
        return head, rest.strip()
    return None, ""


def slashed_order(values: list[str]) -> str | None:
    """``dmy`` or ``mdy`` when some date in the file can only be read one way (31/12 or
    12/31); None when every date reads both ways (or the file disagrees with itself)."""
    day_first = month_first = False
    for value in values:
        head, _ = split_date_time(value)
        match = _LOCAL_DATE.match(head or "")
        if not match:
            continue
        first, second = int(match[1]), int(match[2])
        day_first |= first > 12 >= second
        month_first |= second > 12 >= first
    if day_first == month_first:
        return None
    return "dmy" if day_first else "mdy"


def is_ambiguous(value: str) -> bool:
    """A slashed date that reads as two different days (03/04/2027)."""
    head, _ = split_date_time(value)
    match = _LOCAL_DATE.match(head or "")
    return bool(match) and int(match[1]) <= 12 and int(match[2]) <= 12 and match[1] != match[2]


def _date(part: str, order: str) -> date | None:
    match = _ISO_DATE.match(part)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _LOCAL_DATE.match(part)
        if match:
            a, b, year = int(match[1]), int(match[2]), int(match[3])
            if year < 100:
                year += 2000
            day, month = (a, b) if order == "dmy" else (b, a)
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _time(part: str) -> time | None:
    match = _TIME.match(part.strip())
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    meridiem = (match[4] or "").lower().replace(".", "")
    if match[2] is None and not meridiem:
        return None  # a bare number is not a time
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _zone(name: str) -> ZoneInfo | timezone | None:
    name = name.strip()
    if not name:
        return None
    if name.upper() in ("UTC", "Z", "GMT"):
        return ZoneInfo("UTC")
    offset = re.match(r"^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$", name, re.IGNORECASE)
    if offset:
        sign = 1 if offset[1] == "+" else -1
        delta = timedelta(hours=int(offset[2]), minutes=int(offset[3] or 0))
        return timezone(sign * delta) if delta < timedelta(hours=15) else None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse(date_cell: str, time_cell: str, zone_cell: str, *, fallback: str, order: str) -> When:
    """The row's moment in UTC, read in its zone, else ``fallback`` (an IANA name)."""
    date_cell, time_cell = date_cell.strip(), time_cell.strip()
    if not date_cell:
        return When(
            error=("date_required", Text(gettext_noop("Give the date (and time) to post it.")))
        )
    offset_zone = None
    iso = date_cell.replace(" ", "T", 1) if "T" not in date_cell else date_cell
    if _OFFSET.search(iso) and re.match(r"^\d{4}-\d{2}-\d{2}T", iso):
        try:
            moment = datetime.fromisoformat(iso.replace("z", "Z"))
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            offset_zone = moment.tzinfo
            if not zone_cell.strip():
                at = moment.astimezone(UTC)
                return When(at=at, zone=moment.strftime("UTC%z"), local=date_cell)
    day_part, rest = split_date_time(date_cell)
    if day_part is None:
        return When(
            error=(
                "date_invalid",
                Text(
                    gettext_noop(
                        "“%(value)s” is not a date we can read; write it as 2027-03-14 09:30 "
                        "(or 14/03/2027 09:30)."
                    ),
                    value=date_cell,
                ),
            )
        )
    rest = _OFFSET.sub("", rest).strip() if offset_zone else rest
    day = _date(day_part, order)
    if day is None:
        said = Text(gettext_noop("“%(value)s” is not a calendar date."), value=day_part)
        return When(error=("date_invalid", said))
    time_part = time_cell or rest
    if not time_part:
        return When(
            error=(
                "time_required",
                Text(
                    gettext_noop("Give a time for %(date)s (for example 09:30)."),
                    date=day.isoformat(),
                ),
            )
        )
    at_time = _time(time_part)
    if at_time is None:
        return When(
            error=(
                "time_invalid",
                Text(
                    gettext_noop("“%(value)s” is not a time; write it as 09:30 or 9:30 PM."),
                    value=time_part,
                ),
            )
        )
    zone_name = zone_cell.strip() or fallback
    zone = _zone(zone_name)
    if zone is None:
        return When(
            error=(
                "zone_invalid",
                Text(
                    gettext_noop(
                        "“%(value)s” is not a time zone; use a name such as Europe/Paris or "
                        "America/New_York, or an offset such as +02:00."
                    ),
                    value=zone_name,
                ),
            )
        )
    local = datetime.combine(day, at_time, tzinfo=zone)
    warnings = []
    shown = f"{day.isoformat()} {at_time:%H:%M}"
    if isinstance(zone, ZoneInfo):
        back = local.astimezone(UTC).astimezone(zone)
        if back.replace(tzinfo=None) != local.replace(tzinfo=None):
            warnings.append(
                (
                    "time_skipped",
                    Text(
                        gettext_noop(
                            "%(time)s does not exist in %(zone)s (the clocks go forward that "
                            "night); it will go out at %(instead)s."
                        ),
                        time=shown,
                        zone=zone_name,
                        instead=f"{back:%H:%M}",
                    ),
                )
            )
        elif local.replace(fold=1).utcoffset() != local.utcoffset():
            warnings.append(
                (
                    "time_repeated",
                    Text(
                        gettext_noop(
                            "%(time)s happens twice in %(zone)s (the clocks go back that "
                            "night); the first one (%(offset)s) is used."
                        ),
                        time=shown,
                        zone=zone_name,
                        offset=f"UTC{local.strftime('%z')}",
                    ),
                )
            )
    return When(
        at=local.replace(fold=0).astimezone(UTC),
        zone=zone_name,
        local=shown,
        warnings=warnings,
    )
