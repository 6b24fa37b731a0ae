"""Signing in to a TikTok business account (the API for Business app's id and secret,
JSON token calls, refresh tokens that rotate), and the account's profile, posting options
and recent videos."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from integrations.providers.base import Channel, ErrorKind, Grant, ProviderError
from tests.posts.e2e.fakes import answer, recorded

FIRST = recorded("tiktok_business", "token")["body"]["data"]
ROTATED = recorded("tiktok_business", "token_rotated")["body"]["data"]
TOKEN_PATH = r"/api/tt_user/oauth2/token/"
REFRESH_PATH = r"/api/tt_user/oauth2/refresh_token/"
OPEN_ID = FIRST["open_id"]


def test_the_sign_in_address_names_the_business_app_and_the_scopes(provider):
    url = provider.authorization_url(state="s-123", redirect_uri="https://postiz.example/cb/")
    parts = urlsplit(url)
    assert parts.path == "/auth/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "client_key": "7312345678901234567",
        "response_type": "code",
        "scope": (
            "user.info.basic,user.info.username,user.info.stats,video.list,video.publish,"
            "comment.list,comment.list.manage"
        ),
        "redirect_uri": "https://postiz.example/cb/",
        "state": "s-123",
    }


def test_the_code_is_exchanged_as_json_with_the_app_id_and_secret(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok_business", "token"))
    grant = provider.exchange_code(code="the-code", redirect_uri="https://postiz.example/cb/")
    [call] = fake.sent("POST", TOKEN_PATH)
    assert call.json == {
        "client_id": "7312345678901234567",
        "client_secret": "biz-app-secret-0f9e8d7c",
        "grant_type": "authorization_code",
        "auth_code": "the-code",
        "redirect_uri": "https://postiz.example/cb/",
    }
    assert grant.credentials == {
        "access_token": FIRST["access_token"],
        "refresh_token": FIRST["refresh_token"],
    }
    assert grant.expires_at and grant.refresh_expires_at > grant.expires_at
    assert "video.publish" in grant.scopes and grant.meta["open_id"] == OPEN_ID


def test_a_sign_in_without_the_publish_permission_is_refused_at_once(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok_business", "token_basic_only"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "allow posting videos" in caught.value.user_message


def test_a_refresh_sends_the_refresh_token_and_returns_the_rotated_pair(provider, fake):
    fake.on("POST", REFRESH_PATH, answer("tiktok_business", "token_rotated"))
    channel = Channel(OPEN_ID, {"access_token": "old", "refresh_token": FIRST["refresh_token"]})
    grant = provider.refresh(channel)
    [call] = fake.sent("POST", REFRESH_PATH)
    assert call.json == {
        "client_id": "7312345678901234567",
        "client_secret": "biz-app-secret-0f9e8d7c",
        "grant_type": "refresh_token",
        "refresh_token": FIRST["refresh_token"],
    }
    assert grant.credentials == {
        "access_token": ROTATED["access_token"],
        "refresh_token": ROTATED["refresh_token"],
    }


def test_an_expired_refresh_token_asks_for_a_reconnect(provider, fake):
    fake.on("POST", REFRESH_PATH, answer("tiktok_business", "token_refresh_expired"))
    with pytest.raises(ProviderError) as caught:
        provider.refresh(Channel(OPEN_ID, {"access_token": "a", "refresh_token": "gone"}))
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert caught.value.network_code == "40103"
    assert "reconnect the channel" in caught.value.user_message


def test_a_wrong_app_secret_tells_the_administrator(provider, fake):
    fake.on("POST", TOKEN_PATH, answer("tiktok_business", "token_invalid_app"))
    with pytest.raises(ProviderError) as caught:
        provider.exchange_code(code="c", redirect_uri="https://postiz.example/cb/")
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "TIKTOK_BUSINESS_APP_SECRET" in caught.value.user_message


def test_the_account_comes_with_its_profile_and_posting_options(provider, fake):
    fake.on("GET", r"/api/business/get/", answer("tiktok_business", "business_get"))
    fake.on("GET", r"/api/business/video/settings/", answer("tiktok_business", "video_settings"))
    grant = Grant({"access_token": FIRST["access_token"]}, meta={"open_id": OPEN_ID})
    [account] = provider.accounts(grant)
    [profile] = fake.sent("GET", r"/api/business/get/")
    assert profile.args == {
        "business_id": OPEN_ID,
        "fields": '["username","display_name","profile_image"]',
    }
    # The API for Business takes the bare token in its own header.
    assert profile.headers["Access-Token"] == FIRST["access_token"]
    assert "Authorization" not in profile.headers
    assert (account.external_id, account.name, account.username) == (
        OPEN_ID,
        "Acme Shop",
        "acme.shop",
    )
    assert account.profile_url == "https://www.tiktok.com/@acme.shop"
    assert account.avatar_url.startswith("https://p16-sign-va.tiktokcdn.com/")
    info = account.meta["creator_info"]
    assert info["privacy_level_options"] == [
        "PUBLIC_TO_EVERYONE",
        "MUTUAL_FOLLOW_FRIENDS",
        "SELF_ONLY",
    ]
    assert (info["stitch_disabled"], info["max_video_post_duration_sec"]) == (True, 600)


def test_an_account_without_the_settings_permission_still_connects(provider, fake):
    fake.on("GET", r"/api/business/get/", answer("tiktok_business", "business_get"))
    fake.on("GET", r"/api/business/video/settings/", answer("tiktok_business", "scope_missing"))
    [account] = provider.accounts(Grant({"access_token": "a"}, meta={"open_id": OPEN_ID}))
    assert account.name == "Acme Shop" and "creator_info" not in account.meta


def test_the_creator_info_tool_answers_the_accounts_options(provider, fake):
    fake.on("GET", r"/api/business/video/settings/", answer("tiktok_business", "video_settings"))
    info = provider.run_tool(Channel(OPEN_ID, {"access_token": "a"}), "creator_info", {})
    [call] = fake.sent("GET", r"/api/business/video/settings/")
    assert call.args == {"business_id": OPEN_ID}
    assert info["comment_disabled"] is False and info["duet_disabled"] is False


def test_recent_videos_are_listed_for_a_missing_release_id(provider, fake):
    fake.on(
        "GET",
        r"/api/business/video/list/",
        answer("tiktok_business", "video_list", created="1733527900"),
    )
    refs = provider.recent_posts(Channel(OPEN_ID, {"access_token": "a"}, username="acme.shop"))
    [call] = fake.sent("GET", r"/api/business/video/list/")
    assert call.args == {
        "business_id": OPEN_ID,
        "fields": '["item_id","create_time","share_url","caption"]',
        "max_count": "20",
    }
    assert [r.id for r in refs] == ["7445530123456789012", "7109065174526479622"]
    assert refs[0].url == "https://www.tiktok.com/@acme.shop/video/7445530123456789012"


@pytest.mark.parametrize(
    ("given", "remote_id", "url"),
    [
        (
            "7445530123456789012",
            "7445530123456789012",
            "https://www.tiktok.com/@acme.shop/video/7445530123456789012",
        ),
        (
            "https://www.tiktok.com/@acme.shop/photo/7445530123456789013?lang=en",
            "7445530123456789013",
            "https://www.tiktok.com/@acme.shop/photo/7445530123456789013",
        ),
    ],
)
def test_a_release_id_set_by_hand_gets_its_address(provider, given, remote_id, url):
    ref = provider.ref_for_id(Channel(OPEN_ID, {}, username="acme.shop"), given)
    assert (ref.id, ref.url) == (remote_id, url)
