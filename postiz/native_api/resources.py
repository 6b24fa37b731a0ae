"""What the native resources beside posts share: channel edits and preferences, customers,
signatures, sets, post comments, members and media edits.

Each resource has one DRF serializer that validates what a script sends and writes what it
reads (read-only fields are the answer's only), so the OpenAPI generator finds both from
the view's ``serializer_class``. Their ETags are the hash of the answer's JSON: any change a
script could see gives a new ETag, whatever the row keeps of its history.
"""

from __future__ import annotations

import json
from functools import wraps

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

# The views of these resources take ``idempotent`` (Idempotency-Key on creating POSTs)
# from here, so where the API machinery keeps it is said once.
from postiz.api import idempotent as idempotent
from postiz.api import iso_ms
from postiz.native_api.base import (
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag_of,
    page_limit,
)


# -- ETags of answers --------------------------------------------------------------------
def body_etag(body) -> str:
    """The ETag of an answer: its JSON, keys sorted, hashed."""
    return etag_of(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str))


def etagged(get):
    """A detail view's ``get`` whose 200 answer carries the ETag of its body; a GET whose
    If-None-Match names it is answered 304."""

    @wraps(get)
    def wrapper(self, request, *args, **kwargs):
        response = get(self, request, *args, **kwargs)
        if response.status_code != 200 or response.has_header("ETag"):
            return response
        tag = body_etag(response.data)
        sent = {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}
        if request.method == "GET" and tag in sent:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = tag
        return response

    return wrapper


def check_current(request, current: Response) -> None:
    """If-Match against the ETag of ``current``, the answer the resource's GET gives now
    (412 when If-Match names another version, 428 when required and missing)."""
    check_if_match(request, current["ETag"])


def answer(serializer, *, created_route: str | None = None) -> Response:
    """One object: 200, or 201 with its Location when ``created_route`` names the route
    that reads it; either way with its ETag."""
    body = serializer.data
    response = Response(body, status=status.HTTP_201_CREATED if created_route else 200)
    if created_route:
        response["Location"] = reverse(created_route, args=[body["id"]])
    response["ETag"] = body_etag(body)
    return response


# -- Lists and look-ups --------------------------------------------------------------------
def serializer_page(request, queryset, serializer_class, *, context=None, filters=None):
    """A page of ``queryset`` in id order, written by ``serializer_class``:
    ``{"data": [...], "next_cursor": str|null}`` (the cursor of ``id_page``)."""
    filters = filters or {}
    limit = page_limit(request)
    after = decode_cursor(request, filters)
    if after:
        try:
            queryset = queryset.filter(pk__gt=int(after[0]))
        except (TypeError, ValueError, IndexError):
            raise exceptions.ValidationError(
                {"cursor": "This cursor is not one we gave."}
            ) from None
    rows = list(queryset.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    if callable(context):
        context = context(rows)
    data = serializer_class(rows, many=True, context=context or {}).data
    return Response(
        {"data": data, "next_cursor": encode_cursor([rows[-1].pk], filters) if more else None}
    )


def _common():
    # Imported when used: the views package imports this module while it loads.
    from postiz.native_api.views import common

    return common


def by_public_id(queryset, value, thing: str):
    """The row of ``queryset`` (already the organization's) with this public id; 404 for
    anything else, another organization's ids included."""
    found = _common()._uuid(value)
    row = queryset.filter(public_id=found).first() if found else None
    if row is None:
        raise _common()._not_found(thing)
    return row


def in_body(queryset, value, field: str, thing: str):
    """A row named in the body by its public id: 400 naming the field when it is not the
    organization's."""
    found = _common()._uuid(value)
    row = queryset.filter(public_id=found).first() if found else None
    if row is None:
        raise exceptions.ValidationError({field: f"No {thing} {value} here."})
    return row


def validated(serializer_class, request, **kwargs) -> dict:
    """The request body checked by ``serializer_class``; a body that is not a JSON object
    is a 400 too."""
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object."]})
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def service(call, *, fields: dict | None = None):
    """Runs a service; its ValidationError is a 400 naming the field (renamed by ``fields``
    where the API calls it otherwise)."""
    try:
        return call()
    except DjangoValidationError as error:
        if fields and hasattr(error, "error_dict"):
            error = DjangoValidationError(
                {fields.get(k, k): v for k, v in error.error_dict.items()}
            )
        raise _common()._problem_from_django(error) from None


# -- Fields ------------------------------------------------------------------------------
class Timestamp(serializers.DateTimeField):
    """UTC with milliseconds and ``Z``, as every native answer writes times."""

    def to_representation(self, value):
        return iso_ms(value)


class PublicId(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("source", "public_id")
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)


# -- Channels --------------------------------------------------------------------------------
class ChannelPatchSerializer(serializers.Serializer):
    """What PATCH /channels/<id> may change; what it leaves out stays."""

    name = serializers.CharField(max_length=200)
    customer_id = serializers.CharField(
        max_length=64, allow_null=True, help_text="A customer's id, or null for none."
    )
    posting_times = serializers.ListField(
        child=serializers.CharField(max_length=8),
        min_length=1,
        max_length=48,
        help_text="Local wall-clock times HH:MM in the channel's timezone.",
    )
    timezone = serializers.CharField(max_length=64, help_text="An IANA zone, e.g. Europe/Paris.")


class PreferenceFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    choices = serializers.ListField(child=serializers.CharField())
    default = serializers.JSONField(allow_null=True)
    help_text = serializers.CharField()


class ChannelPreferencesSerializer(serializers.Serializer):
    """A channel's preferences (what its network lets a channel choose once, for every
    post). PUT replaces them all; a preference left out takes its default."""

    values = serializers.DictField()
    fields = PreferenceFieldSerializer(many=True, read_only=True)


# -- Customers -------------------------------------------------------------------------------
class CustomerSerializer(serializers.Serializer):
    id = PublicId()
    name = serializers.CharField(max_length=100)


# -- Signatures ------------------------------------------------------------------------------
class SignatureSerializer(serializers.Serializer):
    """Text added to posts; the default one starts every new post (one per organization:
    marking one unmarks the other)."""

    id = PublicId()
    name = serializers.CharField(max_length=100)
    content = serializers.CharField(max_length=2000)
    is_default = serializers.BooleanField(default=False)
    created_at = Timestamp(read_only=True)


# -- Sets -----------------------------------------------------------------------------------
class SetItemSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, max_length=20_000)
    media_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    delay_minutes = serializers.IntegerField(min_value=0, required=False, default=0)


