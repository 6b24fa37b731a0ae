"""Every path that schedules a post respects approvals: reschedule, retry (and "post
now" of a missed post), the queue, repeats, the sweep that holds posts due in review,
and the pages (composer, calendar, failures, settings)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Customer
from organizations.models import AuditEvent, Organization
from posts import repeats, sweep
from posts.models import Notification, Post, PostGroup, ReviewEvent, ReviewState
from posts.services.approvals import review_approve, reviews_waiting
from posts.services.groups import ChannelInput, ItemInput, next_free_slot, post_group_create
from posts.services.reschedule import post_reschedule, post_retry
from posts.states import State
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(org):
    org.approval_mode = "internal"
    org.save()
    return ChannelFactory(organization=org, name="Acme on Mastodon", posting_times=["09:00"])


def write(org, author, channel, *, action="schedule", at=None, **extra):
    return post_group_create(
        organization=org,
        actor=author,
        content=[ItemInput("Launch day")],
        channels=[ChannelInput(channel.pk)],
        action=action,
        publish_at=at if at is not None else timezone.now() + timedelta(hours=2),
        **extra,
    )


def test_retrying_a_missed_post_of_a_channel_that_now_needs_approval_waits_for_it(channel, owner):
    missed = PostFactory(integration=channel, items=["hi"], state=State.MISSED)
    post_retry(post=missed, actor=owner)
    missed.refresh_from_db()
    assert (missed.state, missed.review_state) == (State.REVIEW, ReviewState.NEEDS_REVIEW)
    assert ReviewEvent.objects.filter(group=missed.group, action="submitted").exists()


def test_retrying_an_approved_failed_post_sends_it_again(channel, owner):
    failed = PostFactory(
        integration=channel, items=["hi"], state=State.FAILED, review_state="approved"
    )
    post_retry(post=failed, actor=owner)
    failed.refresh_from_db()
    assert failed.state == State.SCHEDULED and failed.retry_at is not None


def test_rescheduling_a_post_in_review_keeps_it_waiting(channel, editor, owner):
    group = write(channel.organization, editor, channel)
    post = Post.objects.get(group=group)
    later = timezone.now() + timedelta(days=2)
    post_reschedule(post=post, actor=owner, publish_at=later)
    post.refresh_from_db()
    assert (post.state, post.publish_at) == (State.REVIEW, later)


def test_rescheduling_an_approved_post_keeps_its_approval(channel, editor, owner):
    group = write(channel.organization, editor, channel)
    review_approve(group=group, actor=owner)
    post = Post.objects.get(group=group)
    post_reschedule(post=post, actor=owner, publish_at=timezone.now() + timedelta(days=2))
    post.refresh_from_db()
    assert (post.state, post.review_state) == (State.SCHEDULED, ReviewState.APPROVED)


def test_the_queue_waits_for_approval_and_a_waiting_post_keeps_its_slot(channel, editor):
    first = Post.objects.get(group=write(channel.organization, editor, channel, action="queue"))
    assert first.state == State.REVIEW
    second = next_free_slot(organization=channel.organization, integrations=[channel])
    assert second > first.publish_at  # the slot of the post waiting for approval is taken


def _repeating(org, author, channel, approve_with=None):
    group = write(
        org,
        author,
        channel,
        at=timezone.now() + timedelta(minutes=30),
        repeat_every=1,
        repeat_unit="day",
    )
    if approve_with is not None:
        review_approve(group=group, actor=approve_with)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(minutes=1))
    return group


def test_an_approved_series_keeps_its_approval_for_later_occurrences(channel, editor, owner):
    root = _repeating(channel.organization, editor, channel, approve_with=owner)
    assert repeats.repeats_create_due(now=timezone.now()) == 1
    occurrence = Post.objects.get(group__repeat_of=root)
    assert (occurrence.state, occurrence.review_state) == (State.SCHEDULED, "approved")


def test_an_unapproved_series_occurrence_waits_for_approval(channel, editor, owner):
    root = _repeating(channel.organization, editor, channel)
    assert repeats.repeats_create_due(now=timezone.now()) == 1
    occurrence = Post.objects.get(group__repeat_of=root)
    assert (occurrence.state, occurrence.review_state) == (State.REVIEW, "needs_review")
    assert occurrence.group in reviews_waiting(organization=channel.organization)


def test_the_sweep_holds_a_post_due_in_review_and_never_publishes_it(channel, editor, owner):
    group = write(channel.organization, editor, channel)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(hours=1))
    told = sweep.sweep()
    assert told["held"] == 1 and told["missed"] == 0
    post = Post.objects.get(group=group)
    assert post.state == State.REVIEW
    assert sweep.sweep()["held"] == 0
    assert Notification.objects.filter(kind="post.review_held", user=owner).count() == 1
    assert AuditEvent.objects.filter(action="post.review_held").count() == 1


# -- Pages ----------------------------------------------------------------------------------
def test_the_failures_page_shows_a_held_post_as_waiting_for_approval(
    channel, editor, owner, client_for
):
    group = write(channel.organization, editor, channel)
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(hours=1))
    page = client_for(owner).get(f"/o/{channel.organization.slug}/failures/").content.decode()
    assert "Waiting for approval" in page and "it was not published" in page
    assert 'name="retry_one"' not in page


def test_the_calendar_shows_a_post_waiting_for_approval(channel, editor, owner, client_for):
    group = write(channel.organization, editor, channel)
    post = Post.objects.get(group=group)
    day = post.publish_at.date().isoformat()
    page = client_for(owner).get(f"/o/{channel.organization.slug}/calendar/?view=week&date={day}")
    assert page.status_code == 200
    assert "Waiting for approval" in page.content.decode()


def test_the_composer_says_a_channel_needs_approval(channel, editor, client_for):
    page = (
        client_for(editor)
        .get(f"/o/{channel.organization.slug}/posts/new/?channel={channel.pk}")
        .content.decode()
    )
    assert "Submit for approval" in page and "Needs approval" in page


def test_the_composer_schedules_as_before_without_approvals(org, editor, client_for):
    plain = ChannelFactory(organization=org)
    page = client_for(editor).get(f"/o/{org.slug}/posts/new/?channel={plain.pk}").content
    assert b"Submit for approval" not in page and b">Schedule<" in page


def test_an_owner_sets_the_approval_mode_and_it_is_audited(org, owner, client_for):
    response = client_for(owner).post(
        f"/o/{org.slug}/settings/",
        {
            "section": "approvals",
            "approval_mode": "internal_client",
            "allow_self_approval": "on",
            "review_reminder_hours": "6",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.approval_mode, org.allow_self_approval, org.review_reminder_hours) == (
        "internal_client",
        True,
        6,
    )
    assert AuditEvent.objects.filter(action="organization.approvals_updated").exists()


def test_an_editor_cannot_change_the_approval_mode(org, editor, client_for):
    response = client_for(editor).post(
        f"/o/{org.slug}/settings/",
        {"section": "approvals", "approval_mode": "none", "review_reminder_hours": "1"},
    )
    assert response.status_code == 403
    assert Organization.objects.get(pk=org.pk).approval_mode == "none"


def test_an_outsider_cannot_change_the_approval_mode(org, outsider, client_for):
    response = client_for(outsider).post(
        f"/o/{org.slug}/settings/", {"section": "approvals", "approval_mode": "internal"}
    )
    assert response.status_code == 404


def test_a_customer_overrides_the_organizations_mode(org, admin, editor, outsider, client_for):
    client = Customer.objects.create(organization=org, name="Client A")
    url = f"/o/{org.slug}/channels/customers/{client.pk}/approvals/"
    assert client_for(outsider).post(url, {"approval_mode": "internal"}).status_code == 404
    assert client_for(editor).post(url, {"approval_mode": "internal"}).status_code == 403
    assert client_for(admin).post(url, {"approval_mode": "internal"}).status_code == 302
    client.refresh_from_db()
    assert client.approval_mode == "internal"
    theirs = ChannelFactory(organization=org, customer=client)
    group = write(org, editor, theirs)
    assert Post.objects.get(group=group).state == State.REVIEW
    assert PostGroup.objects.filter(pk=group.pk).exists()
