"""Scheduling a TikTok Business post through the public API checks it against the
account's posting options cached on the channel: a visibility it does not have for a
photo post, a video longer than it may post, stitches it turned off, a comment too long
for TikTok: each refused with TikTok's terms before anything is queued."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from integrations.models import Integration
from media.models import MediaFile
from posts.models import Post
from tests.api.helpers import make_key
from tests.posts.e2e.fakes import recorded

pytestmark = pytest.mark.django_db

OPTIONS = recorded("tiktok_business", "video_settings")["body"]["data"]
SETTINGS = {
    "comment": False,
    "duet": False,
    "stitch": False,
    "brand_content_toggle": False,
    "brand_organic_toggle": False,
}


@pytest.fixture
def api(org, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Client(HTTP_AUTHORIZATION=make_key(org, actor=owner)[1])


@pytest.fixture
def channel(org):
    return Integration.objects.create(
        organization=org,
        provider="tiktok-business",
        external_id="biz-open-id",
        name="Acme Shop on TikTok",
        username="acme.shop",
        credentials={"access_token": "act.x", "refresh_token": "rft.x"},
        meta={"creator_info": OPTIONS},
    )


@pytest.fixture
def clip(org):
    return MediaFile.objects.create(
        organization=org,
        file=ContentFile(b"\x00\x00\x00\x18ftypmp42" * 64, name="clip.mp4"),
        name="clip.mp4",
        kind=MediaFile.Kind.VIDEO,
        mime_type="video/mp4",
        size=1024,
        width=1080,
        height=1920,
        duration=30.0,
    )


@pytest.fixture
def picture(org):
    return MediaFile.objects.create(
        organization=org,
        file=ContentFile(b"\xff\xd8\xff\xe0" + b"\x00" * 64, name="shoe.jpg"),
        name="shoe.jpg",
        kind=MediaFile.Kind.IMAGE,
        mime_type="image/jpeg",
        size=68,
        width=1080,
        height=1350,
    )


def schedule(api, channel, media, texts=("Autumn drop",), **settings):
    values = [
        {"content": texts[0], "image": [{"id": str(media.public_id), "path": media.file.url}]}
    ]
    values += [{"content": text, "image": []} for text in texts[1:]]
    body = {
        "type": "schedule",
        "date": "2030-01-15T12:00:00Z",
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "value": values,
                "settings": {"__type": "tiktok-business", **SETTINGS, **settings},
            }
        ],
    }
    return api.post("/public/v1/posts", body, content_type="application/json")


def test_a_photo_visibility_the_account_does_not_have_is_refused(api, channel, picture):
    response = schedule(api, channel, picture, privacy_level="FOLLOWER_OF_CREATOR")
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "provider": "tiktok-business",
        "name": "Acme Shop on TikTok",
        "message": "This TikTok account cannot post for followers (FOLLOWER_OF_CREATOR); it "
        "allows: everyone (PUBLIC_TO_EVERYONE), friends (MUTUAL_FOLLOW_FRIENDS), only me "
        "(SELF_ONLY).",
    }
    assert not Post.objects.exists()


def test_a_photo_post_without_a_visibility_is_refused(api, channel, picture):
    response = schedule(api, channel, picture)
    assert response.status_code == 400
    assert response.json()["message"] == "TikTok photo posts need a choice of who can see them."


def test_a_video_longer_than_the_account_may_post_is_refused(api, channel, clip):
    clip.duration = 601.0
    clip.save()
    response = schedule(api, channel, clip)
    assert response.status_code == 400
    assert response.json()["message"] == (
        "This TikTok account can post videos up to 10 min; clip.mp4 lasts 10 min 1 s."
    )


def test_stitches_the_account_turned_off_are_refused(api, channel, clip):
    response = schedule(api, channel, clip, stitch=True)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Stitches are turned off for this TikTok account")


def test_a_comment_longer_than_tiktok_takes_is_refused(api, channel, clip):
    response = schedule(api, channel, clip, texts=("Autumn drop", "x" * 151))
    assert response.status_code == 400
    assert response.json()["message"] == (
        "TikTok comments have at most 150 characters; this has 151."
    )


def test_a_post_within_the_accounts_options_is_queued_with_its_comment(api, channel, clip):
    response = schedule(api, channel, clip, texts=("Autumn drop", "Sizes run small"), comment=True)
    assert response.status_code == 201, response.content
    post = Post.objects.get()
    assert post.settings["comment"] is True
    assert [i.content for i in post.items.order_by("position")] == [
        "Autumn drop",
        "Sizes run small",
    ]
