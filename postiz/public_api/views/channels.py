"""The key check, channels, customers, connecting, channel settings and tools, and the
next free slot: thin views over integrations' and posts' services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from billing import limits as plan_limits
from integrations import selectors as channel_selectors
from integrations.providers import provider_classes
from integrations.providers.base import ErrorKind, ProviderError
from postiz.api import iso_ms
from postiz.api_serializers import settings_schema
from postiz.public_api import serializers as s
from postiz.public_api.base import (
    CompatView,
    compat_schema,
    find_channel,
    find_customer,
)
from postiz.public_api.transport import CompatError, fail, invalid, json_response

NETWORK_FAILED = (
    502,
    {
        "type": "object",
        "properties": {"msg": {"type": "string"}, "detail": {"type": "string"}},
        "required": ["msg"],
    },
)


class IsConnected(CompatView):
    scopes = {"GET": None}

    @compat_schema(
        "Check the API key",
        inline_serializer("CompatConnected", {"connected": serializers.BooleanField()}),
    )
    def get(self, request):
        return Response({"connected": True})


class Integrations(CompatView):
    scopes = {"GET": "channels:read"}

    @compat_schema(
        "List channels",
        s.CompatIntegration(many=True),
        errors=[404],
        parameters=[
            OpenApiParameter(
                "group",
                str,
                required=False,
                description="Only this customer's channels (an id from /groups). One that is "
                "not the organization's customer, whatever its form, is 404 `Customer not "
                "found`.",
            )
        ],
    )
    def get(self, request):
        channels = channel_selectors.integrations_for(organization=self.organization)
        customer = request.query_params.get("group")
        if customer:
            channels = channels.filter(customer=find_customer(self, customer))
        return Response(s.CompatIntegration(channels, many=True).data)


class IntegrationDetail(CompatView):
    scopes = {"DELETE": "channels:write"}

    @compat_schema(
        "Remove a channel (its unpublished posts are deleted)",
        s.CompatIntegrationDeleted,
        errors=[404],
    )
    def delete(self, request, public_id):
        from integrations.services import integration_delete

        channel = find_channel(self, public_id)
        integration_delete(integration=channel, actor=self.actor, request=request)
        channel.refresh_from_db()
        return Response(s.CompatIntegrationDeleted(channel).data)


class Customers(CompatView):
    """GET /groups: the organization's customers (Postiz calls them groups)."""

    scopes = {"GET": "channels:read"}

    @compat_schema("List customers", s.CompatCustomer(many=True))
    def get(self, request):
        customers = channel_selectors.customers_for(organization=self.organization)
        return Response(s.CompatCustomer(customers, many=True).data)


class Social(CompatView):
    """The network's sign-in address. The person opens it in a browser and lands back in
    the web app (integrations.views.callback), which connects the channel if they are
    signed in as a member who may connect channels in this organization."""

    scopes = {"GET": "channels:write"}

    @compat_schema(
        "The sign-in address that connects a channel of this network",
        inline_serializer("CompatSignIn", {"url": serializers.CharField()}),
        errors=[400, 402, 404, NETWORK_FAILED],
        description="`url` is the network's own authorization address, to open in a "
        "browser; it works once, for POSTIZ_CONNECT_STATE_SECONDS, and its callback "
        "connects the channel to this key's organization for someone signed in here who "
        "may connect channels there. Networks connected with a form or a bot token "
        "(Bluesky, Telegram, Nostr, Lemmy, Discord webhooks) answer 400 `This integration "
        "cannot be connected through the public API`.",
        parameters=[
            OpenApiParameter(
                "refresh",
                str,
                required=False,
                description="Reconnect this channel (not counted against the plan).",
            ),
            OpenApiParameter(
                "instance",
                str,
                required=False,
                description="Mastodon: the server to sign in on (default mastodon.social).",
            ),
        ],
    )
    def get(self, request, provider):
        from integrations import connect
        from integrations.services import instance_app_for

        cls = provider_classes().get(provider)
        if cls is None:
            raise fail(400, "Integration not allowed")
        if not cls.auth_kind.startswith("oauth2"):
            raise fail(400, "This integration cannot be connected through the public API")
        refresh = request.query_params.get("refresh")
        reconnect = find_channel(self, refresh) if refresh else None
        if reconnect is not None and reconnect.provider != provider:
            raise fail(400, f"That channel is not on {cls.display_name}")
        if reconnect is None:
            plan_limits.check(self.organization, "channels")  # 402 before a doomed sign-in
        if cls.missing_settings():
            names = " and ".join(cls.missing_settings())
            raise fail(400, f"{cls.display_name} is not configured on this server (set {names}).")
        network = cls()
        instance = app = None
        try:
            if cls.custom_instance:
                # The channel's own server on a reconnect, else ?instance=, else the default.
                wanted = (
                    (reconnect.meta.get("instance") or reconnect.meta.get("instance_url"))
                    if reconnect is not None
                    else request.query_params.get("instance")
                ) or network.endpoint("api")
                origin = network.check_instance(wanted)
                app = instance_app_for(
                    provider_id=provider,
                    instance_url=origin,
                    redirect_uri=connect.redirect_uri(provider),
                )
                instance = connect.instance_details(app)
            url = connect.begin_oauth_detached(
                organization=self.organization,
                provider=network,
                instance=instance,
                instance_app_id=app.pk if app else None,
                reconnect_id=reconnect.pk if reconnect else None,
            )
        except ProviderError as error:
            if error.kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.RATE_LIMITED):
                raise _network_failed(error.user_message) from None
            raise fail(400, error.user_message) from None
        return Response({"url": url})


