"""Channels and posts placed at exact times, for the calendar, reschedule and failures tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

from integrations.models import Customer, Integration
from posts.models import Post, PostGroup, PostItem
from posts.states import State

UTC = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def channel(org, name="Acme on Mastodon", customer=None, avatar_url=""):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id=name,
        name=name,
        avatar_url=avatar_url,
        customer=customer,
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example", "account_id": "1"},
    )


def customer(org, name):
    return Customer.objects.create(organization=org, name=name)


def post_at(integration, when: datetime, text="Hello world", state=State.SCHEDULED, **fields):
    group = PostGroup.objects.create(organization=integration.organization)
    post = Post.objects.create(
        organization=integration.organization,
        group=group,
        integration=integration,
        state=state,
        publish_at=when,
        **fields,
    )
    PostItem.objects.create(post=post, position=0, content=text)
    PostItem.objects.create(post=post, position=1, content="a reply that is never shown")
    return post


def utc(*args):
    return datetime(*args, tzinfo=UTC)
