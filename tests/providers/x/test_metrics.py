"""X analytics: posts' public_metrics in batches of 100, the account's followers."""

import json
import time
from datetime import UTC, date, datetime

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from tests.providers.conftest import assert_no_secret, fixture_response
from tests.providers.x.conftest import HERE

TOKEN = "x-access-secret-token-123"


@pytest.fixture
def channel():
    return Channel("2244994945", {"access_token": TOKEN, "refresh_token": "x-refresh-zzz"})


def refs(*ids):
    return [RemoteRef(id=i) for i in ids]


def test_post_counts_map_to_the_shared_names_and_a_deleted_post_is_left_out(
    provider, httpserver, channel
):
    seen = []

    def handler(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        seen.append(dict(request.args))
        return fixture_response(HERE, "tweets_metrics")

    httpserver.expect_request("/b/2/tweets", method="GET").respond_with_handler(handler)
    found = provider.post_metrics(
        channel, refs("1445880548472328192", "1445880548472328193", "1445880548472328199")
    )
    assert seen == [
        {
            "ids": "1445880548472328192,1445880548472328193,1445880548472328199",
            "tweet.fields": "public_metrics",
        }
    ]
    assert set(found) == {"1445880548472328192", "1445880548472328193"}
    assert found["1445880548472328192"].values == {
        "impressions": 1890,
        "likes": 31,
        "comments": 2,
        "shares": 4,
        "quotes": 1,
        "saves": 3,
    }
    # A zero X reports is a zero; what X does not report (reach, clicks) is absent.
    assert found["1445880548472328193"].values["likes"] == 0
    assert "reach" not in found["1445880548472328193"].values
    assert "clicks" not in found["1445880548472328192"].values


def test_an_id_that_is_no_x_post_id_is_not_sent(provider, httpserver, channel):
    seen = []

    def handler(request):
        seen.append(request.args["ids"])
        return fixture_response(HERE, "tweets_metrics")

    httpserver.expect_request("/b/2/tweets").respond_with_handler(handler)
    provider.post_metrics(channel, refs("1445880548472328192", "https://x.com/a/status/1"))
    assert seen == ["1445880548472328192"]


def test_a_batch_of_only_deleted_posts_answers_nothing(provider, httpserver, channel):
    httpserver.expect_request("/b/2/tweets").respond_with_response(
        fixture_response(HERE, "tweets_all_deleted")
    )
    assert provider.post_metrics(channel, refs("1445880548472328199")) == {}


def test_more_posts_than_one_request_takes_are_split_into_batches_of_100(
    provider, httpserver, channel
):
    batches = []

    def handler(request):
        ids = request.args["ids"].split(",")
        batches.append(len(ids))
        data = [
            {"id": i, "text": "", "public_metrics": {"like_count": 1, "impression_count": 5}}
            for i in ids
        ]
        return Response(json.dumps({"data": data}), content_type="application/json")

    httpserver.expect_request("/b/2/tweets").respond_with_handler(handler)
    ids = [str(10**18 + n) for n in range(250)]
    found = provider.post_metrics(channel, refs(*ids))
    assert provider.metrics_batch == 100
    assert batches == [100, 100, 50]
    assert len(found) == 250
    assert found[ids[-1]].values == {"likes": 1, "impressions": 5}


def test_a_refused_read_names_the_scopes_to_reconnect_with(provider, httpserver, channel):
    httpserver.expect_request("/b/2/tweets").respond_with_response(
        fixture_response(HERE, "forbidden")
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("1445880548472328192"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "tweet.read" in caught.value.user_message
    assert "reconnect" in caught.value.user_message


def test_rate_limited_waits_until_xs_reset(provider, httpserver, channel):
    reset = int(time.time()) + 600
    recorded = json.loads((HERE / "fixtures" / "rate_limited.json").read_text())
    httpserver.expect_request("/b/2/tweets").respond_with_response(
        Response(
            json.dumps(recorded["body"]),
            status=429,
            headers={**recorded["headers"], "x-rate-limit-reset": str(reset)},
            content_type="application/json",
        )
    )
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("1445880548472328192"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 590 <= caught.value.retry_after <= 600


def test_the_channel_has_todays_followers_only(provider, httpserver, channel):
    httpserver.expect_request(
        "/b/2/users/me", query_string={"user.fields": "public_metrics"}
    ).respond_with_response(fixture_response(HERE, "users_me_metrics"))
    series = provider.channel_metrics(channel, date(2026, 11, 1), date(2026, 12, 6))
    today = datetime.now(UTC).date()
    assert series == {today: series[today]}
    assert series[today].values == {"followers": 570842}


def test_no_token_in_the_logs(provider, httpserver, channel, captured_logs):
    httpserver.expect_request("/b/2/tweets").respond_with_response(
        fixture_response(HERE, "tweets_metrics")
    )
    httpserver.expect_request("/b/2/users/me").respond_with_response(
        fixture_response(HERE, "users_me_metrics")
    )
    provider.post_metrics(channel, refs("1445880548472328192"))
    provider.channel_metrics(channel, date(2026, 12, 1), date(2026, 12, 6))
    assert_no_secret(captured_logs, TOKEN)
