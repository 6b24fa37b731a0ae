"""Signatures: text added to posts, one of them the organization's default."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from postiz.native_api import serializers as s
from postiz.native_api.base import NativeView
from postiz.native_api.resources import (
    SignatureSerializer,
    answer,
    by_public_id,
    check_current,
    etagged,
    idempotent,
    serializer_page,
    service,
    validated,
)
from posts import selectors


class Signatures(NativeView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}
    serializer_class = SignatureSerializer

    @s.listed(SignatureSerializer)
    def get(self, request):
        rows = selectors.signatures_for(organization=self.organization)
        return serializer_page(request, rows, SignatureSerializer)

    @extend_schema(responses={201: SignatureSerializer})
    @idempotent
    def post(self, request):
        from posts.services.library import signature_create

        data = validated(SignatureSerializer, request)
        row = service(
            lambda: signature_create(
                organization=self.organization, actor=request.auth.created_by, **data
            )
        )
        return answer(SignatureSerializer(row), created_route="native_signature")


class SignatureDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}
    serializer_class = SignatureSerializer

    def _row(self, public_id):
        rows = selectors.signatures_for(organization=self.organization)
        return by_public_id(rows, public_id, "Signature")

    @etagged
    def get(self, request, public_id):
        return Response(SignatureSerializer(self._row(public_id)).data)

    def patch(self, request, public_id):
        from posts.services.library import signature_update

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        data = validated(SignatureSerializer, request, partial=True)
        row = service(
            lambda: signature_update(
                signature=row,
                actor=request.auth.created_by,
                name=data.get("name", row.name),
                content=data.get("content", row.content),
                is_default=data.get("is_default", row.is_default),
            )
        )
        return answer(SignatureSerializer(row))

    def delete(self, request, public_id):
        from posts.services.library import signature_delete

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        signature_delete(signature=row, actor=request.auth.created_by)
        return Response(status=status.HTTP_204_NO_CONTENT)
