from datetime import timedelta

import pytest
from django.utils import timezone

from postiz.models import WorkerHeartbeat
from postiz.tasks import heartbeat

pytestmark = pytest.mark.django_db


def test_health_is_ok_when_the_worker_beat_recently(client):
    heartbeat()
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["migrations"]["ok"]
    assert body["worker"]["heartbeat_age_seconds"] < 5


def test_health_is_503_when_the_worker_never_beat(client):
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["worker"] == {"ok": False, "heartbeat_age_seconds": None}


def test_health_is_503_when_the_worker_heartbeat_is_stale(client, settings):
    WorkerHeartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False
    assert response.json()["worker"]["heartbeat_age_seconds"] >= 600
