"""What happened in an organization, told exactly once to whoever wants to know.

An event is saved in the same transaction as the change it reports (``record``): a crash
can lose neither without the other. Telling it is separate (``dispatch``): pending events
are claimed with ``SKIP LOCKED``, handed to the handlers the apps above registered (posts:
the bell, emails and webhooks), and marked told in that same transaction, so each event is
told once, whoever dispatches it: the request that made the change (right after its
commit), the publisher (behind a burst), or the every-minute sweep after a crash.

Channels record their events here without knowing who listens, so the apps keep depending
downward only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

from organizations.models import Event
from organizations.texts import Text, english, stored

logger = logging.getLogger("postiz.events")

POST_PUBLISHED = "post.published"
POST_FAILED = "post.failed"
POST_UNCONFIRMED = "post.unconfirmed"
POST_MISSED = "post.missed"
POST_DELETED = "post.deleted"
POST_REVIEW_REQUESTED = "post.review_requested"
POST_APPROVED = "post.approved"
POST_CHANGES_REQUESTED = "post.changes_requested"
POST_REJECTED = "post.rejected"
# Review decisions: told to webhooks; the people concerned are told by the review itself.
REVIEW_EVENTS = (POST_REVIEW_REQUESTED, POST_APPROVED, POST_CHANGES_REQUESTED, POST_REJECTED)
CHANNEL_NEEDS_RECONNECT = "channel.needs_reconnect"

# Events told per dispatch transaction at most.
DISPATCH_BATCH = 500

Handler = Callable[[list[Event]], None]
_handlers: list[Handler] = []


def register(handler: Handler) -> None:
    """An app's ready(): ``handler(events)`` is called inside the dispatch transaction
    with a batch of events; it records what it needs and must not talk to the network
    (enqueue that with ``transaction.on_commit``). Registering twice is harmless."""
    if handler not in _handlers:
        _handlers.append(handler)


def record(
    name: str,
    *,
    organization_id: int,
    post_id: int | None = None,
    integration_id: int | None = None,
    message: str | Text = "",
    dispatch: bool = True,
) -> None:
    """Any service, inside the transaction of the change it reports. With ``dispatch``,
    the event is told right after that transaction commits (and by the sweep if this
    process dies first)."""
    record_many(
        name,
        [(organization_id, post_id, integration_id)],
        message=message,
        dispatch=dispatch,
    )


def record_many(
    name: str,
    subjects: Iterable[tuple[int, int | None, int | None]],
    *,
    message: str | Text = "",
    dispatch: bool = True,
) -> int:
    """``record`` for many (organization id, post id, channel id) at once: one INSERT. A
    ``Text`` message is kept in English and as a sentence each reader is told in their
    own language (``Event.text``)."""
    now = timezone.now()
    message_text = stored(message)
    message = english(message)
    rows = [
        Event(
            organization_id=organization_id,
            name=name,
            post_id=post_id,
            integration_id=integration_id,
            message=message,
            message_text=message_text,
            created_at=now,
        )
        for organization_id, post_id, integration_id in subjects
    ]
    if not rows:
        return 0
    Event.objects.bulk_create(rows)
    logger.info("event %s recorded for %d subjects", name, len(rows))
    if dispatch:
        transaction.on_commit(dispatch_quietly)
    return len(rows)


def dispatch(*, limit: int = DISPATCH_BATCH) -> int:
    """Anyone may call: tells up to ``limit`` pending events, oldest first, each exactly
    once; returns how many. Events another process is telling are passed over."""
    with transaction.atomic():
        events = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(dispatched_at=None)
            .order_by("id")[:limit]
        )
        if not events:
            return 0
        try:
            with transaction.atomic():
                _tell(events)
        except Exception:
            # One bad event must not hold back the others: tell them one by one, and log
            # (and skip) any that cannot be told.
            logger.exception("telling %d events failed; telling them one by one", len(events))
            for event in events:
                try:
                    with transaction.atomic():
                        _tell([event])
                except Exception:
                    logger.exception("event %s (%s) could not be told", event.pk, event.name)
        Event.objects.filter(pk__in=[event.pk for event in events]).update(
            dispatched_at=timezone.now()
        )
    return len(events)


def dispatch_all() -> int:
    """The sweep: tells every pending event, batch after batch; returns how many."""
    told = 0
    while True:
        count = dispatch()
        told += count
        if count < DISPATCH_BATCH:  # the last batch was not full: nothing more waits
            return told


def dispatch_quietly() -> None:
    """After a commit: tell what is pending; never raises (the sweep tells it later)."""
    try:
        dispatch_all()
    except Exception:
        logger.exception("events could not be told now; the sweep will")


def _tell(events: list[Event]) -> None:
    for handler in _handlers:
        handler(events)


def prune(*, older_than) -> int:
    """The daily housekeeping: told events older than ``older_than`` go."""
    deleted, _ = Event.objects.filter(
        dispatched_at__isnull=False, created_at__lt=older_than
    ).delete()
    return deleted
