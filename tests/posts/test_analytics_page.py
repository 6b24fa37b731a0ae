"""The Analytics page, its CSV, its printable report and the Refresh button."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.analytics import organization_days_rebuild
from integrations.models import ChannelAnalytics, ChannelMetric
from posts.analytics.models import PostMetricLatest, PostMetricsTrack
from posts.calendar import zone_for
from posts.states import State
from tests.factories import ChannelFactory, PostFactory, PostItemFactory

pytestmark = pytest.mark.django_db


def url(org, name="posts:analytics", *args):
    return reverse(name, args=[org.slug, *args])


def seed_channel(channel, followers_now=120, followers_before=100, days=30):
    today = timezone.now().date()
    rows = [
        ChannelMetric(
            organization=channel.organization,
            integration=channel,
            metric="followers",
            day=today - timedelta(days=i),
            value=followers_now if i < days else followers_before,
        )
        for i in range(2 * days)
    ]
    ChannelMetric.objects.bulk_create(rows)
    organization_days_rebuild(organization_id=channel.organization_id)


def published(channel, text, likes, ago=timedelta(days=2), remote_url=""):
    when = timezone.now() - ago
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id=f"r{likes}{text[:3]}",
        remote_url=remote_url,
    )
    PostItemFactory(post=post, content=text)
    for metric, value in (("likes", likes), ("comments", 1)):
        PostMetricLatest.objects.create(
            organization=channel.organization,
            post=post,
            integration=channel,
            metric=metric,
            value=value,
            published_at=when,
        )
    return post


def test_totals_show_their_change_against_the_previous_period(org, owner, client_for):
    channel = ChannelFactory(organization=org, name="Acme Toots")
    seed_channel(channel)
    published(channel, "Launch day", 30)
    published(channel, "Older one", 10, ago=timedelta(days=40))  # the period before
    page = client_for(owner).get(url(org))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Followers" in html and "120" in html and "+20.0% against the 30 days before" in html
    assert "Likes" in html and "+200.0%" in html  # 30 likes against 10
    assert "Launch day" in html  # top posts
    assert "<svg" in html  # charts drawn on the server
    assert 'aria-current="page">Analytics' in html


def test_period_filter_and_customer_filter(org, owner, client_for):
    from integrations.models import Customer

    ours = Customer.objects.create(organization=org, name="Bakery")
    kept = ChannelFactory(organization=org, name="Bakery toots", customer=ours)
    other = ChannelFactory(organization=org, name="Other toots")
    published(kept, "Bread is out", 5)
    published(other, "Unrelated", 50)
    html = client_for(owner).get(url(org) + f"?customer={ours.pk}&days=7").content.decode()
    assert "Bread is out" in html and "Unrelated" not in html
    assert "Last 7 days" in html


def test_outsiders_get_404_and_another_organizations_channel_is_404(
    org, owner, outsider, client_for
):
    assert client_for(outsider).get(url(org)).status_code == 404
    theirs = ChannelFactory()
    assert client_for(owner).get(url(org) + f"?channel={theirs.pk}").status_code == 404


def test_a_viewer_may_look_but_not_ask_for_fresh_counts(org, viewer, client_for):
    channel = ChannelFactory(organization=org)
    post = published(channel, "Hi", 3)
    client = client_for(viewer)
    assert client.get(url(org)).status_code == 200
    assert client.post(url(org, "posts:analytics_refresh", post.public_id)).status_code == 403


def test_refresh_makes_the_post_due_now(org, owner, client_for, django_capture_on_commit_callbacks):
    channel = ChannelFactory(organization=org)
    post = published(channel, "Hi", 3)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_for(owner).post(url(org, "posts:analytics_refresh", post.public_id))
    assert response.status_code == 302
    assert PostMetricsTrack.objects.get(post=post).due_at <= timezone.now()
    assert len(queued) == 1  # the channel's fetch job, queued after commit


def test_another_organizations_post_cannot_be_refreshed(org, owner, client_for):
    theirs = published(ChannelFactory(), "Theirs", 1)
    response = client_for(owner).post(url(org, "posts:analytics_refresh", theirs.public_id))
    assert response.status_code == 404


def test_the_page_makes_the_same_queries_for_one_channel_or_many(
    org, owner, client_for, django_assert_max_num_queries
):
    client = client_for(owner)
    first = ChannelFactory(organization=org)
    seed_channel(first, days=7)
    published(first, "One", 1)
    client.get(url(org))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url(org) + "?days=365")
    for i in range(6):
        channel = ChannelFactory(organization=org)
        seed_channel(channel, days=7)
        for j in range(3):
            published(channel, f"Post {i} {j}", i + j)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url(org) + "?days=365").status_code == 200


def test_empty_state_explains_when_counts_arrive(org, owner, client_for):
    ChannelFactory(organization=org)
    html = client_for(owner).get(url(org)).content.decode()
    assert "No counts yet" in html and "an hour after each post goes out" in html


def test_networks_without_counts_say_so_and_refusals_name_the_permission(org, owner, client_for):
    ChannelFactory(organization=org, provider="telegram", name="News bot", meta={})
    refused = ChannelFactory(organization=org, name="Toots")
    ChannelAnalytics.objects.create(
        integration=refused,
        organization=org,
        needs_reconnect=True,
        message="Mastodon refused to share this channel's counts: read:statuses is missing.",
    )
    html = client_for(owner).get(url(org)).content.decode()
    assert "Telegram gives no counts to apps" in html
    assert "needs reconnecting for its counts" in html and "read:statuses is missing" in html


def test_csv_exports_what_is_shown_without_running_formulas(org, owner, client_for):
    channel = ChannelFactory(organization=org)
    seed_channel(channel, days=7)
    published(channel, "=HYPERLINK(1)", 9)
    response = client_for(owner).get(url(org) + "?days=7&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["section", "metric", "date", "value"]
    followers = [r for r in rows if r[:2] == ["channel", "followers"]]
    assert len(followers) == 7 and followers[-1][3] == "120"
    top = [r for r in rows if r and r[-1].startswith("'=HYPERLINK")]
    assert top and top[0][3] == "10"  # engagement: 9 likes + 1 comment


def test_report_is_printable_and_names_the_customer(org, owner, client_for):
    from integrations.models import Customer

    bakery = Customer.objects.create(organization=org, name="Bakery")
    channel = ChannelFactory(organization=org, customer=bakery)
    published(channel, "Bread", 4)
    page = client_for(owner).get(url(org, "posts:analytics_report") + f"?customer={bakery.pk}")
    html = page.content.decode()
    assert "Bakery: social media report" in html and "analytics.css" in html
    assert "Refresh</button>" not in html  # nothing to click on paper
    css = (
        __import__("pathlib").Path(__file__).resolve().parents[2] / "static/css/analytics.css"
    ).read_text()
    assert "@media print" in css


def test_calendar_popover_and_list_show_a_published_posts_counts(org, owner, client_for):
    channel = ChannelFactory(organization=org)
    post = published(channel, "Launch day", 21, ago=timedelta(hours=3))
    # The calendar opens on the reader's days: three hours ago may be yesterday in UTC.
    day = post.published_at.astimezone(zone_for(owner, org)).date().isoformat()
    client = client_for(owner)
    week = client.get(reverse("posts:calendar", args=[org.slug]) + f"?date={day}").content
    assert 'data-m="21 likes · 1 comments"' in week.decode()
    assert 'data-fill="m"' in week.decode()  # the popover's place for them
    listed = client.get(reverse("posts:calendar", args=[org.slug]) + f"?view=list&date={day}")
    assert "21 likes · 1 comments</span>" in listed.content.decode()


def test_a_deleted_channels_counts_leave_the_totals(org, owner, client_for):
    from integrations.services import integration_delete

    kept = ChannelFactory(organization=org)
    gone = ChannelFactory(organization=org)
    seed_channel(kept, followers_now=120)
    seed_channel(gone, followers_now=5000)
    published(kept, "Kept", 7)
    published(gone, "Gone", 500)
    assert "5,120" in client_for(owner).get(url(org)).content.decode()
    integration_delete(integration=gone)
    html = client_for(owner).get(url(org)).content.decode()
    assert "Kept" in html and "Gone" not in html and ">500<" not in html
    assert ">120<" in html and "5,120" not in html


def test_figures_are_grouped_the_way_the_readers_language_writes_numbers(org, owner, client_for):
    channel = ChannelFactory(organization=org, name="Acme Toots")
    seed_channel(channel, followers_now=12345, followers_before=1000)
    published(channel, "Launch day", 4321)
    client = client_for(owner)

    english = client.get(url(org), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = client.get(url(org), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert '<strong class="an-figure">12,345</strong>' in english
    assert '<strong class="an-figure">12.345</strong>' in german
    assert "4.321" in german
