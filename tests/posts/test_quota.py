"""Daily caps (spec 1.4 ``quota_exhausted``): Instagram publishes 50 posts per account in
any 24 hours, Threads 250. Scheduling past the cap is warned about, with the cap and the
count, before anything is refused by the network."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integrations.providers.instagram import InstagramProvider, InstagramStandaloneProvider
from integrations.providers.threads import ThreadsProvider
from posts.models import Post, PostGroup
from posts.services.groups import ChannelInput, ItemInput, post_group_update, post_validate
from posts.states import State
from tests.factories import ChannelFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def instagram(org):
    return ChannelFactory(organization=org, provider="instagram", name="Acme on Instagram")


def fill(org, channel, when, count, state=State.SCHEDULED, group=None):
    group = group or PostGroup.objects.create(organization=org, timezone="Europe/Paris")
    Post.objects.bulk_create(
        Post(organization=org, group=group, integration=channel, state=state, publish_at=when)
        for _ in range(count)
    )
    return group


def quota(org, channel, when, group=None):
    issues = post_validate(
        organization=org,
        content=[ItemInput("A new post")],
        channels=[ChannelInput(channel.pk)],
        action="schedule",
        publish_at=when,
        timezone="Europe/Paris",
        group=group,
    )
    return [i for i in issues[channel.pk] if i.code == "quota_exhausted"]


def test_the_caps_are_declared_by_the_networks():
    assert InstagramProvider.daily_post_cap == 50
    assert InstagramStandaloneProvider.daily_post_cap == 50
    assert ThreadsProvider.daily_post_cap == 250


def test_the_fiftieth_instagram_post_of_a_day_passes_and_the_fifty_first_is_warned(org, instagram):
    when = paris(2027, 6, 10, 9, 0)
    fill(org, instagram, when - timedelta(hours=20), 49)
    assert quota(org, instagram, when) == []
    fill(org, instagram, when + timedelta(hours=3), 1)
    [issue] = quota(org, instagram, when)
    assert issue.severity == "warning" and issue.field == "publish_at"
    assert (issue.limit, issue.actual) == (50, 51)
    assert "Instagram publishes at most 50 posts per account in 24 hours" in issue.message
    assert "Acme on Instagram would have 51" in issue.message
    assert "2027-06-09 13:00 and 2027-06-10 13:00 (Europe/Paris)" in issue.message


def test_posts_more_than_a_day_away_or_not_going_out_are_not_counted(org, instagram):
    when = paris(2027, 6, 10, 9, 0)
    fill(org, instagram, when - timedelta(hours=24), 30)  # exactly a day before: out
    fill(org, instagram, when + timedelta(hours=24), 30)  # exactly a day after: out
    for state in (State.DRAFT, State.FAILED, State.CANCELLED, State.MISSED):
        fill(org, instagram, when, 20, state=state)
    other = ChannelFactory(organization=org, provider="instagram")
    fill(org, other, when, 60)
    assert quota(org, instagram, when) == []


def test_the_stretch_that_counts_is_any_24_hours_holding_the_post(org, instagram):
    when = paris(2027, 6, 10, 12, 0)
    # 40 the evening before and 40 the evening after: never 51 within one 24 hours.
    fill(org, instagram, when - timedelta(hours=13), 40)
    fill(org, instagram, when + timedelta(hours=13), 40)
    assert quota(org, instagram, when) == []
    # Ten more in the morning: the morning and either evening make 51 with this post.
    fill(org, instagram, when - timedelta(hours=2), 10)
    [issue] = quota(org, instagram, when)
    assert issue.actual == 51


def test_the_day_is_24_real_hours_across_the_spring_change(org, instagram):
    # 28 March 2027: Paris moves from UTC+1 to UTC+2. 09:30 the next day, by the clock,
    # is only 23 hours later, so the fifty posts of the day before still count.
    fill(org, instagram, paris(2027, 3, 27, 9, 30), 50)
    [issue] = quota(org, instagram, paris(2027, 3, 28, 9, 30))
    assert issue.actual == 51
    assert "2027-03-27 09:30 and 2027-03-28 10:30 (Europe/Paris)" in issue.message


def test_the_day_is_24_real_hours_across_the_autumn_change(org, instagram):
    # 31 October 2027: back to UTC+1. 09:30 the next day is 25 hours later: a new day.
    fill(org, instagram, paris(2027, 10, 30, 9, 30), 50)
    assert quota(org, instagram, paris(2027, 10, 31, 9, 30)) == []
    assert quota(org, instagram, paris(2027, 10, 31, 8, 29)) != []


def test_a_group_being_edited_does_not_count_its_own_post(org, instagram, editor):
    when = paris(2027, 6, 10, 9, 0)
    fill(org, instagram, when, 49)
    mine = fill(org, instagram, when, 1)
    assert quota(org, instagram, when, group=mine) == []
    assert len(quota(org, instagram, when)) == 1
    # Saving the edit is not refused either: a warning never blocks.
    post_group_update(
        group=mine,
        actor=editor,
        content=[ItemInput("Edited")],
        channels=[ChannelInput(instagram.pk)],
        action="draft",
        publish_at=when,
        timezone="Europe/Paris",
    )


def test_threads_warns_past_250(org):
    threads = ChannelFactory(organization=org, provider="threads")
    when = datetime(2027, 6, 10, 7, 0, tzinfo=UTC)
    fill(org, threads, when, 249)
    assert quota(org, threads, when) == []
    fill(org, threads, when, 1)
    [issue] = quota(org, threads, when)
    assert (issue.limit, issue.actual) == (250, 251)


def test_networks_without_a_cap_are_not_counted(org):
    mastodon = ChannelFactory(organization=org, provider="mastodon")
    when = paris(2027, 6, 10, 9, 0)
    fill(org, mastodon, when, 300)
    assert quota(org, mastodon, when) == []


def test_one_query_counts_every_capped_channel(org):
    channels = [ChannelFactory(organization=org, provider="instagram") for _ in range(3)]
    channels.append(ChannelFactory(organization=org, provider="threads"))
    when = paris(2027, 6, 10, 9, 0)
    for channel in channels:
        fill(org, channel, when, 60)
    kwargs = {
        "organization": org,
        "content": [ItemInput("A new post")],
        "action": "schedule",
        "publish_at": when,
        "timezone": "Europe/Paris",
    }
    post_validate(channels=[ChannelInput(channels[0].pk)], **kwargs)
    with CaptureQueriesContext(connection) as one:
        post_validate(channels=[ChannelInput(channels[0].pk)], **kwargs)
    with CaptureQueriesContext(connection) as four:
        issues = post_validate(channels=[ChannelInput(c.pk) for c in channels], **kwargs)
    assert len(four) == len(one)
    warned = [c.pk for c in channels if any(i.code == "quota_exhausted" for i in issues[c.pk])]
    assert warned == [c.pk for c in channels[:3]]  # Threads allows 250


# -- The composer ------------------------------------------------------------------------
def test_the_composer_checks_show_the_cap_and_the_count(org, editor, client_for, instagram):
    when = paris(2027, 6, 10, 9, 0)
    fill(org, instagram, when - timedelta(hours=1), 50)
    html = (
        client_for(editor)
        .post(
            reverse("posts:composer_validate", args=[org.slug]),
            {
                "channels": [str(instagram.pk)],
                "item-0-text": "Hello",
                "publish_date": "2027-06-10",
                "publish_time": "09:00",
                "timezone": "Europe/Paris",
            },
        )
        .content.decode()
    )
    assert "Instagram publishes at most 50 posts per account in 24 hours" in html
    assert "would have 51" in html


def test_the_composer_checks_of_an_edit_do_not_count_the_post_twice(
    org, editor, client_for, instagram, outsider
):
    when = paris(2027, 6, 10, 9, 0)
    fill(org, instagram, when, 49)
    mine = fill(org, instagram, when, 1)
    data = {
        "channels": [str(instagram.pk)],
        "item-0-text": "Hello",
        "publish_date": "2027-06-10",
        "publish_time": "09:00",
        "timezone": "Europe/Paris",
    }
    url = reverse("posts:composer_validate", args=[org.slug])
    client = client_for(editor)
    assert "would have" not in client.post(url, {**data, "group": mine.pk}).content.decode()
    assert "would have 51" in client.post(url, data).content.decode()
    # Another organization's group id is simply not found, so nothing is left out.
    theirs = PostGroup.objects.create(organization=outsider.memberships.first().organization)
    assert "would have 51" in client.post(url, {**data, "group": theirs.pk}).content.decode()
