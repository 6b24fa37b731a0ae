"""Sentences the service writes into records (a post's error, notifications, review events,
plug runs, import notes) are shown in the language of whoever reads them, not the language
of the job or person that wrote them; the API keeps answering English."""

import html as html_lib
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone, translation
from werkzeug import Response

from integrations.analytics import analytics_refused
from organizations.permissions import Role
from organizations.texts import Text
from posts import engine
from posts.analytics.models import PostMetricLatest
from posts.models import Notification, Post, ReviewEvent
from posts.plugs import services as plug_services
from posts.plugs.models import Plug, PlugRun
from posts.services import approvals, notifications
from posts.services.groups import ChannelInput, ItemInput, post_group_create
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import MembershipFactory, PostFactory
from tests.posts.helpers import status

pytestmark = pytest.mark.django_db

NETWORK_WORDS = "Validation failed: Text character limit of 500 exceeded"


@pytest.fixture
def french(editor):
    editor.language = "fr"
    editor.save(update_fields=["language"])
    return editor


@pytest.fixture
def english_member(org):
    user = MembershipFactory(organization=org, role=Role.EDITOR).user
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def fail_second_part(mastodon, httpserver):
    """A two-part thread whose reply the network refuses, published by a worker."""
    post = PostFactory(integration=mastodon, items=["First part", "Second part"])
    sent = []

    def statuses(request):
        sent.append(1)
        if len(sent) == 1:
            return Response(json.dumps(status("1")), content_type="application/json")
        return Response(json.dumps({"error": NETWORK_WORDS}), status=422)

    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(statuses)
    assert engine.claim_due() == [post.pk]
    assert engine.publish_post(post.pk).state == State.FAILED
    return Post.objects.get(pk=post.pk)


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


def test_a_post_failed_by_a_worker_is_explained_in_each_readers_language(
    org, french, english_member, mastodon, httpserver, client_for
):
    post = fail_second_part(mastodon, httpserver)
    day = post.publish_at.date().isoformat()

    # The record keeps English for the API and the admin.
    assert post.error_message.startswith("The first 1 part of the thread went out")
    assert NETWORK_WORDS in post.error_message

    for reader, said in (
        (french, "1 partie du fil est partie ; la suivante non : "),
        (english_member, "The first 1 part of the thread went out; the next one did not: "),
    ):
        client = client_for(reader)
        failures = page(client, f"/o/{org.slug}/failures/")
        calendar = page(client, f"/o/{org.slug}/calendar/", view="week", date=day)
        for html in (failures, calendar):
            assert said in html
            assert NETWORK_WORDS in html  # the network's own words, as written


def test_an_old_error_kept_only_as_text_is_shown_as_it_was(org, french, mastodon, client_for):
    post = PostFactory(integration=mastodon, items=["Old one"], state=State.FAILED)
    Post.objects.filter(pk=post.pk).update(error_message="Kept before: token revoked.")

    html = page(client_for(french), f"/o/{org.slug}/failures/")

    assert "Kept before: token revoked." in html


def test_the_api_keeps_answering_the_english_error(org, owner, mastodon, httpserver):
    post = fail_second_part(mastodon, httpserver)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, actor=owner)[1]}")

    answer = api.get(f"/api/v1/posts/{post.public_id}", HTTP_ACCEPT_LANGUAGE="fr").json()

    assert answer["error"]["message"] == post.error_message
    assert answer["error"]["message"].startswith("The first 1 part of the thread went out")


# -- Notifications ------------------------------------------------------------------------
def test_the_bell_and_the_failure_email_speak_each_members_language(
    org, french, english_member, mastodon, httpserver, client_for
):
    post = fail_second_part(mastodon, httpserver)
    notes = {n.user_id: n for n in Notification.objects.filter(post=post, kind="post.failed")}
    assert notes[french.pk].title == "A post to Acme on Mastodon failed"  # the API's English

    french_bell = page(client_for(french), f"/o/{org.slug}/notifications/")
    assert "Une publication sur Acme on Mastodon a échoué" in french_bell
    assert "« First part »" in french_bell
    assert "1 partie du fil est partie ; la suivante non : " in french_bell
    assert NETWORK_WORDS in french_bell
    english_bell = page(client_for(english_member), f"/o/{org.slug}/notifications/")
    assert "A post to Acme on Mastodon failed" in english_bell
    assert "“First part”" in english_bell and NETWORK_WORDS in english_bell
    panel = client_for(french).get(f"/o/{org.slug}/notifications/?panel=1", HTTP_HX_REQUEST="true")
    assert "Une publication sur Acme on Mastodon a échoué" in html_lib.unescape(
        panel.content.decode()
    )

    mail.outbox.clear()
    ids = [note.pk for note in notes.values()]
    Notification.objects.filter(pk__in=ids).update(emailed_at=None)
    assert notifications.notifications_email(notification_ids=ids) == 2
    by_reader = {message.to[0]: message for message in mail.outbox}
    french_mail, english_mail = by_reader[french.email], by_reader[english_member.email]
    assert french_mail.subject.startswith("Une publication sur Acme on Mastodon a échoué")
    assert "1 partie du fil est partie" in french_mail.body
    assert NETWORK_WORDS in french_mail.body
    assert english_mail.subject == "A post to Acme on Mastodon failed in Acme"
    assert "The first 1 part of the thread went out" in english_mail.body


