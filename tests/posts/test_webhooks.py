"""Outgoing webhooks: signed deliveries to a real local receiver, retries, the SSRF guard,
and the pages that manage them."""

import hashlib
import hmac
import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from werkzeug import Response

from organizations import events as organization_events
from organizations.models import AuditEvent
from posts import engine, events
from posts.models import Post, Webhook, WebhookDelivery
from posts.services import webhooks as services
from posts.states import State
from tests.factories import MembershipFactory, PostFactory
from tests.posts.helpers import status

pytestmark = pytest.mark.django_db

SECRET = "whsec-test-secret"


def make_hook(org, url, *, events=("post.published", "post.failed"), channels=()):
    hook = Webhook.objects.create(
        organization=org, name="Relay", url=url, events=list(events), secrets={"secret": SECRET}
    )
    hook.integrations.set(channels)
    return hook


def verify(secret: str, headers, body: bytes) -> bool:
    """The check a receiver makes, as the README tells them (word for word)."""
    signed = headers["X-Postiz-Timestamp"].encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Postiz-Signature"])


def due(delivery):
    """Time passes until the next attempt."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def fresh(delivery):
    return WebhookDelivery.objects.get(pk=delivery.pk)


def fail(post):
    Post.objects.filter(pk=post.pk).update(
        state=State.FAILED, error_kind="content", error_message="Text too long"
    )


def emit_failed(post):
    """The post failed: its event is recorded, then told (as after the commit)."""
    events.emit(
        events.POST_FAILED,
        organization_id=post.organization_id,
        post_id=post.pk,
        integration_id=post.integration_id,
    )
    organization_events.dispatch_all()


# -- Sending ----------------------------------------------------------------------------
def test_a_delivery_is_a_signed_json_post_the_receiver_can_verify(
    mastodon, httpserver, django_capture_on_commit_callbacks
):
    received = []

    def receiver(request):
        received.append((dict(request.headers), request.get_data()))
        return Response("thanks", status=200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["Summer is here"])
    fail(post)
    with django_capture_on_commit_callbacks(execute=True):
        emit_failed(post)

    assert len(received) == 1
    headers, body = received[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"].startswith("Postiz-Webhooks/")
    assert headers["X-Postiz-Event"] == "post.failed"
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert headers["X-Postiz-Event-Id"] == str(delivery.event_id)
    assert abs(int(headers["X-Postiz-Timestamp"]) - timezone.now().timestamp()) < 60
    assert verify(SECRET, headers, body)
    assert not verify("another-secret", headers, body)
    payload = json.loads(body)
    assert payload["id"] == str(delivery.event_id) and payload["event"] == "post.failed"
    assert payload["organization"]["slug"] == "acme"
    assert payload["data"]["post"] == str(post.public_id)
    assert payload["data"]["error"]["message"] == "Text too long"
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 1, 200)
    assert delivery.response_excerpt == "thanks" and delivery.delivered_at is not None


def test_a_receiver_error_is_retried_with_backoff_and_the_same_event_id(mastodon, httpserver):
    answers = iter([("busy", 500), ("still busy", 503), ("ok", 204)])
    seen = []

    def receiver(request):
        seen.append(request.headers["X-Postiz-Event-Id"])
        text, code = next(answers)
        return Response(text, status=code)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    emit_failed(post)
    delivery = WebhookDelivery.objects.get()

    assert services.delivery_send(delivery_id=delivery.pk) == "pending"
    delivery = fresh(delivery)
    assert (delivery.attempts, delivery.status_code) == (1, 500)
    assert delivery.response_excerpt == "busy" and delivery.error == "HTTP 500."
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    assert services.deliveries_send_due() == 0  # not due yet

    due(delivery)
    assert services.deliveries_send_due() == 1
    delivery = fresh(delivery)
    assert (delivery.attempts, delivery.status_code) == (2, 503)
    assert timedelta(minutes=4) < delivery.next_attempt_at - timezone.now() <= timedelta(minutes=5)

    due(delivery)
    assert services.deliveries_send_due() == 1
    delivery = fresh(delivery)
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 3, 204)
    assert len(set(seen)) == 1 and len(seen) == 3


def test_a_delivery_fails_after_its_last_attempt(mastodon, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("nope", status=500)
    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    emit_failed(post)
    delivery = WebhookDelivery.objects.get(webhook=hook)
    for _ in range(services.MAX_ATTEMPTS):
        due(delivery)
        services.deliveries_send_due()
    delivery = fresh(delivery)
    assert (delivery.state, delivery.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert delivery.next_attempt_at is None
    due(delivery)
    assert services.deliveries_send_due() == 0  # never sent again by itself
    assert len(httpserver.log) == services.MAX_ATTEMPTS


def test_redirects_are_not_followed(mastodon, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
    )
    make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    emit_failed(post)
    delivery = WebhookDelivery.objects.get()
    services.delivery_send(delivery_id=delivery.pk)
    delivery = fresh(delivery)
    assert delivery.status_code == 302 and delivery.error == "Redirects are not followed."
    assert delivery.state == "pending"


def test_an_unreachable_receiver_is_recorded_and_retried(mastodon):
    make_hook(mastodon.organization, "http://127.0.0.1:9/hook")  # nothing listens
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    emit_failed(post)
    delivery = WebhookDelivery.objects.get()
    services.delivery_send(delivery_id=delivery.pk)
    delivery = fresh(delivery)
    assert delivery.state == "pending" and delivery.status_code is None
    assert delivery.error.startswith("Could not connect")


def test_a_claimed_delivery_is_not_sent_twice(mastodon, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    emit_failed(post)
    delivery = WebhookDelivery.objects.get()
    assert services.delivery_send(delivery_id=delivery.pk) == "delivered"
    assert services.delivery_send(delivery_id=delivery.pk) is None  # the task ran twice
    assert services.deliveries_send_due() == 0
    assert len(httpserver.log) == 1


def test_a_rotated_secret_signs_the_next_request(mastodon, httpserver):
    captured = []
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: (
            captured.append((dict(request.headers), request.get_data())) or Response("ok")
        )
    )
    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"))
    new = services.webhook_rotate_secret(webhook=hook)
    assert new != SECRET and len(new) >= 40
    services.webhook_send_test(webhook=Webhook.objects.get(pk=hook.pk))
    headers, body = captured[0]
    assert verify(new, headers, body) and not verify(SECRET, headers, body)


def test_the_engine_publishing_a_post_tells_the_webhook(
    mastodon, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_json(
        status("42", "Hello from the engine")
    )
    received = []

    def receiver(request):
        received.append((dict(request.headers), request.get_data()))
        return Response("ok")

    httpserver.expect_request("/hook", method="POST").respond_with_handler(receiver)
    make_hook(mastodon.organization, httpserver.url_for("/hook"), events=["post.published"])
    post = PostFactory(integration=mastodon, items=["Hello from the engine"])
    assert engine.claim_due() == [post.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.publish_post(post.pk).state == State.PUBLISHED

    assert len(received) == 1
    headers, body = received[0]
    assert headers["X-Postiz-Event"] == "post.published" and verify(SECRET, headers, body)
    data = json.loads(body)["data"]
    assert data["state"] == "published"
    assert data["url"] == "https://social.example/@acme/42"
    assert data["published_at"].endswith("Z") and data["error"] is None
    assert data["channel"]["provider"] == "mastodon"


# -- The SSRF guard ---------------------------------------------------------------------
PRIVATE = [
    "https://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.0.0.1/hook",
    "https://[::1]/hook",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_address_is_refused_when_saving(org, owner, settings, url):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(organization=org, name="x", url=url, events=["post.failed"])
    assert "private or local address" in str(refused.value.message_dict["url"])
    assert not Webhook.objects.exists()


def test_an_unknown_event_is_refused_with_the_ones_there_are(org):
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(
            organization=org,
            name="x",
            url="https://hooks.example/x",
            events=["post.published", "post.publishd"],
        )
    message = refused.value.message_dict["events"][0]
    assert message.startswith("Unknown event post.publishd: choose from post.published,")
    assert not Webhook.objects.exists()


def test_plain_http_is_refused_in_production(org, settings):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError) as refused:
        services.webhook_create(
            organization=org, name="x", url="http://hooks.example/x", events=["post.failed"]
        )
    assert refused.value.message_dict["url"] == ["Use an https:// address."]


@pytest.mark.parametrize("url", PRIVATE)
def test_a_private_address_is_refused_when_sending(mastodon, settings, httpserver, url):
    hook = make_hook(mastodon.organization, url)
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    emit_failed(post)
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert services.delivery_send(delivery_id=delivery.pk) == "failed"
    delivery = fresh(delivery)
    assert "private or local address" in delivery.error and delivery.status_code is None


def test_the_form_shows_the_refusal(org, owner, settings, client_for):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    response = client_for(owner).post(
        "/o/acme/settings/webhooks/new/",
        {"name": "Metadata", "url": "https://169.254.169.254/", "events": ["post.failed"]},
    )
    assert response.status_code == 400
    assert "points to a private or local address" in response.content.decode()
    assert not Webhook.objects.exists()


# -- Pages ------------------------------------------------------------------------------
LIST = "/o/acme/settings/webhooks/"


def test_an_admin_creates_a_webhook_for_some_events_and_channels(
    org, admin, mastodon, telegram, client_for
):
    response = client_for(admin).post(
        LIST + "new/",
        {
            "name": "Chat relay",
            "url": "https://hooks.example/postiz",
            "events": ["post.failed", "post.missed"],
            "integrations": [telegram.pk],
        },
    )
    hook = Webhook.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{hook.public_id}/"
    assert hook.events == ["post.failed", "post.missed"]
    assert list(hook.integrations.all()) == [telegram]
    assert len(hook.secrets["secret"]) >= 40 and hook.created_by == admin
    assert AuditEvent.objects.filter(action="webhook.created").exists()
    page = client_for(admin).get(response["Location"]).content.decode()
    assert hook.secrets["secret"] in page and "Nothing sent yet" in page


def test_a_webhook_without_events_is_refused_and_the_input_kept(org, owner, client_for):
    response = client_for(owner).post(
        LIST + "new/", {"name": "Half done", "url": "https://hooks.example/x"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Pick at least one event to receive." in body
    assert 'value="https://hooks.example/x"' in body and 'value="Half done"' in body


def test_editing_keeps_the_secret_and_can_pause(org, owner, client_for):
    hook = make_hook(org, "https://hooks.example/a")
    response = client_for(owner).post(
        f"{LIST}{hook.public_id}/",
        {"name": "Renamed", "url": "https://hooks.example/b", "events": ["post.published"]},
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.url, hook.events, hook.is_active) == (
        "Renamed",
        "https://hooks.example/b",
        ["post.published"],
        False,
    )
    assert hook.secrets["secret"] == SECRET


def test_rotating_the_secret_from_the_page(org, owner, client_for):
    hook = make_hook(org, "https://hooks.example/a")
    response = client_for(owner).post(f"{LIST}{hook.public_id}/secret/")
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.secrets["secret"] != SECRET


def test_deleting_a_webhook(org, owner, client_for):
    hook = make_hook(org, "https://hooks.example/a")
    response = client_for(owner).post(f"{LIST}{hook.public_id}/delete/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert not Webhook.objects.exists()


def test_send_test_shows_the_receivers_answer(org, owner, httpserver, client_for):
    httpserver.expect_request("/hook", method="POST").respond_with_data(
        '{"received": true}', status=202
    )
    hook = make_hook(org, httpserver.url_for("/hook"))
    response = client_for(owner).post(f"{LIST}{hook.public_id}/test/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Delivered." in body and "HTTP 202" in body and "received" in body
    request, _ = httpserver.log[0]
    assert request.headers["X-Postiz-Event"] == "webhook.test"
    assert json.loads(request.get_data())["data"]["webhook"]["name"] == "Relay"


def test_a_failed_test_says_why_and_is_not_retried(org, owner, httpserver, client_for):
    httpserver.expect_request("/hook", method="POST").respond_with_data("bad secret", status=401)
    hook = make_hook(org, httpserver.url_for("/hook"))
    response = client_for(owner).post(f"{LIST}{hook.public_id}/test/", follow=True)
    assert "Test not delivered (HTTP 401): HTTP 401." in response.content.decode()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed" and delivery.next_attempt_at is None


def test_the_log_shows_each_delivery_in_my_zone_and_a_failed_one_can_be_sent_again(
    org, owner, client_for, django_capture_on_commit_callbacks, httpserver
):
    owner.timezone = "Asia/Kolkata"
    owner.save()
    hook = make_hook(org, httpserver.url_for("/hook"))
    failed = WebhookDelivery.objects.create(
        webhook=hook,
        event="post.failed",
        event_id="6f1c1b7e-5d1a-4c53-9d3e-0a8f4b7f2a11",
        payload={"id": "6f1c1b7e-5d1a-4c53-9d3e-0a8f4b7f2a11", "event": "post.failed"},
        state="failed",
        attempts=services.MAX_ATTEMPTS,
        status_code=500,
        response_excerpt="Internal Server Error",
        error="HTTP 500.",
        created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
    )
    page = client_for(owner).get(f"{LIST}{hook.public_id}/").content.decode()
    last = services.MAX_ATTEMPTS
    assert "Internal Server Error" in page and f"{last} of {last}" in page
    assert "Asia/Kolkata" in page and "1 Mar 2026, 17:30:00" in page

    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(
            f"{LIST}{hook.public_id}/deliveries/{failed.pk}/redeliver/"
        )
    assert response.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert str(again.event_id) == str(failed.event_id) and again.state == "delivered"
    request, _ = httpserver.log[0]
    assert request.headers["X-Postiz-Event-Id"] == str(failed.event_id)


def test_the_log_is_paginated(org, owner, client_for):
    hook = make_hook(org, "https://hooks.example/a")
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=hook, event="post.published", event_id=f"{n:032x}", payload={})
        for n in range(30)
    )
    page = client_for(owner).get(f"{LIST}{hook.public_id}/").content.decode()
    assert "Page 1 of 2 · 30 deliveries" in page
    second = client_for(owner).get(f"{LIST}{hook.public_id}/?page=2", HTTP_HX_REQUEST="true")
    assert second.content.decode().count("<tr>") == 1 + 5  # header + the last five


def test_the_list_shows_the_last_delivery_with_few_queries(
    org, owner, client_for, django_assert_max_num_queries, mastodon
):
    for n in range(6):
        hook = make_hook(org, f"https://hooks.example/{n}", channels=[mastodon])
        WebhookDelivery.objects.create(
            webhook=hook, event="post.failed", event_id=f"{n:032x}", payload={}, status_code=410
        )
    client = client_for(owner)
    # Session, user, membership, bell, nav, webhooks with their last delivery, channels;
    # the first visit also saves the session (3). The same for 6 webhooks or 60.
    with django_assert_max_num_queries(10):
        page = client.get(LIST).content.decode()
    assert page.count("HTTP 410") == 6 and page.count("Acme on Mastodon") == 6


def test_the_list_has_an_empty_state(org, owner, client_for):
    assert "No webhooks yet" in client_for(owner).get(LIST).content.decode()


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_cannot_manage_webhooks(org, role, client_for):
    user = MembershipFactory(organization=org, role=role).user
    hook = make_hook(org, "https://hooks.example/a")
    client = client_for(user)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{hook.public_id}/").status_code == 403
    assert client.post(f"{LIST}{hook.public_id}/delete/").status_code == 403
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_another_organizations_webhook_is_not_found(org, owner, outsider, client_for):
    theirs = make_hook(outsider.memberships.get().organization, "https://hooks.example/t")
    client = client_for(owner)
    assert client.get(f"{LIST}{theirs.public_id}/").status_code == 404
    assert client.post(f"{LIST}{theirs.public_id}/test/").status_code == 404
    assert client.post(f"{LIST}{theirs.public_id}/delete/").status_code == 404
    assert client.get(f"{LIST}not-a-uuid/").status_code == 404
    assert Webhook.objects.filter(pk=theirs.pk).exists()


def test_outsiders_get_404_on_our_webhook(org, owner, outsider, client_for):
    hook = make_hook(org, "https://hooks.example/a")
    assert client_for(outsider).get(f"{LIST}{hook.public_id}/").status_code == 404


# -- Several workers --------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_delivery_another_worker_holds_is_skipped_not_sent_twice(mastodon, httpserver):
    import threading

    from django.db import connection, transaction

    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"))
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        event="post.failed",
        event_id="0b6f2f5e-1c55-4a4c-9a0e-3d9f6b1f7c21",
        payload={"event": "post.failed"},
        next_attempt_at=timezone.now(),
    )
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(10)
        assert services.deliveries_send_due() == 0  # skipped at once, not waited for
        assert services.delivery_send(delivery_id=delivery.pk) is None
    finally:
        release.set()
        thread.join()
    assert httpserver.log == []
    assert services.deliveries_send_due() == 1
    assert fresh(delivery).state == "delivered" and len(httpserver.log) == 1


# -- Deletions and receivers that stay down -------------------------------------------------
def test_deleting_a_scheduled_post_tells_the_webhook_but_not_the_bell(
    mastodon, owner, httpserver, django_capture_on_commit_callbacks
):
    from posts.models import Notification
    from posts.services.groups import post_group_delete

    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"), events=["post.deleted"])
    post = PostFactory(
        integration=mastodon, items=["Never mind"], publish_at=timezone.now() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_group_delete(group=post.group, actor=owner)

    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.event == "post.deleted"
    data = delivery.payload["data"]
    assert data["post"] == str(post.public_id) and data["state"] == "cancelled"
    assert data["error"] is None
    assert not Notification.objects.exists()


def test_cancelling_one_post_through_the_api_is_a_deletion_too(
    mastodon, owner, httpserver, django_capture_on_commit_callbacks
):
    from posts.services.reschedule import post_cancel

    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"), events=["post.deleted"])
    published_hook = make_hook(mastodon.organization, httpserver.url_for("/other"))
    post = PostFactory(
        integration=mastodon, items=["Not this one"], publish_at=timezone.now() + timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_cancel(post=post, actor=owner)
    assert WebhookDelivery.objects.get(webhook=hook).payload["data"]["post"] == str(post.public_id)
    assert not WebhookDelivery.objects.filter(webhook=published_hook).exists()


def _exhaust(delivery):
    for _ in range(services.MAX_ATTEMPTS):
        due(delivery)
        services.deliveries_send_due()


def test_a_webhook_whose_receiver_stays_down_is_turned_off_and_the_team_told(
    mastodon, owner, httpserver, settings
):
    from posts.models import Notification

    settings.POSTIZ_WEBHOOK_DISABLE_AFTER = 2
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=503)
    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)

    emit_failed(post)
    _exhaust(WebhookDelivery.objects.get(webhook=hook))
    hook.refresh_from_db()
    assert hook.is_active  # one failed delivery is not a run
    emit_failed(post)
    _exhaust(WebhookDelivery.objects.filter(webhook=hook).latest("id"))

    hook.refresh_from_db()
    assert not hook.is_active
    note = Notification.objects.get(user=owner, kind=Notification.Kind.INFO)
    assert note.title == "Webhook Relay was turned off"
    assert "The last 2 events sent to" in note.body and "turn it back on" in note.body
    assert note.url == f"/o/{hook.organization.slug}/settings/webhooks/{hook.public_id}/"
    assert AuditEvent.objects.filter(action="webhook.turned_off").count() == 1
    # Nothing more is sent while it is off.
    sent = len(httpserver.log)
    emit_failed(post)
    due(WebhookDelivery.objects.filter(webhook=hook).latest("id"))
    assert services.deliveries_send_due() == 0
    assert len(httpserver.log) == sent


def test_a_success_in_between_keeps_the_webhook_on(mastodon, httpserver, settings):
    settings.POSTIZ_WEBHOOK_DISABLE_AFTER = 2
    answers = iter([503] * services.MAX_ATTEMPTS + [200] + [503] * services.MAX_ATTEMPTS)
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: Response("", status=next(answers))
    )
    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    for _ in range(3):
        emit_failed(post)
        _exhaust(WebhookDelivery.objects.filter(webhook=hook).latest("id"))
    hook.refresh_from_db()
    assert hook.is_active
    assert list(
        WebhookDelivery.objects.filter(webhook=hook).order_by("id").values_list("state", flat=True)
    ) == ["failed", "delivered", "failed"]


def test_the_api_contracts_event_name_is_taken_for_ours(org):
    hook = services.webhook_create(
        organization=org,
        actor=None,
        name="Relay",
        url="https://hooks.example.com/x",
        events=["channel.refresh_needed", "post.deleted"],
    )
    assert hook.events == ["post.deleted", "channel.needs_reconnect"]
    body = services.envelope(event="post.deleted", event_id="1", organization=org, data={})
    assert body["type"] == body["event"] == "post.deleted"


def test_deleting_a_channel_tells_the_webhook_about_each_post_it_stopped(
    mastodon, owner, httpserver, django_capture_on_commit_callbacks
):
    from integrations.services import integration_delete

    hook = make_hook(mastodon.organization, httpserver.url_for("/hook"), events=["post.deleted"])
    waiting = PostFactory(
        integration=mastodon, items=["Tomorrow"], publish_at=timezone.now() + timedelta(days=1)
    )
    out = PostFactory(integration=mastodon, items=["Already out"], state=State.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        integration_delete(integration=mastodon, actor=owner)

    [delivery] = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.payload["data"]["post"] == str(waiting.public_id)
    assert str(out.public_id) not in json.dumps(delivery.payload)


# -- One sending job, fair between organizations --------------------------------------------
def _delivery(hook, n=0):
    return WebhookDelivery.objects.create(
        webhook=hook,
        event="post.failed",
        event_id=uuid.uuid4(),
        payload={"n": n},
        next_attempt_at=timezone.now() - timedelta(seconds=1),
    )


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_of_one_team_never_holds_back_another_teams_webhooks(
    mastodon, outsider, httpserver, settings
):
    settings.POSTIZ_WEBHOOK_ORG_CONCURRENCY = 2
    release = threading.Event()
    lock = threading.Lock()
    in_flight, most = [0], [0]

    def slow(_request):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        release.wait(10)
        with lock:
            in_flight[0] -= 1

    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(slow))  # answers in parallel
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    httpserver.expect_request("/fast", method="POST").respond_with_data("ok")
    slow_url = f"http://127.0.0.1:{receiver.server_address[1]}/slow"
    slow_hook = make_hook(mastodon.organization, slow_url)
    slow_ones = [_delivery(slow_hook, n) for n in range(6)]
    other = outsider.memberships.get().organization
    fast = _delivery(make_hook(other, httpserver.url_for("/fast")))

    sender = threading.Thread(target=_sending_job, kwargs={"seconds": 5, "concurrency": 4})
    sender.start()
    try:
        for _ in range(200):
            if fresh(fast).state == "delivered":
                break
            threading.Event().wait(0.02)
        # The other team's webhook went out while the slow receiver held its requests,
        # and the slow team never had more than its share in flight.
        assert fresh(fast).state == "delivered"
        assert most[0] == 2
    finally:
        release.set()
        sender.join(20)
        receiver.shutdown()
    assert {fresh(d).state for d in slow_ones} == {"delivered"}
    assert most[0] == 2


def _sending_job(**kwargs):
    """The sending job, as a worker process runs it (with a connection of its own)."""
    try:
        services.deliveries_send_due(**kwargs)
    finally:
        connection.close()


def _handler_for(answer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer(self)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    return Handler


@pytest.mark.django_db(transaction=True)
def test_only_one_sending_job_runs_at_a_time(mastodon, httpserver):
    release = threading.Event()
    httpserver.expect_request("/hook", method="POST").respond_with_handler(
        lambda request: release.wait(10) and Response("ok")
    )
    delivery = _delivery(make_hook(mastodon.organization, httpserver.url_for("/hook")))
    first = threading.Thread(target=_sending_job, kwargs={"concurrency": 2})
    first.start()
    try:
        for _ in range(200):
            if httpserver.log:
                break
            threading.Event().wait(0.02)
        _delivery(delivery.webhook, 1)
        assert services.deliveries_send_due(concurrency=2) == 0  # returns at once
    finally:
        release.set()
        first.join(20)
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_many_deliveries_of_one_change_start_one_sending_job(
    mastodon, httpserver, monkeypatch, django_capture_on_commit_callbacks
):
    started = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda name, *a, **k: started.append(name))
    for n in range(3):
        make_hook(mastodon.organization, httpserver.url_for(f"/hook{n}"))
    post = PostFactory(integration=mastodon, items=["x"])
    fail(post)
    with django_capture_on_commit_callbacks(execute=True):
        events.emit(events.POST_FAILED, organization_id=post.organization_id, post_id=post.pk)
    assert WebhookDelivery.objects.count() == 3
    assert started == ["posts.tasks.deliver_webhooks"]
