"""The team's review pages: the Approvals list (filters, bulk approve, empty state), a
group's review panel (thread, diff, decisions for approvers only) and the menu's count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.models import Customer
from posts.models import Post, ReviewEvent
from posts.services import approvals
from posts.states import State
from tests.factories import ChannelFactory, PostFactory, PostGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def internal(org):
    org.approval_mode = "internal"
    org.save(update_fields=["approval_mode"])
    return org


def in_review(org, text, *, author=None, channel=None, review_state="needs_review", days=3):
    group = PostGroupFactory(
        organization=org,
        created_by=author,
        content=[{"text": text, "media": [], "delay_minutes": 0}],
    )
    PostFactory(
        integration=channel or ChannelFactory(organization=org),
        group=group,
        state=State.REVIEW,
        review_state=review_state,
        publish_at=timezone.now() + timedelta(days=days),
        items=[text],
    )
    return group


def listed(client, org, **query) -> str:
    response = client.get(f"/o/{org.slug}/approvals/", query)
    assert response.status_code == 200
    return response.content.decode()


# -- The list ------------------------------------------------------------------------------
def test_the_list_shows_waiting_posts_and_not_the_others(internal, owner, editor, client_for):
    in_review(internal, "Waiting for the team", author=editor)
    in_review(internal, "Waiting for the client", author=editor, review_state="needs_client_review")
    in_review(internal, "Sent back", author=editor, review_state="changes_requested")
    scheduled = PostGroupFactory(organization=internal, content=[{"text": "Already approved"}])
    PostFactory(
        integration=ChannelFactory(organization=internal),
        group=scheduled,
        review_state="approved",
        publish_at=timezone.now() + timedelta(days=1),
        items=["Already approved"],
    )

    html = listed(client_for(owner), internal)

    assert "Waiting for the team" in html and "Waiting for the client" in html
    assert "Sent back" in html and "Changes requested" in html
    assert "Already approved" not in html


def test_the_list_filters_by_customer_channel_stage_author_and_due_date(
    internal, owner, editor, admin, client_for
):
    alpha = Customer.objects.create(organization=internal, name="Alpha")
    alpha_channel = ChannelFactory(organization=internal, customer=alpha, name="Alpha chan")
    other_channel = ChannelFactory(organization=internal, name="Other chan")
    in_review(internal, "For Alpha soon", author=editor, channel=alpha_channel, days=1)
    in_review(internal, "Other later", author=admin, channel=other_channel, days=10)
    in_review(
        internal,
        "Other at the client",
        author=editor,
        channel=other_channel,
        review_state="needs_client_review",
        days=2,
    )
    client = client_for(owner)

    by_customer = listed(client, internal, customer=alpha.pk)
    assert "For Alpha soon" in by_customer and "Other later" not in by_customer
    by_channel = listed(client, internal, channel=other_channel.pk)
    assert "Other later" in by_channel and "For Alpha soon" not in by_channel
    by_stage = listed(client, internal, stage="client")
    assert "Other at the client" in by_stage and "Other later" not in by_stage
    by_author = listed(client, internal, author=admin.pk)
    assert "Other later" in by_author and "For Alpha soon" not in by_author
    due = (timezone.now() + timedelta(days=3)).date().isoformat()
    by_due = listed(client, internal, due=due)
    assert "For Alpha soon" in by_due and "Other at the client" in by_due
    assert "Other later" not in by_due


def test_the_list_says_when_nothing_waits_or_nothing_matches(internal, owner, client_for):
    client = client_for(owner)
    assert "Nothing waits for a review" in listed(client, internal)
    assert "No post matches these filters" in listed(client, internal, stage="client")


def test_the_list_takes_the_same_queries_for_many_posts(
    internal, owner, editor, client_for, django_assert_max_num_queries
):
    alpha = Customer.objects.create(organization=internal, name="Alpha")
    for n in range(12):
        channel = ChannelFactory(organization=internal, customer=alpha if n % 2 else None)
        in_review(internal, f"Post {n}", author=editor, channel=channel)
    client = client_for(owner)
    with django_assert_max_num_queries(22):
        html = listed(client, internal)
    assert html.count('name="group"') == 12


def test_outsiders_do_not_find_the_list_or_a_review(internal, outsider, editor, client_for):
    group = in_review(internal, "Secret", author=editor)
    client = client_for(outsider)
    assert client.get(f"/o/{internal.slug}/approvals/").status_code == 404
    assert client.get(f"/o/{internal.slug}/posts/{group.pk}/review/").status_code == 404
    assert (
        client.post(f"/o/{internal.slug}/approvals/approve/", {"group": group.pk}).status_code
        == 404
    )


def test_viewers_and_editors_see_the_list_without_approving(
    internal, viewer, editor, owner, client_for
):
    group = in_review(internal, "Waiting", author=owner)
    for person in (viewer, editor):
        client = client_for(person)
        html = listed(client, internal)
        assert "Waiting" in html and "Approve selected" not in html
        response = client.post(f"/o/{internal.slug}/approvals/approve/", {"group": group.pk})
        assert response.status_code == 403
        decide = client.post(f"/o/{internal.slug}/posts/{group.pk}/review/approve/")
        assert decide.status_code == 403
    assert Post.objects.get(group=group).review_state == "needs_review"


def test_bulk_approve_says_each_refusal_and_approves_the_others(
    internal, owner, editor, client_for
):
    first = in_review(internal, "First of the batch", author=editor)
    second = in_review(internal, "Second of the batch", author=editor)
    own = in_review(internal, "The owner's own post", author=owner)
    client = client_for(owner)
    html = listed(client, internal)
    # One's own post has no tick box (self-approval is off).
    assert f'id="pick-{own.pk}"' not in html and f'id="pick-{first.pk}"' in html

    response = client.post(
        f"/o/{internal.slug}/approvals/approve/",
        {"group": [first.pk, own.pk, second.pk]},
        follow=True,
    )

    html = response.content.decode()
    assert "Approved 2 posts." in html
    assert "The owner&#x27;s own post" in html and "cannot approve your own post" in html
    for group in (first, second):
        post = Post.objects.get(group=group)
        assert post.state == State.SCHEDULED and post.review_state == "approved"
    assert Post.objects.get(group=own).review_state == "needs_review"


def test_bulk_approve_ignores_another_organizations_ids(internal, owner, outsider, client_for):
    theirs = in_review(outsider.memberships.first().organization, "Theirs", author=outsider)

    response = client_for(owner).post(
        f"/o/{internal.slug}/approvals/approve/", {"group": [theirs.pk]}, follow=True
    )

    assert "no longer exists" in response.content.decode()
    assert Post.objects.get(group=theirs).review_state == "needs_review"


# -- The review panel ----------------------------------------------------------------------
def panel(client, org, group):
    response = client.get(f"/o/{org.slug}/posts/{group.pk}/review/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_shows_decisions_only_to_approvers(internal, owner, editor, viewer, client_for):
    group = in_review(internal, "Please look", author=editor)

    assert "Request changes</button>" in panel(client_for(owner), internal, group)
    for person in (editor, viewer):
        html = panel(client_for(person), internal, group)
        assert "Please look" in html and "Request changes</button>" not in html


def test_an_approver_may_not_approve_their_own_post(internal, owner, client_for):
    group = in_review(internal, "Mine", author=owner)
    client = client_for(owner)

    assert "another approver must approve it" in panel(client, internal, group)
    response = client.post(f"/o/{internal.slug}/posts/{group.pk}/review/approve/", follow=True)

    assert "cannot approve your own post" in response.content.decode()
    assert Post.objects.get(group=group).review_state == "needs_review"


def test_approve_request_changes_and_reject_from_the_panel(internal, owner, editor, client_for):
    client = client_for(owner)
    approve = in_review(internal, "Approve me", author=editor)
    version = re.search(r'name="version" value="([^"]*)"', panel(client, internal, approve)).group(
        1
    )
    client.post(f"/o/{internal.slug}/posts/{approve.pk}/review/approve/", {"version": version})
    assert Post.objects.get(group=approve).state == State.SCHEDULED

    changes = in_review(internal, "Change me", author=editor)
    refused = client.post(
        f"/o/{internal.slug}/posts/{changes.pk}/review/changes/", {"body": ""}, follow=True
    )
    assert "Say what should change" in refused.content.decode()
    client.post(f"/o/{internal.slug}/posts/{changes.pk}/review/changes/", {"body": "Shorter"})
    assert Post.objects.get(group=changes).review_state == "changes_requested"

    reject = in_review(internal, "Reject me", author=editor)
    client.post(f"/o/{internal.slug}/posts/{reject.pk}/review/reject/", {"body": "Off brand"})
    post = Post.objects.get(group=reject)
    assert post.state == State.DRAFT and post.review_state == "rejected"
    html = panel(client, internal, reject)
    assert "Off brand" in html and "Rejected" in html


def test_a_stale_approval_is_refused_with_what_to_do(internal, owner, editor, client_for):
    group = in_review(internal, "First words", author=editor)
    client = client_for(owner)
    seen = re.search(r'name="version" value="([^"]*)"', panel(client, internal, group)).group(1)
    item = Post.objects.get(group=group).items.get()
    item.content = "Second words"
    item.save(update_fields=["content"])

    response = client.post(
        f"/o/{internal.slug}/posts/{group.pk}/review/approve/", {"version": seen}, follow=True
    )

    assert "edited after the version you saw" in response.content.decode()
    assert Post.objects.get(group=group).review_state == "needs_review"


def test_the_panel_shows_what_changed_since_the_approved_version(
    internal, owner, editor, client_for
):
    group = in_review(internal, "Launch on Monday", author=editor)
    approvals.review_approve(group=group, actor=owner)
    post = Post.objects.get(group=group)
    item = post.items.get()
    item.content = "Launch on Tuesday"
    item.save(update_fields=["content"])
    Post.objects.filter(pk=post.pk).update(state=State.REVIEW, review_state="needs_review")

    html = panel(client_for(owner), internal, group)

    assert "What changed since it was approved" in html
    assert "-Launch on Monday" in html and "+Launch on Tuesday" in html


def test_members_comment_on_the_thread_and_viewers_cannot(
    internal, owner, editor, viewer, client_for
):
    group = in_review(internal, "Thread me", author=editor)
    url = f"/o/{internal.slug}/posts/{group.pk}/review/"

    client_for(editor).post(url, {"body": "Ready for a look, @owner"})
    assert "Ready for a look" in panel(client_for(owner), internal, group)
    assert client_for(viewer).post(url, {"body": "me too"}).status_code == 403
    assert ReviewEvent.objects.filter(group=group, action="comment").count() == 1


def test_another_organizations_group_is_not_found(internal, owner, outsider, client_for):
    theirs = in_review(outsider.memberships.first().organization, "Theirs", author=outsider)
    client = client_for(owner)
    assert client.get(f"/o/{internal.slug}/posts/{theirs.pk}/review/").status_code == 404
    assert client.post(f"/o/{internal.slug}/posts/{theirs.pk}/review/approve/").status_code == 404


def test_the_panel_is_reachable_from_the_composer(internal, editor, client_for):
    group = in_review(internal, "From the composer", author=editor)
    html = client_for(editor).get(f"/o/{internal.slug}/posts/{group.pk}/").content.decode()
    assert f"/o/{internal.slug}/posts/{group.pk}/review/" in html
    assert f"/o/{internal.slug}/posts/{group.pk}/preview-links/" in html


# -- The menu's count ----------------------------------------------------------------------
def test_the_menu_counts_what_waits_for_the_member(internal, owner, editor, client_for):
    in_review(internal, "For the owner 1", author=editor)
    in_review(internal, "For the owner 2", author=editor)
    in_review(internal, "The owner's own", author=owner)
    in_review(internal, "Back to the editor", author=editor, review_state="changes_requested")

    owner_page = client_for(owner).get(f"/o/{internal.slug}/approvals/").content.decode()
    editor_page = client_for(editor).get(f"/o/{internal.slug}/approvals/").content.decode()

    assert re.search(r'class="nav-count">2<', owner_page)
    assert re.search(r'class="nav-count">1<', editor_page)


def test_bulk_approve_refuses_a_post_edited_since_the_list_was_shown(
    internal, owner, editor, client_for
):
    group = in_review(internal, "Before the edit", author=editor)
    client = client_for(owner)
    html = listed(client, internal)
    version = re.search(rf'name="version-{group.pk}" value="([^"]*)"', html).group(1)
    item = Post.objects.get(group=group).items.get()
    item.content = "After the edit"
    item.save(update_fields=["content"])

    response = client.post(
        f"/o/{internal.slug}/approvals/approve/",
        {"group": [group.pk], f"version-{group.pk}": version},
        follow=True,
    )

    assert "edited after the version you saw" in response.content.decode()
    assert Post.objects.get(group=group).review_state == "needs_review"


def test_a_post_whose_time_passed_is_approved_only_to_go_out_now_when_ticked(
    internal, owner, editor, client_for
):
    group = in_review(internal, "Late one", author=editor, days=-1)
    client = client_for(owner)
    url = f"/o/{internal.slug}/posts/{group.pk}/review/approve/"
    assert "publish it as soon as it is approved" in panel(client, internal, group)

    refused = client.post(url, follow=True)
    assert "has passed" in refused.content.decode()
    assert Post.objects.get(group=group).state == State.REVIEW

    client.post(url, {"post_now": "1"})
    post = Post.objects.get(group=group)
    assert post.state == State.SCHEDULED and post.publish_at <= timezone.now()


def test_the_calendar_offers_the_review_panel_for_posts_in_review(
    internal, owner, editor, client_for
):
    in_review(internal, "On the calendar", author=editor, days=1)
    html = client_for(owner).get(f"/o/{internal.slug}/calendar/").content.decode()
    assert 'data-show="review"' in html and "cal-review" in html
