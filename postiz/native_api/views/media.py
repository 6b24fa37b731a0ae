"""The media library: upload, import from a URL, list, read, delete."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from media.models import MediaFile
from postiz.api import idempotent
from postiz.native_api import serializers as s
from postiz.native_api.base import (
    Conflict,
    NativeView,
    id_page,
)
from postiz.native_api.resources import (
    MediaPatchSerializer,
    check_current,
    etagged,
    validated,
)
from postiz.native_api.views.common import (
    _not_found,
    _uuid,
    _validated,
)


# -- Media --------------------------------------------------------------------------------
def _media_created(row: MediaFile) -> Response:
    response = Response(s.MediaOut(row).data, status=status.HTTP_201_CREATED)
    response["Location"] = reverse("native_media_detail", args=[row.public_id])
    return response


class Media(NativeView):
    scopes = {"GET": "media:read", "POST": "media:write"}

    @s.listed(s.MediaOut)
    def get(self, request):
        from media.selectors import media_for_organization

        return id_page(request, media_for_organization(self.organization), s.MediaOut, {})

    @extend_schema(
        request={"multipart/form-data": s.MediaUploadSerializer}, responses={201: s.MediaOut}
    )
    @idempotent
    def post(self, request):
        from media.services import MediaError, media_upload

        file = request.FILES.get("file")
        if file is None:
            raise exceptions.ValidationError({"file": "Send the file as multipart field file."})
        try:
            row = media_upload(
                organization=self.organization,
                actor=request.auth.created_by,
                file=file,
                filename=file.name,
                name=request.data.get("name") or file.name,
            )
        except MediaError as error:
            raise exceptions.ValidationError({"file": error.message}) from None
        return _media_created(row)


class MediaImport(NativeView):
    scopes = {"POST": "media:write"}

    @extend_schema(request=s.MediaImportSerializer, responses={201: s.MediaOut})
    @idempotent
    def post(self, request):
        from media.services import MediaError, media_upload_from_url

        data = _validated(s.MediaImportSerializer, request)
        try:
            row = media_upload_from_url(
                organization=self.organization, actor=request.auth.created_by, url=data["url"]
            )
        except MediaError as error:
            raise exceptions.ValidationError({"url": error.message}) from None
        return _media_created(row)


class MediaDetail(NativeView):
    scopes = {"GET": "media:read", "PATCH": "media:write", "DELETE": "media:write"}

    def _row(self, public_id):
        from media.selectors import media_for_organization

        found = _uuid(public_id)
        row = (
            media_for_organization(self.organization).filter(public_id=found).first()
            if found
            else None
        )
        if row is None:
            raise _not_found("Media file")
        return row

    @extend_schema(responses=s.MediaOut)
    @etagged
    def get(self, request, public_id):
        return Response(s.MediaOut(self._row(public_id)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "force",
                str,
                required=False,
                description="1, true or yes: delete it even if posts use it.",
            )
        ]
    )
    def delete(self, request, public_id):
        from media.services import MediaInUse, media_delete

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        force = request.query_params.get("force") in ("1", "true", "yes")
        try:
            media_delete(
                media_file=row, actor=request.auth.created_by, force=force, request=request
            )
        except MediaInUse as error:
            raise Conflict(error.message) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MediaPatchSerializer, responses=s.MediaOut)
    def patch(self, request, public_id):
        """Change the name people see and the alt text (the stored file never changes)."""
        from media.services import MediaError, media_update

        row = self._row(public_id)
        check_current(request, self.get(request, public_id))
        data = validated(MediaPatchSerializer, request, partial=True)
        try:
            media_update(
                media_file=row,
                actor=request.auth.created_by,
                name=data.get("name"),
                alt_text=data.get("alt_text"),
            )
        except MediaError as error:
            raise exceptions.ValidationError({error.field or "name": error.message}) from None
        return self.get(request, public_id)
