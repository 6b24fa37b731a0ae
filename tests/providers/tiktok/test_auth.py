"""Signing in to TikTok (Login Kit, client_key), refreshing with rotating refresh tokens,
and the account's profile and creator info."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.posts.e2e.fakes import answer, recorded

FIRST = recorded("tiktok", "token")["body"]
ROTATED = recorded("tiktok", "token_rotated")["body"]
TOKEN_PATH = r"/api/v2/oauth/token/"


def test_the_sign_in_address_names_the_client_key_and_the_scopes(provider):
    url = provider.authorization_url(state="s-123", redirect_uri="https://postiz.example/cb/")
    parts = urlsplit(url)
    assert parts.path == "/auth/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_key": "aw-client-key-123",
        "response_type": "code",
        "scope": "user.info.basic,video.publish,video.upload,video.list,user.info.stats",
        "redirect_uri": "https://postiz.example/cb/",
        "state": "s-123",
    }


def test_the_code_is_exchanged_with_the_client_key_and_secret(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok", "token"))
    grant = provider.exchange_code(code="the-code", redirect_uri="https://postiz.example/cb/")
    [call] = fake.sent("POST", TOKEN_PATH)
    assert call.form == {
        "client_key": "aw-client-key-123",
        "client_secret": "tiktok-client-secret-456",
        "code": "the-code",
        "grant_type": "authorization_code",
        "redirect_uri": "https://postiz.example/cb/",
    }
    assert grant.credentials == {
        "access_token": FIRST["access_token"],
        "refresh_token": FIRST["refresh_token"],
    }
    assert grant.expires_at and grant.refresh_expires_at > grant.expires_at
    assert "video.publish" in grant.scopes and grant.meta["open_id"] == FIRST["open_id"]


def test_a_sign_in_without_a_posting_scope_is_refused_at_once(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok", "token_basic_only"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "allow posting" in caught.value.user_message


def test_a_refresh_returns_the_rotated_pair(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok", "token_rotated"))
    channel = Channel("open-id", {"access_token": "old", "refresh_token": FIRST["refresh_token"]})
    grant = provider.refresh(channel)
    [call] = fake.sent("POST", TOKEN_PATH)
    assert call.form == {
        "client_key": "aw-client-key-123",
        "client_secret": "tiktok-client-secret-456",
        "grant_type": "refresh_token",
        "refresh_token": FIRST["refresh_token"],
    }
    assert grant.credentials == {
        "access_token": ROTATED["access_token"],
        "refresh_token": ROTATED["refresh_token"],
    }


def test_a_revoked_grant_asks_for_a_reconnect(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok", "token_invalid_grant"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel("open-id", {"access_token": "a", "refresh_token": "gone"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert caught.value.network_code == "invalid_grant"


def test_the_account_comes_with_its_creator_info(provider, fake):
    fake.on("GET", r"/api/v2/user/info/", answer("tiktok", "user_info"))
    fake.on("POST", r"/api/v2/post/publish/creator_info/query/", answer("tiktok", "creator_info"))
    grant = Grant({"access_token": FIRST["access_token"]}, scopes=["video.publish"])
    [account] = provider.accounts(grant)
    [user] = fake.sent("GET", r"/api/v2/user/info/")
    assert user.args == {"fields": "open_id,union_id,avatar_url,display_name"}
    assert user.headers["Authorization"] == f"Bearer {FIRST['access_token']}"
    assert (account.external_id, account.name, account.username) == (
        FIRST["open_id"],
        "Acme Studio",
        "acme.studio",
    )
    assert account.profile_url == "https://www.tiktok.com/@acme.studio"
    info = account.meta["creator_info"]
    assert info["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert (info["stitch_disabled"], info["max_video_post_duration_sec"]) == (True, 300)


def test_an_inbox_only_account_connects_without_creator_info(provider, fake):
    fake.on("GET", r"/api/v2/user/info/", answer("tiktok", "user_info"))
    grant = Grant({"access_token": "a"}, scopes=["user.info.basic", "video.upload"])
    [account] = provider.accounts(grant)
    assert account.name == "Acme Studio" and "creator_info" not in account.meta
    assert fake.sent("POST", r"/api/v2/post/publish/creator_info/query/") == []


def test_the_creator_info_tool_answers_the_accounts_options(provider, fake):
    fake.on("POST", r"/api/v2/post/publish/creator_info/query/", answer("tiktok", "creator_info"))
    info = provider.run_tool(Channel("open-id", {"access_token": "a"}), "creator_info", {})
    assert info["creator_username"] == "acme.studio"
    assert info["comment_disabled"] is False


def test_recent_videos_are_listed_for_a_missing_release_id(provider, fake):
    fake.on("POST", r"/api/v2/video/list/", answer("tiktok", "video_list"))
    refs = provider.recent_posts(Channel("open-id", {"access_token": "a"}, username="acme.studio"))
    [call] = fake.sent("POST", r"/api/v2/video/list/")
    assert call.args == {"fields": "id,title,video_description,create_time,share_url"}
    assert call.json == {"max_count": 20}
    assert [r.id for r in refs] == ["7445530123456789012", "7440000000000000001"]
    assert refs[0].url.startswith("https://www.tiktok.com/@acme.studio/video/7445530123456789012")


@pytest.mark.parametrize(
    ("given", "remote_id", "url"),
    [
        (
            "7445530123456789012",
            "7445530123456789012",
            "https://www.tiktok.com/@acme.studio/video/7445530123456789012",
        ),
        (
            "https://www.tiktok.com/@acme.studio/video/7445530123456789012?lang=en",
            "7445530123456789012",
            "https://www.tiktok.com/@acme.studio/video/7445530123456789012",
        ),
        (
            "https://www.tiktok.com/@acme.studio/photo/7445530123456789013",
            "7445530123456789013",
            "https://www.tiktok.com/@acme.studio/photo/7445530123456789013",
        ),
    ],
)
def test_a_release_id_set_by_hand_gets_its_address(provider, given, remote_id, url):
    ref = provider.ref_for_id(Channel("open-id", {}, username="acme.studio"), given)
    assert (ref.id, ref.url) == (remote_id, url)
