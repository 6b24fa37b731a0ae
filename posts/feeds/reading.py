"""Reading feeds into posts: the every-minute job that enqueues due feeds, one read per
job (``feed_fetch``), and the entries it turns into posts.

A read holds the feed with a lease taken by a conditional UPDATE, so two workers (the
schedule and a "fetch now", or two worker processes) never read the same feed at once;
and each entry is recorded under a unique (feed, key) constraint in the same
transaction as the post it becomes, so even two reads that did overlap could not post an
entry twice. Network work (the feed, pages, images) happens outside any transaction.

The first successful read of a feed takes its back catalogue: the entries already there
are offered as drafts (the newest BACKLOG_DRAFTS) or skipped, as the feed says; only
entries that appear after it are posted. A feed whose address changes is read as a new
one in that respect (posts.feeds.services.feed_update)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import DurationField, ExpressionWrapper, F, Q, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.i18n import in_language_of
from billing.limits import LimitReached
from integrations.models import Integration
from organizations.services import audit_record
from organizations.texts import Text, english, stored
from posts.feeds import fetch as fetching
from posts.feeds.models import FETCH_NOW_EXPIRES, Feed, FeedEntry
from posts.feeds.parse import Entry, NotAFeed, Parsed, parse
from posts.feeds.text import render, shorten
from posts.models import Notification, PostGroup

logger = logging.getLogger("postiz.feeds")

# A feed failing this many reads in a row is paused and the team told.
PAUSE_AFTER = 5
# The first read offers at most this many of the feed's existing entries as drafts (the
# newest); older ones are recorded as skipped, so a feed of thousands floods nothing.
BACKLOG_DRAFTS = 20
# One read posts at most this many new entries; more at once (a feed that rewrote every
# guid, a site that published its archive) become drafts for a person to look at.
MAX_POSTS_PER_READ = 10
# Longer than a read can take (feed, pages and images, each bounded in fetch.py).
LEASE = FETCH_NOW_EXPIRES
# Images are looked up for this long per read at most; later entries go without one.
IMAGE_BUDGET_SECONDS = 60.0
DUE_BATCH = 100

Outcome = FeedEntry.Outcome


class FeedBusy(Exception):
    """Another read of the feed is under way (or it is paused); nothing was done."""


def audit(action: str, feed: Feed, actor, request, details: dict | None = None) -> None:
    audit_record(
        action=action,
        actor=actor,
        organization=feed.organization,
        target=feed,
        details={"name": feed.name, "url": feed.url, **(details or {})},
        request=request,
    )


# -- The schedule -----------------------------------------------------------------------
def feeds_enqueue_due() -> int:
    """The every-minute job only: each active feed whose time has come gets its own read
    job (a slow or failing feed holds back no other), and its next time is set now, so a
    feed is never enqueued twice for one turn. Returns how many were enqueued."""
    from django_q.tasks import async_task

    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Feed.objects.select_for_update(skip_locked=True)
            .filter(
                state=Feed.State.ACTIVE,
                next_fetch_at__lte=now,
                organization__deleted_at__isnull=True,
            )
            .order_by("next_fetch_at", "id")
            .values_list("pk", flat=True)[:DUE_BATCH]
        )
        if not ids:
            return 0
        step = ExpressionWrapper(
            F("interval_minutes") * timedelta(minutes=1), output_field=DurationField()
        )
        Feed.objects.filter(pk__in=ids).update(
            next_fetch_at=ExpressionWrapper(
                Value(now) + step, output_field=Feed._meta.get_field("next_fetch_at")
            )
        )
        for feed_id in ids:
            transaction.on_commit(
                lambda feed_id=feed_id: async_task("posts.tasks.fetch_feed", feed_id)
            )
    return len(ids)


# -- Reading ----------------------------------------------------------------------------
def _claim(feed_id: int) -> Feed | None:
    now = timezone.now()
    taken = Feed.objects.filter(
        Q(fetching_until__isnull=True) | Q(fetching_until__lt=now),
        pk=feed_id,
        state=Feed.State.ACTIVE,
        # A deleted organization's feeds are never read again.
        organization__deleted_at__isnull=True,
    ).update(fetching_until=now + LEASE)
    if not taken:
        return None
    return (
        Feed.objects.select_related("organization", "created_by")
        .prefetch_related("integrations")
        .get(pk=feed_id)
    )


def feed_fetch(*, feed_id: int) -> dict:
    """The worker only (posts.tasks.fetch_feed): reads the feed once and posts its new
    entries. Raises FeedBusy when another read holds it or it is paused. A failure is
    recorded on the feed (and pauses it after PAUSE_AFTER in a row), never raised: one
    feed's trouble stops no other job. Returns what the read did."""
    feed = _claim(feed_id)
    if feed is None:
        raise FeedBusy("The feed is being read already, or it is paused.")
    try:
        try:
            # The composer's checks of a new entry (kept in its note when it is saved as a
            # draft) are said in the language of whoever set the feed up.
            with in_language_of(feed.created_by):
                result = _read(feed)
        except (fetching.FetchError, NotAFeed, _NoChannel) as error:
            # Our sentences are kept as Texts (the message's first argument).
            return _failed(feed, error.args[0] if error.args else str(error))
        except Exception:
            logger.exception("feed %s: the read failed", feed.pk)
            said = gettext_noop("Something went wrong reading this feed. It is tried again.")
            return _failed(feed, Text(said))
        _succeeded(feed, result)
        return result
    finally:
        Feed.objects.filter(pk=feed.pk).update(fetching_until=None, fetch_requested_at=None)


