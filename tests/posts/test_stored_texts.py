"""Sentences the service writes into records (a post's error, notifications, review events,
plug runs, import notes) are shown in the language of whoever reads them, not the language
of the job or person that wrote them; the API keeps answering English."""

import html as html_lib
import json

import pytest
from django.test import Client
from werkzeug import Response

from organizations.permissions import Role
from posts import engine
from posts.models import Post
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
