"""django-q2 entry points of the posts app (publishing itself runs in `manage.py publisher`)."""


def sweep() -> dict:
    """Every minute: missed posts, repeats, and posts of workers that died (posts.sweep)."""
    from posts import sweep as sweeping

    return sweeping.sweep()


# -- notifications and webhooks ---------------------------------------------------------
def send_notification_emails(notification_ids: list[int]) -> int:
    """Right after a failure: email the people who asked to hear about it."""
    from posts.services.notifications import notifications_email

    return notifications_email(notification_ids=notification_ids)


def send_success_digests() -> int:
    """Every hour: the morning digest for people whose local time is 08:00."""
    from posts.services.notifications import digests_send

    return digests_send()


def deliver_webhook(delivery_id: int) -> str | None:
    """Right after an event: the first attempt at one webhook delivery."""
    from posts.services.webhooks import delivery_send

    return delivery_send(delivery_id=delivery_id)


def deliver_due_webhooks() -> int:
    """Every minute: retries that are due, and first attempts the queue lost."""
    from posts.services.webhooks import deliveries_send_due

    return deliveries_send_due()


def prune_notification_history() -> dict:
    """Every day: old notifications and finished webhook deliveries go."""
    from posts.services.notifications import history_prune

    return history_prune()
