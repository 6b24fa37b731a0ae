"""The calendar: the right posts in the right local day and hour, filters, caps, and a
fixed number of queries whatever the number of posts."""

import re
from datetime import timedelta
from urllib.parse import urljoin

import pytest
from django.utils import timezone

from posts.calendar import zone_for
from posts.states import State
from tests.posts.test_calendar_fixtures import channel, customer, post_at, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_yorker(owner):
    owner.timezone = "America/New_York"
    owner.save(update_fields=["timezone"])
    return owner


@pytest.fixture
def acme(org):
    return channel(org)


def page(client, org, **params):
    response = client.get(f"/o/{org.slug}/calendar/", params)
    assert response.status_code == 200
    return response.content.decode()


def slot_html(html, date, hour=None):
    """The HTML of one calendar cell (a day, or a day's hour)."""
    marker = f'data-date="{date}"' + (f' data-hour="{hour}"' if hour is not None else "")
    start = html.index(marker)
    return html[start : html.index("</td>", start)]


def test_week_view_places_a_post_near_midnight_utc_on_the_local_day_and_hour(
    org, new_yorker, acme, client_for
):
    # 02:30 UTC on Tuesday 17 March is 22:30 on Monday 16 March in New York (EDT).
    post_at(acme, utc(2026, 3, 17, 2, 30), text="Late launch note\nsecond line")
    html = page(client_for(new_yorker), org, view="week", date="2026-03-16")

    assert "America/New_York" in html
    cell = slot_html(html, "2026-03-16", 22)
    assert "Late launch note" in cell and "22:30" in cell
    assert "second line" not in html
    assert "Late launch note" not in slot_html(html, "2026-03-17", 2)


def test_day_view_shows_only_that_local_day(org, new_yorker, acme, client_for):
    post_at(acme, utc(2026, 3, 17, 2, 30), text="Monday evening in New York")
    post_at(acme, utc(2026, 3, 17, 4, 30), text="Tuesday small hours in New York")

    html = page(client_for(new_yorker), org, view="day", date="2026-03-16")

    assert "Monday evening in New York" in slot_html(html, "2026-03-16", 22)
    assert "Tuesday small hours" not in html


def test_month_view_puts_posts_on_local_days(org, new_yorker, acme, client_for):
    post_at(acme, utc(2026, 4, 1, 3, 0), text="Still March in New York")
    post_at(acme, utc(2026, 4, 1, 15, 0), text="April fools")

    html = page(client_for(new_yorker), org, view="month", date="2026-04-10")

    assert "Still March in New York" in slot_html(html, "2026-03-31")
    assert "April fools" in slot_html(html, "2026-04-01")
    assert "April 2026" in html


def test_list_view_groups_the_month_by_local_day(org, new_yorker, acme, client_for):
    post_at(acme, utc(2026, 3, 17, 2, 30), text="Monday evening post")
    post_at(acme, utc(2026, 5, 1, 12, 0), text="May post")

    html = page(client_for(new_yorker), org, view="list", date="2026-03-02")

    assert "Monday 16 March 2026" in html and "Monday evening post" in html
    assert "May post" not in html


def test_dst_week_in_new_york_shows_the_hours_around_the_jump(org, new_yorker, acme, client_for):
    # On Sunday 8 March 2026 New York jumps from 02:00 EST to 03:00 EDT (07:00 UTC).
    post_at(acme, utc(2026, 3, 8, 6, 30), text="Before the jump")
    post_at(acme, utc(2026, 3, 8, 7, 30), text="After the jump")
    post_at(acme, utc(2026, 3, 9, 13, 0), text="Monday nine o'clock")

    html = page(client_for(new_yorker), org, view="week", date="2026-03-05")

    assert "Before the jump" in slot_html(html, "2026-03-08", 1)
    assert "01:30" in slot_html(html, "2026-03-08", 1)
    assert "After the jump" in slot_html(html, "2026-03-08", 3)
    assert "03:30" in slot_html(html, "2026-03-08", 3)
    assert "Before the jump" not in slot_html(html, "2026-03-08", 2)
    assert "After the jump" not in slot_html(html, "2026-03-08", 2)
    next_week = page(client_for(new_yorker), org, view="week", date="2026-03-09")
    assert "Monday nine o&#39;clock" in slot_html(next_week, "2026-03-09", 9)


