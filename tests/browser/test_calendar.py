"""Dragging a post on the calendar, in a real browser."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organizations.models import AuditEvent
from posts.models import Post
from tests.posts.test_calendar_fixtures import post_at
from tests.posts.test_groups import channel

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")
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


def test_a_post_cannot_be_dropped_into_the_past(org, owner, page_for):
    # The viewer lives where it is about noon now, so this morning (the past) and this
    # afternoon (the post) are in one week whatever the day and hour the test runs.
    now = timezone.now()
    zone = ZoneInfo(f"Etc/GMT{now.astimezone(UTC).hour - 12:+d}")  # Etc/GMT+5 is UTC-5
    owner.timezone = zone.key
    owner.save(update_fields=["timezone"])
    today = now.astimezone(zone)
    assert 12 <= today.hour < 13
    when = today.replace(hour=15, minute=0, second=0, microsecond=0)
    post = post_at(channel(org), when, text="Soon")
    page = page_for(owner, zone=zone.key)
    page.goto(f"/o/acme/calendar/?view=week&date={today.date().isoformat()}")

    _drag(page, "Soon", today.date().isoformat(), 9)
    with page.expect_navigation():
        page.locator("#cal-confirm").get_by_role("button", name="Move").click()
    assert "Pick a time in the future" in page.locator(".messages").inner_text()
    post.refresh_from_db()
    assert post.publish_at == when
    assert Post.objects.get(pk=post.pk).state == "scheduled"


# -- What a post says, and where its popover goes ----------------------------------------
def _inside_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def _no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_week_opens_at_the_current_hour(org, berliner, page_for, snapshot):
    post_at(channel(org), timezone.now() + timedelta(hours=1), text="Soon")
    page = page_for(berliner, height=700)
    page.goto("/o/acme/calendar/?view=week")
    now_row = page.locator("tr[data-now]")
    hour = timezone.now().astimezone(BERLIN).hour
    assert now_row.locator("th").get_attribute("id") == f"hour-{hour}"
    scroller = page.locator("[data-scroll-hours]")
    top = scroller.evaluate("el => el.scrollTop")
    if hour >= 3:
        assert top > 0
    # The current hour's row is in view inside the scrolling grid, under its header.
    row, box = now_row.bounding_box(), scroller.bounding_box()
    assert box["y"] <= row["y"] < box["y"] + box["height"]
    snapshot(page, "calendar-week-now")


def test_a_failed_post_says_why_and_is_retried_from_its_popover(org, berliner, page_for, snapshot):
    when = _next_monday().replace(hour=23) + timedelta(days=6)  # Sunday night: the corner
    failed = post_at(
        channel(org),
        when,
        text="Refused post",
        state="failed",
        error_message="The status is over 500 characters.",
    )
    page = page_for(berliner, height=700)
    page.goto(f"/o/acme/calendar/?view=week&date={when.date().isoformat()}")
    chip = page.locator(".cal-post", has_text="Refused post")
    assert chip.locator("summary b").inner_text() == "Failed"
    chip.locator("summary").click()
    popover = chip.locator(".cal-pop-body")
    expect(popover).to_be_visible()
    assert "The status is over 500 characters." in popover.inner_text()
    # Bottom-right of the grid: the popover still opens inside the screen.
    assert _inside_viewport(page, popover)
    snapshot(page, "calendar-failed-popover")

    with page.expect_navigation():
        popover.get_by_role("button", name="Retry").click()
    assert "will be sent again now" in page.locator("[data-messages]").inner_text()
    assert "/calendar/" in page.url
    failed.refresh_from_db()
    assert failed.state == "scheduled" and failed.retry_at is not None
    assert failed.publish_at == when


def test_a_published_post_shows_when_it_went_out(org, berliner, page_for):
    when = _next_monday()
    post_at(
        channel(org),
        when,
        text="Out a bit late",
        state="published",
        published_at=when + timedelta(minutes=7),
        remote_url="https://social.example/@acme/7",
    )
    page = page_for(berliner)
    page.goto(f"/o/acme/calendar/?view=list&date={when.date().isoformat()}")
    chip = page.locator(".cal-post", has_text="Out a bit late")
    assert "Published 10:22" in chip.inner_text()
    chip.locator("summary").click()
    popover = chip.locator(".cal-pop-body")
    assert "Scheduled for" in popover.inner_text()
    view = popover.get_by_role("link", name="View on the network")
    assert view.get_attribute("href") == "https://social.example/@acme/7"
    expect(popover.get_by_role("link", name="Edit")).to_be_hidden()


# -- Phone width ------------------------------------------------------------------------
def test_on_a_phone_the_calendar_opens_in_the_day_view_and_nothing_slides_out_of_sight(
    org, berliner, page_for, snapshot
):
    now = timezone.now().astimezone(BERLIN).replace(second=0, microsecond=0)  # today, surely
    post_at(channel(org), now, text="A post with a long first line " * 3)
    page = page_for(berliner, width=390, height=800)
    page.goto("/o/acme/calendar/")
    assert "view=day" in page.url
    switch = page.get_by_role("navigation", name="Views")
    expect(switch.get_by_role("link", name="Week")).to_be_visible()
    expect(switch.get_by_role("link", name="List")).to_be_visible()
    assert _no_sideways_scroll(page)
    snapshot(page, "calendar-phone-day")
    chip = page.locator(".cal-post").first
    chip.locator("summary").click()
    assert _inside_viewport(page, chip.locator(".cal-pop-body"))

    for view in ("week", "month", "list"):
        switch.get_by_role("link", name=view.title()).click()
        page.wait_for_url(f"**view={view}**")
        assert _no_sideways_scroll(page), view
        snapshot(page, f"calendar-phone-{view}")
    # A view chosen on purpose is kept.
    assert "view=list" in page.url


# -- Keyboard ---------------------------------------------------------------------------
def test_the_keyboard_reaches_posts_one_day_at_a_time_and_moves_them_after_asking(
    org, berliner, page_for
):
    monday = _next_monday()
    acme = channel(org)
    for day in range(7):
        for hour in (9, 12, 18):
            post_at(acme, monday.replace(hour=hour) + timedelta(days=day), text=f"D{day} H{hour}")
    page = page_for(berliner)
    page.goto(f"/o/acme/calendar/?view=week&date={monday.date().isoformat()}")

    stops = page.locator(".cal-post summary[tabindex='0']")
    assert stops.count() == 7  # one a day, not 21
    # From the last day's heading, seven Tabs visit the seven days, then leave the posts.
    page.locator(".cal-grid thead a").last.focus()
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('[data-date]')?.dataset.date"))
    assert len(set(reached[:7])) == 7 and reached[7] is None

    page.locator(".cal-post summary", has_text="D0 H9").focus()
    page.keyboard.press("ArrowDown")
    assert "D0 H12" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("ArrowRight")  # the next day, at the nearest time
    assert "D1 H12" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("End")
    assert "D1 H18" in page.evaluate("document.activeElement.textContent")
    assert stops.count() == 7

    # Moving with the keyboard asks first, like dragging.
    page.locator(".cal-post summary", has_text="D1 H18").focus()
    page.keyboard.press("Enter")
    form = page.locator(".cal-post", has_text="D1 H18").locator("[data-move-form]")
    form.locator("input[name=time]").fill("20:15")
    form.locator("input[name=time]").press("Enter")
    dialog = page.locator("#cal-confirm")
    expect(dialog).to_be_visible()
    assert "20:15" in dialog.inner_text()
    with page.expect_navigation():
        dialog.get_by_role("button", name="Move").click()
    moved = Post.objects.get(items__content="D1 H18")
    assert moved.publish_at.astimezone(BERLIN).strftime("%H:%M") == "20:15"
    # The focus is on what happened, not at the top of the page.
    assert "Moved the" in page.evaluate("document.activeElement.textContent")


# -- Without scripts ----------------------------------------------------------------------
@pytest.fixture
def page_without_scripts(browser, live_server, client):
    """A page signed in as ``user`` in a browser that runs no scripts."""
    contexts = []

    def make(user):
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=False, locale="en-GB"
        )
        host = live_server.url.split("://", 1)[1].split(":", 1)[0]
        cookie = client.cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": cookie, "domain": host, "path": "/"}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def test_without_scripts_a_post_opens_to_a_link_to_the_composer(
    org, berliner, page_for, page_without_scripts
):
    when = _next_monday()
    post = post_at(channel(org), when, text="No scripts here")
    address = f"/o/acme/calendar/?view=week&date={when.date().isoformat()}"
    composer = f"/o/acme/posts/{post.group_id}/"

    page = page_without_scripts(berliner)
    page.goto(address)
    chip = page.locator(".cal-post", has_text="No scripts here")
    chip.locator("summary").click()
    link = chip.get_by_role("link", name="Open")
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(composer)

    # With scripts, the popover has the same link, and the post's own stays hidden.
    page = page_for(berliner)
    page.goto(address)
    chip = page.locator(".cal-post", has_text="No scripts here")
    chip.locator("summary").click()
    edit = chip.locator(".cal-pop-body").get_by_role("link", name="Edit")
    expect(edit).to_be_visible()
    assert edit.evaluate("a => a.href").endswith(composer)
    expect(chip.get_by_role("link", name="Open")).to_be_hidden()
