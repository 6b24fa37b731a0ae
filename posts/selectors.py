"""Every read of post groups, tags, signatures, sets and comments, scoped to one
organization: another organization's id is simply not found."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from integrations.selectors import allowed_customers
from organizations.models import Organization
from posts.models import (
    Comment,
    Post,
    PostGroup,
    PostItem,
    PostItemMedia,
    PostSet,
    Signature,
    Tag,
    Webhook,
)
from posts.states import State


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def foreign_posts_in_group(organization: Organization, group_ref) -> Q:
    """For a member limited to customers: "the group ``group_ref`` holds a post on a
    channel they may not see" (Q() when nobody is limited). Such a group, and every post
    in it, is hidden from them: editing it would touch another customer's post."""
    allowed = allowed_customers(organization)
    if allowed is None:
        return Q()
    foreign = (
        Post.objects.filter(group_id=group_ref)
        .exclude(state=State.CANCELLED)
        .exclude(integration__customer_id__in=allowed)
    )
    return Q(Exists(foreign))


def groups_for(*, organization: Organization) -> QuerySet[PostGroup]:
    """The organization's groups that are not deleted (for a member limited to customers,
    only groups whose every post is on one of their channels)."""
    groups = PostGroup.objects.filter(organization=organization, deleted_at__isnull=True)
    foreign = foreign_posts_in_group(organization, OuterRef("pk"))
    return groups.exclude(foreign) if foreign else groups


def group_get(*, organization: Organization, pk) -> PostGroup | None:
    """One live group of this organization, with its posts, items and media in four
    queries; None for another organization's."""
    pk = _pk(pk)
    if pk is None:
        return None
    items = PostItem.objects.order_by("position").prefetch_related("attachments__media")
    posts = (
        Post.objects.select_related("integration", "integration__customer")
        .order_by("id")
        .prefetch_related(Prefetch("items", queryset=items))
    )
    return (
        groups_for(organization=organization)
        .filter(pk=pk)
        .prefetch_related(Prefetch("posts", queryset=posts), "tags")
        .first()
    )


def posts_for(*, organization: Organization) -> QuerySet[Post]:
    """The organization's posts as people know them: not cancelled (deleted), in a group
    that is not deleted, on a channel that was not removed. Both APIs read posts here."""
    posts = Post.objects.filter(
        organization=organization,
        group__deleted_at__isnull=True,
        integration__deleted_at__isnull=True,
    ).exclude(state=State.CANCELLED)
    return limit_posts(posts, organization)


def limit_posts(posts: QuerySet[Post], organization: Organization) -> QuerySet[Post]:
    """``posts`` as the acting member may see them: unchanged unless they are limited to
    customers, else only posts on their customers' channels in groups wholly theirs."""
    foreign = foreign_posts_in_group(organization, OuterRef("group_id"))
    if not foreign:
        return posts
    return posts.filter(integration__customer_id__in=allowed_customers(organization)).exclude(
        foreign
    )


def tags_for(*, organization: Organization) -> QuerySet[Tag]:
    return Tag.objects.filter(organization=organization).order_by("name", "id")


def tag_get(*, organization: Organization, pk) -> Tag | None:
    pk = _pk(pk)
    return None if pk is None else tags_for(organization=organization).filter(pk=pk).first()


def signatures_for(*, organization: Organization) -> QuerySet[Signature]:
    return Signature.objects.filter(organization=organization).order_by("-is_default", "name")


def signature_get(*, organization: Organization, pk) -> Signature | None:
    pk = _pk(pk)
    if pk is None:
        return None
    return signatures_for(organization=organization).filter(pk=pk).first()


def default_signature(*, organization: Organization) -> Signature | None:
    return signatures_for(organization=organization).filter(is_default=True).first()


def sets_for(*, organization: Organization) -> QuerySet[PostSet]:
    return PostSet.objects.filter(organization=organization).order_by("name", "id")


def set_get(*, organization: Organization, pk) -> PostSet | None:
    pk = _pk(pk)
    return None if pk is None else sets_for(organization=organization).filter(pk=pk).first()


def comments_for(*, group: PostGroup) -> QuerySet[Comment]:
    """A group's internal comments, oldest first, with their authors."""
    return (
        Comment.objects.filter(
            organization_id=group.organization_id, group=group, deleted_at__isnull=True
        )
        .select_related("author")
        .order_by("created_at", "id")
    )


# -- What the apps below posts ask of it (registered in PostsConfig.ready) ------------------
def posts_this_month(organization) -> int:
    """billing's "posts_per_month": posts made this month in the organization's zone."""
    from billing.limits import month_start

    return Post.objects.filter(
        organization=organization, created_at__gte=month_start(organization)
    ).count()


def webhooks_count(organization) -> int:
    """billing's "webhooks" limit."""
    return Webhook.objects.filter(organization=organization).count()


# A post in one of these states may still be published, so its files must stay.
PENDING_STATES = (State.SCHEDULED, State.DRAFT, State.FAILED, State.MISSED, State.REVIEW)


def pending_uses_of(media_file) -> int:
    """media's "where is this file used": posts that may still go out with it."""
    return (
        Post.objects.filter(
            organization_id=media_file.organization_id,
            state__in=PENDING_STATES,
            items__attachments__media=media_file,
        )
        .distinct()
        .count()
    )


def reviews_waiting_count(*, membership) -> int:
    """The number beside Approvals in the menu: groups waiting for this member, i.e. for
    approvers those waiting for the team (not their own, unless the organization allows
    self-approval), and for everyone their own posts sent back with changes requested."""
    organization, user = membership.organization, membership.user
    in_review = Post.objects.filter(group=OuterRef("pk"), state=State.REVIEW)
    mine = Q(created_by=user) & Exists(in_review.filter(review_state="changes_requested"))
    condition = mine
    if membership.can("posts.approve"):
        to_approve = Exists(in_review.filter(review_state="needs_review"))
        if not organization.allow_self_approval:
            to_approve &= ~Q(created_by=user)
        condition |= to_approve
    return groups_for(organization=organization).filter(condition).count()


def media_used_on_customers(allowed) -> QuerySet:
    """media's "files a member limited to customers sees": the ids of files used in
    live posts on those customers' channels, as a subquery."""
    return (
        PostItemMedia.objects.filter(item__post__integration__customer_id__in=allowed)
        .exclude(item__post__state=State.CANCELLED)
        .values("media_id")
    )
