from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now

from integrations.models import Integration
from organizations.models import Organization
from postiz.timezones import validate_timezone
from posts.states import State


class Tag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)
    color = models.CharField(max_length=7, default="#5b4bdb", help_text="A #rrggbb colour.")

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
        WEB = "web", "Web"
        API = "api", "API"
        IMPORT = "import", "Import"
        RSS = "rss", "RSS"

    class RepeatUnit(models.TextChoices):
        DAY = "day", "Days"
        WEEK = "week", "Weeks"

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
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(repeat_every__isnull=True, repeat_unit="")
                | Q(repeat_every__gte=1, repeat_unit__in=["day", "week"]),
                name="posts_group_repeat_complete",
            )
        ]

    def __str__(self):
        return f"Post group {self.pk}"


class Post(models.Model):
    """One channel's copy of a group; its state is changed only through posts.states."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="posts")
    group = models.ForeignKey(PostGroup, on_delete=models.CASCADE, related_name="posts")
    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="posts")
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    publish_at = models.DateTimeField(null=True, blank=True, help_text="When it goes out (UTC).")
    settings = models.JSONField(default=dict, blank=True, help_text="The network's settings.")
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=30, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    state_changed_at = models.DateTimeField(default=now)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["publish_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="posts_post_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="scheduled") | Q(publish_at__isnull=False),
                name="posts_post_scheduled_has_time",
            ),
        ]
        indexes = [
            # The engine's claim query: due scheduled posts, oldest first.
            models.Index(fields=["publish_at"], name="posts_due", condition=Q(state="scheduled")),
            models.Index(fields=["organization", "publish_at"], name="posts_calendar"),
        ]

    def __str__(self):
        return f"Post {self.pk} ({self.state})"


class PostItem(models.Model):
    """One link of a post's chain: the root (position 0), then replies or a first comment.

    Each item has its own id, which seeds its idempotency key on the network, and its own
    record of what happened there."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    content = models.TextField(blank=True)
    delay_minutes = models.PositiveIntegerField(
        default=0, help_text="Minutes after the previous item; ignored on the root."
    )
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    remote_extra = models.JSONField(default=dict, blank=True)
    # Step results kept between attempts (uploaded media ids, record keys, containers).
    progress = models.JSONField(default=dict, blank=True)
    # Written before the commit is sent; after an unclear outcome it says "look first".
    commit_started_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="posts_item_unique_position")
        ]

    def __str__(self):
        return f"Item {self.position} of post {self.post_id}"
