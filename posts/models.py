import os
import time
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy

from integrations.models import Integration
from integrations.vault import EncryptedJSONField
from media.models import MediaFile
from organizations.models import Organization
from organizations.texts import english, say, stored
from postiz.timezones import validate_timezone
from posts.states import State

# The dates a post may be given, in UTC: from 2000 up to (not including) 2100. The
# extremes cannot even be read back: 9999-12-31 23:59 in Etc/GMT+12 is in the year 10000 in
# UTC, past what Python's datetime holds, and every page showing such a post would fail.
EARLIEST_DATE = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(2100, 1, 1, tzinfo=UTC)


def new_item_key() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.

    An item's key is its identity on the networks: every idempotency key they see (a
    Bluesky record key, Mastodon's Idempotency-Key, a Discord nonce) is derived from it.
    It is fixed when the item is written and never changes, so no retry, hand-back or
    reschedule can make a second post; the time part keeps keys in writing order."""
    milliseconds = time.time_ns() // 1_000_000
    value = (milliseconds & ((1 << 48) - 1)) << 80 | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # the RFC 9562 variant
    return uuid.UUID(int=value)


class Tag(models.Model):
    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)
    color = models.CharField(
        max_length=7, default="#5b4bdb", help_text=gettext_lazy("A #rrggbb colour.")
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("organization", Lower("name"), name="posts_tag_unique_name"),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"), name="posts_tag_color_hex"
            ),
        ]

    def __str__(self):
        return self.name


class PostGroup(models.Model):
    """What a person writes once: one post per chosen channel."""

    class Method(models.TextChoices):
        WEB = "web", gettext_lazy("Web")
        API = "api", gettext_lazy("API")
        IMPORT = "import", gettext_lazy("Import")
        RSS = "rss", gettext_lazy("RSS")

    class RepeatUnit(models.TextChoices):
        DAY = "day", gettext_lazy("Days")
        WEEK = "week", gettext_lazy("Weeks")

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="post_groups"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    creation_method = models.CharField(max_length=10, choices=Method.choices, default=Method.WEB)
    tags = models.ManyToManyField(Tag, blank=True, related_name="groups")
    # Repeats happen in local wall-clock time of `timezone`: 09:00 stays 09:00 across DST.
    repeat_every = models.PositiveSmallIntegerField(null=True, blank=True)
    repeat_unit = models.CharField(max_length=5, choices=RepeatUnit.choices, blank=True)
    repeat_until = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The next occurrence of a repeating group points at the group that started the series.
    repeat_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="occurrences"
    )
    # The global thread as written in the composer:
    # [{"text": str, "media": [media ids], "delay_minutes": int}, ...]. Each channel's
    # post copies it, or keeps its own version when customized.
    content = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The imported CSV row this group was made from (posts.imports): a row is scheduled
    # once per organization, however often its file is uploaded.
    import_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(repeat_every__isnull=True, repeat_unit="")
                | Q(repeat_every__gte=1, repeat_unit__in=["day", "week"]),
                name="posts_group_repeat_complete",
            ),
            models.UniqueConstraint(
                fields=["organization", "import_key"],
                condition=~Q(import_key=""),
                name="posts_group_unique_import_key",
            ),
        ]
        # Few groups are ever deleted: lists keep out their posts by probing this small
        # index (NOT EXISTS) instead of joining every group.
        indexes = [
            models.Index(
                fields=["id"], name="posts_group_deleted", condition=Q(deleted_at__isnull=False)
            )
        ]

    def __str__(self):
        return f"Post group {self.pk}"


class ReviewState(models.TextChoices):
    NONE = "", gettext_lazy("No approval required")
    NEEDS_REVIEW = "needs_review", gettext_lazy("Waiting for an approver")
    NEEDS_CLIENT_REVIEW = "needs_client_review", gettext_lazy("Waiting for the client")
    CHANGES_REQUESTED = "changes_requested", gettext_lazy("Changes requested")
    APPROVED = "approved", gettext_lazy("Approved")
    REJECTED = "rejected", gettext_lazy("Rejected")


class Post(models.Model):
    """One channel's copy of a group; its state is changed only through posts.states."""

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="posts")
    group = models.ForeignKey(PostGroup, on_delete=models.CASCADE, related_name="posts")
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="posts")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    # The time the person asked for: never moved by the engine (retries, hand-backs).
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text=gettext_lazy("When it goes out (UTC).")
    )
    # When the engine tries again (a retry, a look after an unclear outcome, a post handed
    # back from a worker that died); unset for the first attempt. Setting publish_at
    # clears it (posts.states.transition).
    retry_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=gettext_lazy("When the next attempt is due (UTC), if one is."),
    )
    settings = models.JSONField(
        default=dict, blank=True, help_text=gettext_lazy("The network's settings.")
    )
    # True when this channel's thread was edited apart from the group's global text.
    customized = models.BooleanField(default=False)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=30, blank=True)
    error_message = models.TextField(blank=True)
    # The error as a sentence to say in each reader's language (organizations.texts);
    # null when it was kept only as written (old rows, a network's own words).
    error_text = models.JSONField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    state_changed_at = models.DateTimeField(default=now)
    # Where the post stands in its approvals (posts.services.approvals); "" when its
    # channel needs none.
    review_state = models.CharField(
        max_length=20, choices=ReviewState.choices, blank=True, default=ReviewState.NONE
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["publish_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="posts_post_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(review_state__in=ReviewState.values),
                name="posts_post_review_state_valid",
            ),
            # The promise of approvals, kept by the database whatever path writes: a post
            # that still lacks an approval can be neither scheduled nor claimed.
            models.CheckConstraint(
                condition=~Q(state__in=["scheduled", "publishing"])
                | Q(review_state__in=["", "approved"]),
                name="posts_post_approved_before_scheduled",
            ),
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(publish_at__isnull=False),
                name="posts_post_scheduled_has_time",
            ),
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(publish_at__gte=EARLIEST_DATE, publish_at__lt=LATEST_DATE),
                name="posts_post_publish_at_in_range",
            ),
        ]
        indexes = [
            # The engine's claim query: due scheduled posts (a retry's time, else the
            # requested one), oldest first.
            models.Index(
                Coalesce("retry_at", "publish_at"),
                name="posts_due_at",
                condition=Q(state="scheduled"),
            ),
            models.Index(fields=["organization", "publish_at"], name="posts_calendar"),
            # The calendar's late-post banner: an organization's overdue scheduled posts.
            models.Index(
                fields=["organization", "publish_at"],
                name="posts_org_scheduled",
                condition=Q(state="scheduled"),
            ),
            # The failures page and its count: posts waiting for a person, newest first.
            models.Index(
                models.F("organization"),
                models.F("publish_at").desc(nulls_last=True),
                models.F("id").desc(),
                name="posts_org_attention",
                condition=Q(state__in=["failed", "unconfirmed", "missed"]),
            ),
        ]

    def __str__(self):
        return f"Post {self.pk} ({self.state})"

    @property
    def error_display(self) -> str:
        """The error in the language of whoever is reading (the English column for rows
        kept before, or kept as written)."""
        return say(self.error_text, self.error_message)

    @staticmethod
    def error_changes(message) -> dict:
        """The columns an error message (a ``Text`` or a plain string) is kept in: pass them
        to ``states.transition`` or an ``update``."""
        return {"error_message": english(message), "error_text": stored(message)}