class _NoChannel(Exception):
    pass


def _channels(feed: Feed) -> list[Integration]:
    return [
        c
        for c in feed.integrations.all()
        if c.organization_id == feed.organization_id
        and c.deleted_at is None
        and c.status == Integration.Status.ACTIVE
    ]


def _read(feed: Feed) -> dict:
    if not _channels(feed):
        # Nothing is read, so no entry is used up: they post once a channel is back.
        raise _NoChannel(
            Text(
                gettext_noop(
                    "None of the feed's channels can post (deleted, disabled or needing to be "
                    "reconnected). Reconnect one or pick another."
                )
            )
        )
    fetched = fetching.fetch_feed(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    result = {"status": fetched.status, "entries": 0, "new": 0}
    feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
    if fetched.status == 304:
        return result
    digest = hashlib.sha256(fetched.body).hexdigest()
    if digest == feed.content_hash and feed.primed_at is not None:
        result["unchanged"] = True
        return result
    parsed = parse(fetched.body, url=fetched.url, content_type=fetched.content_type)
    feed.content_hash = digest
    result["entries"] = len(parsed.entries)
    result["malformed"] = parsed.malformed
    result.update(_ingest(feed, parsed))
    return result


def _succeeded(feed: Feed, result: dict) -> None:
    now = timezone.now()
    result["at"] = now.isoformat()
    Feed.objects.filter(pk=feed.pk).update(
        etag=feed.etag[:500],
        last_modified=feed.last_modified[:100],
        content_hash=feed.content_hash,
        last_fetched_at=now,
        last_success_at=now,
        last_result=result,
        last_error="",
        last_error_text=None,
        consecutive_failures=0,
        next_fetch_at=now + timedelta(minutes=feed.interval_minutes),
    )


def _failed(feed: Feed, message: str | Text) -> dict:
    """Record a failed read: the message in English on the feed (its API, the admin) and
    kept as a sentence for its page; told to the bell when it pauses the feed."""
    now = timezone.now()
    said, message = message, english(message)
    with transaction.atomic():
        feed = (
            Feed.objects.select_for_update()
            .select_related("organization")
            .filter(pk=feed.pk)
            .first()
        )
        if feed is None:  # deleted while it was being read
            return {"error": message, "paused": False}
        feed.consecutive_failures += 1
        feed.last_error, feed.last_error_text = message, stored(said)
        feed.last_fetched_at = now
        feed.last_result = {"error": message, "at": now.isoformat()}
        feed.next_fetch_at = now + timedelta(minutes=feed.interval_minutes)
        fields = [
            "consecutive_failures",
            "last_error",
            "last_error_text",
            "last_fetched_at",
            "last_result",
            "next_fetch_at",
        ]
        paused = feed.consecutive_failures >= PAUSE_AFTER and feed.state == Feed.State.ACTIVE
        if paused:
            feed.state, feed.paused_at = Feed.State.PAUSED, now
            fields += ["state", "paused_at"]
        feed.save(update_fields=fields)
        if paused:
            _tell_paused(feed, said)
            audit("feed.paused", feed, None, None, {"error": message})
    return {"error": message, "paused": paused}


def _tell_paused(feed: Feed, message: str | Text) -> None:
    from posts.services.notifications import Outcome as Note
    from posts.services.notifications import notifications_record_many

    url = reverse("posts:feed", args=[feed.organization.slug, feed.public_id])
    notifications_record_many(
        outcomes=[
            Note(
                organization=feed.organization,
                kind=Notification.Kind.FEED_PAUSED,
                title=Text(gettext_noop("RSS feed %(feed)s paused"), feed=feed.name),
                message=Text.ngettext(
                    "It failed %(count)s time in a row. Last error: %(error)s",
                    "It failed %(count)s times in a row. Last error: %(error)s",
                    feed.consecutive_failures,
                    error=message,
                ),
                url=url,
            )
        ]
    )


# -- Entries into posts -----------------------------------------------------------------
def entries_known(feed: Feed, entries: list[Entry]) -> set[str]:
    """The keys of ``entries`` the feed has seen: by key, or by link and title (the same
    entry whose guid changed; posts.feeds.parse explains the rule)."""
    keys = [e.key for e in entries]
    links = [e.link for e in entries if e.link]
    seen_keys, seen_pairs = set(), set()
    rows = FeedEntry.objects.filter(feed=feed).filter(Q(key__in=keys) | Q(link__in=links))
    for key, link, title in rows.values_list("key", "link", "title"):
        seen_keys.add(key)
        if link:
            seen_pairs.add((link, title))
    return {e.key for e in entries if e.key in seen_keys or (e.link, e.title) in seen_pairs}


def oldest_first(entries: list[Entry]) -> list[Entry]:
    # Entries without a date keep their place in the feed (newest first, by custom).
    dated = list(enumerate(entries))
    dated.sort(key=lambda pair: (pair[1].published_at is None, pair[1].published_at, -pair[0]))
    undated = [e for _, e in dated if e.published_at is None]
    return [e for _, e in dated if e.published_at is not None] + undated[::-1]


def _ingest(feed: Feed, parsed: Parsed) -> dict:
    # The same entry twice in one document counts once.
    unique = list({e.key: e for e in reversed(parsed.entries)}.values())[::-1]
    known = entries_known(feed, unique)
    new = [e for e in unique if e.key not in known]
    counts: Counter = Counter()
    counts["new"] = len(new)
    if feed.primed_at is None:
        _take_backlog(feed, new, counts)
        Feed.objects.filter(pk=feed.pk).update(primed_at=timezone.now())
        feed.primed_at = timezone.now()
        return dict(counts)
    ordered = oldest_first(new)
    started = time.monotonic()
    for index, entry in enumerate(ordered):
        if index >= MAX_POSTS_PER_READ:
            _record(
                feed,
                entry,
                action="draft",
                counts=counts,
                note=Text(
                    gettext_noop(
                        "More than %(count)s new entries came at once; the rest are drafts so "
                        "the channels are not flooded. Schedule the ones you want."
                    ),
                    count=MAX_POSTS_PER_READ,
                ),
            )
            continue
        images = time.monotonic() - started < IMAGE_BUDGET_SECONDS
        _record(feed, entry, action=_action(feed), counts=counts, with_image=images)
    return dict(counts)


def _take_backlog(feed: Feed, entries: list[Entry], counts: Counter) -> None:
    newest_first = oldest_first(entries)[::-1]
    drafts = newest_first[:BACKLOG_DRAFTS] if feed.backlog == Feed.Backlog.DRAFTS else []
    skipped = newest_first[len(drafts) :]
    for entry in drafts[::-1]:
        _record(
            feed,
            entry,
            action="draft",
            counts=counts,
            note=Text(
                gettext_noop("In the feed before it was added: a draft to schedule if you want it.")
            ),
        )
    now = timezone.now()
    skipped_note = Text(gettext_noop("In the feed before it was added."))
    rows = [
        FeedEntry(
            feed=feed,
            key=e.key,
            guid=e.guid,
            link=e.link,
            title=e.title,
            published_at=e.published_at,
            outcome=Outcome.SKIPPED,
            note=skipped_note.english(),
            note_text=skipped_note.stored(),
            seen_at=now,
        )
        for e in skipped
    ]
    # Whatever another read recorded first stays as it was.
    FeedEntry.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    counts["skipped"] += len(rows)


def _action(feed: Feed) -> str:
    return "now" if feed.mode == Feed.Mode.NOW else "queue"


def entry_values(entry: Entry) -> dict[str, str]:
    """The placeholders' values for one entry (posts.feeds.text lists them)."""
    return {
        "title": entry.title,
        "link": entry.link,
        "summary": shorten(entry.summary),
        "author": entry.author,
    }


def entry_texts(feed_template: str, overrides: dict, channels, entry: Entry) -> dict[int, str]:
    """Each channel's text for ``entry``: its own template, else the feed's."""
    values = entry_values(entry)
    return {c.pk: render(overrides.get(str(c.pk)) or feed_template, values) for c in channels}


def _image_for(feed: Feed, entry: Entry) -> int | None:
    """The library id of the entry's image, stored once; None when there is none or it
    cannot be had (the post goes without; the note says why)."""
    from media.services import MediaError, media_upload

    candidates = list(entry.images) if feed.image in (Feed.Image.ENTRY, Feed.Image.ANY) else []
    if feed.image in (Feed.Image.PAGE, Feed.Image.ANY) and entry.link and not candidates:
        try:
            found = fetching.page_image(entry.link)
        except fetching.FetchError as error:
            logger.info("feed %s: no page image for %s: %s", feed.pk, entry.link, error)
            found = ""
        if found:
            candidates.append(found)
    for url in candidates[:2]:
        try:
            data, name = fetching.download_image(url)
            media = media_upload(
                organization=feed.organization,
                actor=feed.created_by,
                file=ContentFile(data, name=name),
                filename=name,
                name=name,
            )
        except (fetching.FetchError, MediaError) as error:
            logger.info("feed %s: image %s not used: %s", feed.pk, url, error)
            continue
        return media.pk
    return None


def _record(
    feed: Feed,
    entry: Entry,
    *,
    action: str,
    counts: Counter,
    note: str | Text = "",
    with_image: bool = True,
) -> None:
    """Record the entry once and make its post, in one transaction: if the entry is
    already recorded (another read got there first), nothing happens."""
    from posts.services.groups import (
        ChannelInput,
        ItemInput,
        PostValidationError,
        post_group_create,
    )

    if FeedEntry.objects.filter(feed=feed, key=entry.key).exists():
        # Another read recorded it meanwhile: no image to fetch, nothing to post.
        counts["already"] += 1
        return
    channels = _channels(feed)
    media_id = _image_for(feed, entry) if (with_image and feed.image != Feed.Image.NONE) else None
    media = [media_id] if media_id else []
    texts = entry_texts(feed.template, feed.channel_templates, channels, entry)
    content = [ItemInput(render(feed.template, entry_values(entry)), media)]
    inputs = [
        ChannelInput(
            c.pk,
            items=[ItemInput(texts[c.pk], list(media))]
            if str(c.pk) in feed.channel_templates
            else None,
        )
        for c in channels
    ]

    def create(chosen: str):
        return post_group_create(
            organization=feed.organization,
            actor=None,
            content=content,
            channels=inputs,
            action=chosen,
            timezone=feed.organization.timezone or "UTC",
            method=PostGroup.Method.RSS,
            # "With review": the posts wait for an approver (posts.services.approvals).
            review=feed.with_review,
        )

    with transaction.atomic():
        try:
            with transaction.atomic():
                row = FeedEntry.objects.create(
                    feed=feed,
                    key=entry.key,
                    guid=entry.guid,
                    link=entry.link,
                    title=entry.title,
                    published_at=entry.published_at,
                    outcome=Outcome.FAILED,
                )
        except IntegrityError:
            counts["already"] += 1
            return
        outcome = {"now": Outcome.POSTED, "queue": Outcome.QUEUED}.get(action, Outcome.DRAFTED)
        try:
            row.group = create(action)
        except PostValidationError as error:
            # It cannot go out as it is (too long for a network, no free queue slot…):
            # a draft keeps it for a person to fix rather than losing it.
            note = Text(gettext_noop("Saved as a draft: %(reason)s"), reason=error.message)
            outcome = Outcome.DRAFTED
            try:
                row.group = create("draft")
            except PostValidationError as again:
                outcome, note = Outcome.FAILED, again.message
        except LimitReached as error:
            outcome, note = Outcome.FAILED, error.message
        if feed.with_review and outcome != Outcome.DRAFTED and row.group is not None:
            note = Text(gettext_noop("Waiting for approval before it goes out."))
        row.outcome, row.note, row.note_text = outcome, english(note), stored(note)
        row.save(update_fields=["outcome", "note", "note_text", "group"])
    counts[str(outcome.value)] += 1
