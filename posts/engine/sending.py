"""Publishing one post, item by item, and deciding what an error means (``_after_error``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from integrations.models import Integration
from integrations.providers import get_provider
from integrations.providers.base import (
    ErrorKind,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
)
from integrations.services import integration_refresh, integration_set_status
from organizations.events import dispatch_quietly
from organizations.texts import Text
from posts import events
from posts.attachments import media_for_items
from posts.engine.jobs import (
    BACKOFF,
    LOOKUP_SETTLE,
    MAX_RATE_LIMIT_WAIT,
    MAX_UNCLEAR,
    MIN_PENDING_CHECK,
    PENDING,
    PENDING_HANDLE_KEY,
    PENDING_KEY,
    PENDING_SINCE_KEY,
    PENDING_UNSENT_KEY,
    POSSIBLY_SENT_KEY,
    READY,
    RECONCILE_SOON,
    SHORTENING_KEY,
    TRANSIENT_KEY,
    UNCLEAR_KEY,
    Outcome,
    _providers,
    logger,
)
from posts.links import LINKS_KEY
from posts.links.services import links_prepare
from posts.links.text import shorten_text
from posts.models import Post, PostItem
from posts.states import State, transition


# -- Publishing one post ----------------------------------------------------------------
def publish_post(post_id: int, *, announce: Callable[[], None] | None = None) -> Outcome:
    """The publisher loop calls this with a claimed post's id; safe to call twice (a post
    that is no longer ``publishing`` is left alone). The outcome's event is recorded with
    the outcome; ``announce()`` is called to have it told (by default it is told at once)."""
    post = (
        Post.objects.select_related("integration", "organization")
        .filter(pk=post_id, state=State.PUBLISHING)
        .first()
    )
    if post is None:
        return Outcome("skipped")
    integration = post.integration
    announce = announce or dispatch_quietly
    outcome = _publish(post, integration)
    if outcome.announce:
        announce()
    return outcome


def _publish(post: Post, integration: Integration) -> Outcome:
    provider = _provider(integration.provider)
    items = list(post.items.order_by("position"))
    refusal = _channel_refusal(post, integration)
    if refusal:
        if any(item.commit_started_at and not item.published_at for item in items):
            # A part may already be on the network (sent before a crash, or still being
            # made there): not a failure to report, something to look at.
            why = Text(gettext_noop("and we cannot check now (%(reason)s)"), reason=refusal)
            return _unconfirmed(post, provider, why)
        return _fail(post, ErrorKind.PERMISSION_DENIED, refusal)
    if not items:
        return _fail(
            post, ErrorKind.CONTENT_REJECTED, Text(gettext_noop("The post has nothing to publish."))
        )
    try:
        # Before anything is sent: each item's short links are made and stored once, and
        # every attempt sends the text built from them (request_for).
        links_prepare(post=post, items=items)
    except ProviderError as error:
        return _shortening_failed(post, items, error)

    for index, item in enumerate(items):
        if item.published_at:
            continue
        previous = items[index - 1] if index else None
        if previous and item.delay_minutes:
            due = previous.published_at + timedelta(minutes=item.delay_minutes)
            if due > timezone.now():
                return _reschedule(post, due, "")  # the next reply waits for its delay
        request = request_for(
            post,
            item,
            reply_to=_ref(previous),
            root=_ref(items[0]) if index else None,
            media=media_for_items([item.pk]).get(item.pk, []),
            ends_thread=index == len(items) - 1,
        )
        handle = item.progress.get(PENDING_HANDLE_KEY)
        result = None
        if handle:  # sent, and the network said it was still making the post
            checked = _check_pending(post, item, provider, integration, handle, index)
            if isinstance(checked, Outcome):
                return checked
            if checked.state == READY:
                # Prepared on the network, not yet published: send it now (below).
                _forget_pending(item, request)
            else:
                result = checked
        if result is None:
            try:
                result = _publish_item(provider, integration, item, request)
            except ProviderError as error:
                return _after_error(post, item, provider, error, published_before=index)
            if result is None:  # an earlier attempt's outcome could not be confirmed
                return _unconfirmed(post, provider)
        if result.state == PENDING:  # accepted; the network is still making the post
            return _still_pending(post, item, provider, result)
        _record(item, result)

    root = items[0]
    moved = _move(
        post,
        State.PUBLISHED,
        events.POST_PUBLISHED,
        remote_id=root.remote_id,
        remote_url=root.remote_url,
        published_at=root.published_at,
        error_kind="",
        error_message="",
        error_text=None,
    )
    return Outcome(State.PUBLISHED, announce=moved)


def request_for(post: Post, item: PostItem, **fields) -> PublishRequest:
    """What the provider is asked to publish for ``item``: its permanent key (every
    idempotency key the network sees comes from it) and its progress (the item's own dict
    unless ``progress`` is given), with a checkpoint that saves that progress before
    anything that may create the post, and records the commit as started right before
    the request that can create it (``PublishRequest.before_commit``)."""
    request = PublishRequest(
        post_id=str(item.pk),
        key=str(item.key),
        text=shorten_text(item.content, item.progress.get(LINKS_KEY)),
        settings=dict(post.settings),
        **{"progress": item.progress, **fields},
    )
    request.checkpoint = progress_saver(item)
    request.on_commit = commit_marker(item, request.checkpoint)
    return request


def progress_saver(item: PostItem) -> Callable[[dict], None]:
    """A checkpoint that saves (and commits) the item's progress when it changed since
    it was last saved: one UPDATE, none when nothing is new."""
    saved = [dict(item.progress)]

    def save(progress: dict) -> None:
        if progress == saved[0]:
            return
        PostItem.objects.filter(pk=item.pk).update(progress=progress)
        saved[0] = dict(progress)

    return save


def commit_marker(item: PostItem, save: Callable[[dict], None]) -> Callable[[dict], None]:
    """The exactly-once rule's checkpoint: right before the first request that can create
    the post, its progress is saved and ``commit_started_at`` written (and committed).
    Steps before it (uploads, containers) leave the item unmarked, so a worker that dies
    there is followed by an attempt that resumes them; once marked, every later attempt
    looks before it sends. A resend keeps the first start (a native key's window runs
    from the first send)."""

    def mark(progress: dict) -> None:
        save(progress)
        if item.commit_started_at is None:
            item.commit_started_at = timezone.now()
            PostItem.objects.filter(pk=item.pk).update(commit_started_at=item.commit_started_at)

    return mark


def _move(post: Post, target: str, event: str, message: str | Text = "", **changes) -> bool:
    """Change the post's state and record its event in one transaction (the outbox): a
    crash can lose neither without the other. True when the post moved."""
    with transaction.atomic():
        moved = transition(Post.objects.filter(pk=post.pk), target, **changes)
        if moved:
            events.emit(
                event,
                organization_id=post.organization_id,
                post_id=post.pk,
                integration_id=post.integration_id,
                message=message,
                dispatch=False,
            )
    return bool(moved)


def _provider(identifier: str) -> Provider:
    cache = getattr(_providers, "by_identifier", None)
    if cache is None:
        cache = _providers.by_identifier = {}
    if identifier not in cache:
        cache[identifier] = get_provider(identifier)
    return cache[identifier]


def _channel_refusal(post: Post, integration: Integration) -> Text | None:
    if integration.organization_id != post.organization_id:  # never cross tenants
        return Text(gettext_noop("The channel belongs to another organization."))
    if integration.deleted_at is not None:
        return Text(gettext_noop("The channel was deleted."))
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        return Text(
            gettext_noop("%(channel)s needs reconnecting before it can publish."),
            channel=integration.name,
        )
    if integration.status == Integration.Status.DISABLED:
        return Text(gettext_noop("%(channel)s is disabled."), channel=integration.name)
    return None


def _ref(item: PostItem | None) -> RemoteRef | None:
    if item is None:
        return None
    return RemoteRef(id=item.remote_id, url=item.remote_url, extra=dict(item.remote_extra))


def _publish_item(
    provider: Provider, integration: Integration, item: PostItem, request: PublishRequest
) -> PublishResult | None:
    """Send one item, or adopt it if an earlier attempt already did; None = cannot tell."""
    if item.commit_started_at is not None:
        # An earlier attempt may have reached the network (it crashed, or its answer was
        # unclear): until this is settled the item counts as possibly sent.
        _mark_possibly_sent(item)
        try:
            if provider.lookup == "by-content" and _too_soon_to_look(provider, item):
                # Handed back from a worker that died mid-send, on a network where not
                # finding it means asking the person: its lists lag behind its posts, so
                # looking at once could miss it. (After an unclear answer the wait was
                # already scheduled.)
                raise ProviderError(
                    ErrorKind.UNKNOWN_OUTCOME,
                    Text(
                        gettext_noop("We are checking whether this reached %(network)s."),
                        network=provider.display_name,
                    ),
                )
            found = _look(provider, integration, request)
        except ProviderError as error:
            # Whatever the look-up's trouble, the earlier send may be live: the next
            # attempt must look again, never send blindly.
            error.during_lookup = error.kind != ErrorKind.UNKNOWN_OUTCOME
            raise
        if found is not None:
            return PublishResult(ref=found)
        if not _safe_to_resend(provider, item):
            return None
    # Otherwise nothing that can create the post went out before: ``commit_started_at``
    # is written by the request's checkpoint right before the commit (``commit_marker``),
    # and whatever the earlier steps saved is resumed.
    try:
        return _send(provider, integration, request)
    finally:
        # Step results (uploaded media, record keys) survive whatever happens next.
        item.progress = request.progress
        PostItem.objects.filter(pk=item.pk).update(progress=request.progress)


def _mark_possibly_sent(item: PostItem) -> None:
    if not item.progress.get(POSSIBLY_SENT_KEY):
        item.progress[POSSIBLY_SENT_KEY] = True  # in place: a request may share the dict
        PostItem.objects.filter(pk=item.pk).update(progress=item.progress)


def _too_soon_to_look(provider: Provider, item: PostItem) -> bool:
    if item.progress.get(UNCLEAR_KEY) or _safe_to_resend(provider, item):
        return False
    return timezone.now() - item.commit_started_at < timedelta(seconds=LOOKUP_SETTLE)


def _look(provider: Provider, integration: Integration, request: PublishRequest):
    if provider.lookup == "none":
        return None
    return provider.find_existing(integration.as_channel(), request)


def _safe_to_resend(provider: Provider, item: PostItem) -> bool:
    """Whether sending again cannot create a second post."""
    if provider.idempotency in ("deterministic-key", "container-handle"):
        return True
    if provider.idempotency == "native-key":
        # Each network honours its key for its own time (Mastodon about an hour, Discord a
        # few minutes); past it, a resend could post twice.
        window = timedelta(seconds=provider.idempotency_window)
        return timezone.now() - item.commit_started_at < window
    return False


def _send(provider: Provider, integration: Integration, request: PublishRequest):
    """Publish; a stale credential is refreshed once (under the channel's lock) and the
    step retried once, so auth errors cannot loop."""
    try:
        return provider.send(integration.as_channel(), request)
    except ProviderError as error:
        migrated = getattr(error, "migrated_chat_id", None)
        if migrated and migrated != integration.meta.get("chat_id"):
            # A Telegram group became a supergroup (nothing was posted): keep its new id
            # and send once more there.
            return provider.send(_chat_moved(integration, migrated).as_channel(), request)
        if error.kind != ErrorKind.AUTH_EXPIRED:
            raise
    refreshed = integration_refresh(integration_id=integration.pk, raise_errors=True)
    try:
        return provider.send(refreshed.as_channel(), request)
    except ProviderError as error:
        if error.kind == ErrorKind.AUTH_EXPIRED:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                said(error),
                network_code=error.network_code,
                raw_excerpt=error.raw_excerpt,
            ) from error
        raise


def _chat_moved(integration: Integration, chat_id: str) -> Integration:
    """The channel's chat now lives under ``chat_id``: saved for every later post too."""
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        locked.meta = {**locked.meta, "chat_id": str(chat_id)}
        locked.save(update_fields=["meta"])
    integration.meta = locked.meta
    return integration


def _record(item: PostItem, result: PublishResult) -> None:
    item.remote_id = result.ref.id
    item.remote_url = result.ref.url
    item.remote_extra = dict(result.ref.extra)
    item.published_at = timezone.now()
    item.save(update_fields=["remote_id", "remote_url", "remote_extra", "published_at"])


# -- After an error ---------------------------------------------------------------------
def _after_error(
    post: Post, item: PostItem, provider: Provider, error: ProviderError, *, published_before: int
) -> Outcome:
    kind = error.kind
    logger.info("post %s item %s: %s (%s)", post.pk, item.pk, kind, error.network_code)
    if kind == ErrorKind.UNKNOWN_OUTCOME:
        if item.commit_started_at is None:
            # Unclear without a commit request (a provider's own doubt): the post may be
            # out all the same, so every later attempt looks first.
            item.commit_started_at = timezone.now()
            PostItem.objects.filter(pk=item.pk).update(commit_started_at=item.commit_started_at)
        _mark_possibly_sent(item)
        # Counted per item (in its progress, which survives attempts): a network that
        # never answers clearly ends with the person asked, not with endless retries.
        if _count(item, UNCLEAR_KEY) >= MAX_UNCLEAR:
            return _unconfirmed(post, provider)
        if provider.lookup == "by-content":
            return _reschedule(post, _in(LOOKUP_SETTLE), said(error), kind)
        if provider.lookup != "none" or _safe_to_resend(provider, item):
            return _reschedule(post, _in(RECONCILE_SOON), said(error), kind)
        return _unconfirmed(post, provider)
    if getattr(error, "during_lookup", False):
        # Looking failed; the item's earlier send stays "started", so the next attempt
        # looks again. Only a wait can help: anything else asks the person.
        if kind == ErrorKind.RATE_LIMITED:
            wait = error.retry_after if error.retry_after is not None else 60
            if wait <= MAX_RATE_LIMIT_WAIT:
                return _reschedule(post, _in(wait), said(error), kind)
        if kind == ErrorKind.TRANSIENT_BEFORE_SEND:
            failures = _count(item, TRANSIENT_KEY)
            if failures <= len(BACKOFF):
                return _reschedule(post, _in(_backoff(failures)), said(error), kind)
        return _unconfirmed(post, provider)
    # The network said no, or never got the request: nothing went out in this attempt.
    # Unless an earlier one may have, the next attempt sends without looking first.
    if not item.progress.get(POSSIBLY_SENT_KEY):
        PostItem.objects.filter(pk=item.pk).update(commit_started_at=None)
    if kind == ErrorKind.RATE_LIMITED:
        wait = error.retry_after if error.retry_after is not None else 60
        if wait > MAX_RATE_LIMIT_WAIT:
            return _fail(post, kind, said(error), published_before)
        return _reschedule(post, _in(wait), said(error), kind)
    if kind == ErrorKind.TRANSIENT_BEFORE_SEND:
        # Counted per item, not per claim: each part of a drip thread (and each wait for
        # a rate limit) is a claim of its own, and must not use up the next part's tries.
        failures = _count(item, TRANSIENT_KEY)
        if failures > len(BACKOFF):
            return _fail(post, kind, said(error), published_before)
        return _reschedule(post, _in(_backoff(failures)), said(error), kind)
    if kind in (ErrorKind.AUTH_REVOKED, ErrorKind.AUTH_EXPIRED):
        integration_set_status(
            integration=post.integration,
            status=Integration.Status.NEEDS_RECONNECT,
            error=said(error),
        )
    return _fail(post, kind, said(error), published_before)


def _shortening_failed(post: Post, items: list[PostItem], error: ProviderError) -> Outcome:
    """The shortener failed, or is not set up; nothing of the post was sent in this
    attempt. A wait it asked for, or a fault of its own, is tried again like a network's
    (counted on the root item, three times); anything else fails the post with the
    shortener's words and what to do."""
    kind = error.kind
    logger.info("post %s: short links not made: %s (%s)", post.pk, kind, error.network_code)
    message = Text(
        gettext_noop(
            "The links of this post could not be shortened, so nothing was published: %(reason)s"
        ),
        reason=said(error),
    )
    if kind == ErrorKind.RATE_LIMITED:
        wait = error.retry_after if error.retry_after is not None else 60
        if wait <= MAX_RATE_LIMIT_WAIT:
            return _reschedule(post, _in(wait), message, kind)
    if kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.UNKNOWN_OUTCOME):
        failures = _count(items[0], SHORTENING_KEY)
        if failures <= len(BACKOFF):
            return _reschedule(post, _in(_backoff(failures)), message, kind)
    if kind in (ErrorKind.AUTH_REVOKED, ErrorKind.AUTH_EXPIRED):
        # The shortener's key, not the channel's sign-in: nothing to reconnect.
        kind = ErrorKind.PERMISSION_DENIED
    return _fail(post, kind, message)