class PostItem(models.Model):
    """One link of a post's chain: the root (position 0), then replies or a first comment.

    Each item has its own permanent key, from which every idempotency key on the network is
    derived, and its own record of what happened there."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="items")
    key = models.UUIDField(default=new_item_key, unique=True, editable=False)
    position = models.PositiveSmallIntegerField()
    content = models.TextField(blank=True)
    delay_minutes = models.PositiveIntegerField(
        default=0, help_text=gettext_lazy("Minutes after the previous item; ignored on the root.")
    )
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    remote_extra = models.JSONField(default=dict, blank=True)
    # Step results kept between attempts (uploaded media ids, record keys, containers).
    progress = models.JSONField(default=dict, blank=True)
    # Written before the first send; while set, the item may be on the network, so the next
    # attempt looks before it sends (and nothing it is made of may change).
    commit_started_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="posts_item_unique_position")
        ]

    def __str__(self):
        return f"Item {self.position} of post {self.post_id}"


class PostItemMedia(models.Model):
    """A library file attached to one item, in order."""

    item = models.ForeignKey(PostItem, on_delete=models.CASCADE, related_name="attachments")
    media = models.ForeignKey(MediaFile, on_delete=models.PROTECT, related_name="attachments")
    position = models.PositiveSmallIntegerField(default=0)
    alt_text = models.TextField(
        blank=True, max_length=1500, help_text=gettext_lazy("Overrides the file's.")
    )

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "position"], name="posts_item_media_position")
        ]

    def __str__(self):
        return f"{self.media} on item {self.item_id}"


class Signature(models.Model):
    """Text appended to posts; the default one is added to every new post."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="signatures"
    )
    name = models.CharField(max_length=100)
    content = models.TextField()
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_default=True),
                name="posts_signature_one_default",
            )
        ]

    def __str__(self):
        return self.name


