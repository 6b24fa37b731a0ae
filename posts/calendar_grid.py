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

from accounts.clock import format_hour, format_time
from posts import calendar as cal
from posts.calendar import NEEDS_ATTENTION, Card, Row, Window, first_line
from posts.states import EDITABLE, State

_STATE_LABELS = {value: escape(str(label)) for value, label in State.choices}
# What each state means, for the legend under the calendar.
STATE_MEANINGS = (
    (State.DRAFT, "not scheduled yet; it will not go out"),
    (State.SCHEDULED, "waiting for its time"),
    (State.PUBLISHING, "being sent now"),
    (State.PUBLISHED, "on the network"),
    (State.FAILED, "the network refused it: retry, edit or cancel"),
    (State.UNCONFIRMED, "we could not tell whether it went out: check the network"),
    (State.MISSED, "due while Postiz was stopped: post it now, move it or cancel it"),
)
# Retried from the popover: the same action as the failures page.
_RETRYABLE = frozenset({State.FAILED, State.MISSED, State.UNCONFIRMED})


def badge(state: str) -> str:
    """A post's state as a labelled badge (never only a colour)."""
    return f'<span class="cal-badge cal-badge-{state}">{_STATE_LABELS[state]}</span>'


def legend() -> SafeString:
    items = "".join(
        f"<li>{badge(state)} <span>{escape(meaning)}</span></li>"
        for state, meaning in STATE_MEANINGS
    )
    return mark_safe(items)  # noqa: S308 - fixed labels, escaped


@dataclass(frozen=True)
class Links:
    """The page's addresses, each split around what a post or a day fills in."""

    edit: tuple[str, str]  # the composer, around a group id
    move: tuple[str, str]  # the reschedule form's action, around a post's public id
    retry: str  # the failures page's retry action
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


def _when(local: datetime, hour12: bool) -> str:
    return f"{local:%a %-d %b %Y}, {format_time(local, hour12)}"


def _later(local: datetime, since: datetime, hour12: bool) -> str:
    """A second time beside the first: only the time on the same day, else the date too."""
    if local.date() == since.date():
        return format_time(local, hour12)
    return f"{local:%a %-d %b}, {format_time(local, hour12)}"


def _time(local: datetime, text: str) -> str:
    return f'<time datetime="{local.isoformat(timespec="seconds")}">{text}</time>'


