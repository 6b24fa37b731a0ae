"""Reads for the calendar and the failures page, already scoped to one organization.

The calendar only ever asks the database for the visible range (the ``posts_calendar``
index on (organization, publish_at)), in one query whatever the number of posts: a window
function ranks and counts each slot's posts, the rows over the slot's cap are dropped in the
database, and only the rows left read their root item's first line. Channel names come from
the filter's query of the channels. Slots are cut in the viewer's wall-clock time, so a DST
day has 23 or 25 hours of posts.
"""

from __future__ import annotations

import calendar as pycalendar
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, RowNumber, Substr, TruncDate, TruncHour
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from integrations.models import Customer, Integration
from integrations.selectors import visible_customers_q
from organizations.models import Organization
from posts import selectors as post_selectors
from posts.models import Post, PostGroup, PostItem
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
    """The organization's posts whose group is not deleted."""
    # NOT EXISTS over the small partial index of deleted groups (posts_group_deleted)
    # rather than a join that reads every group of every organization.
    deleted = PostGroup.objects.filter(pk=OuterRef("group_id"), deleted_at__isnull=False)
    posts = Post.objects.filter(organization=organization).exclude(Exists(deleted))
    return post_selectors.limit_posts(posts, organization)


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


class Row(NamedTuple):
    """One post as the calendar draws it, straight from the cursor: no model instance."""

    public_id: str
    group_id: int
    state: str
    epoch: float  # publish_at in seconds since 1970 (a float loads far faster than a date)
    remote_url: str
    integration_id: int
    slot_total: int  # posts in its slot, drawn or not ("+N more")
    published_epoch: float | None  # when it actually went out
    retry_epoch: float | None  # the engine's next attempt (scheduled posts only)
    error: str  # what the network said, for posts waiting for a person
    error_text: dict | None  # the same, kept as a sentence (organizations.texts)
    preview: str | None


class Card(NamedTuple):
    """What a chip shows of its channel."""

    name: str
    avatar_url: str
    customer_name: str | None


def _epoch(field: str) -> Func:
    return Func(
        F(field),
        template="EXTRACT(EPOCH FROM %(expressions)s)::float8",
        output_field=FloatField(),
    )


_EPOCH = _epoch("publish_at")
# How much of the network's message a popover shows (the failures page has all of it).
ERROR_CHARS = 300
# The capped rows come first; only then is each drawn post's first item read, so a busy
# month reads ~140 items, not the 3,000 the window holds. Posts waiting for a person come
# first in their slot (and so are never the ones behind "+N more"); the grid keeps the
# order within each slot.
_DRAWN_SQL = (
    "SELECT r.public_text, r.group_id, r.state, r.epoch, r.remote_url, r.integration_id, "
    "r.slot_total, r.published_epoch, r.retry_epoch, r.error, r.error_said, "
    "(SELECT SUBSTRING(i.content, 1, %s) FROM {items} i "
    "WHERE i.post_id = r.id AND i.position = 0) FROM ({ranked}) r ORDER BY {order}"
)


