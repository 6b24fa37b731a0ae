"""Pinterest's counts: GET /v5/pins/{id}/analytics per pin (the last 90 days), GET
/v5/user_account/analytics for the account's days, /v5/user_account for followers."""

from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.providers.base import ErrorKind, ProviderError, RemoteRef
from tests.providers.conftest import assert_no_secret
from tests.providers.pinterest.conftest import BEARER, TOKEN, reply

PIN = "813744226420795884"
PIN_TYPES = "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,VIDEO_MRC_VIEW,TOTAL_COMMENTS,TOTAL_REACTIONS"


def today():
    return datetime.now(UTC).date()


def window():
    return (today() - timedelta(days=89)).isoformat(), today().isoformat()


def test_pin_counts_map_to_our_names(provider, httpserver, channel):
    start, end = window()
    httpserver.expect_request(
        f"/api/v5/pins/{PIN}/analytics",
        query_string={
            "start_date": start,
            "end_date": end,
            "metric_types": PIN_TYPES,
            "app_types": "ALL",
        },
        headers=BEARER,
    ).respond_with_response(reply("pin_analytics"))
    found = provider.post_metrics(channel, [RemoteRef(id=PIN)])
    # PIN_CLICK counts every click (outbound ones too); an image pin has no video views.
    assert found[PIN].values == {
        "impressions": 240,
        "saves": 20,
        "clicks": 37,
        "likes": 12,
        "comments": 3,
    }


def test_a_video_pin_counts_its_views(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v5/pins/{PIN}/analytics").respond_with_response(
        reply("pin_analytics_video")
    )
    found = provider.post_metrics(channel, [RemoteRef(id=PIN)])
    # No lifetime counts told (a pin from before 2023): no likes or comments, not zero.
    assert found[PIN].values == {"impressions": 1200, "saves": 31, "clicks": 44, "views": 530}


def test_each_pin_is_its_own_request_and_a_deleted_one_is_left_out(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v5/pins/{PIN}/analytics").respond_with_response(
        reply("pin_analytics")
    )
    httpserver.expect_request("/api/v5/pins/813744226420799999/analytics").respond_with_response(
        reply("pin_not_found")
    )
    found = provider.post_metrics(channel, [RemoteRef(id=PIN), RemoteRef(id="813744226420799999")])
    assert set(found) == {PIN}
    asked = [r.path for r, _ in httpserver.log if "/analytics" in r.path]
    assert len(asked) == 2 and provider.metrics_batch == 1


def test_analytics_refused_name_the_permissions_to_allow(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v5/pins/{PIN}/analytics").respond_with_response(
        reply("forbidden")
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, [RemoteRef(id=PIN)])
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "pins:read" in caught.value.user_message
    assert "user_accounts:read" in caught.value.user_message


def test_a_token_without_the_scope_is_not_renewed_but_told_what_to_allow(
    provider, httpserver, channel
):
    httpserver.expect_request(f"/api/v5/pins/{PIN}/analytics").respond_with_response(
        reply("scope_insufficient")
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, [RemoteRef(id=PIN)])
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert caught.value.network_code == "3"
    assert "pins:read" in caught.value.user_message


def test_a_rate_limit_waits_what_pinterest_says(provider, httpserver, channel):
    httpserver.expect_request(f"/api/v5/pins/{PIN}/analytics").respond_with_response(
        reply("rate_limited")
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, [RemoteRef(id=PIN)])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 42


def test_the_accounts_days_and_todays_followers(provider, httpserver, channel):
    day1, day2, day3 = (today() - timedelta(days=n) for n in (2, 1, 0))
    httpserver.expect_request(
        "/api/v5/user_account/analytics",
        query_string={
            "start_date": (today() - timedelta(days=6)).isoformat(),
            "end_date": today().isoformat(),
            "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK",
            "app_types": "ALL",
        },
        headers=BEARER,
    ).respond_with_response(
        reply(
            "account_analytics",
            day1=day1.isoformat(),
            day2=day2.isoformat(),
            day3=day3.isoformat(),
        )
    )
    httpserver.expect_request("/api/v5/user_account", headers=BEARER).respond_with_response(
        reply("user_account")
    )
    days = provider.channel_metrics(channel, today() - timedelta(days=6), today())
    # Today is still processing: no figures for it but the followers.
    assert {day: m.values for day, m in days.items()} == {
        day1: {"impressions": 2310, "saves": 48, "clicks": 95},
        day2: {"impressions": 1980, "saves": 40, "clicks": 71},
        day3: {"followers": 560},
    }


def test_a_year_asked_for_reads_the_last_ninety_days(provider, httpserver, channel):
    seen = {}

    def answer(request):
        seen.update(request.args.to_dict())
        return reply("account_analytics", day1="x", day2="y", day3="z")

    httpserver.expect_request("/api/v5/user_account/analytics").respond_with_handler(answer)
    end = today() - timedelta(days=3)
    assert provider.channel_metrics(channel, today() - timedelta(days=364), end) == {}
    assert seen["start_date"] == (today() - timedelta(days=89)).isoformat()
    assert seen["end_date"] == end.isoformat()


def test_days_beyond_reach_are_not_asked_for(provider, channel):
    assert provider.channel_metrics(channel, date(2020, 1, 1), date(2020, 3, 1)) == {}


def test_account_analytics_refused_name_the_permissions(provider, httpserver, channel):
    httpserver.expect_request("/api/v5/user_account/analytics").respond_with_response(
        reply("analytics_forbidden")
    )
    with pytest.raises(ProviderError) as caught:
        provider.channel_metrics(channel, today(), today())
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "user_accounts:read" in caught.value.user_message


def test_no_token_in_logs(provider, httpserver, channel, captured_logs):
    httpserver.expect_request(f"/api/v5/pins/{PIN}/analytics").respond_with_response(
        reply("pin_analytics")
    )
    httpserver.expect_request("/api/v5/user_account/analytics").respond_with_response(
        reply("account_analytics", day1="a", day2="b", day3="c")
    )
    httpserver.expect_request("/api/v5/user_account").respond_with_response(reply("user_account"))
    provider.post_metrics(channel, [RemoteRef(id=PIN)])
    provider.channel_metrics(channel, today(), today())
    assert_no_secret(captured_logs, TOKEN)
