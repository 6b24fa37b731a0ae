"""What the calendar's grid draws: each post as a chip's values, placed into local days and
hours, for the Jinja2 templates in templates/jinja2/posts/calendar/ (which escape every
value and write every time with the reader's clock).

A busy week draws ~500 posts. Each chip carries only what it shows (channel picture, time,
state, first line) and, in data- attributes, the little its popover needs; the page has
one popover and one Move form, which static/js/calendar.js fills from the chip opened or
dragged. So the page stays small (bench/calendar.py prints its size).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy

from accounts.clock import format_time
from organizations.texts import say
from posts import calendar as cal
from posts.calendar import ERROR_CHARS, NEEDS_ATTENTION, Card, Row, Window, first_line
from posts.states import EDITABLE, State


def state_labels() -> dict[str, str]:
    """Each state's name in the reader's language: worked out once a page, not once a chip."""
    return {value: str(label) for value, label in State.choices}


# What each state means, for the legend under the calendar.
STATE_MEANINGS = (
    (State.DRAFT, gettext_lazy("not scheduled yet; it will not go out")),
    (State.SCHEDULED, gettext_lazy("waiting for its time")),
    (State.PUBLISHING, gettext_lazy("being sent now")),
    (State.PUBLISHED, gettext_lazy("on the network")),
    (State.FAILED, gettext_lazy("the network refused it: retry, edit or cancel")),
    (
        State.UNCONFIRMED,
        gettext_lazy("we could not tell whether it went out: check the network"),
    ),
    (State.MISSED, gettext_lazy("due while Postiz was stopped: post it now, move it or cancel it")),
    (
        State.REVIEW,
        gettext_lazy("needs an approval before it goes out; held if its time comes first"),
    ),
)
# Retried from the popover: the same action as the failures page.
RETRYABLE = frozenset({State.FAILED, State.MISSED, State.UNCONFIRMED})
# The longest first line a chip shows.
TEXT_CHARS = 60


class LegendEntry(NamedTuple):
    state: str
    label: str
    meaning: str


def legend() -> list[LegendEntry]:
    labels = state_labels()
    return [LegendEntry(state, labels[state], str(meaning)) for state, meaning in STATE_MEANINGS]


class Chip(NamedTuple):
    """One drawn post, in the viewer's wall-clock time."""

    day: date
    hour: int
    total: int  # posts in its slot, drawn or not ("+N more")
    state: str
    label: str  # the state's name, on its badge
    at: datetime  # the time asked for
    hhmm: str  # its time of day, HH:MM (where dragging or Move starts from, with its day)
    clock: str  # its time of day as the reader's clock writes it: 14:05 or 2:05 PM
    text: str  # the first line, shortened
    channel: int  # the channel's id: its card, and its name in the popover
    group_id: int  # the composer edits the post group
    public_id: str  # only for a viewer who may move or retry it, else ""
    movable: bool
    retryable: bool
    out: datetime | None  # when it actually went out (published posts)
    retry: datetime | None  # its next attempt (scheduled posts waiting for another try)
    error: str  # what the network said (posts waiting for a person)
    url: str  # the post on the network (published posts)


