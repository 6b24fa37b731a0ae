from datetime import timedelta

import pytest
from django.utils import timezone

from postiz.models import WorkerHeartbeat
from postiz.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_the_worker_and_the_publisher_beat_recently(client):
    heartbeat()
    WorkerHeartbeat.beat("publisher")
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["migrations"]["ok"]
    assert body["worker"]["heartbeat_age_seconds"] < 5
    assert body["publisher"]["ok"] and body["publisher"]["heartbeat_age_seconds"] < 5


def test_health_is_503_when_the_worker_never_beat(client):
    WorkerHeartbeat.beat("publisher")
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["worker"] == {"ok": False, "heartbeat_age_seconds": None}


def test_health_is_503_when_the_worker_heartbeat_is_stale(client, settings):
    WorkerHeartbeat.beat("publisher")
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False
    assert response.json()["worker"]["heartbeat_age_seconds"] >= 600


def test_health_is_503_when_no_publisher_loop_runs(client):
    heartbeat()
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["publisher"] == {"ok": False, "heartbeat_age_seconds": None}


def test_the_publisher_counts_as_down_sooner_than_the_worker(client, settings):
    settings.POSTIZ_PUBLISHER_HEARTBEAT_MAX_AGE = 60
    heartbeat()
    WorkerHeartbeat.objects.create(name="publisher", beat_at=timezone.now() - timedelta(seconds=90))
    body = client.get("/health").json()
    assert body["worker"]["ok"] is True
    assert body["publisher"]["ok"] is False
    assert body["publisher"]["heartbeat_age_seconds"] >= 90


def test_a_heartbeat_is_one_row_per_process_kind_updated_in_place():
    WorkerHeartbeat.beat("publisher")
    first = WorkerHeartbeat.objects.get(name="publisher").beat_at
    WorkerHeartbeat.beat("publisher")
    heartbeat()
    assert WorkerHeartbeat.objects.filter(name="publisher").count() == 1
    assert WorkerHeartbeat.objects.get(name="publisher").beat_at >= first
    assert set(WorkerHeartbeat.objects.values_list("name", flat=True)) == {"publisher", "worker"}


def test_health_counts_a_migration_that_was_not_applied(client, monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    from postiz import health

    heartbeat()
    WorkerHeartbeat.beat("publisher")
    monkeypatch.setattr(health, "_migrations_seen_applied", False)
    last = MigrationRecorder.Migration.objects.filter(app="posts").order_by("-id").first()
    last.delete()
    body = client.get("/health").json()
    assert body["migrations"] == {"ok": False, "pending": 1}
    assert body["status"] == "unhealthy"


def test_health_finds_every_migration_applied_without_loading_the_graph(client, monkeypatch):
    from postiz import health

    heartbeat()
    WorkerHeartbeat.beat("publisher")
    monkeypatch.setattr(health, "_migrations_seen_applied", False)

    def graph_loaded(*args, **kwargs):
        raise AssertionError("the migration graph was loaded")

    monkeypatch.setattr(health, "MigrationExecutor", graph_loaded)
    assert client.get("/health").json()["migrations"] == {"ok": True, "pending": 0}
