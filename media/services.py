"""Every write to the media library: uploads (from a person's disk or an address),
renames, alt text, deletion; and handing a stored file to a provider.

Pages and the API call these with an organization already resolved from the request.
Every refusal is a ``MediaError`` whose message says what to fix.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from typing import IO
from urllib.parse import unquote, urljoin, urlsplit

import requests
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from integrations.providers.base import MediaItem
from media import processing, selectors
from media.models import MediaFile
from media.sniff import ALLOWED_TYPES, HEAD_BYTES, FileType, sniff
from organizations.models import Organization
from organizations.services import audit_record
from postiz.http import absolute_url
from postiz.ssrf import UnsafeURL, guarded_session

logger = logging.getLogger("postiz.media")

MB = 1024 * 1024
MAX_REDIRECTS = 3
NAME_MAX = 255
ALT_TEXT_MAX = 1500
_CHUNK = 64 * 1024
# How a kind of file is named inside a sentence ("images may be at most 10 MB").
_KIND_WORDS = {
    "image": gettext_lazy("images"),
    "video": gettext_lazy("videos"),
    "document": gettext_lazy("documents"),
}


class MediaError(Exception):
    """A refused media operation; ``message`` tells the person what to do instead, and
    ``field`` names the input it is about when there is one."""

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


class MediaInUse(MediaError):
    """Deleting would take a file from posts that are still to be published."""

    def __init__(self, message: str, *, count: int):
        super().__init__(message)
        self.count = count


# -- Limits -----------------------------------------------------------------------------
def size_limit(kind: str) -> int:
    """The largest file accepted for a kind, in bytes, from settings."""
    megabytes = {
        MediaFile.Kind.IMAGE: settings.POSTIZ_MEDIA_MAX_IMAGE_MB,
        MediaFile.Kind.VIDEO: settings.POSTIZ_MEDIA_MAX_VIDEO_MB,
        MediaFile.Kind.DOCUMENT: settings.POSTIZ_MEDIA_MAX_DOCUMENT_MB,
    }[kind]
    return megabytes * MB


def quota_bytes() -> int:
    """Each organization's storage allowance in bytes; 0 means unlimited."""
    return settings.POSTIZ_MEDIA_QUOTA_MB * MB


def format_size(size: int) -> str:
    """A size as people read it, in their language (the unit's symbol may change)."""
    if size < 1024:
        return ngettext("%(size)s byte", "%(size)s bytes", size) % {"size": size}
    if size < MB:
        return _("%(size)s KB") % {"size": f"{size / 1024:.0f}"}
    if size < 1024 * MB:
        return _("%(size)s MB") % {"size": f"{size / MB:.1f}".removesuffix(".0")}
    return _("%(size)s GB") % {"size": f"{size / (1024 * MB):.2f}"}


def _check_size(*, name: str, kind: str, size: int) -> None:
    limit = size_limit(kind)
    if size > limit:
        raise MediaError(
            _(
                "%(name)s is %(size)s; %(kind)s may be at most %(limit)s. Make it smaller and "
                "upload it again."
            )
            % {
                "name": name,
                "size": format_size(size),
                "kind": _KIND_WORDS[kind],
                "limit": format_size(limit),
            }
        )


def _check_quota(*, organization: Organization, size: int) -> None:
    quota = quota_bytes()
    if not quota:
        return
    used = selectors.media_storage_used(organization)
    if used + size > quota:
        left = max(quota - used, 0)
        raise MediaError(
            _(
                "This file needs %(size)s but %(name)s has %(left)s left of its %(quota)s of "
                "storage. Delete files you no longer use from the media library, then try "
                "again."
            )
            % {
                "size": format_size(size),
                "name": organization.name,
                "left": format_size(left),
                "quota": format_size(quota),
            }
        )


# -- Reading what was given -------------------------------------------------------------
def _clean_name(name: str | None, fallback: str = "Untitled") -> str:
    # Browsers on Windows may send a full path; keep the last part only.
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = "".join(ch for ch in name if ch.isprintable())
    return (name or fallback)[:NAME_MAX]


def _as_file(file, filename: str | None) -> File:
    if isinstance(file, bytes | bytearray | memoryview):
        return ContentFile(bytes(file), name=filename or "file")
    if not isinstance(file, File):
        file = File(file, name=filename or getattr(file, "name", None) or "file")
    return file


