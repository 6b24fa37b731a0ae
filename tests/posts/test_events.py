"""posts.events: who hears about an outcome, by bell, email and webhook.

An event is recorded with the change (``emit``, inside its transaction) and told after
the commit (organizations.events.dispatch), exactly once."""

import pytest
from django.core import mail

from integrations.models import Integration
from integrations.services import integration_set_status
from organizations import events as organization_events
from organizations.models import Event
from organizations.permissions import Role
from posts import events
from posts.models import Notification, Post, Webhook, WebhookDelivery
from posts.services import notifications
from posts.states import State
from tests.factories import ChannelFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db


def fail(post, message="Validation failed: Text character limit of 500 exceeded"):
    Post.objects.filter(pk=post.pk).update(
        state=State.FAILED, error_kind="content", error_message=message
    )


def webhook(org, *, events=("post.failed",), channels=(), url="http://127.0.0.1:9/hook"):
    hook = Webhook.objects.create(
        organization=org, name="Relay", url=url, events=list(events), secrets={"secret": "s3"}
    )
    hook.integrations.set(channels)
    return hook


def emit(event, post, message=""):
    """Record the event, then tell it, as after the change's commit."""
    events.emit(
        event,
        organization_id=post.organization_id,
        post_id=post.pk,
        integration_id=post.integration_id,
        message=message,
    )
    organization_events.dispatch_all()


def test_a_failed_post_rings_the_bell_of_every_member_and_no_outsider(
    mastodon, owner, editor, viewer, outsider
):
    post = PostFactory(
        integration=mastodon, items=["Spring sale starts today\nSecond line stays out"]
    )
    fail(post)
    emit(events.POST_FAILED, post)

    rows = Notification.objects.filter(post=post)
    expected = sorted([owner.pk, editor.pk, viewer.pk])
    assert sorted(rows.values_list("user_id", flat=True)) == expected
    assert not Notification.objects.filter(user=outsider).exists()
    note = rows.get(user=owner)
    assert note.title == "A post to Acme on Mastodon failed"
    assert "Spring sale starts today" in note.body and "Second line" not in note.body
    assert "character limit of 500" in note.body
    assert note.url == notifications.page_url("posts:failures", "acme")
    assert note.read_at is None


def test_failure_email_goes_at_once_to_publishers_who_asked_for_it(
    mastodon, owner, editor, viewer, django_capture_on_commit_callbacks
):
    editor.notify_failures = False
    editor.save()
    post = PostFactory(integration=mastodon, items=["Launch day"])
    fail(post, "The account is suspended.")
    with django_capture_on_commit_callbacks(execute=True):
        emit(events.POST_FAILED, post)

    # The viewer cannot fix a post, and the editor turned the email off.
    assert [m.to for m in mail.outbox] == [[owner.email]]
    message = mail.outbox[0]
    assert message.subject == "A post to Acme on Mastodon failed in Acme"
    assert "Launch day" in message.body and "The account is suspended." in message.body
    assert "http://" in message.body and "/o/acme/" in message.body
    assert Notification.objects.get(user=owner, post=post).emailed_at is not None


def test_the_email_job_run_twice_sends_each_failure_once(
    mastodon, owner, django_capture_on_commit_callbacks
):
    post = PostFactory(integration=mastodon, items=["Once"])
    fail(post)
    with django_capture_on_commit_callbacks(execute=True):
        emit(events.POST_UNCONFIRMED, post, "No answer from the server.")
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notifications.notifications_email(notification_ids=ids) == 0
    assert len(mail.outbox) == 1
    assert "may not have gone out" in mail.outbox[0].subject
    assert "before posting it again" in mail.outbox[0].body


