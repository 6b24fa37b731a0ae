"""Background jobs that belong to no single app."""

from postiz.models import WorkerHeartbeat


def heartbeat() -> None:
    """Runs every minute on the worker; /health reports the worker down when it stops."""
    WorkerHeartbeat.beat("worker")


# -- API --
def api_housekeeping() -> None:
    """Runs daily: forgets idempotency answers past their lifetime and old rate windows."""
    from postiz.api import idempotency_cleanup, rate_counters_cleanup

    idempotency_cleanup()
    rate_counters_cleanup()
