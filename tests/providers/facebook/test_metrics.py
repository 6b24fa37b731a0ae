"""Facebook Page analytics: posts read 50 at a time, the Page's daily views and reach."""

import json
from datetime import UTC, date, datetime

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from integrations.providers.facebook import POST_FIELDS
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.facebook.conftest import HERE

TOKEN = "page-secret-token-789"


@pytest.fixture
def channel():
    return Channel("101", {"access_token": TOKEN})


def refs(*ids):
    return [RemoteRef(id=i) for i in ids]


def recorded(name):
    def handler(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        return fixture_response(HERE, name)

    return handler


def test_post_counts_map_to_the_shared_names(provider, httpserver, channel):
    httpserver.expect_request(
        "/g/v24.0/", query_string={"ids": "101_1001,101_1002", "fields": POST_FIELDS}
    ).respond_with_handler(recorded("posts_metrics"))
    found = provider.post_metrics(channel, refs("101_1001", "101_1002"))
    assert found["101_1001"].values == {
        "views": 2380,
        "reach": 1710,
        "clicks": 64,
        "likes": 52,
        "comments": 7,
        "shares": 4,
    }
    # Insights Graph did not return are absent; a post nobody shared has 0 shares (Graph
    # omits the field then), and a zero count stays a zero.
    assert found["101_1002"].values == {"views": 15, "likes": 0, "comments": 0, "shares": 0}


def test_more_than_50_posts_take_several_requests(provider, httpserver, channel):
    batches = []

    def handler(request):
        ids = request.args["ids"].split(",")
        batches.append(len(ids))
        body = {i: {"id": i, "reactions": {"summary": {"total_count": 1}}} for i in ids}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/g/v24.0/").respond_with_handler(handler)
    ids = [f"101_{n}" for n in range(120)]
    found = provider.post_metrics(channel, refs(*ids))
    assert provider.metrics_batch == 50
    assert batches == [50, 50, 20]
    assert len(found) == 120


def test_a_deleted_post_in_a_batch_is_left_out_and_the_others_kept(provider, httpserver, channel):
    asked = []

    def handler(request):
        ids = request.args["ids"].split(",")
        asked.append(ids)
        if "101_404" in ids:
            return fixture_response(HERE, "not_found_100")
        if "101_999" in ids:  # a video: no post insights
            return fixture_response(HERE, "nonexisting_field_100")
        body = {i: {"id": i, "comments": {"summary": {"total_count": 2}}} for i in ids}
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/g/v24.0/").respond_with_handler(handler)
    found = provider.post_metrics(channel, refs("101_1", "101_404", "101_999", "101_2"))
    assert sorted(found) == ["101_1", "101_2"]
    # The whole batch first, then each post on its own.
    assert asked[0] == ["101_1", "101_404", "101_999", "101_2"]
    assert asked[1:] == [["101_1"], ["101_404"], ["101_999"], ["101_2"]]


def test_a_refused_permission_names_read_insights(provider, httpserver, channel):
    httpserver.expect_request("/g/v24.0/").respond_with_handler(recorded("permission_200"))
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("101_1001"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "read_insights" in caught.value.user_message
    assert "Reconnect" in caught.value.user_message


def test_throttled_on_http_400_waits_what_meta_estimates(provider, httpserver, channel):
    httpserver.expect_request("/g/v24.0/").respond_with_handler(recorded("rate_4"))
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("101_1001"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 19 * 60


def test_the_pages_daily_views_and_reach_and_todays_followers(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        "/g/v24.0/101/insights",
        query_string={
            "metric": "page_media_view,page_total_media_view_unique",
            "period": "day",
            "since": "2026-12-01",
            "until": "2026-12-03",
        },
    ).respond_with_handler(recorded("page_insights"))
    httpserver.expect_ordered_request(
        "/g/v24.0/101", query_string={"fields": "followers_count"}
    ).respond_with_handler(recorded("page_followers"))
    series = provider.channel_metrics(channel, date(2026, 12, 1), date(2026, 12, 2))
    assert series[date(2026, 12, 1)].values == {"views": 410, "reach": 230}
    assert series[date(2026, 12, 2)].values == {"views": 388, "reach": 201}
    assert series[datetime.now(UTC).date()].values["followers"] == 12840


def test_a_year_is_asked_in_spans_of_90_days(provider, httpserver, channel):
    spans = []

    def handler(request):
        spans.append((request.args["since"], request.args["until"]))
        return fixture_response(HERE, "page_insights")

    httpserver.expect_request("/g/v24.0/101/insights").respond_with_handler(handler)
    httpserver.expect_request("/g/v24.0/101").respond_with_handler(recorded("page_followers"))
    provider.channel_metrics(channel, date(2026, 1, 1), date(2026, 12, 31))
    assert spans[0] == ("2026-01-01", "2026-04-01")
    assert spans[-1][1] == "2027-01-01"
    assert len(spans) == 5


def test_no_token_in_the_logs(provider, httpserver, channel, captured_logs):
    httpserver.expect_request("/g/v24.0/").respond_with_handler(recorded("posts_metrics"))
    httpserver.expect_request("/g/v24.0/101/insights").respond_with_handler(
        recorded("page_insights")
    )
    httpserver.expect_request("/g/v24.0/101").respond_with_handler(recorded("page_followers"))
    provider.post_metrics(channel, refs("101_1001", "101_1002"))
    provider.channel_metrics(channel, date(2026, 12, 1), date(2026, 12, 2))
    assert_no_secret(captured_logs, TOKEN)
