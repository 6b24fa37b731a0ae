"""Plugs and their runs. Registered in the posts app (imported by posts.models)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from integrations.models import Integration, _metric_choices
from organizations.models import Organization
from organizations.texts import Text, say


def _run_key():
    from posts.models import new_item_key

    return new_item_key()


class PlugKind(models.TextChoices):
    REPOST = "repost", _("Repost")
    REPLY = "reply", _("Reply with a follow-up")


class Plug(models.Model):
    """One channel's rule: when a post of it reaches ``threshold`` ``metric``, repost it
    or reply under it with ``text``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="plugs")
    kind = models.CharField(max_length=8, choices=PlugKind.choices)
    metric = models.CharField(max_length=16, choices=_metric_choices())
    threshold = models.PositiveIntegerField()
    # The follow-up of a reply plug (empty for a repost).
    text = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["integration", "metric", "threshold", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PlugKind.values), name="posts_plug_kind_valid"
            ),
            models.CheckConstraint(condition=Q(threshold__gte=1), name="posts_plug_threshold"),
            models.CheckConstraint(
                condition=~Q(kind="reply") | ~Q(text=""), name="posts_plug_reply_has_text"
            ),
        ]
        indexes = [
            models.Index(
                fields=["integration"], name="posts_plug_enabled", condition=Q(enabled=True)
            )
        ]

    def __str__(self):
        return gettext("%(action)s at %(threshold)s %(metric)s") % {
            "action": self.get_kind_display(),
            "threshold": self.threshold,
            "metric": self.get_metric_display().lower(),
        }


class PlugRun(models.Model):
    """A plug acting on one post: at most one per (plug, post), ever. Written (claimed)
    before the network is asked; its state says what became of it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to fire")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Fired")
        FAILED = "failed", _("Failed")
        UNCONFIRMED = "unconfirmed", _("Could not be confirmed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    plug = models.ForeignKey(Plug, on_delete=models.CASCADE, related_name="runs")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="plug_runs")
    # The run's identity on the network (a Bluesky record key, an Idempotency-Key): fixed
    # when the run is claimed, never changed by a retry.
    key = models.UUIDField(default=_run_key, unique=True, editable=False)
    # What the plug said when it was crossed: an edit of the plug afterwards changes
    # nothing a retry sends.
    kind = models.CharField(max_length=8, choices=PlugKind.choices)
    metric = models.CharField(max_length=16, choices=_metric_choices())
    threshold = models.PositiveIntegerField()
    value = models.BigIntegerField(help_text=_("The count that reached the threshold."))
    text = models.TextField(blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=255, blank=True)
    remote_url = models.URLField(max_length=1000, blank=True)
    message = models.TextField(blank=True)
    # The message as a sentence to say in each reader's language (organizations.texts).
    message_text = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plug", "post"], name="posts_plug_run_once"),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "sending", "done", "failed", "unconfirmed"]),
                name="posts_plug_run_state_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["state", "retry_at"],
                name="posts_plug_run_open",
                condition=Q(state__in=["pending", "sending"]),
            )
        ]

    def __str__(self):
        return f"{self.kind} of post {self.post_id} ({self.state})"

    @property
    def said(self):
        """The message as kept: a ``Text`` when it was kept as one, else the string."""
        return Text.restore(self.message_text) or self.message

    @property
    def message_display(self) -> str:
        """The message in the language of whoever is reading."""
        return say(self.message_text, self.message)
