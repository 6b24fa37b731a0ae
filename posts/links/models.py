"""Short links and the settings that make them. Registered in the posts app (imported by
posts.models)."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from integrations.vault import EncryptedJSONField
from organizations.models import Organization


class Preference(models.TextChoices):
    ASK = "ask", _("Ask each time")
    ALWAYS = "always", _("Always shorten")
    NEVER = "never", _("Never shorten")


class Shortener(models.TextChoices):
    BUILTIN = "builtin", _("Built-in (this site's /l/ links)")
    DUB = "dub", "Dub"
    SHORTIO = "shortio", "Short.io"
    KUTT = "kutt", _("Kutt (self-hosted)")


class LinkSettings(models.Model):
    """An organization's choice: whether links are shortened, and by which shortener."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="link_settings"
    )
    preference = models.CharField(max_length=6, choices=Preference.choices, default="ask")
    # Empty: the instance's default (SHORTLINK_PROVIDER).
    shortener = models.CharField(max_length=8, choices=Shortener.choices, blank=True)
    # Dub and Short.io: the short domain; Kutt: the instance's address.
    domain = models.CharField(max_length=253, blank=True)
    kutt_url = models.URLField(max_length=300, blank=True)
    # {"api_key": "..."}: encrypted at rest like channel tokens; empty = the instance's key.
    secrets = EncryptedJSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "link settings"

    def __str__(self):
        return f"Link settings of {self.organization_id}"


class GroupLinkChoice(models.Model):
    """What the person answered when the organization asks: shorten this post's links?"""

    group = models.OneToOneField(
        "posts.PostGroup", on_delete=models.CASCADE, related_name="link_choice"
    )
    shorten = models.BooleanField()

    def __str__(self):
        return f"Group {self.group_id}: {'shorten' if self.shorten else 'keep'} links"


class ShortLink(models.Model):
    """One link of one published item, shortened. Its target never changes; deleting the
    post keeps the link working (people may still click it where it was posted)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="short_links"
    )
    post = models.ForeignKey(
        "posts.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="short_links"
    )
    item = models.ForeignKey(
        "posts.PostItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="short_links",
    )
    shortener = models.CharField(max_length=8, choices=Shortener.choices)
    # The built-in shortener's code (/l/<code>); empty for the others.
    code = models.CharField(max_length=16, null=True, blank=True, unique=True)
    target = models.URLField(max_length=2000)
    short_url = models.URLField(max_length=500)
    # The shortener's own id of the link (its stats are read by it).
    remote_id = models.CharField(max_length=100, blank=True)
    clicks = models.BigIntegerField(default=0)
    clicks_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shortener="builtin", code__isnull=False)
                | (~Q(shortener="builtin") & Q(code__isnull=True)),
                name="posts_shortlink_code_builtin_only",
            ),
            models.CheckConstraint(condition=Q(clicks__gte=0), name="posts_shortlink_clicks_gte0"),
        ]
        indexes = [
            # The worker's round: other shorteners' links, least recently read first.
            models.Index(
                fields=["clicks_synced_at"],
                name="posts_shortlink_sync",
                condition=~Q(shortener="builtin"),
            ),
        ]

    def __str__(self):
        return f"{self.short_url} → {self.target}"