def test_an_old_notification_kept_only_as_text_is_shown_as_it_was(org, french, client_for):
    Notification.objects.create(
        organization=org, user=french, kind="post.failed", title="Old title", body="Old body"
    )
    html = page(client_for(french), f"/o/{org.slug}/notifications/")
    assert "Old title" in html and "Old body" in html


# -- Reviews ------------------------------------------------------------------------------
@pytest.fixture
def reviewed(org):
    org.approval_mode = "internal"
    org.save()
    return org


def test_approval_notes_and_the_review_thread_follow_each_readers_language(
    reviewed, french, owner, mastodon, client_for
):
    owner.language = "en"
    owner.save(update_fields=["language"])
    group = post_group_create(
        organization=reviewed,
        actor=french,
        content=[ItemInput("Launch day")],
        channels=[ChannelInput(mastodon.pk)],
        action="schedule",
        publish_at=timezone.now() + timedelta(hours=2),
    )
    # The post's time comes while it waits: the worker holds it and tells the team.
    Post.objects.filter(group=group).update(publish_at=timezone.now() - timedelta(minutes=1))
    assert approvals.reviews_hold_due() == 1
    # The approver decides in English; the author reads the outcome in French.
    with translation.override("en"):
        approvals.review_approve(group=group, actor=owner, post_now=True)

    french_bell = page(client_for(french), f"/o/{reviewed.slug}/notifications/")
    assert "Retenue, en attente de validation : Acme on Mastodon" in french_bell
    assert "Validée : Acme on Mastodon" in french_bell
    assert f"{owner.name or owner.email} l\u2019a validée" in french_bell
    english_bell = page(client_for(owner), f"/o/{reviewed.slug}/notifications/")
    assert "Held, waiting for approval: Acme on Mastodon" in english_bell

    review = f"/o/{reviewed.slug}/posts/{group.pk}/review/"
    assert "Son heure est arrivée avant sa validation" in page(client_for(french), review)
    assert "Its time came before its approval; it was not published." in page(
        client_for(owner), review
    )
    held = ReviewEvent.objects.get(group=group, action="held")
    assert held.body == "Its time came before its approval; it was not published."


# -- Plug runs ----------------------------------------------------------------------------
def test_a_plug_runs_message_follows_the_readers_language(
    org, french, english_member, mastodon, client_for
):
    plug = plug_services.plug_create(
        integration=mastodon, kind="repost", metric="likes", threshold=5
    )
    now = timezone.now()
    post = PostFactory(
        integration=mastodon,
        state=State.PUBLISHED,
        publish_at=now,
        published_at=now,
        remote_id="101",
        remote_url="https://social.example/@acme/101",
    )
    run = PlugRun.objects.create(
        organization=org, plug=plug, post=post, kind="repost", metric="likes", threshold=5, value=6
    )
    Plug.objects.filter(pk=plug.pk).update(enabled=False)

    assert plug_services.plug_run_fire(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.message == "The plug was turned off before it fired."
    PostMetricLatest.objects.create(
        organization=org, post=post, integration=mastodon, metric="likes", value=6, published_at=now
    )
    french_page = page(client_for(french), f"/o/{org.slug}/analytics/")
    assert "Le déclencheur a été désactivé avant de se déclencher." in french_page
    english_page = page(client_for(english_member), f"/o/{org.slug}/analytics/")
    assert "The plug was turned off before it fired." in english_page


def test_a_channels_refused_counts_are_explained_in_the_readers_language(
    org, french, english_member, mastodon, client_for
):
    refusal = Text(
        "%(network)s refused to share this channel's counts: %(reason)s Reconnect the channel "
        "and grant the permission.",
        network="Mastodon",
        reason="This action is outside the authorized scopes",
    )
    analytics_refused(integration=mastodon, message=refusal)

    french_page = page(client_for(french), f"/o/{org.slug}/analytics/")
    english_page = page(client_for(english_member), f"/o/{org.slug}/analytics/")

    assert "Mastodon a refusé de partager les statistiques de ce canal" in french_page
    assert "This action is outside the authorized scopes" in french_page
    assert "Mastodon refused to share this channel's counts" in english_page
