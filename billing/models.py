"""Plans, the organization's Stripe customer and subscription, and the Stripe events seen."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization

# The limits a plan sets, by the name services pass to ``billing.limits.check``.
LIMIT_FIELDS = ("channels", "members", "posts_per_month", "webhooks", "rss_feeds")


class Plan(models.Model):
    """A tier people can subscribe to; its limits apply to every way of creating things."""

    slug = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the page.")
    is_free = models.BooleanField(
        default=False,
        help_text="The plan of organizations without a paid subscription. Exactly one.",
    )
    is_public = models.BooleanField(default=True, help_text="Offered on the billing page.")
    monthly_price_id = models.CharField(
        max_length=100, blank=True, help_text="Stripe Price id (price_...) billed monthly."
    )
    yearly_price_id = models.CharField(
        max_length=100, blank=True, help_text="Stripe Price id (price_...) billed yearly."
    )
    monthly_amount = models.CharField(
        max_length=30, blank=True, help_text='What the page shows, e.g. "$29 / month".'
    )
    yearly_amount = models.CharField(max_length=30, blank=True)
    trial_days = models.PositiveSmallIntegerField(default=0)
    # Empty means no limit.
    channels = models.PositiveIntegerField(null=True, blank=True)
    members = models.PositiveIntegerField(null=True, blank=True)
    posts_per_month = models.PositiveIntegerField(null=True, blank=True)
    webhooks = models.PositiveIntegerField(null=True, blank=True)
    rss_feeds = models.PositiveIntegerField(null=True, blank=True)
    api_access = models.BooleanField(default=False)
    # Suggestions from the AI writing help (when the instance has it), counted per day in the
    # organization's zone.
    ai_requests_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="AI writing help suggestions a day; 0: none."
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_free"], condition=Q(is_free=True), name="billing_plan_one_free"
            ),
            models.UniqueConstraint(
                fields=["monthly_price_id"],
                condition=~Q(monthly_price_id=""),
                name="billing_plan_monthly_price_unique",
            ),
            models.UniqueConstraint(
                fields=["yearly_price_id"],
                condition=~Q(yearly_price_id=""),
                name="billing_plan_yearly_price_unique",
            ),
        ]

    def __str__(self):
        return self.name

    def limit(self, name: str) -> int | None:
        return getattr(self, name)

    def price_id(self, interval: str) -> str:
        return self.yearly_price_id if interval == "year" else self.monthly_price_id


class StripeCustomer(models.Model):
    """The link between an organization and its customer in Stripe."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="stripe_customer"
    )
    customer_id = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=now)

    def __str__(self):
        return f"{self.customer_id} ({self.organization})"


class Subscription(models.Model):
    """The organization's subscription as Stripe last described it."""

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        UNPAID = "unpaid", _("Unpaid")
        INCOMPLETE = "incomplete", _("Waiting for the first payment")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("First payment never made")
        CANCELED = "canceled", _("Cancelled")
        PAUSED = "paused", _("Paused")

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="subscription"
    )
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    stripe_subscription_id = models.CharField(max_length=100, unique=True)
    price_id = models.CharField(max_length=100)
    interval = models.CharField(max_length=10, help_text="month or year")
    status = models.CharField(max_length=20, choices=Status.choices)
    current_period_end = models.DateTimeField(null=True, blank=True)
    trial_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # Set by the first failed payment; the plan's limits hold until then, the free plan's after.
    grace_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.organization}: {self.plan} ({self.status})"

    @property
    def is_ended(self) -> bool:
        return self.status in (self.Status.CANCELED, self.Status.INCOMPLETE_EXPIRED)


class StripeEvent(models.Model):
    """A webhook event already applied; a replay of the same id changes nothing."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class DailyUsage(models.Model):
    """How much of a per-day allowance (AI requests) an organization used on one day of its
    own calendar; taken with a conditional UPDATE so two requests never pass the limit."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="daily_usage"
    )
    name = models.CharField(max_length=40)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name", "day"], name="billing_daily_usage_one_row"
            )
        ]

    def __str__(self):
        return f"{self.organization}: {self.name} on {self.day} ({self.count})"
