"""Dates through both APIs: far dates are refused with a 400 that says what to fix (and
nothing is saved), and the native API reads a time without offset in the post's zone."""

import pytest
from django.test import Client

from posts.models import Post, PostGroup

pytestmark = pytest.mark.django_db

JSON = "application/json"
RANGE = "from 2000-01-01 to 2099-12-31"
FAR = "9999-12-31T23:59:00-12:00"  # in the year 10000 in UTC


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def _compat(api, channel, date, kind="schedule"):
    return api.post(
        "/public/v1/posts",
        {
            "type": kind,
            "date": date,
            "posts": [
                {"integration": {"id": str(channel.public_id)}, "value": [{"content": "Hi"}]}
            ],
        },
        content_type=JSON,
    )


def _group(native, channel, when, **extra):
    return native.post(
        "/api/v1/groups",
        {
            "action": "schedule",
            "publish_at": when,
            "content": [{"text": "Hello"}],
            "channels": [{"channel_id": str(channel.public_id)}],
            **extra,
        },
        content_type=JSON,
    )


def _messages(response) -> str:
    return " ".join(e["message"] for e in response.json()["errors"])


# -- Out of range -----------------------------------------------------------------------------
@pytest.mark.parametrize("date", [FAR, "9999-12-31T00:00:00Z", "2100-01-01T00:00:00Z"])
@pytest.mark.parametrize("kind", ["schedule", "draft"])
def test_a_compatible_post_dated_past_2099_is_refused_saying_what_to_fix(api, channel, date, kind):
    response = _compat(api, channel, date, kind)
    assert response.status_code == 400
    assert response.json()["message"] == [f"date must be {RANGE} (UTC)"]
    assert not PostGroup.objects.exists()


def test_a_compatible_schedule_in_the_year_1_is_refused_not_posted_now(api, channel):
    response = _compat(api, channel, "0001-01-01T00:00:00+14:00")
    assert response.status_code == 400
    assert RANGE in response.json()["message"][0]
    assert not Post.objects.exists()


@pytest.mark.parametrize("when", [FAR, "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:00Z"])
def test_a_native_group_dated_out_of_range_is_refused(native, channel, when):
    response = _group(native, channel, when)
    assert response.status_code == 400
    assert RANGE in _messages(response)
    assert not Post.objects.exists()


def test_a_native_post_dated_out_of_range_is_refused(native, channel):
    response = native.post(
        "/api/v1/posts",
        {
            "channel_id": str(channel.public_id),
            "action": "draft",
            "publish_at": FAR,
            "items": [{"text": "Hello"}],
        },
        content_type=JSON,
    )
    assert response.status_code == 400
    assert RANGE in _messages(response)
    assert not Post.objects.exists()


def test_patching_a_native_post_or_group_to_9999_is_refused_and_keeps_its_date(native, channel):
    group = _group(native, channel, "2030-01-15T12:00:00Z").json()
    post_url = f"/api/v1/posts/{group['posts'][0]['id']}"
    for target in (post_url, f"/api/v1/groups/{group['id']}"):
        response = native.patch(target, {"publish_at": FAR}, content_type=JSON)
        assert response.status_code == 400, target
        assert RANGE in _messages(response)
    read = native.get(post_url)
    assert read.status_code == 200
    assert read.json()["publish_at"] == "2030-01-15T12:00:00.000Z"


# -- A time without offset is read in the post's zone -------------------------------------------
@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2030-01-15T09:00:00", "2030-01-15T14:00:00.000Z"),  # EST, UTC-5
        ("2030-07-15T09:00:00", "2030-07-15T13:00:00.000Z"),  # EDT, UTC-4
        ("2030-03-10T02:30:00", "2030-03-10T07:30:00.000Z"),  # skipped: 03:30 EDT
        ("2030-11-03T01:30:00", "2030-11-03T05:30:00.000Z"),  # twice: the first (EDT)
    ],
)
def test_a_native_time_without_offset_is_read_in_the_given_zone_across_dst(
    native, channel, local, utc
):
    response = _group(native, channel, local, timezone="America/New_York")
    assert response.status_code == 201, response.content
    assert response.json()["posts"][0]["publish_at"] == utc
    assert PostGroup.objects.get().timezone == "America/New_York"


def test_a_native_time_with_an_offset_keeps_its_instant_whatever_the_zone(native, channel):
    response = _group(native, channel, "2030-07-15T09:00:00+02:00", timezone="America/New_York")
    assert response.status_code == 201, response.content
    assert response.json()["posts"][0]["publish_at"] == "2030-07-15T07:00:00.000Z"


def test_a_native_time_without_offset_and_no_zone_is_read_in_the_organizations(
    native, channel, org
):
    assert org.timezone == "Europe/Paris"
    response = _group(native, channel, "2030-07-15T09:00:00")
    assert response.json()["posts"][0]["publish_at"] == "2030-07-15T07:00:00.000Z"


def test_patching_with_a_time_without_offset_reads_it_in_the_groups_zone(native, channel):
    group = _group(native, channel, "2030-01-15T09:00:00", timezone="America/New_York").json()
    post_url = f"/api/v1/posts/{group['posts'][0]['id']}"
    response = native.patch(post_url, {"publish_at": "2030-07-01T09:00:00"}, content_type=JSON)
    assert response.status_code == 200, response.content
    assert response.json()["publish_at"] == "2030-07-01T13:00:00.000Z"
    response = native.patch(
        f"/api/v1/groups/{group['id']}", {"publish_at": "2030-12-01T09:00:00"}, content_type=JSON
    )
    assert response.status_code == 200, response.content
    assert response.json()["posts"][0]["publish_at"] == "2030-12-01T14:00:00.000Z"


def test_listing_a_long_repeat_up_to_the_year_9999_stops_at_the_bound(api, channel):
    assert _compat(api, channel, "2030-01-15T12:00:00Z").status_code == 201
    PostGroup.objects.update(repeat_every=365, repeat_unit="week", timezone="UTC")
    response = api.get(
        "/public/v1/posts",
        {"startDate": "2030-01-01T00:00:00Z", "endDate": "9999-12-31T00:00:00Z"},
    )
    assert response.status_code == 200
    dates = [p["publishDate"] for p in response.json()["posts"]]
    assert dates[0] == "2030-01-15T12:00:00.000Z" and max(dates) < "2100"