def calendar_posts(
    *,
    organization: Organization,
    window: Window,
    customers=(),
    channels=(),
) -> list[Row]:
    """Posts drawn in ``window``, at most a slot's cap per slot, in one query."""
    posts = (
        posts_for(organization=organization)
        .filter(publish_at__gte=window.start, publish_at__lt=window.end)
        .exclude(state__in=HIDDEN_STATES)
    )
    if customer_ids := _uuids(customers):
        posts = posts.filter(integration__customer__public_id__in=customer_ids)
    if channel_ids := _uuids(channels):
        posts = posts.filter(integration__public_id__in=channel_ids)

    def attention():
        return Case(
            When(state__in=NEEDS_ATTENTION, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )

    order = [F("publish_at").asc(), F("id").asc()]
    columns = ("id", "group_id", "state", "remote_url", "integration_id")
    computed = {
        "public_text": Cast("public_id", TextField()),
        "epoch": _EPOCH,
        "published_epoch": _epoch("published_at"),
        "retry_epoch": Case(
            When(state=State.SCHEDULED, then=_epoch("retry_at")), output_field=FloatField()
        ),
        "error": Case(
            When(state__in=NEEDS_ATTENTION, then=Substr("error_message", 1, ERROR_CHARS)),
            default=Value(""),
            output_field=TextField(),
        ),
        # The same error kept as a sentence, said in the reader's language when drawn.
        "error_said": Case(
            When(state__in=NEEDS_ATTENTION, then=F("error_text")),
            default=Value(None),
            output_field=JSONField(),
        ),
        "attention": attention(),
    }
    if window.view == "list":
        ranked = posts.order_by(*order).values(*columns, slot_total=Value(0), **computed)
        ranked = ranked[: LIST_LIMIT + 1]
        final_order = "r.epoch, r.id"
    else:
        final_order = "r.attention, r.epoch, r.id"
        order = [attention().asc(), *order]
        if window.view == "month":
            slot, cap = TruncDate("publish_at", tzinfo=window.zone), MONTH_CAP
        else:
            slot = TruncHour("publish_at", tzinfo=window.zone)
            cap = DAY_CAP if window.view == "day" else WEEK_CAP
        # The cap is a window function in the database (Django filters on it with an
        # outer query), so the rows over the cap never reach Python.
        ranked = (
            posts.annotate(
                slot_rank=models.Window(RowNumber(), partition_by=[slot], order_by=order),
                slot_total=models.Window(Count("id"), partition_by=[slot]),
            )
            .filter(slot_rank__lte=cap)
            .order_by()
            .values(*columns, "slot_total", **computed)
        )
    sql, params = ranked.query.sql_with_params()
    query = _DRAWN_SQL.format(items=PostItem._meta.db_table, ranked=sql, order=final_order)
    with connection.cursor() as cursor:
        cursor.execute(query, (PREVIEW_CHARS, *params))
        return [Row._make(row) for row in cursor.fetchall()]


def late_minutes() -> int:
    return getattr(settings, "POSTIZ_LATE_POST_MINUTES", 5)


def attention_counts(*, organization: Organization) -> dict[str, int]:
    """In one query: scheduled posts overdue by more than the late threshold ("late"), and
    posts waiting for a person on the failures page ("attention")."""
    overdue = timezone.now() - timedelta(minutes=late_minutes())
    mine = post_selectors.limit_posts(Post.objects.filter(organization=organization), organization)
    mine = mine.order_by()
    # Each count reads only its own partial index (posts_org_scheduled, posts_org_attention).
    # No join to the groups: deleting a group cancels its posts, so none is counted here.
    # Due at its retry time when the engine set one (always after the requested time).
    late = mine.filter(state=State.SCHEDULED, publish_at__lt=overdue).filter(
        Q(retry_at=None) | Q(retry_at__lt=overdue)
    )
    # Posts whose time came while they still waited for approval are held there too.
    attention = mine.filter(
        Q(state__in=NEEDS_ATTENTION) | Q(state=State.REVIEW, publish_at__lte=timezone.now())
    )

    def count(posts):
        counted = posts.values("organization").annotate(n=Count("*")).values("n")
        return Coalesce(Subquery(counted), 0)

    return (
        Organization.objects.filter(pk=organization.pk)
        .values(late=count(late), attention=count(attention))
        .get()
    )


def failed_posts(*, organization: Organization) -> QuerySet[Post]:
    """Posts waiting for a person (failed, unconfirmed, missed, and posts held because
    their time came while they waited for approval), the most recent first."""
    return (
        posts_for(organization=organization)
        .filter(
            Q(state__in=NEEDS_ATTENTION) | Q(state=State.REVIEW, publish_at__lte=timezone.now())
        )
        .select_related("integration__customer")
        .only(*CHIP_FIELDS, "error_message", "error_text", "attempts")
        .annotate(preview=_first_item_text())
        .order_by(F("publish_at").desc(nulls_last=True), "-id")
    )


def filter_choices(*, organization: Organization) -> tuple[list, list, dict[int, Card]]:
    """Customers and live channels to filter by, and every channel's card for the chips
    (a deleted channel's past posts are still drawn), in two queries."""
    customers = list(
        Customer.objects.filter(organization=organization)
        .filter(visible_customers_q(organization, "pk"))
        .order_by("name", "id")
        .values_list("public_id", "name", named=True)
    )
    rows = (
        Integration.objects.filter(organization=organization)
        .filter(visible_customers_q(organization))
        .order_by("name", "id")
        .values_list("id", "public_id", "name", "avatar_url", "customer__name", "deleted_at")
    )
    channels, cards = [], {}
    for pk, public_id, name, avatar_url, customer_name, deleted_at in rows:
        cards[pk] = Card(name, avatar_url, customer_name)
        if deleted_at is None:
            channels.append(Choice(public_id, name))
    return customers, channels, cards


class Choice(NamedTuple):
    public_id: uuid.UUID
    name: str


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


# -- Drawing ----------------------------------------------------------------------------------
def first_line(text: str | None) -> str:
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
        post.first_line = first_line(getattr(post, "preview", ""))
        post.edit_url = f"{edit_template[0]}{post.group_id}{edit_template[1]}"
        post.id_text = str(post.public_id)
        post.move_url = f"{move[0]}{post.id_text}{move[1]}"
        post.movable = movable and post.state in EDITABLE and local is not None
        decorated.append(post)
    return decorated