class PostSet(models.Model):
    """A saved composer template: channels, text and settings to start a post from."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sets")
    name = models.CharField(max_length=100)
    # {"channels": [ids], "content": [...as PostGroup.content], "settings": {channel id: {...}}}
    content = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Comment(models.Model):
    """An internal note on a post group, seen by the team only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="post_comments"
    )
    group = models.ForeignKey(PostGroup, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"Comment {self.pk} on group {self.group_id}"


class Notification(models.Model):
    """One line in a person's bell: a post failed, a channel needs reconnecting…"""

    class Kind(models.TextChoices):
        POST_PUBLISHED = "post.published", gettext_lazy("Post published")
        POST_FAILED = "post.failed", gettext_lazy("Post failed")
        POST_UNCONFIRMED = "post.unconfirmed", gettext_lazy("Post unconfirmed")
        POST_MISSED = "post.missed", gettext_lazy("Post missed")
        CHANNEL_NEEDS_RECONNECT = (
            "channel.needs_reconnect",
            gettext_lazy("Channel needs reconnecting"),
        )
        REVIEW_REQUESTED = "post.review_requested", gettext_lazy("Approval requested")
        APPROVED = "post.approved", gettext_lazy("Post approved")
        CHANGES_REQUESTED = "post.changes_requested", gettext_lazy("Changes requested")
        REJECTED = "post.rejected", gettext_lazy("Post rejected")
        REVIEW_COMMENT = "post.review_comment", gettext_lazy("Mentioned in a review")
        REVIEW_HELD = "post.review_held", gettext_lazy("Held: waiting for approval")
        REVIEW_REMINDER = "post.review_reminder", gettext_lazy("A review is waiting")
        FEED_PAUSED = "feed.paused", gettext_lazy("RSS feed paused")
        INFO = "info", gettext_lazy("Information")

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Title and body as sentences to say in each reader's language (organizations.texts);
    # null when kept only as written (older notifications).
    title_text = models.JSONField(null=True, blank=True, editable=False)
    body_text = models.JSONField(null=True, blank=True, editable=False)
    url = models.CharField(max_length=500, blank=True)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Successes are emailed in a digest; this marks the ones already sent (or not wanted).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "organization"],
                name="posts_notifications_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["user", "organization", "-created_at"], name="posts_notif_list"),
        ]

    def __str__(self):
        return self.title

    @property
    def title_display(self) -> str:
        """The title in the language of whoever is reading."""
        return say(self.title_text, self.title)

    @property
    def body_display(self) -> str:
        """The body in the language of whoever is reading."""
        return say(self.body_text, self.body)


