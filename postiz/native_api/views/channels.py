"""Me, channels and customers."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from organizations.models import ALL_SCOPES
from postiz.api import iso_ms, organization_id
from postiz.api_serializers import settings_schema
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    BadGateway,
    Conflict,
    NativeView,
    id_page,
)
from postiz.native_api.resources import (
    ChannelPatchSerializer,
    check_current,
    etagged,
    in_body,
    service,
    validated,
)
from postiz.native_api.views.common import (
    _channel,
)


# -- Me, channels, customers ---------------------------------------------------------------
class Me(NativeView):
    """The key's organization, the key itself and its limits."""

    scopes = {"GET": None}

    @extend_schema(responses=s.MeOut)
    def get(self, request):
        key = request.auth
        return Response(
            {
                "organization": {
                    "id": organization_id(self.organization),
                    "slug": self.organization.slug,  # names its pages (/o/<slug>/)
                    "name": self.organization.name,
                    "timezone": self.organization.timezone,
                },
                "key": {
                    "name": key.name,
                    "prefix": key.prefix,
                    "scopes": key.scopes,
                    "full_access": set(ALL_SCOPES) <= set(key.scopes),
                    "expires_at": iso_ms(key.expires_at),
                },
                "limits": {
                    "requests_per_minute": key.request_rate,
                    "creates_per_hour": key.create_rate,
                },
            }
        )


class Channels(NativeView):
    scopes = {"GET": "channels:read"}

    @s.listed(s.ChannelOut)
    def get(self, request):
        rows = channel_selectors.integrations_for(organization=self.organization)
        return id_page(request, rows.select_related("customer"), s.ChannelOut, {})


class ChannelDetail(NativeView):
    scopes = {"GET": "channels:read", "PATCH": "channels:write", "DELETE": "channels:write"}

    @extend_schema(responses=s.ChannelOut)
    @etagged
    def get(self, request, public_id):
        return Response(s.ChannelOut(_channel(self, public_id)).data)

    def delete(self, request, public_id):
        from integrations.services import integration_delete

        row = _channel(self, public_id)
        check_current(request, self.get(request, public_id))
        integration_delete(integration=row, actor=request.auth.created_by, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ChannelPatchSerializer, responses=s.ChannelOut)
    def patch(self, request, public_id):
        """Rename, change the customer (null: none), the posting times or their zone."""
        from integrations.services import (
            integration_rename,
            integration_set_customer,
            integration_update_posting_times,
        )

        row = _channel(self, public_id)
        check_current(request, self.get(request, public_id))
        data = validated(ChannelPatchSerializer, request, partial=True)
        actor = request.auth.created_by
        customer = row.customer
        if data.get("customer_id") is not None:
            customers = channel_selectors.customers_for(organization=self.organization)
            customer = in_body(customers, data["customer_id"], "customer_id", "customer")
        elif "customer_id" in data:
            customer = None
        with transaction.atomic():
            if "name" in data:
                service(lambda: integration_rename(integration=row, name=data["name"], actor=actor))
            if "customer_id" in data:
                service(
                    lambda: integration_set_customer(
                        integration=row, customer=customer, actor=actor
                    ),
                    fields={"customer": "customer_id"},
                )
            if "posting_times" in data or "timezone" in data:
                service(
                    lambda: integration_update_posting_times(
                        integration=row,
                        times=data.get("posting_times", row.posting_times),
                        timezone_name=data.get("timezone", row.timezone),
                        actor=actor,
                    )
                )
        return self.get(request, public_id)


class ChannelNextSlot(NativeView):
    scopes = {"GET": "posts:read"}

    @extend_schema(responses=s.NextSlotOut)
    def get(self, request, public_id):
        from posts.services.groups import next_free_slot

        row = _channel(self, public_id)
        slot = next_free_slot(organization=self.organization, integrations=[row])
        return Response({"next_slot": iso_ms(slot)})


class ChannelSettingsSchema(NativeView):
    scopes = {"GET": "channels:read"}

    @extend_schema(responses=s.SettingsSchemaOut)
    def get(self, request, public_id):
        from integrations.providers import provider_classes

        row = _channel(self, public_id)
        cls = provider_classes().get(row.provider)
        schema = settings_schema(cls) if cls else None
        if not isinstance(schema, dict):
            schema = {"type": "object", "properties": {}, "additionalProperties": True}
        tools = [tool.describe() for tool in cls.tools] if cls else []
        return Response(
            {"max_length": cls.text_limit if cls else None, "settings": schema, "tools": tools}
        )


class ChannelTool(NativeView):
    """Run one of the channel's look-up tools (listed by settings-schema) with its
    credentials; the body holds the tool's inputs."""

    scopes = {"POST": "channels:read"}
    creates = False  # a look-up creates nothing
    schema_problems = {"POST": [409, 502]}  # needs reconnecting; the network failed

    @extend_schema(request={"application/json": {"type": "object"}}, responses=s.ToolOutput)
    def post(self, request, public_id, name):
        from integrations import tools

        row = _channel(self, public_id)
        data = request.data
        if not isinstance(data, dict):
            raise exceptions.ValidationError(
                {"non_field_errors": ["Send the tool's inputs as a JSON object."]}
            )
        try:
            output = tools.integration_run_tool(integration=row, name=name, data=data)
        except tools.ToolNotFound:
            raise exceptions.NotFound(f"This channel's network has no tool {name}.") from None
        except tools.ToolInputError as error:
            raise exceptions.ValidationError(_by_input(error.messages)) from None
        except tools.ChannelDisconnected as error:
            raise Conflict(
                f"The channel needs reconnecting: {error}", code="channel_disconnected"
            ) from None
        except tools.ToolFailed as error:
            raise BadGateway(error.message) from None
        return Response({"output": output})


def _by_input(messages: list[str]) -> dict:
    """Input problems keyed by the input they name ("word is required" → word)."""
    found: dict[str, list[str]] = {}
    for message in messages:
        found.setdefault(message.split(" ", 1)[0], []).append(message)
    return found


class Customers(NativeView):
    scopes = {"GET": "channels:read"}

    @s.listed(s.CustomerOut)
    def get(self, request):
        rows = channel_selectors.customers_for(organization=self.organization)
        return id_page(request, rows, s.CustomerOut, {})
