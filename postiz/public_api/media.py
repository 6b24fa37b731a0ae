"""The compatible media routes: upload (multipart, also when mis-labelled) and import
from an address, as thin adapters over media.services."""

from __future__ import annotations

from django.http.multipartparser import MultiPartParser, MultiPartParserError

from media.models import MediaFile
from postiz.http import absolute_url
from postiz.public_api import shapes
from postiz.public_api.transport import (
    Call,
    CompatError,
    fail,
    invalid,
    json_response,
)


# -- Media --------------------------------------------------------------------------------
def _media_body(row: MediaFile) -> dict:
    from media.services import media_public_url

    thumb = None
    if row.thumbnail:
        thumb = row.thumbnail.url
        if not thumb.startswith(("http://", "https://")):
            thumb = absolute_url(thumb)
    return shapes.media(row, public_url=media_public_url(row), thumbnail_url=thumb)


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


def _sniffed_or_refuse(head: bytes):
    from media.sniff import sniff

    kind = sniff(head)
    if kind is None or kind.kind not in ("image", "video"):
        raise fail(400, "Unsupported file type.")
    return kind


def upload(call: Call):
    from media.services import MediaError, media_upload, size_limit
    from media.sniff import HEAD_BYTES

    file = _uploaded_file(call.request)
    if file is None:
        raise fail(400, "No file provided")
    head = file.read(HEAD_BYTES)
    file.seek(0)
    kind = _sniffed_or_refuse(head)
    if file.size > size_limit(kind.kind):
        raise fail(400, "File is too large.")
    try:
        row = media_upload(
            organization=call.organization,
            actor=call.actor,
            file=file,
            filename=file.name,
            name=file.name,
        )
    except MediaError as error:
        raise _media_error(error) from None
    return json_response(_media_body(row), 201)


def upload_from_url(call: Call):
    from media.services import MediaError, media_upload_from_url

    data = call.data if isinstance(call.data, dict) else {}
    url = data.get("url")
    if not isinstance(url, str) or not url.strip():
        raise invalid("url must be a URL address")
    try:
        row = media_upload_from_url(organization=call.organization, actor=call.actor, url=url)
    except MediaError as error:
        lowered = error.message.lower()
        if "too large" in lowered or "larger" in lowered:
            raise fail(400, "File is too large.") from None
        if "type" in lowered or "format" in lowered:
            raise fail(400, "Unsupported file type.") from None
        # Blocked addresses included: the reason is not disclosed.
        raise fail(400, "Failed to fetch URL") from None
    return json_response(_media_body(row), 201)
