import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from organizations.permissions import Role, role_can
from organizations.texts import Text
from postiz.timezones import validate_timezone

# Slugs that would shadow a page under /o/.
RESERVED_SLUGS = {"new", "create", "switch", "admin", "api", "settings"}


class ApprovalMode(models.TextChoices):
    """Who must approve a post before it may go out (issue 16)."""

    NONE = "none", _("No approval")
    INTERNAL = "internal", _("Internal approval")
    INTERNAL_CLIENT = "internal_client", _("Internal, then the client's approval")


class Organization(models.Model):
    """A team: it owns channels, posts and media; people join it through memberships."""

    # The id the APIs give for the organization (organizationId, orgId): opaque and
    # URL-safe like every other id there, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("The default zone for posting slots and for people who have not chosen one."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Post creations per window through /public/v1 (empty = COMPAT_POST_RATE_LIMIT, 0 = off).
    api_post_rate_limit = models.PositiveIntegerField(null=True, blank=True)
    # Approvals: a customer's own mode (integrations.Customer) overrides this one.
    approval_mode = models.CharField(
        max_length=20,
        choices=ApprovalMode.choices,
        default=ApprovalMode.NONE,
        help_text=_("Whether posts need an approval before they go out."),
    )
    allow_self_approval = models.BooleanField(
        default=False, help_text=_("Approvers may approve posts they wrote themselves.")
    )
    review_reminder_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text=_("Approvers are reminded of a review that waits longer than this (hours)."),
    )

    # Not a field: who acts through this instance during one request (a member, or the
    # member whose API key it is), set by the tenant resolvers (organizations.access, the
    # API's OrganizationAPIMixin). The selectors of channels, posts and media read that
    # member's customer limitation from it, so every page and route filters in one place.
    # None (background work, keys made by no member): nothing is limited.
    acting_membership = None

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Membership(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(default=now)
    # Limited to some customers: the member sees only their channels, posts, media and
    # analytics (which customers: integrations.CustomerAccess, read by
    # integrations.selectors.visible_customer_ids) and has no organization-wide permission.
    # Limited with no customer left (their customers were deleted) = sees no channel.
    customer_limited = models.BooleanField(
        default=False, help_text=_("Set with the member's customers on the members page.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="organizations_membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="organizations_membership_role_valid"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.CLIENT) | Q(customer_limited=True),
                name="organizations_membership_client_limited",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.OWNER) | Q(customer_limited=False),
                name="organizations_membership_owner_unlimited",
            ),
        ]
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.user} in {self.organization} ({self.role})"

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission, customer_limited=self.customer_limited)


def _new_nonce() -> str:
    return secrets.token_urlsafe(16)


class Invitation(models.Model):
    """An emailed offer to join an organization with a role; its link is used once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.EDITOR)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Part of the signed link; replaced on resend so older links stop working.
    nonce = models.CharField(max_length=32, default=_new_nonce)
    created_at = models.DateTimeField(default=now)
    sent_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The membership it makes is limited to these customers (integrations.CustomerAccess).
    customer_limited = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.CLIENT) | Q(customer_limited=True),
                name="organizations_invitation_client_limited",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.OWNER) | Q(customer_limited=False),
                name="organizations_invitation_owner_unlimited",
            ),
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="organizations_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="organizations_invitation_role_valid"
            ),
        ]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} to {self.organization}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now():
            return "expired"
        return "pending"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # The one change allowed: unlinking the actor when their account is deleted
        # (actor_email keeps the name in the log).
        if kwargs != {"actor": None}:
            raise TypeError("Audit events are append-only.")
        return super().update(**kwargs)

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """An append-only record of who changed what, when and from where."""

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        help_text=_("Empty for events about a person's own account (password, MFA)."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as written, so the log still reads right after the actor's account is gone.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.action} by {self.actor_email or 'system'}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")


# -- Events (the outbox) ---------------------------------------------------------------
class Event(models.Model):
    """Something that happened in an organization (a post published or failed, a channel
    that needs reconnecting), saved in the same transaction as the change itself and told
    afterwards, exactly once, to the people (the bell, emails) and the webhooks."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=40)
    # What it is about, as plain ids: the apps above (posts, channels) own those rows.
    post_id = models.BigIntegerField(null=True, blank=True)
    integration_id = models.BigIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)
    # The message as a sentence to say in each reader's language (organizations.texts).
    message_text = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=now)
    # Set in the transaction that recorded its notifications and webhook deliveries.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], name="organizations_event_pending", condition=Q(dispatched_at=None)
            )
        ]

    def __str__(self):
        return f"{self.name} ({'told' if self.dispatched_at else 'waiting'})"

    @property
    def text(self):
        """The message as recorded: a ``Text`` when it was kept as one, else the string."""
        return Text.restore(self.message_text) or self.message


