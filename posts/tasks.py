"""django-q2 entry points for publishing."""

from django.conf import settings
from django_q.tasks import async_task

from posts import engine, runner


def start_publishers() -> None:
    """Every minute: start a publisher loop for each slot no loop holds (at first start,
    or after a worker died); a running loop hands its slot to its own successor."""
    for slot in runner.idle_slots(settings.POSTIZ_PUBLISHERS):
        async_task("posts.tasks.publisher_loop", slot)


def publisher_loop(slot: int | None = None) -> int:
    """One publisher loop; with a slot, it queues its successor as it stops claiming."""
    if slot is None or settings.Q_CLUSTER.get("sync"):  # a synchronous queue would recurse
        return runner.run(seconds=engine.LOOP_SECONDS, slot=slot)
    return runner.run(seconds=engine.LOOP_SECONDS, slot=slot, handover=_start_successor)


def _start_successor(slot: int) -> None:
    async_task("posts.tasks.publisher_loop", slot)


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
