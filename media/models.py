import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from organizations.models import Organization


def media_path(instance, filename: str) -> str:
    """Unguessable stored names: the organization's folder and a random token; the
    person's own file name is kept in ``name`` only."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"org/{instance.organization_id}/{secrets.token_urlsafe(24)}.{extension[:8]}"


def thumbnail_path(instance, filename: str) -> str:
    # Images get a WebP thumbnail, videos a JPEG poster frame.
    extension = "jpg" if filename.lower().endswith((".jpg", ".jpeg")) else "webp"
    return f"org/{instance.organization_id}/thumbs/{secrets.token_urlsafe(24)}.{extension}"


class MediaFile(models.Model):
    """One file in an organization's library; its type was sniffed from its bytes."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        DOCUMENT = "document", "Document"

    # The id clients see (API paths, webhooks): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="media")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to=media_path, max_length=300)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=300, blank=True)
    name = models.CharField(max_length=255, help_text="The name people see; not the stored name.")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    mime_type = models.CharField(max_length=100)
    size = models.BigIntegerField(help_text="Bytes.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds (video).")
    frame_rate = models.FloatField(null=True, blank=True, help_text="Frames per second (video).")
    codec = models.CharField(
        max_length=30, blank=True, help_text='The video codec, as FFmpeg names it ("h264").'
    )
    alt_text = models.TextField(blank=True, max_length=1500)
    sha256 = models.CharField(max_length=64, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=now)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=0), name="media_file_size_positive"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "-created_at"],
                name="media_library",
                condition=Q(deleted_at__isnull=True),
            )
        ]

    def __str__(self):
        return self.name
