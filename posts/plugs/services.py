"""Writing plugs, and firing them exactly once (see the package's docstring)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integrations.models import Integration
from integrations.providers import get_provider
from integrations.providers.base import ErrorKind, Metrics, RemoteRef
from integrations.providers.base.data import METRIC_LABELS
from organizations.services import audit_record
from organizations.texts import Text, english, stored
from posts.models import Post, PostItem
from posts.plugs.models import Plug, PlugKind, PlugRun
from posts.states import State

logger = logging.getLogger("postiz.posts")

TEXT_LIMIT = 5000
# A run claimed this long ago and still "sending" was left by a worker that died (the
# providers' read timeouts are far shorter): the round looks for it on the network.
STALE_SENDING = timedelta(minutes=10)
# A run refused before anything was sent (a network failing) waits this long, then more.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
# Past this many refusals a run fails and says why: a plug is not worth retrying forever.
MAX_ATTEMPTS = 8
Run = PlugRun.State


# -- What a channel offers --------------------------------------------------------------
def plug_offer(integration: Integration) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The plug kinds and counts the channel's network allows (both empty when none)."""
    try:
        provider = get_provider(integration.provider)
    except LookupError:
        return (), ()
    if provider.analytics not in ("post", "both"):
        return (), ()
    return tuple(provider.plug_kinds), tuple(provider.plug_metrics)


def _network(integration: Integration) -> str:
    try:
        return get_provider(integration.provider).network_label
    except LookupError:
        return integration.provider


def plug_clean(integration: Integration, *, kind: str, metric: str, threshold, text: str) -> dict:
    """Pure check of a plug's values against what the channel's network offers; the
    cleaned values, or ValidationError naming each field to fix."""
    kinds, metrics = plug_offer(integration)
    errors = {}
    if not kinds:
        raise ValidationError(
            {
                "kind": _("Plugs are not available for %(network)s.")
                % {"network": _network(integration)}
            }
        )
    if kind not in kinds:
        labels = ", ".join(PlugKind(k).label.lower() for k in kinds)
        errors["kind"] = _("This channel's network allows: %(kinds)s.") % {"kinds": labels}
    if metric not in metrics:
        errors["metric"] = _("This channel's network counts: %(metrics)s.") % {
            "metrics": ", ".join(str(METRIC_LABELS.get(m, m)).lower() for m in metrics)
        }
    try:
        threshold = int(threshold)
    except (TypeError, ValueError):
        threshold = 0
    if threshold < 1:
        errors["threshold"] = _("Give a count of at least 1.")
    text = (text or "").strip()
    if kind == PlugKind.REPLY and not text:
        errors["text"] = _("Write the follow-up the reply will say.")
    if len(text) > TEXT_LIMIT:
        errors["text"] = _("Keep the follow-up under %(limit)s characters.") % {"limit": TEXT_LIMIT}
    if kind == PlugKind.REPLY and text and "text" not in errors:
        provider = get_provider(integration.provider)
        limit = provider.limit_for(integration.as_channel())
        if limit is not None and provider.count_text(text) > limit:
            errors["text"] = _(
                "The follow-up is longer than the network's %(limit)s characters."
            ) % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "metric": metric,
        "threshold": threshold,
        "text": text if kind == PlugKind.REPLY else "",
    }


@transaction.atomic
def plug_create(
    *,
    integration: Integration,
    kind: str,
    metric: str,
    threshold: int,
    text: str = "",
    enabled: bool = True,
    actor=None,
    request=None,
) -> Plug:
    """channels.manage, for a channel of the caller's organization; raises
    ValidationError naming the field when the network does not offer the kind or count."""
    values = plug_clean(integration, kind=kind, metric=metric, threshold=threshold, text=text)
    plug = Plug.objects.create(
        organization_id=integration.organization_id,
        integration=integration,
        enabled=enabled,
        **values,
    )
    audit_record(
        action="plug.created",
        actor=actor,
        organization=integration.organization,
        target=plug,
        details={"channel": integration.pk, **values, "enabled": enabled},
        request=request,
    )
    return plug


@transaction.atomic
def plug_update(
    *,
    plug: Plug,
    kind: str,
    metric: str,
    threshold: int,
    text: str,
    enabled: bool,
    actor=None,
    request=None,
) -> Plug:
    """channels.manage; the runs already claimed keep what they were claimed with."""
    values = plug_clean(plug.integration, kind=kind, metric=metric, threshold=threshold, text=text)
    for name, value in {**values, "enabled": enabled}.items():
        setattr(plug, name, value)
    plug.save()
    audit_record(
        action="plug.updated",
        actor=actor,
        organization=plug.integration.organization,
        target=plug,
        details={**values, "enabled": enabled},
        request=request,
    )
    return plug