def _truncate(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def chips(rows: list[Row], *, zone: ZoneInfo, movable: bool, hour12: bool = False) -> list[Chip]:
    """Each row as a chip; ``movable`` (the viewer may publish) lets posts that can still
    change move, and posts waiting for a person be retried. Each chip's time is written
    here (``hour12``: the reader's clock), once a post, rather than by a template call."""
    drawn = []
    labels = state_labels()
    fromtimestamp = datetime.fromtimestamp
    for row in rows:
        state = row.state
        local = fromtimestamp(row.epoch, zone)
        can_move = movable and state in EDITABLE
        can_retry = movable and state in RETRYABLE
        published = state == State.PUBLISHED
        out = retry = None
        if published and row.published_epoch is not None:
            out = fromtimestamp(row.published_epoch, zone)
        elif state == State.SCHEDULED and row.retry_epoch is not None:
            retry = fromtimestamp(row.retry_epoch, zone)
        drawn.append(
            Chip(
                day=local.date(),
                hour=local.hour,
                total=row.slot_total,
                state=state,
                label=labels[state],
                at=local,
                hhmm=f"{local:%H:%M}",
                clock=format_time(local, hour12),
                text=_truncate(first_line(row.preview), TEXT_CHARS),
                channel=row.integration_id,
                group_id=row.group_id,
                public_id=row.public_id if can_move or can_retry else "",
                movable=can_move,
                retryable=can_retry,
                out=out,
                retry=retry,
                error=_error(row) if state in NEEDS_ATTENTION else "",
                url=(row.remote_url or "") if published else "",
            )
        )
    return drawn


def _error(row: Row) -> str:
    """The post's error in the reader's language (the English column when none was kept)."""
    kept = row.error_text
    if isinstance(kept, str):  # the raw cursor hands jsonb over as its text
        kept = json.loads(kept)
    if kept is None:
        return row.error
    return say(kept, row.error)[:ERROR_CHARS]


class Cell(NamedTuple):
    """One day (month) or one day's hour (week, day): its chips and "+N more"."""

    iso: str
    chips: list[Chip]
    more: int  # posts in the slot not drawn
    more_url: str
    number: int = 0  # month: the day of the month
    label: str = ""  # month: the day, for screen readers
    outside: bool = False  # month: a day of the month before or after
    today: bool = False


class HourRow(NamedTuple):
    hour: int
    now: bool  # the viewer's current hour: the page opens scrolled to it
    cells: list[Cell]


class ListDay(NamedTuple):
    iso: str
    label: str
    chips: list[Chip]


def _more(chips_: list[Chip]) -> int:
    return chips_[0].total - len(chips_) if chips_ else 0


def layout(
    window: Window,
    drawn: list[Chip],
    *,
    today: date,
    day_url: str,
    list_url: str,
    now_hour: int | None = None,
) -> dict:
    """The view's grid: chips placed into local days (and hours). ``day_url`` and
    ``list_url`` end with ``date=``; a cell's "+N more" appends its day.

    Also each drawn day's label, which the page's one popover reads by the chips' days."""
    grid: dict = {"view": window.view}
    if window.view == "list":
        by_day: dict[date, list[Chip]] = {}
        for chip in drawn[: cal.LIST_LIMIT]:
            by_day.setdefault(chip.day, []).append(chip)
        grid["days"] = [
            ListDay(day.isoformat(), f"{day:%A %-d %B %Y}", list_) for day, list_ in by_day.items()
        ]
        grid["truncated"] = len(drawn) > cal.LIST_LIMIT
        grid["day_labels"] = {day.isoformat(): f"{day:%a %-d %b %Y}" for day in by_day}
        return grid

    grid["day_labels"] = {day.isoformat(): f"{day:%a %-d %b %Y}" for day in window.days}
    hourly = window.view != "month"
    slots: dict[tuple[date, int], list[Chip]] = {}
    for chip in drawn:
        slots.setdefault((chip.day, chip.hour if hourly else 0), []).append(chip)

    if hourly:
        isos = [(day, day.isoformat()) for day in window.days]
        if window.view == "day":
            targets = {iso: f"{list_url}{iso}#day-{iso}" for _, iso in isos}
        else:
            targets = {iso: f"{day_url}{iso}" for _, iso in isos}
        rows = []
        for hour in range(24):
            cells = []
            for day, iso in isos:
                found = slots.get((day, hour), [])
                cells.append(Cell(iso, found, _more(found), targets[iso]))
            rows.append(HourRow(hour, hour == now_hour, cells))
        grid["days"] = [
            {"iso": day.isoformat(), "label": f"{day:%a %-d %b}", "today": day == today}
            for day in window.days
        ]
        grid["rows"] = rows
        return grid

    weeks = []
    for start in range(0, len(window.days), 7):
        week = []
        for day in window.days[start : start + 7]:
            iso = day.isoformat()
            found = slots.get((day, 0), [])
            week.append(
                Cell(
                    iso,
                    found,
                    _more(found),
                    f"{day_url}{iso}",
                    number=day.day,
                    label=f"{day:%A %-d %B}",
                    outside=day.month != window.month,
                    today=day == today,
                )
            )
        weeks.append(week)
    grid["weekdays"] = [f"{day:%A}" for day in window.days[:7]]
    grid["weeks"] = weeks
    return grid


def channels_drawn(drawn: list[Chip], cards: dict[int, Card]) -> dict[int, Card]:
    """The card of every channel a chip names (a blank one if the channel is unknown)."""
    found = {}
    for chip in drawn:
        if chip.channel not in found:
            found[chip.channel] = cards.get(chip.channel) or Card("", "", None)
    return found


def channel_names(cards: dict[int, Card]) -> dict[int, tuple[str, str]]:
    """What the popover says of each channel drawn: its name and its customer's."""
    return {pk: (card.name, card.customer_name or "") for pk, card in cards.items()}
