"""Times in templates, written the way the reader chose (accounts.clock).

{% load clock %}
{% clock post.publish_at %}            14:05 or 2:05 PM, in the active time zone
{% when comment.created_at "j M Y" %}  6 Dec 2026, 14:05 (Django date format, then time)
{% clock_hours %}                      "12" or "24", for scripts that write times
"""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.clock import format_time, hour12_for

register = template.Library()


def _local(value):
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


@register.simple_tag(takes_context=True)
def clock(context, value, seconds=False) -> str:
    if not value:
        return ""
    return format_time(_local(value), hour12_for(context.get("request")), seconds=seconds)


@register.simple_tag(takes_context=True)
def when(context, value, date="j M Y", seconds=False) -> str:
    if not value:
        return ""
    local = _local(value)
    hour12 = hour12_for(context.get("request"))
    return f"{date_format(local, date)}, {format_time(local, hour12, seconds=seconds)}"


@register.simple_tag(takes_context=True)
def clock_hours(context) -> str:
    return "12" if hour12_for(context.get("request")) else "24"
