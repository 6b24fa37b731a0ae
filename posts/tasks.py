"""django-q2 entry points of the posts app (publishing itself runs in `manage.py publisher`)."""


def sweep() -> dict:
    """Every minute: missed posts, repeats, and posts of workers that died (posts.sweep)."""
    from posts import sweep as sweeping

    return sweeping.sweep()


def remind_reviews() -> int:
    """Every 15 minutes: reviews waiting longer than their organization's reminder time
    are reminded to those who must act, once per period (posts.services.approvals)."""
    from posts.services.approvals import reviews_remind

    return reviews_remind()


# -- notifications and webhooks ---------------------------------------------------------
def send_notification_emails(notification_ids: list[int]) -> int:
    """Right after a failure: email the people who asked to hear about it."""
    from posts.services.notifications import notifications_email

    return notifications_email(notification_ids=notification_ids)


def send_success_digests() -> int:
    """Every hour: the morning digest for people whose local time is 08:00."""
    from posts.services.notifications import digests_send

    return digests_send()


def deliver_webhooks() -> int:
    """After new deliveries, and every minute for retries: sends what is due, on a few
    threads, fairly between organizations, for up to a minute (one such job at a time)."""
    from posts.services.webhooks import DRAIN_SECONDS, deliveries_send_due

    return deliveries_send_due(seconds=DRAIN_SECONDS)


def prune_notification_history() -> dict:
    """Every day: old notifications and finished webhook deliveries go."""
    from posts.services.notifications import history_prune

    return history_prune()
