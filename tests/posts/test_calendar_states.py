"""What the calendar says about each post beyond its time: when it actually went out, its
next attempt, its state as a labelled badge, what the network said and a way to retry;
and posts that need a person are never the ones hidden behind "+N more"."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from posts.models import Post
from posts.states import State
from tests.posts.test_calendar import page, slot_html
from tests.posts.test_calendar_fixtures import channel, post_at, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_yorker(owner):
    owner.timezone = "America/New_York"
    owner.save(update_fields=["timezone"])
    return owner


@pytest.fixture
def acme(org):
    return channel(org)


def _chip(html: str, text: str) -> str:
    """The markup of the chip whose post starts with ``text``."""
    end = html.index(text)
    start = html.rindex('<li class="cal-post', 0, end)
    return html[start : html.index("</li>", end)]


def test_a_published_post_shows_when_it_went_out_beside_the_time_asked_for(
    org, new_yorker, acme, client_for
):
    # Asked for 10:00 in New York (14:00 UTC), out at 10:07 after a retry.
    post_at(
        acme,
        utc(2026, 3, 17, 14, 0),
        text="Went out late",
        state=State.PUBLISHED,
        published_at=utc(2026, 3, 17, 14, 7),
    )
    client = client_for(new_yorker)

    html = page(client, org, view="week", date="2026-03-17")
    chip = _chip(html, "Went out late")
    # The popover says "Scheduled for" the chip's day and time, and "Published" this.
    assert "<time>10:00</time>" in chip and '"2026-03-17": "Tue 17 Mar 2026"' in html
    assert 'data-out="Tue 17 Mar 2026, 10:07"' in chip
    assert "<dt>Scheduled for" not in chip  # written once, in the page's one popover

    listed = _chip(page(client, org, view="list", date="2026-03-17"), "Went out late")
    assert 'class="cal-went">Published <time datetime="2026-03-17T10:07:00-04:00">10:07' in listed


def test_a_post_waiting_for_a_retry_shows_its_next_attempt(org, new_yorker, acme, client_for):
    post_at(
        acme,
        utc(2026, 3, 17, 14, 0),
        text="Trying again",
        retry_at=utc(2026, 3, 17, 14, 5),
        attempts=1,
    )
    client = client_for(new_yorker)

    chip = _chip(page(client, org, view="week", date="2026-03-17"), "Trying again")
    assert 'data-next="Tue 17 Mar 2026, 10:05"' in chip and "data-out" not in chip
    listed = _chip(page(client, org, view="list", date="2026-03-17"), "Trying again")
    assert "Next attempt <time" in listed and ">10:05</time>" in listed


def test_a_post_without_a_retry_shows_no_next_attempt(org, new_yorker, acme, client_for):
    post_at(acme, utc(2026, 3, 17, 14, 0), text="First try")
    html = page(client_for(new_yorker), org, view="list", date="2026-03-17")
    chip = _chip(html, "First try")
    assert "data-next" not in chip and "data-out" not in chip and "cal-went" not in chip


def test_every_chip_names_its_state_in_a_badge(org, new_yorker, acme, client_for):
    for hour, state in enumerate((State.DRAFT, State.SCHEDULED, State.FAILED, State.MISSED)):
        post_at(acme, utc(2026, 3, 17, 14 + hour, 0), text=f"State {state}", state=state)
    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")
    for label, state in (("Draft", "draft"), ("Scheduled", "scheduled"), ("Failed", "failed")):
        chip = _chip(html, f"State {state}")
        summary = chip[: chip.index("</summary>")]
        # The badge takes its colour from the post's state class.
        assert chip.startswith(f'<li class="cal-post cal-{state}"')
        assert f"<b>{label}</b>" in summary
    # The legend says what each one means.
    assert "What the states mean" in html
    assert "we could not tell whether it went out" in html


@pytest.mark.parametrize(("view", "cap"), [("week", 3), ("day", 8), ("month", 4)])
def test_posts_that_need_a_person_are_never_hidden_behind_more(
    view, cap, org, new_yorker, acme, client_for
):
    for minute in range(cap + 2):
        post_at(acme, utc(2026, 3, 17, 15, minute), text=f"Fine {minute}")
    post_at(acme, utc(2026, 3, 17, 15, 50), text="Broken one", state=State.FAILED)
    post_at(acme, utc(2026, 3, 17, 15, 55), text="Unsure one", state=State.UNCONFIRMED)

    html = page(client_for(new_yorker), org, view=view, date="2026-03-17")
    cell = slot_html(html, "2026-03-17", None if view == "month" else 11)

    assert cell.count('class="cal-post ') == cap
    assert "+4 more" in cell
    # They come first, in time order between them.
    assert cell.index("Broken one") < cell.index("Unsure one") < cell.index("Fine 0")


def test_a_failed_post_shows_what_the_network_said_and_can_be_retried_from_the_calendar(
    org, new_yorker, acme, client_for
):
    failed = post_at(
        acme,
        utc(2026, 3, 17, 14, 0),
        text="Refused",
        state=State.FAILED,
        error_message="Status is over 500 characters <sic>",
    )
    client = client_for(new_yorker)
    here = f"/o/{org.slug}/calendar/?view=week&date=2026-03-17"

    html = client.get(here).content.decode()
    chip = _chip(html, "Refused")
    # Its popover shows what the network said and the page's one Retry form, for its id.
    assert 'data-error="Status is over 500 characters &lt;sic&gt;"' in chip
    assert f'data-p="{failed.public_id}"' in chip and "data-retry" in chip
    action = reverse("posts:failures_act", args=[org.slug])
    assert f'<form method="post" action="{action}" class="cal-retry"' in html
    assert html.count('name="retry_one"') == 1

    response = client.post(action, {"retry_one": str(failed.public_id), "next": here})
    assert response.status_code == 302 and response.url == here
    failed.refresh_from_db()
    assert failed.state == State.SCHEDULED and failed.retry_at is not None
    assert failed.publish_at == utc(2026, 3, 17, 14, 0)  # the time asked for is kept
    assert "will be sent again now" in client.get(here).content.decode()


def test_retrying_elsewhere_than_this_site_goes_back_to_the_failures_page(
    org, owner, acme, client_for
):
    failed = post_at(acme, utc(2026, 3, 17, 14, 0), state=State.FAILED)
    action = reverse("posts:failures_act", args=[org.slug])
    response = client_for(owner).post(
        action, {"retry_one": str(failed.public_id), "next": "https://evil.example/"}
    )
    assert response.url == reverse("posts:failures", args=[org.slug])


def test_an_unconfirmed_post_asks_for_the_check_before_retrying(org, new_yorker, acme, client_for):
    post_at(acme, utc(2026, 3, 17, 14, 0), text="Maybe out", state=State.UNCONFIRMED)
    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")
    chip = _chip(html, "Maybe out")
    # Shown for unconfirmed posts only (static/js/calendar.js; tests/browser).
    assert chip.startswith('<li class="cal-post cal-unconfirmed"') and "data-retry" in chip
    assert 'name="confirm_duplicate" required' in html
    assert "draggable" not in chip  # retried, never moved


def test_a_viewer_sees_what_the_network_said_but_no_retry(org, viewer, acme, client_for):
    post_at(acme, utc(2026, 3, 17, 14, 0), text="Refused", state=State.FAILED, error_message="No")
    html = page(client_for(viewer), org, view="week", date="2026-03-17")
    assert 'data-error="No"' in html and "What the network said" in html
    assert "retry_one" not in html and "data-retry" not in html and "data-p=" not in html


def test_times_follow_the_readers_12_hour_clock(org, new_yorker, acme, client_for):
    new_yorker.clock = "12"
    new_yorker.save(update_fields=["clock"])
    post_at(
        acme,
        utc(2026, 3, 17, 18, 30),
        text="Afternoon",
        state=State.PUBLISHED,
        published_at=utc(2026, 3, 17, 18, 31),
    )
    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")
    chip = _chip(html, "Afternoon")
    # The time in the reader's clock; its 24-hour value for the page's script.
    assert '<time datetime="14:30">2:30 PM</time>' in chip
    assert 'data-out="Tue 17 Mar 2026, 2:31 PM"' in chip
    assert '<th scope="row" class="cal-hour" id="hour-14">2 PM</th>' in html
    assert 'data-clock="12"' in html
    assert "draggable" not in chip  # published posts do not move
    assert Post.objects.get().state == State.PUBLISHED


def test_the_current_hour_is_marked_for_the_page_to_open_at(org, new_yorker, acme, client_for):
    def hour():
        return timezone.now().astimezone(ZoneInfo("America/New_York")).hour

    before = hour()
    html = page(client_for(new_yorker), org, view="week")
    rows = [
        f'<tr class="cal-now" data-now><th scope="row" class="cal-hour" id="hour-{h}">'
        for h in {before, hour()}
    ]
    assert any(row in html for row in rows)
    assert html.count("data-now") == 1


def test_a_retry_a_day_later_names_its_day(org, new_yorker, acme, client_for):
    post_at(
        acme,
        utc(2026, 3, 17, 14, 0),
        text="Tomorrow then",
        retry_at=utc(2026, 3, 17, 14, 0) + timedelta(days=1),
    )
    listed = _chip(page(client_for(new_yorker), org, view="list", date="2026-03-17"), "Tomorrow")
    assert "Next attempt <time" in listed and "Wed 18 Mar, 10:00" in listed


def test_the_failures_page_writes_times_in_the_readers_clock(org, new_yorker, acme, client_for):
    new_yorker.clock = "12"
    new_yorker.save(update_fields=["clock"])
    post_at(acme, utc(2026, 3, 17, 18, 30), state=State.FAILED, error_message="No")
    html = client_for(new_yorker).get(reverse("posts:failures", args=[org.slug])).content.decode()
    assert "Tue 17 Mar 2026, 2:30 PM" in html


def test_a_24_hour_reader_gets_24_hour_times_whatever_the_browser(
    org, new_yorker, acme, client_for
):
    new_yorker.clock = "24"
    new_yorker.save(update_fields=["clock"])
    post_at(acme, utc(2026, 3, 17, 18, 30), state=State.FAILED, error_message="No")
    client = client_for(new_yorker)
    client.cookies["postiz_clock"] = "12"
    html = client.get(reverse("posts:failures", args=[org.slug])).content.decode()
    assert "Tue 17 Mar 2026, 14:30" in html
