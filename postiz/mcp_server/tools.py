"""The MCP server's tools and resources: thin adapters over the services and selectors the
native API calls, with its answers' shapes (``postiz.native_api.serializers``).

Each tool is written as a plain synchronous function of the acting ``Caller`` and its
arguments; ``tool`` registers an asynchronous wrapper with the SDK that runs it in the
request's thread (``bridge.in_request_thread``), checks the key's scope first, and turns
every refusal into a tool error whose text says what to fix (``isError: true``), never a
protocol error or a 500. A tool reads and writes only through the organization of the
key, with the acting member's customer limitation, so another organization's (or another
customer's) id is "not found", like in the APIs.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import typing
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models.functions import Coalesce
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp_types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field
from rest_framework import exceptions as drf_exceptions

from billing.limits import LimitReached
from integrations import selectors as channel_selectors
from organizations.models import ApiKey, Organization
from postiz.api import (
    IdempotencyConflict,
    idempotency_begin,
    idempotency_finish,
    iso_ms,
    rate_hit,
)
from postiz.mcp_server.bridge import in_request_thread
from posts import selectors as post_selectors

logger = logging.getLogger("postiz.mcp")

INSTRUCTIONS = """\
Schedule and manage social media posts of one organization (the one the API key belongs
to). Typical flow: list_channels (ids and each network's rules: length, media), optionally
upload_media_from_url, then create_post with the channel ids, the text of each item of the
thread and a publish_at time (or find_next_slot for the channel's next free posting time).
Times are RFC 3339: with Z or an offset they are that instant; without one they are read
in the organization's time zone (list_channels says each channel's zone). Answers give
times in UTC. get_post says whether a post went out and its link on the network."""

server = MCPServer(
    "Postiz",
    title="Postiz",
    instructions=INSTRUCTIONS,
    # The SDK's request-state keys are per process; nothing here asks a client for input
    # across requests, so the default is harmless under several workers.
    log_level="WARNING",
)


@dataclass
class Caller:
    """Who acts in this request: the API key, its organization (with the acting member's
    customer limitation set on it) and the HTTP request (for the audit log's address)."""

    key: ApiKey
    organization: Organization
    request: Any


def asgi_app():
    """A fresh stateless transport for one request: the SDK's session manager answers
    JSON (no event streams, no sessions), and is run (and closed) around the request."""

    async def app(scope, receive, send):
        manager = StreamableHTTPSessionManager(
            server._lowlevel_server, json_response=True, stateless=True
        )
        async with manager.run():
            await manager.handle_request(scope, receive, send)

    return app


# -- Registering tools --------------------------------------------------------------------
def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        out = []
        for name, value in detail.items():
            field = "" if name == "non_field_errors" else str(name)
            out += _flatten(value, f"{prefix}.{field}" if prefix and field else prefix or field)
        return out
    if isinstance(detail, list):
        return [line for value in detail for line in _flatten(value, prefix)]
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def _refusal_text(error: Exception) -> str | None:
    """What the caller should read for a refusal the services and helpers raise; None
    for anything unexpected."""
    if isinstance(error, ToolError):
        return str(error)
    if isinstance(error, drf_exceptions.ValidationError):
        return " ".join(_flatten(error.detail))
    if isinstance(error, drf_exceptions.APIException):
        return str(error.detail)
    if isinstance(error, DjangoValidationError):
        return " ".join(error.messages)
    if isinstance(error, LimitReached):
        return error.message
    if isinstance(error, IdempotencyConflict):
        return error.message
    return None


def _run_as_caller(fn, scope: str | None, kwargs: dict, caller: Caller):
    if scope and not caller.key.has_scope(scope):
        raise ToolError(
            f"This API key lacks the {scope} scope. Ask an admin for a key with {scope} "
            "(Settings > API keys)."
        )
    try:
        return fn(caller, **kwargs)
    except Exception as error:
        text = _refusal_text(error)
        if text is None:
            logger.exception("MCP tool %s failed", fn.__name__)
            raise ToolError(
                "Something failed on our side; the error is logged. Try again in a moment."
            ) from None
        raise ToolError(text) from None


def tool(
    *,
    scope: str | None,
    title: str,
    read_only: bool = False,
    destructive: bool = False,
    open_world: bool = False,
):
    """Registers ``fn(caller, **arguments)`` as a tool needing ``scope``. ``open_world``:
    it may reach outside this server (publishing to a network, fetching a file)."""

    def decorate(fn):
        @functools.wraps(fn)
        async def run(**kwargs):
            return await in_request_thread(lambda caller: _run_as_caller(fn, scope, kwargs, caller))

        # The SDK reads the arguments from the signature; the caller is not one of them.
        run.__signature__ = _without_caller(fn)
        server.add_tool(
            run,
            name=fn.__name__,
            title=title,
            description=inspect.cleandoc(fn.__doc__ or ""),
            annotations=ToolAnnotations(
                title=title,
                read_only_hint=read_only,
                destructive_hint=destructive if not read_only else None,
                idempotent_hint=read_only or None,
                open_world_hint=open_world,
            ),
            structured_output=False,
        )
        return fn

    return decorate


def _without_caller(fn):
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    parameters = [
        parameter.replace(annotation=hints.get(name, parameter.annotation))
        for name, parameter in signature.parameters.items()
        if name != "caller"
    ]
    return signature.replace(parameters=parameters, return_annotation=inspect.Signature.empty)


# -- Shared pieces ---------------------------------------------------------------------------
def _channel(caller: Caller, public_id: str):
    from postiz.native_api.views.common import _uuid

    found = _uuid(public_id)
    row = (
        channel_selectors.integrations_for(organization=caller.organization)
        .select_related("customer")
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if row is None:
        raise ToolError(
            f"Channel {public_id} not found. Use an id from list_channels (channel ids are UUIDs)."
        )
    return row


def _post(caller: Caller, public_id: str):
    from posts.calendar import post_get

    post = post_get(organization=caller.organization, public_id=public_id)
    if post is None:
        raise _post_not_found(public_id)
    return post


def _post_not_found(public_id: str) -> ToolError:
    return ToolError(f"Post {public_id} not found. Use a post id from create_post or list_posts.")


def _post_rows(caller: Caller, posts) -> list[dict]:
    from postiz.native_api import serializers as s

    rows = s.PostOut.rows(posts, etag=False)
    return list(s.PostOut(rows, many=True).data)


def _moment(value: str | None, zone: str, name: str) -> datetime | None:
    """RFC 3339 with an offset or Z: that instant; without one: a wall-clock time in
    ``zone``, read by the composer's rule (as the native API reads ``publish_at``)."""
    from postiz.native_api.views.posts import _in_zone

    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
    except ValueError:
        raise ToolError(
            f"{name}: {value!r} is not a date and time. Use RFC 3339, e.g. "
            "2030-01-15T09:00:00Z, or 2030-01-15T09:00 for a local time."
        ) from None
    return _in_zone(parsed, zone)


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ToolError(f"{name}: use a date, YYYY-MM-DD.") from None


def _rules(integration) -> dict:
    """What the channel's network accepts, from its provider's declaration (the same
    attributes the shared validator enforces)."""
    from integrations.providers import provider_classes

    cls = provider_classes().get(integration.provider)
    if cls is None:
        return {"known_network": False}
    provider = integration.provider_instance()
    as_channel = integration.as_channel()
    media = provider.media_rules_for(as_channel)
    return {
        "max_length": provider.limit_for(as_channel),
        "length_counted_as": cls.text_counter,
        "thread": {"thread": "replies", "comment": "comments", "none": "none"}.get(
            cls.reply_mode, cls.reply_mode
        ),
        "media": {
            "max_count": media.max_count,
            "min_count": media.min_count,
            "mime_types": list(media.mime_types),
            "max_image_bytes": media.max_image_bytes,
            "max_video_bytes": media.max_video_bytes,
            "video_must_be_alone": media.video_alone,
            "images_and_videos_together": media.allow_mixed,
            "min_video_seconds": media.min_video_seconds,
            "max_video_seconds": media.max_video_seconds,
        },
        "settings": [spec.name for spec in cls.settings_fields],
    }


def _channel_out(integration, *, with_schema: bool = False) -> dict:
    from postiz.native_api import serializers as s

    row = dict(s.ChannelOut(integration).data)
    row["rules"] = _rules(integration)
    if with_schema:
        from integrations.providers import provider_classes
        from postiz.api_serializers import settings_schema

        cls = provider_classes().get(integration.provider)
        schema = settings_schema(cls) if cls else None
        row["settings_schema"] = (
            schema
            if isinstance(schema, dict)
            else {"type": "object", "properties": {}, "additionalProperties": True}
        )
    return row


def _idempotent(caller: Caller, tool_name: str, idem_key: str | None, arguments: dict, make):
    """``make()`` once per (key, tool, idempotency key): a repeat with the same arguments
    answers what the first call answered; other arguments are refused. The same records
    as the APIs' Idempotency-Key."""
    if not idem_key:
        return make()
    if len(idem_key) > 255 or not idem_key.isprintable() or not idem_key.isascii():
        raise ToolError("idempotency_key: use 1 to 255 printable ASCII characters.")
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), default=str)
    where = {"key": caller.key, "method": "MCP", "path": f"/mcp#{tool_name}"}
    stored = idempotency_begin(
        idem_key=idem_key, body_hash=hashlib.sha256(canonical.encode()).hexdigest(), **where
    )
    if stored is not None:
        answer = json.loads(bytes(stored.body))
        return {**answer, "replayed": True}
    try:
        answer = make()
    except Exception:
        idempotency_finish(idem_key=idem_key, status=500, headers={}, body=b"", **where)
        raise
    idempotency_finish(
        idem_key=idem_key,
        status=200,
        headers={},
        body=json.dumps(answer, default=str).encode(),
        **where,
    )
    return answer


def _count_create(caller: Caller) -> None:
    """Creating counts against the key's hourly budget, as the native API's POSTs do."""
    key = caller.key
    result = rate_hit(f"key-create:{key.pk}", limit=key.create_rate, window_seconds=3600)
    if not result.allowed:
        raise ToolError(
            f"This key may create {result.limit} things an hour; try again in "
            f"{max(result.reset, 1)} seconds."
        )


def _service(call):
    """The posts services' refusals, in words that say what to fix."""
    from integrations.models import Integration
    from posts.services.groups import PostNotEditable, PostValidationError, RepublishRequired

    try:
        return call()
    except PostValidationError as error:
        names = dict(
            Integration.objects.filter(pk__in=list(error.issues_by_channel)).values_list(
                "pk", "name"
            )
        )
        lines = []
        for channel_id, issues in error.issues_by_channel.items():
            where = names.get(channel_id)
            for issue in issues:
                if issue.severity != "error":
                    continue
                item = f" (item {issue.item + 1})" if issue.field == "text" else ""
                lines.append(f"{where}{item}: {issue.message}" if where else issue.message)
        raise ToolError(" ".join(lines) or error.message) from None
    except RepublishRequired as error:
        raise ToolError(
            f"{error.message} To post it again anyway, call again with republish: true."
        ) from None
    except PostNotEditable as error:
        raise ToolError(error.message) from None


# -- Arguments --------------------------------------------------------------------------------
class Item(BaseModel):
    """One part of the post: the first is the post itself, the next ones its thread
    (replies, or comments where the network has no threads)."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str,
        Field(
            max_length=100_000,
            description="The text. May be empty when the item has media. Must fit the "
            "channel's max_length (list_channels).",
        ),
    ]
    media_ids: Annotated[
        list[str],
        Field(
            default_factory=list,
            description="Ids of files in the media library (upload_media_from_url answers "
            "one), in the order to show them.",
        ),
    ]
    delay_minutes: Annotated[
        int,
        Field(
            default=0,
            ge=0,
            description="Minutes to wait after the previous item before this one goes out "
            "(ignored on the first item).",
        ),
    ]


class ChannelChoice(BaseModel):
    """One channel to post to, with what is particular to it."""

    model_config = ConfigDict(extra="forbid")

    channel_id: Annotated[str, Field(description="A channel id from list_channels.")]
    settings: Annotated[
        dict[str, Any],
        Field(
            default_factory=dict,
            description="The network's own post settings (a title, a subreddit, a "
            "privacy level…); their names and choices: the channel's rules resource or "
            "get_channel_rules.",
        ),
    ]
    items: Annotated[
        list[Item] | None,
        Field(
            default=None,
            description="This channel's own version of the thread; left out, the channel "
            "posts the common items.",
        ),
    ]


def _inputs(caller: Caller, items: list[Item]):
    from postiz.native_api.views.posts import _items

    return _items(caller.organization, [item.model_dump() for item in items])


ChannelId = Annotated[str, Field(description="A channel id (UUID) from list_channels.")]
PostId = Annotated[
    str, Field(description="A post id (UUID): one channel's post, from create_post or list_posts.")
]
IdempotencyKey = Annotated[
    str | None,
    Field(
        default=None,
        max_length=255,
        description="Any unique string (a UUID). Calling again with the same key and the same "
        "arguments returns the first answer instead of creating again; safe to retry.",
    ),
]


# -- Channels -------------------------------------------------------------------------------
@tool(scope="channels:read", title="List channels", read_only=True)
def list_channels(
    caller: Caller,
    customer_id: Annotated[
        str | None,
        Field(default=None, description="Only the channels of this customer (its id)."),
    ] = None,
) -> dict:
    """The connected social channels you can post to, each with its id, network
    (provider), status (only "connected" channels publish), posting times and time zone,
    and its rules: max_length of a post's text, how a thread is posted, and media limits
    (count, kinds, sizes)."""
    from postiz.native_api.views.common import _uuid

    rows = channel_selectors.integrations_for(organization=caller.organization).select_related(
        "customer"
    )
    if customer_id:
        rows = rows.filter(customer__public_id=_uuid(customer_id)) if _uuid(customer_id) else []
    return {"channels": [_channel_out(row) for row in rows]}


@tool(scope="channels:read", title="Channel rules", read_only=True)
def get_channel_rules(caller: Caller, channel_id: ChannelId) -> dict:
    """One channel with its network's rules and the JSON Schema of its post settings
    (what create_post's per-channel settings accept)."""
    return _channel_out(_channel(caller, channel_id), with_schema=True)


@tool(scope="posts:read", title="Find the next free slot", read_only=True)
def find_next_slot(
    caller: Caller,
    channel_ids: Annotated[
        list[str],
        Field(min_length=1, description="One or more channel ids; the slot is free on all."),
    ],
) -> dict:
    """The next of the channels' posting times (their own time zones) that has no post
    scheduled yet, searched a year ahead. Use it as create_post's publish_at, or call
    create_post with action "queue" to take it directly."""
    from posts.services.groups import next_free_slot

    channels = [_channel(caller, channel_id) for channel_id in channel_ids]
    slot = next_free_slot(organization=caller.organization, integrations=channels)
    if slot is None:
        raise ToolError(
            "No free slot in the next 365 days: the channels have no posting times, or "
            "every one is taken. Set posting times on the channel, or give a publish_at."
        )
    return {"next_slot": iso_ms(slot)}


# -- Posts ----------------------------------------------------------------------------------
@tool(scope="posts:write", title="Create or schedule a post", open_world=True)
def create_post(
    caller: Caller,
    channels: Annotated[
        list[ChannelChoice],
        Field(min_length=1, description="The channels to post to (one post each)."),
    ],
    items: Annotated[
        list[Item],
        Field(
            min_length=1,
            description="The post and its thread: items[0] is the post, the next items are "
            "replies posted after it.",
        ),
    ],
    action: Annotated[
        Literal["schedule", "draft", "now", "queue"],
        Field(
            default="schedule",
            description='"schedule": publish at publish_at; "draft": save without '
            'scheduling; "now": publish right away; "queue": at the channels\' next free '
            "posting slot.",
        ),
    ] = "schedule",
    publish_at: Annotated[
        str | None,
        Field(
            default=None,
            description='When to publish (needed for "schedule"). RFC 3339: with Z or an '
            "offset it is that instant; without one it is a local time in `timezone`.",
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        Field(
            default=None,
            description="IANA zone (Europe/Paris) for a publish_at without offset; default: "
            "the organization's.",
        ),
    ] = None,
    tag_ids: Annotated[
        list[str] | None, Field(default=None, description="Ids of the organization's tags.")
    ] = None,
    idempotency_key: IdempotencyKey = None,
) -> dict:
    """Create one post per channel (with its thread), as a draft, scheduled, queued or
    published now. Every channel's network rules are checked first; if any fails nothing
    is saved and the error says which channel and what to change. Answers the group id
    and each channel's post (id, state, publish_at in UTC)."""
    from posts.services.groups import ChannelInput, post_group_create

    organization = caller.organization
    arguments = {
        "channels": [c.model_dump() for c in channels],
        "items": [i.model_dump() for i in items],
        "action": action,
        "publish_at": publish_at,
        "timezone": timezone,
        "tag_ids": tag_ids or [],
    }

    def make():
        from postiz.native_api.views.posts import _tag_pks

        _count_create(caller)
        zone = timezone or organization.timezone
        when = _moment(publish_at, zone, "publish_at")
        if action == "schedule" and when is None:
            raise ToolError(
                'publish_at is required to schedule; or use action "now", "queue" or "draft".'
            )
        inputs = [
            ChannelInput(
                _channel(caller, c.channel_id).pk,
                _inputs(caller, c.items) if c.items else None,
                c.settings or {},
            )
            for c in channels
        ]
        group = _service(
            lambda: post_group_create(
                organization=organization,
                actor=caller.key.created_by,
                content=_inputs(caller, items),
                channels=inputs,
                action=action,
                publish_at=when,
                timezone=zone,
                tags=_tag_pks(organization, tag_ids or []),
                method="api",
            )
        )
        posts = post_selectors.posts_for(organization=organization).filter(group=group)
        return {"group_id": str(group.public_id), "posts": _post_rows(caller, posts)}

    return _idempotent(caller, "create_post", idempotency_key, arguments, make)


@tool(scope="posts:write", title="Change a post", open_world=True)
def update_post(
    caller: Caller,
    post_id: PostId,
    items: Annotated[
        list[Item] | None,
        Field(default=None, description="New text and media of this channel's post and thread."),
    ] = None,
    publish_at: Annotated[
        str | None,
        Field(
            default=None,
            description="New time (RFC 3339; without offset: in the post's time zone). "
            "Moves every channel's post of the same group.",
        ),
    ] = None,
    settings: Annotated[
        dict[str, Any] | None,
        Field(default=None, description="Network settings to change (merged into the current)."),
    ] = None,
    action: Annotated[
        Literal["schedule", "draft", "now"] | None,
        Field(
            default=None,
            description='"draft" to unschedule, "schedule" to schedule a draft, "now" to '
            "publish at once; left out: the post stays as it is.",
        ),
    ] = None,
    republish: Annotated[
        bool,
        Field(default=False, description="Needed to queue again a post that was published."),
    ] = False,
) -> dict:
    """Change a post that has not gone out yet: its text and media, its time, its
    network settings or whether it is a draft. A post being published or already out
    cannot be changed (the error says so). Answers the post as it now is."""
    from posts.services.groups import post_group_change

    post = _post(caller, post_id)
    changes: dict[str, Any] = {}
    if items is not None:
        changes["items_for"] = {post.integration_id: _inputs(caller, items)}
    if settings is not None:
        changes["settings_for"] = {post.integration_id: settings}
    if publish_at is not None:
        changes["publish_at"] = _moment(publish_at, post.group.timezone, "publish_at")
    if not changes and action is None:
        raise ToolError("Nothing to change: give items, publish_at, settings or action.")
    _service(
        lambda: post_group_change(
            group=post.group,
            actor=caller.key.created_by,
            action=action,
            republish=republish,
            **changes,
        )
    )
    posts = post_selectors.posts_for(organization=caller.organization).filter(pk=post.pk)
    return {"post": _post_rows(caller, posts)[0]}


@tool(scope="posts:write", title="Cancel a post", destructive=True)
def delete_post(caller: Caller, post_id: PostId) -> dict:
    """Cancel a post that has not gone out (draft, scheduled, failed): it will not be
    published. What is already on the network stays there. A post being published right
    now cannot be cancelled."""
    from posts.services.reschedule import post_cancel

    post = _post(caller, post_id)
    post_cancel(post=post, actor=caller.key.created_by, request=caller.request)
    return {"post_id": str(post.public_id), "state": "cancelled"}


@tool(scope="posts:read", title="List posts", read_only=True)
def list_posts(
    caller: Caller,
    start: Annotated[
        str, Field(description="Start of the window, RFC 3339 (e.g. 2030-01-01T00:00:00Z).")
    ],
    end: Annotated[str, Field(description="End of the window (inclusive), RFC 3339.")],
    channel_id: Annotated[
        str | None, Field(default=None, description="Only this channel's posts.")
    ] = None,
    state: Annotated[
        Literal["draft", "review", "scheduled", "publishing", "published", "failed", "unconfirmed"]
        | None,
        Field(default=None, description="Only posts in this state."),
    ] = None,
    limit: Annotated[
        int, Field(default=100, ge=1, le=200, description="At most this many posts (1-200).")
    ] = 100,
) -> dict:
    """The posts whose time (publish_at, else creation) falls in a window, oldest first,
    with state, thread, error and published link. `more` is true when the window holds
    more than `limit`: call again with a later start."""
    from posts.states import State

    zone = caller.organization.timezone
    first, last = _moment(start, zone, "start"), _moment(end, zone, "end")
    if first is None or last is None:
        raise ToolError("start and end are both required.")
    if state is not None and state not in State.values:
        raise ToolError(f"state: use one of {', '.join(State.values)}.")
    rows = (
        post_selectors.posts_for(organization=caller.organization)
        .annotate(sort_at=Coalesce("publish_at", "created_at"))
        .filter(sort_at__gte=first, sort_at__lte=last)
    )
    if channel_id:
        rows = rows.filter(integration=_channel(caller, channel_id))
    if state:
        rows = rows.filter(state=state)
    page = _post_rows(caller, rows.order_by("sort_at", "pk")[: limit + 1])
    return {"posts": page[:limit], "more": len(page) > limit}


@tool(scope="posts:read", title="Read a post", read_only=True)
def get_post(caller: Caller, post_id: PostId) -> dict:
    """One post: its state (draft, review, scheduled, publishing, published, failed,
    unconfirmed, cancelled), its time, its thread, the error if it failed (what to do
    about it), and once published its id and link on the network (published_url)."""
    from postiz.native_api.views.common import _uuid

    found = _uuid(post_id)
    posts = post_selectors.posts_for(organization=caller.organization)
    rows = _post_rows(caller, posts.filter(public_id=found)) if found else []
    if not rows:
        raise _post_not_found(post_id)
    row = rows[0]
    row["published_url"] = row.get("release_url")
    return {"post": row}


# -- Media ---------------------------------------------------------------------------------
@tool(scope="media:write", title="Upload media from a URL", open_world=True)
def upload_media_from_url(
    caller: Caller,
    url: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2048,
            description="A public https address of the image or video file itself.",
        ),
    ],
    idempotency_key: IdempotencyKey = None,
) -> dict:
    """Fetch a file from a public address into the media library and answer its id (for
    create_post's media_ids), kind, size and dimensions. Private or local addresses are
    refused; the file must be an image or video the library accepts."""
    from media.services import MediaError, media_upload_from_url
    from postiz.native_api import serializers as s

    def make():
        _count_create(caller)
        try:
            row = media_upload_from_url(
                organization=caller.organization, actor=caller.key.created_by, url=url
            )
        except MediaError as error:
            raise ToolError(error.message) from None
        return {"media": dict(s.MediaOut(row).data)}

    return _idempotent(caller, "upload_media_from_url", idempotency_key, {"url": url}, make)


# -- Analytics -------------------------------------------------------------------------------
Metric = Annotated[
    str | None,
    Field(default=None, description="Only this metric (impressions, likes, followers…)."),
]
FromDay = Annotated[str | None, Field(default=None, description="First UTC day, YYYY-MM-DD.")]
ToDay = Annotated[str | None, Field(default=None, description="Last UTC day, YYYY-MM-DD.")]
_ANALYTICS_ROWS = 1000


def _metric_rows(rows, metric, from_day, to_day) -> dict:
    from integrations.providers.base.data import METRIC_NAMES

    if metric and metric not in METRIC_NAMES:
        raise ToolError(f"metric: use one of {', '.join(METRIC_NAMES)}.")
    first, last = _day(from_day, "from_day"), _day(to_day, "to_day")
    if metric:
        rows = rows.filter(metric=metric)
    if first:
        rows = rows.filter(day__gte=first)
    if last:
        rows = rows.filter(day__lte=last)
    found = list(
        rows.order_by("-day", "metric").values("metric", "day", "value")[: _ANALYTICS_ROWS + 1]
    )
    data = [
        {"metric": r["metric"], "day": r["day"].isoformat(), "value": r["value"]}
        for r in found[:_ANALYTICS_ROWS]
    ]
    return {"data": data, "more": len(found) > _ANALYTICS_ROWS}


def _analytics_state(channel) -> dict:
    from postiz.native_api.views.activity import _state

    return _state(channel)


@tool(scope="analytics:read", title="Post analytics", read_only=True)
def get_post_analytics(
    caller: Caller,
    post_id: PostId,
    metric: Metric = None,
    from_day: FromDay = None,
    to_day: ToDay = None,
) -> dict:
    """A published post's counts (impressions, likes, comments…): the newest of each
    (latest) and one row per metric and UTC day, newest first. `supported` is false
    when the network gives no counts."""
    from posts.analytics.models import PostMetricLatest, PostMetricsTrack
    from posts.analytics.selectors import post_metric_rows

    post = _post(caller, post_id)
    latest = dict(PostMetricLatest.objects.filter(post=post).values_list("metric", "value"))
    track = PostMetricsTrack.objects.filter(post=post).first()
    rows = post_metric_rows(organization=caller.organization, post=post)
    return {
        **_analytics_state(post.integration),
        "latest": latest,
        "next_fetch_at": iso_ms(track.due_at) if track and track.due_at else None,
        **_metric_rows(rows, metric, from_day, to_day),
    }


@tool(scope="analytics:read", title="Channel analytics", read_only=True)
def get_channel_analytics(
    caller: Caller,
    channel_id: ChannelId,
    metric: Metric = None,
    from_day: FromDay = None,
    to_day: ToDay = None,
) -> dict:
    """A channel's own counts (followers, impressions…) per UTC day, newest first.
    `supported` is false when the network gives no counts; `needs_reconnect` when it
    refused them (reconnect the channel)."""
    from posts.analytics.selectors import channel_metric_rows

    channel = _channel(caller, channel_id)
    rows = channel_metric_rows(organization=caller.organization, integration=channel)
    return {**_analytics_state(channel), **_metric_rows(rows, metric, from_day, to_day)}


# -- Resources ---------------------------------------------------------------------------------
@server.resource(
    "postiz://channels/{channel_id}/rules",
    name="channel_rules",
    title="A channel's rules",
    description="What the channel's network accepts: max length, thread, media limits and "
    "the JSON Schema of its post settings.",
    mime_type="application/json",
)
async def channel_rules_resource(channel_id: str) -> str:
    def read(caller: Caller) -> str:
        if not caller.key.has_scope("channels:read"):
            raise ResourceError("This API key lacks the channels:read scope.")
        try:
            return json.dumps(_channel_out(_channel(caller, channel_id), with_schema=True))
        except ToolError as error:
            raise ResourceError(str(error)) from None

    return await in_request_thread(read)


# -- Prompts ------------------------------------------------------------------------------------
@server.prompt(
    name="plan_posts",
    title="Plan posts",
    description="Draft a series of posts on a subject for your channels, within each "
    "network's rules, saved as drafts to review.",
)
def plan_posts(
    subject: Annotated[str, Field(description="What the posts are about.")],
    count: Annotated[str, Field(description="How many posts (default 3).")] = "3",
) -> str:
    # A prompt is text for the model: it reads nothing, so it needs no key's scope.
    return (
        f"Plan {count} social media posts about: {subject}\n\n"
        "1. Call list_channels and pick the connected channels that suit the subject.\n"
        "2. Write each post to fit every chosen channel's rules (max_length, media); write "
        "a thread (several items) only where the rules say the network has threads.\n"
        '3. Call find_next_slot for the times, then create_post with action "draft" and '
        "an idempotency_key per post, so nothing goes out before someone reviews it.\n"
        "4. Answer with a table: time (in the channels' zone), channel, text, post id."
    )
