"""The secrets every process must share besides the encryption keys: the API key pepper
and SECRET_KEY. A process given another one shows on /health and says so in the log as
it starts, instead of refusing every API call or every queued job later."""

import logging

import pytest

from integrations import vault
from organizations.services import api_key_create
from postiz.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_credentials_check():
    vault._credentials_seen = None
    yield
    vault._credentials_seen = None


def _beat_both():
    WorkerHeartbeat.beat("worker")
    WorkerHeartbeat.beat("publisher")


def test_health_is_503_when_the_api_keys_were_made_under_another_pepper(client, org, settings):
    _beat_both()
    api_key_create(organization=org, actor=None, name="ci", scopes=["posts:read"])
    assert client.get("/health").json()["api_keys"] == {"ok": True, "checked": 1}

    settings.POSTIZ_API_KEY_PEPPER = "another host's pepper"
    response = client.get("/health")

    assert response.status_code == 503
    part = response.json()["api_keys"]
    assert part["ok"] is False and part["refused"] == 1
    assert "POSTIZ_API_KEY_PEPPER" in part["error"]
    assert "another host's pepper" not in response.content.decode()


def test_a_revoked_key_made_under_another_pepper_does_not_count(client, org, settings):
    from organizations.services import api_key_revoke

    _beat_both()
    key, _raw = api_key_create(organization=org, actor=None, name="old", scopes=["posts:read"])
    api_key_revoke(key=key, actor=None)
    settings.POSTIZ_API_KEY_PEPPER = "rotated"

    assert client.get("/health").json()["api_keys"] == {"ok": True, "checked": 0}


def test_health_is_503_when_the_worker_runs_with_another_secret_key(client, settings):
    original = settings.SECRET_KEY
    settings.SECRET_KEY = "the worker host's own key"
    WorkerHeartbeat.beat("worker")
    settings.SECRET_KEY = original
    WorkerHeartbeat.beat("publisher")

    response = client.get("/health")

    assert response.status_code == 503
    body = response.json()
    assert body["worker"]["ok"] is False
    assert "SECRET_KEY" in body["worker"]["error"]
    assert body["publisher"]["ok"] is True
    assert "the worker host's own key" not in response.content.decode()


def test_a_process_says_at_its_start_which_shared_secret_differs(org, settings, caplog):
    api_key_create(organization=org, actor=None, name="ci", scopes=["posts:read"])
    settings.SECRET_KEY = "the publisher host's own key"
    WorkerHeartbeat.beat("publisher")
    settings.SECRET_KEY = "the web host's key"
    settings.POSTIZ_API_KEY_PEPPER = "the web host's pepper"

    with caplog.at_level(logging.ERROR, logger="postiz.vault"):
        assert vault.credentials_log("web") is False

    said = " ".join(record.getMessage() for record in caplog.records)
    assert "web: API keys were made under another pepper" in said and "(1 keys)" in said
    assert "web: the publisher runs with another SECRET_KEY" in said
    assert "own key" not in said and "pepper'" not in said


def test_a_process_does_not_compare_itself_with_its_own_last_heartbeat(settings, caplog):
    settings.SECRET_KEY = "before a rotation on every host"
    WorkerHeartbeat.beat("worker")
    settings.SECRET_KEY = "after it"

    with caplog.at_level(logging.ERROR):
        assert vault.credentials_log("worker") is True

    assert caplog.records == []
