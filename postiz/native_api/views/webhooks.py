"""Webhooks: CRUD, rotate the secret, send a test, read deliveries."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from postiz.api import idempotent
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    NativeView,
    check_if_match,
    etag_of,
    id_page,
    with_etag,
)
from postiz.native_api.views.common import (
    _channel_in_body,
    _not_found,
    _problem_from_django,
    _validated,
)
from posts.models import Webhook


# -- Webhooks ------------------------------------------------------------------------------
def _channels_by_ids(view, ids):
    return [_channel_in_body(view, i) for i in ids or []]


class Webhooks(NativeView):
    scopes = {"GET": "webhooks:manage", "POST": "webhooks:manage"}

    @s.listed(s.WebhookOut)
    def get(self, request):
        rows = Webhook.objects.filter(organization=self.organization).prefetch_related(
            "integrations"
        )
        return id_page(request, rows, s.WebhookOut, {})

    @extend_schema(request=s.WebhookSerializer, responses={201: s.WebhookCreatedOut})
    @idempotent
    def post(self, request):
        from posts.services.webhooks import webhook_create

        data = _validated(s.WebhookSerializer, request)
        try:
            row = webhook_create(
                organization=self.organization,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                integrations=_channels_by_ids(self, data.get("channel_ids")),
                actor=request.auth.created_by,
                request=request,
            )
        except DjangoValidationError as error:
            raise _problem_from_django(error) from None
        body = dict(s.WebhookOut(row).data)
        # The secret is shown once, here; it signs every delivery (HMAC-SHA256).
        body["secret"] = row.secrets.get("secret")
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_webhook", args=[row.public_id])
        return response


def _webhook(view, public_id) -> Webhook:
    from posts.services.webhooks import webhook_get

    row = webhook_get(organization=view.organization, public_id=public_id)
    if row is None:
        raise _not_found("Webhook")
    return row


class WebhookDetail(NativeView):
    scopes = {"GET": "webhooks:manage", "PATCH": "webhooks:manage", "DELETE": "webhooks:manage"}

    @extend_schema(responses=s.WebhookOut)
    def get(self, request, public_id):
        row = _webhook(self, public_id)
        return with_etag(
            request, s.WebhookOut(row).data, etag_of("webhook", row.pk, row.updated_at.isoformat())
        )

    @extend_schema(request=s.WebhookSerializer, responses=s.WebhookOut)
    def patch(self, request, public_id):
        from posts.services.webhooks import webhook_update

        row = _webhook(self, public_id)
        check_if_match(request, etag_of("webhook", row.pk, row.updated_at.isoformat()))
        data = _validated(s.WebhookSerializer, request, partial=True)
        try:
            row = webhook_update(
                webhook=row,
                name=data.get("name", row.name),
                url=data.get("url", row.url),
                events=data.get("events", row.events),
                integrations=(
                    _channels_by_ids(self, data["channel_ids"])
                    if "channel_ids" in data
                    else list(row.integrations.all())
                ),
                is_active=data.get("is_active", row.is_active),
                actor=request.auth.created_by,
                request=request,
            )
        except DjangoValidationError as error:
            raise _problem_from_django(error) from None
        return with_etag(
            request, s.WebhookOut(row).data, etag_of("webhook", row.pk, row.updated_at.isoformat())
        )

    def delete(self, request, public_id):
        from posts.services.webhooks import webhook_delete

        row = _webhook(self, public_id)
        check_if_match(request, etag_of("webhook", row.pk, row.updated_at.isoformat()))
        webhook_delete(webhook=row, actor=request.auth.created_by, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecret(NativeView):
    scopes = {"POST": "webhooks:manage"}
    creates = False

    @extend_schema(request=None, responses={201: s.WebhookSecretOut})
    def post(self, request, public_id):
        from posts.services.webhooks import webhook_rotate_secret

        secret = webhook_rotate_secret(
            webhook=_webhook(self, public_id), actor=request.auth.created_by, request=request
        )
        return Response({"secret": secret}, status=status.HTTP_201_CREATED)


class WebhookTest(NativeView):
    scopes = {"POST": "webhooks:manage"}
    creates = False

    @extend_schema(request=None, responses={201: s.DeliveryOut})
    def post(self, request, public_id):
        from posts.services.webhooks import webhook_send_test

        delivery = webhook_send_test(
            webhook=_webhook(self, public_id), actor=request.auth.created_by
        )
        return Response(s.DeliveryOut(delivery).data, status=status.HTTP_201_CREATED)


class WebhookDeliveries(NativeView):
    scopes = {"GET": "webhooks:manage"}

    @s.listed(s.DeliveryOut)
    def get(self, request, public_id):
        from posts.services.webhooks import deliveries_for

        return id_page(
            request, deliveries_for(webhook=_webhook(self, public_id)), s.DeliveryOut, {}
        )