def _network_failed(detail: str) -> CompatError:
    # The contract's text, and what the network said for the person reading it.
    return CompatError(json_response({"msg": "Unexpected error", "detail": detail}, 502))


def _rules(cls) -> str:
    rules = cls.media_rules
    parts = []
    if cls.text_limit:
        parts.append(f"Up to {cls.text_limit} characters.")
    if rules.max_count:
        parts.append(f"Up to {rules.max_count} media per post.")
    else:
        parts.append("No media.")
    if rules.min_count:
        parts.append(f"At least {rules.min_count} media.")
    if rules.video_alone:
        parts.append("A video cannot share a post with other media.")
    return " ".join(parts)


class IntegrationSettings(CompatView):
    scopes = {"GET": "channels:read"}

    @compat_schema(
        "A channel's rules, length limit, settings schema and look-up tools",
        s.CompatIntegrationSettings,
        errors=[404],
    )
    def get(self, request, public_id):
        channel = find_channel(self, public_id)
        cls = provider_classes().get(channel.provider)
        if cls is None:
            raise fail(404, "Integration not found")
        output = {
            "rules": _rules(cls),
            "maxLength": cls.text_limit or 0,
            "settings": settings_schema(cls),
            "tools": [tool.describe() for tool in cls.tools],
        }
        return Response(s.CompatIntegrationSettings({"output": output}).data)


class IntegrationTrigger(CompatView):
    scopes = {"POST": "channels:read"}

    @compat_schema(
        "Run one of a channel's look-up tools",
        inline_serializer("CompatToolOutput", {"output": serializers.JSONField()}),
        status=201,
        request=s.CompatTrigger,
        errors=[404, 409, NETWORK_FAILED],
        description="The tools are those integration-settings lists; `data` holds the "
        "tool's inputs (its dataSchema) and the output is typically a list of `{id, name, "
        "...}`. The channel's token is refreshed first when it has expired. 404 "
        "`Integration not found` or `Tool not found`; 400 for inputs that do not fit the "
        "dataSchema; 409 when the channel needs reconnecting; 502 when the network refused "
        "or failed (`detail` says what it answered).",
    )
    def post(self, request, public_id):
        from integrations import tools

        channel = find_channel(self, public_id)
        data = self.validated(s.CompatTrigger)
        try:
            output = tools.integration_run_tool(
                integration=channel, name=data["methodName"], data=data.get("data")
            )
        except tools.ToolNotFound:
            raise fail(404, "Tool not found") from None
        except tools.ToolInputError as error:
            raise invalid(*error.messages) from None
        except tools.ChannelDisconnected:
            raise fail(409, "Channel disconnected due to expired token") from None
        except tools.ToolFailed as error:
            raise _network_failed(error.message) from None
        return Response({"output": output}, status=201)


class FindSlot(CompatView):
    scopes = {"GET": "posts:read"}

    @compat_schema(
        "The channel's next free posting slot",
        inline_serializer("CompatSlot", {"date": serializers.DateTimeField()}),
        errors=[404, 409],
    )
    def get(self, request, public_id):
        from posts.services.queue import next_free_slot

        channel = find_channel(self, public_id)
        slot = next_free_slot(organization=self.organization, integrations=[channel])
        if slot is None:
            raise fail(409, "No free slot in the next 365 days")
        return Response({"date": iso_ms(slot)})
