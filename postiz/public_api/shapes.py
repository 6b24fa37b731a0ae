"""Our rows as the compatible JSON objects (spec 2.5). Ids are public UUID strings."""

from __future__ import annotations

import json
import os
from datetime import datetime

from integrations.models import Integration
from media.models import MediaFile
from organizations.models import Organization
from postiz.api import iso_ms
from posts.models import Post, Tag
from posts.services.reschedule import MISSING_RELEASE_ID, post_awaits_release_id
from posts.states import State

STATE_NAMES = {
    State.DRAFT: "DRAFT",
    State.SCHEDULED: "QUEUE",
    State.PUBLISHING: "QUEUE",
    State.PUBLISHED: "PUBLISHED",
    State.FAILED: "ERROR",
    State.UNCONFIRMED: "ERROR",
    State.MISSED: "ERROR",
    State.CANCELLED: "ERROR",
}

CREATION_METHODS = {"api": "API", "web": "WEB", "import": "IMPORT", "rss": "RSS"}


def organization_id(organization: Organization) -> str:
    """The organization's id in every body of both APIs (organizationId, orgId): its public
    UUID, like every other id there (never the slug, which names pages, nor the pk)."""
    return str(organization.public_id)


def integration(channel: Integration) -> dict:
    body = {
        "id": str(channel.public_id),
        "name": channel.name,
        "identifier": channel.provider,
        "picture": channel.avatar_url or None,
        "disabled": channel.status == Integration.Status.DISABLED,
        "profile": channel.username or None,
        # Extra, allowed by the contract: lets clients tell a channel to reconnect.
        "refreshNeeded": channel.status == Integration.Status.NEEDS_RECONNECT,
    }
    if channel.customer_id:
        body["customer"] = {"id": str(channel.customer.public_id), "name": channel.customer.name}
    return body


def tag(row: Tag, organization: Organization) -> dict:
    return {
        "id": str(row.public_id),
        "name": row.name,
        "color": row.color,
        "orgId": organization_id(organization),
        "deletedAt": None,  # a deleted tag is gone, not kept
        "createdAt": iso_ms(row.created_at),
        "updatedAt": iso_ms(row.updated_at),
    }


def media(row: MediaFile, *, public_url: str, thumbnail_url: str | None) -> dict:
    return {
        "id": str(row.public_id),
        "name": os.path.basename(row.file.name),
        "originalName": row.name or None,
        "path": public_url,
        "thumbnail": thumbnail_url,
        "alt": row.alt_text or None,
        "type": "video" if row.kind == MediaFile.Kind.VIDEO else "image",
        "fileSize": row.size,
        "organizationId": organization_id(row.organization),
        "createdAt": iso_ms(row.created_at),
        "updatedAt": iso_ms(row.created_at),
    }


def interval_days(group) -> int | None:
    if not group.repeat_every:
        return None
    return group.repeat_every * (7 if group.repeat_unit == "week" else 1)


def post(
    row: Post,
    *,
    root_text: str,
    tags: list[Tag],
    publish_at: datetime | None = None,
    actual: datetime | None = None,
) -> dict:
    group = row.group
    channel = row.integration
    when = publish_at or row.publish_at or group.created_at
    body = {
        "id": str(row.public_id),
        "group": str(group.public_id),
        "content": root_text or "",
        "publishDate": iso_ms(when),
        "state": STATE_NAMES.get(row.state, "ERROR"),
        # A post that went out (or may have) without the network giving its id shows the
        # contract's sentinel, which PUT /posts/:id/release-id replaces.
        "releaseId": MISSING_RELEASE_ID if post_awaits_release_id(row) else row.remote_id or None,
        "releaseURL": row.remote_url or None,
        "intervalInDays": interval_days(group),
        "creationMethod": CREATION_METHODS.get(group.creation_method, "API"),
        "settings": json.dumps(row.settings or {}, separators=(",", ":")),
        "tags": [{"tag": tag(t, row.organization)} for t in tags],
        "integration": {
            "id": str(channel.public_id),
            "providerIdentifier": channel.provider,
            "name": channel.name,
            "picture": channel.avatar_url or None,
        },
    }
    if actual is not None:
        body["actualDate"] = iso_ms(actual)
    return body


# -- The same objects built by PostgreSQL, for lists ---------------------------------------
# Lists are what clients poll: PostgreSQL writes each row's JSON text and Python only joins
# the rows. Each helper returns an SQL expression that is never NULL and is always valid
# JSON text, so the pieces can be concatenated (concatenation is about twice as fast as
# json_build_object, which looks up every argument's type per row). Only constants and
# column names go into them, never request input.
def sql_text(expression: str) -> str:
    """A text column (or NULL) as a JSON string (or null)."""
    return f"COALESCE(to_json({expression})::text, 'null')"


def sql_uuid(expression: str) -> str:
    """A UUID column that is never NULL: its text needs no escaping."""
    return f"""'"' || {expression}::text || '"'"""


def sql_iso_ms(expression: str, fraction: str = "MS") -> str:
    """A timestamp as iso_ms's string (or null); ``US`` keeps every microsecond."""
    return (
        f"""COALESCE('"' || to_char({expression} AT TIME ZONE 'UTC', """
        f"""'YYYY-MM-DD"T"HH24:MI:SS.{fraction}"Z"') || '"', 'null')"""
    )


def sql_number(expression: str) -> str:
    return f"COALESCE(({expression})::text, 'null')"


def sql_names(expression: str, names: dict, default: str) -> str:
    """A stored value mapped to its API name, as a JSON string (names are constants)."""
    whens = " ".join(f"""WHEN '{value}' THEN '"{name}"'""" for value, name in names.items())
    return f"""CASE {expression} {whens} ELSE '"{default}"' END"""


def sql_release_id(state: str, remote_id: str) -> str:
    """The compatible ``releaseId`` of a row (as ``post``: the sentinel for a post that
    awaits its id), from its state and remote id columns."""
    known = sql_text(f"NULLIF({remote_id}, '')")
    awaits = (
        f"{state} = '{State.UNCONFIRMED}' OR "
        f"({state} = '{State.PUBLISHED}' AND {remote_id} IN ('', '{MISSING_RELEASE_ID}'))"
    )
    return f"""CASE WHEN {awaits} THEN '"{MISSING_RELEASE_ID}"' ELSE {known} END"""


def sql_object(fields: list[tuple[str, str]]) -> str:
    """A JSON object from (key, expression) pairs whose expressions are JSON text."""
    parts = [
        f"""'{"{" if n == 0 else ","}"{key}":' || {value}"""
        for n, (key, value) in enumerate(fields)
    ]
    return "(" + " || ".join(parts) + " || '}')"
