"""`manage.py publisher`: the process that publishes due posts (see posts/publisher.py)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from posts import publisher


class Command(BaseCommand):
    help = (
        "Publish due posts: POSTIZ_PUBLISHERS publisher loops, each a process of its own, "
        "restarted when one dies, until SIGTERM or Ctrl-C."
    )

    # The web process runs the system checks; a publisher started again after a crash
    # should not wait for them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--loops",
            type=int,
            default=None,
            help="Publisher loops to run (default: POSTIZ_PUBLISHERS).",
        )

    def handle(self, *args, loops, **options):
        loops = loops or settings.POSTIZ_PUBLISHERS
        if not publisher.preflight():
            raise SystemExit(2)  # said in the log; a process manager starts it again later
        publisher.serve(loops=loops, grace=settings.POSTIZ_PUBLISHER_STOP_GRACE)