@transaction.atomic
def plug_delete(*, plug: Plug, actor=None, request=None) -> None:
    """channels.manage; runs not yet sent go with it, those done stay in the audit log."""
    audit_record(
        action="plug.deleted",
        actor=actor,
        organization=plug.integration.organization,
        target=plug,
        details={"channel": plug.integration_id},
        request=request,
    )
    plug.delete()


# -- Crossing a threshold -----------------------------------------------------------------
def plugs_crossed(
    *, integration: Integration, found: dict[int, Metrics], now: datetime | None = None
) -> list[int]:
    """The post-counts job calls this with the counts it just stored (our post id →
    counts). Claims one run per (plug, post) whose threshold is reached and queues one
    worker job each after commit; a pair that already has a run is left alone, whatever
    the counts do later. Returns the new runs' ids."""
    plugs = [
        plug
        for plug in Plug.objects.filter(integration=integration, enabled=True)
        if plug.kind in plug_offer(integration)[0]
    ]
    if not plugs or not found:
        return []
    now = now or timezone.now()
    published = dict(
        Post.objects.filter(pk__in=list(found), state=State.PUBLISHED)
        .exclude(remote_id="")
        .values_list("pk", "published_at")
    )
    taken = set(
        PlugRun.objects.filter(plug__in=plugs, post_id__in=list(published)).values_list(
            "plug_id", "post_id"
        )
    )
    rows = []
    for post_id, metrics in found.items():
        when = published.get(post_id)
        if when is None:
            continue
        for plug in plugs:
            value = metrics.values.get(plug.metric)
            if value is None or value < plug.threshold or (plug.pk, post_id) in taken:
                continue
            # A plug acts on the posts published after it was made, never on old ones.
            if when < plug.created_at:
                continue
            rows.append(
                PlugRun(
                    organization_id=integration.organization_id,
                    plug=plug,
                    post_id=post_id,
                    kind=plug.kind,
                    metric=plug.metric,
                    threshold=plug.threshold,
                    value=value,
                    text=plug.text,
                    created_at=now,
                )
            )
    if not rows:
        return []
    # Two jobs reading the same post at once: the unique (plug, post) keeps one row.
    PlugRun.objects.bulk_create(rows, ignore_conflicts=True)
    ours = list(
        PlugRun.objects.filter(key__in=[row.key for row in rows]).values_list("pk", flat=True)
    )
    for run_id in ours:
        _enqueue(run_id)
    return ours


def _enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("posts.plugs.tasks.fire_plug_run", run_id))


# -- Firing -------------------------------------------------------------------------------
def _target(post: Post) -> RemoteRef:
    """Our post as the network knows it (a Bluesky post's cid is kept on its root item)."""
    root = PostItem.objects.filter(post=post, position=0).only("remote_extra").first()
    extra = dict(root.remote_extra or {}) if root is not None else {}
    return RemoteRef(id=post.remote_id, url=post.remote_url, extra=extra)


def _claim(run_id: int, now: datetime) -> PlugRun | None:
    """The run, moved to "sending" and committed before anything is sent; None when it is
    not due (another job has it, it waits, or it is over)."""
    with transaction.atomic():
        run = (
            PlugRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("plug", "post", "post__integration")
            .filter(pk=run_id, state=Run.PENDING)
            .first()
        )
        if run is None or (run.retry_at and run.retry_at > now):
            return None
        reason = _cannot_fire(run)
        if reason:
            _finish(run, Run.FAILED, message=reason)
            return None
        run.state, run.sent_at, run.retry_at = Run.SENDING, now, None
        run.attempts += 1
        run.save(update_fields=["state", "sent_at", "retry_at", "attempts"])
    return run


def _cannot_fire(run: PlugRun) -> Text | None:
    post, channel = run.post, run.post.integration
    # The job was given an id only: the run, its plug and its post must still be one
    # organization's and one channel's before anything is sent on its behalf.
    if not (
        run.organization_id == post.organization_id == channel.organization_id
        and run.plug.integration_id == channel.pk
    ):
        return Text(gettext_noop("The plug and the post no longer belong to the same channel."))
    if not run.plug.enabled:
        return Text(gettext_noop("The plug was turned off before it fired."))
    if post.state != State.PUBLISHED or not post.remote_id:
        return Text(gettext_noop("The post is no longer published."))
    if channel.deleted_at is not None:
        return Text(gettext_noop("The channel was deleted."))
    if channel.status != Integration.Status.ACTIVE:
        return Text(
            gettext_noop("%(channel)s is not active; reconnect or enable it."),
            channel=channel.name,
        )
    if run.kind not in plug_offer(channel)[0]:
        return Text(gettext_noop("The channel's network no longer offers this plug."))
    return None


