"""A key that cannot read the stored credentials shows on /health and in the log as each
process starts (web, publisher, worker), not as failed posts later."""

import logging
import threading

import pytest
from cryptography.fernet import Fernet
from django_q.signals import post_spawn

from integrations import vault
from integrations.models import Integration
from posts import publisher


@pytest.fixture(autouse=True)
def _fresh_credentials_check():
    vault._credentials_seen = None
    yield
    vault._credentials_seen = None


@pytest.fixture
def stored(org):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="1",
        name="Acme",
        credentials={"access_token": "written-by-host-a"},
    )


@pytest.mark.django_db
def test_health_is_503_naming_the_field_when_this_hosts_keys_cannot_read_the_credentials(
    client, stored, settings
):
    assert client.get("/health").json()["credentials"] == {"ok": True, "checked": 1}
    settings.POSTIZ_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # another host's key

    response = client.get("/health")

    assert response.status_code == 503
    part = response.json()["credentials"]
    assert part["ok"] is False
    assert part["unreadable"] == ["integrations.Integration.credentials"]
    assert "POSTIZ_ENCRYPTION_KEYS" in part["error"]
    assert "written-by-host-a" not in response.content.decode()


@pytest.mark.django_db
def test_a_new_key_put_first_with_the_old_one_still_reads_the_credentials(client, stored, settings):
    settings.POSTIZ_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.POSTIZ_ENCRYPTION_KEYS,
    ]
    assert client.get("/health").json()["credentials"] == {"ok": True, "checked": 1}


@pytest.mark.django_db
def test_the_credentials_check_asks_the_database_once_a_minute(
    stored, settings, django_assert_num_queries
):
    with django_assert_num_queries(1):
        vault.credentials_report()
    with django_assert_num_queries(0):
        vault.credentials_report()


@pytest.mark.django_db
def test_credentials_log_says_which_field_this_process_cannot_read(stored, settings, caplog):
    settings.POSTIZ_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with caplog.at_level(logging.ERROR, logger="postiz.vault"):
        assert vault.credentials_log("web") is False
    (record,) = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage().startswith("web: POSTIZ_ENCRYPTION_KEYS here cannot decrypt")
    assert "integrations.Integration.credentials" in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_says_at_its_start_when_its_keys_cannot_read_the_credentials(
    stored, settings, caplog
):
    settings.POSTIZ_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    said = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("worker: "):
                said.set()

    watch = Watch(logging.ERROR)
    logging.getLogger("postiz.vault").addHandler(watch)
    try:
        post_spawn.send(sender="django_q", proc_name="Worker-1")  # as each worker starts
        assert said.wait(30)
    finally:
        logging.getLogger("postiz.vault").removeHandler(watch)


@pytest.mark.django_db(transaction=True)
def test_the_publisher_says_at_its_start_when_its_keys_cannot_read_the_credentials(
    stored, settings, caplog
):
    settings.POSTIZ_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with caplog.at_level(logging.ERROR, logger="postiz.vault"):
        assert publisher.preflight() is True  # it still runs: other channels may be fine
    assert any(r.getMessage().startswith("publisher: ") for r in caplog.records)