def _check_pending(
    post: Post,
    item: PostItem,
    provider: Provider,
    integration: Integration,
    handle: str,
    published_before: int,
) -> PublishResult | Outcome:
    """Ask the network about a post it was still making: its result (published, or still
    pending), or the outcome its answer settles. A stale credential is renewed once (under
    the channel's lock) and the check asked once more."""
    _mark_possibly_sent(item)
    channel = integration.as_channel()
    try:
        try:
            checked = provider.check_status(channel, handle)
        except ProviderError as error:
            if error.kind != ErrorKind.AUTH_EXPIRED:
                raise
            renewed = integration_refresh(integration_id=integration.pk, raise_errors=True)
            if renewed is None:
                raise ProviderError(
                    ErrorKind.NOT_FOUND, Text(gettext_noop("The channel was deleted."))
                ) from error
            checked = provider.check_status(renewed.as_channel(), handle)
    except ProviderError as error:
        return _after_check_error(post, item, provider, error, published_before)
    if checked is None:
        return PublishResult(ref=RemoteRef(id=""), state=PENDING, handle=handle)
    if checked.state == PENDING and not checked.handle:
        checked.handle = handle
    return checked


def _forget_pending(item: PostItem, request: PublishRequest) -> None:
    """Drop a pending handle whose check answered "ready", saved before the send that
    follows: a worker that dies during that send leaves an item that looks first, then
    sends (never one that waits on a handle the network is done with)."""
    for key in (PENDING_HANDLE_KEY, PENDING_KEY, PENDING_SINCE_KEY, PENDING_UNSENT_KEY):
        item.progress.pop(key, None)
        request.progress.pop(key, None)
    PostItem.objects.filter(pk=item.pk).update(progress=item.progress)


