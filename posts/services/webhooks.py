"""Outgoing webhooks: managing them (webhooks.manage), recording a delivery per event, and
sending each delivery with retries.

A delivery is claimed before it is sent: a conditional UPDATE that pushes its
``next_attempt_at`` past the longest a request can take, taken among workers with
``FOR UPDATE SKIP LOCKED``, so two workers never send the same delivery at the same time
and no transaction stays open during the HTTP request.

Deliveries are sent by one job at a time in the whole cluster (``deliveries_send_due``,
held by a lease), on a few threads, at most a couple at a time for any one
organization: a team whose receiver takes seconds to answer never holds back another
team's webhooks, and the worker's other jobs (the heartbeat, the sweep, emails) always
have a process free. Publishing runs in processes of its own and never waits for any of
this."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import limits as plan_limits
from integrations.models import Integration
from organizations.models import Organization
from organizations.services import audit_record
from organizations.texts import Text
from postiz.leases import lease_give, lease_renew, lease_take
from postiz.ssrf import UnsafeURL
from posts import webhooks as wire
from posts.models import Notification, Webhook, WebhookDelivery

logger = logging.getLogger("postiz.webhooks")

TEST_EVENT = "webhook.test"
# Other names accepted for an event when a webhook is saved (the API contract's wording).
ALIASES = {"channel.refresh_needed": "channel.needs_reconnect"}
# Every event a webhook may subscribe to (post.missed is told like a failure).
EVENTS = tuple(dict.fromkeys((*Webhook.EVENTS, "post.missed")))
EVENT_LABELS = {
    "post.published": "A post was published",
    "post.failed": "A post failed",
    "post.unconfirmed": "A post may not have gone out (unconfirmed)",
    "post.missed": "A post was missed (the service was down at its time)",
    "post.deleted": "A post was deleted (it will not go out)",
    "post.review_requested": "A post waits for approval",
    "post.approved": "A post was approved",
    "post.changes_requested": "Changes were requested to a post",
    "post.rejected": "A post was rejected (it will not go out)",
    "channel.needs_reconnect": "A channel needs reconnecting",
}
# Waits after the 1st, 2nd… failed attempt; after the last one the delivery is failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),  # the last attempt about a day after the event
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed delivery is not picked again for this long: more than one request can take.
LEASE = timedelta(seconds=wire.CONNECT_TIMEOUT + wire.READ_TIMEOUT + 45)
SWEEP_BATCH = 50
# The sending job runs this long at most (the every-minute schedule starts the next).
DRAIN_SECONDS = 50.0
# How long the sending job waits for a send to return before it looks for due ones again.
DRAIN_POLL = 0.5
# One sending job at a time in the whole cluster: it holds this lease (postiz.leases: a
# row, not a session lock, so it also works through a pooler in transaction mode) and
# renews it while it sends; the lease of a job whose worker died runs out by itself.
DRAIN_LOCK = "webhooks.send"
DRAIN_LEASE = 60.0  # seconds; longer than any pause between two renewals
DRAIN_RENEW = 10.0

Pending = WebhookDelivery.State.PENDING


# -- Reading ----------------------------------------------------------------------------
def webhooks_for(*, organization: Organization) -> QuerySet[Webhook]:
    """The organization's webhooks, by name."""
    return Webhook.objects.filter(organization=organization)


def webhook_get(*, organization: Organization, public_id) -> Webhook | None:
    """One of the organization's webhooks; None for another organization's or a bad id."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return webhooks_for(organization=organization).filter(public_id=public_id).first()


def deliveries_for(*, webhook: Webhook) -> QuerySet[WebhookDelivery]:
    """The webhook's delivery log, newest first."""
    return WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")


def delivery_get(*, webhook: Webhook, pk) -> WebhookDelivery | None:
    try:
        return deliveries_for(webhook=webhook).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def channels_for(*, organization: Organization) -> QuerySet[Integration]:
    """The channels a webhook may be limited to."""
    return Integration.objects.filter(organization=organization, deleted_at__isnull=True).order_by(
        "name", "id"
    )