def _head(file: File) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _inspect(file: File, local_path: str | None, display_name: str) -> processing.VideoFacts:
    """The video's facts and poster, read from disk or from the upload's own stream in
    bounded pieces (never the whole file in memory)."""
    path = local_path
    if path is None and hasattr(file, "temporary_file_path"):
        path = file.temporary_file_path()
    file.seek(0)
    try:
        return processing.inspect_video(path or getattr(file, "file", None) or file)
    except processing.VideoProblem as exc:
        raise MediaError(f"{display_name}: {exc}") from None
    finally:
        file.seek(0)


# -- Uploading --------------------------------------------------------------------------
def media_upload(
    *,
    organization: Organization,
    actor,
    file,
    filename: str | None = None,
    name: str | None = None,
) -> MediaFile:
    """Any member with media.manage: store a checked, cleaned file in the organization's
    library. The type comes from the bytes; limits and quota are checked before saving."""
    return _store(organization=organization, actor=actor, file=_as_file(file, filename), name=name)


def _store(
    *,
    organization: Organization,
    actor,
    file: File,
    name: str | None,
    source_url: str = "",
    local_path: str | None = None,
) -> MediaFile:
    display_name = _clean_name(name or getattr(file, "name", None))
    size = file.size
    if not size:
        raise MediaError(_("%(name)s is empty. Choose the file again.") % {"name": display_name})
    file_type = sniff(_head(file))
    if file_type is None:
        raise MediaError(
            _("%(name)s is not a file type Postiz accepts. Upload %(types)s.")
            % {"name": display_name, "types": ALLOWED_TYPES}
        )
    _check_size(name=display_name, kind=file_type.kind, size=size)
    _check_quota(organization=organization, size=size)

    media = MediaFile(
        organization=organization,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        name=display_name,
        kind=file_type.kind,
        mime_type=file_type.mime_type,
        source_url=source_url[:2000],
    )
    thumbnail, thumbnail_name = None, "thumb.webp"
    if file_type.kind == MediaFile.Kind.IMAGE:
        try:
            clean = processing.clean_image(file.read(), file_type.mime_type)
        except processing.ImageProblem as exc:
            raise MediaError(f"{display_name}: {exc}") from None
        content: File = ContentFile(clean.data)
        media.width, media.height = clean.width, clean.height
        thumbnail = ContentFile(clean.thumbnail)
    else:
        # Stored as given: storage copies it in chunks, so a large video never sits in
        # memory whole.
        content = file
        if file_type.kind == MediaFile.Kind.VIDEO:
            facts = _inspect(file, local_path, display_name)
            media.width, media.height, media.duration = facts.width, facts.height, facts.duration
            media.frame_rate, media.codec = facts.frame_rate, facts.codec
            if facts.poster:
                thumbnail, thumbnail_name = ContentFile(facts.poster), "poster.jpg"
    media.size = content.size
    media.sha256 = _sha256(content)
    return _save(
        media=media,
        content=content,
        thumbnail=thumbnail,
        thumbnail_name=thumbnail_name,
        file_type=file_type,
    )


def _save(
    *, media: MediaFile, content: File, thumbnail, thumbnail_name: str, file_type: FileType
) -> MediaFile:
    organization = media.organization
    stored: list[tuple[object, str]] = []
    try:
        # Bytes go to storage outside the transaction: a long upload must not hold a lock.
        media.file.save(f"upload.{file_type.extension}", content, save=False)
        stored.append((media.file.storage, media.file.name))
        if thumbnail is not None:
            media.thumbnail.save(thumbnail_name, thumbnail, save=False)
            stored.append((media.thumbnail.storage, media.thumbnail.name))
        with transaction.atomic():
            # One upload at a time per organization past this point, so two uploads
            # cannot both fit in the last free megabytes.
            Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
            _check_quota(organization=organization, size=media.size)
            media.save()
    except BaseException:
        for storage, stored_name in stored:
            try:
                storage.delete(stored_name)
            except Exception:
                logger.warning("Could not remove %s after a failed upload", stored_name)
        raise
    return media


# -- Uploading from an address ----------------------------------------------------------
def _check_scheme(url: str) -> None:
    # The address itself is vetted by the session, which connects to what it vetted.
    parts = urlsplit(url)
    allowed = {"https", "http"} if settings.POSTIZ_ALLOW_PRIVATE_URLS else {"https"}
    if parts.scheme not in allowed or not parts.hostname:
        raise MediaError(
            _(
                "%(url)s is not an https:// address. Use the file's https:// link, "
                "or download it and upload it from your computer."
            )
            % {"url": url}
        )


def _filename_from(url: str) -> str:
    path = unquote(urlsplit(url).path)
    return _clean_name(path.rsplit("/", 1)[-1], fallback=urlsplit(url).hostname or "download")


