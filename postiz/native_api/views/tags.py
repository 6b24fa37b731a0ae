"""Tags: CRUD, names unique per organization ignoring case."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from postiz.api import idempotent
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    Conflict,
    NativeView,
    check_if_match,
    etag_of,
    id_page,
    with_etag,
)
from postiz.native_api.views.common import (
    _not_found,
    _problem_from_django,
    _uuid,
    _validated,
)
from posts.models import Tag


# -- Tags --------------------------------------------------------------------------------
def _tag_service(call):
    try:
        return call()
    except DjangoValidationError as error:
        text = " ".join(error.messages)
        if "already" in text:
            raise Conflict(text) from None
        raise _problem_from_django(error) from None


class Tags(NativeView):
    scopes = {"GET": "posts:read", "POST": "posts:write"}

    @s.listed(s.TagOut)
    def get(self, request):
        return id_page(request, Tag.objects.filter(organization=self.organization), s.TagOut, {})

    @extend_schema(request=s.TagSerializer, responses={201: s.TagOut})
    @idempotent
    def post(self, request):
        from posts.services.library import tag_create

        data = _validated(s.TagSerializer, request)
        row = _tag_service(
            lambda: tag_create(
                organization=self.organization,
                actor=request.auth.created_by,
                name=data["name"],
                color=data["color"],
            )
        )
        response = Response(s.TagOut(row).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("native_tag", args=[row.public_id])
        return response


class TagDetail(NativeView):
    scopes = {"GET": "posts:read", "PATCH": "posts:write", "DELETE": "posts:write"}

    def _row(self, public_id):
        found = _uuid(public_id)
        row = (
            Tag.objects.filter(organization=self.organization, public_id=found).first()
            if found
            else None
        )
        if row is None:
            raise _not_found("Tag")
        return row

    @extend_schema(responses=s.TagOut)
    def get(self, request, public_id):
        row = self._row(public_id)
        return with_etag(request, s.TagOut(row).data, etag_of("tag", row.pk, row.name, row.color))

    @extend_schema(request=s.TagSerializer, responses=s.TagOut)
    def patch(self, request, public_id):
        from posts.services.library import tag_update

        row = self._row(public_id)
        check_if_match(request, etag_of("tag", row.pk, row.name, row.color))
        data = _validated(s.TagSerializer, request, partial=True)
        row = _tag_service(
            lambda: tag_update(
                tag=row,
                actor=request.auth.created_by,
                name=data.get("name", row.name),
                color=data.get("color", row.color),
            )
        )
        return with_etag(request, s.TagOut(row).data, etag_of("tag", row.pk, row.name, row.color))

    def delete(self, request, public_id):
        from posts.services.library import tag_delete

        row = self._row(public_id)
        check_if_match(request, etag_of("tag", row.pk, row.name, row.color))
        tag_delete(tag=row, actor=request.auth.created_by)
        return Response(status=status.HTTP_204_NO_CONTENT)
