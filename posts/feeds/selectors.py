"""Every read of feeds, already scoped to one organization and to the customers of whoever
acts through it.

A feed belongs to its ``customer``; one without a customer may post to any channel, so it
is the whole organization's. A member limited to customers (``integrations.selectors``)
sees only their customers' feeds: another customer's, or the organization's, is simply
not found (404), and what they create or edit must be for one of their customers."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from integrations import selectors as channel_selectors
from integrations.models import Integration
from organizations.models import Organization
from posts.feeds.models import Feed, FeedEntry


def feeds_for(*, organization: Organization) -> QuerySet[Feed]:
    """The organization's feeds, by name (only the acting member's customers' feeds when
    they are limited: a subquery, no extra query)."""
    return (
        Feed.objects.filter(organization=organization)
        .filter(channel_selectors.visible_customers_q(organization))
        .order_by("name", "id")
    )


def feed_get(*, organization: Organization, public_id) -> Feed | None:
    """One of the organization's feeds (with its customer and channels); None for another
    organization's, another customer's for a limited member, or a bad id."""
    try:
        public_id = uuid.UUID(str(public_id))
    except (TypeError, ValueError, AttributeError):
        return None
    feed = (
        feeds_for(organization=organization)
        .select_related("customer")
        .prefetch_related("integrations")
        .filter(public_id=public_id)
        .first()
    )
    if feed is not None:
        # The request's organization carries who acts through it, which editing checks.
        feed.organization = organization
    return feed


def feeds_count(organization: Organization) -> int:
    """How many feeds count against the plan's ``rss_feeds`` (paused ones too, and those
    of every customer: the plan is the organization's)."""
    return Feed.objects.filter(organization=organization).count()


def entries_for(*, feed: Feed) -> QuerySet[FeedEntry]:
    """What the feed has seen, newest first, with the post each became."""
    return FeedEntry.objects.filter(feed=feed).select_related("group").order_by("-seen_at", "-id")


def channels_for(*, organization: Organization) -> QuerySet[Integration]:
    """The channels a feed may post to: the organization's live ones (only the acting
    member's customers' when they are limited)."""
    return channel_selectors.integrations_for(organization=organization)


def customer_required(organization: Organization) -> bool:
    """Whether a feed made or edited through ``organization`` must name a customer: a
    limited member may not make one for the whole organization."""
    return channel_selectors.acting_limit(organization) is not None


def limit_errors(organization: Organization, *, customer, channels) -> dict[str, str]:
    """What a limited member may not pick for a feed: no customer or another customer, and
    channels outside their customers. Empty for everyone else."""
    membership = channel_selectors.acting_limit(organization)
    if membership is None:
        return {}
    visible = channel_selectors.visible_customer_ids(membership)
    errors = {}
    if customer is None or customer.pk not in visible:
        errors["customer"] = _("Pick one of your customers.")
    if any(c.customer_id not in visible for c in channels):
        errors["integrations"] = _("Pick only channels of your customers.")
    return errors
