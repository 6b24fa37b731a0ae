"""The client portal: a customer's signed link opens their posts waiting for them, to
approve, send back with a comment, or comment on; everything else answers clearly."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Customer
from posts.models import Post, ReviewEvent
from posts.services import approvals
from posts.services import sharing as link_services
from posts.sharing.models import PortalLink
from posts.states import State
from tests.factories import ChannelFactory, PostFactory, PostGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(org):
    org.approval_mode = "internal_client"
    org.save(update_fields=["approval_mode"])
    return Customer.objects.create(organization=org, name="Alpha Foods")


@pytest.fixture
def beta(org):
    return Customer.objects.create(organization=org, name="Beta Bikes")


def waiting(customer, text, *, review_state="needs_client_review", when=None, author=None):
    """A group with one post on a channel of ``customer``, in review."""
    group = PostGroupFactory(
        organization=customer.organization,
        created_by=author,
        content=[{"text": text, "media": [], "delay_minutes": 0}],
    )
    channel = ChannelFactory(
        organization=customer.organization, customer=customer, name=f"{customer.name} on Mastodon"
    )
    PostFactory(
        integration=channel,
        group=group,
        state=State.REVIEW,
        review_state=review_state,
        publish_at=when or timezone.now() + timedelta(days=3),
        items=[text],
    )
    return group


@pytest.fixture
def portal(alpha, owner):
    """A visitor holding a live link for Alpha who has given their name."""
    _, token = link_services.portal_link_create(customer=alpha, actor=owner)
    visitor = Client()
    visitor.post(f"/portal/{token}/", {"name": "Carla from Alpha"})
    visitor.token = token
    return visitor


def act(visitor, group, action, **data):
    return visitor.post(
        f"/portal/{visitor.token}/posts/{group.public_id}/{action}/", data, follow=True
    )


def version_in(html: str, group) -> str:
    form = html.split(f"/posts/{group.public_id}/approve/", 1)[1]
    return re.search(r'name="version" value="([^"]*)"', form).group(1)


# -- Making links ------------------------------------------------------------------------
def test_an_owner_makes_a_review_link_from_the_customers_settings(org, owner, alpha, client_for):
    client = client_for(owner)
    channels = client.get(f"/o/{org.slug}/channels/").content.decode()
    assert f"/o/{org.slug}/customers/{alpha.pk}/review-links/" in channels

    response = client.post(
        f"/o/{org.slug}/customers/{alpha.pk}/review-links/",
        {"label": "Carla at Alpha", "days": 30},
    )

    assert response.status_code == 200
    token = re.search(r"/portal/([A-Za-z0-9_-]{43})/", response.content.decode()).group(1)
    link = PortalLink.objects.get(customer=alpha)
    assert link.label == "Carla at Alpha" and token not in link.token_hash
    assert Client().get(f"/portal/{token}/").status_code == 200


def test_editors_and_viewers_may_not_make_review_links(org, editor, viewer, alpha, client_for):
    for person in (editor, viewer):
        url = f"/o/{org.slug}/customers/{alpha.pk}/review-links/"
        assert client_for(person).get(url).status_code == 403
        assert client_for(person).post(url, {"days": 30}).status_code == 403
    assert not PortalLink.objects.exists()


def test_outsiders_and_other_organizations_customers_are_not_found(
    org, owner, outsider, alpha, client_for
):
    assert (
        client_for(outsider).get(f"/o/{org.slug}/customers/{alpha.pk}/review-links/").status_code
        == 404
    )
    theirs = Customer.objects.create(
        organization=outsider.memberships.first().organization, name="Theirs"
    )
    link, _ = link_services.portal_link_create(customer=theirs, actor=outsider)
    client = client_for(owner)
    assert client.get(f"/o/{org.slug}/customers/{theirs.pk}/review-links/").status_code == 404
    revoke = f"/o/{org.slug}/customers/{alpha.pk}/review-links/{link.pk}/revoke/"
    assert client.post(revoke).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_links_list_takes_few_queries(
    org, owner, alpha, client_for, django_assert_max_num_queries
):
    for _ in range(6):
        link_services.portal_link_create(customer=alpha, actor=owner)
    client = client_for(owner)
    with django_assert_max_num_queries(14):
        response = client.get(f"/o/{org.slug}/customers/{alpha.pk}/review-links/")
    assert response.content.decode().count("Revoke<span") == 6


# -- The portal ----------------------------------------------------------------------------
def test_the_portal_asks_for_a_name_once_then_lists_only_what_waits_for_this_customer(
    alpha, beta, owner
):
    waiting(alpha, "Alpha's autumn menu")
    waiting(alpha, "Alpha internal draft", review_state="needs_review")
    waiting(beta, "Beta's new bike")
    _, token = link_services.portal_link_create(customer=alpha, actor=owner)
    visitor = Client()

    first = visitor.get(f"/portal/{token}/").content.decode()
    assert "Who is reviewing?" in first and "autumn menu" not in first

    visitor.post(f"/portal/{token}/", {"name": "Carla from Alpha"})
    page = visitor.get(f"/portal/{token}/")

    html = page.content.decode()
    assert "Reviewing as <strong>Carla from Alpha</strong>" in html
    assert "Alpha&#x27;s autumn menu" in html
    assert "internal draft" not in html and "new bike" not in html
    assert page["X-Robots-Tag"].startswith("noindex")
    assert "default-src 'none'" in page["Content-Security-Policy"]


def test_the_portal_page_takes_few_queries_however_many_posts_wait(
    alpha, portal, django_assert_max_num_queries
):
    for n in range(8):
        waiting(alpha, f"Post number {n}")
    with django_assert_max_num_queries(16):
        response = portal.get(f"/portal/{portal.token}/")
    assert response.content.decode().count("Request changes</span>") == 8


def test_an_empty_portal_says_nothing_waits(portal):
    html = portal.get(f"/portal/{portal.token}/").content.decode()
    assert "Nothing waits for you" in html


def test_the_client_approves_a_post_and_it_is_scheduled(alpha, portal, owner):
    group = waiting(alpha, "Alpha's autumn menu", author=owner)
    html = portal.get(f"/portal/{portal.token}/").content.decode()

    response = act(portal, group, "approve", version=version_in(html, group))

    assert "Approved. Thank you" in response.content.decode()
    post = Post.objects.get(group=group)
    assert post.state == State.SCHEDULED and post.review_state == "approved"
    event = ReviewEvent.objects.get(group=group, action="client_approved")
    assert event.actor_customer == alpha and event.portal_label == "Carla from Alpha"


def test_requesting_changes_needs_a_comment(alpha, portal):
    group = waiting(alpha, "Alpha's autumn menu")

    empty = act(portal, group, "changes", body="  ")
    assert "Say what should change" in empty.content.decode()
    assert Post.objects.get(group=group).review_state == "needs_client_review"

    act(portal, group, "changes", body="Use the new logo, please.")
    post = Post.objects.get(group=group)
    assert post.review_state == "changes_requested" and post.state == State.REVIEW
    event = ReviewEvent.objects.get(group=group, action="changes_requested")
    assert event.body == "Use the new logo, please." and event.portal_label == "Carla from Alpha"


def test_the_client_comments_without_deciding(alpha, portal):
    group = waiting(alpha, "Alpha's autumn menu")

    response = act(portal, group, "comment", body="Looks lovely.")

    assert "Your comment was sent" in response.content.decode()
    assert Post.objects.get(group=group).review_state == "needs_client_review"
    assert ReviewEvent.objects.get(group=group, action="comment").actor_customer == alpha


def test_no_decision_without_a_name(alpha, owner):
    group = waiting(alpha, "Alpha's autumn menu")
    _, token = link_services.portal_link_create(customer=alpha, actor=owner)

    response = Client().post(f"/portal/{token}/posts/{group.public_id}/approve/", follow=True)

    assert "Type your name first" in response.content.decode()
    assert Post.objects.get(group=group).review_state == "needs_client_review"


def test_another_customers_post_is_not_found(alpha, beta, portal):
    theirs = waiting(beta, "Beta's new bike")

    for action in ("approve", "changes", "comment"):
        response = act(portal, theirs, action, body="mine now")
        assert response.status_code == 404
        assert "not waiting for you" in response.content.decode()
    assert Post.objects.get(group=theirs).review_state == "needs_client_review"
    assert not ReviewEvent.objects.filter(group=theirs).exists()


def test_an_unknown_group_id_is_not_found(portal):
    response = act(portal, PostGroupFactory.build(), "approve")
    assert response.status_code == 404
    assert portal.post(f"/portal/{portal.token}/posts/not-a-uuid/approve/").status_code == 404


def test_a_revoked_link_stops_at_once_even_for_an_open_page(alpha, portal, owner):
    group = waiting(alpha, "Alpha's autumn menu")
    link = PortalLink.objects.get(customer=alpha)
    link_services.portal_link_revoke(link=link, actor=owner)

    page = portal.get(f"/portal/{portal.token}/")
    assert page.status_code == 410 and "turned off" in page.content.decode()
    assert act(portal, group, "approve").status_code == 410
    assert Post.objects.get(group=group).review_state == "needs_client_review"


def test_an_expired_link_says_so(alpha, portal):
    group = waiting(alpha, "Alpha's autumn menu")
    PortalLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    page = portal.get(f"/portal/{portal.token}/")
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert act(portal, group, "approve").status_code == 410


def test_an_unknown_link_answers_404(db):
    assert Client().get("/portal/" + "x" * 43 + "/").status_code == 404
    assert Client().get("/portal/nope/").status_code == 404


def test_a_post_edited_a_second_ago_asks_the_client_to_look_again(alpha, portal):
    group = waiting(alpha, "Alpha's autumn menu")
    html = portal.get(f"/portal/{portal.token}/").content.decode()
    seen = version_in(html, group)
    item = Post.objects.get(group=group).items.get()
    item.content = "Alpha's winter menu"
    item.save(update_fields=["content"])

    response = act(portal, group, "approve", version=seen)

    html = response.content.decode()
    assert "changed a moment ago" in html and "winter menu" in html
    assert Post.objects.get(group=group).review_state == "needs_client_review"


def test_a_post_already_decided_says_so(alpha, portal, owner):
    group = waiting(alpha, "Alpha's autumn menu")
    html = portal.get(f"/portal/{portal.token}/").content.decode()
    version = version_in(html, group)
    approvals.review_request_changes(group=group, customer=alpha, body="Someone else was first")

    response = act(portal, group, "approve", version=version)

    assert response.status_code == 404
    assert "not waiting for you" in response.content.decode()
    assert Post.objects.get(group=group).review_state == "changes_requested"


def test_a_post_whose_time_passed_is_not_approved_and_the_client_is_told(alpha, portal):
    group = waiting(alpha, "Alpha's autumn menu", when=timezone.now() - timedelta(minutes=5))

    response = act(portal, group, "approve")

    assert "time planned for this post has passed" in response.content.decode()
    post = Post.objects.get(group=group)
    assert post.state == State.REVIEW and post.review_state == "needs_client_review"


def test_revoking_from_the_customers_page_stops_the_link(org, owner, alpha, client_for):
    link, token = link_services.portal_link_create(customer=alpha, actor=owner, label="Carla")
    client = client_for(owner)

    response = client.post(
        f"/o/{org.slug}/customers/{alpha.pk}/review-links/{link.pk}/revoke/", follow=True
    )

    html = response.content.decode()
    assert f"ending …{link.hint} no longer opens" in html and "Revoked" in html
    assert Client().get(f"/portal/{token}/").status_code == 410
    assert (
        client_for(owner)
        .post(f"/o/{org.slug}/customers/{alpha.pk}/review-links/{link.pk}/revoke/")
        .status_code
        == 302
    ), "revoking twice is harmless"


# -- Client accounts: a signed-in member limited to customers sees the same page ------------
@pytest.fixture
def client_member(org, alpha):
    from organizations.permissions import Role
    from tests.customer_world import limit
    from tests.factories import MembershipFactory

    return limit(MembershipFactory(organization=org, role=Role.CLIENT), alpha).user


def test_a_client_account_reviews_its_customers_posts_when_signed_in(
    org, alpha, beta, client_member, client_for
):
    mine = waiting(alpha, "Alpha's autumn menu")
    waiting(beta, "Beta's new bike")
    client = client_for(client_member)

    html = client.get(f"/o/{org.slug}/client-review/").content.decode()
    assert "Alpha&#x27;s autumn menu" in html and "new bike" not in html
    assert f'href="/o/{org.slug}/client-review/"' in html  # in the menu

    response = client.post(
        f"/o/{org.slug}/client-review/{alpha.pk}/posts/{mine.public_id}/approve/",
        {"version": version_in(html, mine)},
        follow=True,
    )
    assert "Approved. Thank you" in response.content.decode()
    post = Post.objects.get(group=mine)
    assert post.state == State.SCHEDULED and post.review_state == "approved"
    event = ReviewEvent.objects.get(group=mine, action="client_approved")
    assert event.actor_customer == alpha and event.portal_label == client_member.display_name


def test_a_client_account_cannot_reach_another_customer(
    org, alpha, beta, client_member, client_for
):
    theirs = waiting(beta, "Beta's new bike")
    client = client_for(client_member)

    for customer in (alpha, beta):
        url = f"/o/{org.slug}/client-review/{customer.pk}/posts/{theirs.public_id}/approve/"
        assert client.post(url).status_code == 404
    assert Post.objects.get(group=theirs).review_state == "needs_client_review"


def test_the_team_is_sent_to_approvals_and_may_not_decide_as_the_client(
    org, owner, editor, outsider, alpha, client_for
):
    mine = waiting(alpha, "Alpha's autumn menu")
    for member in (owner, editor):
        client = client_for(member)
        page = client.get(f"/o/{org.slug}/client-review/")
        assert page.status_code == 302 and page["Location"] == f"/o/{org.slug}/approvals/"
        act = f"/o/{org.slug}/client-review/{alpha.pk}/posts/{mine.public_id}/approve/"
        assert client.post(act).status_code == 403
    outsider_client = client_for(outsider)
    assert outsider_client.get(f"/o/{org.slug}/client-review/").status_code == 404
    assert (
        outsider_client.post(
            f"/o/{org.slug}/client-review/{alpha.pk}/posts/{mine.public_id}/approve/"
        ).status_code
        == 404
    )
    assert Post.objects.get(group=mine).review_state == "needs_client_review"
