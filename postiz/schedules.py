"""Periodic jobs, declared in code and installed idempotently (after every migrate).

Each entry is keyed by its name: installing again updates it in place, and a job
removed from this list is removed from the database.
"""

from django.db import transaction

SCHEDULES: list[dict] = [
    {
        # Missed posts (past the grace window), repeats, posts of workers that died.
        "name": "posts.sweep",
        "func": "posts.tasks.sweep",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Reviews that wait longer than the organization's reminder time.
        "name": "posts.review_reminders",
        "func": "posts.tasks.remind_reviews",
        "schedule_type": "I",
        "minutes": 15,
    },
    {
        "name": "postiz.heartbeat",
        "func": "postiz.tasks.heartbeat",
        "schedule_type": "I",  # minutes
        "minutes": 1,
    },
    {
        "name": "integrations.refresh_tokens",
        "func": "integrations.tasks.refresh_expiring_channels",
        "schedule_type": "I",
        "minutes": 5,
    },
    {
        # Channel pictures not yet copied into media storage (or whose copy failed).
        "name": "integrations.channel_pictures",
        "func": "integrations.tasks.copy_channel_pictures",
        "schedule_type": "I",
        "minutes": 15,
    },
    # -- analytics --
    {
        # Published posts' counts on their decaying cadence, one job per channel.
        "name": "posts.analytics_round",
        "func": "posts.analytics.tasks.metrics_round",
        "schedule_type": "I",
        "minutes": 5,
    },
    {
        # Channels' daily counts (followers…), each read once a day, spread over the hours.
        "name": "integrations.channel_metrics",
        "func": "integrations.tasks.channel_metrics_round",
        "schedule_type": "I",
        "minutes": 60,
    },
    {
        # Plug runs whose wait is over (a throttled network), or left by a worker that died.
        "name": "posts.plugs_round",
        "func": "posts.plugs.tasks.plugs_round",
        "schedule_type": "I",
        "minutes": 5,
    },
    # -- end analytics --
    # -- notifications and webhooks --
    {
        # Webhook retries that are due, and first attempts the queue lost.
        "name": "posts.webhook_retries",
        "func": "posts.tasks.deliver_webhooks",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # Each person's digest goes out in the hour it is 08:00 where they live.
        "name": "posts.success_digests",
        "func": "posts.tasks.send_success_digests",
        "schedule_type": "I",
        "minutes": 60,
    },
    {
        "name": "posts.prune_notifications",
        "func": "posts.tasks.prune_notification_history",
        "schedule_type": "D",
    },
    # -- end notifications and webhooks --
    {
        # RSS and Atom feeds whose interval has passed: one read job each.
        "name": "posts.feeds_due",
        "func": "posts.tasks.enqueue_due_feeds",
        "schedule_type": "I",
        "minutes": 1,
    },
    {
        # CSV imports: uploaded files and their previews go after 30 days (the groups
        # keep their rows' keys, so a later upload still schedules nothing twice).
        "name": "posts.prune_imports",
        "func": "posts.imports.tasks.prune",
        "schedule_type": "D",
    },
    {
        # -- short links: clicks of Dub, Short.io and Kutt links (the built-in counts its own).
        "name": "posts.short_link_clicks",
        "func": "posts.links.tasks.sync_clicks",
        "schedule_type": "I",
        "minutes": 30,
    },
    {
        # -- API: idempotency answers past their lifetime, rate windows that ended.
        "name": "postiz.api_housekeeping",
        "func": "postiz.tasks.api_housekeeping",
        "schedule_type": "D",
    },
    {
        # Billing: organizations whose payment grace period ended get the free limits.
        "name": "billing.grace_periods",
        "func": "billing.tasks.expire_grace_periods",
        "schedule_type": "I",
        "minutes": 60,
    },
]

# Names owned by this module; jobs with other names (added by an operator) are left alone.
PREFIXES = (
    "postiz.",
    "accounts.",
    "organizations.",
    "integrations.",
    "posts.",
    "media.",
    "billing.",
)


def install_schedules(*, using: str = "default") -> int:
    """Create or update every declared job, drop our stale ones; returns how many exist."""
    from django_q.models import Schedule

    with transaction.atomic(using=using):
        declared = {entry["name"]: entry for entry in SCHEDULES}
        for name, entry in declared.items():
            defaults = {k: v for k, v in entry.items() if k != "name"}
            defaults.setdefault("repeats", -1)
            Schedule.objects.using(using).update_or_create(name=name, defaults=defaults)
        stale = (
            Schedule.objects.using(using)
            .filter(name__regex=r"^(" + "|".join(p.replace(".", r"\.") for p in PREFIXES) + ")")
            .exclude(name__in=declared)
        )
        stale.delete()
    return len(declared)
