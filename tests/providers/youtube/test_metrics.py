"""YouTube's counts: videos.list statistics per video (50 ids a call), channels.list for
subscribers, and the YouTube Analytics daily report for the channel."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from integrations.providers.youtube import ANALYTICS_SCOPE
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.youtube.conftest import CHANNEL_ID, HERE, TOKEN, recorded

BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def channel(provider, settings, httpserver):
    # The YouTube Analytics host is played by the same fake.
    endpoints = dict(settings.PROVIDER_ENDPOINTS)
    fake = httpserver.url_for("/").rstrip("/")
    endpoints["youtube"] = {**endpoints["youtube"], "analytics": fake}
    settings.PROVIDER_ENDPOINTS = endpoints
    return Channel(CHANNEL_ID, {"access_token": TOKEN})


def refs(*ids):
    return [RemoteRef(id=video_id) for video_id in ids]


def test_video_counts_map_to_views_likes_and_comments(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/youtube/v3/videos",
        query_string={"part": "statistics", "id": "dQw4w9WgXcQ,o-YBDTqX_ZU", "maxResults": "2"},
        headers=BEARER,
    ).respond_with_response(fixture_response(HERE, "videos_statistics"))
    found = provider.post_metrics(channel, refs("dQw4w9WgXcQ", "o-YBDTqX_ZU"))
    assert found["dQw4w9WgXcQ"].values == {
        "views": 1085567053,
        "likes": 12479318,
        "comments": 2003414,
    }
    # Comments turned off: no count, never a zero; favourites (always 0) are not kept.
    assert found["o-YBDTqX_ZU"].values == {"views": 876873, "likes": 33414}


def test_a_deleted_video_is_left_out(provider, httpserver, channel):
    httpserver.expect_request("/youtube/v3/videos").respond_with_response(
        fixture_response(HERE, "videos_statistics")
    )
    found = provider.post_metrics(channel, refs("dQw4w9WgXcQ", "o-YBDTqX_ZU", "gone0000001"))
    assert set(found) == {"dQw4w9WgXcQ", "o-YBDTqX_ZU"}


def test_more_than_fifty_videos_go_in_several_calls(provider, httpserver, channel):
    template = recorded("videos_statistics")["body"]["items"][0]
    asked: list[list[str]] = []

    def answer(request):
        ids = request.args["id"].split(",")
        asked.append(ids)
        items = [{**template, "id": video_id} for video_id in ids]
        return Response(json.dumps({"items": items}), content_type="application/json")

    httpserver.expect_request("/youtube/v3/videos").respond_with_handler(answer)
    wanted = [f"vid{n:08d}" for n in range(120)]
    found = provider.post_metrics(channel, refs(*wanted))
    assert [len(ids) for ids in asked] == [50, 50, 20]
    assert max(len(ids) for ids in asked) <= provider.metrics_batch
    assert sorted(found) == wanted


def test_the_quota_running_out_waits_until_it_resets(provider, httpserver, channel):
    httpserver.expect_request("/youtube/v3/videos").respond_with_response(
        fixture_response(HERE, "quota_exceeded")
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("dQw4w9WgXcQ"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 0 < caught.value.retry_after <= 24 * 3600


def test_being_asked_to_slow_down_is_a_rate_limit(provider, httpserver, channel):
    httpserver.expect_request("/youtube/v3/videos").respond_with_response(
        fixture_response(HERE, "rate_limit_exceeded")
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("dQw4w9WgXcQ"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 60


def test_the_daily_report_maps_each_day(provider, httpserver, channel):
    httpserver.expect_request(
        "/v2/reports",
        query_string={
            "ids": f"channel=={CHANNEL_ID}",
            "startDate": "2026-11-01",
            "endDate": "2026-11-02",
            "metrics": "views,likes,comments,shares",
            "dimensions": "day",
            "sort": "day",
        },
        headers=BEARER,
    ).respond_with_response(fixture_response(HERE, "analytics_report"))
    days = provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert {day: m.values for day, m in days.items()} == {
        date(2026, 11, 1): {"views": 1204, "likes": 87, "comments": 12, "shares": 9},
        date(2026, 11, 2): {"views": 998, "likes": 61, "comments": 4, "shares": 0},
    }


def test_todays_subscribers_are_the_followers_of_today(provider, httpserver, channel):
    today = datetime.now(UTC).date()
    httpserver.expect_request("/v2/reports").respond_with_json(
        {"kind": "youtubeAnalytics#resultTable", "columnHeaders": [{"name": "day"}], "rows": []}
    )
    httpserver.expect_request(
        "/youtube/v3/channels",
        query_string={"part": "statistics", "id": CHANNEL_ID},
        headers=BEARER,
    ).respond_with_response(fixture_response(HERE, "channels_statistics"))
    days = provider.channel_metrics(channel, today - timedelta(days=6), today)
    # The lifetime view count is not a day's views: only the subscribers are kept.
    assert {day: m.values for day, m in days.items()} == {today: {"followers": 12300}}


def test_a_hidden_subscriber_count_is_not_told(provider, httpserver, channel):
    today = datetime.now(UTC).date()
    httpserver.expect_request("/v2/reports").respond_with_json(
        {"columnHeaders": [{"name": "day"}, {"name": "views"}], "rows": []}
    )
    httpserver.expect_request("/youtube/v3/channels").respond_with_response(
        fixture_response(HERE, "channels_statistics_hidden")
    )
    assert provider.channel_metrics(channel, today, today) == {}


def test_a_channel_without_the_analytics_scope_is_told_which_to_allow(
    provider, httpserver, channel
):
    httpserver.expect_request("/v2/reports").respond_with_response(
        fixture_response(HERE, "analytics_insufficient_scope")
    )
    with pytest.raises(ProviderError) as caught:
        provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert ANALYTICS_SCOPE in caught.value.user_message


def test_an_analytics_api_left_disabled_is_the_administrators_to_enable(
    provider, httpserver, channel
):
    httpserver.expect_request("/v2/reports").respond_with_response(
        fixture_response(HERE, "analytics_not_enabled")
    )
    with pytest.raises(ProviderError) as caught:
        provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "YouTube Analytics API has not been used" in caught.value.user_message


def test_days_to_come_are_not_asked_for(provider, channel):
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert provider.channel_metrics(channel, tomorrow, tomorrow + timedelta(days=3)) == {}


def test_the_analytics_scope_is_asked_for_when_connecting(provider):
    assert ANALYTICS_SCOPE in provider.scopes
    assert provider.analytics == "both"


def test_no_token_in_logs(provider, httpserver, channel, captured_logs):
    httpserver.expect_request("/youtube/v3/videos").respond_with_response(
        fixture_response(HERE, "videos_statistics")
    )
    httpserver.expect_request("/v2/reports").respond_with_response(
        fixture_response(HERE, "analytics_report")
    )
    provider.post_metrics(channel, refs("dQw4w9WgXcQ"))
    provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert_no_secret(captured_logs, TOKEN)
