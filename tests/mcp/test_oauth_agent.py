"""An agent signed in through OAuth (PKCE, dynamic registration) schedules through /mcp with
the token it was given, and loses access when the person revokes the app."""

from __future__ import annotations

import pytest

from posts.models import Post
from tests.organizations.test_oauth import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_oauth_token_lists_channels_and_schedules_a_post_through_mcp(
    agent_for, channel, org, owner
):
    token = sign_in(owner, org, scope="channels:read posts:read posts:write")["access_token"]
    assert token.startswith("pos_")
    agent = agent_for(token)

    failed, channels = agent.call("list_channels")
    assert not failed
    assert [c["id"] for c in channels["channels"]] == [str(channel.public_id)]

    failed, created = agent.call(
        "create_post",
        {
            "channels": [{"channel_id": str(channel.public_id)}],
            "items": [{"text": "Scheduled by an OAuth app"}],
            "publish_at": "2030-01-15T09:00",
            "timezone": "Europe/Paris",
        },
    )
    assert not failed, created
    post = Post.objects.get(integration=channel)
    assert post.publish_at.isoformat() == "2030-01-15T08:00:00+00:00"


def test_an_oauth_token_without_the_scope_is_told_which_one(agent_for, channel, org, owner):
    token = sign_in(owner, org, scope="channels:read")["access_token"]
    failed, message = agent_for(token).call(
        "create_post",
        {
            "channels": [{"channel_id": str(channel.public_id)}],
            "items": [{"text": "Not allowed"}],
            "publish_at": "2030-01-15T09:00",
            "timezone": "Europe/Paris",
        },
    )
    assert failed and "posts:write" in message
    assert not Post.objects.exists()
