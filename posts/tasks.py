"""django-q2 entry points for publishing."""

from django.conf import settings
from django_q.tasks import async_task

from posts import engine, runner


def start_publishers() -> None:
    """Every minute: start the publisher loops that run until the next start."""
    for _ in range(settings.POSTIZ_PUBLISHERS):
        async_task("posts.tasks.publisher_loop")


def publisher_loop() -> int:
    return runner.run(seconds=engine.LOOP_SECONDS)


def sweep() -> dict:
    """Every minute: missed posts, repeats, and posts of workers that died (posts.sweep)."""
    from posts import sweep as sweeping

    return sweeping.sweep()
