import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from integrations.vault import EncryptedJSONField
from organizations.models import ApprovalMode, Invitation, Membership, Organization
from organizations.texts import say
from postiz.timezones import validate_timezone

DEFAULT_POSTING_TIMES = ["09:00", "12:30", "17:00"]


def default_posting_times():
    return list(DEFAULT_POSTING_TIMES)


class Customer(models.Model):
    """A named client group inside an organization; a channel belongs to at most one."""

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="customers"
    )
    name = models.CharField(max_length=100)
    # Blank: the organization's approval mode applies to this customer's channels.
    approval_mode = models.CharField(
        max_length=20,
        choices=ApprovalMode.choices,
        blank=True,
        help_text=_("Overrides the organization's approval setting for this customer's channels."),
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="integrations_customer_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class CustomerAccess(models.Model):
    """One customer a limited membership (or the invitation that will make it) may see.

    Whether a membership is limited at all is its ``customer_limited`` flag: limited with
    no row left (the customers were deleted) sees no channel, never every channel."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="access")
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="customer_access"
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="customer_access"
    )

    class Meta:
        verbose_name = _("customer access")
        verbose_name_plural = _("customer access")
        constraints = [
            models.CheckConstraint(
                condition=Q(membership__isnull=True) ^ Q(invitation__isnull=True),
                name="integrations_customeraccess_one_holder",
            ),
            models.UniqueConstraint(
                fields=["membership", "customer"], name="integrations_customeraccess_member"
            ),
            models.UniqueConstraint(
                fields=["invitation", "customer"], name="integrations_customeraccess_invitation"
            ),
        ]

    def __str__(self):
        return f"{self.membership or self.invitation} → {self.customer}"


class Integration(models.Model):
    """A connected channel: one account on one network, owned by one organization."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnecting")
        DISABLED = "disabled", _("Disabled")

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="integrations"
    )
    provider = models.CharField(
        max_length=40, help_text=_("The network's identifier, e.g. bluesky.")
    )
    external_id = models.CharField(max_length=255, help_text=_("The account's id on the network."))
    name = models.CharField(max_length=200)
    username = models.CharField(max_length=200, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    credentials = EncryptedJSONField(default=dict, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=list, blank=True)
    # Non-secret facts about the account (instance URL, PDS endpoint, chat id, guild id).
    meta = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    last_error = models.TextField(blank=True)
    # The error as a sentence to say in each reader's language (organizations.texts).
    last_error_text = models.JSONField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="integrations"
    )
    # Posting slots: local times of day ("HH:MM") in `timezone`, wall-clock across DST.
    posting_times = models.JSONField(default=default_posting_times, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    preferences = models.JSONField(default=dict, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Reconnecting the same account updates this row (and revives a deleted one).
            models.UniqueConstraint(
                fields=["organization", "provider", "external_id"],
                name="integrations_integration_unique_account",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "needs_reconnect", "disabled"]),
                name="integrations_integration_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["token_expires_at"],
                name="integrations_expiring",
                condition=Q(deleted_at__isnull=True, status="active"),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.provider})"

    @property
    def last_error_display(self) -> str:
        """The last error in the language of whoever is reading."""
        return say(self.last_error_text, self.last_error)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def provider_name(self) -> str:
        """The network's name as people know it ("LinkedIn Page"), for pages."""
        from integrations.providers import provider_classes

        cls = provider_classes().get(self.provider)
        return cls.display_name if cls else self.provider

    def provider_instance(self):
        from integrations.providers import get_provider

        return get_provider(self.provider)

    def as_channel(self):
        from integrations.providers.base import Channel

        return Channel(
            pk=self.pk,
            external_id=self.external_id,
            credentials=dict(self.credentials),
            username=self.username,
            meta=dict(self.meta),
            preferences=dict(self.preferences),
        )


class InstanceApp(models.Model):
    """An OAuth app registered dynamically on a server (Mastodon), reused per instance."""

    provider = models.CharField(max_length=40)
    instance_url = models.URLField(max_length=300, help_text=_("Normalised origin, no trailing /."))
    redirect_uri = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    client_secret = EncryptedJSONField(default=dict, blank=True)
    scopes = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "instance_url", "redirect_uri"],
                name="integrations_instanceapp_unique",
            )
        ]

    def __str__(self):
        return f"{self.provider} app on {self.instance_url}"


def _metric_choices():
    from integrations.providers.base.data import METRIC_LABELS, METRIC_NAMES

    return [(name, METRIC_LABELS[name]) for name in METRIC_NAMES]


class ChannelMetric(models.Model):
    """One count of a channel on one day (UTC), as the network last told it: followers,
    impressions, views… Fetching again the same day overwrites the row."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="metrics")
    metric = models.CharField(max_length=16, choices=_metric_choices())
    day = models.DateField()
    value = models.BigIntegerField()
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "metric", "day"],
                name="integrations_metric_unique_day",
                include=["value"],
            )
        ]
        indexes = [
            # The analytics page: an organization's days, summed per metric.
            # value included: the page's sums are read from the index alone.
            models.Index(
                fields=["organization", "day", "metric"],
                name="integrations_metric_org_day",
                include=["value", "integration"],
            ),
        ]

    def __str__(self):
        return f"{self.integration_id} {self.metric} {self.day}: {self.value}"


class ChannelAnalytics(models.Model):
    """How fetching a channel's counts stands: the hourly request budget it has used, when
    its daily counts were last read, and a refusal that needs the channel reconnected."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, primary_key=True, related_name="analytics_state"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The network refused a permission the counts need: fetching stops until a reconnect.
    needs_reconnect = models.BooleanField(default=False)
    message = models.TextField(blank=True, help_text=_("What the network said, for the page."))
    # The message as a sentence to say in each reader's language (organizations.texts).
    message_text = models.JSONField(null=True, blank=True, editable=False)
    refused_at = models.DateTimeField(null=True, blank=True)
    channel_fetched_at = models.DateTimeField(null=True, blank=True)
    # Requests spent in the current hour (``window_start``), under metrics_per_hour.
    window_start = models.DateTimeField(default=now)
    window_used = models.PositiveIntegerField(default=0)
    # Do not ask again before this (the network said to wait, or failed).
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("channel analytics")
        indexes = [models.Index(fields=["channel_fetched_at"], name="integrations_analytics_daily")]

    def __str__(self):
        return f"analytics of {self.integration_id}"

    @property
    def message_display(self) -> str:
        """The message in the language of whoever is reading."""
        return say(self.message_text, self.message)


class OrganizationMetricDay(models.Model):
    """The sum of an organization's live channels' counts per metric and day: what the
    Analytics page reads when no customer or channel is picked, so a year is ~1,000 rows
    rather than one per channel. Rebuilt for the days a fetch wrote and when a channel is
    deleted or comes back (integrations.analytics.organization_days_rebuild)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=_metric_choices())
    day = models.DateField()
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "day", "metric"],
                name="integrations_org_metric_day",
                include=["value"],
            )
        ]

    def __str__(self):
        return f"{self.organization_id} {self.metric} {self.day}: {self.value}"
