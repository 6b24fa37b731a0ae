"""Moving one channel's post in time: from the calendar's drag and drop or its move form."""

from datetime import timedelta

import pytest
from django.utils import timezone

from organizations.models import AuditEvent, Organization
from posts.models import Post
from posts.services.reschedule import post_reschedule
from posts.states import State
from tests.factories import PostFactory
from tests.posts.test_calendar_fixtures import channel, post_at, utc

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1


@pytest.fixture
def new_yorker(editor):
    editor.timezone = "America/New_York"
    editor.save(update_fields=["timezone"])
    return editor


@pytest.fixture
def acme(org):
    return channel(org)


def move(client, org, post, date, time, **extra):
    return client.post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": date, "time": time, **extra},
        follow=True,
    )


def test_moving_a_post_stores_the_local_time_as_utc_and_is_audited(
    org, new_yorker, acme, client_for
):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    sibling = PostFactory(
        group=post.group, integration=channel(org, name="Other"), publish_at=post.publish_at
    )

    response = move(client_for(new_yorker), org, post, f"{NEXT_YEAR}-06-02", "09:30")

    post.refresh_from_db()
    sibling.refresh_from_db()
    # 09:30 in New York in June is 13:30 UTC (EDT).
    assert post.publish_at == utc(NEXT_YEAR, 6, 2, 13, 30)
    assert post.state == State.SCHEDULED
    assert sibling.publish_at == utc(NEXT_YEAR, 6, 1, 12, 0)
    assert "09:30 (America/New_York)" in response.content.decode()
    event = AuditEvent.objects.get(action="post.rescheduled")
    assert event.organization == org and event.actor == new_yorker
    assert event.details["to"] == utc(NEXT_YEAR, 6, 2, 13, 30).isoformat()


def test_the_move_returns_to_the_page_it_came_from(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    back = f"/o/{org.slug}/calendar/?view=month&date={NEXT_YEAR}-06-01"
    response = client_for(new_yorker).post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": f"{NEXT_YEAR}-06-03", "time": "10:00", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back


def test_a_draft_stays_a_draft_and_a_failed_post_is_scheduled_again(org, owner, acme):
    draft = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0), state=State.DRAFT)
    failed = post_at(acme, utc(2020, 6, 1, 12, 0), state=State.FAILED, error_message="Rate limited")
    later = utc(NEXT_YEAR, 7, 1, 12, 0)

    post_reschedule(post=draft, actor=owner, publish_at=later)
    post_reschedule(post=failed, actor=owner, publish_at=later)

    assert draft.state == State.DRAFT and draft.publish_at == later
    assert failed.state == State.SCHEDULED and failed.error_message == ""


def test_moving_into_the_past_is_refused(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))

    response = move(client_for(new_yorker), org, post, "2020-01-01", "09:00")

    post.refresh_from_db()
    assert post.publish_at == utc(NEXT_YEAR, 6, 1, 12, 0)
    assert "Pick a time in the future" in response.content.decode()


def test_a_post_being_published_is_not_moved(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    # A worker claims it between the page being drawn and the drop.
    Post.objects.filter(pk=post.pk).update(state=State.PUBLISHING)

    response = move(client_for(new_yorker), org, post, f"{NEXT_YEAR}-06-02", "09:30")

    post.refresh_from_db()
    assert post.state == State.PUBLISHING
    assert post.publish_at == utc(NEXT_YEAR, 6, 1, 12, 0)
    assert "it is being published right now" in response.content.decode().lower()
    assert not AuditEvent.objects.filter(action="post.rescheduled").exists()


def test_a_published_post_is_not_moved(org, owner, acme):
    from django.core.exceptions import ValidationError

    post = post_at(acme, utc(2020, 6, 1, 12, 0), state=State.PUBLISHED)
    with pytest.raises(ValidationError, match="already been published"):
        post_reschedule(post=post, actor=owner, publish_at=utc(NEXT_YEAR, 1, 1))


def test_a_time_skipped_by_the_clocks_moves_forward_and_says_so(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR + 1, 1, 1, 12, 0))
    # On the second Sunday of March 02:00-03:00 does not exist in New York.
    day = _second_sunday_of_march(NEXT_YEAR + 1)

    response = move(client_for(new_yorker), org, post, day.isoformat(), "02:30")

    post.refresh_from_db()
    # 03:30 EDT, the same rule as the composer and repeats.
    assert post.publish_at == utc(day.year, day.month, day.day, 7, 30)
    html = response.content.decode()
    assert "03:30 (America/New_York)" in html and "02:30 does not exist" in html


def test_a_time_that_happens_twice_means_the_first_one(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR + 1, 1, 1, 12, 0))
    day = _first_sunday_of_november(NEXT_YEAR + 1)

    move(client_for(new_yorker), org, post, day.isoformat(), "01:30")

    post.refresh_from_db()
    # 01:30 EDT (UTC-4), not 01:30 EST an hour later.
    assert post.publish_at == utc(day.year, day.month, day.day, 5, 30)


def test_a_missing_or_malformed_time_says_what_to_fix(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    response = move(client_for(new_yorker), org, post, "June the first", "")
    assert "Give a date (YYYY-MM-DD) and a time (HH:MM)" in response.content.decode()


def test_viewer_cannot_move_posts(org, viewer, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    response = client_for(viewer).post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": f"{NEXT_YEAR}-06-02", "time": "09:30"},
    )
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.publish_at == utc(NEXT_YEAR, 6, 1, 12, 0)


def test_outsider_gets_404(org, outsider, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    response = client_for(outsider).post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": f"{NEXT_YEAR}-06-02", "time": "09:30"},
    )
    assert response.status_code == 404


def test_another_organizations_post_is_not_found(org, editor, outsider, client_for):
    theirs = channel(Organization.objects.get(memberships__user=outsider), name="Theirs")
    post = post_at(theirs, utc(NEXT_YEAR, 6, 1, 12, 0))

    response = client_for(editor).post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": f"{NEXT_YEAR}-06-02", "time": "09:30"},
    )

    assert response.status_code == 404
    post.refresh_from_db()
    assert post.publish_at == utc(NEXT_YEAR, 6, 1, 12, 0)


def test_a_malformed_post_id_is_not_found(org, editor, client_for):
    response = client_for(editor).post(
        f"/o/{org.slug}/calendar/posts/not-a-post/reschedule/",
        {"date": f"{NEXT_YEAR}-06-02", "time": "09:30"},
    )
    assert response.status_code == 404


def test_moving_only_answers_post(org, editor, acme, client_for):
    post = post_at(acme, utc(NEXT_YEAR, 6, 1, 12, 0))
    response = client_for(editor).get(f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/")
    assert response.status_code == 405


def _second_sunday_of_march(year):
    from datetime import date

    first = date(year, 3, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def _first_sunday_of_november(year):
    from datetime import date

    first = date(year, 11, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7)
