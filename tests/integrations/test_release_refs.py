"""A release id set by hand (PUT /public/v1/posts/:id/release-id) is recorded as each
network's publishing records it, with the post's address where the id alone says it."""

import pytest

from integrations.providers import get_provider
from integrations.providers.base import Channel
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

CHANNELS = {
    "x": Channel("42", {}),
    "mastodon": Channel(
        "109", {}, username="@acme@social.example", meta={"instance": "https://social.example"}
    ),
    "bluesky": Channel("did:plc:abc", {}, username="acme.bsky.social", meta={"did": "did:plc:abc"}),
    "linkedin": Channel("782bbtaQ", {}),
    "reddit": Channel("t2_x", {}, username="acme"),
    "lemmy": Channel("acme", {}, meta={"instance": "https://lemmy.example"}),
    "telegram": Channel("-1001234567890", {}, username="@postiznews"),
    "discord": Channel("1", {}, meta={"guild_id": "10", "channel_id": "20"}),
    "threads": Channel("1", {}),
    "pinterest": Channel("1", {}),
    "gmb": Channel("2", {}, meta={"account": "accounts/1", "location": "locations/2"}),
    "youtube": Channel("UCx7lD0hp3tEuiZ1fj5lBqqw", {}),
    "tiktok": Channel("open-id", {}, username="acme.studio"),
    "tiktok-business": Channel("open-id", {}, username="acme.shop"),
    "ghost": Channel("https://blog.acme.example", {}, meta={"url": "https://blog.acme.example"}),
    "listmonk": Channel("x", {}, meta={"url": "https://lists.acme.example"}),
    "tumblr": Channel("t:Qm3p", {}, username="acmeworkshop"),
    "farcaster": Channel("194372", {}, username="acmeworkshop"),
    "mewe": Channel("5f3c9a1be4b0a7d2c8e61f40", {}, username="acmeworkshop"),
    "wordpress": Channel(
        "https://fieldnotes.acme.example#1",
        {},
        meta={"url": "https://fieldnotes.acme.example", "home": "https://fieldnotes.acme.example"},
    ),
    "dribbble": Channel("1405112", {}, username="acmestudio"),
    "vk": Channel("-228154012", {}, meta={"owner_id": -228154012}),
    "beehiiv": Channel("pub_6c4e1f2a-8b3d-4e5f-9a0b-1c2d3e4f5a6b", {}),
}


@pytest.mark.parametrize(
    ("network", "given", "remote_id", "url"),
    [
        (
            "x",
            "1445880548472328192",
            "1445880548472328192",
            "https://x.com/i/web/status/1445880548472328192",
        ),
        ("x", "https://x.com/acme/status/77?s=20", "77", "https://x.com/i/web/status/77"),
        ("mastodon", "1099", "1099", "https://social.example/@acme/1099"),
        (
            "bluesky",
            "https://bsky.app/profile/acme.bsky.social/post/3kabc2defg22x",
            "at://did:plc:abc/app.bsky.feed.post/3kabc2defg22x",
            "https://bsky.app/profile/acme.bsky.social/post/3kabc2defg22x",
        ),
        (
            "linkedin",
            "urn:li:share:7001",
            "urn:li:share:7001",
            "https://www.linkedin.com/feed/update/urn:li:share:7001",
        ),
        ("reddit", "t3_1abc2d", "t3_1abc2d", "https://www.reddit.com/comments/1abc2d/"),
        (
            "reddit",
            "https://www.reddit.com/r/Python/comments/1abc2d/hello/",
            "t3_1abc2d",
            "https://www.reddit.com/comments/1abc2d/",
        ),
        ("lemmy", "4521", "4521", "https://lemmy.example/post/4521"),
        ("telegram", "https://t.me/postiznews/88", "88", "https://t.me/postiznews/88"),
        ("discord", "555", "555", "https://discord.com/channels/10/20/555"),
        ("threads", "18012345", "18012345", ""),
        (
            "pinterest",
            "https://www.pinterest.com/pin/813744226420795884/",
            "813744226420795884",
            "https://www.pinterest.com/pin/813744226420795884/",
        ),
        (
            "pinterest",
            "813744226420795884",
            "813744226420795884",
            "https://www.pinterest.com/pin/813744226420795884/",
        ),
        (
            "gmb",
            "accounts/1/locations/2/localPosts/77",
            "accounts/1/locations/2/localPosts/77",
            "",
        ),
        (
            "youtube",
            "https://youtu.be/dQw4w9WgXcQ",
            "dQw4w9WgXcQ",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        ),
        (
            "tiktok",
            "https://www.tiktok.com/@acme.studio/video/7445530123456789012?lang=en",
            "7445530123456789012",
            "https://www.tiktok.com/@acme.studio/video/7445530123456789012",
        ),
        (
            "tiktok-business",
            "https://www.tiktok.com/@acme.shop/photo/7445530123456789013",
            "7445530123456789013",
            "https://www.tiktok.com/@acme.shop/photo/7445530123456789013",
        ),
        ("ghost", "6753a4f29c2b3e0001f4a2c7", "6753a4f29c2b3e0001f4a2c7", ""),
        ("wordpress", "42", "42", "https://fieldnotes.acme.example/?p=42"),
        (
            "wordpress",
            "https://fieldnotes.acme.example/?p=42&preview=true",
            "42",
            "https://fieldnotes.acme.example/?p=42",
        ),
        ("listmonk", "42", "42", "https://lists.acme.example/admin/campaigns/42"),
        (
            "listmonk",
            "https://lists.acme.example/admin/campaigns/42",
            "42",
            "https://lists.acme.example/admin/campaigns/42",
        ),
        (
            "tumblr",
            "https://acmeworkshop.tumblr.com/post/769145812345678912/launch-day",
            "769145812345678912",
            "https://www.tumblr.com/acmeworkshop/769145812345678912",
        ),
        (
            "tumblr",
            "https://www.tumblr.com/acmeworkshop/769145812345678912",
            "769145812345678912",
            "https://www.tumblr.com/acmeworkshop/769145812345678912",
        ),
        (
            "farcaster",
            "https://farcaster.xyz/acmeworkshop/0x71d5225f77e0164388b1d4c120825f3a2c1f131c",
            "0x71d5225f77e0164388b1d4c120825f3a2c1f131c",
            "https://farcaster.xyz/acmeworkshop/0x71d5225f",
        ),
        (
            "dribbble",
            "https://dribbble.com/shots/23456789-Brass-lamp",
            "23456789",
            "https://dribbble.com/shots/23456789",
        ),
        (
            "vk",
            "https://vk.com/wall-228154012_512",
            "-228154012_512",
            "https://vk.com/wall-228154012_512",
        ),
        ("vk", "512", "-228154012_512", "https://vk.com/wall-228154012_512"),
        (
            "beehiiv",
            "post_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "post_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            "",
        ),
        # No public source shows the address of a MeWe post: the id is kept, with none.
        ("mewe", "6571f0c2a8e4b0d3f29c1e77", "6571f0c2a8e4b0d3f29c1e77", ""),
    ],
)
def test_a_release_id_is_recorded_as_the_network_names_its_posts(network, given, remote_id, url):
    ref = get_provider(network).ref_for_id(CHANNELS[network], given)
    assert (ref.id, ref.url) == (remote_id, url)


