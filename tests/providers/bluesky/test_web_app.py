"""Where "View on the network" opens a Bluesky post: bsky.app by default, or the web app
the channel names (an account on a self-hosted PDS that Bluesky's network does not crawl
is read elsewhere)."""

import pytest

from integrations.providers.bluesky import BlueskyProvider

from .support import DID, Recorder, channel, respond


@pytest.fixture
def pds(httpserver):
    return httpserver.url_for("").rstrip("/")


def test_a_post_links_to_bsky_app_by_default(pds):
    ref = BlueskyProvider().ref_for_id(channel(pds), f"at://{DID}/app.bsky.feed.post/3kabc")
    assert ref.url == "https://bsky.app/profile/alice.example.com/post/3kabc"
    assert ref.id == f"at://{DID}/app.bsky.feed.post/3kabc"


def test_a_published_post_links_to_the_web_app_the_channel_names(httpserver, pds):
    account = channel(pds)
    account.preferences = {"web_app": "https://social.example.org/"}
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        Recorder(lambda request: respond("create_record", rkey=request.get_json()["rkey"]))
    )
    from integrations.providers.base import PublishRequest

    result = BlueskyProvider().publish(account, PublishRequest(post_id="7", text="Hi", key="k"))

    rkey = result.ref.extra["rkey"]
    assert result.ref.url == f"https://social.example.org/profile/alice.example.com/post/{rkey}"


def test_the_profile_link_follows_the_web_app_too(httpserver, pds):
    account = channel(pds)
    account.preferences = {"web_app": "https://social.example.org"}
    httpserver.expect_request("/xrpc/app.bsky.actor.getProfile").respond_with_response(
        respond("get_profile")
    )
    profile = BlueskyProvider().fetch_profile(account)
    assert profile.profile_url == "https://social.example.org/profile/alice.example.com"


def test_a_web_app_that_is_not_a_web_address_is_ignored(pds):
    account = channel(pds)
    account.preferences = {"web_app": "javascript:alert(1)"}
    ref = BlueskyProvider().ref_for_id(account, "3kabc")
    assert ref.url.startswith("https://bsky.app/profile/")
