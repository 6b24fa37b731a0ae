"""The files attached to a post's items, as the providers take them (MediaItem)."""

from __future__ import annotations

from collections import defaultdict

from integrations.providers.base import MediaItem
from posts.models import PostItemMedia


def media_for_items(item_ids: list[int]) -> dict[int, list[MediaItem]]:
    """Each item's files in order, in one query; files deleted from the library after
    being attached still go out (the post was written with them)."""
    from media.services import media_as_item

    attached: dict[int, list[MediaItem]] = defaultdict(list)
    rows = (
        PostItemMedia.objects.filter(item_id__in=item_ids)
        .select_related("media")
        .order_by("item_id", "position")
    )
    for row in rows:
        attached[row.item_id].append(media_as_item(row.media, alt_text=row.alt_text))
    return attached