def test_cancelled_posts_are_not_drawn_and_states_are_coloured(org, new_yorker, acme, client_for):
    post_at(acme, utc(2026, 3, 17, 15, 0), text="Called off", state=State.CANCELLED)
    post_at(acme, utc(2026, 3, 17, 16, 0), text="It broke", state=State.FAILED)
    post_at(
        acme,
        utc(2026, 3, 17, 17, 0),
        text="Out already",
        state=State.PUBLISHED,
        remote_url="https://social.example/@acme/1",
    )

    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")

    assert "Called off" not in html
    assert 'class="cal-post cal-failed"' in html
    assert "https://social.example/@acme/1" in html


def test_each_post_opens_to_its_own_link_even_without_scripts(org, new_yorker, acme, client_for):
    post = post_at(acme, utc(2026, 3, 17, 15, 0), text="Still to go")
    out = post_at(
        acme,
        utc(2026, 3, 17, 16, 0),
        text="Gone out",
        state=State.PUBLISHED,
        remote_url="https://social.example/@acme/9",
    )
    client = client_for(new_yorker)
    calendar = f"/o/{org.slug}/calendar/"

    for view in ("week", "day", "month", "list"):
        html = page(client, org, view=view, date="2026-03-17")
        # In the post's <details>, after its summary: the composer (read relative to the
        # page), where it can be edited and moved; or the post on the network.
        edit = f'</summary><a href="../posts/{post.group_id}/">Open</a></details>'
        assert edit in html, view
        link = '</summary><a href="https://social.example/@acme/9" rel="noreferrer">'
        assert link in html, view
        assert f"../posts/{out.group_id}/" not in html, view

    composer = client.get(urljoin(calendar, f"../posts/{post.group_id}/"))
    assert composer.status_code == 200 and 'id="composer-form"' in composer.content.decode()


def test_channel_without_avatar_shows_its_initial(org, new_yorker, client_for):
    zed = channel(org, name="zebra news")
    post_at(zed, utc(2026, 3, 17, 15, 0))

    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")

    assert '<span class="cal-avatar" role="img" aria-label="zebra news">Z</span>' in html


def test_filters_by_channel_and_by_customer(org, new_yorker, client_for):
    big = customer(org, "Big client")
    news = channel(org, name="News", customer=big)
    shop = channel(org, name="Shop")
    post_at(news, utc(2026, 3, 17, 15, 0), text="From the newsroom")
    post_at(shop, utc(2026, 3, 17, 16, 0), text="From the shop")
    client = client_for(new_yorker)

    by_channel = page(client, org, view="week", date="2026-03-17", channel=[shop.public_id])
    by_customer = page(client, org, view="week", date="2026-03-17", customer=[big.public_id])
    both = page(
        client, org, view="week", date="2026-03-17", channel=[shop.public_id, news.public_id]
    )

    assert "From the shop" in by_channel and "From the newsroom" not in by_channel
    assert "From the newsroom" in by_customer and "From the shop" not in by_customer
    assert "From the shop" in both and "From the newsroom" in both


def test_another_organizations_posts_never_show(org, new_yorker, outsider, client_for):
    from organizations.models import Organization

    theirs = channel(Organization.objects.get(memberships__user=outsider), name="Theirs")
    post_at(theirs, utc(2026, 3, 17, 15, 0), text="Someone else's secret")
    channel(org)

    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")

    assert "Someone else" not in html


def test_month_day_shows_four_posts_and_links_the_rest_to_the_day(
    org, new_yorker, acme, client_for
):
    for minute in range(6):
        post_at(acme, utc(2026, 3, 17, 15, minute), text=f"Busy post {minute}")

    html = page(client_for(new_yorker), org, view="month", date="2026-03-17")
    cell = slot_html(html, "2026-03-17")

    assert cell.count('class="cal-post ') == 4
    assert "+2 more" in cell
    assert "view=day&amp;date=2026-03-17" in cell


def test_week_hour_caps_posts_with_more_link(org, new_yorker, acme, client_for):
    for minute in range(5):
        post_at(acme, utc(2026, 3, 17, 15, minute), text=f"Hourly {minute}")

    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")
    cell = slot_html(html, "2026-03-17", 11)

    assert cell.count('class="cal-post ') == 3
    assert "+2 more" in cell
    assert "Hourly 0" in cell and "Hourly 4" not in cell


def test_empty_week_says_so_and_no_channels_points_to_channels(org, new_yorker, client_for):
    client = client_for(new_yorker)
    assert "Go to channels" in page(client, org)
    channel(org)
    assert "No posts in" in page(client, org, view="week", date="2026-03-17")


def test_unknown_view_and_bad_date_fall_back_to_this_week(org, new_yorker, acme, client_for):
    html = page(client_for(new_yorker), org, view="year", date="2026-13-45")
    assert 'aria-current="page">Week</a>' in html


