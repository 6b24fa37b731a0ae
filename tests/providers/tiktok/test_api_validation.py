"""Scheduling a TikTok post through the public API checks it against the creator's options
cached on the channel: a visibility the account does not have, a video longer than it may
post, or duets it turned off are refused with TikTok's terms, before anything is queued."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from integrations.models import Integration
from media.models import MediaFile
from posts.models import Post
from tests.api.helpers import make_key
from tests.posts.e2e.fakes import recorded
from tests.posts.e2e.networks import TIKTOK_SETTINGS

pytestmark = pytest.mark.django_db

PRIVATE = recorded("tiktok", "creator_info_private")["body"]["data"]


@pytest.fixture
def api(org, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Client(HTTP_AUTHORIZATION=make_key(org, actor=owner)[1])


@pytest.fixture
def channel(org):
    return Integration.objects.create(
        organization=org,
        provider="tiktok",
        external_id="open-id",
        name="Acme on TikTok",
        username="acme.studio",
        credentials={"access_token": "act.x", "refresh_token": "rft.x"},
        meta={"creator_info": PRIVATE},
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


def schedule(api, channel, clip, **settings):
    body = {
        "type": "schedule",
        "date": "2030-01-15T12:00:00Z",
        "posts": [
            {
                "integration": {"id": str(channel.public_id)},
                "value": [
                    {
                        "content": "Launch day",
                        "image": [{"id": str(clip.public_id), "path": clip.file.url}],
                    }
                ],
                "settings": {"__type": "tiktok", **TIKTOK_SETTINGS, **settings},
            }
        ],
    }
    return api.post("/public/v1/posts", body, content_type="application/json")


def test_a_visibility_the_creator_does_not_have_is_refused_with_the_ones_it_has(api, channel, clip):
    response = schedule(api, channel, clip, privacy_level="PUBLIC_TO_EVERYONE", comment=False)
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "provider": "tiktok",
        "name": "Acme on TikTok",
        "message": "This TikTok account cannot post for everyone (PUBLIC_TO_EVERYONE); it "
        "allows: followers (FOLLOWER_OF_CREATOR), friends (MUTUAL_FOLLOW_FRIENDS), only me "
        "(SELF_ONLY).",
    }
    assert not Post.objects.exists()


def test_a_video_longer_than_the_creator_may_post_is_refused(api, channel, clip):
    clip.duration = 90.0
    clip.save()
    response = schedule(api, channel, clip, privacy_level="SELF_ONLY", comment=False)
    assert response.status_code == 400
    assert response.json()["message"] == (
        "This TikTok account can post videos up to 1 min; clip.mp4 lasts 1 min 30 s."
    )


def test_duets_the_creator_turned_off_are_refused(api, channel, clip):
    response = schedule(api, channel, clip, privacy_level="SELF_ONLY", comment=False, duet=True)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Duets are turned off for this TikTok account")


def test_a_post_within_the_creators_options_is_queued(api, channel, clip):
    response = schedule(api, channel, clip, privacy_level="SELF_ONLY", comment=False)
    assert response.status_code == 201, response.content
    assert Post.objects.get().settings["privacy_level"] == "SELF_ONLY"
