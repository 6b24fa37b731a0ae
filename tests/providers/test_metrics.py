"""Post and channel counts of Mastodon, Bluesky, Lemmy and Reddit against fakes answering
with the networks' real response shapes.

Bluesky: the real PDS of tests/peers has no AppView behind it, so app.bsky.feed.getPosts
and app.bsky.actor.getProfile (which a PDS proxies to the AppView) are faked here with the
AppView's documented PostView and ProfileViewDetailed shapes."""

from datetime import UTC, date, datetime, timedelta

import pytest

from integrations.providers.base import Channel, ErrorKind, ProviderError, RemoteRef
from integrations.providers.bluesky import BlueskyProvider
from integrations.providers.lemmy import LemmyProvider
from integrations.providers.mastodon import MastodonProvider
from integrations.providers.reddit import RedditProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.bluesky.support import DID
from tests.providers.bluesky.support import channel as bluesky_channel
from tests.providers.conftest import point

TODAY = datetime.now(UTC).date()


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


# -- Mastodon ---------------------------------------------------------------------------
@pytest.fixture
def masto(fake):
    return Channel("109", {"access_token": "masto-token"}, meta={"instance": fake.origin})


def test_mastodon_reads_favourites_boosts_and_replies_of_many_statuses_in_one_call(fake, masto):
    fake.on("GET", r"/api/v1/statuses", answer("mastodon", "statuses_by_id", base=fake.origin))
    refs = [RemoteRef("113500000000000001"), RemoteRef("113500000000000002"), RemoteRef("99")]
    found = MastodonProvider().post_metrics(masto, refs)
    assert {k: v.values for k, v in found.items()} == {
        "113500000000000001": {"likes": 21, "shares": 5, "comments": 3},
        "113500000000000002": {"likes": 2, "shares": 1, "comments": 0},
    }
    [call] = fake.calls
    assert call.multi["id[]"] == ["113500000000000001", "113500000000000002", "99"]
    assert call.headers["Authorization"] == "Bearer masto-token"


def test_mastodon_before_4_3_is_read_one_status_at_a_time(fake, masto):
    fake.on("GET", r"/api/v1/statuses", answer("mastodon", "not_found"))
    one = answer("mastodon", "status", lambda body: body.update(id="1"), base=fake.origin)
    fake.on("GET", r"/api/v1/statuses/1", one)
    fake.on("GET", r"/api/v1/statuses/2", answer("mastodon", "not_found"))
    found = MastodonProvider().post_metrics(masto, [RemoteRef("1"), RemoteRef("2")])
    assert list(found) == ["1"]  # the deleted one is left out
    assert [c.path for c in fake.calls] == [
        "/api/v1/statuses",
        "/api/v1/statuses/1",
        "/api/v1/statuses/2",
    ]


def test_mastodon_followers_count_for_today(fake, masto):
    fake.on(
        "GET",
        r"/api/v1/accounts/verify_credentials",
        answer("mastodon", "verify_credentials", base=fake.origin),
    )
    found = MastodonProvider().channel_metrics(masto, TODAY - timedelta(days=3), TODAY)
    assert {k: v.values for k, v in found.items()} == {TODAY: {"followers": 10}}


def test_mastodon_refused_scope_is_a_permission_refusal(fake, masto):
    fake.on("GET", r"/api/v1/statuses", answer("mastodon", "forbidden_scope"))
    with pytest.raises(ProviderError) as caught:
        MastodonProvider().post_metrics(masto, [RemoteRef("1")])
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "outside the authorized scopes" in caught.value.user_message


# -- Bluesky ----------------------------------------------------------------------------
def test_bluesky_reads_up_to_25_posts_through_the_pds_proxy(fake):
    fake.on("GET", r"/xrpc/app.bsky.feed.getPosts", answer("bluesky", "get_posts"))
    uris = [f"at://{DID}/app.bsky.feed.post/3lfq2ax7cbk2a", f"at://{DID}/app.bsky.feed.post/gone"]
    found = BlueskyProvider().post_metrics(
        bluesky_channel(fake.origin), [RemoteRef(uri) for uri in uris]
    )
    # Quotes spread a post like reposts do: both count as shares.
    assert {k: v.values for k, v in found.items()} == {
        uris[0]: {"likes": 40, "shares": 8, "comments": 4}
    }
    [call] = fake.calls
    assert call.multi["uris"] == uris
    assert call.headers["Authorization"] == "Bearer eyJhY2Nlc3M.eyJvbGQ.c2ln"
    assert BlueskyProvider.metrics_batch == 25


def test_bluesky_followers_from_the_profile(fake):
    fake.on("GET", r"/xrpc/app.bsky.actor.getProfile", answer("bluesky", "get_profile"))
    found = BlueskyProvider().channel_metrics(bluesky_channel(fake.origin), TODAY, TODAY)
    assert found[TODAY].values == {"followers": 12}
    assert fake.calls[0].args == {"actor": DID}


def test_bluesky_channel_metrics_outside_today_are_empty(fake):
    fake.on("GET", r"/xrpc/app.bsky.actor.getProfile", answer("bluesky", "get_profile"))
    past = date(2020, 1, 1)
    assert BlueskyProvider().channel_metrics(bluesky_channel(fake.origin), past, past) == {}


# -- Lemmy ------------------------------------------------------------------------------
def test_lemmy_reads_score_and_comments_and_leaves_deleted_posts_out(fake):
    fake.on("GET", r"/api/v3/post", answer("lemmy", "post"), answer("lemmy", "couldnt_find_post"))
    channel = Channel(
        "u", {"jwt": "eyJa.eyJb.c2ln"}, username="alice", meta={"instance": fake.origin}
    )
    found = LemmyProvider().post_metrics(channel, [RemoteRef("1001"), RemoteRef("1002")])
    assert {k: v.values for k, v in found.items()} == {"1001": {"likes": 1, "comments": 0}}
    assert [c.args for c in fake.calls] == [{"id": "1001"}, {"id": "1002"}]
    assert LemmyProvider.analytics == "post"


# -- Reddit -----------------------------------------------------------------------------
@pytest.fixture
def reddit(settings, httpserver):
    point(settings, httpserver, "reddit", auth="/a", token="/t", api="/o")
    return RedditProvider()


def test_reddit_reads_score_and_comments_of_up_to_100_submissions_at_once(fake, reddit):
    fake.on("GET", r"/o/api/info", answer("reddit", "info"))
    channel = Channel("1w72", {"access_token": "reddit-token"}, username="postiz_tester")
    found = reddit.post_metrics(channel, [RemoteRef("t3_1abcde"), RemoteRef("t3_1zzzzz")])
    assert {k: v.values for k, v in found.items()} == {
        "t3_1abcde": {"likes": 128, "comments": 17},
        "t3_1zzzzz": {"likes": 1, "comments": 0},
    }
    [call] = fake.calls
    assert call.args["id"] == "t3_1abcde,t3_1zzzzz"
    assert RedditProvider.metrics_batch == 100


def test_reddit_refusal_is_a_permission_refusal(fake, reddit):
    fake.on("GET", r"/o/api/info", answer("reddit", "forbidden"))
    channel = Channel("1w72", {"access_token": "reddit-token"}, username="postiz_tester")
    with pytest.raises(ProviderError) as caught:
        reddit.post_metrics(channel, [RemoteRef("t3_1abcde")])
    assert caught.value.kind in (ErrorKind.PERMISSION_DENIED, ErrorKind.AUTH_REVOKED)