class Webhook(models.Model):
    """An address told about events, signed with HMAC-SHA256 using its own secret."""

    EVENTS = (
        "post.published",
        "post.failed",
        "post.unconfirmed",
        "post.missed",
        "post.deleted",
        "post.review_requested",
        "post.approved",
        "post.changes_requested",
        "post.rejected",
        "channel.needs_reconnect",
    )

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=1000)
    events = models.JSONField(
        default=list, help_text=gettext_lazy("Event names this webhook receives.")
    )
    # Empty = every channel of the organization.
    integrations = models.ManyToManyField(Integration, blank=True, related_name="webhooks")
    # {"secret": "..."}: encrypted at rest, shown to its owners to verify signatures.
    secrets = EncryptedJSONField(default=dict)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook, with every attempt's outcome."""

    class State(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        DELIVERED = "delivered", gettext_lazy("Delivered")
        FAILED = "failed", gettext_lazy("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    event_id = models.UUIDField(
        help_text=gettext_lazy("Sent as X-Postiz-Event-Id; the same on every retry.")
    )
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    # The error as a sentence to say in each reader's language (organizations.texts).
    error_text = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="posts_webhook_due",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self):
        return f"{self.event} to {self.webhook} ({self.state})"

    @property
    def error_display(self) -> str:
        """The error in the language of whoever is reading."""
        return say(self.error_text, self.error)


class ReviewEvent(models.Model):
    """One step of a group's review, append-only: its thread and its audit.

    ``snapshot`` keeps the group's content and each post's items, media and settings at
    that moment, so what changed since the approved version can be shown."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", gettext_lazy("Submitted for approval")
        APPROVED = "approved", gettext_lazy("Approved")
        CLIENT_APPROVED = "client_approved", gettext_lazy("Approved by the client")
        CHANGES_REQUESTED = "changes_requested", gettext_lazy("Changes requested")
        REJECTED = "rejected", gettext_lazy("Rejected")
        COMMENT = "comment", gettext_lazy("Comment")
        EDITED_AFTER_APPROVAL = "edited_after_approval", gettext_lazy("Edited after approval")
        REMINDED = "reminded", gettext_lazy("Reminder sent")
        HELD = "held", gettext_lazy("Held: its time came before its approval")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="review_events"
    )
    group = models.ForeignKey(PostGroup, on_delete=models.CASCADE, related_name="review_events")
    # Null: the action concerns the whole group.
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="review_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set for the client's own actions (a portal link or a client account).
    actor_customer = models.ForeignKey(
        "integrations.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_events",
    )
    portal_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    body = models.TextField(blank=True, max_length=5000)
    # A body the service wrote (not a person's comment), kept as a sentence to say in
    # each reader's language (organizations.texts).
    body_text = models.JSONField(null=True, blank=True, editable=False)
    snapshot = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["group", "created_at"], name="posts_review_thread")]

    def __str__(self):
        return f"{self.get_action_display()} on group {self.group_id}"

    @property
    def body_display(self) -> str:
        """The body in the language of whoever is reading (a comment: as written)."""
        return say(self.body_text, self.body)


# Post counts live in their own module; importing them here registers them in this app.
from posts.analytics.models import (  # noqa: E402, F401
    PostMetric,
    PostMetricLatest,
    PostMetricsTrack,
)

# RSS and Atom feeds live in their own package; importing them here registers them too.
from posts.feeds.models import Feed, FeedEntry  # noqa: E402, F401

# Imported files and their rows (posts.imports), registered in this app the same way.
from posts.imports.models import ImportJob, ImportRow  # noqa: E402, F401
from posts.links.models import (  # noqa: E402, F401
    GroupLinkChoice,
    LinkSettings,
    ShortLink,
)

# Plugs (a channel's repost or reply once a post does well) and their runs.
from posts.plugs.models import Plug, PlugRun  # noqa: E402, F401

# Links for people without an account (previews and the client portal).
from posts.sharing.models import PortalLink, PreviewLink  # noqa: E402, F401
