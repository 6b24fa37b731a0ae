"""What happened to a post or a channel, told once to everyone who wants to know:
the bell (and email) of the organization's members, and its webhooks.

Events are recorded through ``organizations.events`` in the same transaction as the
change (``emit`` / ``emit_many`` here are the posts' shorthand for it), and told by
``handle``, which posts registers there: it records notifications and webhook deliveries
in the database (cheap, no network) and leaves the sending to background jobs, so a slow
webhook never slows publishing."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC

from django.urls import reverse

from organizations import events as hub
from organizations.events import (  # noqa: F401 - the names posts' callers use
    CHANNEL_NEEDS_RECONNECT,
    POST_APPROVED,
    POST_CHANGES_REQUESTED,
    POST_DELETED,
    POST_FAILED,
    POST_MISSED,
    POST_PUBLISHED,
    POST_REJECTED,
    POST_REVIEW_REQUESTED,
    POST_UNCONFIRMED,
    REVIEW_EVENTS,
)
from organizations.texts import Text, english

logger = logging.getLogger("postiz.events")


def emit(
    event: str,
    *,
    organization_id: int,
    post_id: int | None = None,
    integration_id: int | None = None,
    message: str | Text = "",
    dispatch: bool = True,
) -> None:
    """Any service, inside the transaction that made the change: records the event with
    it (and tells it after the commit, unless ``dispatch`` is False)."""
    hub.record(
        event,
        organization_id=organization_id,
        post_id=post_id,
        integration_id=integration_id,
        message=message,
        dispatch=dispatch,
    )


def emit_many(event: str, *, post_ids: list[int], message: str | Text = "", dispatch=True) -> int:
    """``emit`` for many posts that changed the same way, in two queries (each post's
    organization and channel are read from the post)."""
    from posts.models import Post

    subjects = Post.objects.filter(pk__in=post_ids).values_list(
        "organization_id", "pk", "integration_id"
    )
    return hub.record_many(event, list(subjects), message=message, dispatch=dispatch)


def handle(events) -> None:
    """organizations.events calls this inside its dispatch transaction: each event's
    notifications and webhook deliveries, a handful of queries per kind of event."""
    by_kind = defaultdict(list)
    for event in events:
        if event.post_id is not None:
            by_kind[(event.name, event.message)].append(event)
        else:
            _record_channel(event.name, event.organization_id, event.integration_id, event.text)
    for (name, _message), group in by_kind.items():
        # The same English message is the same sentence: its kept Text says it to each
        # reader in their language.
        organization_of = {event.post_id: event.organization_id for event in group}
        _record_posts(name, organization_of, group[0].text)


def _iso(value) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _channel(integration) -> dict:
    return {
        "id": str(integration.public_id),
        "provider": integration.provider,
        "name": integration.name,
    }


def _record_posts(event, organization_of: dict[int, int], message="") -> None:
    """Tell ``event`` about each post of ``organization_of`` (post id → the organization
    the event was recorded for: a post of any other is never told)."""
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
    posts = [
        post
        for post in posts.filter(pk__in=list(organization_of)).order_by("pk")
        if post.organization_id == organization_of[post.pk]
    ]
    if len(posts) < len(organization_of):
        logger.warning("event %s: some posts are gone or in another organization", event)
    page = "posts:calendar" if event == POST_PUBLISHED else "posts:failures"
    outcomes, deliveries = [], []
    # Outcomes that went well need no error; a deletion was someone's own doing, so it
    # goes to webhooks only, never to the bell.
    quiet = event in (POST_PUBLISHED, POST_DELETED, *REVIEW_EVENTS)
    for post in posts:
        organization, integration = post.organization, post.integration
        error = "" if quiet else (message or Text.restore(post.error_text) or post.error_message)
        if event != POST_DELETED and event not in REVIEW_EVENTS:
            outcomes.append(
                notifications.Outcome(
                    organization=organization,
                    kind=event,
                    channel_name=integration.name,
                    text=post.first_text or "",
                    message=error,
                    url=notifications.page_url(page, organization.slug),
                    post_id=post.pk,
                    customer_id=integration.customer_id,
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
            "error": None if quiet else {"kind": post.error_kind, "message": english(error)},
        }
        if event in REVIEW_EVENTS:
            data["review_state"] = post.review_state
            data["comment"] = english(message) or None
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
        customer_id=integration.customer_id,
    )
    webhooks.deliveries_record(
        organization=organization,
        event=event,
        integration_id=integration.pk,
        data={"channel": _channel(integration), "error": {"message": english(message)}},
    )
