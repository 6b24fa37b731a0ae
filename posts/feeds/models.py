"""A feed an organization follows, and every entry it has seen (each posted once, ever)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from integrations.models import Customer, Integration
from organizations.models import Organization
from organizations.texts import say

# The shortest interval a feed may be read at: most feeds change a few times a day, and
# the publishers of the others would rather not be asked more often.
MIN_INTERVAL_MINUTES = 15
MAX_INTERVAL_MINUTES = 7 * 24 * 60
# Longer than a read can take (posts.feeds.reading.LEASE).
FETCH_NOW_EXPIRES = timedelta(minutes=10)


class Feed(models.Model):
    """An RSS or Atom address, the channels its new entries go to and how they are written."""

    class Mode(models.TextChoices):
        NOW = "now", _("Post at once")
        QUEUE = "queue", _("Into the channels' next free queue slots")

    class Backlog(models.TextChoices):
        DRAFTS = "drafts", _("Offer them as drafts")
        SKIP = "skip", _("Skip them")

    class Image(models.TextChoices):
        NONE = "none", _("No image")
        ENTRY = "entry", _("The entry's own image (enclosure or media:content)")
        PAGE = "page", _("The linked page's og:image")
        ANY = "any", _("The entry's image, else the page's og:image")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    # The id clients see (API paths, pages): opaque, URL-safe, never reused.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="feeds")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="feeds"
    )
    name = models.CharField(max_length=100)
    url = models.CharField(max_length=1000)
    integrations = models.ManyToManyField(Integration, related_name="feeds")
    # The post's text with {title}, {link}, {summary}, {author} (posts.feeds.text).
    template = models.TextField(default="{title}\n\n{link}")
    # {integration id (str): template} for channels whose text differs.
    channel_templates = models.JSONField(default=dict, blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.QUEUE)
    # New entries' posts wait for an approver (Approvals) even where their channels need
    # none; the back catalogue still becomes drafts.
    with_review = models.BooleanField(default=False)
    image = models.CharField(max_length=10, choices=Image.choices, default=Image.NONE)
    # What the first successful read does with the entries already in the feed.
    backlog = models.CharField(max_length=10, choices=Backlog.choices, default=Backlog.DRAFTS)
    interval_minutes = models.PositiveIntegerField(default=60)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)

    # Conditional requests: what the server last answered (a 304 then costs nothing).
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # The SHA-256 of the last body read: a server that ignores conditional requests and
    # sends the same bytes again costs a hash, not a parse.
    content_hash = models.CharField(max_length=64, blank=True)
    # When the first successful read took the back catalogue; null until then.
    primed_at = models.DateTimeField(null=True, blank=True)
    next_fetch_at = models.DateTimeField(default=now)
    # A read holds the feed until then, so two workers never read it at the same time.
    fetching_until = models.DateTimeField(null=True, blank=True)
    # A person asked for a read ("fetch now") that has not finished yet.
    fetch_requested_at = models.DateTimeField(null=True, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # What the last read did: {"status": 200|304, "entries": n, "posted": n, ...}.
    last_result = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    # The error as a sentence to say in each reader's language (organizations.texts).
    last_error_text = models.JSONField(null=True, blank=True, editable=False)
    consecutive_failures = models.PositiveSmallIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(interval_minutes__gte=MIN_INTERVAL_MINUTES)
                & Q(interval_minutes__lte=MAX_INTERVAL_MINUTES),
                name="posts_feed_interval_range",
            ),
        ]
        indexes = [
            # The every-minute job's question: active feeds whose time has come.
            models.Index(
                fields=["next_fetch_at"], name="posts_feed_due", condition=Q(state="active")
            )
        ]

    def __str__(self):
        return self.name

    @property
    def last_error_display(self) -> str:
        """The last error in the language of whoever is reading."""
        return say(self.last_error_text, self.last_error)

    @property
    def fetch_pending(self) -> bool:
        """A "fetch now" is waiting for the worker or running. One asked for longer ago
        than a read can take was lost (the worker was down): it no longer counts."""
        if self.fetch_requested_at is None:
            return False
        return now() - self.fetch_requested_at < FETCH_NOW_EXPIRES


class FeedEntry(models.Model):
    """One entry a feed has shown, recorded once with what became of it.

    ``key`` is the entry's identity (posts.feeds.identity): its guid, else its link, else
    a hash of its title and date. The unique (feed, key) constraint is what makes an entry
    post once only, ever, whichever worker reads the feed."""

    class Outcome(models.TextChoices):
        POSTED = "posted", _("Posted")
        QUEUED = "queued", _("Queued")
        DRAFTED = "drafted", _("Saved as a draft")
        SKIPPED = "skipped", _("Skipped")
        FAILED = "failed", _("Not posted")

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    key = models.CharField(max_length=300)
    guid = models.CharField(max_length=1000, blank=True)
    link = models.CharField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Why it was skipped, drafted or not posted, in words a person can act on.
    note = models.TextField(blank=True)
    # The note as a sentence to say in each reader's language (organizations.texts).
    note_text = models.JSONField(null=True, blank=True, editable=False)
    group = models.ForeignKey(
        "posts.PostGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seen_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["feed", "key"], name="posts_feed_entry_once"),
        ]
        indexes = [
            # An entry whose guid changed is found by its link (and title).
            models.Index(fields=["feed", "link"], name="posts_feed_entry_link"),
        ]

    def __str__(self):
        return self.title or self.key

    @property
    def note_display(self) -> str:
        """The note in the language of whoever is reading."""
        return say(self.note_text, self.note)
