"""Every read about short links, already scoped to one organization."""

from __future__ import annotations

from django.db.models import Count, QuerySet, Sum

from posts.links.models import ShortLink


def links_of_post(*, organization, post) -> QuerySet[ShortLink]:
    """The short links of one post of ``organization``, in the order they were made."""
    return ShortLink.objects.filter(organization=organization, post=post).order_by("id")


def links_of_posts(*, organization, post_ids: list[int]) -> dict[int, list[ShortLink]]:
    """{post id: [its short links]} for several posts (one query)."""
    found: dict[int, list[ShortLink]] = {}
    for link in ShortLink.objects.filter(organization=organization, post_id__in=post_ids).order_by(
        "id"
    ):
        found.setdefault(link.post_id, []).append(link)
    return found


def clicks_by_post(*, organization, post_ids: list[int]) -> dict[int, int]:
    """{post id: clicks of its short links} for the posts that have any (one query)."""
    if not post_ids:
        return {}
    rows = (
        ShortLink.objects.filter(organization=organization, post_id__in=post_ids)
        .values("post_id")
        .annotate(total=Sum("clicks"))
        .values_list("post_id", "total")
    )
    return {post_id: int(total or 0) for post_id, total in rows}


def clicks_by_group_channel(*, organization, group_ids: list[int]) -> dict[tuple, int]:
    """{(group id, channel id): clicks} for the calendar's published posts (one query)."""
    if not group_ids:
        return {}
    rows = (
        ShortLink.objects.filter(organization=organization, post__group_id__in=group_ids)
        .values("post__group_id", "post__integration_id")
        .annotate(total=Sum("clicks"))
        .values_list("post__group_id", "post__integration_id", "total")
    )
    return {(group, channel): int(total or 0) for group, channel, total in rows}


def top_clicked_posts(
    *, organization, start, end, channel=None, customer=None, limit: int = 10
) -> list[dict]:
    """The posts published in [start, end) whose short links were clicked most:
    [{"post", "clicks", "links", "preview"}] (two queries)."""
    links = ShortLink.objects.filter(
        organization=organization,
        post__isnull=False,
        post__published_at__gte=start,
        post__published_at__lt=end,
    )
    if channel is not None:
        links = links.filter(post__integration=channel)
    if customer is not None:
        links = links.filter(post__integration__customer=customer)
    ranked = list(
        links.values("post_id")
        .annotate(clicks=Sum("clicks"), links=Count("id"))
        .order_by("-clicks", "-post_id")[:limit]
    )
    if not ranked:
        return []
    from posts.models import Post

    posts = {
        post.pk: post
        for post in Post.objects.filter(
            organization=organization, pk__in=[row["post_id"] for row in ranked]
        )
        .select_related("integration")
        .prefetch_related("items")
    }
    found = []
    for row in ranked:
        post = posts[row["post_id"]]
        first = min(post.items.all(), key=lambda item: item.position, default=None)
        found.append(
            {
                "post": post,
                "clicks": int(row["clicks"] or 0),
                "links": row["links"],
                "preview": (first.content if first else "")[:140],
            }
        )
    return found
