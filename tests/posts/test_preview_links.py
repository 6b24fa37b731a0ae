"""Preview links: a read-only page of one post for someone without an account, made and
revoked by the team, expiring, and never revealing anything else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from organizations.models import AuditEvent
from posts.models import Notification, ReviewEvent
from posts.services import sharing as link_services
from posts.sharing.models import PreviewLink
from posts.states import State
from tests.factories import ChannelFactory, PostFactory, PostGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(org, owner):
    group = PostGroupFactory(organization=org, created_by=owner)
    for name, text in (("Acme on Mastodon", "Spring sale starts Monday"), ("Acme news", "Sale!")):
        channel = ChannelFactory(organization=org, name=name)
        PostFactory(
            integration=channel,
            group=group,
            state=State.DRAFT,
            publish_at=timezone.now() + timedelta(days=2),
            items=[text, "More in the thread"],
        )
    return group


def _make(client, org, group, **data):
    return client.post(f"/o/{org.slug}/posts/{group.pk}/preview-links/", data)


def _token_of(response) -> str:
    match = re.search(r"/p/([A-Za-z0-9_-]{43})/", response.content.decode())
    assert match, "the new link is shown once"
    return match.group(1)


def test_an_editor_makes_a_link_that_shows_the_post_to_anyone(org, editor, group, client_for):
    response = _make(client_for(editor), org, group, days=7)
    assert response.status_code == 200
    token = _token_of(response)
    # Only a digest is kept: the token itself is nowhere in the database.
    link = PreviewLink.objects.get(group=group)
    assert token not in link.token_hash and link.hint == token[-4:]
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    assert AuditEvent.objects.filter(action="preview_link.create", organization=org).exists()

    page = Client().get(f"/p/{token}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Spring sale starts Monday" in html and "More in the thread" in html
    assert "Acme on Mastodon" in html and "Acme news" in html
    assert page["X-Robots-Tag"].startswith("noindex")
    assert page["Referrer-Policy"] == "same-origin"
    policy = page["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    # No comment form unless the team asked for one.
    assert "Leave a comment" not in html


def test_the_page_shows_nothing_but_that_post(org, editor, group, client_for):
    other_group = PostGroupFactory(organization=org)
    PostFactory(
        integration=ChannelFactory(organization=org, name="Secret channel"),
        group=other_group,
        items=["Unannounced product"],
    )
    cancelled = PostFactory(
        integration=ChannelFactory(organization=org, name="Dropped channel"),
        group=group,
        state=State.CANCELLED,
        items=["Cancelled copy"],
    )
    token = _token_of(_make(client_for(editor), org, group, days=1))

    html = Client().get(f"/p/{token}/").content.decode()

    assert "Unannounced product" not in html and "Secret channel" not in html
    assert cancelled.integration.name not in html and "Cancelled copy" not in html
    # No page of the organization is linked.
    assert f"/o/{org.slug}/" not in html


def test_the_expiry_is_chosen_from_the_offered_durations(org, editor, group, client_for):
    _make(client_for(editor), org, group, days=30)
    link = PreviewLink.objects.get(group=group)
    assert timedelta(days=29) < link.expires_at - timezone.now() <= timedelta(days=30)

    response = _make(client_for(editor), org, group, days=5000)
    assert response.status_code == 400
    assert PreviewLink.objects.filter(group=group).count() == 1


def test_a_revoked_link_says_so_with_410(org, editor, group, client_for):
    client = client_for(editor)
    token = _token_of(_make(client, org, group, days=7))
    link = PreviewLink.objects.get(group=group)

    response = client.post(f"/o/{org.slug}/posts/{group.pk}/preview-links/{link.pk}/revoke/")
    assert response.status_code == 302

    page = Client().get(f"/p/{token}/")
    assert page.status_code == 410
    assert "turned off" in page.content.decode()
    assert page["X-Robots-Tag"].startswith("noindex")


def test_an_expired_link_says_so_with_410(org, editor, group):
    link, token = link_services.preview_link_create(group=group, actor=editor)
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    page = Client().get(f"/p/{token}/")

    assert page.status_code == 410
    assert "expired" in page.content.decode()


def test_an_unknown_token_answers_404_the_same_way_whatever_its_shape(org, editor, group):
    link_services.preview_link_create(group=group, actor=editor)
    well_formed = Client().get("/p/" + "A" * 43 + "/")
    malformed = Client().get("/p/short/")

    assert well_formed.status_code == malformed.status_code == 404
    assert well_formed.content == malformed.content


def test_a_deleted_post_no_longer_opens(org, editor, group):
    _, token = link_services.preview_link_create(group=group, actor=editor)
    group.deleted_at = timezone.now()
    group.save(update_fields=["deleted_at"])

    assert Client().get(f"/p/{token}/").status_code == 410


def test_a_visitor_comments_by_name_into_the_review_thread(org, editor, group, client_for):
    token = _token_of(_make(client_for(editor), org, group, days=7, allow_comments="on"))
    visitor = Client()

    page = visitor.get(f"/p/{token}/")
    assert "Leave a comment" in page.content.decode()
    response = visitor.post(
        f"/p/{token}/", {"name": "Dana Client", "body": "Could the sale say 20%?"}, follow=True
    )

    assert response.status_code == 200
    assert "your comment was sent" in response.content.decode()
    event = ReviewEvent.objects.get(group=group)
    assert event.action == "comment" and event.body == "Could the sale say 20%?"
    assert event.portal_label.startswith("Dana Client") and event.actor_id is None
    # The name is kept for the next comment.
    assert 'value="Dana Client"' in visitor.get(f"/p/{token}/").content.decode()
    # The team sees it on the review panel.
    panel = client_for(editor).get(f"/o/{org.slug}/posts/{group.pk}/review/")
    assert "Could the sale say 20%?" in panel.content.decode()


def test_comments_are_refused_on_a_link_without_them(org, editor, group):
    _, token = link_services.preview_link_create(group=group, actor=editor)

    response = Client().post(f"/p/{token}/", {"name": "Eve", "body": "spam"})

    assert response.status_code == 405
    assert not ReviewEvent.objects.filter(group=group).exists()


def test_comment_posting_is_rate_limited(org, editor, group):
    _, token = link_services.preview_link_create(group=group, actor=editor, allow_comments=True)
    visitor = Client()
    for n in range(link_services.COMMENT_LIMIT):
        visitor.post(f"/p/{token}/", {"name": "Bot", "body": f"comment {n}"})

    response = visitor.post(f"/p/{token}/", {"name": "Bot", "body": "one too many"})

    assert response.status_code == 400
    assert "Too many comments" in response.content.decode()
    assert ReviewEvent.objects.filter(group=group).count() == link_services.COMMENT_LIMIT


def test_outsiders_do_not_find_the_links_page(org, outsider, group, client_for):
    client = client_for(outsider)
    assert client.get(f"/o/{org.slug}/posts/{group.pk}/preview-links/").status_code == 404
    assert _make(client, org, group, days=7).status_code == 404
    assert not PreviewLink.objects.exists()


def test_a_viewer_may_not_make_links(org, viewer, group, client_for):
    assert _make(client_for(viewer), org, group, days=7).status_code == 403
    assert not PreviewLink.objects.exists()


def test_another_organizations_post_and_link_are_not_found(org, editor, outsider, client_for):
    theirs = PostGroupFactory(organization=outsider.memberships.first().organization)
    link, _ = link_services.preview_link_create(group=theirs, actor=outsider)
    client = client_for(editor)

    assert client.get(f"/o/{org.slug}/posts/{theirs.pk}/preview-links/").status_code == 404
    mine = PostGroupFactory(organization=org)
    revoke = f"/o/{org.slug}/posts/{mine.pk}/preview-links/{link.pk}/revoke/"
    assert client.post(revoke).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


def test_the_links_page_lists_links_in_few_queries(
    org, editor, group, client_for, django_assert_max_num_queries
):
    for _ in range(5):
        link_services.preview_link_create(group=group, actor=editor)
    client = client_for(editor)
    with django_assert_max_num_queries(14):
        response = client.get(f"/o/{org.slug}/posts/{group.pk}/preview-links/")
    assert response.content.decode().count("Revoke<span") == 5


def test_the_author_is_told_of_a_visitors_comment(org, owner, editor, group):
    _, token = link_services.preview_link_create(group=group, actor=editor, allow_comments=True)

    Client().post(f"/p/{token}/", {"name": "Dana", "body": "Nice photo"})

    note = Notification.objects.get(user=owner)
    assert "Dana commented" in note.title and "Nice photo" in note.body
