"""One thin adapter per compatible route (spec 2.6, 2.7): read the request, call the
service, answer the compatible shape. The rules live in the services."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, TextField
from django.db.models.functions import Cast
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.urls import reverse
from django.utils import timezone

from integrations import selectors as channel_selectors
from integrations.models import Integration
from integrations.providers import provider_classes
from integrations.services import integration_delete
from media.models import MediaFile
from postiz.api import (
    IdempotencyConflict,
    body_fingerprint,
    idempotency_begin,
    idempotency_finish,
    idempotency_key_of,
    iso_ms,
    parse_timestamp,
    rate_hit,
)
from postiz.http import absolute_url
from postiz.public_api import shapes
from postiz.public_api.transport import (
    Call,
    CompatError,
    fail,
    invalid,
    json_response,
)
from posts.models import Post, PostGroup, PostItem, PostItemMedia, Tag
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
        channels = channels.filter(customer__public_id=_uuid(customer))
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
    cls = provider_classes().get(provider)
    if cls is None:
        raise fail(400, "Integration not allowed")
    if not cls.auth_kind.startswith("oauth2"):
        raise fail(400, "This integration cannot be connected through the public API")
    refresh = call.query("refresh")
    if refresh:
        _channel(call, refresh)
    # The person finishes in a browser: our connect page starts the network's sign-in
    # and its callback lands in the web app, signed in as them.
    path = reverse("integrations:connect", args=[call.organization.slug, provider])
    return json_response({"url": absolute_url(path)})


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
                "tools": [],
            }
        }
    )


def integration_trigger(call: Call, public_id):
    channel = _channel(call, public_id)
    data = call.data if isinstance(call.data, dict) else {}
    if not isinstance(data.get("methodName"), str) or not data["methodName"]:
        raise invalid("methodName must be a string")
    if channel.status == Integration.Status.NEEDS_RECONNECT:
        raise fail(409, "Channel disconnected due to expired token")
    # No provider here offers lookup tools yet.
    raise fail(404, "Tool not found")


def find_slot(call: Call, public_id):
    from posts.services.groups import next_free_slot

    channel = _channel(call, public_id)
    slot = next_free_slot(organization=call.organization, integrations=[channel])
    if slot is None:
        raise fail(409, "No free slot in the next 365 days")
    return json_response({"date": iso_ms(slot)})


# -- Media --------------------------------------------------------------------------------
def _media_body(row: MediaFile) -> dict:
    from media.services import media_public_url

    thumb = None
    if row.thumbnail:
        thumb = row.thumbnail.url
        if not thumb.startswith(("http://", "https://")):
            thumb = absolute_url(thumb)
    return shapes.media(row, public_url=media_public_url(row), thumbnail_url=thumb)


class _Chain:
    """The bytes already read, then the rest of the request stream."""

    def __init__(self, head: bytes, rest):
        self.head = head
        self.rest = rest

    def read(self, size=-1):
        if self.head:
            if size is None or size < 0:
                data, self.head = self.head + self.rest.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            if len(data) < size:
                data += self.rest.read(size - len(data))
            return data
        return self.rest.read(size)


def _uploaded_file(request):
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        try:
            return request.FILES.get("file")
        except MultiPartParserError:
            raise invalid("The multipart body could not be read.") from None
    # Mis-labelled multipart: clients that build the body by hand often forget the type.
    head = request.read(8192)
    first = head.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    if not first.startswith(b"--") or b"content-disposition: form-data" not in head.lower():
        return None
    boundary = first[2:].strip().decode("latin-1")
    meta = dict(request.META)
    meta["CONTENT_TYPE"] = f"multipart/form-data; boundary={boundary}"
    meta.pop("CONTENT_LENGTH", None)
    length = request.META.get("CONTENT_LENGTH") or ""
    meta["CONTENT_LENGTH"] = length if length.isdigit() else str(10**12)
    try:
        _post, files = MultiPartParser(
            meta, _Chain(head, request), request.upload_handlers, request.encoding
        ).parse()
    except MultiPartParserError:
        raise invalid("The multipart body could not be read.") from None
    return files.get("file")


def _media_error(error) -> CompatError:
    text = error.message
    lowered = text.lower()
    if "too large" in lowered or "larger than" in lowered or "bigger" in lowered:
        return fail(400, "File is too large.")
    if "type" in lowered or "format" in lowered or "not a" in lowered:
        return fail(400, "Unsupported file type.")
    return fail(400, text)


def _sniffed_or_refuse(head: bytes):
    from media.sniff import sniff

    kind = sniff(head)
    if kind is None or kind.kind not in ("image", "video"):
        raise fail(400, "Unsupported file type.")
    return kind


def upload(call: Call):
    from media.services import MediaError, media_upload, size_limit
    from media.sniff import HEAD_BYTES

    file = _uploaded_file(call.request)
    if file is None:
        raise fail(400, "No file provided")
    head = file.read(HEAD_BYTES)
    file.seek(0)
    kind = _sniffed_or_refuse(head)
    if file.size > size_limit(kind.kind):
        raise fail(400, "File is too large.")
    try:
        row = media_upload(
            organization=call.organization,
            actor=call.actor,
            file=file,
            filename=file.name,
            name=file.name,
        )
    except MediaError as error:
        raise _media_error(error) from None
    return json_response(_media_body(row), 201)


def upload_from_url(call: Call):
    from media.services import MediaError, media_upload_from_url

    data = call.data if isinstance(call.data, dict) else {}
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        raise invalid("url must be a URL address")
    try:
        row = media_upload_from_url(organization=call.organization, actor=call.actor, url=url)
    except MediaError as error:
        lowered = error.message.lower()
        if "too large" in lowered or "larger" in lowered:
            raise fail(400, "File is too large.") from None
        if "type" in lowered or "format" in lowered:
            raise fail(400, "Unsupported file type.") from None
        # Blocked addresses included: the reason is not disclosed.
        raise fail(400, "Failed to fetch URL") from None
    return json_response(_media_body(row), 201)


# -- Posts: reading -------------------------------------------------------------------------
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
        if moment > end or (until and current.date() > until):
            break
        if moment >= start:
            found.append((moment, anchor))
        current += step
    return found


_LIST_FIELDS = (
    "post__public_id",
    "post__group_id",
    "post__group__public_id",
    "post__group__creation_method",
    "post__group__repeat_every",
    "post__group__repeat_unit",
    "post__group__repeat_until",
    "post__group__timezone",
    "post__publish_at",
    "post__state",
    "post__remote_id",
    "post__remote_url",
    "settings_text",
    "post__integration__public_id",
    "post__integration__provider",
    "post__integration__name",
    "post__integration__avatar_url",
    "content",
)


def posts_list(call: Call):
    """Read as plain rows from the root items' side (one join, no model instances): this
    is the route clients poll, and instances would cost more than the rest of the request."""
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
    roots = (
        PostItem.objects.filter(
            position=0,
            post__organization=organization,
            post__group__deleted_at__isnull=True,
            post__integration__deleted_at__isnull=True,
        )
        .exclude(post__state=State.CANCELLED)
        .annotate(settings_text=Cast("post__settings", TextField()))
    )
    customer = call.query("customer")
    if customer:
        roots = roots.filter(post__integration__customer__public_id=_uuid(customer))
    # Two range reads instead of one OR, so each uses the (organization, publish_at) index.
    rows = list(
        roots.filter(post__publish_at__gte=start, post__publish_at__lte=end)
        .order_by("post__publish_at", "post_id")
        .values(*_LIST_FIELDS)
    )
    repeating = list(
        roots.filter(post__group__repeat_every__isnull=False, post__publish_at__lt=start)
        .order_by("post__publish_at", "post_id")
        .values(*_LIST_FIELDS)
    )
    rows = repeating + rows
    tags_by_group: dict[int, list[dict]] = {}
    org_id = shapes.organization_id(organization)
    stamp = iso_ms(organization.created_at)
    links = PostGroup.tags.through.objects.filter(
        postgroup_id__in={r["post__group_id"] for r in rows}
    ).values_list("postgroup_id", "tag__public_id", "tag__name", "tag__color")
    for group_id, public_id, name, color in links:
        tags_by_group.setdefault(group_id, []).append(
            {
                "tag": {
                    "id": str(public_id),
                    "name": name,
                    "color": color,
                    "orgId": org_id,
                    "deletedAt": None,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                }
            }
        )
    out = []
    for r in rows:
        every = r["post__group__repeat_every"]
        occurrences = _occurrences(
            r["post__publish_at"],
            every=every,
            unit=r["post__group__repeat_unit"],
            until=r["post__group__repeat_until"],
            zone_name=r["post__group__timezone"],
            start=start,
            end=end,
        )
        if not occurrences:
            continue
        base = {
            "id": str(r["post__public_id"]),
            "group": str(r["post__group__public_id"]),
            "content": html_to_text(r["content"] or ""),
            "state": shapes.STATE_NAMES.get(r["post__state"], "ERROR"),
            "releaseId": r["post__remote_id"] or None,
            "releaseURL": r["post__remote_url"] or None,
            "intervalInDays": (
                every * (7 if r["post__group__repeat_unit"] == "week" else 1) if every else None
            ),
            "creationMethod": shapes.CREATION_METHODS.get(r["post__group__creation_method"], "API"),
            # The database's own JSON text: no decode and re-encode per post.
            "settings": r["settings_text"] or "{}",
            "tags": tags_by_group.get(r["post__group_id"], []),
            "integration": {
                "id": str(r["post__integration__public_id"]),
                "providerIdentifier": r["post__integration__provider"],
                "name": r["post__integration__name"],
                "picture": r["post__integration__avatar_url"] or None,
            },
        }
        for when, anchor in occurrences:
            body = {**base, "publishDate": iso_ms(when)}
            if anchor is not None:
                body["actualDate"] = iso_ms(anchor)
            out.append(body)
    if repeating:
        out.sort(key=lambda body: body["publishDate"])
    return json_response({"posts": out})


def post_missing(call: Call, public_id):
    _post(call, public_id)
    # No provider here lists recent items to match a missing release id against.
    return json_response([])


# -- Posts: writing -------------------------------------------------------------------------
TYPES = ("draft", "schedule", "now", "update")
_MEDIA_PATH = re.compile(r"\.(png|jpe?g|gif|webp|mp4)$", re.IGNORECASE)


def _structure_errors(data: dict) -> list[str]:
    errors = []
    if data.get("type") not in TYPES:
        errors.append("type must be one of the following values: " + ", ".join(TYPES))
    if data.get("type") != "now" and parse_timestamp(data.get("date")) is None:
        errors.append("date must be a valid ISO 8601 date string")
    if "shortLink" in data and not isinstance(data["shortLink"], bool):
        errors.append("shortLink must be a boolean value")
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags):
        errors.append("tags must be an array of {value, label} objects")
    inter = data.get("inter")
    if inter is not None and (not isinstance(inter, int) or isinstance(inter, bool) or inter < 1):
        errors.append("inter must be an integer of 1 or more")
    posts = data.get("posts")
    if not isinstance(posts, list) or not posts:
        errors.append("posts must contain at least 1 elements")
        return errors
    for n, item in enumerate(posts):
        values = item.get("value")
        if not isinstance(values, list) or not values:
            errors.append(f"posts.{n}.value must contain at least 1 elements")
            continue
        if "settings" in item and not isinstance(item["settings"], dict):
            errors.append(f"posts.{n}.settings must be an object")
        if "group" in item and not isinstance(item["group"], str | int):
            errors.append(f"posts.{n}.group must be a string")
        for m, value in enumerate(values):
            where = f"posts.{n}.value.{m}"
            if not isinstance(value, dict):
                errors.append(f"{where} must be an object")
                continue
            if not isinstance(value.get("content"), str):
                errors.append(f"{where}.content must be a string")
            delay = value.get("delay", 0)
            if delay is not None and (
                not isinstance(delay, int) or isinstance(delay, bool) or delay < 0
            ):
                errors.append(f"{where}.delay must be an integer of 0 or more")
            images = value.get("image", [])
            if images is not None and (
                not isinstance(images, list) or not all(isinstance(i, dict) for i in images)
            ):
                errors.append(f"{where}.image must be an array of objects")
    return errors


def _resolve_media(call: Call, images: list[dict], cache: dict) -> tuple[list[int], dict]:
    ids, alts = [], {}
    library = MediaFile.objects.filter(organization=call.organization, deleted_at__isnull=True)
    for image in images or []:
        row = None
        found = _uuid(image.get("id"))
        if found:
            row = cache.get(found) or library.filter(public_id=found).first()
        path = image.get("path")
        if row is None and isinstance(path, str) and path:
            stored = path.split("?", 1)[0].rsplit("/", 1)[-1]
            if stored:
                row = library.filter(file__endswith="/" + stored).first()
        if row is None:
            # External addresses would have to be fetched at publish time; this server
            # only publishes files from its own library.
            raise fail(400, "All media must be uploaded through the upload route")
        cache[row.public_id] = row
        ids.append(row.pk)
        if isinstance(image.get("alt"), str) and image["alt"]:
            alts[row.pk] = image["alt"][:1500]
    return ids, alts


def _post_rule(provider: str, name: str, message: str) -> CompatError:
    return CompatError(
        json_response(
            {"statusCode": 400, "provider": provider, "name": name, "message": message}, 400
        )
    )


def _rate_limit(call: Call):
    organization = call.organization
    limit = organization.api_post_rate_limit
    if limit is None:
        limit = settings.COMPAT_POST_RATE_LIMIT
    if not limit:
        return
    result = rate_hit(
        f"compat-posts:{organization.pk}",
        limit=limit,
        window_seconds=settings.COMPAT_POST_RATE_WINDOW,
    )
    call.extra_headers.update({k: v for k, v in result.headers().items() if k != "Retry-After"})
    if not result.allowed:
        raise CompatError(
            json_response(
                {"statusCode": 429, "message": "ThrottlerException: Too Many Requests"},
                429,
                {**result.headers()},
            )
        )


def posts_create(call: Call):
    """POST /posts, honouring Idempotency-Key (a replay is not counted nor re-run)."""
    request = call.request
    try:
        idem = idempotency_key_of(request)
    except IdempotencyConflict as conflict:
        raise fail(conflict.status, conflict.message) from None
    if idem is None:
        _rate_limit(call)
        return _posts_create(call)
    fingerprint = body_fingerprint(json.dumps(call.data).encode(), "application/json")
    where = {"key": call.key, "method": "POST", "path": "/public/v1/posts", "idem_key": idem}
    try:
        stored = idempotency_begin(body_hash=fingerprint, **where)
    except IdempotencyConflict as conflict:
        raise fail(conflict.status, conflict.message) from None
    if stored is not None:
        response = json_response(None, stored.status)
        response.content = bytes(stored.body)
        response["Idempotent-Replayed"] = "true"
        return response
    try:
        _rate_limit(call)
        response = _posts_create(call)
    except CompatError as error:
        response = error.response
    except Exception:
        idempotency_finish(status=500, headers={}, body=b"", **where)
        raise
    idempotency_finish(
        status=response.status_code, headers=response.headers, body=response.content, **where
    )
    return response


def _posts_create(call: Call):
    from posts.services.groups import (
        GENERAL,
        ChannelInput,
        ItemInput,
        PostNotEditable,
        PostValidationError,
        post_group_create,
        post_group_update,
    )

    data = call.data
    if not isinstance(data, dict):
        raise invalid("The body must be a JSON object with type, date and posts.")
    posts = data.get("posts")
    # 1. Every item names its channel.
    if isinstance(posts, list):
        for item in posts:
            integration = item.get("integration") if isinstance(item, dict) else None
            if not isinstance(integration, dict) or integration.get("id") in (None, ""):
                raise fail(400, "All posts must have an integration id")
    # 2. Structure and types.
    errors = _structure_errors(data)
    if errors:
        raise invalid(*errors)
    kind = data["type"]
    organization = call.organization
    # 3. Channels.
    live = channel_selectors.integrations_for(organization=organization)
    channels = {}
    for item in posts:
        public = str(item["integration"]["id"])
        found = _uuid(public)
        channel = live.filter(public_id=found).first() if found else None
        if channel is None:
            raise fail(400, f"Integration with id {public} not found")
        channels[public] = channel
    # The group to edit, if any: the same on every item that names one.
    named = {str(item["group"]) for item in posts if item.get("group") not in (None, "")}
    if len(named) > 1:
        raise fail(400, "All posts of one request must share the same group")
    existing = None
    if named:
        existing = PostGroup.objects.filter(
            organization=organization, public_id=_uuid(named.pop()), deleted_at__isnull=True
        ).first()
    if existing is None:
        post_ids = [_uuid(v.get("id")) for item in posts for v in item["value"] if v.get("id")]
        post_ids = [p for p in post_ids if p]
        if post_ids:
            match = _posts_of(organization).filter(public_id__in=post_ids).first()
            existing = match.group if match else None
    if kind == "update" and existing is None:
        raise fail(400, "update requires an existing group or post id")
    # 4, 5. Media and emptiness.
    cache: dict = {}
    inputs = []
    for item in posts:
        channel = channels[str(item["integration"]["id"])]
        thread = []
        for position, value in enumerate(item["value"]):
            media_ids, alts = _resolve_media(call, value.get("image") or [], cache)
            text = html_to_text(value.get("content") or "")
            if position == 0 and not text.strip() and not media_ids:
                raise _post_rule(
                    channel.provider,
                    channel.name,
                    "Your post should have at least one character or one image.",
                )
            delay = int(value.get("delay") or 0) if position else 0
            thread.append(ItemInput(text, media_ids, delay, alts))
        settings_in = dict(item.get("settings") or {})
        # Compat shims: __type names the channel's network; X clients often omit this.
        settings_in["__type"] = channel.provider
        if channel.provider == "x":
            settings_in.setdefault("who_can_reply_post", "everyone")
        inputs.append(ChannelInput(channel.pk, thread, settings_in))
    labels = {
        str(t.get("label") or t.get("value") or "").strip().lower() for t in data.get("tags", [])
    }
    tag_ids = [
        t.pk
        for t in Tag.objects.filter(organization=organization)
        if t.name.strip().lower() in labels
    ]
    publish_at = parse_timestamp(data.get("date"))
    action = kind
    if kind == "now":
        publish_at = timezone.now().replace(second=0, microsecond=0)
    elif kind == "update":
        states = set(existing.posts.values_list("state", flat=True))
        action = "draft" if states <= {State.DRAFT} else "schedule"
    elif kind == "schedule" and publish_at <= timezone.now():
        action = "now"
    # 7. Re-queueing a published post needs the flag.
    if (
        existing is not None
        and kind in ("schedule", "now")
        and not data.get("republish")
        and existing.posts.filter(state=State.PUBLISHED).exists()
    ):
        raise fail(
            400,
            "This post was already published; send republish: true to publish it again.",
        )
    repeat = {}
    if data.get("inter"):
        repeat = {"repeat_every": data["inter"], "repeat_unit": "day"}
    common = {
        "actor": call.actor,
        "content": inputs[0].items,
        "channels": inputs,
        "action": action,
        "publish_at": publish_at if action != "now" else None,
        "timezone": organization.timezone,
        "tags": tag_ids,
        **repeat,
    }
    try:
        if existing is None:
            group = post_group_create(organization=organization, method="api", **common)
        else:
            group = post_group_update(group=existing, **common)
    except PostValidationError as error:
        for channel_id, issues in error.issues_by_channel.items():
            blocking = [i for i in issues if i.severity == "error"]
            if blocking:
                channel = next(
                    (c for c in channels.values() if c.pk == channel_id),
                    next(iter(channels.values())),
                )
                if channel_id == GENERAL:
                    raise fail(400, blocking[0].message) from None
                raise _post_rule(channel.provider, channel.name, blocking[0].message) from None
        raise fail(400, error.message) from None
    except PostNotEditable as error:
        raise fail(409, error.message) from None
    except ValidationError as error:
        raise fail(400, " ".join(error.messages)) from None
    rows = {p.integration_id: p for p in group.posts.all()}
    return json_response(
        [
            {
                "postId": str(rows[channels[str(item["integration"]["id"])].pk].public_id),
                "integration": str(channels[str(item["integration"]["id"])].public_id),
                "group": str(group.public_id),
            }
            for item in posts
        ],
        201,
    )


def _group_delete(call: Call, group: PostGroup) -> int:
    from posts.services.groups import post_group_delete

    if group.posts.filter(state=State.PUBLISHING).exists():
        raise fail(409, "Post is being published")
    count = group.posts.exclude(state=State.CANCELLED).count()
    post_group_delete(group=group, actor=call.actor)
    return count


def post_remove(call: Call, public_id):
    post = _post(call, public_id)
    _group_delete(call, post.group)
    return json_response(
        {"deleted": True, "id": str(post.public_id), "group": str(post.group.public_id)}
    )


def group_remove(call: Call, group):
    found = (
        PostGroup.objects.filter(
            organization=call.organization, public_id=_uuid(group), deleted_at__isnull=True
        ).first()
        if _uuid(group)
        else None
    )
    if found is None:
        raise fail(404, "Group not found")
    count = _group_delete(call, found)
    return json_response({"deleted": True, "group": str(found.public_id), "count": count})


def group_inputs(group: PostGroup, *, settings_for: dict | None = None):
    """The group as it stands, as service inputs (to re-save it with one change)."""
    from posts.services.groups import ChannelInput, ItemInput

    posts = (
        group.posts.exclude(state=State.CANCELLED)
        .prefetch_related(
            Prefetch("items", queryset=PostItem.objects.order_by("position")),
            Prefetch("items__attachments", queryset=PostItemMedia.objects.order_by("position")),
        )
        .order_by("id")
    )
    inputs = []
    for post in posts:
        items = [
            ItemInput(
                item.content,
                [a.media_id for a in item.attachments.all()],
                item.delay_minutes,
                {a.media_id: a.alt_text for a in item.attachments.all() if a.alt_text},
            )
            for item in post.items.all()
        ]
        chosen = (settings_for or {}).get(post.pk, post.settings)
        inputs.append(ChannelInput(post.integration_id, items, dict(chosen or {})))
    return inputs


def _resave(call: Call, group: PostGroup, *, action: str, publish_at, settings_for=None):
    from posts.services.groups import (
        GENERAL,
        PostNotEditable,
        PostValidationError,
        post_group_update,
    )

    inputs = group_inputs(group, settings_for=settings_for)
    try:
        return post_group_update(
            group=group,
            actor=call.actor,
            content=inputs[0].items if inputs else [],
            channels=inputs,
            action=action,
            publish_at=publish_at if action != "now" else None,
            timezone=group.timezone,
            tags=list(group.tags.values_list("pk", flat=True)),
            repeat_every=group.repeat_every,
            repeat_unit=group.repeat_unit,
            repeat_until=group.repeat_until,
        )
    except PostValidationError as error:
        names = {c.pk: c.name for c in Integration.objects.filter(posts__group=group)}
        for channel_id, issues in error.issues_by_channel.items():
            blocking = [i for i in issues if i.severity == "error"]
            if blocking:
                prefix = names.get(channel_id) if channel_id != GENERAL else None
                text = f"{prefix}: {blocking[0].message}" if prefix else blocking[0].message
                raise fail(400, text) from None
        raise fail(400, error.message) from None
    except PostNotEditable as error:
        raise fail(409, error.message) from None


def post_settings(call: Call, public_id):
    post = _post(call, public_id)
    data = call.data if isinstance(call.data, dict) else {}
    if not isinstance(data.get("settings"), dict):
        raise invalid("settings must be an object")
    if post.state not in (State.DRAFT, State.SCHEDULED):
        raise fail(
            400, "Only scheduled posts that were not published yet (or drafts) can be updated"
        )
    if post.state == State.SCHEDULED and post.publish_at and post.publish_at <= timezone.now():
        raise fail(400, "The publish time of this post already passed")
    merged = {**(post.settings or {}), **data["settings"], "__type": post.integration.provider}
    action = "draft" if post.state == State.DRAFT else "schedule"
    _resave(
        call, post.group, action=action, publish_at=post.publish_at, settings_for={post.pk: merged}
    )
    post.refresh_from_db()
    return json_response(
        {
            "postId": str(post.public_id),
            "publishDate": iso_ms(post.publish_at or post.group.created_at),
        }
    )


def post_status(call: Call, public_id):
    post = _post(call, public_id)
    data = call.data if isinstance(call.data, dict) else {}
    status = data.get("status")
    if status not in ("draft", "schedule"):
        raise invalid("status must be one of the following values: draft, schedule")
    if post.state == State.PUBLISHED:
        raise fail(400, "Published posts cannot change status")
    if post.state == State.PUBLISHING:
        raise fail(409, "Post is being published")
    when = post.publish_at
    if status == "schedule":
        action = "now" if when is None or when <= timezone.now() else "schedule"
    else:
        action = "draft"
    _resave(call, post.group, action=action, publish_at=when)
    post.refresh_from_db()
    return json_response(
        {"id": str(post.public_id), "state": "DRAFT" if post.state == State.DRAFT else "QUEUE"}
    )


def post_release_id(call: Call, public_id):
    post = _post(call, public_id)
    data = call.data if isinstance(call.data, dict) else {}
    if not isinstance(data.get("releaseId"), str | int) or not str(data["releaseId"]).strip():
        raise invalid("releaseId must be a string")
    if post.remote_id != "missing":
        raise fail(400, "This post is not waiting for a release id")
    # Our publisher always records the network's id, so no post waits for one here.
    raise fail(400, "This post is not waiting for a release id")


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
    post = _post(call, postId)
    _days(call)
    if post.remote_id == "missing":
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
