"""Threads analytics: each post's insights, the profile's daily views and its followers."""

from datetime import UTC, date, datetime

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.threads.conftest import HERE

TOKEN = "threads-secret-token-456"
METRICS = "views,likes,replies,reposts,quotes,shares"


@pytest.fixture
def channel():
    return Channel("1234567", {"access_token": TOKEN})


def answer(httpserver, path, name, **kwargs):
    def handler(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        return fixture_response(HERE, name)

    httpserver.expect_request(path, **kwargs).respond_with_handler(handler)


def test_post_insights_map_to_the_shared_names(provider, httpserver, channel):
    answer(
        httpserver,
        "/g/v1.0/18050206876707110/insights",
        "post_insights",
        query_string={"metric": METRICS},
    )
    found = provider.post_metrics(channel, [RemoteRef(id="18050206876707110")])
    # Reposts (5) and shares sent onward (3) are both shares.
    assert found["18050206876707110"].values == {
        "views": 1204,
        "likes": 87,
        "comments": 9,
        "shares": 8,
        "quotes": 2,
    }
    assert "reach" not in found["18050206876707110"].values


def test_one_request_per_post_and_a_deleted_post_is_left_out(provider, httpserver, channel):
    answer(httpserver, "/g/v1.0/111/insights", "post_insights")
    answer(httpserver, "/g/v1.0/222/insights", "not_found_100")
    answer(httpserver, "/g/v1.0/333/insights", "post_insights_repost_facade")
    found = provider.post_metrics(channel, [RemoteRef(id=i) for i in ("111", "222", "333")])
    assert provider.metrics_batch == 1
    assert list(found) == ["111"]
    assert len(httpserver.log) == 3


def test_a_refused_permission_names_threads_manage_insights(provider, httpserver, channel):
    answer(httpserver, "/g/v1.0/111/insights", "permission_10")
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, [RemoteRef(id="111")])
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "threads_manage_insights" in caught.value.user_message
    assert "Reconnect" in caught.value.user_message


def test_throttled_waits_what_meta_estimates(provider, httpserver, channel):
    answer(httpserver, "/g/v1.0/111/insights", "rate_4")
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, [RemoteRef(id="111")])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 19 * 60


def test_the_profiles_daily_views_and_todays_followers(provider, httpserver, channel):
    since, until = date(2026, 12, 1), date(2026, 12, 3)
    answer(
        httpserver,
        "/g/v1.0/1234567/threads_insights",
        "user_insights",
        query_string={
            "metric": "views,followers_count",
            "since": str(int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())),
            "until": str(int(datetime(2026, 12, 4, tzinfo=UTC).timestamp())),
        },
    )
    series = provider.channel_metrics(channel, since, until)
    today = datetime.now(UTC).date()
    # Each value is stamped with the end of its day (midnight Pacific): Dec 2 08:00 UTC
    # closes Dec 1. A day with no views is a zero, not a gap.
    assert series[date(2026, 12, 1)].values == {"views": 14}
    assert series[date(2026, 12, 2)].values == {"views": 0}
    assert series[date(2026, 12, 3)].values == {"views": 31}
    assert series[today].values["followers"] == 2217


def test_a_long_range_is_asked_in_90_day_spans_from_when_insights_begin(
    provider, httpserver, channel
):
    spans = []

    def handler(request):
        spans.append((int(request.args["since"]), int(request.args["until"])))
        return fixture_response(HERE, "user_insights")

    httpserver.expect_request("/g/v1.0/1234567/threads_insights").respond_with_handler(handler)
    provider.channel_metrics(channel, date(2024, 1, 1), date(2024, 9, 30))
    starts = [datetime.fromtimestamp(s, UTC).date() for s, _ in spans]
    assert starts == [date(2024, 4, 13), date(2024, 7, 12)]
    assert all(until - since <= 90 * 86400 for since, until in spans)


def test_no_token_in_the_logs(provider, httpserver, channel, captured_logs):
    answer(httpserver, "/g/v1.0/111/insights", "post_insights")
    answer(httpserver, "/g/v1.0/1234567/threads_insights", "user_insights")
    provider.post_metrics(channel, [RemoteRef(id="111")])
    provider.channel_metrics(channel, date(2026, 12, 1), date(2026, 12, 3))
    assert_no_secret(captured_logs, TOKEN)


def test_a_range_ending_today_never_asks_past_now(provider, httpserver, channel):
    asked = []

    def handler(request):
        asked.append(int(request.args["until"]))
        return fixture_response(HERE, "user_insights")

    httpserver.expect_request("/g/v1.0/1234567/threads_insights").respond_with_handler(handler)
    today = datetime.now(UTC).date()
    provider.channel_metrics(channel, today, today)
    assert asked[0] <= datetime.now(UTC).timestamp()
