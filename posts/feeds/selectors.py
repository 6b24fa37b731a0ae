"""Every read of feeds, already scoped to one organization."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from integrations import selectors as channel_selectors
from integrations.models import Integration
from organizations.models import Organization
from posts.feeds.models import Feed, FeedEntry


def feeds_for(*, organization: Organization) -> QuerySet[Feed]:
    """The organization's feeds, by name."""
    return Feed.objects.filter(organization=organization).order_by("name", "id")


def feed_get(*, organization: Organization, public_id) -> Feed | None:
    """One of the organization's feeds; None for another organization's or a bad id."""
    try:
        public_id = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return feeds_for(organization=organization).filter(public_id=public_id).first()


def feeds_count(organization: Organization) -> int:
    """How many feeds count against the plan's ``rss_feeds`` (paused ones too)."""
    return Feed.objects.filter(organization=organization).count()


def entries_for(*, feed: Feed) -> QuerySet[FeedEntry]:
    """What the feed has seen, newest first, with the post each became."""
    return FeedEntry.objects.filter(feed=feed).select_related("group").order_by("-seen_at", "-id")


def channels_for(*, organization: Organization) -> QuerySet[Integration]:
    """The channels a feed may post to: the organization's live ones."""
    return channel_selectors.integrations_for(organization=organization)
