"""Uploads (multipart, also when mis-labelled) and imports from an address: thin views
over media.services."""

from __future__ import annotations

from django.http.multipartparser import MultiPartParser, MultiPartParserError
from rest_framework.response import Response

from postiz.public_api import serializers as s
from postiz.public_api.base import CompatView, compat_schema
from postiz.public_api.transport import CompatError, fail, invalid


class _Chain:
    """The bytes already read, then the rest of the request stream."""

    def __init__(self, head: bytes, rest):
        self.head = head
        self.rest = rest

    def read(self, size=-1):
        if self.head:
            if size is None or size < 0:
                data, self.head = self.head + self.rest.read(), b""
                return data
            data, self.head = self.head[:size], self.head[size:]
            if len(data) < size:
                data += self.rest.read(size - len(data))
            return data
        return self.rest.read(size)


def _uploaded_file(request):
    """The ``file`` part of the Django request's multipart body, also when the body is
    multipart but says otherwise (spec 2.1.4)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/"):
        try:
            return request.FILES.get("file")
        except MultiPartParserError:
            raise invalid("The multipart body could not be read.") from None
    # Mis-labelled multipart: clients that build the body by hand often forget the type.
    head = request.read(8192)
    first = head.split(b"\r\n", 1)[0].split(b"\n", 1)[0]
    if not first.startswith(b"--") or b"content-disposition: form-data" not in head.lower():
        return None
    boundary = first[2:].strip().decode("latin-1")
    meta = dict(request.META)
    meta["CONTENT_TYPE"] = f"multipart/form-data; boundary={boundary}"
    meta.pop("CONTENT_LENGTH", None)
    length = request.META.get("CONTENT_LENGTH") or ""
    meta["CONTENT_LENGTH"] = length if length.isdigit() else str(10**12)
    try:
        _post, files = MultiPartParser(
            meta, _Chain(head, request), request.upload_handlers, request.encoding
        ).parse()
    except MultiPartParserError:
        raise invalid("The multipart body could not be read.") from None
    return files.get("file")


def _media_error(error) -> CompatError:
    text = error.message
    lowered = text.lower()
    if "too large" in lowered or "larger than" in lowered or "bigger" in lowered:
        return fail(400, "File is too large.")
    if "type" in lowered or "format" in lowered or "not a" in lowered:
        return fail(400, "Unsupported file type.")
    return fail(400, text)


class Upload(CompatView):
    scopes = {"POST": "media:write"}
    reads_json = False  # multipart, read by Django's parser below

    @compat_schema(
        "Upload a file (JPEG, PNG, GIF, WebP or MP4; the type is read from the bytes)",
        s.CompatMedia,
        status=201,
        request={"multipart/form-data": s.CompatUpload},
        errors=[400, 413],
    )
    def post(self, request):
        from media.services import MediaError, media_upload, size_limit
        from media.sniff import HEAD_BYTES, sniff

        file = _uploaded_file(request._request)
        if file is None:
            raise fail(400, "No file provided")
        kind = sniff(file.read(HEAD_BYTES))
        file.seek(0)
        if kind is None or kind.kind not in ("image", "video"):
            raise fail(400, "Unsupported file type.")
        if file.size > size_limit(kind.kind):
            raise fail(400, "File is too large.")
        try:
            row = media_upload(
                organization=self.organization,
                actor=self.actor,
                file=file,
                filename=file.name,
                name=file.name,
            )
        except MediaError as error:
            raise _media_error(error) from None
        answer = s.CompatMedia(row, context={"organization": self.organization})
        return Response(answer.data, status=201)


class UploadFromUrl(CompatView):
    scopes = {"POST": "media:write"}

    @compat_schema(
        "Import a file from a public https address",
        s.CompatMedia,
        status=201,
        request=s.CompatUploadFromUrl,
        errors=[400],
    )
    def post(self, request):
        from media.services import MediaError, media_upload_from_url

        url = self.validated(s.CompatUploadFromUrl)["url"]
        try:
            row = media_upload_from_url(organization=self.organization, actor=self.actor, url=url)
        except MediaError as error:
            lowered = error.message.lower()
            if "too large" in lowered or "larger" in lowered:
                raise fail(400, "File is too large.") from None
            if "type" in lowered or "format" in lowered:
                raise fail(400, "Unsupported file type.") from None
            # Blocked addresses included: the reason is not disclosed.
            raise fail(400, "Failed to fetch URL") from None
        answer = s.CompatMedia(row, context={"organization": self.organization})
        return Response(answer.data, status=201)
