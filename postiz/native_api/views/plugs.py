"""A channel's plugs: repost a post, or reply under it with a follow-up, once it reaches
a count. Only the kinds and counts the channel's network offers are accepted (400 naming
the field otherwise)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from postiz.native_api import serializers as s
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    PublicId,
    Timestamp,
    answer,
    by_public_id,
    check_current,
    etagged,
    idempotent,
    serializer_page,
    service,
    validated,
)
from postiz.native_api.views.common import _channel


class PlugSerializer(serializers.Serializer):
    """A plug of a channel. ``kind``: repost or reply; ``metric``: the post count it
    watches (likes, shares, comments… as the channel's network reports them); ``text``:
    a reply's follow-up (required for a reply)."""

    id = PublicId()
    kind = serializers.ChoiceField(choices=["repost", "reply"])
    metric = serializers.CharField(max_length=16)
    threshold = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    enabled = serializers.BooleanField(required=False, default=True)
    fired = serializers.IntegerField(
        read_only=True, help_text="How many posts it has reposted or replied to."
    )
    created_at = Timestamp(read_only=True)
    updated_at = Timestamp(read_only=True)


def _rows(view, public_id):
    from posts.plugs.selectors import plugs_of_channel

    return plugs_of_channel(integration=_channel(view, public_id))


class ChannelPlugs(NativeView):
    scopes = {"GET": "channels:read", "POST": "channels:write"}
    serializer_class = PlugSerializer

    @s.listed(PlugSerializer)
    def get(self, request, public_id):
        return serializer_page(request, _rows(self, public_id), PlugSerializer)

    @extend_schema(responses={201: PlugSerializer})
    @idempotent
    def post(self, request, public_id):
        from posts.plugs.services import plug_create

        channel = _channel(self, public_id)
        data = validated(PlugSerializer, request)
        row = service(
            lambda: plug_create(integration=channel, actor=request.auth.created_by, **data)
        )
        row = _rows(self, public_id).get(pk=row.pk)
        response = answer(PlugSerializer(row))
        response.status_code = status.HTTP_201_CREATED
        response["Location"] = reverse(
            "native_channel_plug", args=[channel.public_id, row.public_id]
        )
        return response


class ChannelPlugDetail(NativeView):
    scopes = {"GET": "channels:read", "PATCH": "channels:write", "DELETE": "channels:write"}
    serializer_class = PlugSerializer

    def _row(self, public_id, plug_id):
        return by_public_id(_rows(self, public_id), plug_id, "Plug")

    @etagged
    def get(self, request, public_id, plug_id):
        return Response(PlugSerializer(self._row(public_id, plug_id)).data)

    def patch(self, request, public_id, plug_id):
        from posts.plugs.services import plug_update

        row = self._row(public_id, plug_id)
        check_current(request, self.get(request, public_id, plug_id))
        data = validated(PlugSerializer, request, partial=True)
        service(
            lambda: plug_update(
                plug=row,
                actor=request.auth.created_by,
                kind=data.get("kind", row.kind),
                metric=data.get("metric", row.metric),
                threshold=data.get("threshold", row.threshold),
                text=data.get("text", row.text),
                enabled=data.get("enabled", row.enabled),
            )
        )
        return answer(PlugSerializer(self._row(public_id, plug_id)))

    def delete(self, request, public_id, plug_id):
        from posts.plugs.services import plug_delete

        row = self._row(public_id, plug_id)
        check_current(request, self.get(request, public_id, plug_id))
        plug_delete(plug=row, actor=request.auth.created_by)
        return Response(status=status.HTTP_204_NO_CONTENT)
