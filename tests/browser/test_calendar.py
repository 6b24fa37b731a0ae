"""Dragging a post on the calendar, in a real browser."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from organizations.models import AuditEvent
from posts.models import Post
from tests.posts.test_calendar_fixtures import post_at
from tests.posts.test_groups import channel

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)


def _next_monday() -> datetime:
    today = timezone.now().astimezone(BERLIN).date()
    monday = today + timedelta(days=7 - today.weekday())
    return datetime(monday.year, monday.month, monday.day, 10, 15, tzinfo=BERLIN)


def _drag(page, text: str, date: str, hour: int):
    post = page.locator(".cal-post[draggable=true]", has_text=text)
    slot = page.locator(f'td.cal-slot[data-date="{date}"][data-hour="{hour}"]')
    post.drag_to(slot)


def test_dragging_a_post_asks_first_then_moves_it_in_the_viewers_zone(org, berliner, page_for):
    when = _next_monday()
    post = post_at(channel(org), when, text="Launch day")
    wednesday = (when + timedelta(days=2)).date().isoformat()
    page = page_for(berliner)
    page.goto(f"/o/acme/calendar/?view=week&date={when.date().isoformat()}")
    assert page.locator("[data-zone]").first.inner_text().strip() == "Europe/Berlin"

    # Keeping it where it is changes nothing.
    _drag(page, "Launch day", wednesday, 14)
    dialog = page.locator("#cal-confirm")
    assert dialog.is_visible()
    assert "to Wed" in dialog.inner_text() and "14:15" in dialog.inner_text()
    dialog.get_by_role("button", name="Keep it where it is").click()
    post.refresh_from_db()
    assert post.publish_at == when

    _drag(page, "Launch day", wednesday, 14)
    with page.expect_navigation():
        page.locator("#cal-confirm").get_by_role("button", name="Move").click()
    assert "Moved the" in page.locator(".messages, [role=status], [role=alert]").first.inner_text()
    post.refresh_from_db()
    assert post.publish_at.astimezone(BERLIN) == (when + timedelta(days=2)).replace(hour=14)
    assert AuditEvent.objects.filter(organization=org, action__contains="reschedul").exists()
    # The post now sits in its new slot.
    moved = page.locator(f'td.cal-slot[data-date="{wednesday}"][data-hour="14"] .cal-post')
    assert "Launch day" in moved.inner_text()


def test_a_post_cannot_be_dropped_into_the_past(org, berliner, page_for):
    now = timezone.now().astimezone(BERLIN)
    when = (now + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    post = post_at(channel(org), when, text="Soon")
    yesterday = (now - timedelta(days=1)).date().isoformat()
    page = page_for(berliner)
    page.goto(f"/o/acme/calendar/?view=week&date={yesterday}")
    if not page.locator(f'td.cal-slot[data-date="{yesterday}"]').count():
        page.goto(f"/o/acme/calendar/?view=month&date={when.date().isoformat()}")

    _drag(page, "Soon", yesterday, 9)
    with page.expect_navigation():
        page.locator("#cal-confirm").get_by_role("button", name="Move").click()
    assert "Pick a time in the future" in page.locator(".messages").inner_text()
    post.refresh_from_db()
    assert post.publish_at == when
    assert Post.objects.get(pk=post.pk).state == "scheduled"