# -- Managing ---------------------------------------------------------------------------
def _clean(*, organization, name: str, url: str, events, integrations) -> dict:
    errors = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = _("Give the webhook a name, e.g. “Slack relay”.")
    elif len(name) > 100:
        errors["name"] = _("Keep the name under 100 characters.")
    url = (url or "").strip()
    if not url:
        errors["url"] = _("Enter the address to send events to.")
    elif len(url) > 1000:
        errors["url"] = _("The address is longer than 1,000 characters.")
    else:
        try:
            wire.check_address(url)
        except UnsafeURL as error:
            errors["url"] = str(error)
    asked = {ALIASES.get(e, e) for e in (events or ())}
    unknown = sorted(asked - set(EVENTS))
    events = [e for e in EVENTS if e in asked]
    if unknown:
        errors["events"] = _("Unknown event %(unknown)s: choose from %(events)s.") % {
            "unknown": ", ".join(unknown),
            "events": ", ".join(EVENTS),
        }
    elif not events:
        errors["events"] = _("Pick at least one event to receive.")
    channels = list(integrations or ())
    if any(c.organization_id != organization.pk for c in channels):
        errors["integrations"] = _("Pick channels of this organization.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "url": url, "events": events, "channels": channels}


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def webhook_create(
    *,
    organization: Organization,
    name: str,
    url: str,
    events: list[str],
    integrations=(),
    actor=None,
    request=None,
) -> Webhook:
    """webhooks.manage; checks the address (https, not private) and the plan's limit, and
    creates the webhook with a fresh secret, stored encrypted."""
    plan_limits.check(organization, "webhooks")
    data = _clean(
        organization=organization, name=name, url=url, events=events, integrations=integrations
    )
    webhook = Webhook.objects.create(
        organization=organization,
        name=data["name"],
        url=data["url"],
        events=data["events"],
        secrets={"secret": _new_secret()},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    webhook.integrations.set(data["channels"])
    _audit("webhook.created", webhook, actor, request, {"url": webhook.url})
    return webhook


@transaction.atomic
def webhook_update(
    *,
    webhook: Webhook,
    name: str,
    url: str,
    events: list[str],
    integrations=(),
    is_active: bool = True,
    actor=None,
    request=None,
) -> Webhook:
    """webhooks.manage; the same checks as creating. The secret is kept."""
    data = _clean(
        organization=webhook.organization,
        name=name,
        url=url,
        events=events,
        integrations=integrations,
    )
    webhook.name, webhook.url, webhook.events = data["name"], data["url"], data["events"]
    webhook.is_active = is_active
    webhook.save(update_fields=["name", "url", "events", "is_active", "updated_at"])
    webhook.integrations.set(data["channels"])
    _audit("webhook.updated", webhook, actor, request, {"url": webhook.url})
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, actor=None, request=None) -> None:
    """webhooks.manage; the webhook and its delivery log go; nothing more is sent."""
    _audit("webhook.deleted", webhook, actor, request, {"url": webhook.url})
    webhook.delete()


@transaction.atomic
def webhook_rotate_secret(*, webhook: Webhook, actor=None, request=None) -> str:
    """webhooks.manage; a new secret signs every request from now on (retries included)."""
    secret = _new_secret()
    webhook.secrets = {**webhook.secrets, "secret": secret}
    webhook.save(update_fields=["secrets", "updated_at"])
    _audit("webhook.secret_rotated", webhook, actor, request, {})
    return secret


def _audit(action, webhook, actor, request, details):
    audit_record(
        action=action,
        actor=actor,
        organization=webhook.organization,
        target=webhook,
        details={"name": webhook.name, **details},
        request=request,
    )


# -- Recording events -------------------------------------------------------------------
def envelope(*, event: str, event_id, organization: Organization, data: dict) -> dict:
    return {
        "id": str(event_id),
        "event": event,
        "type": event,  # the same, under the name the API contract gives it
        "created_at": timezone.now().astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "organization": {"id": organization.pk, "slug": organization.slug},
        "data": data,
    }


def deliveries_record(
    *, organization: Organization, event: str, integration_id: int | None, data: dict
) -> list[int]:
    """posts.events only: one event to the organization's webhooks (see
    deliveries_record_many)."""
    return deliveries_record_many(event=event, items=[(organization, integration_id, data)])


def deliveries_record_many(
    *, event: str, items: list[tuple[Organization, int | None, dict]]
) -> list[int]:
    """posts.events only: for each (organization, channel id, data), one pending delivery
    per active webhook of that organization subscribed to the event (and to the channel,
    when it names channels); the sending is enqueued after commit. Each item is its own
    event with its own id. Two queries however many items, one when no webhook listens."""
    if not items:
        return []
    # webhook -> (organization, the channels it names; empty means all)
    listening: dict[int, tuple[int, set[int]]] = {}
    rows = Webhook.objects.filter(
        organization_id__in={organization.pk for organization, _, _ in items},
        is_active=True,
        events__contains=[event],
    ).values_list("pk", "organization_id", "integrations__id")
    for pk, organization_id, channel_id in rows:
        _, channels = listening.setdefault(pk, (organization_id, set()))
        if channel_id is not None:
            channels.add(channel_id)
    if not listening:
        return []
    now = timezone.now()
    deliveries = []
    for organization, integration_id, data in items:
        event_id = uuid.uuid4()
        payload = envelope(event=event, event_id=event_id, organization=organization, data=data)
        for pk, (organization_id, channels) in listening.items():
            if organization_id != organization.pk:
                continue
            if channels and integration_id not in channels:
                continue
            deliveries.append(
                WebhookDelivery(
                    webhook_id=pk,
                    event=event,
                    event_id=event_id,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    ids = [row.pk for row in WebhookDelivery.objects.bulk_create(deliveries)]
    _enqueue(ids)
    return ids


def _enqueue(ids: list[int]) -> None:
    """After the commit, make sure the sending job runs (one job for any number of
    deliveries; a job already running picks these up)."""
    if not ids:
        return
    from django_q.tasks import async_task

    transaction.on_commit(lambda: async_task("posts.tasks.deliver_webhooks"))


# -- Sending ----------------------------------------------------------------------------
def _claim(query: QuerySet[WebhookDelivery], now) -> list[WebhookDelivery]:
    with transaction.atomic():
        ids = list(
            query.select_for_update(skip_locked=True)
            .filter(state=Pending)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return list(
        WebhookDelivery.objects.filter(pk__in=ids)
        .select_related("webhook")
        .order_by("next_attempt_at", "id")
    )


def _attempt(delivery: WebhookDelivery, *, retry: bool = True) -> WebhookDelivery:
    webhook = delivery.webhook
    result = wire.send(
        url=webhook.url,
        secret=webhook.secrets.get("secret", ""),
        event=delivery.event,
        event_id=str(delivery.event_id),
        payload=delivery.payload,
    )
    now = timezone.now()
    attempts = delivery.attempts + 1
    fields = {
        "attempts": attempts,
        "status_code": result.status_code,
        "response_excerpt": result.excerpt,
        "error": result.error,
        "error_text": result.error_text,
    }
    if result.delivered:
        fields.update(state=WebhookDelivery.State.DELIVERED, delivered_at=now, next_attempt_at=None)
    elif result.permanent or not retry or attempts >= MAX_ATTEMPTS:
        fields.update(state=WebhookDelivery.State.FAILED, next_attempt_at=None)
    else:
        fields.update(next_attempt_at=now + BACKOFF[attempts - 1])
    # Only the holder of the claim writes the outcome; a redelivery is its own row.
    WebhookDelivery.objects.filter(pk=delivery.pk, state=Pending).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)
    if delivery.state == WebhookDelivery.State.FAILED and delivery.event != TEST_EVENT:
        _turn_off_if_failing(webhook)
    if not result.delivered:
        logger.info(
            "webhook %s delivery %s attempt %s: %s",
            webhook.pk,
            delivery.pk,
            attempts,
            result.error,
        )
    return delivery


def _turn_off_if_failing(webhook: Webhook) -> bool:
    """After a delivery has failed for good: when the webhook's last
    POSTIZ_WEBHOOK_DISABLE_AFTER finished deliveries all failed, it is turned off (so a
    dead receiver stops costing retries) and the team is told. Tests do not count."""
    run = settings.POSTIZ_WEBHOOK_DISABLE_AFTER
    if not run:
        return False
    last = list(
        WebhookDelivery.objects.filter(webhook=webhook)
        .exclude(event=TEST_EVENT)
        .exclude(state=Pending)
        .order_by("-id")
        .values_list("state", flat=True)[:run]
    )
    if len(last) < run or any(state != WebhookDelivery.State.FAILED for state in last):
        return False
    if not Webhook.objects.filter(pk=webhook.pk, is_active=True).update(is_active=False):
        return False  # someone else turned it off first
    webhook.is_active = False
    from posts.services.notifications import Outcome, notifications_record_many

    url = reverse("posts:webhook", args=[webhook.organization.slug, webhook.public_id])
    notifications_record_many(
        outcomes=[
            Outcome(
                webhook.organization,
                Notification.Kind.INFO,
                message=Text(
                    gettext_noop(
                        "The last %(count)s events sent to %(url)s all failed, so the webhook "
                        "was turned off. Check the receiver and the delivery log, then turn it "
                        "back on; failed deliveries can be sent again from the log."
                    ),
                    count=run,
                    url=webhook.url,
                ),
                url=url,
                title=Text(gettext_noop("Webhook %(name)s was turned off"), name=webhook.name),
            )
        ]
    )
    audit_record(
        action="webhook.turned_off",
        actor=None,
        organization=webhook.organization,
        target=webhook,
        details={"failed_in_a_row": run},
    )
    return True


def delivery_send(*, delivery_id: int) -> str | None:
    """The delivery task only: sends the delivery if it is due and nobody holds it; safe
    to run twice. Returns the state after the attempt, None when there was nothing to do."""
    claimed = _claim(
        WebhookDelivery.objects.filter(pk=delivery_id, webhook__is_active=True), timezone.now()
    )
    if not claimed:
        return None
    return _attempt(claimed[0]).state


def deliveries_send_due(*, seconds: float = 0.0, concurrency: int | None = None) -> int:
    """The sending job only (after new deliveries, and every minute for retries): sends
    the due pending deliveries on ``concurrency`` threads (POSTIZ_WEBHOOK_CONCURRENCY; one
    means here, in order), at most POSTIZ_WEBHOOK_ORG_CONCURRENCY at a time for one
    organization, until nothing is due (or, with ``seconds``, until nothing is due or
    sending for that long). One such job runs at a time in the whole cluster: another
    returns 0 at once. Returns how many were attempted."""
    if concurrency is None:
        sync = settings.Q_CLUSTER.get("sync")
        concurrency = 1 if sync else settings.POSTIZ_WEBHOOK_CONCURRENCY
    attempted = 0
    while True:
        holder = lease_take(name=DRAIN_LOCK, seconds=DRAIN_LEASE)
        if holder is None:
            return attempted  # another job is sending; it picks these up
        try:
            attempted += _drain(
                seconds=seconds, concurrency=max(concurrency, 1), renew=_renewal(holder)
            )
        finally:
            lease_give(name=DRAIN_LOCK, holder=holder)
        # A delivery recorded while this job was finishing found the lease taken and left
        # it to this job: look once more now the lease is free.
        if not seconds or not _due().exists():
            return attempted


def _renewal(holder: str):
    """What the sending job calls on every pass: renews its lease every DRAIN_RENEW s."""
    renew_at = time.monotonic() + DRAIN_RENEW

    def renew() -> None:
        nonlocal renew_at
        if time.monotonic() < renew_at:
            return
        if not lease_renew(name=DRAIN_LOCK, holder=holder, seconds=DRAIN_LEASE):
            # It ran out and another job took it: both claim deliveries safely (each is
            # claimed before it is sent); this one ends at its deadline.
            logger.warning("the webhook sending job's lease ran out while it was sending")
        renew_at = time.monotonic() + DRAIN_RENEW

    return renew


def _drain(*, seconds: float, concurrency: int, renew=lambda: None) -> int:
    per_organization = max(settings.POSTIZ_WEBHOOK_ORG_CONCURRENCY, 1)
    deadline = time.monotonic() + seconds
    busy: dict[int, int] = defaultdict(int)  # organization id → sends in flight
    running: dict[Future, int] = {}  # send → its organization id
    attempted = 0
    pool = ThreadPoolExecutor(concurrency, "webhook") if concurrency > 1 else None
    try:
        while True:
            renew()
            free = concurrency - len(running)
            batch = _claim_fairly(free, busy, per_organization) if free else []
            for delivery in batch:
                organization = delivery.webhook.organization_id
                busy[organization] += 1
                attempted += 1
                if pool is None:
                    _attempt_quietly(delivery)
                    busy[organization] -= 1
                else:
                    running[pool.submit(_attempt_in_thread, delivery)] = organization
            if not running:
                if not batch:
                    return attempted  # nothing due, nothing in flight
                continue
            done, _ = wait(running, timeout=DRAIN_POLL, return_when=FIRST_COMPLETED)
            for future in done:
                busy[running.pop(future)] -= 1
            if seconds and time.monotonic() > deadline and not batch:
                # Past its time: finish what is in flight, claim nothing more.
                for future in list(running):
                    future.result()
                    busy[running.pop(future)] -= 1
                return attempted
    finally:
        if pool is not None:
            pool.shutdown(wait=True)


def _claim_fairly(free: int, busy: dict[int, int], per_organization: int):
    """Claim up to ``free`` due deliveries, oldest first, none of an organization that
    already has ``per_organization`` in flight (claimed here) or in this batch."""
    now = timezone.now()
    due = (
        _due(now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", "webhook__organization_id")[: SWEEP_BATCH * 4]
    )
    taken: dict[int, int] = defaultdict(int)
    picked = []
    for pk, organization in due:
        if busy[organization] + taken[organization] >= per_organization:
            continue
        taken[organization] += 1
        picked.append(pk)
        if len(picked) >= free:
            break
    if not picked:
        return []
    return _claim(WebhookDelivery.objects.filter(pk__in=picked), now)


def _due(now=None) -> QuerySet[WebhookDelivery]:
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(state=Pending, webhook__is_active=True).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def _attempt_quietly(delivery: WebhookDelivery) -> None:
    try:
        _attempt(delivery)
    except Exception:
        logger.exception("webhook delivery %s", delivery.pk)


def _attempt_in_thread(delivery: WebhookDelivery) -> None:
    try:
        _attempt_quietly(delivery)
    finally:
        connection.close()  # this thread's own connection


def webhook_send_test(*, webhook: Webhook, actor=None) -> WebhookDelivery:
    """webhooks.manage; sends a ``webhook.test`` event right now (one attempt, no retries)
    and returns the delivery with the receiver's status code and answer."""
    event_id = uuid.uuid4()
    who = getattr(actor, "email", "") if getattr(actor, "is_authenticated", False) else ""
    payload = envelope(
        event=TEST_EVENT,
        event_id=event_id,
        organization=webhook.organization,
        data={"webhook": {"id": str(webhook.public_id), "name": webhook.name}, "sent_by": who},
    )
    delivery = WebhookDelivery.objects.create(
        webhook=webhook,
        event=TEST_EVENT,
        event_id=event_id,
        payload=payload,
        next_attempt_at=timezone.now() + LEASE,  # held by us: the sweep leaves it alone
    )
    return _attempt(delivery, retry=False)


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """webhooks.manage; sends a failed delivery again as a new log line with the same
    event id (receivers that dedupe on X-Postiz-Event-Id see one event)."""
    if delivery.state != WebhookDelivery.State.FAILED:
        raise ValidationError(_("Only a failed delivery can be sent again."))
    again = WebhookDelivery.objects.create(
        webhook=delivery.webhook,
        event=delivery.event,
        event_id=delivery.event_id,
        payload=delivery.payload,
        next_attempt_at=timezone.now(),
    )
    _enqueue([again.pk])
    return again
