"""GET /health: is this instance able to do its work?"""

import importlib
import pkgutil

from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from integrations.vault import credentials_log_soon, credentials_report
from organizations.selectors import api_keys_pepper_report
from posts.publisher import POOLED_ERROR, PUBLISHER_POOLED

# postiz.apps, a shared piece, reaches the vault (an app above it) through this module.
__all__ = ["credentials_log_soon", "health"]

_migrations_seen_applied = False


def _unapplied_files() -> bool:
    """Whether some migration file on disk has no row in django_migrations.

    One query and a directory listing per app: loading the migration graph instead imports
    every migration module, about 16 MB in each process that answers /health.
    """
    applied = MigrationRecorder(connection).applied_migrations()
    for app_config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(app_config.label)
        try:
            package = importlib.import_module(module_name) if module_name else None
        except ImportError:
            continue
        for _finder, name, is_package in pkgutil.iter_modules(getattr(package, "__path__", ())):
            if not is_package and name[0] not in "_~" and (app_config.label, name) not in applied:
                return True
    return False


def _pending_migrations() -> int:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return 0  # migrations never un-apply under a running process
    if not _unapplied_files():
        _migrations_seen_applied = True
        return 0
    # Some file has no row (new code, or a squashed migration): the graph says what is due.
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


def _alive(beat_at, max_age: int) -> dict:
    """A background process's part of the report, from its last heartbeat."""
    if beat_at is None:
        return {"ok": False, "heartbeat_age_seconds": None}
    age = (timezone.now() - beat_at).total_seconds()
    return {"ok": age <= max_age, "heartbeat_age_seconds": round(age, 1)}


@never_cache
def health(request):
    from postiz.models import OTHER_SIGNING_KEY, WorkerHeartbeat

    report = {
        "database": {"ok": False},
        "migrations": {"ok": False},
        "worker": {"ok": False},
        "publisher": {"ok": False},
        "publishing": {"ok": False},
        "credentials": {"ok": False},
        "api_keys": {"ok": False},
    }
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["database"] = {"ok": True}
        pending = _pending_migrations()
        report["migrations"] = {"ok": pending == 0, "pending": pending}
        beats = dict(
            WorkerHeartbeat.objects.filter(
                name__in=["worker", "publisher", PUBLISHER_POOLED]
            ).values_list("name", "beat_at")
        )
        # The worker beats once a minute (a periodic job); publisher loops every 10 s.
        report["worker"] = _alive(beats.get("worker"), settings.POSTIZ_HEARTBEAT_MAX_AGE)
        report["publisher"] = _alive(
            beats.get("publisher"), settings.POSTIZ_PUBLISHER_HEARTBEAT_MAX_AGE
        )
        for name in WorkerHeartbeat.other_secret_keys(["worker", "publisher"]):
            report[name].update(ok=False, error=f"It {OTHER_SIGNING_KEY}.")
        pooled = _alive(beats.get(PUBLISHER_POOLED), settings.POSTIZ_PUBLISHER_HEARTBEAT_MAX_AGE)
        if pooled["ok"]:  # a publisher refused to run within that time
            report["publisher"].update(ok=False, error=POOLED_ERROR)
        report["publishing"] = _publishing()
        report["credentials"] = credentials_report()
        report["api_keys"] = api_keys_pepper_report()
    except DatabaseError as exc:
        report["database"]["error"] = exc.__class__.__name__
    healthy = all(part["ok"] for part in report.values())
    report = {"status": "ok" if healthy else "unhealthy", **report}
    return JsonResponse(report, status=200 if healthy else 503)
