"""Post groups and posts: create, read, PATCH with If-Match, delete, and the post list.

Each method reads the request, calls posts.services.groups (or reschedule) and answers
with the serializers' PostOut and GroupOut: a single post and a page of posts are written
by the same serializer from the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone as dj_timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from media.selectors import media_for_organization
from postiz.api import idempotent, parse_timestamp
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    Conflict,
    NativeView,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag_of,
    page_limit,
    with_etag,
)
from postiz.native_api.views.common import (
    _channel_in_body,
    _not_found,
    _problem_from_django,
    _uuid,
    _validated,
)
from posts import selectors as post_selectors
from posts.models import Tag
from posts.states import State


# -- Reading the request --------------------------------------------------------------------
def _media_pks(organization, ids) -> list[int]:
    wanted = [_uuid(i) for i in ids]
    if any(w is None for w in wanted):
        raise exceptions.ValidationError({"media_ids": "Use the ids of files in your library."})
    found = dict(
        media_for_organization(organization)
        .filter(public_id__in=wanted)
        .values_list("public_id", "pk")
    )
    missing = [str(w) for w in wanted if w not in found]
    if missing:
        raise exceptions.ValidationError({"media_ids": f"No file {missing[0]} in your library."})
    return [found[w] for w in wanted]


def _tag_pks(organization, ids) -> list[int]:
    wanted = [_uuid(i) for i in ids]
    found = dict(
        Tag.objects.filter(
            organization=organization, public_id__in=[w for w in wanted if w]
        ).values_list("public_id", "pk")
    )
    if any(w not in found for w in wanted):
        raise exceptions.ValidationError({"tags": "Use the ids of this organization's tags."})
    return [found[w] for w in wanted]


def _items(organization, raw) -> list:
    from posts.services.groups import ItemInput

    return [
        ItemInput(
            i["text"],
            _media_pks(organization, i.get("media_ids") or []),
            i.get("delay_minutes") or 0,
        )
        for i in raw
    ]


def _in_zone(when: datetime | None, zone_name: str) -> datetime | None:
    """A ``publish_at`` sent without an offset, read as a wall-clock time in the post's
    zone by the composer's rule (posts.repeats.wall_clock_to_utc): a time the clocks skip
    moves forward by the gap, a time that happens twice means the first. An unknown zone
    reads it as UTC; the validator then refuses the zone itself."""
    if when is None or dj_timezone.is_aware(when):
        return when
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = when.replace(tzinfo=zone, fold=0)
    try:
        return local.astimezone(UTC)
    except OverflowError:
        return local  # too far to convert; the date range check refuses it


# -- Calling the services -------------------------------------------------------------------
def _issues_problem(error) -> exceptions.ValidationError:
    from integrations.models import Integration

    names = dict(
        Integration.objects.filter(pk__in=list(error.issues_by_channel)).values_list(
            "pk", "public_id"
        )
    )
    details = {}
    for channel_id, issues in error.issues_by_channel.items():
        blocking = [f"{i.field}: {i.message}" for i in issues if i.severity == "error"]
        if blocking:
            details[f"channels.{names.get(channel_id, 'general')}"] = blocking
    return exceptions.ValidationError(details or {"non_field_errors": [error.message]})


def _run_group_service(call, *, published: str = ""):
    """The service's refusals as problems: what to fix (400), or a conflict with the
    post's state (409; ``published`` is what to say when a published post would go out
    again without republish)."""
    from posts.services.groups import PostNotEditable, PostValidationError, RepublishRequired

    try:
        return call()
    except PostValidationError as error:
        raise _issues_problem(error) from None
    except RepublishRequired as error:
        raise Conflict(published or error.message) from None
    except PostNotEditable as error:
        raise Conflict(error.message) from None
    except DjangoValidationError as error:
        raise _problem_from_django(error) from None


# -- Answers --------------------------------------------------------------------------------
def _post_row(view, public_id) -> dict:
    """The answer row of one of the organization's posts (404 for anyone else's)."""
    found = _uuid(public_id)
    rows = (
        s.PostOut.rows(
            post_selectors.posts_for(organization=view.organization).filter(public_id=found)
        )
        if found
        else []
    )
    if not rows:
        raise _not_found("Post")
    return rows[0]


def _post_etag(row: dict) -> str:
    return etag_of(
        "post", row["pk"], row["updated_at"].isoformat(), row["group__updated_at"].isoformat()
    )


def _group_row(view, group) -> dict:
    [row] = s.GroupOut.rows(
        post_selectors.groups_for(organization=view.organization).filter(pk=group.pk),
        post_selectors.posts_for(organization=view.organization),
    )
    return row


def _group_etag(row: dict) -> str:
    return etag_of(
        "group",
        row["pk"],
        row["updated_at"].isoformat(),
        *[post["updated_at"].isoformat() for post in row["posts"]],
    )


def _group(view, public_id):
    found = _uuid(public_id)
    row = (
        post_selectors.groups_for(organization=view.organization).filter(public_id=found).first()
        if found
        else None
    )
    if row is None:
        raise _not_found("Group")
    return row


# -- Groups ---------------------------------------------------------------------------------
def _choose_links(group, shorten: bool | None) -> None:
    """The post's answer to "shorten its links?", when the client gave one."""
    if shorten is not None:
        from posts.links.services import group_links_choose

        group_links_choose(group=group, shorten=shorten)