def test_late_banner_counts_overdue_scheduled_posts(org, new_yorker, acme, client_for, settings):
    settings.POSTIZ_LATE_POST_MINUTES = 5
    post_at(acme, timezone.now() - timedelta(minutes=30))
    post_at(acme, timezone.now() - timedelta(minutes=10))
    post_at(acme, timezone.now() - timedelta(minutes=2))
    post_at(acme, timezone.now() - timedelta(minutes=30), state=State.FAILED)

    html = page(client_for(new_yorker), org)

    assert "2 scheduled posts are more than 5 minutes late" in html
    assert f"/o/{org.slug}/failures/" in html


def test_no_late_banner_when_everything_is_on_time(org, new_yorker, acme, client_for):
    post_at(acme, timezone.now() + timedelta(hours=1))
    assert "late and not sent" not in page(client_for(new_yorker), org)


def test_viewer_sees_the_calendar_without_move_controls(org, viewer, acme, client_for):
    when = timezone.now() + timedelta(hours=1)
    post_at(acme, when, text="Coming up")
    # The week that holds the post in the viewer's zone (late on a Sunday it is next week's).
    html = page(client_for(viewer), org, date=when.astimezone(zone_for(viewer, org)).date())
    assert "Coming up" in html
    assert "draggable" not in html and "/reschedule/" not in html


def test_outsider_cannot_see_calendar(org, outsider, client_for):
    assert client_for(outsider).get(f"/o/{org.slug}/calendar/").status_code == 404


def _add_posts(acme, count, offset):
    # Every 17 minutes: several per hour and per day, so caps and "+N more" are hit too.
    start = utc(2026, 3, 17, 4, 0)
    for n in range(offset, offset + count):
        post_at(acme, start + timedelta(minutes=17 * n), text=f"Post {n}")


