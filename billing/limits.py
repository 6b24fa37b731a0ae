"""Plan limits, checked in one place.

Services that create something a plan counts call ``check`` before they write, so pages,
the API, imports and background jobs all obey the same rule. On a self-hosted instance
(no STRIPE_SECRET_KEY) every check returns at once without a query.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from billing.models import DailyUsage, Plan, Subscription
from organizations.models import Organization
from postiz.http import absolute_url

# How the limits are named in the public API's answer ("the maximum number of <thing> for
# your plan"), which stays English like the rest of the API.
THINGS = {
    "channels": "channels",
    "members": "team members",
    "posts_per_month": "posts per month",
    "webhooks": "webhooks",
    "rss_feeds": "RSS feeds",
    "api": "API calls",
    "ai_requests_per_day": "AI requests per day",
}
# The same names as the billing page shows them, in the reader's language.
LABELS = {
    "channels": gettext_lazy("Channels"),
    "members": gettext_lazy("Team members"),
    "posts_per_month": gettext_lazy("Posts per month"),
    "webhooks": gettext_lazy("Webhooks"),
    "rss_feeds": gettext_lazy("RSS feeds"),
    "api": gettext_lazy("API calls"),
    "ai_requests_per_day": gettext_lazy("AI requests per day"),
}

# What pages say when a limit stops something: whole sentences per limit, since a
# translated noun cannot simply be dropped into another language's sentence.
_REACHED = {
    "channels": gettext_lazy("You have reached the maximum number of channels for your plan."),
    "members": gettext_lazy("You have reached the maximum number of team members for your plan."),
    "posts_per_month": gettext_lazy(
        "You have reached the maximum number of posts per month for your plan."
    ),
    "webhooks": gettext_lazy("You have reached the maximum number of webhooks for your plan."),
    "rss_feeds": gettext_lazy("You have reached the maximum number of RSS feeds for your plan."),
}
_INCLUDES_NONE = {
    "channels": gettext_lazy("The %(plan)s plan includes no channels."),
    "members": gettext_lazy("The %(plan)s plan includes no team members."),
    "posts_per_month": gettext_lazy("The %(plan)s plan includes no posts per month."),
    "webhooks": gettext_lazy("The %(plan)s plan includes no webhooks."),
    "rss_feeds": gettext_lazy("The %(plan)s plan includes no RSS feeds."),
    "ai_requests_per_day": gettext_lazy("The %(plan)s plan includes no AI requests."),
}
_ALLOWS = {
    "channels": ngettext_lazy(
        "The %(plan)s plan allows %(limit)d channel.",
        "The %(plan)s plan allows %(limit)d channels.",
        "limit",
    ),
    "members": ngettext_lazy(
        "The %(plan)s plan allows %(limit)d team member.",
        "The %(plan)s plan allows %(limit)d team members.",
        "limit",
    ),
    "posts_per_month": ngettext_lazy(
        "The %(plan)s plan allows %(limit)d post per month.",
        "The %(plan)s plan allows %(limit)d posts per month.",
        "limit",
    ),
    "webhooks": ngettext_lazy(
        "The %(plan)s plan allows %(limit)d webhook.",
        "The %(plan)s plan allows %(limit)d webhooks.",
        "limit",
    ),
    "rss_feeds": ngettext_lazy(
        "The %(plan)s plan allows %(limit)d RSS feed.",
        "The %(plan)s plan allows %(limit)d RSS feeds.",
        "limit",
    ),
}
BIGGER_PLAN = gettext_lazy("Choose a bigger plan on the Billing page.")

# States in which a subscription gives its plan without conditions.
_GOOD = {Subscription.Status.ACTIVE, Subscription.Status.TRIALING}
# States in which it gives its plan until the grace period after a failed payment ends.
_OVERDUE = {Subscription.Status.PAST_DUE, Subscription.Status.UNPAID}


class LimitReached(Exception):
    """Creating more would pass the plan's limit. Pages show the message with a link to
    billing; the API answers 402 (billing.middleware renders both)."""

    def __init__(
        self, message: str, limit: int | None, used: int, *, name: str = "", organization=None
    ):
        super().__init__(message)
        self.message = message
        self.limit = limit
        self.used = used
        self.name = name
        self.organization = organization

    @property
    def thing(self) -> str:
        return THINGS.get(self.name, self.name)

    def billing_url(self) -> str:
        if self.organization is None:
            return absolute_url("/")
        return absolute_url(reverse("billing:overview", args=[self.organization.slug]))

    def api_body(self) -> dict:
        """The public API's quota answer (spec 2.3)."""
        return {
            "statusCode": 402,
            "message": f"You have reached the maximum number of {self.thing} for your plan",
            "url": self.billing_url(),
        }


