"""The calendar page's posts and cells as HTML strings.

A busy week draws ~500 posts in 168 hour cells. They are built here rather than by
template loops and includes: the template engine's per-variable cost made the page several
times slower (bench/calendar.py). Every value is escaped (or is a date, a number, a state
or a UUID formatted here); the templates keep the page around the grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape  # the same escaping as Django's, without its lazy wrapper
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString, mark_safe

from posts import calendar as cal
from posts.calendar import Card, Row, Window, first_line
from posts.states import EDITABLE, State

_STATE_LABELS = {value: escape(str(label)) for value, label in State.choices}


@dataclass(frozen=True)
class Links:
    """The page's addresses, each split around what a post or a day fills in."""

    edit: tuple[str, str]  # the composer, around a group id
    move: tuple[str, str]  # the reschedule form's action, around a post's public id
    day: str  # the day view, the date appended
    list: str  # the list view, the date appended
    csrf: str
    here: str  # this page, to come back to after a move


class Chip(NamedTuple):
    """One drawn post: where it goes (local day and hour) and its markup."""

    day: date
    hour: int
    total: int  # posts in its slot, for "+N more"
    html: str


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _channel(card: Card) -> tuple[str, str, str]:
    """A channel's escaped name, avatar and customer note: made once per channel."""
    if card.avatar_url:
        avatar = (
            f'<img class="cal-avatar" src="{escape(card.avatar_url)}" alt="" width="20" '
            'height="20" loading="lazy" referrerpolicy="no-referrer">'
        )
    else:
        initial = escape(card.name[:1].upper())
        avatar = f'<span class="cal-avatar cal-avatar-empty" aria-hidden="true">{initial}</span>'
    customer = ""
    if card.customer_name:
        customer = f' <span class="muted">· {escape(card.customer_name)}</span>'
    return escape(card.name), avatar, customer


def chips(
    rows: list[Row], *, cards: dict[int, Card], zone: ZoneInfo, links: Links, movable: bool
) -> list[Chip]:
    """Each row as the chip the calendar draws, in the viewer's wall-clock time: a popover
    with the channel, state, time and a link; a post that can still move also gets a
    keyboard-usable "Move" form, which dragging fills in and submits (static/js)."""
    zone_e = escape(zone.key)
    edit_before, edit_after = (escape(part) for part in links.edit)
    move_before, move_after = (escape(part) for part in links.move)
    move_hidden = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(links.csrf)}">'
        f'<input type="hidden" name="next" value="{escape(links.here)}">'
        "<fieldset><legend>Move this channel's post</legend>"
    )
    channels: dict[int, tuple[str, str, str]] = {}
    drawn = []
    for row in rows:
        channel = channels.get(row.integration_id)
        if channel is None:
            card = cards.get(row.integration_id) or Card("", "", None)
            channel = channels[row.integration_id] = _channel(card)
        name, avatar, customer = channel
        state, label, pid = row.state, _STATE_LABELS[row.state], row.public_id
        local = datetime.fromtimestamp(row.epoch, zone)
        day, at, when = local.strftime("%Y-%m-%d|%H:%M|%a %-d %b %Y").split("|")
        when = f"{when}, {at}"
        if state == State.PUBLISHED and row.remote_url:
            link = (
                f'<a href="{escape(row.remote_url)}" rel="noopener noreferrer" '
                'target="_blank">View on the network</a>'
            )
        else:
            link = f'<a href="{edit_before}{row.group_id}{edit_after}">Edit</a>'
        drag = move = ""
        if movable and state in EDITABLE:
            drag = (
                f' draggable="true" data-local="{day}T{at}" data-label="{when}"'
                f' data-channel="{name}"'
            )
            move = (
                f'<form method="post" action="{move_before}{pid}{move_after}" class="cal-move"'
                f" data-move-form>{move_hidden}"
                f'<label for="d-{pid}">Date</label>'
                f'<input type="date" id="d-{pid}" name="date" value="{day}" required>'
                f'<label for="t-{pid}">Time ({zone_e})</label>'
                f'<input type="time" id="t-{pid}" name="time" value="{at}" required>'
                '<button type="submit" class="button button-small">Move</button>'
                "</fieldset></form>"
            )
        text = escape(_truncate(first_line(row.preview), 60)) or "(no text)"
        html = (
            f'<li class="cal-post cal-{state}"{drag}><details class="cal-pop"><summary>{avatar}'
            f'<time datetime="{local.isoformat(timespec="seconds")}">{at}</time> '
            f'<span class="cal-text">{text}</span>'
            f'<span class="visually-hidden">, {name}, {label}</span></summary>'
            f'<div class="cal-pop-body"><p><strong>{name}</strong>{customer}<br>'
            f'<span class="cal-state cal-{state}">{label}</span> · {when} '
            f'<span class="muted">({zone_e})</span></p><p>{link}</p>{move}</div></details></li>'
        )
        drawn.append(Chip(local.date(), local.hour, row.slot_total, html))
    return drawn


