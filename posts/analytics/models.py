"""Post counts over time. Registered in the posts app (imported by posts.models)."""

from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from integrations.models import Integration, _metric_choices
from organizations.models import Organization


class PostMetric(models.Model):
    """One count of a published post on one day (UTC); a later fetch the same day
    overwrites it, so a day holds the last value seen that day."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="metrics")
    # The post's channel, copied so the page filters by channel without a join.
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=_metric_choices())
    day = models.DateField()
    value = models.BigIntegerField()
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "metric", "day"], name="posts_metric_unique_day"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "day", "metric"], name="posts_metric_org_day"),
        ]

    def __str__(self):
        return f"{self.post_id} {self.metric} {self.day}: {self.value}"


class PostMetricLatest(models.Model):
    """The newest count of a post per metric: what the page's totals and top posts read,
    and what an automation asks ("posts that reached 100 likes")."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="latest_metrics")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=16, choices=_metric_choices())
    value = models.BigIntegerField()
    # The post's, copied: the page sums what posts published in a period achieved.
    published_at = models.DateTimeField()
    # When the value last changed (not merely re-read): a threshold crossed since then.
    changed_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "metric"], name="posts_metric_latest_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "metric", "value"], name="posts_metric_threshold"),
            models.Index(
                fields=["organization", "published_at"], name="posts_metric_latest_period"
            ),
        ]

    def __str__(self):
        return f"{self.post_id} {self.metric}: {self.value}"


class PostMetricsTrack(models.Model):
    """When a published post's counts are next due: 1 h, 6 h, 24 h, 3 d, 7 d and 30 d
    after publishing, or now when someone asked; none once the cadence is over."""

    post = models.OneToOneField(
        "posts.Post", on_delete=models.CASCADE, primary_key=True, related_name="metrics_track"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    published_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    fetches = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["integration", "due_at"],
                name="posts_metrics_due",
                condition=Q(due_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"metrics of {self.post_id} due {self.due_at}"
