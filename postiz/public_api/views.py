"""One thin adapter per compatible route (spec 2.6, 2.7): read the request, call the
service, answer the compatible shape. The rules live in the services."""

from __future__ import annotations

import html
import re
import uuid
from html.parser import HTMLParser

from billing import limits as plan_limits
from integrations import selectors as channel_selectors
from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.providers.base import ErrorKind, ProviderError
from integrations.services import integration_delete
from postiz.api import (
    iso_ms,
)
from postiz.public_api import shapes
from postiz.public_api.transport import (
    Call,
    CompatError,
    fail,
    invalid,
    json_response,
)
from posts.models import Post
from posts.states import State


# -- Small readers ---------------------------------------------------------------------
def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _channel(call: Call, public_id) -> Integration:
    found = _uuid(public_id)
    channel = (
        channel_selectors.integrations_for(organization=call.organization)
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if channel is None:
        raise fail(404, "Integration not found")
    return channel


def customer_of(call: Call, public_id):
    """A customer of the key's organization named in a query (``customer``, ``group``):
    an id that is not one, whatever its form, is an unknown customer (404)."""
    found = _uuid(public_id)
    customer = (
        channel_selectors.customers_for(organization=call.organization)
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if customer is None:
        raise fail(404, "Customer not found")
    return customer


def _posts_of(organization):
    return Post.objects.filter(
        organization=organization,
        group__deleted_at__isnull=True,
        integration__deleted_at__isnull=True,
    ).exclude(state=State.CANCELLED)


def _post(call: Call, public_id) -> Post:
    found = _uuid(public_id)
    post = (
        _posts_of(call.organization)
        .select_related("group", "integration")
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if post is None:
        raise fail(404, "Post not found")
    return post


class _Text(HTMLParser):
    """Post HTML (what Postiz clients send) as the plain text networks receive."""

    _BREAKS = {"br"}
    _BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BREAKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def html_to_text(value: str) -> str:
    if "<" not in value:
        return html.unescape(value)
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


# -- Key check, channels, customers ------------------------------------------------------
def is_connected(call: Call):
    return json_response({"connected": True})


def integrations_list(call: Call):
    channels = channel_selectors.integrations_for(organization=call.organization)
    customer = call.query("group")
    if customer:
        channels = channels.filter(customer=customer_of(call, customer))
    return json_response([shapes.integration(c) for c in channels])


def integration_remove(call: Call, public_id):
    channel = _channel(call, public_id)
    integration_delete(integration=channel, actor=call.actor, request=call.request)
    channel.refresh_from_db()
    body = shapes.integration(channel)
    body["deletedAt"] = iso_ms(channel.deleted_at)
    return json_response(body)


def groups_list(call: Call):
    return json_response(
        [
            {"id": str(c.public_id), "name": c.name}
            for c in channel_selectors.customers_for(organization=call.organization)
        ]
    )


def social_connect(call: Call, provider):
    """The network's sign-in address. The person opens it in a browser and lands back in
    the web app (integrations.views.callback), which connects the channel if they are
    signed in as a member who may connect channels in this organization."""
    from integrations import connect
    from integrations.services import instance_app_for

    cls = provider_classes().get(provider)
    if cls is None:
        raise fail(400, "Integration not allowed")
    if not cls.auth_kind.startswith("oauth2"):
        raise fail(400, "This integration cannot be connected through the public API")
    refresh = call.query("refresh")
    reconnect = _channel(call, refresh) if refresh else None
    if reconnect is not None and reconnect.provider != provider:
        raise fail(400, f"That channel is not on {cls.display_name}")
    if reconnect is None:
        plan_limits.check(call.organization, "channels")  # 402 before a doomed sign-in
    if cls.missing_settings():
        names = " and ".join(cls.missing_settings())
        raise fail(400, f"{cls.display_name} is not configured on this server (set {names}).")
    network = cls()
    instance = app = None
    try:
        if cls.custom_instance:
            # The channel's own server on a reconnect, else ?instance=, else the default.
            wanted = (
                (reconnect.meta.get("instance") or reconnect.meta.get("instance_url"))
                if reconnect is not None
                else call.query("instance")
            ) or network.endpoint("api")
            origin = network.check_instance(wanted)
            app = instance_app_for(
                provider_id=provider,
                instance_url=origin,
                redirect_uri=connect.redirect_uri(provider),
            )
            instance = connect.instance_details(app)
        url = connect.begin_oauth_detached(
            organization=call.organization,
            provider=network,
            instance=instance,
            instance_app_id=app.pk if app else None,
            reconnect_id=reconnect.pk if reconnect else None,
        )
    except ProviderError as error:
        if error.kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.RATE_LIMITED):
            raise CompatError(
                json_response({"msg": "Unexpected error", "detail": error.user_message}, 502)
            ) from None
        raise fail(400, error.user_message) from None
    return json_response({"url": url})


_SCHEMA_TYPES = {
    "string": "string",
    "text": "string",
    "url": "string",
    "enum": "string",
    "bool": "boolean",
    "int": "integer",
    "list": "array",
    "object": "object",
}


def settings_schema(cls) -> dict | str:
    """A provider's per-post settings as JSON Schema (the native API publishes the same)."""
    fields = cls.settings_fields
    if not fields:
        return "No additional settings required"
    properties = {}
    for spec in fields:
        prop = {"type": _SCHEMA_TYPES.get(spec.type, "string")}
        if spec.label:
            prop["title"] = spec.label
        if spec.help_text:
            prop["description"] = spec.help_text
        if spec.choices:
            prop["enum"] = list(spec.choices)
        if spec.max_length:
            prop["maxLength"] = spec.max_length
        if spec.type == "url":
            prop["format"] = "uri"
        if spec.default is not None:
            prop["default"] = spec.default
        properties[spec.name] = prop
    return {
        "type": "object",
        "properties": {"__type": {"type": "string", "const": cls.identifier}, **properties},
        "required": [spec.name for spec in fields if spec.required],
        "additionalProperties": True,
    }


def _rules(cls) -> str:
    rules = cls.media_rules
    parts = []
    if cls.text_limit:
        parts.append(f"Up to {cls.text_limit} characters.")
    if rules.max_count:
        parts.append(f"Up to {rules.max_count} media per post.")
    else:
        parts.append("No media.")
    if rules.min_count:
        parts.append(f"At least {rules.min_count} media.")
    if rules.video_alone:
        parts.append("A video cannot share a post with other media.")
    return " ".join(parts)


def integration_settings(call: Call, public_id):
    channel = _channel(call, public_id)
    cls = provider_classes().get(channel.provider)
    if cls is None:
        raise fail(404, "Integration not found")
    return json_response(
        {
            "output": {
                "rules": _rules(cls),
                "maxLength": cls.text_limit or 0,
                "settings": settings_schema(cls),
                "tools": [tool.describe() for tool in cls.tools],
            }
        }
    )


def integration_trigger(call: Call, public_id):
    from integrations import tools

    channel = _channel(call, public_id)
    data = call.data if isinstance(call.data, dict) else {}
    if not isinstance(data.get("methodName"), str) or not data["methodName"]:
        raise invalid("methodName must be a string")
    try:
        output = tools.integration_run_tool(
            integration=channel, name=data["methodName"], data=data.get("data")
        )
    except tools.ToolNotFound:
        raise fail(404, "Tool not found") from None
    except tools.ToolInputError as error:
        raise invalid(*error.messages) from None
    except tools.ChannelDisconnected:
        raise fail(409, "Channel disconnected due to expired token") from None
    except tools.ToolFailed as error:
        # The contract's text, and what the network said for the person reading it.
        raise CompatError(
            json_response({"msg": "Unexpected error", "detail": error.message}, 502)
        ) from None
    return json_response({"output": output}, 201)


def find_slot(call: Call, public_id):
    from posts.services.groups import next_free_slot

    channel = _channel(call, public_id)
    slot = next_free_slot(organization=call.organization, integrations=[channel])
    if slot is None:
        raise fail(409, "No free slot in the next 365 days")
    return json_response({"date": iso_ms(slot)})


# -- Analytics, notifications, later features --------------------------------------------
def _days(call: Call) -> int:
    raw = call.query("date", "7")
    if not str(raw).isdigit() or not 1 <= int(raw) <= 365:
        raise invalid("date must be a whole number of days from 1 to 365")
    return int(raw)


def analytics_channel(call: Call, integration):
    _channel(call, integration)
    _days(call)
    # Every provider here declares analytics "none" for now: the contract's empty answer.
    return json_response([])


def analytics_post(call: Call, postId):
    from posts.services.reschedule import post_awaits_release_id

    post = _post(call, postId)
    _days(call)
    if post_awaits_release_id(post):
        return json_response({"missing": True})
    return json_response([])


def notifications(call: Call):
    from posts.services.notifications import notifications_for

    raw = call.query("page", "0")
    page = int(raw) if str(raw).isdigit() else 0
    limit = 100
    user = call.actor
    if user is None:
        rows, total = [], 0
    else:
        query = notifications_for(organization=call.organization, user=user)
        total = query.count()
        rows = list(query[page * limit : (page + 1) * limit])
    return json_response(
        {
            "notifications": [
                {
                    "id": str(n.public_id),
                    "content": n.title + (f"\n{n.body}" if n.body else ""),
                    "link": n.url or None,
                    "createdAt": iso_ms(n.created_at),
                }
                for n in rows
            ],
            "total": total,
            "page": page,
            "limit": limit,
            "hasMore": (page + 1) * limit < total,
        }
    )


def video_not_available(call: Call):
    raise fail(501, "Video generation is not available on this server")
