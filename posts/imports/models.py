"""An uploaded CSV file of posts and its rows, kept between the preview and scheduling."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from organizations.models import Organization
from organizations.texts import say


class ImportJob(models.Model):
    """One uploaded file. The file itself is stored here (not in a process's memory), so
    the preview, the scheduling and the page polling them may run anywhere."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for the preview")
        PREVIEWING = "previewing", _("Checking rows")
        PREVIEWED = "previewed", _("Ready to schedule")
        SCHEDULING = "scheduling", _("Scheduling")
        DONE = "done", _("Scheduled")
        FAILED = "failed", _("Could not be read")

    class DateOrder(models.TextChoices):
        AUTO = "auto", _("Tell from the file")
        DMY = "dmy", _("Day first (31/12/2027)")
        MDY = "mdy", _("Month first (12/31/2027)")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    data = models.BinaryField(help_text="The file as uploaded.")
    sha256 = models.CharField(max_length=64)
    # What the file was read as: our columns, a Hootsuite bulk file or a Buffer export.
    format = models.CharField(max_length=20, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=4, blank=True)
    # The zone of rows that name none (the person's, else the organization's).
    timezone = models.CharField(max_length=64, default="UTC")
    date_order = models.CharField(max_length=4, choices=DateOrder.choices, default="auto")
    # The order slashed dates were read in (dmy or mdy), decided when the file is read.
    read_order = models.CharField(max_length=4, blank=True)
    # Channels for files without a channel column (Hootsuite's), as integration ids.
    default_channels = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.UPLOADED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the file as a whole could not be read.")
    notes = models.JSONField(default=list, blank=True, help_text="What the reading decided.")
    # The error and the notes kept as sentences to say in each reader's language
    # (organizations.texts); null, or a shorter list, for imports read before.
    error_text = models.JSONField(null=True, blank=True, editable=False)
    notes_text = models.JSONField(null=True, blank=True, editable=False)
    # The earlier upload of the very same bytes whose rows were scheduled, if any.
    same_file_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now)
    previewed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "sha256"], name="posts_import_sha")]

    def __str__(self):
        return f"Import {self.public_id} ({self.state})"

    @property
    def error_display(self) -> str:
        """Why the file could not be read, in the language of whoever is reading."""
        return say(self.error_text, self.error)

    @property
    def notes_display(self) -> list[str]:
        """The notes in the language of whoever is reading."""
        kept = self.notes_text if isinstance(self.notes_text, list) else []
        return [say(kept[n] if n < len(kept) else None, note) for n, note in enumerate(self.notes)]

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.state in (self.State.PREVIEWED, self.State.DONE) else 0
        return min(100, self.progress_done * 100 // self.progress_total)

    @property
    def running(self) -> bool:
        return self.state in (self.State.UPLOADED, self.State.PREVIEWING, self.State.SCHEDULING)


class ImportRow(models.Model):
    """One row of an uploaded file: what it was read as, what is wrong with it, and the
    group it became."""

    class Status(models.TextChoices):
        READY = "ready", _("Ready")
        ERROR = "error", _("Has errors")
        DUPLICATE = "duplicate", _("Already imported")
        SCHEDULED = "scheduled", _("Scheduled")
        FAILED = "failed", _("Not scheduled")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(help_text="The row's line in the file (header = 1).")
    # {"text", "channels": [names as written], "channel_ids", "publish_at" (ISO, UTC),
    #  "zone", "local" (as written), "media": [urls], "media_ids", "tags": [names],
    #  "first_comment"}
    values = models.JSONField(default=dict)
    # [{"code", "message", "severity": "error"|"warning", "column"}], and "text" (the
    # message kept as a sentence, organizations.texts) when it is ours
    problems = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    # Derived from what the row asks for; stored on the group it became, so the same row
    # (in this file or another) is never scheduled twice.
    key = models.CharField(max_length=64, blank=True)
    group = models.ForeignKey(
        "posts.PostGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["job", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="posts_import_row_unique")
        ]

    def __str__(self):
        return f"Row {self.number} of {self.job}"

    @property
    def problems_display(self) -> list[dict]:
        """The problems with each message in the language of whoever is reading."""
        return [{**p, "message": say(p.get("text"), p.get("message", ""))} for p in self.problems]

    @property
    def errors(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") == "error"]

    @property
    def warnings(self) -> list[dict]:
        return [p for p in self.problems if p.get("severity") != "error"]
