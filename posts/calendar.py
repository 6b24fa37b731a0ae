"""Reads for the calendar and the failures page, already scoped to one organization.

The calendar only ever asks the database for the visible range (the ``posts_calendar``
index on (organization, publish_at)), in one query whatever the number of posts: the
channel and its customer come joined, the first line of the root item comes from a
subquery, and each slot's "+N more" comes from a window function over the same rows. Slots
are cut in the viewer's wall-clock time, so a DST day has 23 or 25 hours of posts.
"""

from __future__ import annotations

import calendar as pycalendar
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import models
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import RowNumber, Substr, TruncDate, TruncHour
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from integrations.models import Customer, Integration
from organizations.models import Organization
from posts.models import Post, PostItem
from posts.states import State

VIEWS = ("week", "day", "month", "list")
# How many posts a slot shows before "+N more": a month day, a week hour, a day hour.
MONTH_CAP = 4
WEEK_CAP = 3
DAY_CAP = 8
# The list view is a month; past this many posts it asks for a filter or the day view.
LIST_LIMIT = 300
# Enough of the root item to find its first line; the rest never leaves the database.
PREVIEW_CHARS = 200
# States never drawn: a cancelled post is not going anywhere.
HIDDEN_STATES = (State.CANCELLED,)
CHIP_FIELDS = (
    "public_id",
    "organization_id",
    "group_id",
    "state",
    "publish_at",
    "remote_url",
    "integration__name",
    "integration__avatar_url",
    "integration__customer__name",
)
# Posts waiting for a person; the failures page lists these.
NEEDS_ATTENTION = (State.FAILED, State.UNCONFIRMED, State.MISSED)


# -- Time ---------------------------------------------------------------------------------
def zone_for(user, organization: Organization | None = None) -> ZoneInfo:
    """The zone a person reads times in: theirs, else the organization's, else UTC."""
    for name in (getattr(user, "timezone", ""), getattr(organization, "timezone", "")):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as aware UTC, by the rule the composer and repeats
    follow: in the spring-forward gap the time shifts forward by the gap (02:30 → 03:30);
    in the autumn overlap it means the first (earlier) of the two."""
    local = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=zone)
    return local.replace(fold=0).astimezone(ZoneInfo("UTC"))


def skipped_by_clocks(day: date, at: time, zone: ZoneInfo) -> bool:
    """True when the clocks jump over this wall-clock time (it does not exist)."""
    local = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=zone)
    back = local.astimezone(ZoneInfo("UTC")).astimezone(zone)
    return back.replace(tzinfo=None) != local.replace(tzinfo=None)


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


# -- Windows --------------------------------------------------------------------------------
@dataclass
class Window:
    view: str
    anchor: date
    zone: ZoneInfo
    first: date  # first day drawn (local)
    last: date  # last day drawn (local, inclusive)
    prev: date
    next: date
    title: str
    month: int = 0  # the month a month/list view is about; other days are drawn muted

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def window_for(view: str, anchor: date, zone: ZoneInfo) -> Window:
    """The days a view draws around ``anchor``; weeks start on Monday."""
    if view == "day":
        return Window(
            view,
            anchor,
            zone,
            anchor,
            anchor,
            anchor - timedelta(days=1),
            anchor + timedelta(days=1),
            f"{anchor:%A %-d %B %Y}",
        )
    if view in ("month", "list"):
        first_of_month = anchor.replace(day=1)
        last_of_month = first_of_month.replace(
            day=pycalendar.monthrange(anchor.year, anchor.month)[1]
        )
        first, last = first_of_month, last_of_month
        if view == "month":
            # Whole weeks, so the grid has no holes.
            first = first_of_month - timedelta(days=first_of_month.weekday())
            last = last_of_month + timedelta(days=6 - last_of_month.weekday())
        return Window(
            view,
            anchor,
            zone,
            first,
            last,
            _add_months(anchor, -1),
            _add_months(anchor, 1),
            f"{anchor:%B %Y}",
            month=anchor.month,
        )
    monday = anchor - timedelta(days=anchor.weekday())
    sunday = monday + timedelta(days=6)
    if monday.month == sunday.month:
        title = f"{monday:%-d} - {sunday:%-d %B %Y}"
    elif monday.year == sunday.year:
        title = f"{monday:%-d %B} - {sunday:%-d %B %Y}"
    else:
        title = f"{monday:%-d %B %Y} - {sunday:%-d %B %Y}"
    return Window(
        "week",
        anchor,
        zone,
        monday,
        sunday,
        anchor - timedelta(days=7),
        anchor + timedelta(days=7),
        title,
    )


# -- Queries --------------------------------------------------------------------------------
def _uuids(values) -> list[uuid.UUID]:
    found = []
    for value in values or ():
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


def _first_item_text():
    # order_by(): PostItem's default ordering would join posts_post for every row.
    root = PostItem.objects.filter(post=OuterRef("pk"), position=0).order_by().values("content")[:1]
    return Substr(Subquery(root), 1, PREVIEW_CHARS)


def posts_for(*, organization: Organization) -> QuerySet[Post]:
    """The organization's posts whose group is not deleted, with channel and customer."""
    return Post.objects.filter(organization=organization, group__deleted_at__isnull=True)