def chips(
    rows: list[Row],
    *,
    cards: dict[int, Card],
    zone: ZoneInfo,
    links: Links,
    movable: bool,
    hour12: bool = False,
    detailed: bool = False,
) -> list[Chip]:
    """Each row as the chip the calendar draws, in the viewer's wall-clock time and clock:
    a popover with the channel, state, the time asked for and the time it went out (or
    its next attempt), what the network said and a Retry button for a post waiting for a
    person, and a link; a post that can still move also gets a keyboard-usable "Move"
    form, which dragging fills in and submits (static/js). ``detailed`` (the list view)
    also writes the second time in the chip itself."""
    zone_e = escape(zone.key)
    edit_before, edit_after = (escape(part) for part in links.edit)
    move_before, move_after = (escape(part) for part in links.move)
    hidden = (
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(links.csrf)}">'
        f'<input type="hidden" name="next" value="{escape(links.here)}">'
    )
    move_hidden = f"{hidden}<fieldset><legend>Move this channel's post</legend>"
    retry_action = escape(links.retry)
    channels: dict[int, tuple[str, str, str]] = {}
    drawn = []
    for row in rows:
        channel = channels.get(row.integration_id)
        if channel is None:
            card = cards.get(row.integration_id) or Card("", "", None)
            channel = channels[row.integration_id] = _channel(card)
        name, avatar, customer = channel
        state, pid = row.state, row.public_id
        local = datetime.fromtimestamp(row.epoch, zone)
        day, at24 = local.strftime("%Y-%m-%d|%H:%M").split("|")
        at = format_time(local, hour12)
        when = _when(local, hour12)
        asked = "Planned for" if state == State.DRAFT else "Scheduled for"
        times = f"<dt>{asked}</dt><dd>{_time(local, when)}</dd>"
        second = ""
        if row.published_epoch is not None and state == State.PUBLISHED:
            out = datetime.fromtimestamp(row.published_epoch, zone)
            times += f"<dt>Published</dt><dd>{_time(out, _when(out, hour12))}</dd>"
            second = f"Published {_time(out, _later(out, local, hour12))}"
        elif row.retry_epoch is not None and state == State.SCHEDULED:
            retry = datetime.fromtimestamp(row.retry_epoch, zone)
            times += f"<dt>Next attempt</dt><dd>{_time(retry, _when(retry, hour12))}</dd>"
            second = f"Next attempt {_time(retry, _later(retry, local, hour12))}"
        if state == State.PUBLISHED and row.remote_url:
            link = (
                f'<a href="{escape(row.remote_url)}" rel="noopener noreferrer" '
                'target="_blank">View on the network</a>'
            )
        else:
            link = f'<a href="{edit_before}{row.group_id}{edit_after}">Edit</a>'
        said = ""
        if state in NEEDS_ATTENTION and row.error:
            said = (
                '<div class="cal-error"><p class="cal-error-title">What the network said</p>'
                f"<p>{escape(row.error)}</p></div>"
            )
        drag = move = retry_form = ""
        if movable and state in _RETRYABLE:
            confirm = ""
            if state == State.UNCONFIRMED:
                confirm = (
                    '<label class="checkbox"><input type="checkbox" name="confirm_duplicate" '
                    "required> I checked the network: it is not there</label>"
                )
            retry_form = (
                f'<form method="post" action="{retry_action}" class="cal-retry">{hidden}'
                f'{confirm}<button type="submit" name="retry_one" value="{pid}" '
                f'class="button button-small">Retry<span class="visually-hidden"> the {name} '
                "post now</span></button></form>"
            )
        if movable and state in EDITABLE:
            drag = (
                f' draggable="true" data-local="{day}T{at24}" data-label="{when}"'
                f' data-channel="{name}"'
            )
            move = (
                f'<form method="post" action="{move_before}{pid}{move_after}" class="cal-move"'
                f" data-move-form>{move_hidden}"
                f'<label for="d-{pid}">Date</label>'
                f'<input type="date" id="d-{pid}" name="date" value="{day}" required>'
                f'<label for="t-{pid}">Time ({zone_e})</label>'
                f'<input type="time" id="t-{pid}" name="time" value="{at24}" required>'
                '<button type="submit" class="button button-small">Move</button>'
                "</fieldset></form>"
            )
        text = escape(_truncate(first_line(row.preview), 60)) or "(no text)"
        went = f' <span class="cal-went">{second}</span>' if detailed and second else ""
        html = (
            f'<li class="cal-post cal-{state}" data-day="{day}"{drag}><details class="cal-pop">'
            f"<summary>{avatar}{_time(local, at)} {badge(state)} "
            f'<span class="cal-text">{text}</span>{went}'
            f'<span class="visually-hidden">, {name}</span></summary>'
            f'<div class="cal-pop-body"><p><strong>{name}</strong>{customer}</p>'
            f'<p>{badge(state)}</p><dl class="cal-times">{times}</dl>'
            f'<p class="muted">Times in {zone_e}</p>{said}'
            f"<p>{link}</p>{retry_form}{move}</div></details></li>"
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


def layout(
    window: Window,
    drawn: list[Chip],
    *,
    links: Links,
    today: date,
    hour12: bool = False,
    now_hour: int | None = None,
) -> dict:
    """The view's grid: chips placed into local days (and hours), as ready markup.
    ``now_hour`` (the viewer's current hour) marks the row the page opens scrolled to."""
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
            now = ' class="cal-now" data-now' if hour == now_hour else ""
            body.append(
                f'<tr{now}><th scope="row" class="cal-hour" id="hour-{hour}">'
                f"{format_hour(hour, hour12)}</th>"
            )
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
