"""django-q2 entry points for short links (the worker's queue, never the publisher's)."""

from __future__ import annotations


def sync_clicks() -> int:
    """Read the clicks of Dub, Short.io and Kutt links (safe to run twice: it only writes
    the counts their shorteners report)."""
    from posts.links.services import links_sync_clicks

    return links_sync_clicks()