class SetSerializer(serializers.Serializer):
    """A saved composer template: channels, the thread's items and per-channel settings.
    Ids are the channels' and media files' public ids; settings are keyed by channel id.
    Context ``channels`` and ``media`` map the stored row ids to public ids."""

    id = PublicId()
    name = serializers.CharField(max_length=100)
    channel_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, default=list
    )
    items = SetItemSerializer(many=True, required=False, default=list)
    settings = serializers.DictField(child=serializers.DictField(), required=False, default=dict)
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)

    def to_representation(self, instance):
        channels = self.context.get("channels", {})
        media = self.context.get("media", {})
        content = instance.content or {}
        return {
            "id": str(instance.public_id),
            "name": instance.name,
            "channel_ids": [channels[c] for c in content.get("channels", []) if c in channels],
            "items": [
                {
                    "text": item.get("text", ""),
                    "media_ids": [media[m] for m in item.get("media", []) if m in media],
                    "delay_minutes": item.get("delay_minutes") or 0,
                }
                for item in content.get("content", [])
            ],
            "settings": {
                channels[int(k)]: v
                for k, v in (content.get("settings") or {}).items()
                if str(k).isdigit() and int(k) in channels
            },
            "created_at": iso_ms(instance.created_at),
            "updated_at": iso_ms(instance.updated_at),
        }


class SetPatchSerializer(serializers.Serializer):
    """What a PATCH may change; a part left out keeps what the set holds."""

    name = serializers.CharField(max_length=100, required=False)
    channel_ids = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    items = SetItemSerializer(many=True, required=False)
    settings = serializers.DictField(child=serializers.DictField(), required=False)


# -- Comments ------------------------------------------------------------------------------
class AuthorSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()


class CommentSerializer(serializers.Serializer):
    """An internal note on a post's group: the team sees it, it is never published. The
    posts of one group share their comments."""

    id = PublicId()
    body = serializers.CharField(max_length=5000)
    author = AuthorSerializer(read_only=True, allow_null=True)
    created_at = Timestamp(read_only=True)


# -- Members ---------------------------------------------------------------------------------
class MemberSerializer(serializers.Serializer):
    id = PublicId()
    name = serializers.CharField(source="user.name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.CharField(read_only=True)
    joined_at = Timestamp(source="created_at", read_only=True)


# -- Media ---------------------------------------------------------------------------------
class MediaPatchSerializer(serializers.Serializer):
    """What PATCH /media/<id> may change: the name people see and the alt text read
    aloud by screen readers (the stored file never changes)."""

    name = serializers.CharField(max_length=255)
    alt_text = serializers.CharField(allow_blank=True, max_length=1500)