class Groups(NativeView):
    scopes = {"POST": "posts:write"}

    @extend_schema(request=s.GroupCreateSerializer, responses={201: s.GroupOut})
    @idempotent
    def post(self, request):
        from posts.services.groups import ChannelInput, post_group_create

        data = _validated(s.GroupCreateSerializer, request)
        organization = self.organization
        zone = data.get("timezone") or organization.timezone
        channels = []
        for c in data["channels"]:
            row = _channel_in_body(self, c["channel_id"])
            items = _items(organization, c["items"]) if c.get("items") else None
            channels.append(ChannelInput(row.pk, items, c.get("settings") or {}))
        group = _run_group_service(
            lambda: post_group_create(
                organization=organization,
                actor=request.auth.created_by,
                content=_items(organization, data["content"]),
                channels=channels,
                action=data["action"],
                publish_at=_in_zone(data.get("publish_at"), zone),
                timezone=zone,
                tags=_tag_pks(organization, data.get("tags") or []),
                method="api",
            )
        )
        _choose_links(group, data.get("shorten_links"))
        row = _group_row(self, group)
        response = Response(s.GroupOut(row).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_group", args=[group.public_id])
        response["ETag"] = _group_etag(row)
        return response


class GroupDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    @extend_schema(responses=s.GroupOut)
    def get(self, request, public_id):
        row = _group_row(self, _group(self, public_id))
        return with_etag(request, s.GroupOut(row).data, _group_etag(row))

    @extend_schema(request=s.GroupPatchSerializer, responses=s.GroupOut)
    def patch(self, request, public_id):
        from posts.services.groups import post_group_change

        group = _group(self, public_id)
        check_if_match(request, _group_etag(_group_row(self, group)))
        data = _validated(s.GroupPatchSerializer, request, partial=True)
        changes = {}
        if "content" in data:
            changes["content"] = _items(self.organization, data["content"])
        if "publish_at" in data:
            changes["publish_at"] = _in_zone(data["publish_at"], group.timezone)
        if "tags" in data:
            changes["tags"] = _tag_pks(self.organization, data["tags"])
        _run_group_service(
            lambda: post_group_change(
                group=group, actor=request.auth.created_by, action=data.get("action"), **changes
            )
        )
        row = _group_row(self, group)
        return with_etag(request, s.GroupOut(row).data, _group_etag(row))

    def delete(self, request, public_id):
        from posts.services.groups import PostBeingPublished, post_group_delete

        group = _group(self, public_id)
        check_if_match(request, _group_etag(_group_row(self, group)))
        try:
            post_group_delete(group=group, actor=request.auth.created_by, while_publishing="refuse")
        except PostBeingPublished:
            raise Conflict(
                "A post of this group is being published; try again in a minute."
            ) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- Posts ----------------------------------------------------------------------------------
POST_FILTERS = ("state", "channel", "customer", "tag", "from", "to", "q")


class Posts(NativeView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}

    @extend_schema(
        parameters=[OpenApiParameter(name, str, required=False) for name in POST_FILTERS]
        + [
            OpenApiParameter("limit", int, required=False),
            OpenApiParameter("cursor", str, required=False),
        ],
        responses=s.PostPage,
    )
    def get(self, request):
        params = request.query_params
        filters = {name: params.get(name) for name in POST_FILTERS if params.get(name)}
        rows = post_selectors.posts_for(organization=self.organization).annotate(
            sort_at=Coalesce("publish_at", "created_at")
        )
        if "state" in filters:
            if filters["state"] not in State.values:
                raise exceptions.ValidationError(
                    {"state": f"Use one of {', '.join(State.values)}."}
                )
            rows = rows.filter(state=filters["state"])
        for name, lookup in (("from", "sort_at__gte"), ("to", "sort_at__lte")):
            if name in filters:
                moment = parse_timestamp(filters[name])
                if moment is None:
                    raise exceptions.ValidationError({name: "Use an RFC 3339 date and time."})
                rows = rows.filter(**{lookup: moment})
        if "customer" in filters:
            # An id that is not one of the organization's customers, whatever its form, is
            # an unknown customer (never "the posts of channels without one").
            customer = (
                channel_selectors.customers_for(organization=self.organization)
                .filter(public_id=_uuid(filters["customer"]))
                .first()
                if _uuid(filters["customer"])
                else None
            )
            if customer is None:
                raise _not_found("Customer")
            rows = rows.filter(integration__customer=customer)
        if "channel" in filters:
            rows = rows.filter(integration__public_id=_uuid(filters["channel"]))
        if "tag" in filters:
            rows = rows.filter(group__tags__public_id=_uuid(filters["tag"]))
        if "q" in filters:
            rows = rows.filter(items__position=0, items__content__icontains=filters["q"])
        limit = page_limit(request)
        after = decode_cursor(request, filters)
        if after:
            moment, pk = parse_timestamp(after[0]), int(after[1])
            if moment is None:
                raise exceptions.ValidationError({"cursor": "This cursor is not one we gave."})
            rows = rows.filter(Q(sort_at__gt=moment) | Q(sort_at=moment, pk__gt=pk))
        page = s.PostOut.rows(rows.order_by("sort_at", "pk")[: limit + 1], etag=False)
        cursor = None
        if len(page) > limit:
            page = page[:limit]
            last = page[-1]
            sort_at = last["publish_at"] or last["created_at"]
            cursor = encode_cursor([sort_at.isoformat(), last["pk"]], filters)
        return Response({"data": s.PostOut(page, many=True).data, "next_cursor": cursor})

    @extend_schema(request=s.PostCreateSerializer, responses={201: s.PostOut})
    @idempotent
    def post(self, request):
        from posts.services.groups import ChannelInput, post_group_create

        data = _validated(s.PostCreateSerializer, request)
        organization = self.organization
        channel = _channel_in_body(self, data["channel_id"])
        items = _items(organization, data["items"])
        group = _run_group_service(
            lambda: post_group_create(
                organization=organization,
                actor=request.auth.created_by,
                content=items,
                channels=[ChannelInput(channel.pk, None, data.get("settings") or {})],
                action=data["action"],
                publish_at=_in_zone(data.get("publish_at"), organization.timezone),
                timezone=organization.timezone,
                tags=_tag_pks(organization, data.get("tags") or []),
                method="api",
            )
        )
        _choose_links(group, data.get("shorten_links"))
        [row] = s.PostOut.rows(
            post_selectors.posts_for(organization=organization).filter(group=group)
        )
        response = Response(s.PostOut(row).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_post", args=[row["public_id"]])
        response["ETag"] = _post_etag(row)
        return response


class PostDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    @extend_schema(responses=s.PostOut)
    def get(self, request, public_id):
        row = _post_row(self, public_id)
        return with_etag(request, s.PostOut(row).data, _post_etag(row))

    @extend_schema(request=s.PostPatchSerializer, responses=s.PostOut)
    def patch(self, request, public_id):
        from posts.services.groups import post_group_change

        row = _post_row(self, public_id)
        check_if_match(request, _post_etag(row))
        data = _validated(s.PostPatchSerializer, request, partial=True)
        post = post_selectors.posts_for(organization=self.organization).get(pk=row["pk"])
        changes = {}
        if "items" in data:
            changes["items_for"] = {post.integration_id: _items(self.organization, data["items"])}
        if "settings" in data:
            changes["settings_for"] = {post.integration_id: data["settings"] or {}}
        if "publish_at" in data:
            changes["publish_at"] = _in_zone(data["publish_at"], post.group.timezone)
        if "tags" in data:
            changes["tags"] = _tag_pks(self.organization, data["tags"])
        _run_group_service(
            lambda: post_group_change(
                group=post.group,
                actor=request.auth.created_by,
                republish=data.get("republish", False),
                **changes,
            ),
            published="This post was published; send republish: true to post it again.",
        )
        row = _post_row(self, public_id)
        return with_etag(request, s.PostOut(row).data, _post_etag(row))

    def delete(self, request, public_id):
        from posts.services.reschedule import post_cancel

        row = _post_row(self, public_id)
        check_if_match(request, _post_etag(row))
        post = post_selectors.posts_for(organization=self.organization).get(pk=row["pk"])
        try:
            # A post being published is left to finish: the service refuses, saying so.
            post_cancel(post=post, actor=request.auth.created_by, request=request)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