def enabled() -> bool:
    """Whether this instance bills (Stripe keys set) and so enforces plans."""
    return bool(settings.STRIPE_SECRET_KEY)


def free_plan() -> Plan:
    plan = Plan.objects.filter(is_free=True).first()
    # Someone deleted the free plan in the admin: nothing unpaid may be created.
    return plan or Plan(
        slug="free",
        name="Free",
        is_free=True,
        channels=0,
        members=1,
        posts_per_month=0,
        webhooks=0,
        rss_feeds=0,
        api_access=False,
    )


def effective_plan(organization: Organization, *, subscription: Subscription | None = None) -> Plan:
    """The plan whose limits apply now: the subscription's while it is paid (or in its
    grace period after a failed payment), the free plan's otherwise."""
    if subscription is None:
        if Organization.subscription.is_cached(organization):
            # Read with the organization already (the API key lookup joins it): no query.
            subscription = Organization.subscription.related.get_cached_value(organization)
        else:
            subscription = (
                Subscription.objects.select_related("plan")
                .filter(organization=organization)
                .first()
            )
    if subscription is not None:
        if subscription.status in _GOOD:
            return subscription.plan
        if (
            subscription.status in _OVERDUE
            and subscription.grace_until is not None
            and timezone.now() < subscription.grace_until
        ):
            return subscription.plan
    return free_plan()


# -- Usage ------------------------------------------------------------------------------
def month_start(organization: Organization, at: datetime | None = None) -> datetime:
    """The start of the current calendar month in the organization's zone, as aware UTC."""
    zone = ZoneInfo(organization.timezone or "UTC")
    local = (at or timezone.now()).astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _channels(organization):
    from integrations.models import Integration

    return (
        Integration.objects.filter(organization=organization, deleted_at__isnull=True)
        .exclude(status=Integration.Status.DISABLED)
        .count()
    )


def _members(organization):
    from organizations.models import Invitation, Membership

    # Pending invitations hold a seat, so accepting one never passes the limit.
    pending = Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).count()
    return Membership.objects.filter(organization=organization).count() + pending


# How each limit is counted. Limits on what the apps above billing own (posts, webhooks,
# feeds) are counted by those apps, which register their counters at start-up: billing
# never imports them.
_USAGE: dict[str, Callable[[Organization], int]] = {
    "channels": _channels,
    "members": _members,
}


def register_usage(name: str, count: Callable[[Organization], int]) -> None:
    """An app's ready(): ``count(organization)`` is how much of the limit ``name`` the
    organization uses (posts this month, webhooks, RSS feeds)."""
    _USAGE[name] = count


def usage(organization: Organization, name: str) -> int:
    if name in DAILY:
        return daily_used(organization, name)
    count = _USAGE.get(name)
    return count(organization) if count else 0


# -- Checks -----------------------------------------------------------------------------
def check(
    organization: Organization, name: str, *, adding: int = 1, used: int | None = None
) -> None:
    """Any service may call this before creating ``adding`` things a plan counts; raises
    LimitReached when that would pass the limit. Costs nothing when billing is off."""
    if not enabled():
        return
    if name not in THINGS or name in ("api", *DAILY):
        raise KeyError(f"Unknown limit {name!r}")
    plan = effective_plan(organization)
    limit = plan.limit(name)
    if limit is None:
        return
    if used is None:
        used = usage(organization, name)
    if used + adding > limit:
        raise LimitReached(
            _message(plan, name, limit), limit, used, name=name, organization=organization
        )


