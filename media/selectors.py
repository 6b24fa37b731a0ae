"""Every read of the media library, already scoped to one organization."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet, Sum

from media.models import MediaFile
from organizations.models import Organization

# A post in one of these states may still be published, so its files must stay.
PENDING_POST_STATES = ("scheduled", "draft", "failed", "missed")


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


def media_pending_use_count(media_file: MediaFile) -> int:
    """How many posts that may still be published use this file."""
    from posts.models import Post

    return (
        Post.objects.filter(
            organization_id=media_file.organization_id,
            state__in=PENDING_POST_STATES,
            items__attachments__media=media_file,
        )
        .distinct()
        .count()
    )


def media_is_attached(media_file: MediaFile) -> bool:
    """Whether any post, in any state, refers to the file."""
    return media_file.attachments.exists()
