"""Approvals (issue 16): who may approve, the two stages, races, late approvals, edits."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.models import Customer
from organizations.models import AuditEvent, Event
from organizations.permissions import Role
from posts import engine
from posts.models import Notification, Post, PostGroup, ReviewEvent, ReviewState
from posts.services import approvals
from posts.services.approvals import (
    ReviewNotAllowed,
    ReviewNotWaiting,
    ReviewStale,
    ReviewTooLate,
    approval_required,
    review_approve,
    review_comment,
    review_diff,
    review_reject,
    review_request_changes,
    review_submit,
    review_thread,
    review_version,
    reviews_hold_due,
    reviews_remind,
    reviews_waiting,
)
from posts.services.groups import (
    ChannelInput,
    ItemInput,
    post_group_change,
    post_group_create,
    post_group_duplicate,
)
from posts.states import State
from tests.factories import (
    ChannelFactory,
    MediaFileFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SOON = timedelta(hours=2)


@pytest.fixture
def reviewed(org):
    org.approval_mode = "internal"
    org.save()
    return org


@pytest.fixture
def channel(reviewed):
    return ChannelFactory(organization=reviewed, name="Acme on Mastodon")


def write(org, author, channels, text="Launch day", *, action="schedule", at=None, media=()):
    return post_group_create(
        organization=org,
        actor=author,
        content=[ItemInput(text, list(media))],
        channels=[ChannelInput(c.pk) for c in channels],
        action=action,
        publish_at=at or timezone.now() + SOON,
    )


def posts_of(group):
    return list(Post.objects.filter(group=group).order_by("id"))


def actions(group):
    return list(review_thread(group=group).values_list("action", flat=True))


# -- What a channel requires ----------------------------------------------------------------
def test_the_customer_mode_overrides_the_organization_and_blank_inherits_it(org):
    acme = Customer.objects.create(organization=org, name="Client A", approval_mode="none")
    plain = Customer.objects.create(organization=org, name="Client B")
    org.approval_mode = "internal_client"
    org.save()
    assert approval_required(integration=ChannelFactory(organization=org, customer=acme)) == "none"
    both = ChannelFactory(organization=org, customer=plain)
    assert approval_required(integration=both) == "internal_client"
    # No customer to ask: the team's approval is all there is.
    assert approval_required(integration=ChannelFactory(organization=org)) == "internal"


def test_without_approvals_posts_are_scheduled_as_before(org, editor):
    group = write(org, editor, [ChannelFactory(organization=org)])
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.SCHEDULED, "")
    assert actions(group) == []


def test_a_post_that_needs_approval_waits_for_it_and_approvers_are_told(
    channel, editor, owner, admin, viewer
):
    group = write(channel.organization, editor, [channel])
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.REVIEW, ReviewState.NEEDS_REVIEW)
    assert actions(group) == ["submitted"]
    told = Notification.objects.filter(kind="post.review_requested")
    assert set(told.values_list("user_id", flat=True)) == {owner.pk, admin.pk}
    assert Event.objects.filter(name="post.review_requested", post_id=post.pk).exists()
    assert AuditEvent.objects.filter(action="post.review_requested").exists()


def test_drafts_stay_drafts(channel, editor):
    [post] = posts_of(write(channel.organization, editor, [channel], action="draft"))
    assert (post.state, post.review_state) == (State.DRAFT, "")


def test_the_database_refuses_a_scheduled_post_that_lacks_its_approval(channel, editor):
    [post] = posts_of(write(channel.organization, editor, [channel]))
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state=State.SCHEDULED)


def test_the_engine_never_claims_a_post_in_review_even_when_due(channel, editor):
    [post] = posts_of(write(channel.organization, editor, [channel]))
    Post.objects.filter(pk=post.pk).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert engine.claim_due() == []


# -- Who may approve ------------------------------------------------------------------------
def test_an_editor_cannot_approve(channel, editor):
    group = write(channel.organization, UserFactory(), [channel])
    with pytest.raises(ReviewNotAllowed, match="Your role cannot approve"):
        review_approve(group=group, actor=editor)
    assert posts_of(group)[0].state == State.REVIEW


def test_a_viewer_cannot_approve_or_comment(channel, viewer, editor):
    group = write(channel.organization, editor, [channel])
    with pytest.raises(ReviewNotAllowed):
        review_approve(group=group, actor=viewer)
    with pytest.raises(ReviewNotAllowed):
        review_comment(group=group, actor=viewer, body="nice")


def test_an_outsider_cannot_approve(channel, editor, outsider):
    group = write(channel.organization, editor, [channel])
    with pytest.raises(ReviewNotAllowed):
        review_approve(group=group, actor=outsider)


def test_nobody_approves_their_own_post_unless_the_organization_allows_it(channel, admin):
    group = write(channel.organization, admin, [channel])
    with pytest.raises(ReviewNotAllowed, match="your own post"):
        review_approve(group=group, actor=admin)
    channel.organization.allow_self_approval = True
    channel.organization.save()
    group.refresh_from_db()
    review_approve(group=group, actor=admin)
    assert posts_of(group)[0].state == State.SCHEDULED


def test_an_approved_post_is_scheduled_for_its_time_and_the_author_is_told(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    at = posts_of(group)[0].publish_at
    review_approve(group=group, actor=owner)
    [post] = posts_of(group)
    assert (post.state, post.review_state, post.publish_at) == (
        State.SCHEDULED,
        ReviewState.APPROVED,
        at,
    )
    note = Notification.objects.get(kind="post.approved")
    assert note.user == editor and "goes out at its time" in note.body
    assert actions(group) == ["submitted", "approved"]
    assert Event.objects.filter(name="post.approved", post_id=post.pk).exists()


# -- Two stages -----------------------------------------------------------------------------
def test_internal_then_client_approval(org, editor, owner):
    org.approval_mode = "internal_client"
    org.save()
    client = Customer.objects.create(organization=org, name="Client A")
    other = Customer.objects.create(organization=org, name="Client B")
    theirs = ChannelFactory(organization=org, customer=client, name="Client A news")
    group = write(org, editor, [theirs])
    with pytest.raises(ReviewNotWaiting, match="team's approval first"):
        review_approve(group=group, customer=client)
    review_approve(group=group, actor=owner)
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.REVIEW, ReviewState.NEEDS_CLIENT_REVIEW)
    assert group in reviews_waiting(organization=org, customer=client, stage="client")
    with pytest.raises(ReviewNotAllowed):
        review_approve(group=group, customer=other)
    with pytest.raises(ReviewNotAllowed):
        review_approve(
            group=group,
            customer=Customer.objects.create(organization=OrganizationFactory(), name="Elsewhere"),
        )
    review_approve(group=group, customer=client, portal_label="Dana")
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.SCHEDULED, ReviewState.APPROVED)
    last = review_thread(group=group).last()
    assert (last.action, last.actor_customer, last.portal_label) == (
        "client_approved",
        client,
        "Dana",
    )


def test_the_client_asks_for_changes_and_the_author_is_told(org, editor, owner):
    org.approval_mode = "internal_client"
    org.save()
    client = Customer.objects.create(organization=org, name="Client A")
    group = write(org, editor, [ChannelFactory(organization=org, customer=client)])
    review_approve(group=group, actor=owner)
    review_request_changes(group=group, customer=client, body="Use the new logo")
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.REVIEW, ReviewState.CHANGES_REQUESTED)
    note = Notification.objects.get(kind="post.changes_requested")
    assert note.user == editor and "Use the new logo" in note.body


# -- Races and staleness --------------------------------------------------------------------
def test_approving_a_version_edited_since_is_refused_as_stale(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    seen = review_version(group=group)
    post_group_change(group=group, actor=editor, content=[ItemInput("Launch day, edited")])
    with pytest.raises(ReviewStale, match="edited after the version you saw"):
        review_approve(group=group, actor=owner, expected_version=seen)
    assert posts_of(group)[0].state == State.REVIEW
    review_approve(group=group, actor=owner, expected_version=review_version(group=group))
    assert posts_of(group)[0].state == State.SCHEDULED


def test_the_second_approver_hears_it_was_already_approved(channel, editor, owner, admin):
    group = write(channel.organization, editor, [channel])
    review_approve(group=group, actor=owner)
    with pytest.raises(ReviewNotWaiting, match="already approved"):
        review_approve(group=group, actor=admin)


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_give_one_approval_and_one_clear_answer():
    org = OrganizationFactory(approval_mode="internal")
    editor = MembershipFactory(organization=org, role=Role.EDITOR).user
    approvers = [MembershipFactory(organization=org, role=Role.ADMIN).user for _ in range(2)]
    group = write(org, editor, [ChannelFactory(organization=org)])
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        try:
            barrier.wait()
            review_approve(group=PostGroup.objects.get(pk=group.pk), actor=user)
            outcomes.append("approved")
        except ReviewNotWaiting as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(u,)) for u in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [
        "This post was already approved by someone else; nothing changed.",
        "approved",
    ]
    assert ReviewEvent.objects.filter(group=group, action="approved").count() == 1
    assert Post.objects.get(group=group).state == State.SCHEDULED


def test_approving_after_its_time_passed_asks_to_post_now_or_pick_a_time(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ReviewTooLate, match="has passed"):
        review_approve(group=group, actor=owner)
    assert posts_of(group)[0].state == State.REVIEW
    before = timezone.now()
    review_approve(group=group, actor=owner, post_now=True)
    [post] = posts_of(group)
    assert post.state == State.SCHEDULED and post.publish_at >= before
    assert engine.claim_due() == [post.pk]


# -- Rejections, changes and edits ----------------------------------------------------------
def test_a_rejected_post_becomes_a_draft_that_never_goes_out(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    review_reject(group=group, actor=owner, body="Off brand")
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.DRAFT, ReviewState.REJECTED)
    assert "Off brand" in Notification.objects.get(kind="post.rejected").body
    with pytest.raises(ReviewNotWaiting, match="rejected"):
        review_approve(group=group, actor=owner)
    # Submitting it again starts a new review.
    review_submit(group=group, actor=editor)
    assert posts_of(group)[0].review_state == ReviewState.NEEDS_REVIEW


def test_an_edit_after_approval_goes_back_to_review_with_a_readable_diff(channel, editor, owner):
    org = channel.organization
    logo = MediaFileFactory(organization=org, name="logo.png")
    banner = MediaFileFactory(organization=org, name="banner.png")
    group = write(org, editor, [channel], text="Launch day\nJoin us", media=[logo.pk])
    review_approve(group=group, actor=owner)
    assert review_diff(group=group) == []
    post_group_change(
        group=group,
        actor=editor,
        content=[ItemInput("Launch day\nJoin us at 9", [banner.pk])],
    )
    [post] = posts_of(group)
    assert (post.state, post.review_state) == (State.REVIEW, ReviewState.NEEDS_REVIEW)
    summaries = [c["summary"] for c in review_diff(group=group)]
    assert summaries == [
        "Acme on Mastodon: text of the post changed",
        "Acme on Mastodon: banner.png added to the post",
        "Acme on Mastodon: logo.png removed from the post",
    ]
    [text] = [c for c in review_diff(group=group) if c["kind"] == "text"]
    assert "-Join us\n+Join us at 9" in text["diff"]
    assert actions(group)[-2:] == ["edited_after_approval", "submitted"]
    edited = review_thread(group=group).get(action="edited_after_approval")
    assert "logo.png removed" in edited.body


def test_moving_an_approved_post_in_time_keeps_its_approval(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    review_approve(group=group, actor=owner)
    post_group_change(group=group, actor=editor, publish_at=timezone.now() + timedelta(days=1))
    assert posts_of(group)[0].state == State.SCHEDULED


def test_requested_changes_then_an_edit_asks_again(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    review_request_changes(
        group=group, actor=owner, body="Shorter please @" + editor.email.split("@")[0]
    )
    assert Notification.objects.filter(kind="post.review_comment", user=editor).exists()
    post_group_change(group=group, actor=editor, content=[ItemInput("Launch")])
    assert posts_of(group)[0].review_state == ReviewState.NEEDS_REVIEW
    review_approve(group=group, actor=owner)
    assert posts_of(group)[0].state == State.SCHEDULED


def test_duplicating_gives_drafts_without_review(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    review_approve(group=group, actor=owner)
    [copy] = posts_of(post_group_duplicate(group=group, actor=editor))
    assert (copy.state, copy.review_state) == (State.DRAFT, "")


# -- Comments and mentions ------------------------------------------------------------------
def test_a_comment_tells_the_mentioned_members_only(channel, editor, owner):
    dana = MembershipFactory(
        organization=channel.organization, role=Role.EDITOR, user__email="dana@example.com"
    ).user
    group = write(channel.organization, editor, [channel])
    Notification.objects.all().delete()
    review_comment(
        group=group, actor=owner, body="@dana can you check the link? (mail me at x@y.z)"
    )
    assert list(Notification.objects.values_list("user_id", "kind")) == [
        (dana.pk, "post.review_comment")
    ]
    assert actions(group)[-1] == "comment"


# -- Held posts and reminders ---------------------------------------------------------------
def test_a_post_due_in_review_is_held_once_and_the_team_is_told(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert reviews_hold_due() == 1
    assert reviews_hold_due() == 0
    assert actions(group).count("held") == 1
    assert posts_of(group)[0].state == State.REVIEW
    held = Notification.objects.filter(kind="post.review_held")
    assert {n.user_id for n in held} == {owner.pk, editor.pk}


def test_a_review_waiting_too_long_is_reminded_once_per_period(channel, editor, owner):
    write(channel.organization, editor, [channel])
    assert reviews_remind() == 0
    later = timezone.now() + timedelta(hours=25)
    assert reviews_remind(now=later) == 1
    assert reviews_remind(now=later + timedelta(hours=1)) == 0
    assert reviews_remind(now=later + timedelta(hours=26)) == 1
    assert Notification.objects.filter(kind="post.review_reminder", user=owner).count() == 2
    assert AuditEvent.objects.filter(action="post.review_reminded").count() == 2


def test_reviews_waiting_lists_the_organizations_groups_only(channel, editor, owner):
    group = write(channel.organization, editor, [channel])
    other = OrganizationFactory(approval_mode="internal")
    write(other, None, [ChannelFactory(organization=other)])
    assert list(reviews_waiting(organization=channel.organization)) == [group]
    review_approve(group=group, actor=owner)
    assert list(reviews_waiting(organization=channel.organization)) == []


def test_review_emails_go_out_from_the_worker(channel, editor, owner, mailoutbox):
    write(channel.organization, editor, [channel])
    ids = list(Notification.objects.values_list("pk", flat=True))
    from posts.services.notifications import notifications_email

    assert notifications_email(notification_ids=ids) == 1
    assert "Approval requested" in mailoutbox[0].subject
    assert "does not go out before it is approved" in mailoutbox[0].body
    group = Post.objects.first().group
    # The email leads to the review panel, where an approver decides.
    assert f"/o/{channel.organization.slug}/posts/{group.pk}/review/" in mailoutbox[0].body


def test_the_client_comments_on_its_posts_only_and_the_team_hears_of_it(org, editor, owner):
    org.approval_mode = "internal_client"
    org.save()
    client = Customer.objects.create(organization=org, name="Client A")
    other = Customer.objects.create(organization=org, name="Client B")
    group = write(org, editor, [ChannelFactory(organization=org, customer=client)])
    Notification.objects.all().delete()
    review_comment(group=group, customer=client, portal_label="Dana", body="Love it")
    told = Notification.objects.filter(kind="post.review_comment")
    assert {n.user_id for n in told} == {editor.pk, owner.pk}
    assert told.first().title == "Client A (Dana) commented"
    with pytest.raises(ReviewNotAllowed):
        review_comment(group=group, customer=other, body="Not mine")


def test_a_viewer_cannot_submit_and_a_draft_without_a_date_cannot_be_submitted(
    channel, editor, viewer
):
    group = write(channel.organization, editor, [channel], action="draft")
    with pytest.raises(ReviewNotAllowed):
        review_submit(group=group, actor=viewer)
    Post.objects.filter(group=group).update(publish_at=None)
    with pytest.raises(approvals.ReviewError, match="no date"):
        review_submit(group=group, actor=editor)
    assert posts_of(group)[0].state == State.DRAFT
