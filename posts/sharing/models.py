from django.conf import settings
from django.db import models
from django.utils.timezone import now

from integrations.models import Customer
from organizations.models import Organization


class LinkStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class _Link(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # HMAC-SHA256 hex of the token under the server's pepper (organizations.services): a
    # request finds its link by this digest, in one indexed lookup.
    token_hash = models.CharField(max_length=64, unique=True)
    # The token's last characters, so people can tell their links apart in a list.
    hint = models.CharField(max_length=8, blank=True)
    expires_at = models.DateTimeField(help_text="When the link stops opening (UTC).")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def status(self) -> str:
        if self.revoked_at:
            return LinkStatus.REVOKED
        if self.expires_at <= now():
            return LinkStatus.EXPIRED
        return LinkStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status == LinkStatus.ACTIVE


class PreviewLink(_Link):
    """A read-only page of one post group as each of its networks would show it."""

    group = models.ForeignKey("posts.PostGroup", on_delete=models.CASCADE, related_name="+")
    allow_comments = models.BooleanField(
        default=False, help_text="Whoever opens the link may leave a comment with their name."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Preview of group {self.group_id} (…{self.hint})"


class PortalLink(_Link):
    """A customer's review portal: their posts waiting for them, to approve or send back."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    # Who the link was made for ("Marketing team at Acme"), to tell links apart.
    label = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Portal of {self.customer_id} (…{self.hint})"