def _open_following_redirects(session: requests.Session, url: str, timeout: float):
    for _attempt in range(MAX_REDIRECTS + 1):
        _check_scheme(url)
        host = urlsplit(url).hostname
        try:
            response = session.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=(timeout, timeout),
                headers={"Accept": "image/*, video/*, application/pdf;q=0.9, */*;q=0.1"},
            )
        except UnsafeURL as exc:
            raise MediaError(str(exc)) from None
        except requests.Timeout:
            raise MediaError(
                _(
                    "%(host)s did not answer within %(seconds)s seconds. Try again later, or "
                    "download the file and upload it from your computer."
                )
                % {"host": host, "seconds": f"{timeout:g}"}
            ) from None
        except requests.RequestException:
            raise MediaError(
                _("Could not connect to %(host)s. Check the address.") % {"host": host}
            ) from None
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            response.close()
            continue
        return response, url
    raise MediaError(
        _("The address redirected more than %(count)s times. Use the file's final address.")
        % {"count": MAX_REDIRECTS}
    )


def _download(response: requests.Response, url: str, spool: IO[bytes]) -> int:
    host = urlsplit(url).hostname
    largest = max(size_limit(kind) for kind in MediaFile.Kind.values)
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > largest:
        raise MediaError(
            _("The file at %(host)s is %(size)s; the largest file Postiz takes is %(largest)s.")
            % {"host": host, "size": format_size(int(declared)), "largest": format_size(largest)}
        )
    deadline = time.monotonic() + settings.POSTIZ_MEDIA_FETCH_TOTAL_SECONDS
    received, head, limit = 0, b"", largest
    file_type = None
    try:
        for chunk in response.iter_content(_CHUNK):
            if file_type is None:
                head += chunk
                if len(head) >= HEAD_BYTES or not chunk:
                    file_type = sniff(head)
                    if file_type is None:
                        raise MediaError(
                            _(
                                "The file at %(host)s is not a type Postiz accepts (it was "
                                "not %(types)s). Check that the link opens the file itself, "
                                "not a page showing it."
                            )
                            % {"host": host, "types": ALLOWED_TYPES}
                        )
                    limit = size_limit(file_type.kind)
            received += len(chunk)
            if received > limit:
                kind = file_type.kind if file_type else "file"
                raise MediaError(
                    _(
                        "The file at %(host)s is larger than %(limit)s, the most Postiz "
                        "takes for %(kind)s."
                    )
                    % {
                        "host": host,
                        "limit": format_size(limit),
                        "kind": _KIND_WORDS.get(kind) or _("files"),
                    }
                )
            if time.monotonic() > deadline:
                raise MediaError(
                    _(
                        "%(host)s is sending the file too slowly. Download it and upload it "
                        "from your computer."
                    )
                    % {"host": host}
                )
            spool.write(chunk)
    except requests.RequestException:
        raise MediaError(
            _(
                "%(host)s stopped sending the file. Try again later, or download it and "
                "upload it from your computer."
            )
            % {"host": host}
        ) from None
    finally:
        response.close()
    spool.flush()
    return received


def media_upload_from_url(*, organization: Organization, actor, url: str) -> MediaFile:
    """Any member with media.manage: fetch a public https file (every redirect checked
    against private addresses, size capped while streaming) and store it like an upload."""
    url = (url or "").strip()
    if not url:
        raise MediaError(_("Enter the address of the file."))
    timeout = settings.POSTIZ_MEDIA_FETCH_TIMEOUT
    with guarded_session() as session, tempfile.NamedTemporaryFile(suffix=".download") as spool:
        response, final_url = _open_following_redirects(session, url, timeout)
        if response.status_code != 200:
            response.close()
            raise MediaError(
                _(
                    "%(host)s answered %(status)s for this address. Check that the link "
                    "opens the file itself and is public."
                )
                % {"host": urlsplit(final_url).hostname, "status": response.status_code}
            )
        _download(response, final_url, spool)
        spool.seek(0)
        file = File(spool, name=_filename_from(final_url))
        return _store(
            organization=organization,
            actor=actor,
            file=file,
            name=file.name,
            source_url=url,
            local_path=spool.name,
        )


# -- Editing ----------------------------------------------------------------------------
def _valid_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise MediaError(_("Enter a name for the file."), field="name")
    if len(cleaned) > NAME_MAX:
        raise MediaError(
            _("Names may be at most %(max)s characters; this one has %(length)s.")
            % {"max": NAME_MAX, "length": len(cleaned)},
            field="name",
        )
    return cleaned


