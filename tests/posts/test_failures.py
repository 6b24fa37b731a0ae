"""The failures page: failed, unconfirmed and missed posts, and what a person does about
them (retry, mark as published, reschedule, cancel)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from organizations.models import AuditEvent, Event, Organization
from posts.models import Post
from posts.states import State
from tests.posts.test_calendar_fixtures import channel, post_at, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(org):
    return channel(org)


def failures_page(client, org):
    response = client.get(f"/o/{org.slug}/failures/")
    assert response.status_code == 200
    return response.content.decode()


def act(client, org, **data):
    return client.post(f"/o/{org.slug}/failures/actions/", data, follow=True)


def failed(acme, text="It broke", **fields):
    fields.setdefault("error_message", "The network said: rate limit reached, try later.")
    fields.setdefault("attempts", 3)
    return post_at(acme, utc(2026, 3, 17, 2, 30), text=text, state=State.FAILED, **fields)


def test_lists_failed_unconfirmed_and_missed_posts_with_the_networks_message(
    org, editor, acme, client_for
):
    editor.timezone = "America/New_York"
    editor.save(update_fields=["timezone"])
    failed(acme, text="Failed launch")
    post_at(acme, utc(2026, 3, 18, 12), text="Maybe out", state=State.UNCONFIRMED)
    post_at(acme, utc(2026, 3, 19, 12), text="Missed one", state=State.MISSED)
    post_at(acme, utc(2026, 3, 20, 12), text="Fine and scheduled")
    post_at(acme, utc(2026, 3, 20, 12), text="Already out", state=State.PUBLISHED)

    html = failures_page(client_for(editor), org)

    assert "Failed launch" in html and "Maybe out" in html and "Missed one" in html
    assert "Fine and scheduled" not in html and "Already out" not in html
    assert "rate limit reached, try later." in html
    assert "Mon 16 Mar 2026, 22:30" in html and "America/New_York" in html
    assert "may post twice" in html
    assert ">3</td>" in html


def test_nothing_failed_shows_an_empty_state(org, editor, acme, client_for):
    post_at(acme, utc(2026, 3, 20, 12))
    assert "Nothing failed" in failures_page(client_for(editor), org)


def test_viewer_may_look_but_not_act(org, viewer, acme, client_for):
    post = failed(acme)
    client = client_for(viewer)

    html = failures_page(client, org)
    response = client.post(f"/o/{org.slug}/failures/actions/", {"retry_one": post.public_id})

    assert "It broke" in html and "Retry selected" not in html
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.state == State.FAILED


def test_retry_one_schedules_it_now_keeps_its_time_and_is_audited(org, editor, acme, client_for):
    post = failed(acme)
    asked_for = post.publish_at

    response = act(client_for(editor), org, retry_one=post.public_id)

    post.refresh_from_db()
    assert post.state == State.SCHEDULED
    assert abs(post.retry_at - timezone.now()) < timedelta(minutes=1)
    assert post.publish_at == asked_for  # the time it was scheduled for stays on record
    assert post.error_message == ""
    assert "1 post will be sent again now" in response.content.decode()
    assert AuditEvent.objects.filter(action="post.retried", actor=editor).count() == 1


def test_retry_many(org, editor, acme, client_for):
    one, two = failed(acme, text="one"), failed(acme, text="two")
    missed = post_at(acme, utc(2026, 3, 19, 12), state=State.MISSED)
    untouched = failed(acme, text="left alone")

    response = act(
        client_for(editor),
        org,
        action="retry",
        post=[one.public_id, two.public_id, missed.public_id],
    )

    states = dict(Post.objects.values_list("pk", "state"))
    assert states[one.pk] == states[two.pk] == states[missed.pk] == State.SCHEDULED
    assert states[untouched.pk] == State.FAILED
    assert "3 posts will be sent again now" in response.content.decode()


def test_retrying_an_unconfirmed_post_needs_the_confirmation(org, editor, acme, client_for):
    post = post_at(acme, utc(2026, 3, 18, 12), state=State.UNCONFIRMED)
    client = client_for(editor)

    refused = act(client, org, action="retry", post=[post.public_id])
    post.refresh_from_db()
    assert post.state == State.UNCONFIRMED
    assert "could post it twice" in refused.content.decode()

    act(client, org, action="retry", post=[post.public_id], confirm_duplicate="on")
    post.refresh_from_db()
    assert post.state == State.SCHEDULED


def test_retry_of_a_post_a_worker_holds_is_refused(org, editor, acme, client_for):
    post = failed(acme)
    Post.objects.filter(pk=post.pk).update(state=State.PUBLISHING)

    response = act(client_for(editor), org, retry_one=post.public_id)

    assert "being published right now" in response.content.decode()
    post.refresh_from_db()
    assert post.state == State.PUBLISHING


def test_mark_published_records_the_address(org, editor, acme, client_for):
    post = post_at(acme, utc(2026, 3, 18, 12), state=State.UNCONFIRMED)

    response = client_for(editor).post(
        f"/o/{org.slug}/failures/posts/{post.public_id}/published/",
        {"url": "https://social.example/@acme/42"},
        follow=True,
    )

    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    assert post.remote_url == "https://social.example/@acme/42"
    assert post.published_at is not None
    assert "Marked the Acme on Mastodon post as published" in response.content.decode()
    assert AuditEvent.objects.filter(action="post.marked_published").exists()
    # Its first part is out as well, so it is never sent again; and it is told like any
    # published post.
    assert post.items.get(position=0).published_at is not None
    assert Event.objects.filter(name="post.published", post_id=post.pk).count() == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Paste the address of the post"),
        ("not a link", "That is not a web address"),
        ("javascript:alert(1)", "That is not a web address"),
    ],
)
def test_mark_published_refuses_a_bad_address(org, editor, acme, client_for, url, message):
    post = failed(acme)

    response = client_for(editor).post(
        f"/o/{org.slug}/failures/posts/{post.public_id}/published/", {"url": url}, follow=True
    )

    post.refresh_from_db()
    assert post.state == State.FAILED and post.remote_url == ""
    assert message in response.content.decode()


def test_cancel_selected(org, editor, acme, client_for):
    post = failed(acme)

    act(client_for(editor), org, action="cancel", post=[post.public_id])

    post.refresh_from_db()
    assert post.state == State.CANCELLED
    assert AuditEvent.objects.filter(action="post.cancelled").exists()


def test_nothing_ticked_says_so(org, editor, acme, client_for):
    failed(acme)
    response = act(client_for(editor), org, action="retry")
    assert "Tick at least one post first" in response.content.decode()


def test_reschedule_form_on_the_failures_page_moves_the_post(org, editor, acme, client_for):
    post = failed(acme)
    editor.timezone = "UTC"
    editor.save(update_fields=["timezone"])
    year = timezone.now().year + 1

    response = client_for(editor).post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": f"{year}-01-05", "time": "08:00", "next": f"/o/{org.slug}/failures/"},
    )

    assert response["Location"] == f"/o/{org.slug}/failures/"
    post.refresh_from_db()
    assert post.state == State.SCHEDULED and post.publish_at == utc(year, 1, 5, 8)


def test_another_organizations_post_is_not_found(org, editor, outsider, client_for):
    theirs = failed(channel(Organization.objects.get(memberships__user=outsider), name="Them"))
    client = client_for(editor)

    retry = client.post(f"/o/{org.slug}/failures/actions/", {"retry_one": theirs.public_id})
    mark = client.post(
        f"/o/{org.slug}/failures/posts/{theirs.public_id}/published/",
        {"url": "https://social.example/1"},
    )

    assert retry.status_code == 404 and mark.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.FAILED
    assert "It broke" not in failures_page(client, org)


def test_outsider_gets_404(org, outsider, client_for):
    assert client_for(outsider).get(f"/o/{org.slug}/failures/").status_code == 404


def test_query_count_does_not_grow_with_failures(org, editor, acme, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(editor)
    failures_page(client, org)
    counts = []
    for batch in (1, 9, 40):
        for _ in range(batch):
            failed(acme)
        with CaptureQueriesContext(connection) as queries:
            failures_page(client, org)
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
