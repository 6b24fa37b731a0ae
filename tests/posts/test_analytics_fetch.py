"""Fetching post and channel counts: the cadence, batching, the hourly budget, a refused
permission, and that none of it happens in the publisher. Networks are faked at HTTP."""

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.analytics import budget_reserve, channel_metrics_fetch
from integrations.models import ChannelAnalytics, ChannelMetric
from integrations.providers.mastodon import MastodonProvider
from posts.analytics import services as analytics
from posts.analytics.models import PostMetric, PostMetricLatest, PostMetricsTrack
from posts.states import State
from tests.factories import ChannelFactory, PostFactory
from tests.posts.e2e.fakes import FakeNetwork, answer, as_response


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


@pytest.fixture
def channel(db, fake):
    return ChannelFactory(
        provider="mastodon", credentials={"access_token": "t"}, meta={"instance": fake.origin}
    )


def published(channel, remote_id, ago=timedelta(hours=2)):
    when = timezone.now() - ago
    return PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id=remote_id,
    )


def statuses(counts: dict[str, int]):
    """Mastodon's answer to GET /api/v1/statuses?id[]=…: each asked status with its
    favourites from ``counts`` (statuses not in it are gone)."""

    def respond(call):
        template = answer("mastodon", "status", base="https://social.example").get_json()
        body = [
            {**template, "id": i, "favourites_count": counts[i], "reblogs_count": 1}
            for i in call.multi.get("id[]", [])
            if i in counts
        ]
        return as_response({"status": 200, "body": body})

    return respond


def test_cadence_decays_from_one_hour_to_thirty_days():
    start = timezone.now()
    points = []
    now = start
    while (due := analytics.next_due(start, now)) is not None:
        points.append(due - start)
        now = due
    assert points == list(analytics.CADENCE)
    assert analytics.next_due(start, start + timedelta(hours=2)) == start + timedelta(hours=6)


def test_a_published_post_is_fetched_when_due_and_then_waits_for_the_next_point(fake, channel):
    post = published(channel, "101", ago=timedelta(hours=2))
    fake.on("GET", r"/api/v1/statuses", statuses({"101": 7}))
    assert analytics.tracks_enrol() == 1
    track = PostMetricsTrack.objects.get()
    assert track.due_at == post.published_at + timedelta(hours=6)  # 1 h point already past
    PostMetricsTrack.objects.update(due_at=timezone.now())
    assert analytics.metrics_round()["channels"] == 1  # sync in tests: the job ran
    latest = dict(PostMetricLatest.objects.filter(post=post).values_list("metric", "value"))
    assert latest == {"likes": 7, "shares": 1, "comments": 0}
    assert PostMetric.objects.filter(post=post, day=timezone.now().date()).count() == 3
    track.refresh_from_db()
    assert track.due_at == post.published_at + timedelta(hours=6) and track.fetches == 1
    # Nothing is due: the next round asks nothing.
    analytics.metrics_round()
    assert len(fake.calls) == 1


def test_a_post_older_than_the_cadence_is_not_fetched_again_unless_asked(fake, channel):
    post = published(channel, "101", ago=timedelta(days=40))
    assert analytics.tracks_enrol() == 0
    fake.on("GET", r"/api/v1/statuses", statuses({"101": 3}))
    assert analytics.post_metrics_refresh(post=post)
    analytics.post_metrics_fetch(integration_id=channel.pk)
    assert PostMetricLatest.objects.get(post=post, metric="likes").value == 3
    assert PostMetricsTrack.objects.get(post=post).due_at is None


def test_a_fetch_the_same_day_overwrites_and_latest_remembers_when_it_changed(fake, channel):
    post = published(channel, "101")
    fake.on("GET", r"/api/v1/statuses", statuses({"101": 5}), statuses({"101": 9}))
    for _ in range(2):
        analytics.post_metrics_refresh(post=post)
        analytics.post_metrics_fetch(integration_id=channel.pk)
    assert PostMetric.objects.get(post=post, metric="likes").value == 9
    row = PostMetricLatest.objects.get(post=post, metric="likes")
    assert row.value == 9
    # Plugs later ask "which posts reached N likes": one indexed query.
    assert list(PostMetricLatest.objects.filter(metric="likes", value__gte=8)) == [row]


def test_posts_are_asked_in_batches_of_the_networks_size(fake, channel, monkeypatch):
    monkeypatch.setattr(MastodonProvider, "metrics_batch", 3)
    posts = [published(channel, str(100 + i)) for i in range(7)]
    fake.on("GET", r"/api/v1/statuses", statuses({p.remote_id: 1 for p in posts}))
    analytics.tracks_enrol()
    PostMetricsTrack.objects.update(due_at=timezone.now())
    outcome = analytics.post_metrics_fetch(integration_id=channel.pk)
    assert outcome == {"requests": 3, "posts": 7, "rows": 21}
    assert [len(c.multi["id[]"]) for c in fake.calls] == [3, 3, 1]