def post_get(*, organization: Organization, public_id) -> Post | None:
    """One post of this organization by its public id; None for anything else."""
    ids = _uuids([public_id])
    if not ids:
        return None
    return (
        posts_for(organization=organization)
        .select_related("integration", "group")
        .filter(public_id=ids[0])
        .first()
    )


_STATE_LABELS = dict(State.choices)


class Chip:
    """One post as the calendar draws it: plain attributes, no model instance to build."""

    def __init__(self, row: dict):
        self.__dict__.update(row)
        self.state_label = _STATE_LABELS[self.state]


def calendar_posts(
    *,
    organization: Organization,
    window: Window,
    customers=(),
    channels=(),
) -> list[Chip]:
    """Posts drawn in ``window``, capped per slot, each with ``slot_total`` for "+N more"."""
    posts = (
        posts_for(organization=organization)
        .filter(publish_at__gte=window.start, publish_at__lt=window.end)
        .exclude(state__in=HIDDEN_STATES)
    )
    if customer_ids := _uuids(customers):
        posts = posts.filter(integration__customer__public_id__in=customer_ids)
    if channel_ids := _uuids(channels):
        posts = posts.filter(integration__public_id__in=channel_ids)
    order = [F("publish_at").asc(), F("id").asc()]
    # Only what a chip shows, as plain rows: the channel's sealed credentials are never
    # read, and no model instance is built for each of hundreds of posts.
    fields = {
        "channel_name": F("integration__name"),
        "avatar_url": F("integration__avatar_url"),
        "customer_name": F("integration__customer__name"),
        "preview": _first_item_text(),
    }
    columns = ("public_id", "group_id", "state", "publish_at", "remote_url")
    if window.view == "list":
        rows = posts.order_by(*order).values(*columns, **fields)[: LIST_LIMIT + 1]
        return [Chip(row) for row in rows]
    if window.view == "month":
        slot, cap = TruncDate("publish_at", tzinfo=window.zone), MONTH_CAP
    else:
        slot = TruncHour("publish_at", tzinfo=window.zone)
        cap = DAY_CAP if window.view == "day" else WEEK_CAP
    rows = (
        posts.annotate(
            slot_rank=models.Window(RowNumber(), partition_by=[slot], order_by=order),
            slot_total=models.Window(Count("id"), partition_by=[slot]),
        )
        .filter(slot_rank__lte=cap)
        .order_by(*order)
        .values(*columns, "slot_total", **fields)
    )
    return [Chip(row) for row in rows]


def late_minutes() -> int:
    return getattr(settings, "POSTIZ_LATE_POST_MINUTES", 5)


def attention_counts(*, organization: Organization) -> dict[str, int]:
    """In one query: scheduled posts overdue by more than the late threshold ("late"), and
    posts waiting for a person on the failures page ("attention")."""
    overdue = timezone.now() - timedelta(minutes=late_minutes())
    late = Q(state=State.SCHEDULED, publish_at__lt=overdue)
    attention = Q(state__in=NEEDS_ATTENTION)
    # No join to the groups: deleting a group cancels its posts, so none is counted here.
    return Post.objects.filter(late | attention, organization=organization).aggregate(
        late=Count("id", filter=late), attention=Count("id", filter=attention)
    )


