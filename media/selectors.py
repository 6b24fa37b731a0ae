"""Every read of the media library, already scoped to one organization."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db.models import Q, QuerySet, Sum

from media.models import MediaFile
from organizations.models import Organization


def media_for_organization(
    organization: Organization, *, search: str = "", kind: str = ""
) -> QuerySet[MediaFile]:
    """The organization's library, newest first, without deleted files."""
    files = MediaFile.objects.filter(organization=organization, deleted_at__isnull=True)
    search = (search or "").strip()
    if search:
        files = files.filter(Q(name__icontains=search) | Q(alt_text__icontains=search))
    if kind in MediaFile.Kind.values:
        files = files.filter(kind=kind)
    return files


def media_get(organization: Organization, pk) -> MediaFile | None:
    """One live file of this organization by id or public id; None for anyone else's."""
    files = media_for_organization(organization)
    if isinstance(pk, int) or (isinstance(pk, str) and pk.isdigit()):
        return files.filter(pk=int(pk)).first()
    try:
        public_id = uuid.UUID(str(pk))
    except ValueError:
        return None
    return files.filter(public_id=public_id).first()


def media_get_many(organization: Organization, ids) -> list[MediaFile]:
    """Live files of this organization among ``ids``, in the order given; others dropped."""
    wanted = []
    for value in ids:
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            continue
    found = {m.pk: m for m in media_for_organization(organization).filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found]


def media_storage_used(organization: Organization) -> int:
    """Bytes the organization's live files take, counted against its quota."""
    total = MediaFile.objects.filter(organization=organization, deleted_at__isnull=True).aggregate(
        total=Sum("size")
    )["total"]
    return total or 0


# Who uses a file is known to the apps that attach files (posts), which register a
# counter at start-up: media never imports them.
_pending_uses: list[Callable[[MediaFile], int]] = []


def register_pending_uses(count: Callable[[MediaFile], int]) -> None:
    """An app's ready(): ``count(media_file)`` is how many of its not-yet-published things
    (posts) use the file, so deleting it can warn first."""
    if count not in _pending_uses:
        _pending_uses.append(count)


def media_pending_use_count(media_file: MediaFile) -> int:
    """How many posts (or anything else registered) that may still go out use this file."""
    return sum(count(media_file) for count in _pending_uses)


def media_is_attached(media_file: MediaFile) -> bool:
    """Whether any post, in any state, refers to the file."""
    return media_file.attachments.exists()