def _message(plan: Plan, name: str, limit: int) -> str:
    if limit == 0:
        allowance = _INCLUDES_NONE[name] % {"plan": plan.name}
    else:
        allowance = _ALLOWS[name] % {"plan": plan.name, "limit": limit}
    return f"{_REACHED[name]} {allowance} {BIGGER_PLAN}"


def api_allowed(organization: Organization) -> bool:
    """Whether the organization's plan includes the API (always, when billing is off)."""
    if not enabled():
        return True
    return effective_plan(organization).api_access


def require_api(organization: Organization) -> None:
    """API authentication calls this; raises LimitReached when the plan has no API."""
    if not api_allowed(organization):
        plan = effective_plan(organization)
        raise LimitReached(
            _(
                "The %(plan)s plan does not include the API. Choose a bigger plan on the "
                "Billing page."
            )
            % {"plan": plan.name},
            0,
            0,
            name="api",
            organization=organization,
        )


# -- Daily allowances -------------------------------------------------------------------
# Allowances that renew each day at midnight in the organization's zone. They are taken one
# at a time (``daily_take``) rather than counted from rows, because what they count (a
# suggestion from the AI) leaves nothing behind in the database.
DAILY = ("ai_requests_per_day",)


def today(organization: Organization):
    """The organization's current calendar day."""
    return timezone.now().astimezone(ZoneInfo(organization.timezone or "UTC")).date()


def daily_limit(organization: Organization, name: str, *, default: int | None) -> int | None:
    """The day's allowance: the plan's when billing is on (None: no limit), else
    ``default`` (the instance's setting; 0 or None: no limit)."""
    if name not in DAILY:
        raise KeyError(f"Unknown daily limit {name!r}")
    if enabled():
        return effective_plan(organization).limit(name)
    return default or None


def daily_used(organization: Organization, name: str) -> int:
    row = DailyUsage.objects.filter(organization=organization, name=name, day=today(organization))
    return row.values_list("count", flat=True).first() or 0


def daily_take(organization: Organization, name: str, *, default: int | None) -> None:
    """Any service may call this before doing one thing a daily allowance counts; counts it,
    or raises LimitReached when the day's allowance is used up. Safe under concurrency: the
    count only rises while it is below the limit."""
    limit = daily_limit(organization, name, default=default)
    day = today(organization)
    with transaction.atomic():
        row, _created = DailyUsage.objects.get_or_create(
            organization=organization, name=name, day=day
        )
        rows = DailyUsage.objects.filter(pk=row.pk)
        if limit is not None:
            rows = rows.filter(count__lt=limit)
        if rows.update(count=F("count") + 1):
            return
    raise LimitReached(
        _daily_message(organization, name, limit),
        limit,
        limit or 0,
        name=name,
        organization=organization,
    )


def daily_give_back(organization: Organization, name: str) -> None:
    """Return one use taken today (the work failed through no fault of the person's)."""
    DailyUsage.objects.filter(
        organization=organization, name=name, day=today(organization), count__gt=0
    ).update(count=F("count") - 1)


def _daily_message(organization: Organization, name: str, limit: int | None) -> str:
    # The only daily allowance so far is the AI writing help's (DAILY).
    zone = organization.timezone or "UTC"
    if enabled():
        plan = effective_plan(organization)
        if not limit:
            return f"{_INCLUDES_NONE[name] % {'plan': plan.name}} {BIGGER_PLAN}"
        return ngettext(
            "Your organization has used today's %(limit)d AI request of the %(plan)s plan. "
            "More are available after midnight (%(zone)s), or choose a bigger plan on the "
            "Billing page.",
            "Your organization has used today's %(limit)d AI requests of the %(plan)s plan. "
            "More are available after midnight (%(zone)s), or choose a bigger plan on the "
            "Billing page.",
            limit,
        ) % {"limit": limit, "plan": plan.name, "zone": zone}
    return ngettext(
        "Your organization has used today's %(limit)d AI request. More are available after "
        "midnight (%(zone)s).",
        "Your organization has used today's %(limit)d AI requests. More are available after "
        "midnight (%(zone)s).",
        limit,
    ) % {"limit": limit, "zone": zone}