# -- API keys ---------------------------------------------------------------------------
class ApiScope(models.TextChoices):
    POSTS_READ = "posts:read", _("Read posts")
    POSTS_WRITE = "posts:write", _("Create, edit and delete posts")
    MEDIA_READ = "media:read", _("Read the media library")
    MEDIA_WRITE = "media:write", _("Upload and delete media")
    CHANNELS_READ = "channels:read", _("Read channels")
    CHANNELS_WRITE = "channels:write", _("Connect and remove channels")
    ANALYTICS_READ = "analytics:read", _("Read analytics")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Manage webhooks")
    MEMBERS_READ = "members:read", _("Read the members: names, emails and roles")
    POSTS_APPROVE = "posts:approve", _("Approve, reject or request changes to posts")


ALL_SCOPES: tuple[str, ...] = tuple(ApiScope.values)
# What a key made by a member limited to customers never has (Membership.can's
# organization-wide permissions, as scopes): it answers 403 on those routes.
ORGANIZATION_WIDE_SCOPES: frozenset[str] = frozenset(
    {ApiScope.WEBHOOKS_MANAGE, ApiScope.MEMBERS_READ, ApiScope.CHANNELS_WRITE}
)
# What a Postiz client (the postiz CLI, postiz-agent, the SDKs) needs, preselected for keys
# made on the API keys page: those clients check a key by listing its channels (a key
# without channels:read is "expired or invalid" to them), then read and write posts,
# channels and media and read analytics. Webhooks stay with keys made for them.
CLIENT_SCOPES: tuple[str, ...] = (
    ApiScope.POSTS_READ,
    ApiScope.POSTS_WRITE,
    ApiScope.MEDIA_READ,
    ApiScope.MEDIA_WRITE,
    ApiScope.CHANNELS_READ,
    ApiScope.CHANNELS_WRITE,
    ApiScope.ANALYTICS_READ,
)


# What a member's role must allow for an OAuth app to use a scope on their behalf (an API
# key needs apikeys.manage to be made; an app's grant is made by any member for themself).
OAUTH_SCOPE_PERMISSIONS: dict[str, str] = {
    ApiScope.POSTS_READ: "organization.view",
    ApiScope.POSTS_WRITE: "posts.edit",
    ApiScope.MEDIA_READ: "organization.view",
    ApiScope.MEDIA_WRITE: "media.manage",
    ApiScope.CHANNELS_READ: "organization.view",
    ApiScope.CHANNELS_WRITE: "channels.manage",
    ApiScope.ANALYTICS_READ: "organization.view",
    ApiScope.WEBHOOKS_MANAGE: "webhooks.manage",
    ApiScope.MEMBERS_READ: "members.view",
    ApiScope.POSTS_APPROVE: "posts.approve",
}