def test_a_round_spends_only_its_slice_of_the_hourly_budget(fake, channel, monkeypatch):
    monkeypatch.setattr(MastodonProvider, "metrics_batch", 1)
    monkeypatch.setattr(MastodonProvider, "metrics_per_hour", 24)  # 2 per 5-minute round
    posts = [published(channel, str(100 + i)) for i in range(30)]
    fake.on("GET", r"/api/v1/statuses", statuses({p.remote_id: 1 for p in posts}))
    analytics.tracks_enrol()
    PostMetricsTrack.objects.update(due_at=timezone.now())
    for _ in range(20):
        analytics.post_metrics_fetch(integration_id=channel.pk)
    # 20 rounds in the same hour: the slices stop at the hour's 24 requests.
    assert len(fake.calls) == 24
    state = ChannelAnalytics.objects.get(integration=channel)
    assert state.window_used == 24
    assert budget_reserve(integration=channel, wanted=5) == 0
    later = timezone.now() + timedelta(hours=1, minutes=1)
    assert budget_reserve(integration=channel, wanted=5, now=later) == 5


def test_a_refused_permission_asks_for_a_reconnect_naming_it(fake, channel):
    post = published(channel, "101")
    fake.on("GET", r"/api/v1/statuses", answer("mastodon", "forbidden_scope"))
    analytics.post_metrics_refresh(post=post)
    analytics.post_metrics_fetch(integration_id=channel.pk)
    state = ChannelAnalytics.objects.get(integration=channel)
    assert state.needs_reconnect
    assert "outside the authorized scopes" in state.message
    assert "Reconnect" in state.message
    # Refused channels are not asked again, and the post stays due for after the reconnect.
    assert analytics.channels_with_due_posts() == []
    analytics.post_metrics_fetch(integration_id=channel.pk)
    assert len(fake.calls) == 1
    assert PostMetricsTrack.objects.get(post=post).due_at <= timezone.now()


def test_a_throttled_network_pauses_the_channel(fake, channel):
    post = published(channel, "101")
    fake.on("GET", r"/api/v1/statuses", answer("mastodon", "rate_limited"))
    analytics.post_metrics_refresh(post=post)
    analytics.post_metrics_fetch(integration_id=channel.pk)
    state = ChannelAnalytics.objects.get(integration=channel)
    assert not state.needs_reconnect and state.paused_until > timezone.now()
    assert analytics.channels_with_due_posts() == []


def test_channel_counts_are_read_daily_and_upserted(fake, channel):
    fake.on(
        "GET",
        r"/api/v1/accounts/verify_credentials",
        answer("mastodon", "verify_credentials", base=fake.origin),
    )
    assert channel_metrics_fetch(integration_id=channel.pk) == 1
    row = ChannelMetric.objects.get()
    assert (row.metric, row.value, row.day) == ("followers", 10, timezone.now().date())
    # The organization's daily sum the page reads follows.
    from integrations.models import OrganizationMetricDay

    assert OrganizationMetricDay.objects.get(organization=channel.organization).value == 10
    from integrations.analytics import channels_due_daily

    assert channels_due_daily() == []  # read less than 23 hours ago


def test_networks_without_post_counts_are_not_enrolled(db):
    other = ChannelFactory(provider="telegram", meta={})
    published(other, "55")
    assert analytics.tracks_enrol() == 0


@pytest.mark.django_db(transaction=True)
def test_the_jobs_are_worker_schedules_and_the_publisher_never_fetches(fake, channel):
    from postiz.schedules import SCHEDULES
    from posts import runner

    funcs = {s["func"] for s in SCHEDULES}
    assert {
        "posts.analytics.tasks.metrics_round",
        "integrations.tasks.channel_metrics_round",
    } <= funcs
    published(channel, "101")
    analytics.tracks_enrol()
    PostMetricsTrack.objects.update(due_at=timezone.now())
    runner.run(seconds=1, workers=2)
    assert fake.calls == []  # the publisher asked nothing of the network
    assert PostMetricLatest.objects.count() == 0


def test_channels_needing_a_reconnect_or_deleted_are_not_queued(fake, channel):
    from integrations.models import Integration

    published(channel, "101")
    analytics.tracks_enrol()
    PostMetricsTrack.objects.update(due_at=timezone.now())
    assert analytics.channels_with_due_posts() == [channel.pk]
    Integration.objects.filter(pk=channel.pk).update(status="needs_reconnect")
    assert analytics.channels_with_due_posts() == []
