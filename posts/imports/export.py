"""Exporting posts as CSV in the columns the import reads, streamed row by row.

One row per channel's post. The filters are the calendar's (a date range, customers,
channels) plus states and tags. Rows are read from the database in chunks and written as
they come, so exporting 100,000 posts never holds them all in memory.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet

from organizations.models import Organization
from posts.models import Post, PostItem, PostItemMedia, Tag
from posts.selectors import posts_for
from posts.states import State

COLUMNS = (
    "text",
    "channels",
    "date",
    "time",
    "timezone",
    "media",
    "tags",
    "first_comment",
    "state",
    "published_url",
    "post_id",
)
CHUNK = 1000
# A cell a spreadsheet would run as a formula gets a leading quote; the import drops it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportFilters:
    start: date | None = None
    end: date | None = None  # inclusive
    customers: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def from_day(self) -> date | None:
        return self.start

    @property
    def to_day(self) -> date | None:
        return self.end


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from(params) -> ExportFilters:
    """The calendar's filters (and states, tags) from a query string."""
    return ExportFilters(
        start=_day(params.get("from")),
        end=_day(params.get("to")),
        customers=params.getlist("customer"),
        channels=params.getlist("channel"),
        states=params.getlist("state"),
        tags=params.getlist("tag"),
    )


def csv_response(rows, filename: str):
    """A streamed CSV download: rows are written as the database gives them."""
    from django.http import StreamingHttpResponse

    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _uuids(values: Iterable[str]) -> list[uuid.UUID]:
    out = []
    for value in values:
        try:
            out.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return out


def export_posts(
    *, organization: Organization, filters: ExportFilters, zone: ZoneInfo
) -> QuerySet[Post]:
    """The organization's posts the filters keep, oldest first; dates are local days in
    ``zone`` (the viewer's)."""
    posts = posts_for(organization=organization)
    if filters.start:
        posts = posts.filter(publish_at__gte=datetime.combine(filters.start, time(0), zone))
    if filters.end:
        end = datetime.combine(filters.end + timedelta(days=1), time(0), zone)
        posts = posts.filter(publish_at__lt=end)
    if filters.customers:
        posts = posts.filter(integration__customer__public_id__in=_uuids(filters.customers))
    if filters.channels:
        posts = posts.filter(integration__public_id__in=_uuids(filters.channels))
    if filters.states:
        posts = posts.filter(state__in=[s for s in filters.states if s in State.values])
    if filters.tags:
        tags = Tag.objects.filter(organization=organization).filter(
            Q(public_id__in=_uuids(filters.tags)) | Q(name__in=filters.tags)
        )
        posts = posts.filter(group__tags__in=tags).distinct()
    items = PostItem.objects.filter(position__lte=1).order_by("position")
    attachments = PostItemMedia.objects.select_related("media").order_by("position")
    return (
        posts.select_related("integration", "group")
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch("items__attachments", queryset=attachments),
            "group__tags",
        )
        .order_by("publish_at", "id")
    )


def safe_cell(text: str) -> str:
    return "'" + text if text[:1] in FORMULA_STARTS else text


def _media_url(media) -> str:
    from media.services import media_public_url

    return media.source_url or media_public_url(media)


def _channel_name(integration) -> str:
    return integration.name


def export_rows(posts: QuerySet[Post]) -> Iterator[list[str]]:
    """The header, then one row per post, read CHUNK posts at a time."""
    yield list(COLUMNS)
    for post in posts.iterator(chunk_size=CHUNK):
        items = list(post.items.all())
        root = items[0] if items else None
        comment = items[1].content if len(items) > 1 else ""
        zone_name = post.group.timezone or "UTC"
        local = post.publish_at.astimezone(ZoneInfo(zone_name)) if post.publish_at else None
        yield [
            safe_cell(root.content if root else ""),
            _channel_name(post.integration),
            local.date().isoformat() if local else "",
            f"{local:%H:%M}" if local else "",
            zone_name,
            "\n".join(_media_url(a.media) for a in root.attachments.all()) if root else "",
            ", ".join(safe_cell(t.name) for t in post.group.tags.all()),
            safe_cell(comment),
            post.state,
            post.remote_url,
            str(post.public_id),
        ]


class _Echo:
    def write(self, value):
        return value


def export_csv(posts: QuerySet[Post]) -> Iterator[str]:
    """The CSV text, line by line (UTF-8 with a byte-order mark, so spreadsheets read
    accents right)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows(posts):
        yield writer.writerow(row)