def _valid_alt_text(alt_text: str) -> str:
    cleaned = (alt_text or "").strip()
    if len(cleaned) > ALT_TEXT_MAX:
        raise MediaError(
            _("Alt text may be at most %(max)s characters; this one has %(length)s. Shorten it.")
            % {"max": ALT_TEXT_MAX, "length": len(cleaned)},
            field="alt_text",
        )
    return cleaned


def media_update(
    *, media_file: MediaFile, actor, name: str | None = None, alt_text: str | None = None
) -> MediaFile:
    """Any member with media.manage: change the name people see and/or the alt text;
    both are checked before either is saved (the stored file never changes)."""
    changes = {}
    if name is not None:
        changes["name"] = _valid_name(name)
    if alt_text is not None:
        changes["alt_text"] = _valid_alt_text(alt_text)
    if changes:
        with transaction.atomic():
            MediaFile.objects.filter(pk=media_file.pk).update(**changes)
        for field, value in changes.items():
            setattr(media_file, field, value)
    return media_file


def media_rename(*, media_file: MediaFile, actor, name: str) -> MediaFile:
    """Any member with media.manage: change the name people see (the stored file stays)."""
    return media_update(media_file=media_file, actor=actor, name=name)


def media_set_alt_text(*, media_file: MediaFile, actor, alt_text: str) -> MediaFile:
    """Any member with media.manage: set the description read aloud by screen readers."""
    return media_update(media_file=media_file, actor=actor, alt_text=alt_text)


def media_delete(*, media_file: MediaFile, actor, force: bool = False, request=None) -> MediaFile:
    """Any member with media.manage: take a file out of the library. Raises MediaInUse
    when posts still to be published use it, unless ``force``; those posts keep it."""
    with transaction.atomic():
        locked = MediaFile.objects.select_for_update().get(pk=media_file.pk)
        if locked.deleted_at is not None:
            return locked
        pending = selectors.media_pending_use_count(locked)
        if pending and not force:
            raise MediaInUse(
                ngettext(
                    "%(name)s is still used by %(count)s scheduled post (drafts and failed "
                    "posts count). That post keeps the file if you delete it anyway; remove "
                    "it from it first if it should not be published.",
                    "%(name)s is still used by %(count)s scheduled posts (drafts and failed "
                    "posts count). Those posts keep the file if you delete it anyway; remove "
                    "it from them first if it should not be published.",
                    pending,
                )
                % {"name": locked.name, "count": pending},
                count=pending,
            )
        locked.deleted_at = timezone.now()
        locked.save(update_fields=["deleted_at"])
        audit_record(
            action="media.delete",
            actor=actor,
            organization=locked.organization,
            target=locked,
            details={"name": locked.name, "size": locked.size, "still_used_by": pending},
            request=request,
        )
        if not selectors.media_is_attached(locked):
            # Nothing refers to the bytes any more: free the storage once committed.
            names = [locked.file.name, locked.thumbnail.name]
            storage = locked.file.storage
            transaction.on_commit(lambda: _delete_stored(storage, names))
    return locked


def _delete_stored(storage, names) -> None:
    for name in names:
        if name:
            try:
                storage.delete(name)
            except Exception:
                logger.warning("Could not delete stored media %s", name, exc_info=True)


# -- Handing files to providers -----------------------------------------------------------
def media_public_url(media_file: MediaFile) -> str:
    """The absolute address networks fetch the file from."""
    if not media_file.file:
        return ""
    url = media_file.file.url
    if url.startswith(("http://", "https://")):
        return url
    return absolute_url(url)


def media_as_item(media_file: MediaFile, alt_text: str = "") -> MediaItem:
    """The composer's validator and the publisher call this: a provider-ready view of a
    stored file, read lazily from storage."""

    def opener():
        return media_file.file.storage.open(media_file.file.name, "rb")

    def read() -> bytes:
        with opener() as handle:
            return handle.read()

    extension = os.path.splitext(media_file.file.name)[1]
    stem = os.path.splitext(media_file.name)[0] or "file"
    return MediaItem(
        mime_type=media_file.mime_type,
        size=media_file.size,
        read=read,
        filename=f"{stem}{extension}",
        width=media_file.width,
        height=media_file.height,
        duration=media_file.duration,
        frame_rate=media_file.frame_rate,
        codec=media_file.codec,
        alt_text=alt_text or media_file.alt_text,
        public_url=media_public_url(media_file),
        opener=opener,
    )
