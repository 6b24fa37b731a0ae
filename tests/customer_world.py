"""An organization with two customers, A and B, a channel without customer, and a member
limited to A: what the tenancy tests ask B's objects of, through every page and route."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.models import Customer, CustomerAccess, Integration
from media.models import MediaFile
from organizations.models import ApiKey, Invitation, Membership, Organization
from organizations.permissions import Role
from organizations.services import api_key_create
from posts.feeds.models import Feed
from posts.imports.models import ImportJob
from posts.models import Notification, Post, PostGroup, PostItemMedia
from posts.states import State
from tests.factories import (
    ChannelFactory,
    CustomerFactory,
    InvitationFactory,
    MediaFileFactory,
    MembershipFactory,
    PostFactory,
)

# Written in B's objects only: a limited member's page or answer must never show them.
SECRET_B = "bravo-secret-text"
SECRET_NONE = "unassigned-secret-text"


@dataclass
class World:
    org: Organization
    customer_a: Customer
    customer_b: Customer
    channel_a: Integration
    channel_b: Integration
    channel_none: Integration
    post_a: Post
    post_b: Post
    post_none: Post
    mixed: PostGroup  # a group with a post on A's channel and one on B's
    media_a: MediaFile
    media_b: MediaFile
    notification_b: Notification
    owner: Membership
    limited: Membership  # an editor limited to customer A
    invitation: Invitation
    owner_key: ApiKey
    feed_a: Feed
    feed_b: Feed
    feed_none: Feed  # no customer: the whole organization's
    import_b: ImportJob  # an upload by a member limited to customer B


def limit(membership: Membership, *customers: Customer) -> Membership:
    """Limit ``membership`` to ``customers`` as the members page does (flag and rows)."""
    membership.customer_limited = True
    membership.save(update_fields=["customer_limited"])
    CustomerAccess.objects.bulk_create(
        [CustomerAccess(membership=membership, customer=c) for c in customers]
    )
    return membership


def _feed(org, name: str, channel: Integration, customer: Customer | None) -> Feed:
    feed = Feed.objects.create(
        organization=org, customer=customer, name=name, url=f"https://{channel.pk}.example/feed/"
    )
    feed.integrations.set([channel])
    return feed


def build(org: Organization, role: str = Role.EDITOR) -> World:
    owner = MembershipFactory(organization=org, role=Role.OWNER)
    customer_a = CustomerFactory(organization=org, name="Alpha")
    customer_b = CustomerFactory(organization=org, name="Bravo")
    channel_a = ChannelFactory(organization=org, customer=customer_a, name="Alpha channel")
    channel_b = ChannelFactory(organization=org, customer=customer_b, name=f"{SECRET_B} channel")
    channel_none = ChannelFactory(organization=org, name=f"{SECRET_NONE} channel")
    post_a = PostFactory(integration=channel_a, items=["alpha text"])
    # Failed, so the failures page, the counts and the bell would all show it.
    post_b = PostFactory(
        integration=channel_b,
        state=State.FAILED,
        error_message=f"{SECRET_B} error",
        items=[f"{SECRET_B} post"],
    )
    post_none = PostFactory(integration=channel_none, items=[f"{SECRET_NONE} post"])
    mixed_a = PostFactory(integration=channel_a, items=[f"{SECRET_B} mixed"])
    PostFactory(integration=channel_b, group=mixed_a.group, items=[f"{SECRET_B} mixed"])
    media_a = MediaFileFactory(organization=org, name="alpha.png", uploaded_by=owner.user)
    media_b = MediaFileFactory(organization=org, name=f"{SECRET_B}.png", uploaded_by=owner.user)
    PostItemMedia.objects.create(item=post_a.items.get(), media=media_a, position=0)
    PostItemMedia.objects.create(item=post_b.items.get(), media=media_b, position=0)
    limited = limit(MembershipFactory(organization=org, role=role), customer_a)
    notification_b = Notification.objects.create(
        organization=org,
        user=limited.user,
        kind=Notification.Kind.POST_FAILED,
        title=f"{SECRET_B} failed",
        post=post_b,
    )
    member_b = limit(MembershipFactory(organization=org, role=Role.EDITOR), customer_b)
    import_b = ImportJob.objects.create(
        organization=org,
        created_by=member_b.user,
        filename=f"{SECRET_B}.csv",
        data=f"text,channels\n{SECRET_B} row,{SECRET_B} channel\n".encode(),
        sha256="0" * 64,
        default_channels=[channel_b.pk],
    )
    owner_key, _ = api_key_create(
        organization=org, actor=owner.user, name="owner's", scopes=["posts:read"]
    )
    return World(
        org=org,
        customer_a=customer_a,
        customer_b=customer_b,
        channel_a=channel_a,
        channel_b=channel_b,
        channel_none=channel_none,
        post_a=post_a,
        post_b=post_b,
        post_none=post_none,
        mixed=mixed_a.group,
        media_a=media_a,
        media_b=media_b,
        notification_b=notification_b,
        owner=owner,
        limited=limited,
        invitation=InvitationFactory(organization=org),
        owner_key=owner_key,
        feed_a=_feed(org, "Alpha feed", channel_a, customer_a),
        feed_b=_feed(org, f"{SECRET_B} feed", channel_b, customer_b),
        feed_none=_feed(org, f"{SECRET_NONE} feed", channel_none, None),
        import_b=import_b,
    )
