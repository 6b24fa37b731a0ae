"""GET /health: is this instance able to do its work?"""

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

_migrations_seen_applied = False


def _pending_migrations() -> int:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return 0  # migrations never un-apply under a running process
    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    _migrations_seen_applied = pending == 0
    return pending


def _publishing() -> dict:
    """The late-post alarm: anything overdue by more than POSTIZ_LATE_POST_MINUTES."""
    from posts.sweep import overdue_posts

    late = overdue_posts()
    count = late.count()
    report = {"ok": count == 0, "late_posts": count}
    if count:
        oldest = late.order_by("publish_at").values_list("publish_at", flat=True).first()
        report["oldest_due_at"] = oldest.isoformat()
        report["late_minutes"] = settings.POSTIZ_LATE_POST_MINUTES
    return report


@never_cache
def health(request):
    from postiz.models import WorkerHeartbeat

    report = {
        "database": {"ok": False},
        "migrations": {"ok": False},
        "worker": {"ok": False},
        "publishing": {"ok": False},
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True}
        pending = _pending_migrations()
        report["migrations"] = {"ok": pending == 0, "pending": pending}
        beat = WorkerHeartbeat.objects.filter(name="worker").values_list("beat_at", flat=True)
        beat_at = beat.first()
        if beat_at is None:
            report["worker"] = {"ok": False, "heartbeat_age_seconds": None}
        else:
            age = (timezone.now() - beat_at).total_seconds()
            report["worker"] = {
                "ok": age <= settings.POSTIZ_HEARTBEAT_MAX_AGE,
                "heartbeat_age_seconds": round(age, 1),
            }
        report["publishing"] = _publishing()
    except DatabaseError as exc:
        report["database"]["error"] = exc.__class__.__name__
    healthy = all(part["ok"] for part in report.values())
    report = {"status": "ok" if healthy else "unhealthy", **report}
    return JsonResponse(report, status=200 if healthy else 503)
