"""The token lifecycle: the refresh job, status changes and their notifications."""

import logging
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from integrations import services, tasks
from integrations.models import Integration
from integrations.providers.base import Account, Grant
from organizations.models import AuditEvent
from postiz.schedules import SCHEDULES
from tests.factories import ChannelFactory

from .conftest import X_REFRESH, reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.refresh_expiring_channels()

    return run


def test_an_expiring_channel_is_refreshed_and_the_rotated_refresh_token_is_kept(
    x_network, make_channel, run_job, caplog
):
    caplog.set_level(logging.DEBUG)
    channel = make_channel()
    calls = []

    def token(request):
        calls.append(dict(request.form))
        return reply("x", "token_rotated")

    x_network.expect_request("/x-api/2/oauth2/token", method="POST").respond_with_handler(token)

    result = run_job()

    channel.refresh_from_db()
    assert result["refreshed"] == 1
    assert calls == [
        {"grant_type": "refresh_token", "refresh_token": X_REFRESH, "client_id": "x-client-id"}
    ]
    assert channel.credentials["access_token"] == "x-access-ccc333"
    assert channel.credentials["refresh_token"] == "x-refresh-ddd444"
    assert channel.token_expires_at > timezone.now() + timedelta(minutes=100)
    assert channel.last_refreshed_at is not None
    assert channel.status == Integration.Status.ACTIVE
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (X_REFRESH, "x-access-ccc333", "x-refresh-ddd444", "x-client-secret"):
        assert secret not in logged


def test_a_channel_far_from_expiry_is_left_alone(x_network, make_channel, run_job):
    make_channel(token_expires_at=timezone.now() + timedelta(days=1))
    assert run_job() == {"refreshed": 0, "failed": 0, "reminded": 0}
    assert len(x_network.log) == 0


def test_disabled_and_deleted_channels_are_not_refreshed(x_network, make_channel, run_job):
    make_channel(status=Integration.Status.DISABLED)
    make_channel(external_id="2", deleted_at=timezone.now())
    run_job()
    assert len(x_network.log) == 0


def test_a_revoked_grant_needs_reconnecting_and_emails_once(
    x_network, org, owner, make_channel, run_job
):
    channel = make_channel()
    x_network.expect_request("/x-api/2/oauth2/token").respond_with_response(
        reply("x", "refresh_invalid")
    )

    run_job()
    channel.refresh_from_db()
    assert channel.status == Integration.Status.NEEDS_RECONNECT
    assert channel.last_error and channel.last_error_at
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [owner.email]
    assert "needs reconnecting" in mail.outbox[0].subject
    assert X_REFRESH not in mail.outbox[0].body
    assert AuditEvent.objects.filter(action="channel.status_changed").count() == 1

    # The job skips it now; and a second refused refresh changes nothing.
    run_job()
    services.integration_set_status(
        integration=channel, status=Integration.Status.NEEDS_RECONNECT, error="again"
    )
    assert len(mail.outbox) == 1


def test_only_managers_who_want_failure_emails_are_told(
    x_network, org, owner, admin, editor, make_channel, run_job
):
    admin.notify_failures = False
    admin.save()
    make_channel()
    x_network.expect_request("/x-api/2/oauth2/token").respond_with_response(
        reply("x", "refresh_invalid")
    )
    run_job()
    assert [m.to for m in mail.outbox] == [[owner.email]]


@pytest.mark.parametrize("failure", ["bad_gateway", "rate_limited"])
def test_a_server_error_or_rate_limit_during_refresh_keeps_the_channel_active(
    x_network, owner, make_channel, run_job, failure
):
    channel = make_channel()
    x_network.expect_request("/x-api/2/oauth2/token").respond_with_response(reply("x", failure))

    result = run_job()

    channel.refresh_from_db()
    assert result["failed"] == 1
    assert channel.status == Integration.Status.ACTIVE
    assert channel.last_error and channel.last_error_at
    assert channel.credentials["refresh_token"] == X_REFRESH
    assert mail.outbox == []


