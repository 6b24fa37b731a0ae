"""The compatible post writes: create/edit (POST /posts), deletes, settings, status and
release id, as thin adapters over posts.services.groups."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone

from integrations import selectors as channel_selectors
from integrations.models import Integration
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
from postiz.public_api import shapes
from postiz.public_api.transport import (
    Call,
    CompatError,
    fail,
    invalid,
    json_response,
)
from postiz.public_api.views import _post, _posts_of, _uuid, html_to_text
from posts.models import PostGroup, PostItem, PostItemMedia, Tag
from posts.services.validation import DATE_RANGE_TEXT, date_in_range
from posts.states import State

# -- Posts: writing -------------------------------------------------------------------------
TYPES = ("draft", "schedule", "now", "update")
_MEDIA_PATH = re.compile(r"\.(png|jpe?g|gif|webp|mp4)$", re.IGNORECASE)


def _structure_errors(data: dict) -> list[str]:
    errors = []
    if data.get("type") not in TYPES:
        errors.append("type must be one of the following values: " + ", ".join(TYPES))
    if data.get("type") != "now":
        when = parse_timestamp(data.get("date"))
        if when is None:
            errors.append("date must be a valid ISO 8601 date string")
        elif not date_in_range(when):
            errors.append(f"date must be {DATE_RANGE_TEXT} (UTC)")
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
    """A post that went out without the network giving its id (unconfirmed, or published
    without one) takes the id someone found; its address comes with it (``releaseURL``,
    else built from the id where the network's addresses allow)."""
    from posts.services.reschedule import (
        clean_remote_id,
        clean_remote_url,
        post_awaits_release_id,
        post_set_release_id,
    )

    post = _post(call, public_id)
    data = call.data if isinstance(call.data, dict) else {}
    release, url = data.get("releaseId"), data.get("releaseURL")
    if isinstance(release, bool) or not isinstance(release, str | int):
        raise invalid("releaseId must be a string")
    if url is not None and not isinstance(url, str):
        raise invalid("releaseURL must be a string")
    try:
        release = clean_remote_id(release)
    except ValidationError as error:
        raise invalid(f"releaseId: {' '.join(error.messages)}") from None
    try:
        url = clean_remote_url(url) if url and url.strip() else ""
    except ValidationError as error:
        raise invalid(f"releaseURL: {' '.join(error.messages)}") from None
    if not post_awaits_release_id(post):
        raise fail(400, "This post is not waiting for a release id")
    channel = post.integration
    try:
        ref = channel.provider_instance().ref_for_id(channel.as_channel(), release)
    except LookupError:  # a network this server no longer knows: the id as given
        ref = None
    try:
        post = post_set_release_id(
            post=post,
            actor=call.actor,
            remote_id=ref.id if ref else release,
            url=url or (ref.url if ref else ""),
            request=call.request,
        )
    except ValidationError:  # its state changed meanwhile
        raise fail(400, "This post is not waiting for a release id") from None
    post = _post(call, post.public_id)
    root = post.items.filter(position=0).values_list("content", flat=True).first() or ""
    tags = list(post.group.tags.order_by("id"))
    body = shapes.post(post, root_text=html_to_text(root), tags=tags)
    body.update(
        {
            "organizationId": shapes.organization_id(call.organization),
            "integrationId": str(channel.public_id),
            "parentPostId": None,
            "error": post.error_message or None,
            "createdAt": iso_ms(post.created_at),
            "updatedAt": iso_ms(post.updated_at),
        }
    )
    return json_response(body)