def _after_check_error(
    post: Post, item: PostItem, provider: Provider, error: ProviderError, published_before: int
) -> Outcome:
    """What an error while checking a pending post means. The network's verdict settles
    it: a refusal fails the post with its words; a publish it dropped (made nothing, may
    be tried again) is forgotten and the next attempt looks, then sends again. Anything
    else is a check that could not tell: asked again within the provider's window, unless
    asking again cannot help (a channel that needs reconnecting, a refused look-up)."""
    kind = error.kind
    logger.info("post %s item %s: check %s (%s)", post.pk, item.pk, kind, error.network_code)
    network = provider.display_name
    if error.verdict:
        if kind in (ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT_BEFORE_SEND):
            progress = {**item.progress}
            for key in (PENDING_HANDLE_KEY, PENDING_KEY, PENDING_SINCE_KEY, PENDING_UNSENT_KEY):
                progress.pop(key, None)
            item.progress = progress
            PostItem.objects.filter(pk=item.pk).update(progress=progress)
            if kind == ErrorKind.RATE_LIMITED:
                wait = error.retry_after if error.retry_after is not None else 60
                if wait > MAX_RATE_LIMIT_WAIT:
                    return _fail(post, kind, said(error), published_before)
            else:
                failures = _count(item, TRANSIENT_KEY)
                if failures > len(BACKOFF):
                    return _fail(post, kind, said(error), published_before)
                wait = _backoff(failures)
            return _reschedule(post, _in(wait), said(error), kind)
        if kind in (ErrorKind.AUTH_REVOKED, ErrorKind.AUTH_EXPIRED):
            _needs_reconnect(post, error)
        return _fail(post, kind, said(error), published_before)
    if kind in (ErrorKind.AUTH_REVOKED, ErrorKind.AUTH_EXPIRED):
        _needs_reconnect(post, error)
        why = Text(
            gettext_noop(
                "and %(network)s no longer accepts this channel's sign-in, so we could not "
                "check (reconnect the channel)"
            ),
            network=network,
        )
        return _unconfirmed(post, provider, why)
    if kind == ErrorKind.RATE_LIMITED:
        wait = error.retry_after if error.retry_after is not None else provider.pending_interval
        return _still_pending(post, item, provider, wait=wait, message=said(error))
    if kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.UNKNOWN_OUTCOME):
        return _still_pending(post, item, provider, message=said(error))
    # A refused or impossible look (no such handle, no permission): asking again would
    # only repeat it.
    reason = error.text or error.user_message.rstrip(".")
    why = Text(
        gettext_noop("and %(network)s would not let us check (%(reason)s)"),
        network=network,
        reason=reason,
    )
    return _unconfirmed(post, provider, why)


