"""RSS and Atom feeds: list, create, read, update, delete, fetch now and resume.

Feeds write posts, so they take the posts scopes: reading them needs posts:read, and
everything that changes them (or makes them post) needs posts:write."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from postiz.api import idempotent
from postiz.api_serializers import AnswerSerializer, TimestampField
from postiz.native_api import serializers as s
from postiz.native_api.base import Conflict, NativeView, check_if_match, etag_of, id_page, with_etag
from postiz.native_api.views.common import (
    _channel_in_body,
    _not_found,
    _problem_from_django,
    _uuid,
    _validated,
)
from posts.feeds import selectors, services
from posts.feeds.models import MIN_INTERVAL_MINUTES, Feed
from posts.feeds.text import DEFAULT_TEMPLATE, PLACEHOLDER_HELP


# -- Bodies -------------------------------------------------------------------------------
class FeedSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=1000, help_text="The RSS or Atom address.")
    channel_ids = serializers.ListField(
        child=serializers.CharField(), min_length=1, help_text="The channels to post to."
    )
    customer_id = serializers.CharField(
        required=False, allow_null=True, help_text="Only that customer's channels, if set."
    )
    template = serializers.CharField(
        required=False, default=DEFAULT_TEMPLATE, help_text=f"Placeholders: {PLACEHOLDER_HELP}."
    )
    channel_templates = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=dict,
        help_text="A channel's own text, by channel id; the template otherwise.",
    )
    mode = serializers.ChoiceField(Feed.Mode.values, required=False, default=Feed.Mode.QUEUE)
    with_review = serializers.BooleanField(required=False, default=False)
    image = serializers.ChoiceField(Feed.Image.values, required=False, default=Feed.Image.NONE)
    backlog = serializers.ChoiceField(
        Feed.Backlog.values,
        required=False,
        default=Feed.Backlog.DRAFTS,
        help_text="What the first read does with the entries already in the feed.",
    )
    interval_minutes = serializers.IntegerField(
        required=False, default=60, help_text=f"{MIN_INTERVAL_MINUTES} at the least."
    )


class FeedOut(AnswerSerializer):
    """A feed (its channels and customer prefetched)."""

    id = serializers.CharField(source="public_id")
    name = serializers.CharField()
    url = serializers.CharField()
    channel_ids = serializers.SerializerMethodField()
    customer_id = serializers.SerializerMethodField()
    template = serializers.CharField()
    channel_templates = serializers.SerializerMethodField()
    mode = serializers.CharField()
    with_review = serializers.BooleanField()
    image = serializers.CharField()
    backlog = serializers.CharField()
    interval_minutes = serializers.IntegerField()
    state = serializers.CharField(help_text="active, or paused after failing reads.")
    fetching = serializers.SerializerMethodField(help_text="A fetch now is waiting or running.")
    last_error = serializers.CharField()
    consecutive_failures = serializers.IntegerField()
    last_result = serializers.JSONField(help_text="What the last read did (counts by outcome).")
    last_fetched_at = TimestampField(allow_null=True)
    next_fetch_at = TimestampField()
    created_at = TimestampField()
    updated_at = TimestampField()

    def get_channel_ids(self, row) -> list[str]:
        return [str(c.public_id) for c in row.integrations.all()]

    def get_customer_id(self, row) -> str | None:
        return str(row.customer.public_id) if row.customer_id else None

    def get_channel_templates(self, row) -> dict[str, str]:
        by_pk = {str(c.pk): str(c.public_id) for c in row.integrations.all()}
        return {by_pk[k]: v for k, v in row.channel_templates.items() if k in by_pk}

    def get_fetching(self, row) -> bool:
        return row.fetch_pending


# -- Views --------------------------------------------------------------------------------
def _rows(view):
    return (
        selectors.feeds_for(organization=view.organization)
        .select_related("customer")
        .prefetch_related("integrations")
    )


def _feed(view, public_id) -> Feed:
    found = _uuid(public_id)
    row = selectors.feed_get(organization=view.organization, public_id=found) if found else None
    if row is None:
        raise _not_found("Feed")
    return row


def _tag(row: Feed) -> str:
    return etag_of("feed", row.pk, row.updated_at.isoformat())


def _fields(view, data: dict, current: Feed | None = None) -> dict:
    """The service's keyword arguments from a (partial) body, ids resolved in the key's
    organization: a channel or customer of another answers 400 naming it."""

    def pick(name, default):
        return data.get(name, default)

    if "channel_ids" in data:
        channels = [_channel_in_body(view, i) for i in data["channel_ids"]]
    else:
        channels = list(current.integrations.all()) if current else []
    customer = current.customer if current else None
    if "customer_id" in data:
        customer = None
        if data["customer_id"]:
            found = _uuid(data["customer_id"])
            customer = (
                channel_selectors.customers_for(organization=view.organization)
                .filter(public_id=found)
                .first()
                if found
                else None
            )
            if customer is None:
                raise exceptions.ValidationError(
                    {"customer_id": f"No customer {data['customer_id']} here."}
                )
    if "channel_templates" in data:
        by_id = {str(c.public_id): c for c in channels}
        overrides = {}
        for channel_id, text in data["channel_templates"].items():
            if channel_id not in by_id:
                raise exceptions.ValidationError(
                    {"channel_templates": f"Channel {channel_id} is not one the feed posts to."}
                )
            overrides[str(by_id[channel_id].pk)] = text
    else:
        overrides = dict(current.channel_templates) if current else {}
    return {
        "name": pick("name", current.name if current else ""),
        "url": pick("url", current.url if current else ""),
        "integrations": channels,
        "customer": customer,
        "template": pick("template", current.template if current else DEFAULT_TEMPLATE),
        "channel_templates": overrides,
        "mode": pick("mode", current.mode if current else Feed.Mode.QUEUE),
        "with_review": pick("with_review", current.with_review if current else False),
        "image": pick("image", current.image if current else Feed.Image.NONE),
        "backlog": pick("backlog", current.backlog if current else Feed.Backlog.DRAFTS),
        "interval_minutes": pick("interval_minutes", current.interval_minutes if current else 60),
    }


class Feeds(NativeView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}

    @s.listed(FeedOut)
    def get(self, request):
        return id_page(request, _rows(self), FeedOut, {})

    @extend_schema(request=FeedSerializer, responses={201: FeedOut})
    @idempotent
    def post(self, request):
        data = _validated(FeedSerializer, request)
        try:
            row = services.feed_create(
                organization=self.organization,
                actor=request.auth.created_by,
                request=request,
                **_fields(self, data),
            )
        except DjangoValidationError as error:
            raise _problem_from_django(error) from None
        row = _feed(self, row.public_id)
        response = Response(FeedOut(row).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_feed", args=[row.public_id])
        return response


class FeedDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    @extend_schema(responses=FeedOut)
    def get(self, request, public_id):
        row = _feed(self, public_id)
        return with_etag(request, FeedOut(row).data, _tag(row))

    @extend_schema(request=FeedSerializer, responses=FeedOut)
    def patch(self, request, public_id):
        row = _feed(self, public_id)
        check_if_match(request, _tag(row))
        data = _validated(FeedSerializer, request, partial=True)
        try:
            services.feed_update(
                feed=row,
                actor=request.auth.created_by,
                request=request,
                **_fields(self, data, row),
            )
        except DjangoValidationError as error:
            raise _problem_from_django(error) from None
        row = _feed(self, public_id)
        return with_etag(request, FeedOut(row).data, _tag(row))

    def delete(self, request, public_id):
        row = _feed(self, public_id)
        check_if_match(request, _tag(row))
        services.feed_delete(feed=row, actor=request.auth.created_by, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FeedFetch(NativeView):
    """Fetch now: the worker reads the feed; GET the feed to see ``fetching`` turn false
    and ``last_result`` (or ``last_error``)."""

    scopes = {"POST": "posts:write"}
    creates = False
    schema_problems = {"POST": [409]}

    @extend_schema(request=None, responses={202: FeedOut})
    def post(self, request, public_id):
        row = _feed(self, public_id)
        try:
            services.feed_fetch_request(feed=row, actor=request.auth.created_by, request=request)
        except services.FeedBusy as busy:
            raise Conflict(str(busy)) from None
        row = _feed(self, public_id)
        return Response(FeedOut(row).data, status=status.HTTP_202_ACCEPTED)


class FeedResume(NativeView):
    """Resume a paused feed: its failure count is cleared and it is read at once."""

    scopes = {"POST": "posts:write"}
    creates = False

    @extend_schema(request=None, responses={200: FeedOut})
    def post(self, request, public_id):
        row = _feed(self, public_id)
        services.feed_resume(feed=row, actor=request.auth.created_by, request=request)
        row = _feed(self, public_id)
        return Response(FeedOut(row).data)
