"""Times are written the way each person reads them: their choice, else their browser's."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.clock import COOKIE, format_hour, format_time, hour12_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("at", "hour12", "text"),
    [
        (time(0, 5), True, "12:05 AM"),
        (time(12, 0), True, "12:00 PM"),
        (time(14, 5), True, "2:05 PM"),
        (time(14, 5), False, "14:05"),
        (time(9, 30), False, "09:30"),
    ],
)
def test_times_are_written_in_12_or_24_hours(at, hour12, text):
    assert format_time(at, hour12) == text


def test_hour_rows_are_labelled_in_the_readers_clock():
    assert [format_hour(h, True) for h in (0, 11, 12, 23)] == ["12 AM", "11 AM", "12 PM", "11 PM"]
    assert format_hour(9, False) == "09:00"


@pytest.mark.parametrize(
    ("choice", "cookie", "hour12"),
    [
        ("", "", False),  # nothing known: 24-hour
        ("", "12", True),  # the browser's habit
        ("", "24", False),
        ("24", "12", False),  # a choice wins over the browser
        ("12", "24", True),
    ],
)
def test_the_profile_choice_wins_over_the_browsers_clock(choice, cookie, hour12):
    request = RequestFactory().get("/")
    request.user = UserFactory(clock=choice)
    if cookie:
        request.COOKIES[COOKIE] = cookie
    assert hour12_for(request) is hour12


def test_the_template_tags_write_the_time_in_the_active_zone_and_the_readers_clock():
    request = RequestFactory().get("/")
    request.user = UserFactory(clock="12")
    moment = datetime(2026, 3, 16, 13, 5, tzinfo=ZoneInfo("UTC"))
    source = '{% load clock %}{% clock at %}|{% when at "D j M" %}|{% clock_hours %}'
    with timezone.override(ZoneInfo("Europe/Berlin")):
        text = Template(source).render(Context({"at": moment, "request": request}))
    assert text == "2:05 PM|Mon 16 Mar, 2:05 PM|12"


def test_the_profile_saves_the_clock(client_for):
    person = UserFactory(timezone="Europe/Paris")
    client = client_for(person)
    assert "As my browser shows times" in client.get(reverse("profile")).content.decode()
    response = client.post(
        reverse("profile"), {"name": "Ada", "timezone": "Europe/Paris", "clock": "12"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.clock == "12"
