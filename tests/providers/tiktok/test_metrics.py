"""TikTok's counts: /v2/video/query/ (20 ids a request, scope video.list) for each video,
/v2/user/info/ (scope user.info.stats) for the account's followers today."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from werkzeug import Response

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from tests.posts.e2e.fakes import answer, recorded
from tests.providers.conftest import assert_no_secret

TOKEN = "act.tiktok-channel-access-token"
QUERY = r"/api/v2/video/query/"
USER = r"/api/v2/user/info/"


@pytest.fixture
def channel():
    return Channel(
        "-000OBJ6Sv5Zq1vWxeW7pHzVx1NqOnBJrzg",
        {"access_token": TOKEN, "refresh_token": "rft.tiktok-refresh"},
        username="acmestudio",
    )


def refs(*ids):
    return [RemoteRef(id=video_id) for video_id in ids]


def test_video_counts_map_to_views_likes_comments_and_shares(provider, fake, channel):
    fake.on("POST", QUERY, answer("tiktok", "video_query"))
    found = provider.post_metrics(channel, refs("7312345678901234567", "7312345678901234999"))
    [call] = fake.sent("POST", QUERY)
    assert call.args == {"fields": "id,view_count,like_count,comment_count,share_count"}
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.json == {"filters": {"video_ids": ["7312345678901234567", "7312345678901234999"]}}
    assert found["7312345678901234567"].values == {
        "views": 48213,
        "likes": 3120,
        "comments": 87,
        "shares": 45,
    }
    # A zero TikTok told is a zero.
    assert found["7312345678901234999"].values["comments"] == 0


def test_a_deleted_video_is_left_out(provider, fake, channel):
    fake.on("POST", QUERY, answer("tiktok", "video_query"))
    found = provider.post_metrics(
        channel, refs("7312345678901234567", "7312345678901234999", "7300000000000000001")
    )
    assert set(found) == {"7312345678901234567", "7312345678901234999"}


def test_more_than_twenty_videos_go_in_several_requests(provider, fake, channel):
    template = recorded("tiktok", "video_query")["body"]

    def reply(call):
        ids = call.json["filters"]["video_ids"]
        videos = [{**template["data"]["videos"][0], "id": video_id} for video_id in ids]
        body = {**template, "data": {"videos": videos}}
        return Response(json.dumps(body), content_type="application/json")

    fake.on("POST", QUERY, reply)
    wanted = [str(7312345678900000000 + n) for n in range(45)]
    found = provider.post_metrics(channel, refs(*wanted))
    sizes = [len(call.json["filters"]["video_ids"]) for call in fake.sent("POST", QUERY)]
    assert sizes == [20, 20, 5]
    assert max(sizes) <= provider.metrics_batch
    assert sorted(found) == sorted(wanted)


def test_a_channel_without_video_list_is_told_which_permission_to_allow(provider, fake, channel):
    fake.on("POST", QUERY, answer("tiktok", "scope_not_authorized"))
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("7312345678901234567"))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "video.list" in caught.value.user_message


def test_a_rate_limit_waits_what_tiktok_says(provider, fake, channel):
    fake.on("POST", QUERY, answer("tiktok", "rate_limit_exceeded"))
    with pytest.raises(ProviderError) as caught:
        provider.post_metrics(channel, refs("7312345678901234567"))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 42


def test_the_accounts_followers_count_for_today(provider, fake, channel):
    fake.on("GET", USER, answer("tiktok", "user_info_stats"))
    today = datetime.now(UTC).date()
    days = provider.channel_metrics(channel, today - timedelta(days=29), today)
    [call] = fake.sent("GET", USER)
    assert call.args == {"fields": "open_id,follower_count,likes_count,video_count"}
    # likes_count and video_count are lifetime totals, not one day's counts.
    assert {day: m.values for day, m in days.items()} == {today: {"followers": 18230}}


def test_a_range_before_today_has_nothing_to_ask(provider, fake, channel):
    assert provider.channel_metrics(channel, date(2026, 1, 1), date(2026, 1, 31)) == {}
    assert fake.calls == []


def test_a_channel_without_user_info_stats_is_told_which_permission_to_allow(
    provider, fake, channel
):
    fake.on("GET", USER, answer("tiktok", "scope_not_authorized"))
    today = datetime.now(UTC).date()
    with pytest.raises(ProviderError) as caught:
        provider.channel_metrics(channel, today, today)
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "user.info.stats" in caught.value.user_message


def test_the_stats_scope_is_asked_for_when_connecting(provider):
    assert "user.info.stats" in provider.scopes
    assert provider.analytics == "both"


def test_no_token_in_logs(provider, fake, channel, captured_logs):
    fake.on("POST", QUERY, answer("tiktok", "video_query"))
    fake.on("GET", USER, answer("tiktok", "user_info_stats"))
    today = datetime.now(UTC).date()
    provider.post_metrics(channel, refs("7312345678901234567"))
    provider.channel_metrics(channel, today, today)
    assert_no_secret(captured_logs, TOKEN)
