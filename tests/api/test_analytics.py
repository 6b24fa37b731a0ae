"""Both analytics APIs: Postiz's shape on /public/v1, rows with cursors and a refresh action
on /api/v1; scopes and tenancy."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import ChannelAnalytics, ChannelMetric
from posts.analytics.models import PostMetric, PostMetricLatest, PostMetricsTrack
from posts.states import State
from tests.api.helpers import make_key
from tests.factories import ChannelFactory, PostFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.now().date()


@pytest.fixture
def native(key):
    return Client(HTTP_AUTHORIZATION=f"Bearer {key[1]}")


def seed(channel, days=10):
    ChannelMetric.objects.bulk_create(
        ChannelMetric(
            organization=channel.organization,
            integration=channel,
            metric="followers",
            day=TODAY - timedelta(days=i),
            value=200 - i,
        )
        for i in range(days)
    )


def published_post(channel, likes_by_day: dict[int, int]):
    when = timezone.now() - timedelta(days=max(likes_by_day) + 1)
    post = PostFactory(
        integration=channel,
        state=State.PUBLISHED,
        publish_at=when,
        published_at=when,
        remote_id="113500000000000001",
    )
    for ago, likes in likes_by_day.items():
        PostMetric.objects.create(
            organization=channel.organization,
            post=post,
            integration=channel,
            metric="likes",
            day=TODAY - timedelta(days=ago),
            value=likes,
        )
    PostMetricLatest.objects.create(
        organization=channel.organization,
        post=post,
        integration=channel,
        metric="likes",
        value=likes_by_day[min(likes_by_day)],
        published_at=when,
    )
    return post


def test_compat_channel_analytics_in_postiz_shape(api, channel):
    seed(channel, days=20)
    body = api.get(f"/public/v1/analytics/{channel.public_id}?date=7").json()
    followers = next(s for s in body if s["label"] == "Followers")
    assert len(followers["data"]) == 7
    assert followers["data"][-1] == {"total": "200", "date": TODAY.isoformat()}
    # 200 today against 193 on the last day of the 7 days before.
    assert followers["percentageChange"] == pytest.approx(3.6)


def test_compat_post_analytics_in_postiz_shape(api, channel):
    post = published_post(channel, {3: 10, 1: 15, 0: 30})
    body = api.get(f"/public/v1/analytics/post/{post.public_id}?date=7").json()
    assert body == [
        {
            "label": "Likes",
            "data": [
                {"total": "10", "date": (TODAY - timedelta(days=3)).isoformat()},
                {"total": "15", "date": (TODAY - timedelta(days=1)).isoformat()},
                {"total": "30", "date": TODAY.isoformat()},
            ],
            "percentageChange": 200.0,
        }
    ]


def test_compat_analytics_need_the_scope_and_are_sealed(org, channel):
    post = published_post(channel, {0: 1})
    reader = Client(HTTP_AUTHORIZATION=make_key(org, scopes=["posts:read"])[1])
    assert reader.get(f"/public/v1/analytics/{channel.public_id}").status_code == 403
    stranger = ChannelFactory()
    outsider = Client(HTTP_AUTHORIZATION=make_key(stranger.organization)[1])
    assert outsider.get(f"/public/v1/analytics/{channel.public_id}").status_code == 404
    assert outsider.get(f"/public/v1/analytics/post/{post.public_id}").status_code == 404


def test_native_channel_rows_page_with_a_cursor_bound_to_filters(native, channel):
    seed(channel, days=5)
    first = native.get(
        f"/api/v1/analytics/channels/{channel.public_id}?metric=followers&limit=3"
    ).json()
    assert [r["value"] for r in first["data"]] == [196, 197, 198]
    assert first["supported"] and first["analytics"] == "both"
    url = f"/api/v1/analytics/channels/{channel.public_id}?metric=followers&limit=3"
    rest = native.get(f"{url}&cursor={first['next_cursor']}").json()
    assert [r["value"] for r in rest["data"]] == [199, 200] and rest["next_cursor"] is None
    other = native.get(
        f"/api/v1/analytics/channels/{channel.public_id}?limit=3&cursor={first['next_cursor']}"
    )
    assert other.status_code == 400
    since = (TODAY - timedelta(days=1)).isoformat()
    recent = native.get(f"/api/v1/analytics/channels/{channel.public_id}?from={since}").json()
    assert [r["value"] for r in recent["data"]] == [199, 200]


def test_native_says_when_the_network_refused(native, channel):
    ChannelAnalytics.objects.create(
        integration=channel,
        organization=channel.organization,
        needs_reconnect=True,
        message="Mastodon refused: read scope missing.",
    )
    body = native.get(f"/api/v1/analytics/channels/{channel.public_id}").json()
    assert body["needs_reconnect"] and "read scope" in body["message"]


def test_native_post_analytics_and_refresh(native, channel, django_capture_on_commit_callbacks):
    post = published_post(channel, {2: 4, 0: 9})
    body = native.get(f"/api/v1/analytics/posts/{post.public_id}").json()
    assert body["latest"] == {"likes": 9}
    assert [r["value"] for r in body["data"]] == [4, 9]
    with django_capture_on_commit_callbacks(execute=False):
        answer = native.post(f"/api/v1/analytics/posts/{post.public_id}/refresh")
    assert answer.status_code == 202 and answer.json() == {"queued": True}
    assert PostMetricsTrack.objects.get(post=post).due_at <= timezone.now()


def test_native_list_queries_stay_flat(native, channel, django_assert_max_num_queries):
    seed(channel, days=60)
    with django_assert_max_num_queries(12):
        assert (
            native.get(f"/api/v1/analytics/channels/{channel.public_id}?limit=50").status_code
            == 200
        )


def test_native_analytics_are_sealed_and_scoped(org, channel):
    post = published_post(channel, {0: 1})
    stranger = ChannelFactory()
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(stranger.organization)[1]}")
    for url in (
        f"/api/v1/analytics/channels/{channel.public_id}",
        f"/api/v1/analytics/posts/{post.public_id}",
    ):
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/api/v1/analytics/posts/{post.public_id}/refresh").status_code == 404
    reader = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, scopes=['posts:read'])[1]}")
    assert reader.get(f"/api/v1/analytics/posts/{post.public_id}").status_code == 403
    assert reader.post(f"/api/v1/analytics/posts/{post.public_id}/refresh").status_code == 403
