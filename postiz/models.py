import hmac

from django.conf import settings
from django.db import connection, models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """The last time a background worker ran the heartbeat job; /health reads its age."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()
    # Names the SECRET_KEY of the process that beat (a digest, not the key): the jobs the
    # web queues are signed with it, so a worker with another one refuses them all.
    secret_tag = models.CharField(max_length=16, blank=True, default="")

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, name: str) -> None:
        """Any background process may call: ``name`` is alive now (one upsert); /health
        reads how old the last one is, and whether it shares this process's SECRET_KEY."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {cls._meta.db_table} (name, beat_at, secret_tag) "  # noqa: S608
                "VALUES (%s, %s, %s) ON CONFLICT (name) DO UPDATE "
                "SET beat_at = EXCLUDED.beat_at, secret_tag = EXCLUDED.secret_tag",
                [name, timezone.now(), secret_tag()],
            )

    @classmethod
    def other_secret_keys(cls, names) -> list[str]:
        """Which of the processes ``names`` last beat with a SECRET_KEY other than this
        process's (those that never said are not counted)."""
        beats = cls.objects.filter(name__in=names).exclude(secret_tag="")
        return sorted(beats.exclude(secret_tag=secret_tag()).values_list("name", flat=True))


OTHER_SIGNING_KEY = (
    "runs with another SECRET_KEY than this process (as of its last heartbeat): the jobs "
    "one queues are refused by the other; give every process the same SECRET_KEY"
)


def secret_tag() -> str:
    """A digest naming this process's SECRET_KEY, safe to store and compare."""
    return hmac.new(settings.SECRET_KEY.encode(), b"postiz.secret-tag", "sha256").hexdigest()[:16]


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