def _needs_reconnect(post: Post, error: ProviderError) -> None:
    integration_set_status(
        integration=post.integration,
        status=Integration.Status.NEEDS_RECONNECT,
        error=said(error),
    )


def _still_pending(
    post: Post,
    item: PostItem,
    provider: Provider,
    result: PublishResult | None = None,
    *,
    wait: float | None = None,
    message: str | Text = "",
) -> Outcome:
    """The network took the post and is still making it (a video, a media upload), or a
    check could not tell (``wait``: how long the network asked us to wait). The handle
    is kept and checked again: after the network's suggested wait, else the provider's
    interval (growing); once ``pending_window`` has passed since the post was first
    pending, the person is asked to look."""
    now = timezone.now()
    progress = {**item.progress}
    if result is not None and result.handle:
        progress[PENDING_HANDLE_KEY] = result.handle
    since = _instant(progress.get(PENDING_SINCE_KEY)) or now
    progress[PENDING_SINCE_KEY] = since.isoformat()
    checks = int(progress.get(PENDING_KEY, 0)) + 1
    progress[PENDING_KEY] = checks
    if result is not None and not result.committed:
        # Nothing published yet (a "ready" check drops this with the handle): if the
        # window ends first, nothing was sent to look for.
        progress[PENDING_UNSENT_KEY] = True
    unsent = bool(progress.get(PENDING_UNSENT_KEY))
    item.progress = progress
    changes = {"progress": progress}
    if item.commit_started_at is None:
        # The network has the post: from now on only checks and looks, never a send.
        item.commit_started_at = now
        changes["commit_started_at"] = now
    PostItem.objects.filter(pk=item.pk).update(**changes)
    ends = since + timedelta(seconds=provider.pending_window)
    if now >= ends:
        minutes = round(provider.pending_window / 60)
        if unsent:  # nothing was published: a failure to say so, not a post to look for
            return _fail(
                post,
                ErrorKind.CONTENT_REJECTED,
                Text.ngettext(
                    "%(network)s was still preparing the media %(count)s minute later, so "
                    "nothing was published. Try again, or use a shorter or smaller file.",
                    "%(network)s was still preparing the media %(count)s minutes later, so "
                    "nothing was published. Try again, or use a shorter or smaller file.",
                    minutes,
                    network=provider.display_name,
                ),
            )
        why = Text.ngettext(
            "and %(network)s was still processing it %(count)s minute later (it may still appear)",
            "and %(network)s was still processing it %(count)s minutes later (it may still appear)",
            minutes,
            network=provider.display_name,
        )
        return _unconfirmed(post, provider, why)
    if wait is not None:
        when = _in(wait)  # the network asked us to wait this long: even past the window
    else:
        suggested = result.check_after if result is not None else None
        if suggested is not None:
            wait = min(max(suggested, MIN_PENDING_CHECK), provider.pending_max_interval)
        else:
            grown = provider.pending_interval * provider.pending_growth ** (checks - 1)
            wait = min(grown, max(provider.pending_interval, provider.pending_max_interval))
        when = min(_in(wait), ends)  # the last check falls at the window's end
    message = message or Text(
        gettext_noop("%(network)s is still processing this post; we will check again."),
        network=provider.display_name,
    )
    return _reschedule(post, when, message)