# -- The newest posts, to pick a missing one from (GET /public/v1/posts/:id/missing) ------
@pytest.fixture
def fake(settings, httpserver):
    for network, prefixes in {
        "reddit": {"api": "/o"},
        "linkedin": {"api": "/li"},
        "tiktok-business": {"api": "/ttb"},
    }.items():
        point(settings, httpserver, network, **prefixes)
    return FakeNetwork(httpserver)


def test_each_network_that_can_list_its_posts_gives_the_newest_with_their_addresses(fake):
    base = fake.origin
    fake.on("GET", r"/api/v1/accounts/109/statuses", answer("mastodon", "statuses", base=base))
    fake.on("GET", r"/o/user/acme/submitted", answer("reddit", "submitted"))
    fake.on("GET", r"/li/rest/posts", answer("linkedin", "posts_by_author"))
    fake.on("GET", r"/api/v3/user", answer("lemmy", "user_posts"))
    fake.on("GET", r"/xrpc/com.atproto.repo.listRecords", answer("bluesky", "list_records"))
    fake.on(
        "GET",
        r"/ttb/business/video/list/",
        answer("tiktok_business", "video_list", created="1733527900"),
    )
    channels = {
        "mastodon": Channel("109", {"access_token": "t"}, meta={"instance": base}),
        "reddit": Channel("t2_x", {"access_token": "t"}, username="acme"),
        "linkedin": Channel("782bbtaQ", {"access_token": "t"}),
        "lemmy": Channel("alice", {"jwt": "j"}, username="alice", meta={"instance": base}),
        "bluesky": Channel(
            "did:plc:abc",
            {"access_jwt": "a"},
            username="acme.bsky.social",
            meta={"did": "did:plc:abc", "pds": base},
        ),
        "tiktok-business": Channel("open-id", {"access_token": "t"}, username="acme.shop"),
    }
    found = {
        network: [(ref.id, ref.url) for ref in get_provider(network).recent_posts(channel)]
        for network, channel in channels.items()
    }
    assert found["mastodon"][0] == ("103270115826048999", f"{base}/@alice/103270115826048999")
    assert found["reddit"][0] == (
        "t3_1zzzzz",
        "https://www.reddit.com/r/test/comments/1zzzzz/older_post/",
    )
    assert found["linkedin"][0] == (
        "urn:li:share:6844785523593134000",
        "https://www.linkedin.com/feed/update/urn:li:share:6844785523593134000",
    )
    assert found["lemmy"][0][1] == f"{base}/post/{found['lemmy'][0][0]}"
    assert found["bluesky"] == [
        (
            "at://did:plc:abc/app.bsky.feed.post/3kabc2defg22x",
            "https://bsky.app/profile/acme.bsky.social/post/3kabc2defg22x",
        ),
        (
            "at://did:plc:abc/app.bsky.feed.post/3kabc2abcd22x",
            "https://bsky.app/profile/acme.bsky.social/post/3kabc2abcd22x",
        ),
    ]
    assert found["tiktok-business"][0] == (
        "7445530123456789012",
        "https://www.tiktok.com/@acme.shop/video/7445530123456789012",
    )
    listed = fake.sent("GET", r"/xrpc/com.atproto.repo.listRecords")[0]
    assert (
        listed.args["collection"] == "app.bsky.feed.post" and listed.args["repo"] == "did:plc:abc"
    )


def test_networks_that_cannot_list_their_posts_offer_none():
    for network in ("telegram", "discord", "nostr"):
        assert get_provider(network).recent_posts(Channel("1", {})) == []
