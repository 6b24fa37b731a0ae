"""Sets: saved composer templates (channels, the thread's items, per-channel settings).

The library keeps a set's channels and files by their row ids; the API speaks of them by
their public ids, and turns one into the other here, for the key's organization only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from media.selectors import media_for_organization
from postiz.native_api import serializers as s
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    SetPatchSerializer,
    SetSerializer,
    answer,
    by_public_id,
    check_current,
    etagged,
    idempotent,
    serializer_page,
    service,
    validated,
)
from postiz.native_api.views.common import _uuid
from posts import selectors


def _id_maps(organization, rows) -> dict:
    """Serializer context: the row ids the sets name, mapped to public ids (two queries
    whatever the number of sets). Deleted channels and files are left out."""
    channels, media = set(), set()
    for row in rows:
        content = row.content or {}
        channels.update(content.get("channels", []))
        for item in content.get("content", []):
            media.update(item.get("media", []))
    found = {"channels": {}, "media": {}}
    if channels:
        rows = channel_selectors.integrations_for(organization=organization)
        found["channels"] = {
            pk: str(public_id)
            for pk, public_id in rows.filter(pk__in=channels).values_list("pk", "public_id")
        }
    if media:
        rows = media_for_organization(organization)
        found["media"] = {
            pk: str(public_id)
            for pk, public_id in rows.filter(pk__in=media).values_list("pk", "public_id")
        }
    return found


def _pks(queryset, ids, field: str, thing: str) -> dict:
    """Public id → row id for each of ``ids``; 400 naming ``field`` for one that is not
    the organization's."""
    wanted = {value: _uuid(value) for value in ids}
    found = dict(
        queryset.filter(public_id__in=[w for w in wanted.values() if w]).values_list(
            "public_id", "pk"
        )
    )
    for value, public_id in wanted.items():
        if public_id not in found:
            raise exceptions.ValidationError({field: f"No {thing} {value} here."})
    return {value: found[public_id] for value, public_id in wanted.items()}


def _stored_content(organization, data: dict) -> dict:
    """The set as the library stores it (row ids), from what the script sent."""
    channel_ids = data.get("channel_ids") or []
    channels = channel_selectors.integrations_for(organization=organization)
    channel_pks = _pks(channels, channel_ids, "channel_ids", "channel")
    settings = data.get("settings") or {}
    settings_pks = _pks(channels, list(settings), "settings", "channel")
    media_ids = [m for item in data.get("items") or [] for m in item["media_ids"]]
    media_pks = _pks(media_for_organization(organization), media_ids, "items", "media file")
    return {
        "channels": [channel_pks[c] for c in channel_ids],
        "content": [
            {
                "text": item["text"],
                "media": [media_pks[m] for m in item["media_ids"]],
                "delay_minutes": item["delay_minutes"],
            }
            for item in data.get("items") or []
        ],
        "settings": {str(settings_pks[c]): value for c, value in settings.items()},
    }


class Sets(NativeView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}
    serializer_class = SetSerializer

    @s.listed(SetSerializer)
    def get(self, request):
        rows = selectors.sets_for(organization=self.organization)
        return serializer_page(
            request, rows, SetSerializer, context=lambda rows: _id_maps(self.organization, rows)
        )

    @extend_schema(responses={201: SetSerializer})
    @idempotent
    def post(self, request):
        from posts.services.library import post_set_create

        data = validated(SetSerializer, request)
        content = _stored_content(self.organization, data)
        row = service(
            lambda: post_set_create(
                organization=self.organization,
                actor=request.auth.created_by,
                name=data["name"],
                content=content,
            ),
            fields={"content": "items"},
        )
        return answer(
            SetSerializer(row, context=_id_maps(self.organization, [row])),
            created_route="native_set",
        )


class SetDetail(NativeView):
    """One set. PATCH renames it and/or replaces its channels, items or settings."""

    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    serializer_class = SetSerializer

    def _row(self, public_id):
        return by_public_id(selectors.sets_for(organization=self.organization), public_id, "Set")

    @etagged
    def get(self, request, public_id):
        row = self._row(public_id)
        return Response(SetSerializer(row, context=_id_maps(self.organization, [row])).data)

    @extend_schema(request=SetPatchSerializer, responses=SetSerializer)
    def patch(self, request, public_id):
        from posts.services.library import post_set_update

        row = self._row(public_id)
        current = self.get(request, public_id)
        check_current(request, current)
        data = validated(SetPatchSerializer, request)  # its parts are optional, items whole
        content = None
        parts = ("channel_ids", "items", "settings")
        if any(part in data for part in parts):
            # What the PATCH leaves out is kept, as the set reads now (public ids).
            content = _stored_content(
                self.organization, {part: data.get(part, current.data[part]) for part in parts}
            )
        row = service(
            lambda: post_set_update(
                post_set=row,
                actor=request.auth.created_by,
                name=data.get("name"),
                content=content,
            ),
            fields={"content": "items"},
        )
        return answer(SetSerializer(row, context=_id_maps(self.organization, [row])))

    def delete(self, request, public_id):
        from posts.services.library import post_set_delete

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        post_set_delete(post_set=row, actor=request.auth.created_by)
        return Response(status=status.HTTP_204_NO_CONTENT)
