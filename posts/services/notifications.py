"""The bell and the emails about outcomes: recording notifications, sending failure emails
at once and a morning digest of what was published.

``notifications_record`` is called by ``posts.events.emit`` (no network, few queries);
the emails go out from background jobs."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.i18n import in_language_of
from integrations.models import CustomerAccess
from integrations.selectors import allowed_customers
from organizations.models import Membership, Organization
from organizations.permissions import ROLE_PERMISSIONS
from organizations.texts import Text, english, stored
from postiz.http import absolute_url
from posts.models import Notification

logger = logging.getLogger("postiz.notifications")

Kind = Notification.Kind

# Outcomes someone should act on: emailed at once to those who asked (notify_failures).
URGENT = (Kind.POST_FAILED, Kind.POST_UNCONFIRMED, Kind.POST_MISSED, Kind.FEED_PAUSED)
# Reviews (posts.services.approvals): each is addressed to the people who must act on it,
# so it is always emailed to them.
REVIEW = (
    Kind.REVIEW_REQUESTED,
    Kind.APPROVED,
    Kind.CHANGES_REQUESTED,
    Kind.REJECTED,
    Kind.REVIEW_COMMENT,
    Kind.REVIEW_HELD,
    Kind.REVIEW_REMINDER,
)
# The digest goes out when it is this hour of the morning in the person's own zone.
DIGEST_LOCAL_HOUR = 8
# A digest covers at most this far back; older successes (digest was off) are dropped.
DIGEST_WINDOW = timedelta(hours=24)
# Failure emails go to those who can do something about a post: reschedule or fix it.
_EMAIL_ROLES = tuple(role for role, perms in ROLE_PERMISSIONS.items() if "posts.publish" in perms)

# Kept as sentences (organizations.texts): each member reads them in their own language.
_TITLES = {
    Kind.POST_PUBLISHED: gettext_noop("Published on %(channel)s"),
    Kind.POST_FAILED: gettext_noop("A post to %(channel)s failed"),
    Kind.POST_UNCONFIRMED: gettext_noop("A post to %(channel)s may not have gone out"),
    Kind.POST_MISSED: gettext_noop("A post to %(channel)s was missed"),
    Kind.CHANNEL_NEEDS_RECONNECT: gettext_noop("%(channel)s needs reconnecting"),
}


def page_url(name: str, slug: str) -> str:
    """The path of an organization page; the calendar when that page does not exist yet."""
    try:
        return reverse(name, args=[slug])
    except NoReverseMatch:
        return reverse("posts:calendar", args=[slug])


def _first_line(text: str, limit: int = 120) -> str:
    line = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _compose(
    kind: str, *, channel: str, excerpt: str, message: str | Text, title: str | Text = ""
) -> tuple[str | Text, str | Text]:
    """A notification's title and body as sentences; the post's excerpt and the channel's
    name are values, shown as written."""
    if not title:
        channel_name = channel or Text(gettext_noop("a channel"))
        title = Text(_TITLES.get(kind, "%(channel)s"), channel=channel_name)
    return title, body_of(excerpt, message)


def body_of(excerpt: str, message: str | Text) -> str | Text:
    """A notification's body: the post's excerpt (quoted, as written) above the message."""
    if isinstance(message, str):
        message = message.strip()
    if excerpt and message:
        return Text(gettext_noop("“%(excerpt)s”\n%(message)s"), excerpt=excerpt, message=message)
    if excerpt:
        return Text(gettext_noop("“%(excerpt)s”"), excerpt=excerpt)
    return message


@dataclass(frozen=True)
class Outcome:
    """What one notification says, before it is copied to each member."""

    organization: Organization
    kind: str
    channel_name: str = ""
    text: str = ""
    message: str | Text = ""  # a Text is told to each member in their own language
    url: str = ""
    post_id: int | None = None
    title: str | Text = ""  # replaces the kind's usual title (INFO notes say what happened)
    # The customer of the channel it is about: members limited to customers are told only
    # about their customers' channels (never about the organization as a whole).
    customer_id: int | None = None


def notifications_record(
    *,
    organization: Organization,
    kind: str,
    channel_name: str = "",
    text: str = "",
    message: str | Text = "",
    url: str = "",
    post_id: int | None = None,
    customer_id: int | None = None,
) -> list[Notification]:
    """posts.events only: one outcome told to every active member (see
    notifications_record_many)."""
    outcome = Outcome(
        organization, kind, channel_name, text, message, url, post_id, customer_id=customer_id
    )
    return notifications_record_many(outcomes=[outcome])


def notifications_record_many(*, outcomes: list[Outcome]) -> list[Notification]:
    """posts.events only: one notification per active member of each outcome's
    organization, and one failure-email job enqueued (after commit) for the members who
    asked for it. Two queries however many outcomes and organizations."""
    if not outcomes:
        return []
    members = defaultdict(list)
    rows = Membership.objects.filter(
        organization_id__in={o.organization.pk for o in outcomes}, user__is_active=True
    ).values_list(
        "organization_id",
        "user_id",
        "role",
        "user__notify_failures",
        "user__notify_success_digest",
        "customer_limited",
    )
    limited = set()
    for organization_id, *member, customer_limited in rows:
        members[organization_id].append(member)
        if customer_limited:
            limited.add((organization_id, member[0]))
    sees = defaultdict(set)  # (organization, user) of a limited member: their customer ids
    if limited:
        for organization_id, user_id, customer_id in CustomerAccess.objects.filter(
            membership__organization_id__in={o for o, _ in limited},
            membership__customer_limited=True,
        ).values_list("membership__organization_id", "membership__user_id", "customer_id"):
            sees[(organization_id, user_id)].add(customer_id)
    now = timezone.now()
    notes, urgent = [], []
    for outcome in outcomes:
        kind = outcome.kind
        title, body = _compose(
            kind,
            title=outcome.title,
            channel=outcome.channel_name,
            excerpt=_first_line(outcome.text),
            message=outcome.message,
        )
        said = {
            "title": english(title)[:200],
            "title_text": stored(title),
            "body": english(body)[:5000],
            "body_text": stored(body),
        }
        for user_id, role, wants_failures, wants_digest in members[outcome.organization.pk]:
            member = (outcome.organization.pk, user_id)
            if member in limited and outcome.customer_id not in sees[member]:
                continue
            emailed_at = now
            email = kind in URGENT and wants_failures and role in _EMAIL_ROLES
            if email or (kind == Kind.POST_PUBLISHED and wants_digest):
                emailed_at = None  # emailed now, or waits for the morning digest
            note = Notification(
                organization=outcome.organization,
                user_id=user_id,
                kind=kind,
                **said,
                url=outcome.url,
                post_id=outcome.post_id,
                created_at=now,
                emailed_at=emailed_at,
            )
            notes.append(note)
            if email:
                urgent.append(note)
    created = Notification.objects.bulk_create(notes)
    ids = [note.pk for note in urgent]
    if ids:
        from django_q.tasks import async_task

        transaction.on_commit(
            lambda: async_task("posts.tasks.send_notification_emails", ids),
        )
    return created


# -- Reading and marking ----------------------------------------------------------------
def notifications_for(*, organization: Organization, user) -> QuerySet[Notification]:
    """The user's own notifications in this organization, newest first."""
    mine = Notification.objects.filter(organization=organization, user=user)
    allowed = allowed_customers(organization)
    if allowed is not None:
        # Told before the member was limited (or before a channel changed customer).
        mine = mine.filter(Q(post__isnull=True) | Q(post__integration__customer_id__in=allowed))
    return mine


