"""Timestamps read from PostgreSQL are the instants that were saved, in UTC, whatever
reads them (the ORM, values(), a raw cursor)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import connection

from postiz.db_types import TIMESTAMPTZ_OID, UtcTimestampLoader

pytestmark = pytest.mark.django_db


def test_connections_read_timestamps_with_the_fast_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0)

    assert loader is UtcTimestampLoader


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2030, 1, 15, 12, 0, 0, 123000, tzinfo=UTC),
        datetime(2030, 3, 31, 1, 30, tzinfo=timezone(timedelta(hours=2))),  # not UTC
        datetime(2000, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
    ],
)
def test_a_saved_instant_reads_back_as_the_same_instant_in_utc(moment):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz, NULL::timestamptz", [moment])
        value, missing = cursor.fetchone()

    assert value == moment
    assert value.tzinfo is UTC
    assert value.utcoffset() == timedelta(0)
    assert missing is None


def test_the_orm_reads_a_posts_time_as_it_was_scheduled(org):
    from tests.factories import PostFactory

    when = datetime(2031, 6, 1, 7, 45, 30, 250000, tzinfo=UTC)
    post = PostFactory(integration__organization=org, publish_at=when)

    row = type(post).objects.filter(pk=post.pk).values("publish_at", "created_at").get()

    assert row["publish_at"] == when and row["publish_at"].tzinfo is UTC
    assert row["created_at"].tzinfo is UTC
