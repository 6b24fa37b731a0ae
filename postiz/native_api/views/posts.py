"""Post groups and posts: create, read, PATCH with If-Match, delete, and the post list."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone as dj_timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from media.models import MediaFile
from postiz.api import parse_timestamp
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    Conflict,
    NativeView,
    check_if_match,
    decode_cursor,
    encode_cursor,
    etag_of,
    idempotent,
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
from postiz.public_api import shapes
from postiz.public_api.post_list import prepared_cursor
from postiz.public_api.posts import group_inputs
from posts.models import Post, PostGroup, PostItem, PostItemMedia, Tag
from posts.states import State


# -- Posts and groups ------------------------------------------------------------------------
def _posts_query(organization):
    items = PostItem.objects.order_by("position").prefetch_related(
        Prefetch(
            "attachments",
            queryset=PostItemMedia.objects.select_related("media").order_by("position"),
        )
    )
    return (
        Post.objects.filter(
            organization=organization,
            group__deleted_at__isnull=True,
            integration__deleted_at__isnull=True,
        )
        .exclude(state=State.CANCELLED)
        .select_related("group", "integration")
        .prefetch_related(Prefetch("items", queryset=items))
    )


def _post_etag(post: Post) -> str:
    return etag_of("post", post.pk, post.updated_at.isoformat(), post.group.updated_at.isoformat())


def _group_etag(group: PostGroup, posts) -> str:
    return etag_of(
        "group", group.pk, group.updated_at.isoformat(), *[p.updated_at.isoformat() for p in posts]
    )


def _media_pks(organization, ids) -> list[int]:
    wanted = [_uuid(i) for i in ids]
    if any(w is None for w in wanted):
        raise exceptions.ValidationError({"media_ids": "Use the ids of files in your library."})
    found = dict(
        MediaFile.objects.filter(
            organization=organization, deleted_at__isnull=True, public_id__in=wanted
        ).values_list("public_id", "pk")
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


def _run_group_service(call):
    from posts.services.groups import PostNotEditable, PostValidationError

    try:
        return call()
    except PostValidationError as error:
        raise _issues_problem(error) from None
    except PostNotEditable as error:
        raise Conflict(error.message) from None
    except DjangoValidationError as error:
        raise _problem_from_django(error) from None


def _group_body(group: PostGroup) -> tuple[dict, str]:
    posts = list(_posts_query(group.organization).filter(group=group).order_by("id"))
    tags = list(group.tags.all())
    return s.group(group, [s.post(p) for p in posts], tags), _group_etag(group, posts)


def _group(view, public_id) -> PostGroup:
    found = _uuid(public_id)
    row = (
        PostGroup.objects.filter(
            organization=view.organization, public_id=found, deleted_at__isnull=True
        ).first()
        if found
        else None
    )
    if row is None:
        raise _not_found("Group")
    return row


class Groups(NativeView):
    scopes = {"POST": "posts:write"}

    @extend_schema(request=s.GroupCreateSerializer)
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
        body, tag = _group_body(group)
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_group", args=[group.public_id])
        response["ETag"] = tag
        return response


def _current_action(posts) -> str:
    states = {p.state for p in posts}
    return "draft" if states <= {State.DRAFT} else "schedule"


class GroupDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    def get(self, request, public_id):
        body, tag = _group_body(_group(self, public_id))
        return with_etag(request, body, tag)

    @extend_schema(request=s.GroupPatchSerializer)
    def patch(self, request, public_id):
        from posts.services.groups import post_group_update

        group = _group(self, public_id)
        _body, tag = _group_body(group)
        check_if_match(request, tag)
        data = _validated(s.GroupPatchSerializer, request, partial=True)
        posts = list(group.posts.exclude(state=State.CANCELLED))
        inputs = group_inputs(group)
        if "content" in data:
            content = _items(self.organization, data["content"])
            for channel_input, post in zip(inputs, sorted(posts, key=lambda p: p.pk), strict=False):
                if not post.customized:
                    channel_input.items = content
        else:
            from posts.services.groups import items_from_json

            content = items_from_json(group.content)
        publish_at = (
            _in_zone(data["publish_at"], group.timezone)
            if "publish_at" in data
            else (posts[0].publish_at if posts else None)
        )
        tags = (
            _tag_pks(self.organization, data["tags"])
            if "tags" in data
            else list(group.tags.values_list("pk", flat=True))
        )
        action = data.get("action") or _current_action(posts)
        _run_group_service(
            lambda: post_group_update(
                group=group,
                actor=request.auth.created_by,
                content=content,
                channels=inputs,
                action=action,
                publish_at=publish_at if action != "now" else None,
                timezone=group.timezone,
                tags=tags,
                repeat_every=group.repeat_every,
                repeat_unit=group.repeat_unit,
                repeat_until=group.repeat_until,
            )
        )
        group.refresh_from_db()
        body, tag = _group_body(group)
        return with_etag(request, body, tag)

    def delete(self, request, public_id):
        from posts.services.groups import post_group_delete

        group = _group(self, public_id)
        _body, tag = _group_body(group)
        check_if_match(request, tag)
        if group.posts.filter(state=State.PUBLISHING).exists():
            raise Conflict("A post of this group is being published; try again in a minute.")
        post_group_delete(group=group, actor=request.auth.created_by)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _posts_base(organization):
    return Post.objects.filter(
        organization=organization,
        group__deleted_at__isnull=True,
        integration__deleted_at__isnull=True,
    ).exclude(state=State.CANCELLED)


# A page of posts as finished JSON text, written by PostgreSQL (shapes.sql_object) from
# the page's ids (a subquery the ORM writes from the filters): lists are what clients
# poll, and turning rows into dicts and encoding them again cost most of the request.
# serializers.post makes the same object from instances, for single posts. Each row also
# carries its pk and its sort key with every microsecond, for the next cursor.
_ITEM = shapes.sql_object(
    [
        ("position", shapes.sql_number("i.position")),
        ("text", shapes.sql_text("i.content")),
        ("delay_minutes", shapes.sql_number("i.delay_minutes")),
        (
            "media_ids",
            "to_json(ARRAY(SELECT m.public_id::text"
            " FROM posts_postitemmedia a JOIN media_mediafile m ON m.id = a.media_id"
            " WHERE a.item_id = i.id ORDER BY a.position))::text",
        ),
        ("remote_id", shapes.sql_text("NULLIF(i.remote_id, '')")),
        ("remote_url", shapes.sql_text("NULLIF(i.remote_url, '')")),
    ]
)
_ITEMS = f"""COALESCE(
    (SELECT '[' || string_agg({_ITEM}, ',' ORDER BY i.position) || ']'
     FROM posts_postitem i WHERE i.post_id = p.id),
    '[]')"""  # noqa: S608 (only constants are formatted in)
_POST = shapes.sql_object(
    [
        ("id", shapes.sql_uuid("p.public_id")),
        ("group_id", shapes.sql_uuid("g.public_id")),
        ("channel_id", shapes.sql_uuid("ch.public_id")),
        ("state", shapes.sql_text("p.state")),
        ("publish_at", shapes.sql_iso_ms("p.publish_at")),
        ("published_at", shapes.sql_iso_ms("p.published_at")),
        (
            "next_attempt_at",
            shapes.sql_iso_ms(f"CASE WHEN p.state = '{State.SCHEDULED}' THEN p.retry_at END"),
        ),
        ("settings", "COALESCE(p.settings::text, '{}')"),
        ("items", _ITEMS),
        (
            "error",
            "CASE WHEN p.error_message <> '' THEN "
            + shapes.sql_object(
                [
                    ("kind", shapes.sql_text("p.error_kind")),
                    ("message", shapes.sql_text("p.error_message")),
                ]
            )
            + " ELSE 'null' END",
        ),
        ("release_id", shapes.sql_text("NULLIF(p.remote_id, '')")),
        ("release_url", shapes.sql_text("NULLIF(p.remote_url, '')")),
        ("created_at", shapes.sql_iso_ms("p.created_at")),
        ("updated_at", shapes.sql_iso_ms("p.updated_at")),
    ]
)
_PAGE_SQL = f"""
SELECT {_POST},
       p.id,
       to_char(COALESCE(p.publish_at, p.created_at) AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
FROM posts_post p
JOIN posts_postgroup g ON g.id = p.group_id
JOIN integrations_integration ch ON ch.id = p.integration_id
WHERE p.id IN ({{chosen}})
ORDER BY COALESCE(p.publish_at, p.created_at), p.id
"""  # noqa: S608 (only constants and the ORM's own SQL are formatted in)


# The page's pks when only a window (from, to) and a cursor narrow the list, the request
# clients poll: written here rather than by the ORM, whose query building cost about as
# much as running the query. _posts_base and the filters in Posts.get say the same.
_CHOSEN_SQL = """
SELECT p.id FROM posts_post p
JOIN posts_postgroup g ON g.id = p.group_id
JOIN integrations_integration ch ON ch.id = p.integration_id
WHERE g.deleted_at IS NULL AND ch.deleted_at IS NULL AND p.organization_id = %s
  AND p.state <> %s {conditions}
ORDER BY COALESCE(p.publish_at, p.created_at), p.id
LIMIT %s
"""
_SORT_AT = "COALESCE(p.publish_at, p.created_at)"


def _chosen_in_window(organization, moments: dict, after, limit: int) -> tuple[str, list]:
    conditions, params = [], [organization.pk, State.CANCELLED]
    for name, operator in (("from", ">="), ("to", "<=")):
        if name in moments:
            conditions.append(f"AND {_SORT_AT} {operator} %s")
            params.append(moments[name])
    if after:
        conditions.append(f"AND ({_SORT_AT} > %s OR ({_SORT_AT} = %s AND p.id > %s))")
        params += [after[0], after[0], after[1]]
    params.append(limit + 1)
    return _CHOSEN_SQL.replace("{conditions}", " ".join(conditions)), params


def _page_json(chosen) -> list[tuple[str, int, str]]:
    """(JSON text, pk, sort key) of each post the queryset of pks ``chosen`` (or its SQL
    and parameters) names, in the list's order, in one query."""
    if isinstance(chosen, tuple):
        inner, params = chosen
    else:
        inner, params = chosen.query.sql_with_params()
    with prepared_cursor() as cursor:
        cursor.execute(_PAGE_SQL.replace("{chosen}", inner), params)
        return cursor.fetchall()


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
        if "state" in filters and filters["state"] not in State.values:
            raise exceptions.ValidationError({"state": f"Use one of {', '.join(State.values)}."})
        moments = {}
        for name in ("from", "to"):
            if name in filters:
                moments[name] = parse_timestamp(filters[name])
                if moments[name] is None:
                    raise exceptions.ValidationError({name: "Use an RFC 3339 date and time."})
        if "customer" in filters:
            # An id that is not one of the organization's customers, whatever its form, is
            # an unknown customer (never "the posts of channels without one").
            wanted = _uuid(filters["customer"])
            customers = channel_selectors.customers_for(organization=self.organization)
            if wanted is None or not customers.filter(public_id=wanted).exists():
                raise _not_found("Customer")
        limit = page_limit(request)
        after = decode_cursor(request, filters)
        if after:
            after = [parse_timestamp(after[0]), int(after[1])]
        if filters.keys() <= moments.keys() and (not after or after[0] is not None):
            chosen = _chosen_in_window(self.organization, moments, after, limit)
        else:
            chosen = self._chosen(filters, moments, after, limit)
        page = _page_json(chosen)
        more = len(page) > limit
        page = page[:limit]
        cursor = None
        if more:
            _text, last_pk, last_sort = page[-1]
            cursor = encode_cursor([parse_timestamp(last_sort).isoformat(), last_pk], filters)
        body = '{"data":[' + ",".join(text for text, _pk, _sort in page) + "],"
        body += '"next_cursor":' + json.dumps(cursor) + "}"
        return HttpResponse(body.encode(), content_type="application/json")

    def _chosen(self, filters: dict, moments: dict, after, limit: int):
        rows = _posts_base(self.organization).annotate(sort_at=Coalesce("publish_at", "created_at"))
        if "state" in filters:
            rows = rows.filter(state=filters["state"])
        if "channel" in filters:
            rows = rows.filter(integration__public_id=_uuid(filters["channel"]))
        if "customer" in filters:
            rows = rows.filter(integration__customer__public_id=_uuid(filters["customer"]))
        if "tag" in filters:
            rows = rows.filter(group__tags__public_id=_uuid(filters["tag"]))
        for name, lookup in (("from", "sort_at__gte"), ("to", "sort_at__lte")):
            if name in moments:
                rows = rows.filter(**{lookup: moments[name]})
        if "q" in filters:
            rows = rows.filter(items__position=0, items__content__icontains=filters["q"])
        if after:
            moment, pk = after
            rows = rows.filter(Q(sort_at__gt=moment) | Q(sort_at=moment, pk__gt=pk))
        # The page is chosen first and only its rows are formatted: PostgreSQL would
        # otherwise compute every text column of every matching post before the LIMIT.
        return rows.order_by("sort_at", "pk").values("pk")[: limit + 1]

    @extend_schema(request=s.PostCreateSerializer, responses={201: s.PostOut})
    @idempotent
    def post(self, request):
        from posts.services.groups import ChannelInput, post_group_create

        data = _validated(s.PostCreateSerializer, request)
        organization = self.organization
        row = _channel_in_body(self, data["channel_id"])
        items = _items(organization, data["items"])
        group = _run_group_service(
            lambda: post_group_create(
                organization=organization,
                actor=request.auth.created_by,
                content=items,
                channels=[ChannelInput(row.pk, None, data.get("settings") or {})],
                action=data["action"],
                publish_at=_in_zone(data.get("publish_at"), organization.timezone),
                timezone=organization.timezone,
                tags=_tag_pks(organization, data.get("tags") or []),
                method="api",
            )
        )
        post = _posts_query(organization).get(group=group)
        response = Response(s.post(post), status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_post", args=[post.public_id])
        response["ETag"] = _post_etag(post)
        return response


def _post(view, public_id) -> Post:
    found = _uuid(public_id)
    row = _posts_query(view.organization).filter(public_id=found).first() if found else None
    if row is None:
        raise _not_found("Post")
    return row


class PostDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    @extend_schema(responses=s.PostOut)
    def get(self, request, public_id):
        post = _post(self, public_id)
        return with_etag(request, s.post(post), _post_etag(post))

    @extend_schema(request=s.PostPatchSerializer, responses=s.PostOut)
    def patch(self, request, public_id):
        from posts.services.groups import items_from_json, post_group_update

        post = _post(self, public_id)
        check_if_match(request, _post_etag(post))
        data = _validated(s.PostPatchSerializer, request, partial=True)
        if post.state == State.PUBLISHING:
            raise Conflict("This post is being published; it can no longer be edited.")
        if post.state == State.PUBLISHED and not data.get("republish"):
            raise Conflict("This post was published; send republish: true to post it again.")
        group = post.group
        inputs = group_inputs(group)
        mine = next(i for i in inputs if i.integration_id == post.integration_id)
        if "items" in data:
            mine.items = _items(self.organization, data["items"])
        if "settings" in data:
            mine.settings = {**(mine.settings or {}), **(data["settings"] or {})}
        siblings = list(group.posts.exclude(state=State.CANCELLED))
        publish_at = (
            _in_zone(data["publish_at"], group.timezone)
            if "publish_at" in data
            else post.publish_at
        )
        tags = (
            _tag_pks(self.organization, data["tags"])
            if "tags" in data
            else list(group.tags.values_list("pk", flat=True))
        )
        action = _current_action(siblings)
        if post.state == State.PUBLISHED:
            action = "schedule"
        _run_group_service(
            lambda: post_group_update(
                group=group,
                actor=request.auth.created_by,
                content=items_from_json(group.content),
                channels=inputs,
                action=action,
                publish_at=publish_at,
                timezone=group.timezone,
                tags=tags,
                repeat_every=group.repeat_every,
                repeat_unit=group.repeat_unit,
                repeat_until=group.repeat_until,
            )
        )
        post = _post(self, public_id)
        return with_etag(request, s.post(post), _post_etag(post))

    def delete(self, request, public_id):
        from posts.services.reschedule import post_cancel

        post = _post(self, public_id)
        check_if_match(request, _post_etag(post))
        if post.state == State.PUBLISHING:
            raise Conflict("This post is being published; it cannot be deleted now.")
        try:
            post_cancel(post=post, actor=request.auth.created_by, request=request)
        except DjangoValidationError as error:
            raise Conflict(" ".join(error.messages)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