def notification_get(*, organization: Organization, user, public_id) -> Notification | None:
    """One of the user's notifications in this organization; None for anyone else's."""
    try:
        public_id = uuid.UUID(str(public_id))
    except ValueError:
        return None
    mine = notifications_for(organization=organization, user=user)
    return mine.filter(public_id=public_id).first()


def unread_count(*, organization: Organization, user) -> int:
    mine = notifications_for(organization=organization, user=user)
    return mine.filter(read_at__isnull=True).count()


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> bool:
    """The notification's own user; marks it read once (True when it was unread)."""
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=now
    )
    if changed:
        notification.read_at = now
    return bool(changed)


@transaction.atomic
def notifications_mark_all_read(*, organization: Organization, user) -> int:
    """Any member, for their own bell in this organization; returns how many changed."""
    return (
        notifications_for(organization=organization, user=user)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now())
    )


# -- Emails -----------------------------------------------------------------------------
def _render(template: str, context: dict) -> tuple[str, str]:
    subject = render_to_string(f"posts/email/{template}_subject.txt", context)
    body = render_to_string(f"posts/email/{template}_message.txt", context)
    return " ".join(subject.split()), body


def notifications_email(*, notification_ids: list[int]) -> int:
    """Background job only: emails each still-unsent urgent or review notification once
    (claimed with a conditional UPDATE, so a job run twice sends nothing more). Returns
    how many."""
    sent = 0
    rows = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True, kind__in=URGENT + REVIEW
    ).select_related("user", "organization")
    for notification in rows:
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed or not notification.user.is_active:
            continue
        context = {
            "notification": notification,
            "organization": notification.organization,
            "user": notification.user,
            "url": absolute_url(notification.url) if notification.url else "",
            "profile_url": absolute_url(reverse("profile")),
        }
        with in_language_of(notification.user):
            subject, body = _render("review" if notification.kind in REVIEW else "failure", context)
        try:
            send_mail(subject, body, None, [notification.user.email])
        except Exception:
            # Give the next run a chance rather than losing the email silently.
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            logger.exception("failure email for notification %s not sent", notification.pk)
            continue
        sent += 1
    return sent


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digests_send(*, now: datetime | None = None) -> int:
    """The hourly job only: emails each person who asked for the digest, when it is 08:00
    where they live, the posts published since their last digest (at most a day back),
    then marks them sent. Nothing to report means no email. Returns emails sent."""
    now = now or timezone.now()
    since = now - DIGEST_WINDOW
    pending = Notification.objects.filter(kind=Kind.POST_PUBLISHED, emailed_at__isnull=True)
    # Successes older than the window, or for people who turned the digest off, are
    # settled so they never pile up for a later digest.
    pending.filter(created_at__lt=since).update(emailed_at=now)
    pending.filter(user__notify_success_digest=False).update(emailed_at=now)

    User = get_user_model()
    users = User.objects.filter(
        is_active=True,
        notify_success_digest=True,
        pk__in=pending.values("user_id"),
    ).only("id", "email", "name", "timezone", "language")
    sent = 0
    for user in users:
        if now.astimezone(_zone(user.timezone)).hour != DIGEST_LOCAL_HOUR:
            continue
        sent += _digest_send_one(user=user, now=now)
    return sent