class ApiKey(models.Model):
    """A secret that lets a program act for one organization, limited to its scopes.

    A key reads ``ptz_<key_id>_<secret>``. Only a keyed hash of it is stored (see
    organizations.services.api_key_digest); the key itself is shown once, when it is made."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # ``ptz_<key_id>``: shown in lists so people can tell keys apart (for keys made before
    # key ids, the first ten characters of the key).
    prefix = models.CharField(max_length=24)
    # The public part of the key, by which a request finds its row. Null for keys made
    # before key ids, which are found by key_hash instead.
    key_id = models.CharField(max_length=16, unique=True, null=True, blank=True)
    # HMAC-SHA256 hex under the server's pepper: of the whole key, or for keys made before
    # key ids, of the SHA-256 hex that used to be stored (organizations.services).
    key_hash = models.CharField(max_length=64, unique=True)
    # Which pepper the hash was made under (a digest of it, not the pepper): a process
    # whose pepper differs would refuse the key, and /health says so (empty: older keys).
    pepper_tag = models.CharField(max_length=16, blank=True, default="")
    scopes = models.JSONField(default=list, help_text=_("Scope names; every scope = full access."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The member who made it (empty: made by the createapikey command or before members
    # were recorded). The key acts as that member: their customer limitation, read at every
    # request, is the key's. A limited member's keys are revoked when they leave
    # (organizations.services.membership_remove and the pre_delete handler below).
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_keys"
    )
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Per-key limits (native API): requests per minute and creations per hour.
    request_rate = models.PositiveIntegerField(default=600)
    create_rate = models.PositiveIntegerField(default=300)
    # Set: this row is a person's consent to an OAuth app (organizations.oauth), not a key
    # anyone holds. Requests come with the app's pos_… tokens and act through this row:
    # its organization, its member, its scopes. The API keys page does not list it.
    oauth_application = models.ForeignKey(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postiz_grants",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now():
            return "expired"
        return "active"

    @property
    def is_full_access(self) -> bool:
        return set(ALL_SCOPES) <= set(self.scopes)

    @property
    def customer_limited(self) -> bool:
        """Whether the member the key acts for is limited to customers (read now)."""
        return self.membership is not None and self.membership.customer_limited

    def has_scope(self, scope: str) -> bool:
        if scope in ORGANIZATION_WIDE_SCOPES and self.customer_limited:
            return False
        if self.oauth_application_id is not None:
            # An app acts as the person who approved it: what their role allows today.
            permission = OAUTH_SCOPE_PERMISSIONS.get(scope)
            if self.membership is None or not permission or not self.membership.can(permission):
                return False
        return scope in self.scopes

    @property
    def is_oauth_grant(self) -> bool:
        return self.oauth_application_id is not None


class ApiIdempotencyRecord(models.Model):
    """The stored answer to a creating request sent with an Idempotency-Key.

    A row without ``status`` is a request still in flight."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    key = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "method", "path", "key"], name="organizations_idempotency_unique"
            )
        ]

    def __str__(self):
        return f"{self.method} {self.path} [{self.key}]"


class ApiRateCounter(models.Model):
    """One fixed-window counter (per organization or per key), shared by every process."""

    bucket = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "window_start"], name="organizations_rate_counter_unique"
            )
        ]

    def __str__(self):
        return f"{self.bucket} @ {self.window_start}: {self.count}"


# -- OAuth apps ----------------------------------------------------------------------------
class OAuthClient(models.Model):
    """Our side of an OAuth app (a django-oauth-toolkit Application): who registered it.

    An app made on an organization's settings page belongs to it (its admins rename and
    delete it). An app that registered itself (RFC 7591) has no organization and is
    unverified until a person approves it on the consent page."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="postiz_client"
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="oauth_clients",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    # When a person first approved it on the consent page (self-registered apps).
    first_approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.application.name or self.application.client_id


class OAuthBinding(models.Model):
    """Which consent (an ApiKey with ``oauth_application``) a toolkit authorization code,
    device sign-in, access token or refresh token was issued under: its organization, member
    and scopes. Exactly one of them is set; the row goes with it."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="oauth_bindings")
    grant = models.OneToOneField(
        "oauth2_provider.Grant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postiz_binding",
    )
    access_token = models.OneToOneField(
        "oauth2_provider.AccessToken",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postiz_binding",
    )
    refresh_token = models.OneToOneField(
        "oauth2_provider.RefreshToken",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postiz_binding",
    )
    # A device sign-in (the Postiz CLI's auth:login) the person approved.
    device = models.OneToOneField(
        "oauth2_provider.DeviceGrant",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="postiz_binding",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(grant__isnull=False, access_token=None, refresh_token=None, device=None)
                    | Q(grant=None, access_token__isnull=False, refresh_token=None, device=None)
                    | Q(grant=None, access_token=None, refresh_token__isnull=False, device=None)
                    | Q(grant=None, access_token=None, refresh_token=None, device__isnull=False)
                ),
                name="organizations_oauthbinding_one_target",
            )
        ]

    def __str__(self):
        return f"binding to {self.api_key_id}"
