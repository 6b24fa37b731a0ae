"""Every read of the media library, already scoped to one organization."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from integrations.models import CustomerAccess
from integrations.selectors import allowed_customers
from media.models import MediaFile
from organizations.models import Membership, Organization

# Which files posts on some customers' channels use is known to posts, which registers
# a function at start-up: ``used(allowed)`` gives those files' ids as a subquery.
_customer_uses: list[Callable[[QuerySet], QuerySet]] = []


def register_customer_uses(used: Callable[[QuerySet], QuerySet]) -> None:
    """An app's ready(): ``used(customer ids subquery)`` is a subquery of the ids of the
    files its things (posts) on those customers' channels use."""
    if used not in _customer_uses:
        _customer_uses.append(used)


def visible_media_q(organization: Organization) -> Q:
    """What a member limited to customers sees of the library (Q() for anyone else):
    the files used in posts on their customers' channels, and the files uploaded by a
    limited member whose customers are all among theirs (themselves included). Files of
    anyone else stay hidden, even unused ones, so nothing of another customer shows."""
    allowed = allowed_customers(organization)
    if allowed is None:
        return Q()
    uploader = Membership.objects.filter(
        organization=organization, user_id=OuterRef("uploaded_by_id"), customer_limited=True
    )
    beyond = CustomerAccess.objects.filter(
        membership__organization=organization, membership__user_id=OuterRef("uploaded_by_id")
    ).exclude(customer_id__in=allowed)
    visible = Q(Exists(uploader)) & ~Q(Exists(beyond))
    for used in _customer_uses:
        visible |= Q(pk__in=used(allowed))
    return visible


def media_for_organization(
    organization: Organization, *, search: str = "", kind: str = ""
) -> QuerySet[MediaFile]:
    """The organization's library, newest first, without deleted files (for a member
    limited to customers, only what ``visible_media_q`` lets them see)."""
    files = MediaFile.objects.filter(organization=organization, deleted_at__isnull=True)
    files = files.filter(visible_media_q(organization))
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