def _posts(html: list[str], total: int, more_url: str) -> str:
    """A cell's list of chips and its "+N more" link."""
    if not html:
        return ""
    more = total - len(html)
    link = f'<a class="cal-more" href="{more_url}">+{more} more</a>' if more > 0 else ""
    return f'<ul class="cal-posts">{"".join(html)}</ul>{link}'


def layout(window: Window, drawn: list[Chip], *, links: Links, today: date) -> dict:
    """The view's grid: chips placed into local days (and hours), as ready markup."""
    day_url, list_url = escape(links.day), escape(links.list)
    if window.view == "list":
        by_day: dict[date, list[str]] = {}
        for chip in drawn[: cal.LIST_LIMIT]:
            by_day.setdefault(chip.day, []).append(chip.html)
        days = [
            {
                "iso": day.isoformat(),
                "label": f"{day:%A %-d %B %Y}",
                "posts": mark_safe("".join(html)),  # noqa: S308 - chips are escaped
            }
            for day, html in by_day.items()
        ]
        return {"days": days, "truncated": len(drawn) > cal.LIST_LIMIT}

    hourly = window.view != "month"
    slots: dict[tuple[date, int], tuple[list[str], int]] = {}
    for chip in drawn:
        key = (chip.day, chip.hour if hourly else 0)
        slot = slots.get(key)
        if slot is None:
            slot = slots[key] = ([], chip.total)
        slot[0].append(chip.html)

    body = []
    if hourly:
        isos = [(day, day.isoformat()) for day in window.days]
        more = list_url if window.view == "day" else day_url
        for hour in range(24):
            body.append(f'<tr><th scope="row" class="cal-hour">{hour:02d}:00</th>')
            for day, iso in isos:
                html, total = slots.get((day, hour), ((), 0))
                target = f"{more}{iso}#day-{iso}" if window.view == "day" else f"{more}{iso}"
                body.append(
                    f'<td class="cal-slot" data-date="{iso}" data-hour="{hour}">'
                    f"{_posts(html, total, target)}</td>"
                )
            body.append("</tr>")
        days = [
            {"iso": day.isoformat(), "label": f"{day:%a %-d %b}", "today": day == today}
            for day in window.days
        ]
        return {"days": days, "body": _safe(body)}

    for start in range(0, len(window.days), 7):
        body.append("<tr>")
        for day in window.days[start : start + 7]:
            iso = day.isoformat()
            classes = "cal-slot"
            if day.month != window.month:
                classes += " cal-outside"
            if day == today:
                classes += " cal-today"
            html, total = slots.get((day, 0), ((), 0))
            body.append(
                f'<td class="{classes}" data-date="{iso}"><a class="cal-daynum" '
                f'href="{day_url}{iso}" aria-label="{day:%A %-d %B}">{day.day}</a>'
                f"{_posts(html, total, day_url + iso)}</td>"
            )
        body.append("</tr>")
    weekdays = [f"{day:%A}" for day in window.days[:7]]
    return {"weekdays": weekdays, "body": _safe(body)}


def _safe(parts: list[str]) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308 - built from escaped values only