def _finish(run: PlugRun, state: str, *, ref: RemoteRef | None = None, message: str | Text = ""):
    run.state = state
    run.message, run.message_text = english(message)[:2000], stored(message)
    if ref is not None:
        run.remote_id, run.remote_url = ref.id[:255], (ref.url or "")[:1000]
    if state == Run.DONE:
        run.fired_at = timezone.now()
    run.save(
        update_fields=["state", "message", "message_text", "remote_id", "remote_url", "fired_at"]
    )
    action = {Run.DONE: "plug.fired", Run.FAILED: "plug.failed"}.get(state, "plug.unconfirmed")
    audit_record(
        action=action,
        organization=run.post.organization,
        target=run,
        details={
            "plug": str(run.plug.public_id),
            "post": str(run.post.public_id),
            "kind": run.kind,
            "metric": run.metric,
            "value": run.value,
            "remote_url": run.remote_url,
            "message": run.message,
        },
    )
    if state == Run.UNCONFIRMED:
        _tell_team(run)


def _tell_team(run: PlugRun) -> None:
    from posts.services.notifications import Outcome, notifications_record_many, page_url

    channel = run.post.integration
    if run.kind == PlugKind.REPOST:
        title = Text(gettext_noop("Check the repost on %(channel)s"), channel=channel.name)
        said = gettext_noop(
            "A plug's repost may or may not have reached %(channel)s; we will not send it "
            "again. Look at the post on the network. %(detail)s"
        )
    else:
        title = Text(gettext_noop("Check the follow-up reply on %(channel)s"), channel=channel.name)
        said = gettext_noop(
            "A plug's follow-up reply may or may not have reached %(channel)s; we will not "
            "send it again. Look at the post on the network. %(detail)s"
        )
    notifications_record_many(
        outcomes=[
            Outcome(
                organization=run.post.organization,
                kind="info",
                channel_name=channel.name,
                title=title,
                message=Text(said, channel=channel.name, detail=run.said),
                url=page_url("posts:analytics", run.post.organization.slug),
                post_id=run.post_id,
                customer_id=channel.customer_id,
            )
        ]
    )


def _wait(run: PlugRun, seconds: float | None, message: str | Text) -> None:
    """Nothing was sent (throttled, or refused before it was applied): wait, then again."""
    if run.attempts >= MAX_ATTEMPTS:
        gave_up = Text.ngettext(
            "Gave up after %(count)s try: %(reason)s",
            "Gave up after %(count)s tries: %(reason)s",
            run.attempts,
            reason=message,
        )
        _finish(run, Run.FAILED, message=gave_up)
        return
    delay = timedelta(seconds=seconds) if seconds else BACKOFF[min(run.attempts, len(BACKOFF)) - 1]
    run.state, run.retry_at = Run.PENDING, timezone.now() + delay
    run.message, run.message_text = english(message)[:2000], stored(message)
    run.save(update_fields=["state", "retry_at", "message", "message_text"])


def _call(run: PlugRun, what):
    """``what(provider, channel)`` with the channel's fresh credentials. Returns (result,
    None) or (None, (kind, message, retry_after)); kind None is an answer nobody could
    read, "disconnected" a channel that needs reconnecting."""
    from integrations.tools import ChannelDisconnected, ToolFailed, _with_credentials

    channel = run.post.integration
    provider = get_provider(channel.provider)
    try:
        return _with_credentials(channel, "plug", lambda c: what(provider, c)), None
    except ChannelDisconnected as gone:
        return None, ("disconnected", str(gone), None)
    except ToolFailed as failed:
        error = failed.error
        if error is None:
            return None, (None, failed.message, None)
        return None, (error.kind, error.text or failed.message, error.retry_after)


def _send(provider, channel, run: PlugRun, target: RemoteRef) -> RemoteRef:
    key = str(run.key)
    if run.kind == PlugKind.REPOST:
        return provider.repost(channel, target, key=key)
    request = provider.plug_reply_request(target, run.text, key=key)
    return provider.send(channel, request).ref


def _can_look(provider, run: PlugRun) -> bool:
    """Whether the network can tell if the run's repost or reply exists."""
    from integrations.providers.base import Provider

    if run.kind == PlugKind.REPOST:
        return type(provider).find_repost is not Provider.find_repost
    return provider.lookup != "none"


def _look(provider, channel, run: PlugRun, target: RemoteRef):
    """The run's repost or reply if the network has it; None when it certainly has not."""
    key = str(run.key)
    if run.kind == PlugKind.REPOST:
        return provider.find_repost(channel, target, key=key)
    return provider.find_existing(channel, provider.plug_reply_request(target, run.text, key=key))