def test_a_timeout_during_refresh_keeps_the_channel_active(
    x_network, owner, make_channel, run_job, monkeypatch
):
    import time

    from integrations.providers.x import XProvider

    original = XProvider.__init__

    def short(self):
        original(self)
        self.timeout = (1, 0.2)

    monkeypatch.setattr(XProvider, "__init__", short)
    channel = make_channel()

    answered = threading.Event()

    def slow(request):
        time.sleep(0.6)
        answered.set()
        return reply("x", "token_rotated")

    x_network.expect_request("/x-api/2/oauth2/token").respond_with_handler(slow)

    run_job()
    # The fake network finishes its late answer before the next test uses it, so that
    # answer is never logged as the next test's request.
    assert answered.wait(5)

    channel.refresh_from_db()
    assert channel.status == Integration.Status.ACTIVE
    assert "Could not reach X" in channel.last_error
    assert channel.credentials["refresh_token"] == X_REFRESH
    assert mail.outbox == []


def test_a_channel_refreshed_by_someone_else_meanwhile_is_not_refreshed_again(
    x_network, make_channel
):
    channel = make_channel(token_expires_at=timezone.now() + timedelta(hours=2))
    services.integration_refresh(integration_id=channel.pk, only_if_expiring_within=600)
    assert len(x_network.log) == 0


def test_tokens_that_cannot_be_refreshed_get_one_reminder_a_week_before_expiry(
    org, owner, run_job, monkeypatch
):
    from integrations.providers.bluesky import BlueskyProvider

    monkeypatch.setattr(BlueskyProvider, "refresh_ahead", 0)  # as LinkedIn's tokens
    channel = ChannelFactory(
        organization=org,
        provider="bluesky",
        external_id="did:plc:a",
        name="Alice",
        token_expires_at=timezone.now() + timedelta(days=6),
    )
    ChannelFactory(
        organization=org,
        provider="bluesky",
        external_id="did:plc:b",
        name="Later",
        token_expires_at=timezone.now() + timedelta(days=30),
    )

    assert run_job()["reminded"] == 1
    assert run_job()["reminded"] == 0
    assert len(mail.outbox) == 1 and "Alice" in mail.outbox[0].subject

    # Reconnecting gives a new grant: its own reminder later.
    services.integration_connect(
        organization=org,
        provider_id="bluesky",
        grant=Grant(credentials={}, expires_at=timezone.now() + timedelta(days=5)),
        account=Account(external_id="did:plc:a", name="Alice"),
    )
    channel.refresh_from_db()
    assert services.REMINDER_FLAG not in channel.meta
    assert run_job()["reminded"] == 1


def test_the_refresh_job_is_scheduled_every_five_minutes():
    entry = next(e for e in SCHEDULES if e["name"] == "integrations.refresh_tokens")
    assert entry["func"] == "integrations.tasks.refresh_expiring_channels"
    assert entry["schedule_type"] == "I" and entry["minutes"] == 5


def test_reconnecting_keeps_a_refresh_token_the_new_grant_lacks(org, make_channel):
    channel = make_channel(customer=None, posting_times=["07:00"])
    services.integration_connect(
        organization=org,
        provider_id="x",
        grant=Grant(credentials={"access_token": "fresh-access"}, scopes=["tweet.write"]),
        account=Account(external_id="2244994945", name="X Devs"),
    )
    channel.refresh_from_db()
    assert channel.credentials == {"access_token": "fresh-access", "refresh_token": X_REFRESH}
    assert channel.posting_times == ["07:00"]
    assert Integration.objects.count() == 1


def test_reconnecting_a_deleted_channel_brings_it_back(org, make_channel):
    channel = make_channel(deleted_at=timezone.now())
    _, created = services.integration_connect(
        organization=org,
        provider_id="x",
        grant=Grant(credentials={"access_token": "a"}),
        account=Account(external_id="2244994945", name="X"),
    )
    channel.refresh_from_db()
    assert created is False and channel.deleted_at is None
