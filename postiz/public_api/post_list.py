"""The compatible post list (GET /posts over a date range) and GET /posts/:id/missing.

Clients poll the list, so PostgreSQL writes each post's JSON and Python only joins the
rows; the same objects as the single-post shapes (a test holds them together)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
from django.db import connection
from django.http import HttpResponse

from postiz.api import (
    iso_ms,
    parse_timestamp,
)
from postiz.public_api import shapes
from postiz.public_api.transport import (
    JSON_TYPE,
    Call,
    invalid,
    json_response,
)
from postiz.public_api.views import _post, customer_of, html_to_text
from posts.services.validation import LATEST_DATE

logger = logging.getLogger("postiz.public_api")


def _occurrences(anchor, *, every, unit, until, zone_name, start: datetime, end: datetime):
    """(publish date, anchor) pairs within [start, end]; repeats are computed in the
    group's local wall-clock time, so 09:00 stays 09:00 across DST."""
    if anchor is None:
        return []
    if not every:
        return [(anchor, None)] if start <= anchor <= end else []
    zone = ZoneInfo(zone_name or "UTC")
    step = timedelta(days=every * (7 if unit == "week" else 1))
    found = []
    current = anchor.astimezone(zone).replace(tzinfo=None)
    for _ in range(5000):
        moment = current.replace(tzinfo=zone).astimezone(UTC)
        # No occurrence is ever made past the dates posts may have (nor computed: a long
        # step toward an end date in the year 9999 would overflow).
        if moment > end or moment >= LATEST_DATE or (until and current.date() > until):
            break
        if moment >= start:
            found.append((moment, anchor))
        current += step
    return found


class _PreparedCursor(psycopg.Cursor):
    """Binds parameters on the server and keeps each statement prepared on the connection."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def prepared_cursor():
    """For the lists clients poll, whose one query PostgreSQL would otherwise plan on every
    request (planning cost about a third of running it): a cursor whose statements are
    planned once per connection, where the settings allow prepared statements
    (DATABASES OPTIONS prepare_threshold, postiz.settings); else an ordinary cursor.
    Django's own queries are never prepared (they bind parameters on the client)."""
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        return connection.cursor()
    connection.validate_thread_sharing()
    cursor = _PreparedCursor(raw)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


# The list's posts as finished JSON text, written by PostgreSQL (shapes.sql_object): this
# is the route clients poll, and turning 500 rows into dicts and encoding them again cost
# most of the request. shapes.post makes the same object from instances. Content that
# holds markup or entities (< or &) is left null and comes back raw, to be made plain text
# by html_to_text; the typed repeat fields matter only for repeating groups, whose
# occurrences are computed here. The roots are chosen in two parts (repeating groups
# anchored before the window, then the window), each on the (organization, publish_at)
# index; the tags of their groups are gathered in one pass, not one subquery per post.
# The publish date's text and the markup test are computed once per root, in roots, and
# read twice (in the object and as columns of their own).
_LIST_ROOTS = """
SELECT p.id AS post_id, p.public_id, p.group_id, p.publish_at, p.state, p.remote_id,
       p.remote_url, p.settings, i.content, g.public_id AS group_public_id,
       g.repeat_every, g.repeat_unit, g.repeat_until, g.timezone, g.creation_method,
       ch.public_id AS channel_public_id, ch.provider, ch.name, ch.avatar_url,
       to_char(p.publish_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
           AS publish_text,
       (strpos(i.content, '<') > 0 OR strpos(i.content, '&') > 0) AS markup,
       {part} AS part
FROM posts_postitem i
JOIN posts_post p ON p.id = i.post_id
JOIN posts_postgroup g ON g.id = p.group_id
JOIN integrations_integration ch ON ch.id = p.integration_id
WHERE i.position = 0 AND p.organization_id = %(org)s AND p.state <> 'cancelled'
  AND g.deleted_at IS NULL AND ch.deleted_at IS NULL {customer}
  AND {window}
"""
_TAG = shapes.sql_object(
    [
        (
            "tag",
            shapes.sql_object(
                [
                    ("id", shapes.sql_uuid("t.public_id")),
                    ("name", shapes.sql_text("t.name")),
                    ("color", shapes.sql_text("t.color")),
                    ("orgId", shapes.sql_text("%(org_public_id)s::text")),
                    ("deletedAt", "'null'"),
                    ("createdAt", shapes.sql_iso_ms("t.created_at")),
                    ("updatedAt", shapes.sql_iso_ms("t.updated_at")),
                ]
            ),
        )
    ]
)
_POST = shapes.sql_object(
    [
        ("id", shapes.sql_uuid("r.public_id")),
        ("group", shapes.sql_uuid("r.group_public_id")),
        ("content", "CASE WHEN r.markup THEN 'null' ELSE to_json(r.content)::text END"),
        # Never NULL: both parts of roots require a publish date.
        ("publishDate", """'"' || r.publish_text || '"'"""),
        ("state", shapes.sql_names("r.state", shapes.STATE_NAMES, "ERROR")),
        ("releaseId", shapes.sql_release_id("r.state", "r.remote_id")),
        ("releaseURL", shapes.sql_text("NULLIF(r.remote_url, '')")),
        (
            "intervalInDays",
            shapes.sql_number(
                "r.repeat_every * CASE WHEN r.repeat_unit = 'week' THEN 7 ELSE 1 END"
            ),
        ),
        (
            "creationMethod",
            shapes.sql_names("r.creation_method", shapes.CREATION_METHODS, "API"),
        ),
        # The settings object travels as a JSON string, as the compatible API does.
        ("settings", "to_json(COALESCE(r.settings::text, '{}'))::text"),
        ("tags", "COALESCE(tg.tags, '[]')"),
        (
            "integration",
            shapes.sql_object(
                [
                    ("id", shapes.sql_uuid("r.channel_public_id")),
                    ("providerIdentifier", shapes.sql_text("r.provider")),
                    ("name", shapes.sql_text("r.name")),
                    ("picture", shapes.sql_text("NULLIF(r.avatar_url, '')")),
                ]
            ),
        ),
    ]
)
_LIST_SQL_TEMPLATE = f"""
WITH roots AS ({{roots}}),
tagged AS (
    SELECT pt.postgroup_id, '[' || string_agg({_TAG}, ',' ORDER BY pt.id) || ']' AS tags
    FROM posts_postgroup_tags pt JOIN posts_tag t ON t.id = pt.tag_id
    WHERE pt.postgroup_id IN (SELECT group_id FROM roots)
    GROUP BY pt.postgroup_id
)
SELECT {_POST},
       r.publish_text,
       CASE WHEN r.markup THEN r.content END,
       r.repeat_every, r.repeat_unit, r.repeat_until, r.timezone,
       CASE WHEN r.repeat_every IS NOT NULL THEN r.publish_at END
FROM roots r
LEFT JOIN tagged tg ON tg.postgroup_id = r.group_id
ORDER BY r.part, r.publish_at, r.post_id
"""  # noqa: S608 (only constants are formatted in)


