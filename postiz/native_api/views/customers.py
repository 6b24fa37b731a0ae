"""Customers: the clients a channel can belong to. Create, read, rename, delete."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from integrations import selectors as channel_selectors
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    CustomerSerializer,
    answer,
    by_public_id,
    check_current,
    etagged,
    idempotent,
    service,
    validated,
)
from postiz.native_api.views import channels


class Customers(channels.Customers):
    """The list (read with the channels) and creating one; names are unique per
    organization, ignoring case."""

    scopes = {**channels.Customers.scopes, "POST": "channels:write"}
    serializer_class = CustomerSerializer

    @extend_schema(responses={201: CustomerSerializer})
    @idempotent
    def post(self, request):
        from integrations.services import customer_create

        data = validated(CustomerSerializer, request)
        row = service(
            lambda: customer_create(
                organization=self.organization, name=data["name"], actor=request.auth.created_by
            )
        )
        return answer(CustomerSerializer(row), created_route="native_customer")


class CustomerDetail(NativeView):
    """One customer. Deleting it keeps its channels, without a customer."""

    scopes = {"GET": "channels:read", "PATCH": "channels:write", "DELETE": "channels:write"}
    serializer_class = CustomerSerializer

    def _row(self, public_id):
        rows = channel_selectors.customers_for(organization=self.organization)
        return by_public_id(rows, public_id, "Customer")

    @etagged
    def get(self, request, public_id):
        return Response(CustomerSerializer(self._row(public_id)).data)

    def patch(self, request, public_id):
        from integrations.services import customer_rename

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        data = validated(CustomerSerializer, request, partial=True)
        if "name" in data:
            row = service(
                lambda: customer_rename(
                    customer=row, name=data["name"], actor=request.auth.created_by
                )
            )
        return answer(CustomerSerializer(row))

    def delete(self, request, public_id):
        from integrations.services import customer_delete

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        customer_delete(customer=row, actor=request.auth.created_by)
        return Response(status=status.HTTP_204_NO_CONTENT)
