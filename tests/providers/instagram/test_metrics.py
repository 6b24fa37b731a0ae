"""Instagram analytics (both sign-ins): each post's counts by its kind, the account's daily
reach and its followers."""

from datetime import UTC, date, datetime

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.instagram.conftest import HERE

TOKEN = "ig-page-secret-token-321"
FIELDS = {"fields": "media_product_type,like_count,comments_count"}


@pytest.fixture
def channel():
    return Channel("17841405822304914", {"access_token": TOKEN})


def answer(httpserver, path, name, **kwargs):
    def handler(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        return fixture_response(HERE, name)

    httpserver.expect_request(path, **kwargs).respond_with_handler(handler)


@pytest.mark.parametrize("kind", ["provider", "standalone"])
def test_a_posts_fields_and_insights_map_to_the_shared_names(kind, request, httpserver, channel):
    instance = request.getfixturevalue(kind)
    root = "/g/v24.0" if kind == "provider" else "/ig/v24.0"
    answer(httpserver, f"{root}/17895695668004550", "media_fields", query_string=FIELDS)
    answer(
        httpserver,
        f"{root}/17895695668004550/insights",
        "media_insights",
        query_string={"metric": "reach,saved,shares,views"},
    )
    found = instance.post_metrics(channel, [RemoteRef(id="17895695668004550")])
    assert found["17895695668004550"].values == {
        "likes": 143,
        "comments": 11,
        "reach": 1902,
        "saves": 27,
        "shares": 8,
        "views": 3120,
    }
    # Impressions are gone from Instagram's API: never asked, never invented.
    assert "impressions" not in found["17895695668004550"].values


def test_a_story_is_asked_only_what_stories_have(provider, httpserver, channel):
    answer(httpserver, "/g/v24.0/17999999999999999", "media_fields_story")
    answer(
        httpserver,
        "/g/v24.0/17999999999999999/insights",
        "story_insights",
        query_string={"metric": "reach,shares,views"},
    )
    found = provider.post_metrics(channel, [RemoteRef(id="17999999999999999")])
    assert found["17999999999999999"].values == {"reach": 340, "shares": 0, "views": 512}


def test_a_post_too_few_have_seen_keeps_its_likes_and_comments(provider, httpserver, channel):
    answer(httpserver, "/g/v24.0/17912345678901234", "media_fields_reel")
    answer(httpserver, "/g/v24.0/17912345678901234/insights", "not_enough_viewers_10")
    found = provider.post_metrics(channel, [RemoteRef(id="17912345678901234")])
    # Error 10 here is no refused permission: the channel is not sent to reconnect.
    assert found["17912345678901234"].values == {"likes": 0, "comments": 0}


def test_one_post_a_call_and_a_deleted_post_is_left_out(provider, httpserver, channel):
    answer(httpserver, "/g/v24.0/999", "not_found_100")
    answer(httpserver, "/g/v24.0/17895695668004550", "media_fields")
    answer(httpserver, "/g/v24.0/17895695668004550/insights", "media_insights")
    found = provider.post_metrics(channel, [RemoteRef(id="999"), RemoteRef(id="17895695668004550")])
    assert provider.metrics_batch == 1
    assert list(found) == ["17895695668004550"]


@pytest.mark.parametrize(
    ("kind", "permission"),
    [
        ("provider", "instagram_manage_insights"),
        ("standalone", "instagram_business_manage_insights"),
    ],
)
def test_a_refused_permission_names_the_insights_permission(
    kind, permission, request, httpserver, channel
):
    instance = request.getfixturevalue(kind)
    root = "/g/v24.0" if kind == "provider" else "/ig/v24.0"
    answer(httpserver, f"{root}/17895695668004550", "media_fields")
    answer(httpserver, f"{root}/17895695668004550/insights", "insights_permission_10")
    with pytest.raises(ProviderError) as caught:
        instance.post_metrics(channel, [RemoteRef(id="17895695668004550")])
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert permission in caught.value.user_message
    assert "Reconnect" in caught.value.user_message
    assert permission in instance.scopes


def test_throttled_waits_what_meta_estimates(provider, httpserver, channel):
    answer(httpserver, "/g/v24.0/17895695668004550", "rate_4")
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, [RemoteRef(id="17895695668004550")])
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 19 * 60


def test_the_accounts_daily_reach_and_todays_followers(provider, httpserver, channel):
    answer(
        httpserver,
        "/g/v24.0/17841405822304914/insights",
        "account_reach",
        query_string={
            "metric": "reach",
            "period": "day",
            "since": str(int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())),
            "until": str(int(datetime(2026, 12, 3, tzinfo=UTC).timestamp())),
        },
    )
    answer(
        httpserver,
        "/g/v24.0/17841405822304914",
        "account_followers",
        query_string={"fields": "followers_count"},
    )
    series = provider.channel_metrics(channel, date(2026, 12, 1), date(2026, 12, 2))
    assert series[date(2026, 12, 1)].values == {"reach": 1021}
    assert series[date(2026, 12, 2)].values == {"reach": 987}
    assert series[datetime.now(UTC).date()].values["followers"] == 48210


def test_ninety_days_are_asked_in_spans_of_30(provider, httpserver, channel):
    spans = []

    def handler(request):
        spans.append(int(request.args["until"]) - int(request.args["since"]))
        return fixture_response(HERE, "account_reach")

    httpserver.expect_request("/g/v24.0/17841405822304914/insights").respond_with_handler(handler)
    answer(httpserver, "/g/v24.0/17841405822304914", "account_followers")
    provider.channel_metrics(channel, date(2026, 9, 1), date(2026, 11, 29))
    assert spans == [30 * 86400] * 3


def test_no_token_in_the_logs(provider, httpserver, channel, captured_logs):
    answer(httpserver, "/g/v24.0/17895695668004550", "media_fields")
    answer(httpserver, "/g/v24.0/17895695668004550/insights", "media_insights")
    answer(httpserver, "/g/v24.0/17841405822304914/insights", "account_reach")
    answer(httpserver, "/g/v24.0/17841405822304914", "account_followers")
    provider.post_metrics(channel, [RemoteRef(id="17895695668004550")])
    provider.channel_metrics(channel, date(2026, 12, 1), date(2026, 12, 2))
    assert_no_secret(captured_logs, TOKEN)
