"""Request validation for the native API (these also describe it in the OpenAPI document)
and the functions that render our rows as its JSON (snake_case, string ids, RFC 3339)."""

from __future__ import annotations

from datetime import UTC

from django.utils import timezone as dj_timezone
from rest_framework import serializers

from integrations.models import Integration
from postiz.api import iso_ms
from posts.models import Post, PostGroup, Tag, Webhook
from posts.states import State


# -- Requests ----------------------------------------------------------------------------
class PublishAtField(serializers.DateTimeField):
    """RFC 3339. With an offset (or ``Z``) it is that instant; without one it is a
    wall-clock time in the post's zone, left naive here for the view to read in that zone
    (the composer's rule: a time the clocks skip moves forward, a doubled one is the first)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "With an offset or Z, that instant; without one, a local time in the post's "
            "zone (the timezone field, else the group's, else the organization's).",
        )
        super().__init__(**kwargs)

    def enforce_timezone(self, value):
        if dj_timezone.is_aware(value):
            try:
                return value.astimezone(UTC)
            except OverflowError:
                return value  # no UTC datetime so far out; the date range check refuses it
        return value


class ItemSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=100_000)
    media_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    delay_minutes = serializers.IntegerField(min_value=0, required=False, default=0)


class ChannelPostSerializer(serializers.Serializer):
    channel_id = serializers.CharField(max_length=64)
    items = ItemSerializer(many=True, required=False, allow_null=True, default=None)
    settings = serializers.DictField(required=False, default=dict)


class GroupCreateSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["draft", "schedule", "now", "queue"])
    publish_at = PublishAtField(required=False, allow_null=True, default=None)
    content = ItemSerializer(many=True, min_length=1)
    channels = ChannelPostSerializer(many=True, min_length=1)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    timezone = serializers.CharField(required=False, allow_blank=True, default="")


class GroupPatchSerializer(serializers.Serializer):
    publish_at = PublishAtField(required=False, allow_null=True)
    content = ItemSerializer(many=True, min_length=1, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    action = serializers.ChoiceField(choices=["draft", "schedule", "now"], required=False)


class PostCreateSerializer(serializers.Serializer):
    channel_id = serializers.CharField(max_length=64)
    action = serializers.ChoiceField(choices=["draft", "schedule", "now", "queue"])
    publish_at = PublishAtField(required=False, allow_null=True, default=None)
    items = ItemSerializer(many=True, min_length=1)
    settings = serializers.DictField(required=False, default=dict)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )


class PostPatchSerializer(serializers.Serializer):
    items = ItemSerializer(many=True, min_length=1, required=False)
    publish_at = PublishAtField(required=False, allow_null=True)
    settings = serializers.DictField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    republish = serializers.BooleanField(required=False, default=False)


class TagSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, default="#5b4bdb")


class WebhookSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.URLField(max_length=1000)
    events = serializers.ListField(child=serializers.CharField(max_length=40), min_length=1)
    channel_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    is_active = serializers.BooleanField(required=False, default=True)


class MediaImportSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)


class MediaUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    name = serializers.CharField(required=False, max_length=255)


# -- Responses ---------------------------------------------------------------------------
CHANNEL_STATUS = {
    Integration.Status.ACTIVE: "connected",
    Integration.Status.NEEDS_RECONNECT: "refresh_needed",
    Integration.Status.DISABLED: "disabled",
}


def channel(row: Integration) -> dict:
    return {
        "id": str(row.public_id),
        "name": row.name,
        "provider": row.provider,
        "username": row.username or None,
        "picture": row.avatar_url or None,
        "status": CHANNEL_STATUS.get(row.status, "incomplete"),
        "customer": (
            {"id": str(row.customer.public_id), "name": row.customer.name}
            if row.customer_id
            else None
        ),
        "posting_times": list(row.posting_times or []),
        "timezone": row.timezone,
        "created_at": iso_ms(row.created_at),
    }


def tag(row: Tag) -> dict:
    return {
        "id": str(row.public_id),
        "name": row.name,
        "color": row.color,
        "created_at": iso_ms(row.created_at),
        "updated_at": iso_ms(row.updated_at),
    }


# -- Answers (described in the OpenAPI document; ``post`` below renders them) ----------------
class PostItemOut(serializers.Serializer):
    position = serializers.IntegerField()
    text = serializers.CharField()
    delay_minutes = serializers.IntegerField()
    media_ids = serializers.ListField(child=serializers.CharField())
    remote_id = serializers.CharField(allow_null=True, help_text="The item's id on the network.")
    remote_url = serializers.CharField(allow_null=True)


class PostError(serializers.Serializer):
    kind = serializers.CharField()
    message = serializers.CharField()


class PostOut(serializers.Serializer):
    id = serializers.CharField()
    group_id = serializers.CharField()
    channel_id = serializers.CharField()
    state = serializers.ChoiceField(choices=[s.value for s in State])
    publish_at = serializers.DateTimeField(
        allow_null=True,
        help_text="The time the post was asked to go out. Retries never move it; null for a "
        "draft without a date.",
    )
    published_at = serializers.DateTimeField(
        allow_null=True, help_text="When it actually went out; null until it has."
    )
    next_attempt_at = serializers.DateTimeField(
        allow_null=True,
        help_text="For a scheduled post waiting to be tried again (after a failure the "
        "network may recover from, or while the network processes it): when the next "
        "attempt is due. Null otherwise.",
    )
    settings = serializers.DictField()
    items = PostItemOut(many=True)
    error = PostError(allow_null=True)
    release_id = serializers.CharField(allow_null=True, help_text="The post's id on the network.")
    release_url = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class PostPage(serializers.Serializer):
    data = PostOut(many=True)
    next_cursor = serializers.CharField(allow_null=True)


def next_attempt_at(row: Post):
    """The engine's next try, for a scheduled post that has one."""
    return row.retry_at if row.state == State.SCHEDULED else None


