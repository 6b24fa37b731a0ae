from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a background worker ran the heartbeat job; /health reads its age."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
