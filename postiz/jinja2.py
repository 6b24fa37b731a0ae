"""The Jinja2 environment of the templates in templates/jinja2/ (the calendar's grid).

Always auto-escaped, and a name a template does not have is an error rather than an empty
string. Times go through the same helpers as the Django templates' ``{% clock %}`` and
``{% when %}`` tags (accounts.clock), so they read the same on every page:

    {{ url("posts:calendar", organization.slug) }}   reverse()
    {{ static("js/calendar.js") }}                   the static file's address
    {{ clock(post.publish_at) }}                     14:05 or 2:05 PM, in the active zone
    {{ when(post.publish_at, "D j M Y") }}           Mon 16 Mar 2026, 14:05 (Django date format)
    {{ hour(14) }}                                   an hour row's label: 14:00 or 2 PM
    {{ clock_hours() }}                              "12" or "24", for scripts that write times
    {{ _("Nothing scheduled") }}                     translated (Django's catalogs)
    {{ ngettext("%(num)d post", "%(num)d posts", n) }}

Write translated text only as ``_("…")`` and ``ngettext(…)`` calls inside ``{{ }}``:
``manage.py makemessages`` reads these templates with Django's template reader, which finds
exactly those calls (not Jinja2's ``{% trans %}`` blocks).
"""

from __future__ import annotations

from datetime import datetime

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext, ngettext
from jinja2 import Environment, StrictUndefined, pass_context

from accounts.clock import format_hour, format_time, hour12_for


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _hour12(context) -> bool:
    return hour12_for(context.get("request"))


@pass_context
def clock(context, value, seconds: bool = False) -> str:
    if not value:
        return ""
    return format_time(_local(value), _hour12(context), seconds=seconds)


@pass_context
def when(context, value, date: str = "j M Y", seconds: bool = False) -> str:
    if not value:
        return ""
    local = _local(value)
    return f"{date_format(local, date)}, {format_time(local, _hour12(context), seconds=seconds)}"


@pass_context
def hour(context, value: int) -> str:
    return format_hour(value, _hour12(context))


@pass_context
def clock_hours(context) -> str:
    return "12" if _hour12(context) else "24"


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    """Django's Jinja2 backend calls this with its loader and settings."""
    options["autoescape"] = True  # whatever the settings say
    options["undefined"] = StrictUndefined
    # Block tags take their line with them, so templates stay readable and pages compact.
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    options["extensions"] = [*options.get("extensions", ()), "jinja2.ext.i18n"]
    env = Environment(**options)  # noqa: S701 - autoescape is on, just above
    # New-style: _("%(name)s", name=x) formats and escapes like Django's templates do.
    env.install_gettext_callables(gettext, ngettext, newstyle=True)
    env.globals.update(
        url=url, static=static, clock=clock, when=when, hour=hour, clock_hours=clock_hours
    )
    return env
