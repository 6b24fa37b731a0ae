from django.db import connection, models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """The last time a background worker ran the heartbeat job; /health reads its age."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name: str) -> None:
        """Any background process may call: ``name`` is alive now (one upsert); /health
        reads how old the last one is."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {cls._meta.db_table} (name, beat_at) VALUES (%s, %s) "  # noqa: S608
                "ON CONFLICT (name) DO UPDATE SET beat_at = EXCLUDED.beat_at",
                [name, timezone.now()],
            )


class Lease(models.Model):
    """A job only one process in the whole cluster may run at a time, held until
    ``expires_at`` unless its holder renews it (postiz.leases). A row, not a session
    lock, so it works through a pooler in transaction mode, and a holder that died lets go
    when its lease expires."""

    name = models.CharField(max_length=64, unique=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} held by {self.holder} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
