"""A channel's preferences, and turning a channel off and on again (renaming it and its
customer and posting times are PATCH /channels/<id>, in ``channels``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from postiz.native_api import serializers as s
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    ChannelPreferencesSerializer,
    check_current,
    etagged,
    service,
    validated,
)
from postiz.native_api.views.common import _channel


def _fields(row) -> tuple:
    from integrations.providers import get_provider

    try:
        return tuple(get_provider(row.provider).preference_fields)
    except LookupError:  # a network this instance no longer offers has none
        return ()


class ChannelPreferences(NativeView):
    """What the channel's network lets it choose once, for every post (X Premium's long
    posts, Telegram's link previews…): each preference's value and its description."""

    scopes = {"GET": "channels:read", "PUT": "channels:write"}
    serializer_class = ChannelPreferencesSerializer

    @etagged
    def get(self, request, public_id):
        row = _channel(self, public_id)
        fields = _fields(row)
        stored = row.preferences or {}
        body = {
            "values": {f.name: stored.get(f.name, f.default) for f in fields},
            "fields": [
                {
                    "name": f.name,
                    "type": f.type,
                    "label": f.label or f.name,
                    "required": f.required,
                    "choices": list(f.choices),
                    "default": f.default,
                    "help_text": f.help_text,
                }
                for f in fields
            ],
        }
        return Response(ChannelPreferencesSerializer(body).data)

    def put(self, request, public_id):
        from integrations.services import integration_update_preferences

        row = _channel(self, public_id)
        check_current(request, self.get(request, public_id))
        data = validated(ChannelPreferencesSerializer, request)
        values = data["values"]
        service(
            lambda: integration_update_preferences(
                integration=row, values=values, actor=request.auth.created_by
            ),
            fields={name: f"values.{name}" for name in [*values, *(f.name for f in _fields(row))]},
        )
        return self.get(request, public_id)


class _Switch(NativeView):
    scopes = {"POST": "channels:write"}
    creates = False  # a switch creates nothing; sent twice, it changes nothing more
    schema_problems = {"POST": [412, 428]}

    def _channel_answer(self, request, public_id):
        # The channel as GET /channels/<id> answers it, with its ETag: what If-Match
        # names, and what the switch answers.
        from postiz.native_api.views.channels import ChannelDetail

        return ChannelDetail.get(self, request, public_id)

    @extend_schema(request=None, responses=s.ChannelOut)
    def post(self, request, public_id):
        row = _channel(self, public_id)
        check_current(request, self._channel_answer(request, public_id))
        self.switch(integration=row, actor=request.auth.created_by, request=request)
        return self._channel_answer(request, public_id)


class ChannelDisable(_Switch):
    """Nothing is published to a disabled channel until it is enabled again."""

    def switch(self, **kwargs):
        from integrations.services import integration_disable

        integration_disable(**kwargs)


class ChannelEnable(_Switch):
    """A disabled channel becomes active again (402 when the plan has no room for it)."""

    schema_problems = {"POST": [402, 412, 428]}

    def switch(self, **kwargs):
        from integrations.services import integration_enable

        integration_enable(**kwargs)
