"""Writing and scheduling a post in the composer, in a real browser."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from posts.models import Post, PostGroup
from tests.posts.test_groups import channel

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db(transaction=True)


def test_the_live_checks_count_hold_back_and_then_let_the_post_be_scheduled(
    org, berliner, page_for
):
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    page = page_for(berliner)
    page.goto("/o/acme/posts/new/")
    checks = page.locator("#composer-checks")
    page.get_by_text("Choose channels to see counts").wait_for()

    # Choosing a channel brings its count; typing updates it as the network counts.
    page.locator(f"#channel-{mastodon.pk}").check()
    page.locator("#composer-channel-tabs", has_text="Acme on Mastodon").wait_for()
    page.locator("#item-0-text").fill("x" * 501)
    page.locator("#item-0-text").press("End")  # a key typed: the checks follow the keyboard
    page.locator("#composer-checks .count-over").wait_for()
    assert "501 / 500" in checks.inner_text()
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    assert schedule.is_disabled()

    tomorrow = (timezone.now().astimezone(BERLIN) + timedelta(days=1)).date()
    page.locator("#item-0-text").fill("Hello from the browser")
    page.locator("#item-0-text").press("End")
    page.get_by_text("Ready for Mastodon").wait_for()
    assert "22 / 500" in checks.inner_text()
    page.locator("#publish-date").fill(tomorrow.isoformat())
    page.locator("#publish-time").fill("09:30")
    assert schedule.is_enabled()
    with page.expect_navigation():
        schedule.click()

    group = PostGroup.objects.get()
    post = Post.objects.get(group=group)
    assert post.state == "scheduled"
    assert post.publish_at == datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, 9, 30, tzinfo=BERLIN
    )
    assert post.items.get().content == "Hello from the browser"


def test_a_past_time_is_refused_and_the_text_is_kept(org, berliner, page_for):
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    page = page_for(berliner)
    page.goto("/o/acme/posts/new/")
    page.locator(f"#channel-{mastodon.pk}").check()
    page.locator("#composer-channel-tabs", has_text="Acme on Mastodon").wait_for()
    page.locator("#item-0-text").fill("Too late for this")
    yesterday = (timezone.now().astimezone(BERLIN) - timedelta(days=1)).date()
    page.locator("#publish-date").fill(yesterday.isoformat())
    page.locator("#publish-time").fill("09:30")
    warning = f"{yesterday.isoformat()} 09:30 (Europe/Berlin) has passed"
    page.get_by_text(warning).wait_for()
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    assert schedule.is_disabled()
    assert schedule.get_attribute("title") == "Fix what the checks list first"

    # Forced through anyway (a stale page, no JavaScript), the server refuses it the same
    # way and the page comes back with everything typed.
    schedule.evaluate("button => { button.disabled = false; }")
    with page.expect_navigation():
        schedule.click()
    assert warning in page.locator("main").inner_text()
    assert page.locator("#item-0-text").input_value() == "Too late for this"
    assert not PostGroup.objects.exists()


def test_choosing_the_date_before_the_time_keeps_the_checks_answering(org, berliner, page_for):
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    page = page_for(berliner)
    failures = []
    page.on("response", lambda r: failures.append(r.url) if r.status >= 500 else None)
    page.goto(f"/o/acme/posts/new/?channel={mastodon.pk}")
    page.locator("#item-0-text").fill("Date first")
    page.locator("#item-0-text").press("End")
    page.get_by_text("Ready for Mastodon").wait_for()

    # The suggested date and time are cleared; the date is chosen first.
    page.locator("#publish-time").fill("")
    page.locator("#publish-date").fill("")
    tomorrow = (timezone.now().astimezone(BERLIN) + timedelta(days=1)).date()
    page.locator("#publish-date").fill(tomorrow.isoformat())
    page.locator("#composer-checks", has_text="Choose a time as well").wait_for()
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    expect(schedule).to_be_disabled()

    page.locator("#publish-time").fill("09:30")
    expect(page.locator("#composer-checks")).not_to_contain_text("Choose a time")
    expect(page.locator("#composer-checks")).to_contain_text("Ready for Mastodon")
    expect(schedule).to_be_enabled()
    assert failures == []


def test_ticking_a_channel_updates_its_part_in_place_and_keeps_the_focus(
    org, berliner, page_for, snapshot
):
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    mastodon.posting_times, mastodon.timezone = ["07:40"], "Europe/Berlin"
    mastodon.save(update_fields=["posting_times", "timezone"])
    bluesky = channel(org, "bluesky", name="Acme on Bluesky")
    page = page_for(berliner)
    page.goto("/o/acme/posts/new/")
    page.locator("#item-0-text").fill("Kept as typed")
    navigations = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    # The no-script button is hidden, really: not shown and not focusable.
    expect(page.get_by_role("button", name="Show the chosen channels' settings")).to_be_hidden()

    box = page.locator(f"#channel-{mastodon.pk}")
    box.focus()
    page.keyboard.press("Space")
    page.locator("#composer-channel-tabs", has_text="Acme on Mastodon").wait_for()
    # The suggested time follows the chosen channel's next free slot.
    expect(page.locator("#publish-time")).to_have_value("07:40")
    assert navigations == []
    assert page.evaluate("document.activeElement.id") == f"channel-{mastodon.pk}"
    assert page.locator("#item-0-text").input_value() == "Kept as typed"
    snapshot(page, "composer-channel-ticked")

    # A time the person typed stays when another channel is ticked.
    page.locator("#publish-time").fill("18:05")
    page.locator(f"#channel-{bluesky.pk}").focus()
    page.keyboard.press("Space")
    page.locator("#composer-channel-tabs", has_text="Acme on Bluesky").wait_for()
    expect(page.locator("#publish-time")).to_have_value("18:05")
    assert navigations == []