def _digest_send_one(*, user, now: datetime) -> int:
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(user=user, kind=Kind.POST_PUBLISHED, emailed_at__isnull=True)
            .select_related("organization")
            .order_by("organization__name", "created_at", "id")
        )
        if not rows:
            return 0
        organizations = []
        for row in rows:
            if not organizations or organizations[-1]["organization"].pk != row.organization_id:
                organizations.append({"organization": row.organization, "items": []})
            row.absolute_url = absolute_url(row.url) if row.url else ""
            organizations[-1]["items"].append(row)
        zone = _zone(user.timezone)
        context = {
            "user": user,
            "organizations": organizations,
            "count": len(rows),
            "zone": zone.key,
            "profile_url": absolute_url(reverse("profile")),
        }
        with timezone.override(zone), in_language_of(user):
            subject, body = _render("digest", context)
        Notification.objects.filter(pk__in=[r.pk for r in rows]).update(emailed_at=now)
        # Sent last, inside the transaction: if the mail server refuses, nothing is marked.
        send_mail(subject, body, None, [user.email])
    return 1


# -- Keeping the tables small -----------------------------------------------------------
KEEP_NOTIFICATIONS = timedelta(days=90)
KEEP_DELIVERIES = timedelta(days=30)


def history_prune(*, now: datetime | None = None) -> dict:
    """The daily job only: deletes notifications older than 90 days and finished webhook
    deliveries older than 30 days (pending ones stay until they finish). Returns counts."""
    from posts.models import WebhookDelivery

    now = now or timezone.now()
    notes, _ = Notification.objects.filter(created_at__lt=now - KEEP_NOTIFICATIONS).delete()
    deliveries, _ = (
        WebhookDelivery.objects.filter(created_at__lt=now - KEEP_DELIVERIES)
        .exclude(state=WebhookDelivery.State.PENDING)
        .delete()
    )
    return {"notifications": notes, "deliveries": deliveries}