def _instant(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _count(item: PostItem, key: str) -> int:
    """Add one to a counter kept in the item's progress (it survives attempts); the new
    value."""
    value = int(item.progress.get(key, 0)) + 1
    item.progress = {**item.progress, key: value}
    PostItem.objects.filter(pk=item.pk).update(progress=item.progress)
    return value


def _backoff(failures: int) -> float:
    return BACKOFF[failures - 1] * random.uniform(1.0, 1.25)  # noqa: S311 - jitter


def _in(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def said(error: ProviderError) -> Text | str:
    """What a network's error says, kept so each reader is told it in their language when
    the network module marked it (``error.text``), else its words as written."""
    return error.text or error.user_message


def _reschedule(post: Post, when, message: str | Text, kind: str = "") -> Outcome:
    """Try again at ``when``: a retry time of the engine's own, beside the time the person
    asked for (which never moves)."""
    changes = Post.error_changes(message)
    transition(
        Post.objects.filter(pk=post.pk),
        State.SCHEDULED,
        retry_at=when,
        error_kind=kind,
        **changes,
    )
    return Outcome(State.SCHEDULED, changes["error_message"])


def _fail(post: Post, kind: str, message: str | Text, published_before: int = 0) -> Outcome:
    if published_before:
        message = Text.ngettext(
            "The first %(count)s part of the thread went out; the next one did not: %(reason)s",
            "The first %(count)s parts of the thread went out; the next one did not: %(reason)s",
            published_before,
            reason=message,
        )
    changes = Post.error_changes(message)
    moved = _move(post, State.FAILED, events.POST_FAILED, message, error_kind=kind, **changes)
    return Outcome(State.FAILED, changes["error_message"], announce=moved)


def _unconfirmed(post: Post, provider: Provider, why: Text | None = None) -> Outcome:
    network = provider.display_name
    if why is None and provider.lookup == "none":
        why = Text(gettext_noop("and %(network)s gives us no way to check"), network=network)
    elif why is None:
        why = Text(
            gettext_noop("and we did not find it on %(network)s afterwards (it may still appear)"),
            network=network,
        )
    message = Text(
        gettext_noop(
            "We sent this to %(network)s but could not confirm it was published, %(why)s. "
            "Look at the channel before posting it again."
        ),
        network=network,
        why=why,
    )
    changes = Post.error_changes(message)
    moved = _move(
        post,
        State.UNCONFIRMED,
        events.POST_UNCONFIRMED,
        message,
        error_kind=ErrorKind.UNKNOWN_OUTCOME,
        **changes,
    )
    return Outcome(State.UNCONFIRMED, changes["error_message"], announce=moved)