def _list_sql(customer: str) -> str:
    roots = " UNION ALL ".join(
        "(" + _LIST_ROOTS.format(part=part, customer=customer, window=window) + ")"
        for part, window in (
            (0, "g.repeat_every IS NOT NULL AND p.publish_at < %(start)s"),
            (1, "p.publish_at >= %(start)s AND p.publish_at <= %(end)s"),
        )
    )
    return _LIST_SQL_TEMPLATE.replace("{roots}", roots)


_LIST_SQL = {
    None: _list_sql(""),
    # The customer was found among the organization's first (views.customer_of).
    "customer": _list_sql("AND ch.customer_id = %(customer)s"),
}


def posts_list(call: Call):
    """The window's root posts and repeat occurrences, as JSON text made by PostgreSQL
    (one query): this is the route clients poll."""
    start = parse_timestamp(call.query("startDate"))
    end = parse_timestamp(call.query("endDate"))
    errors = []
    if start is None:
        errors.append("startDate must be a valid ISO 8601 date string")
    if end is None:
        errors.append("endDate must be a valid ISO 8601 date string")
    if errors:
        raise invalid(*errors)
    organization = call.organization
    params = {
        "org": organization.pk,
        "org_public_id": shapes.organization_id(organization),
        "start": start,
        "end": end,
    }
    variant = None
    customer = call.query("customer")
    if customer:
        params["customer"] = customer_of(call, customer).pk
        variant = "customer"
    with prepared_cursor() as cursor:
        cursor.execute(_LIST_SQL[variant], params)
        rows = cursor.fetchall()
    out: list[tuple[str, str]] = []
    repeats = False
    for text, publish_text, markup, every, unit, until, zone_name, anchor in rows:
        if markup is not None:
            body = json.loads(text)
            body["content"] = html_to_text(markup)
            text = _dumps(body)
        if not every:
            # A single post: the range read already kept it only if it falls inside.
            out.append((publish_text, text))
            continue
        repeats = True
        base = json.loads(text)
        occurrences = _occurrences(
            anchor, every=every, unit=unit, until=until, zone_name=zone_name, start=start, end=end
        )
        for when, first in occurrences:
            publish = iso_ms(when)
            out.append(
                (publish, _dumps({**base, "publishDate": publish, "actualDate": iso_ms(first)}))
            )
    if repeats:
        # Occurrences of repeating groups fall between the single posts' dates.
        out.sort(key=lambda entry: entry[0])
    body = '{"posts":[' + ",".join(text for _, text in out) + "]}"
    return HttpResponse(body.encode(), content_type=JSON_TYPE)


def _dumps(body) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def post_missing(call: Call, public_id):
    """For a post that went out without the network giving its id: the channel's newest
    posts there, to pick it from; [] for any other post, for a network that cannot list
    its posts, and when the network cannot be asked now."""
    from integrations import tools
    from posts.services.reschedule import post_awaits_release_id

    post = _post(call, public_id)
    if not post_awaits_release_id(post):
        return json_response([])
    try:
        found = tools.integration_recent_posts(integration=post.integration)
    except (tools.ChannelDisconnected, tools.ToolFailed) as error:
        logger.info("missing lookup of post %s: %s", post.pk, error)
        return json_response([])
    return json_response([{"id": ref.id, "url": ref.url} for ref in found if ref.id])
