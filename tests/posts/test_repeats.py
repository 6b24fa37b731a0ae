"""Repeating posts keep their local wall-clock time, across DST, gap and overlap included."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from posts.models import Post, PostGroup, PostItemMedia
from posts.repeats import next_occurrence, repeats_create_due
from posts.states import State, transition
from tests.factories import MediaFileFactory, PostFactory

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def local(when: datetime, zone: str) -> datetime:
    return when.astimezone(ZoneInfo(zone))


def test_a_daily_post_at_nine_stays_at_nine_when_summer_time_starts():
    first = datetime(2026, 3, 27, 9, 0, tzinfo=ZoneInfo(BERLIN))  # CET, 08:00 UTC
    when = first
    seen = []
    for _ in range(4):
        when = next_occurrence(
            first=first, every=1, unit="day", zone=BERLIN, after=when, until=None
        )
        seen.append(when)
    assert [local(w, BERLIN).strftime("%d %H:%M") for w in seen] == [
        "28 09:00",
        "29 09:00",
        "30 09:00",
        "31 09:00",
    ]
    # The same wall-clock time is one hour earlier in UTC once summer time starts.
    assert seen[0].astimezone(UTC).hour == 8 and seen[1].astimezone(UTC).hour == 7


def test_a_weekly_post_at_nine_stays_at_nine_when_summer_time_ends():
    first = datetime(2026, 10, 18, 9, 0, tzinfo=ZoneInfo(BERLIN))
    when = next_occurrence(first=first, every=1, unit="week", zone=BERLIN, after=first, until=None)
    assert local(when, BERLIN) == datetime(2026, 10, 25, 9, 0, tzinfo=ZoneInfo(BERLIN))
    assert when.astimezone(UTC).hour == 8  # 07:00 UTC before, 08:00 UTC after


def test_in_the_spring_gap_the_post_goes_out_the_gap_later():
    # 2026-03-08 02:30 does not exist in New York: clocks jump from 02:00 to 03:00.
    first = datetime(2026, 3, 7, 2, 30, tzinfo=ZoneInfo(NEW_YORK))
    when = next_occurrence(first=first, every=1, unit="day", zone=NEW_YORK, after=first, until=None)
    assert when == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert local(when, NEW_YORK).strftime("%H:%M %Z") == "03:30 EDT"
    following = next_occurrence(
        first=first, every=1, unit="day", zone=NEW_YORK, after=when, until=None
    )
    assert local(following, NEW_YORK).strftime("%d %H:%M") == "09 02:30"  # back on time


def test_in_the_autumn_overlap_the_post_goes_out_once_at_the_first_time():
    # 2026-11-01 01:30 happens twice in New York (EDT, then EST).
    first = datetime(2026, 10, 31, 1, 30, tzinfo=ZoneInfo(NEW_YORK))
    when = next_occurrence(first=first, every=1, unit="day", zone=NEW_YORK, after=first, until=None)
    assert when == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT, the first one
    following = next_occurrence(
        first=first, every=1, unit="day", zone=NEW_YORK, after=when, until=None
    )
    assert following.date() == date(2026, 11, 2)  # the second 01:30 is not a new occurrence


def test_a_series_stops_after_its_end_date():
    first = datetime(2026, 5, 1, 9, 0, tzinfo=ZoneInfo(BERLIN))
    last = next_occurrence(
        first=first, every=2, unit="day", zone=BERLIN, after=first, until=date(2026, 5, 3)
    )
    assert local(last, BERLIN).date() == date(2026, 5, 3)
    assert (
        next_occurrence(
            first=first, every=2, unit="day", zone=BERLIN, after=last, until=date(2026, 5, 3)
        )
        is None
    )


def test_after_downtime_the_next_occurrence_is_in_the_future_not_a_backlog():
    first = datetime(2026, 1, 1, 9, 0, tzinfo=ZoneInfo(BERLIN))
    after = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    when = next_occurrence(first=first, every=1, unit="day", zone=BERLIN, after=after, until=None)
    assert local(when, BERLIN) == datetime(2026, 6, 16, 9, 0, tzinfo=ZoneInfo(BERLIN))


def _series(channel, due, every=1, unit="day", zone=BERLIN, until=None):
    post = PostFactory(
        integration=channel,
        items=["Good morning", {"content": "the thread goes on", "delay_minutes": 5}],
        publish_at=due,
    )
    PostGroup.objects.filter(pk=post.group_id).update(
        repeat_every=every, repeat_unit=unit, timezone=zone, repeat_until=until
    )
    return post


@pytest.mark.django_db
def test_once_an_occurrence_is_due_the_next_one_is_scheduled_with_its_thread(mastodon):
    due = datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    post = _series(mastodon, due)
    transition(Post.objects.filter(pk=post.pk), State.PUBLISHING)
    transition(Post.objects.filter(pk=post.pk), State.PUBLISHED)

    assert repeats_create_due(now=due + timedelta(minutes=1)) == 1
    nxt = Post.objects.exclude(pk=post.pk).get()
    assert nxt.state == State.SCHEDULED
    assert nxt.group.repeat_of_id == post.group_id
    assert local(nxt.publish_at, BERLIN).strftime("%d %H:%M") == "29 09:00"  # summer time
    assert [(i.position, i.content, i.delay_minutes) for i in nxt.items.all()] == [
        (0, "Good morning", 0),
        (1, "the thread goes on", 5),
    ]
    # Running again before that occurrence is due creates nothing more.
    assert repeats_create_due(now=due + timedelta(minutes=2)) == 0
    assert Post.objects.count() == 2


@pytest.mark.django_db
def test_the_next_occurrence_carries_the_same_media(mastodon, org):

    due = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    post = _series(mastodon, due)
    file = MediaFileFactory(organization=org, name="a.png")
    PostItemMedia.objects.create(item=post.items.first(), media=file, alt_text="A cat")
    repeats_create_due(now=due + timedelta(seconds=1))
    copy = PostItemMedia.objects.exclude(item__post=post).get()
    assert copy.media == file and copy.alt_text == "A cat"


@pytest.mark.django_db
def test_a_deleted_or_draft_series_does_not_repeat(mastodon):
    due = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    deleted = _series(mastodon, due)
    PostGroup.objects.filter(pk=deleted.group_id).update(deleted_at=due)
    draft = _series(mastodon, due)
    Post.objects.filter(pk=draft.pk).update(state=State.DRAFT)
    assert repeats_create_due(now=due + timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_a_series_past_its_end_date_creates_nothing(mastodon):
    due = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    _series(mastodon, due, until=date(2026, 4, 1))
    assert repeats_create_due(now=due + timedelta(hours=1)) == 0