def failed_posts(*, organization: Organization) -> QuerySet[Post]:
    """Posts waiting for a person (failed, unconfirmed, missed), the most recent first."""
    return (
        posts_for(organization=organization)
        .filter(state__in=NEEDS_ATTENTION)
        .select_related("integration__customer")
        .only(*CHIP_FIELDS, "error_message", "attempts")
        .annotate(preview=_first_item_text())
        .order_by(F("publish_at").desc(nulls_last=True), "-id")
    )


def filter_choices(*, organization: Organization) -> tuple[list[Customer], list[Integration]]:
    """Customers and live channels to filter by, in two queries."""
    customers = list(Customer.objects.filter(organization=organization).order_by("name", "id"))
    channels = list(
        Integration.objects.filter(organization=organization, deleted_at__isnull=True).order_by(
            "name", "id"
        )
    )
    return customers, channels


# -- Links -----------------------------------------------------------------------------------
_PLACEHOLDER = 987654321


def edit_url_template(slug: str) -> tuple[str, str]:
    """The composer's edit address around the group id, reversed once a page, not per post."""
    try:
        url = reverse("posts:edit", args=[slug, _PLACEHOLDER])
    except NoReverseMatch:
        # The composer's route is not registered (yet): its documented address.
        url = f"/o/{slug}/posts/{_PLACEHOLDER}/"
    before, _, after = url.rpartition(str(_PLACEHOLDER))
    return before, after


def new_post_url(slug: str) -> str:
    for name in ("posts:new", "posts:compose", "posts:create"):
        try:
            return reverse(name, args=[slug])
        except NoReverseMatch:
            continue
    return f"/o/{slug}/posts/new/"


# -- Layout -----------------------------------------------------------------------------------
@dataclass
class Slot:
    day: date
    hour: int | None  # None: a whole day (month and list views)
    posts: list = field(default_factory=list)
    total: int = 0

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def more(self) -> int:
        return max(self.total - len(self.posts), 0)


def _first_line(text: str | None) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def move_url_template(slug: str) -> tuple[str, str]:
    url = reverse("posts:reschedule", args=[slug, _PLACEHOLDER])
    before, _, after = url.rpartition(str(_PLACEHOLDER))
    return before, after


def decorate(
    posts, *, zone: ZoneInfo, edit_template: tuple[str, str], movable: bool, slug: str
) -> list[Post]:
    """Attach what a template shows: local time and its labels, first line, links, whether
    it can move. Formatted here once, not by template filters hundreds of times a page."""
    from posts.states import EDITABLE

    move = move_url_template(slug)
    decorated = []
    for post in posts:
        local = post.publish_at.astimezone(zone) if post.publish_at else None
        post.local = local
        if local is not None:
            post.time_label = f"{local:%H:%M}"
            post.date_value = f"{local:%Y-%m-%d}"
            post.when_label = f"{local:%a %-d %b %Y, %H:%M}"
            post.iso = post.publish_at.isoformat()
        post.first_line = _first_line(getattr(post, "preview", ""))
        post.edit_url = f"{edit_template[0]}{post.group_id}{edit_template[1]}"
        post.id_text = str(post.public_id)
        post.move_url = f"{move[0]}{post.id_text}{move[1]}"
        post.movable = movable and post.state in EDITABLE and local is not None
        decorated.append(post)
    return decorated