def _resend_is_safe(run: PlugRun, provider, now: datetime) -> bool:
    """Whether sending again after "not found" cannot make a second copy: the network
    keys the record by our key, or still honours our idempotency key."""
    if run.kind == PlugKind.REPOST:
        return provider.repost_once
    if provider.idempotency == "deterministic-key":
        return True
    if provider.idempotency == "native-key" and run.sent_at is not None:
        return now - run.sent_at < timedelta(seconds=provider.idempotency_window)
    return False


def plug_run_fire(*, run_id: int, now: datetime | None = None) -> str:
    """The worker job (tasks.fire_plug_run): fire a claimed run once, or look for it when
    an earlier attempt's outcome is unknown. Safe to run twice; returns the run's state."""
    now = now or timezone.now()
    stale = PlugRun.objects.filter(
        pk=run_id, state=Run.SENDING, sent_at__lt=now - STALE_SENDING
    ).exists()
    if stale:
        return plug_run_reconcile(run_id=run_id, now=now)
    run = _claim(run_id, now)
    if run is None:
        state = PlugRun.objects.filter(pk=run_id).values_list("state", flat=True).first()
        return state or "gone"
    target = _target(run.post)
    ref, problem = _call(run, lambda provider, channel: _send(provider, channel, run, target))
    if problem is None:
        _finish(run, Run.DONE, ref=ref)
        return run.state
    kind, message, retry_after = problem
    if kind in (ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT_BEFORE_SEND):
        _wait(run, retry_after, message)
    elif kind in (ErrorKind.UNKNOWN_OUTCOME, None):
        logger.info("plug run %s: unclear outcome, looking", run.pk)
        return plug_run_reconcile(run_id=run.pk, now=now, force=True)
    else:
        _finish(run, Run.FAILED, message=message)
    return run.state


def plug_run_reconcile(*, run_id: int, now: datetime | None = None, force: bool = False) -> str:
    """A run left "sending" (a worker that died, or an unclear answer): look on the
    network. Found: fired. Certainly absent and a second send harmless: sent again.
    Otherwise unconfirmed, and the team is told; never sent twice."""
    now = now or timezone.now()
    with transaction.atomic():
        run = (
            PlugRun.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("plug", "post", "post__integration")
            .filter(pk=run_id, state=Run.SENDING)
            .first()
        )
        if run is None or not (force or run.sent_at < now - STALE_SENDING):
            return "busy"
        provider = get_provider(run.post.integration.provider)
        if not _can_look(provider, run):
            _finish(
                run,
                Run.UNCONFIRMED,
                message=Text(
                    gettext_noop(
                        "The answer was unclear and the network cannot show whether it was applied."
                    )
                ),
            )
            return run.state
        target = _target(run.post)
        found, problem = _call(run, lambda provider, channel: _look(provider, channel, run, target))
        if problem is None and found is not None:
            _finish(run, Run.DONE, ref=found)
            return run.state
        if problem is None and _resend_is_safe(run, provider, now):
            run.state, run.retry_at = Run.PENDING, None
            run.save(update_fields=["state", "retry_at"])
            resend = True
        elif problem is not None and problem[0] in (
            ErrorKind.RATE_LIMITED,
            ErrorKind.TRANSIENT_BEFORE_SEND,
        ):
            # The look itself could not be made now: the round looks again later.
            run.sent_at = now - STALE_SENDING + timedelta(seconds=problem[2] or 300)
            run.save(update_fields=["sent_at"])
            return run.state
        else:
            why = gettext_noop(
                "The answer was unclear and the network cannot say whether it was applied."
            )
            if problem is None:
                why = gettext_noop(
                    "The answer was unclear and the network does not show it, and sending "
                    "again could make a second one."
                )
            _finish(run, Run.UNCONFIRMED, message=Text(why))
            return run.state
    if resend:
        return plug_run_fire(run_id=run_id, now=now)
    return "busy"


def plugs_round(*, now: datetime | None = None) -> dict:
    """The 5-minute worker job: runs whose wait is over, and runs left "sending" by a
    worker that died, get their job again."""
    from django_q.tasks import async_task

    now = now or timezone.now()
    due = list(
        PlugRun.objects.filter(state=Run.PENDING, retry_at__lte=now).values_list("pk", flat=True)
    )
    # A claimed run whose job was lost (the worker restarted before it started).
    lost = list(
        PlugRun.objects.filter(
            state=Run.PENDING, retry_at__isnull=True, created_at__lt=now - STALE_SENDING
        ).values_list("pk", flat=True)
    )
    stale = list(
        PlugRun.objects.filter(state=Run.SENDING, sent_at__lt=now - STALE_SENDING).values_list(
            "pk", flat=True
        )
    )
    for run_id in [*due, *lost, *stale]:
        async_task("posts.plugs.tasks.fire_plug_run", run_id)
    return {"due": len(due) + len(lost), "stale": len(stale)}
