"""IANA time zones as people pick them."""

from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


@cache
def _known() -> frozenset[str]:
    # available_timezones() walks the zone database on disk (~80 ms) on every call; the
    # set cannot change while the process runs.
    return frozenset(available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in timezone_names()]


def validate_timezone(value: str) -> None:
    if value not in _known():
        raise ValidationError(
            _("%(value)s is not a time zone we know. Pick one from the list, e.g. Europe/Paris."),
            params={"value": value},
            code="invalid_timezone",
        )