# One post on the calendar. Built in Python rather than by a template include: a busy week
# draws ~500 of these, and the template engine's per-variable cost made the page ~10 times
# slower (bench/calendar.py). Every value is escaped; the markup mirrors the template's.
_CHIP = (
    '<li class="cal-post cal-{state}"{drag}><details class="cal-pop"><summary>{avatar}'
    '<time datetime="{iso}">{time}</time> <span class="cal-text">{text}</span>'
    '<span class="visually-hidden">, {channel}, {state_label}</span></summary>'
    '<div class="cal-pop-body"><p><strong>{channel}</strong>{customer}<br>'
    '<span class="cal-state cal-{state}">{state_label}</span> · {when} '
    '<span class="muted">({zone})</span></p><p>{link}</p>{move}</div></details></li>'
)
_DRAG = ' draggable="true" data-local="{date}T{time}" data-label="{when}" data-channel="{channel}"'
_MOVE = (
    '<form method="post" action="{url}" class="cal-move" data-move-form>'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="next" value="{here}">'
    "<fieldset><legend>Move this channel's post</legend>"
    '<label for="d-{id}">Date</label>'
    '<input type="date" id="d-{id}" name="date" value="{date}" required>'
    '<label for="t-{id}">Time ({zone})</label>'
    '<input type="time" id="t-{id}" name="time" value="{time}" required>'
    '<button type="submit" class="button button-small">Move</button></fieldset></form>'
)


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def render_chips(posts: list[Chip], *, zone: str, csrf: str, here: str) -> None:
    """Give each decorated post its ``html``: the chip the calendar draws."""
    from html import escape  # the same escaping as Django's, without its lazy wrapper

    from django.utils.safestring import mark_safe

    zone_e, csrf_e, here_e = escape(zone), escape(csrf), escape(here)
    for post in posts:
        if post.avatar_url:
            avatar = (
                f'<img class="cal-avatar" src="{escape(post.avatar_url)}" alt="" width="20" '
                'height="20" loading="lazy" referrerpolicy="no-referrer">'
            )
        else:
            initial = escape(post.channel_name[:1].upper())
            avatar = (
                f'<span class="cal-avatar cal-avatar-empty" aria-hidden="true">{initial}</span>'
            )
        if post.state == State.PUBLISHED and post.remote_url:
            link = (
                f'<a href="{escape(post.remote_url)}" rel="noopener noreferrer" '
                'target="_blank">View on the network</a>'
            )
        else:
            link = f'<a href="{escape(post.edit_url)}">Edit</a>'
        customer = ""
        if post.customer_name:
            customer = f' <span class="muted">· {escape(post.customer_name)}</span>'
        # Every value below is escaped (or is a date, a state or a UUID we formatted).
        values = {
            "state": post.state,
            "state_label": escape(post.state_label),
            "iso": post.iso,
            "time": post.time_label,
            "date": post.date_value,
            "when": post.when_label,
            "channel": escape(post.channel_name),
            "zone": zone_e,
        }
        drag = move = ""
        if post.movable:
            drag = _DRAG.format(**values)
            move = _MOVE.format(
                url=escape(post.move_url), csrf=csrf_e, here=here_e, id=post.id_text, **values
            )
        text = escape(_truncate(post.first_line, 60)) or "(no text)"
        html = _CHIP.format(
            drag=drag, avatar=avatar, text=text, customer=customer, link=link, move=move, **values
        )
        post.html = mark_safe(html)  # noqa: S308 - built from escaped values only


def layout(window: Window, posts: list[Post]) -> dict:
    """Posts placed into the view's slots, in the viewer's wall-clock time."""
    today = timezone.now().astimezone(window.zone).date()
    if window.view == "list":
        by_day: dict[date, Slot] = {}
        for post in posts[:LIST_LIMIT]:
            by_day.setdefault(post.local.date(), Slot(post.local.date(), None)).posts.append(post)
        return {"days": list(by_day.values()), "truncated": len(posts) > LIST_LIMIT}

    hourly = window.view in ("week", "day")
    slots: dict[tuple[date, int | None], Slot] = {}
    for post in posts:
        key = (post.local.date(), post.local.hour if hourly else None)
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = Slot(*key, total=post.slot_total)
        slot.posts.append(post)

    if not hourly:
        weeks = []
        for start in range(0, len(window.days), 7):
            weeks.append(
                [
                    {
                        "day": day,
                        "slot": slots.get((day, None)) or Slot(day, None),
                        "outside": day.month != window.month,
                        "today": day == today,
                    }
                    for day in window.days[start : start + 7]
                ]
            )
        return {"weeks": weeks}

    days = [{"day": day, "today": day == today} for day in window.days]
    hours = []
    for hour in range(24):
        hours.append(
            {
                "hour": hour,
                "label": f"{hour:02d}:00",
                "cells": [slots.get((day, hour)) or Slot(day, hour) for day in window.days],
            }
        )
    return {"days": days, "hours": hours}
