"""What happened to a post or a channel, told once to everyone who wants to know:
the bell (and email) of the organization's members, and its webhooks.

The engine and the channel services call ``emit`` after the change is saved; it records
notifications and webhook deliveries in the database (cheap, no network) and leaves the
sending to background jobs, so a slow webhook never slows publishing."""

from __future__ import annotations

import logging
from datetime import UTC

from django.urls import reverse

logger = logging.getLogger("postiz.events")

POST_PUBLISHED = "post.published"
POST_FAILED = "post.failed"
POST_UNCONFIRMED = "post.unconfirmed"
POST_MISSED = "post.missed"
POST_DELETED = "post.deleted"
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
    try:
        if post_id is not None:
            _record_posts(event, [post_id], organization_id=organization_id, message=message)
        else:
            _record_channel(event, organization_id, integration_id, message)
    except Exception:
        logger.exception("event %s for post %s not recorded", event, post_id)


def emit_many(event: str, *, post_ids: list[int]) -> None:
    """The engine after a batch of posts changed state the same way (e.g. published):
    the same as one ``emit`` per post, in a handful of queries for the whole batch. Each
    post's organization is read from the post itself. Never raises."""
    if not post_ids:
        return
    logger.info("event %s for %d posts", event, len(post_ids))
    try:
        _record_posts(event, list(post_ids))
    except Exception:
        logger.exception("event %s for %d posts not recorded", event, len(post_ids))


def _iso(value) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _channel(integration) -> dict:
    return {
        "id": str(integration.public_id),
        "provider": integration.provider,
        "name": integration.name,
    }


def _record_posts(event, post_ids, *, organization_id=None, message="") -> None:
    # Imported here: the engine imports this module, and these import the engine's models.
    from django.db.models import OuterRef, Subquery

    from posts.models import Post, PostItem
    from posts.services import notifications, webhooks

    first_text = PostItem.objects.filter(post=OuterRef("pk")).order_by("position")
    # The channel's credentials are never told; not decrypting them keeps a burst cheap.
    posts = Post.objects.select_related("organization", "integration", "group")
    posts = posts.defer("integration__credentials").annotate(
        first_text=Subquery(first_text.values("content")[:1])
    )
    if organization_id is not None:  # the caller named the tenant: hold it to that
        posts = posts.filter(organization_id=organization_id)
    posts = list(posts.filter(pk__in=post_ids).order_by("pk"))
    if len(posts) < len(set(post_ids)):
        logger.warning("event %s: some posts are gone or not in org %s", event, organization_id)
    page = "posts:calendar" if event == POST_PUBLISHED else "posts:failures"
    outcomes, deliveries = [], []
    # Outcomes that went well need no error; a deletion was someone's own doing, so it
    # goes to webhooks only, never to the bell.
    quiet = event in (POST_PUBLISHED, POST_DELETED)
    for post in posts:
        organization, integration = post.organization, post.integration
        error = "" if quiet else (message or post.error_message)
        if event != POST_DELETED:
            outcomes.append(
                notifications.Outcome(
                    organization=organization,
                    kind=event,
                    channel_name=integration.name,
                    text=post.first_text or "",
                    message=error,
                    url=notifications.page_url(page, organization.slug),
                    post_id=post.pk,
                )
            )
        data = {
            "post": str(post.public_id),
            "group": str(post.group.public_id),
            "channel": _channel(integration),
            "state": post.state,
            "url": post.remote_url,
            "publish_at": _iso(post.publish_at),
            "published_at": _iso(post.published_at),
            "error": None if quiet else {"kind": post.error_kind, "message": error},
        }
        deliveries.append((organization, integration.pk, data))
    notifications.notifications_record_many(outcomes=outcomes)
    webhooks.deliveries_record_many(event=event, items=deliveries)


def _record_channel(event, organization_id, integration_id, message) -> None:
    from integrations.models import Integration
    from posts.services import notifications, webhooks

    integration = (
        Integration.objects.select_related("organization")
        .filter(pk=integration_id, organization_id=organization_id)
        .first()
    )
    if integration is None:
        logger.warning("event %s: channel %s not in org %s", event, integration_id, organization_id)
        return
    organization = integration.organization
    # The channel services email about this themselves; here only the bell and webhooks.
    notifications.notifications_record(
        organization=organization,
        kind=event,
        channel_name=integration.name,
        message=message,
        url=reverse("integrations:detail", args=[organization.slug, integration.pk]),
    )
    webhooks.deliveries_record(
        organization=organization,
        event=event,
        integration_id=integration.pk,
        data={"channel": _channel(integration), "error": {"message": message}},
    )
