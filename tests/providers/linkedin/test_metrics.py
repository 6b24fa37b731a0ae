"""LinkedIn Page analytics: share statistics by post and by day, and the Page's followers."""

import json
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, ProviderError, RemoteRef
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.linkedin.conftest import HERE, TOKEN

STATS = "/b/rest/organizationalEntityShareStatistics"
ORG = "urn%3Ali%3Aorganization%3A2414183"


def rest(request):
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["LinkedIn-Version"] == "202605"
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"


def recorded(name, seen=None):
    def handler(request):
        rest(request)
        if seen is not None:
            seen.append(request.query_string.decode())
        return fixture_response(HERE, name)

    return handler


def test_post_statistics_map_to_the_shared_names(page_provider, httpserver, page):
    seen = []
    httpserver.expect_request(STATS).respond_with_handler(recorded("share_statistics", seen))
    found = page_provider.post_metrics(
        page,
        [
            RemoteRef(id="urn:li:share:7140000000000000001"),
            RemoteRef(id="urn:li:ugcPost:7140000000000000002"),
            RemoteRef(id="urn:li:share:7140000000000000003"),  # deleted: not answered
        ],
    )
    # Rest.li lists stay as written; only the URNs in them are encoded.
    assert seen == [
        f"q=organizationalEntity&organizationalEntity={ORG}"
        "&shares=List(urn%3Ali%3Ashare%3A7140000000000000001,"
        "urn%3Ali%3Ashare%3A7140000000000000003)"
        "&ugcPosts=List(urn%3Ali%3AugcPost%3A7140000000000000002)"
    ]
    assert found["urn:li:share:7140000000000000001"].values == {
        "impressions": 2304,
        "reach": 1510,
        "clicks": 48,
        "likes": 71,
        "comments": 9,
        "shares": 6,
    }
    assert found["urn:li:ugcPost:7140000000000000002"].values["likes"] == 0
    assert "urn:li:share:7140000000000000003" not in found
    assert "views" not in found["urn:li:share:7140000000000000001"].values


def test_more_than_20_posts_take_several_requests(page_provider, httpserver, page):
    sizes = []

    def handler(request):
        rest(request)
        listed = unquote(request.args["shares"])[len("List(") : -1].split(",")
        sizes.append(len(listed))
        elements = [{"share": urn, "totalShareStatistics": {"likeCount": 1}} for urn in listed]
        return Response(json.dumps({"elements": elements}), content_type="application/json")

    httpserver.expect_request(STATS).respond_with_handler(handler)
    refs = [RemoteRef(id=f"urn:li:share:{7140000000000000000 + n}") for n in range(45)]
    found = page_provider.post_metrics(page, refs)
    assert page_provider.metrics_batch == 20
    assert sizes == [20, 20, 5]
    assert len(found) == 45


def test_a_request_refused_for_a_deleted_post_is_asked_again_one_by_one(
    page_provider, httpserver, page
):
    def handler(request):
        rest(request)
        listed = unquote(request.args.get("shares", "List()"))[len("List(") : -1].split(",")
        if "urn:li:share:404" in listed:
            return fixture_response(HERE, "not_found")
        elements = [{"share": urn, "totalShareStatistics": {"likeCount": 2}} for urn in listed]
        return Response(json.dumps({"elements": elements}), content_type="application/json")

    httpserver.expect_request(STATS).respond_with_handler(handler)
    found = page_provider.post_metrics(
        page, [RemoteRef(id="urn:li:share:1"), RemoteRef(id="urn:li:share:404")]
    )
    assert list(found) == ["urn:li:share:1"]
    assert len(httpserver.log) == 3


def test_a_refused_read_names_the_permissions(page_provider, httpserver, page):
    httpserver.expect_request(STATS).respond_with_handler(recorded("statistics_forbidden"))
    with pytest.raises(ProviderError) as caught:
        page_provider.post_metrics(page, [RemoteRef(id="urn:li:share:1")])
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "rw_organization_admin" in caught.value.user_message
    assert "Reconnect" in caught.value.user_message
    assert "rw_organization_admin" in page_provider.scopes


def test_rate_limited_waits_until_midnight_utc(page_provider, httpserver, page):
    httpserver.expect_request(STATS).respond_with_handler(recorded("rate_limited"))
    with pytest.raises(ProviderError) as caught:
        page_provider.post_metrics(page, [RemoteRef(id="urn:li:share:1")])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert abs(caught.value.retry_after - (midnight - now).total_seconds()) < 5


def test_the_pages_daily_statistics_and_todays_followers(page_provider, httpserver, page):
    today = datetime.now(UTC).date()
    first, second = today - timedelta(days=5), today - timedelta(days=4)
    start = int(datetime.combine(first, time(0), tzinfo=UTC).timestamp()) * 1000
    end = int(datetime.combine(today - timedelta(days=3), time(0), tzinfo=UTC).timestamp()) * 1000
    seen = []

    def daily(request):
        # The recorded answer, its two days moved to the days asked for (LinkedIn keeps
        # only the last 12 months).
        rest(request)
        seen.append(request.query_string.decode())
        body = json.loads((HERE / "fixtures" / "share_statistics_daily.json").read_text())["body"]
        for index, element in enumerate(body["elements"]):
            element["timeRange"] = {
                "start": start + index * 86_400_000,
                "end": start + (index + 1) * 86_400_000,
            }
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_ordered_request(STATS).respond_with_handler(daily)
    httpserver.expect_ordered_request(
        f"/b/rest/networkSizes/{unquote(ORG)}",
        query_string={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
    ).respond_with_handler(recorded("network_size"))
    series = page_provider.channel_metrics(page, first, second)
    assert seen == [
        f"q=organizationalEntity&organizationalEntity={ORG}"
        f"&timeIntervals=(timeRange:(start:{start},end:{end}),timeGranularityType:DAY)"
    ]
    assert series[first].values == {
        "impressions": 488,
        "reach": 320,
        "clicks": 7,
        "likes": 12,
        "comments": 2,
        "shares": 1,
    }
    assert series[second].values["impressions"] == 455
    assert series[today].values["followers"] == 8463


def test_a_start_older_than_12_months_is_moved_to_what_linkedin_keeps(
    page_provider, httpserver, page
):
    seen = []
    httpserver.expect_request(STATS).respond_with_handler(recorded("share_statistics_daily", seen))
    httpserver.expect_request(f"/b/rest/networkSizes/{unquote(ORG)}").respond_with_handler(
        recorded("network_size")
    )
    today = datetime.now(UTC).date()
    page_provider.channel_metrics(page, date(2020, 1, 1), today)
    oldest = int(datetime.combine(today - timedelta(days=364), time(0), tzinfo=UTC).timestamp())
    assert f"start:{oldest * 1000}," in seen[0]


def test_the_member_channel_has_no_analytics(provider):
    # Member post statistics need r_member_postAnalytics (Community Management API only);
    # asking it of an app without that product would make every member sign-in fail.
    assert provider.analytics == "none"


def test_no_token_in_the_logs(page_provider, httpserver, page, captured_logs):
    httpserver.expect_request(STATS).respond_with_handler(recorded("share_statistics"))
    httpserver.expect_request(f"/b/rest/networkSizes/{unquote(ORG)}").respond_with_handler(
        recorded("network_size")
    )
    page_provider.post_metrics(page, [RemoteRef(id="urn:li:share:7140000000000000001")])
    page_provider.channel_metrics(page, date(2026, 12, 1), date(2026, 12, 2))
    assert_no_secret(captured_logs, TOKEN)
