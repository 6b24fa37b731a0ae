"""Posts take dates from 2000 to the end of 2099 in every way they are written: far dates
are refused with a message saying what to fix, and nothing saved; repeats stop at the
bound; the calendar falls back to today."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from posts.models import Post, PostGroup
from posts.repeats import next_occurrence, repeats_create_due
from posts.services.groups import (
    GENERAL,
    ChannelInput,
    ItemInput,
    PostValidationError,
    post_group_create,
    post_validate,
)
from posts.services.reschedule import post_reschedule
from posts.states import State, transition
from tests.factories import PostFactory
from tests.posts.test_composer import form, url
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db

RANGE = "choose a date from 2000-01-01 to 2099-12-31"


def far_form(ch, *, day="9999-12-31", at="23:59", zone="Etc/GMT+12", **extra):
    data = form(ch, **extra)
    data.update({"publish_date": day, "publish_time": at, "timezone": zone})
    return data


# -- The composer -------------------------------------------------------------------------
def test_a_post_dated_9999_west_of_utc_is_refused_with_a_clear_message(org, editor, client_for):
    # 9999-12-31 23:59 in Etc/GMT+12 is in the year 10000 in UTC.
    response = client_for(editor).post(url(org), far_form(channel(org)))
    assert response.status_code == 400
    assert RANGE in response.content.decode()
    assert not PostGroup.objects.exists() and not Post.objects.exists()


def test_a_draft_dated_9999_is_refused_too(org, editor, client_for):
    response = client_for(editor).post(url(org), far_form(channel(org), action="draft"))
    assert response.status_code == 400
    assert RANGE in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    ("day", "zone"),
    [("0001-01-01", "Etc/GMT-14"), ("1999-12-31", "UTC"), ("2100-01-01", "UTC")],
)
def test_a_post_dated_before_2000_or_from_2100_is_refused(org, editor, client_for, day, zone):
    response = client_for(editor).post(url(org), far_form(channel(org), day=day, zone=zone))
    assert response.status_code == 400
    assert RANGE in response.content.decode()
    assert not Post.objects.exists()


def test_the_live_checks_say_the_date_is_out_of_range(org, editor, client_for):
    response = client_for(editor).post(
        url(org, "composer_validate"), far_form(channel(org)), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert RANGE in page and 'data-has-errors="true"' in page


def test_a_repeat_until_the_year_9999_is_refused_saying_to_leave_it_empty(org, editor, client_for):
    data = form(channel(org), repeat_every="1", repeat_unit="day", repeat_until="9999-12-31")
    response = client_for(editor).post(url(org), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "2099-12-31" in page and "leave it empty" in page
    assert not Post.objects.exists()


# -- The shared validator -------------------------------------------------------------------
def test_the_validator_refuses_a_far_date_for_every_writer(org, editor):
    masto = channel(org)
    far = datetime(9999, 12, 31, 23, 59, tzinfo=ZoneInfo("Etc/GMT+12"))
    issues = post_validate(
        organization=org,
        content=[ItemInput("Hello")],
        channels=[ChannelInput(masto.pk)],
        action="schedule",
        publish_at=far,
    )
    [issue] = issues[GENERAL]
    assert issue.code == "date_out_of_range" and issue.field == "publish_at"
    assert issue.message == f"9999-12-31 23:59 is out of range: {RANGE}."
    with pytest.raises(PostValidationError):
        post_group_create(
            organization=org,
            actor=editor,
            content=[ItemInput("Hello")],
            channels=[ChannelInput(masto.pk)],
            action="schedule",
            publish_at=far,
        )
    assert not Post.objects.exists()


def test_the_last_moment_of_2099_is_accepted(org, editor):
    group = post_group_create(
        organization=org,
        actor=editor,
        content=[ItemInput("Hello")],
        channels=[ChannelInput(channel(org).pk)],
        action="schedule",
        publish_at=datetime(2099, 12, 31, 23, 59, tzinfo=UTC),
    )
    assert group.posts.get().publish_at.year == 2099


# -- Repeats ----------------------------------------------------------------------------------
def test_a_repeat_never_computes_an_occurrence_past_2099_whatever_its_end_date():
    first = datetime(2099, 12, 30, 9, 0, tzinfo=ZoneInfo("Etc/GMT+12"))
    last = next_occurrence(
        first=first, every=1, unit="day", zone="Etc/GMT+12", after=first, until=date(9999, 12, 31)
    )
    assert last is not None and last.astimezone(ZoneInfo("Etc/GMT+12")).day == 31
    # 2100-01-01 09:00 local is past the bound: no occurrence, and no overflow either.
    assert (
        next_occurrence(
            first=first,
            every=1,
            unit="week",
            zone="Etc/GMT+12",
            after=last,
            until=date(9999, 12, 31),
        )
        is None
    )


def test_a_series_saved_with_an_end_in_9999_stops_at_the_bound(org):
    masto = channel(org)
    due = datetime(2099, 12, 31, 9, 0, tzinfo=UTC)
    post = PostFactory(integration=masto, items=["Happy new century"], publish_at=due)
    PostGroup.objects.filter(pk=post.group_id).update(
        repeat_every=1, repeat_unit="day", timezone="UTC", repeat_until=date(9999, 12, 31)
    )
    transition(Post.objects.filter(pk=post.pk), State.PUBLISHING)
    transition(Post.objects.filter(pk=post.pk), State.PUBLISHED)

    assert repeats_create_due(now=due + timedelta(minutes=1)) == 0
    assert Post.objects.count() == 1


# -- The calendar -------------------------------------------------------------------------------
@pytest.mark.parametrize("view", ["week", "day", "month", "list"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2100-01-01", "31/12/2030", "x"])
def test_the_calendar_falls_back_to_today_for_a_far_or_unreadable_date(
    org, owner, client_for, view, day
):
    response = client_for(owner).get(f"/o/{org.slug}/calendar/", {"view": view, "date": day})
    assert response.status_code == 200
    assert "9999" not in response.content.decode()


def test_moving_a_post_on_the_calendar_to_9999_says_the_date_is_out_of_range(
    org, owner, client_for
):
    post = PostFactory(
        integration=channel(org), items=["Hello"], publish_at=datetime(2030, 1, 1, 9, tzinfo=UTC)
    )
    owner.timezone = "Etc/GMT+12"
    owner.save(update_fields=["timezone"])
    client = client_for(owner)
    response = client.post(
        f"/o/{org.slug}/calendar/posts/{post.public_id}/reschedule/",
        {"date": "9999-12-31", "time": "23:59"},
        follow=True,
    )
    assert response.status_code == 200
    assert RANGE in response.content.decode()
    post.refresh_from_db()
    assert post.publish_at == datetime(2030, 1, 1, 9, tzinfo=UTC)


def test_rescheduling_refuses_a_date_past_2099(org, owner):
    post = PostFactory(
        integration=channel(org), items=["Hello"], publish_at=datetime(2030, 1, 1, 9, tzinfo=UTC)
    )
    with pytest.raises(ValidationError, match=RANGE):
        post_reschedule(post=post, actor=owner, publish_at=datetime(2100, 1, 1, tzinfo=UTC))


# -- The database holds every post to the range ---------------------------------------------
def test_the_database_refuses_a_post_dated_outside_2000_to_2099(org):
    from django.db import IntegrityError, transaction

    post = PostFactory(integration=channel(org), items=["hi"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(publish_at=datetime(2100, 1, 1, tzinfo=UTC))


def test_a_post_saved_with_a_far_date_before_the_rule_is_opened_again_as_an_undated_draft(
    org, editor, client_for
):
    import importlib

    from django.db import connection

    post = PostFactory(integration=channel(org), items=["Written long ago"])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE posts_post DROP CONSTRAINT posts_post_publish_at_in_range")
        cursor.execute(
            "UPDATE posts_post SET publish_at = '10000-01-01T11:59:00Z' WHERE id = %s", [post.pk]
        )
        migration = importlib.import_module("posts.migrations.0007_publish_dates_in_range")
        cursor.execute(migration.UNDATE_FAR_POSTS)
    post = Post.objects.get(pk=post.pk)  # readable again: it used to fail right here
    assert (post.state, post.publish_at) == (State.DRAFT, None)
    assert "Pick a new date" in post.error_message
    assert post.items.get().content == "Written long ago"
    edit = client_for(editor).get(url(org, "edit", post.group_id))
    assert edit.status_code == 200
