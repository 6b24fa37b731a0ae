"""Google Business Profile's counts: the location's daily impressions and clicks from the
Business Profile Performance API (fetchMultiDailyMetricsTimeSeries). A post's own counts
are not offered (analytics = "account")."""

from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.gmb import SCOPE
from tests.providers.conftest import assert_no_secret
from tests.providers.gmb.conftest import LOCATION, TOKEN, reply

PATH = f"/perf/v1/{LOCATION}:fetchMultiDailyMetricsTimeSeries"
METRICS = [
    "BUSINESS_IMPRESSIONS_DESKTOP_MAPS",
    "BUSINESS_IMPRESSIONS_DESKTOP_SEARCH",
    "BUSINESS_IMPRESSIONS_MOBILE_MAPS",
    "BUSINESS_IMPRESSIONS_MOBILE_SEARCH",
    "WEBSITE_CLICKS",
    "CALL_CLICKS",
    "BUSINESS_DIRECTION_REQUESTS",
]


@pytest.fixture(autouse=True)
def performance_host(provider, settings, httpserver):
    # The Performance API's host is played by the same fake, under /perf.
    endpoints = dict(settings.PROVIDER_ENDPOINTS)
    endpoints["gmb"] = {**endpoints["gmb"], "performance": httpserver.url_for("/perf")}
    settings.PROVIDER_ENDPOINTS = endpoints


def test_the_locations_days_map_to_impressions_and_clicks(provider, httpserver, channel):
    seen = {}

    def answer(request):
        seen["metrics"] = request.args.getlist("dailyMetrics")
        seen["range"] = {k: v for k, v in request.args.items() if k.startswith("dailyRange")}
        seen["auth"] = request.headers.get("Authorization")
        return reply("performance")

    httpserver.expect_request(PATH, method="GET").respond_with_handler(answer)
    days = provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert seen == {
        "metrics": METRICS,
        "range": {
            "dailyRange.startDate.year": "2026",
            "dailyRange.startDate.month": "11",
            "dailyRange.startDate.day": "1",
            "dailyRange.endDate.year": "2026",
            "dailyRange.endDate.month": "11",
            "dailyRange.endDate.day": "2",
        },
        "auth": f"Bearer {TOKEN}",
    }
    # Google leaves a zero's value out: a listed day without one counts 0.
    assert {day: m.values for day, m in days.items()} == {
        date(2026, 11, 1): {"impressions": 12 + 40 + 95 + 130, "clicks": 7 + 2 + 5},
        date(2026, 11, 2): {"impressions": 31 + 77 + 118, "clicks": 0},
    }


def test_days_google_has_not_reported_are_absent(provider, httpserver, channel):
    httpserver.expect_request(PATH).respond_with_response(reply("performance"))
    days = provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 5))
    assert set(days) == {date(2026, 11, 1), date(2026, 11, 2)}


def test_a_range_older_than_google_keeps_starts_where_its_history_does(
    provider, httpserver, channel
):
    seen = {}

    def answer(request):
        seen.update(request.args.to_dict())
        return reply("performance")

    httpserver.expect_request(PATH).respond_with_handler(answer)
    today = datetime.now(UTC).date()
    provider.channel_metrics(channel, date(2020, 1, 1), today)
    start = today - timedelta(days=540)
    assert (seen["dailyRange.startDate.year"], seen["dailyRange.startDate.day"]) == (
        str(start.year),
        str(start.day),
    )


def test_days_to_come_are_not_asked_for(provider, channel):
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    assert provider.channel_metrics(channel, tomorrow, tomorrow + timedelta(days=6)) == {}


@pytest.mark.parametrize(
    "name", ["permission_denied", "quota_zero", "service_disabled", "performance_not_enabled"]
)
def test_a_refusal_names_the_permission_and_the_api_to_enable(provider, httpserver, channel, name):
    httpserver.expect_request(PATH).respond_with_response(reply(name))
    with pytest.raises(ProviderError) as caught:
        provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert SCOPE in caught.value.user_message
    assert "Performance API" in caught.value.user_message


def test_a_rate_limit_waits_what_google_says(provider, httpserver, channel):
    httpserver.expect_request(PATH).respond_with_response(reply("rate_limited"))
    with pytest.raises(ProviderError) as caught:
        provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 30


def test_only_the_locations_counts_are_offered(provider):
    assert provider.analytics == "account"


def test_no_token_in_logs(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(PATH).respond_with_response(reply("performance"))
    provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 11, 2))
    assert_no_secret(captured_logs, TOKEN)