def test_a_published_post_links_to_the_calendar_and_waits_for_the_digest_of_who_asked(
    mastodon, owner, editor, django_capture_on_commit_callbacks
):
    editor.notify_success_digest = True
    editor.save()
    post = PostFactory(integration=mastodon, items=["All good"])
    with django_capture_on_commit_callbacks(execute=True):
        emit(events.POST_PUBLISHED, post)

    assert mail.outbox == []  # successes are never emailed one by one
    mine = Notification.objects.get(user=editor, post=post)
    assert mine.kind == "post.published" and mine.url == "/o/acme/calendar/"
    assert mine.emailed_at is None  # waiting for the digest
    assert Notification.objects.get(user=owner, post=post).emailed_at is not None


def test_a_channel_needing_reconnection_rings_the_bell_and_webhooks_but_emails_once(
    mastodon, owner, django_capture_on_commit_callbacks
):
    hook = webhook(mastodon.organization, events=["channel.needs_reconnect"])
    with django_capture_on_commit_callbacks(execute=True):
        integration_set_status(
            integration=mastodon,
            status=Integration.Status.NEEDS_RECONNECT,
            error="The token was revoked.",
        )
    assert len(mail.outbox) == 1  # the channel's own email, not a second one
    note = Notification.objects.get(user=owner)
    assert note.kind == "channel.needs_reconnect"
    assert note.title == "Acme on Mastodon needs reconnecting"
    assert note.url == f"/o/acme/channels/{mastodon.pk}/"
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.payload["data"]["channel"]["id"] == str(mastodon.public_id)
    assert delivery.payload["data"]["error"]["message"] == "The token was revoked."


def test_webhooks_receive_only_their_events_and_channels(mastodon, telegram, owner):
    org = mastodon.organization
    failures = webhook(org, events=["post.failed"])
    telegram_only = webhook(org, events=["post.failed"], channels=[telegram])
    successes = webhook(org, events=["post.published"])
    paused = webhook(org, events=["post.failed"])
    paused.is_active = False
    paused.save()
    post = PostFactory(integration=mastodon, items=["hello"])
    fail(post)
    emit(events.POST_FAILED, post)

    delivery = WebhookDelivery.objects.get()
    assert delivery.webhook == failures
    assert not WebhookDelivery.objects.filter(webhook__in=[telegram_only, successes]).exists()
    payload = delivery.payload
    assert payload["event"] == "post.failed" and payload["id"] == str(delivery.event_id)
    assert payload["organization"] == {"id": org.pk, "slug": "acme"}
    assert payload["created_at"].endswith("Z")
    data = payload["data"]
    assert data["post"] == str(post.public_id) and data["group"] == str(post.group.public_id)
    assert data["channel"] == {
        "id": str(mastodon.public_id),
        "provider": "mastodon",
        "name": "Acme on Mastodon",
    }
    assert data["state"] == "failed"
    assert data["error"] == {"kind": "content", "message": post_error(post)}


def post_error(post):
    return Post.objects.get(pk=post.pk).error_message


def test_a_post_of_another_organization_tells_no_one(mastodon, owner, outsider):
    post = PostFactory(integration=mastodon, items=["secret"])
    other_org = outsider.memberships.get().organization
    events.emit(events.POST_FAILED, organization_id=other_org.pk, post_id=post.pk)
    organization_events.dispatch_all()
    assert (
        not Notification.objects.exists()
        and not Notification.objects.filter(user=outsider).exists()
    )


def test_an_event_that_cannot_be_told_is_logged_and_never_holds_back_the_others(
    mastodon, owner, monkeypatch, caplog
):
    first, second = (
        PostFactory(integration=mastodon, items=["first"]),
        PostFactory(integration=mastodon, items=["second"]),
    )
    real = notifications.notifications_record_many

    def broken_for_first(*, outcomes):
        if any(outcome.post_id == first.pk for outcome in outcomes):
            raise RuntimeError("database went away")
        return real(outcomes=outcomes)

    monkeypatch.setattr(notifications, "notifications_record_many", broken_for_first)
    events.emit(events.POST_FAILED, organization_id=mastodon.organization_id, post_id=first.pk)
    events.emit(events.POST_FAILED, organization_id=mastodon.organization_id, post_id=second.pk)
    assert organization_events.dispatch_all() == 2
    assert list(Notification.objects.values_list("post_id", flat=True)) == [second.pk]
    assert "could not be told" in caplog.text
    assert not Event.objects.filter(dispatched_at=None).exists()  # never retried forever