def post(row: Post) -> dict:
    items = []
    for item in row.items.all():
        items.append(
            {
                "position": item.position,
                "text": item.content,
                "delay_minutes": item.delay_minutes,
                "media_ids": [str(a.media.public_id) for a in item.attachments.all()],
                "remote_id": item.remote_id or None,
                "remote_url": item.remote_url or None,
            }
        )
    return {
        "id": str(row.public_id),
        "group_id": str(row.group.public_id),
        "channel_id": str(row.integration.public_id),
        "state": row.state,
        "publish_at": iso_ms(row.publish_at),
        "published_at": iso_ms(row.published_at),
        "next_attempt_at": iso_ms(next_attempt_at(row)),
        "settings": row.settings or {},
        "items": items,
        "error": (
            {"kind": row.error_kind, "message": row.error_message} if row.error_message else None
        ),
        "release_id": row.remote_id or None,
        "release_url": row.remote_url or None,
        "created_at": iso_ms(row.created_at),
        "updated_at": iso_ms(row.updated_at),
    }


def group(row: PostGroup, posts: list[dict], tags: list[Tag]) -> dict:
    return {
        "id": str(row.public_id),
        "timezone": row.timezone,
        "creation_method": row.creation_method,
        "repeat": (
            {"every": row.repeat_every, "unit": row.repeat_unit, "until": row.repeat_until}
            if row.repeat_every
            else None
        ),
        "content": row.content,
        "tags": [tag(t) for t in tags],
        "posts": posts,
        "created_at": iso_ms(row.created_at),
        "updated_at": iso_ms(row.updated_at),
    }


def webhook(row: Webhook) -> dict:
    return {
        "id": str(row.public_id),
        "name": row.name,
        "url": row.url,
        "events": list(row.events),
        "channel_ids": [str(c.public_id) for c in row.integrations.all()],
        "is_active": row.is_active,
        "created_at": iso_ms(row.created_at),
        "updated_at": iso_ms(row.updated_at),
    }