@pytest.mark.parametrize("view", ["week", "day", "month", "list"])
def test_query_count_does_not_grow_with_posts(view, org, new_yorker, acme, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(new_yorker)
    page(client, org, view=view, date="2026-03-17")  # the session settles first

    counts, drawn, existing = [], [], 0
    for total in (0, 10, 200):
        _add_posts(acme, total - existing, existing)
        existing = total
        with CaptureQueriesContext(connection) as queries:
            html = page(client, org, view=view, date="2026-03-17")
        counts.append(len(queries))
        drawn.append(html.count('class="cal-post '))

    assert counts[0] == counts[1] == counts[2], counts
    assert drawn[0] == 0 and 0 < drawn[1] <= drawn[2], drawn


def test_header_links_to_posts_that_need_attention(org, new_yorker, acme, client_for):
    client = client_for(new_yorker)
    assert "Needs attention" not in page(client, org)
    post_at(acme, utc(2026, 3, 17, 2, 30), state=State.FAILED)
    post_at(acme, utc(2026, 3, 17, 2, 30), state=State.UNCONFIRMED)
    assert "Needs attention (2)" in page(client, org)


def test_navigation_keeps_the_view_and_filters(org, new_yorker, client_for):
    shop = channel(org, name="Shop")
    html = page(
        client_for(new_yorker), org, view="month", date="2026-03-17", channel=[shop.public_id]
    )

    assert f"?view=month&amp;date=2026-02-01&amp;channel={shop.public_id}" in html
    assert f"?view=month&amp;date=2026-04-01&amp;channel={shop.public_id}" in html
    assert f"view=day&amp;channel={shop.public_id}&amp;date=2026-03-17" in html


def test_a_post_that_can_move_is_draggable_and_the_page_has_one_move_form_for_all(
    org, new_yorker, acme, client_for
):
    post = post_at(acme, utc(2026, 3, 17, 2, 30), text="Move me")
    for minute in (0, 10, 20):
        post_at(acme, utc(2026, 3, 17, 14, minute), text=f"Another {minute}")
    post_at(
        acme,
        utc(2026, 3, 17, 3, 30),
        text="Already out",
        state=State.PUBLISHED,
        remote_url="https://social.example/@acme/2",
    )

    html = page(client_for(new_yorker), org, view="week", date="2026-03-16")
    cell = slot_html(html, "2026-03-16", 22)
    out = slot_html(html, "2026-03-16", 23)

    # Dropping it elsewhere (or Move in its popover) fills the page's one Move form with
    # its id, its day (the cell's) and its time, in the viewer's wall-clock time.
    assert f'data-p="{post.public_id}"' in cell and 'draggable="true"' in cell
    assert "<time>22:30</time>" in cell
    assert html.count("data-move-form") == 1
    assert f'data-action="/o/{org.slug}/calendar/posts/{{id}}/reschedule/"' in html
    assert 'name="next" value="/o/' in html
    assert '"2026-03-16": "Mon 16 Mar 2026"' in html
    assert "draggable" not in out and "data-p=" not in out


def test_posts_of_a_deleted_post_group_are_not_drawn(org, new_yorker, acme, client_for):
    from posts.services.groups import post_group_delete

    kept = post_at(acme, utc(2026, 3, 17, 15, 0), text="Still here")
    gone = post_at(
        acme,
        utc(2026, 3, 17, 15, 30),
        text="Deleted after it went out",
        state=State.PUBLISHED,
        remote_url="https://social.example/@acme/3",
    )
    post_group_delete(group=gone.group, actor=new_yorker)
    client = client_for(new_yorker)

    for view in ("week", "day", "month", "list"):
        html = page(client, org, view=view, date="2026-03-17")
        assert "Still here" in html and "Deleted after it went out" not in html, view
    assert kept.group.deleted_at is None


def test_a_deleted_channels_posts_keep_its_name_and_leave_the_filter(org, new_yorker, client_for):
    from django.utils import timezone as dj_timezone

    big = customer(org, "Big client")
    old = channel(org, name="Old account", customer=big)
    post_at(
        old,
        utc(2026, 3, 17, 15, 0),
        text="Sent before it was removed",
        state=State.PUBLISHED,
        remote_url="https://social.example/@old/1",
    )
    channel(org, name="Current account")
    old.deleted_at = dj_timezone.now()
    old.save(update_fields=["deleted_at"])

    html = page(client_for(new_yorker), org, view="week", date="2026-03-17")

    cell = slot_html(html, "2026-03-17", 11)
    assert "Sent before it was removed" in cell and 'aria-label="Old account"' in cell
    # Its popover names the customer, by the channel id the chip carries.
    assert f'data-c="{old.pk}"' in cell and f'"{old.pk}": ["Old account", "Big client"]' in html
    assert f'value="{old.public_id}"' not in html


def test_day_view_caps_an_hour_and_links_the_rest_to_the_list(org, new_yorker, acme, client_for):
    for minute in range(10):
        post_at(acme, utc(2026, 3, 17, 15, minute), text=f"Crowded {minute}")

    html = page(client_for(new_yorker), org, view="day", date="2026-03-17")
    cell = slot_html(html, "2026-03-17", 11)

    assert cell.count('class="cal-post ') == 8
    assert "+2 more" in cell
    assert "view=list&amp;date=2026-03-17#day-2026-03-17" in cell


def test_list_view_stops_at_its_limit_and_says_how_to_see_the_rest(
    org, new_yorker, acme, client_for, monkeypatch
):
    from posts import calendar as cal

    monkeypatch.setattr(cal, "LIST_LIMIT", 2)
    for day in (3, 4, 5):
        post_at(acme, utc(2026, 3, day, 15, 0), text=f"March {day} post")

    html = page(client_for(new_yorker), org, view="list", date="2026-03-17")

    assert "March 3 post" in html and "March 4 post" in html
    assert "March 5 post" not in html
    assert "Only the first 2 posts of the month are listed" in html


def test_post_text_channel_names_and_errors_are_escaped_in_every_view(org, new_yorker, client_for):
    hostile = "<script>alert(1)</script> \"onmouseover=alert(2) 'x"
    shady = channel(
        org,
        name='Shady "onmouseover=alert(3) <img src=x>',
        customer=customer(org, "</script><script>alert(4)"),
    )
    post_at(shady, utc(2026, 3, 17, 14, 0), text=hostile, state=State.FAILED, error_message=hostile)
    client = client_for(new_yorker)

    for view in ("week", "day", "month", "list"):
        html = page(client, org, view=view, date="2026-03-17")
        assert "<script>alert" not in html, view
        # (In the popover's JSON, in a single-quoted attribute, a quote stays \".)
        assert not re.search(r'(?<!\\)"onmouseover', html) and "<img src=x" not in html, view
        # Each shown as written: the first line, the channel's name, what the network said.
        text = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;onmouseover=alert(2) &#39;x"
        assert f"<span>{text}</span>" in html, view
        assert 'aria-label="Shady &#34;onmouseover=alert(3) &lt;img src=x&gt;"' in html, view
        assert f'data-error="{text}"' in html, view
        # The popover's JSON (names, customers) cannot close its attribute or a tag.
        assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(4)" in html, view