def test_an_event_is_told_exactly_once_however_often_dispatch_runs(mastodon, owner):
    post = PostFactory(integration=mastodon, items=["once"])
    fail(post)
    emit(events.POST_FAILED, post)
    assert organization_events.dispatch_all() == 0
    assert Notification.objects.filter(post=post).count() == 1


def test_an_event_recorded_in_a_transaction_that_rolls_back_is_never_told(mastodon, owner):
    from django.db import transaction

    post = PostFactory(integration=mastodon, items=["rolled back"])
    try:
        with transaction.atomic():
            events.emit(
                events.POST_FAILED, organization_id=mastodon.organization_id, post_id=post.pk
            )
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert organization_events.dispatch_all() == 0
    assert not Notification.objects.exists()


def test_emit_for_one_event_with_five_members_and_two_webhooks_makes_few_queries(
    mastodon, owner, django_assert_max_num_queries
):
    org = mastodon.organization
    for role in (Role.ADMIN, Role.EDITOR, Role.EDITOR, Role.VIEWER):
        MembershipFactory(organization=org, role=role)
    webhook(org)
    webhook(org)
    post = PostFactory(integration=mastodon, items=["measured"])
    fail(post)
    with django_assert_max_num_queries(1):  # recorded with the change: one INSERT
        events.emit(events.POST_FAILED, organization_id=org.pk, post_id=post.pk)
    # Claim the event, fetch the post, members, insert notifications, find webhooks,
    # insert deliveries, mark it told: 7, and inside the test's transaction 4 savepoints
    # around them. The sends are enqueued after commit.
    with django_assert_max_num_queries(11):
        organization_events.dispatch_all()
    assert Notification.objects.count() == 5
    assert WebhookDelivery.objects.count() == 2


def test_a_batch_of_published_posts_is_told_in_a_handful_of_queries(
    mastodon, telegram, owner, editor, outsider, django_assert_max_num_queries
):
    org = mastodon.organization
    other_org = outsider.memberships.get().organization
    theirs = ChannelFactory(
        organization=other_org, provider="mastodon", external_id="9", name="Theirs"
    )
    everything = webhook(org, events=["post.published"])
    telegram_only = webhook(org, events=["post.published"], channels=[telegram])
    other_hook = webhook(other_org, events=["post.published"])
    ours = [PostFactory(integration=mastodon, items=[f"m{n}"]) for n in range(10)] + [
        PostFactory(integration=telegram, items=["t"])
    ]
    foreign = [PostFactory(integration=theirs, items=["f"])]
    Post.objects.update(state=State.PUBLISHED)

    with django_assert_max_num_queries(2):  # read the posts' tenants, one INSERT
        events.emit_many(events.POST_PUBLISHED, post_ids=[p.pk for p in ours + foreign])
    with django_assert_max_num_queries(11):  # as for one event, for the whole batch
        organization_events.dispatch_all()

    # Each post told to the members of its own organization only.
    assert Notification.objects.filter(organization=org).count() == 11 * 2
    assert set(Notification.objects.filter(organization=org).values_list("user", flat=True)) == {
        owner.pk,
        editor.pk,
    }
    assert list(
        Notification.objects.filter(organization=other_org).values_list("user", flat=True)
    ) == [outsider.pk]
    assert WebhookDelivery.objects.filter(webhook=everything).count() == 11
    assert WebhookDelivery.objects.filter(webhook=telegram_only).count() == 1
    assert WebhookDelivery.objects.filter(webhook=other_hook).count() == 1
    # One event per post, shared by the webhooks that hear it.
    assert WebhookDelivery.objects.values("event_id").distinct().count() == 12
    told = WebhookDelivery.objects.get(webhook=other_hook).payload
    assert (
        told["organization"]["id"] == other_org.pk and told["data"]["channel"]["name"] == "Theirs"
    )
