"""What every page opened without an account shares (a preview link, the client portal):
a strict content security policy, no indexing, no referrer, no caching, and no part of the
signed-in site's chrome (organizations, menus, the bell)."""

from __future__ import annotations

from functools import wraps

from csp.decorators import csp
from django.db.models import Prefetch
from django.shortcuts import render
from django.utils.translation import gettext as _

from integrations.providers import provider_classes
from posts.models import Post, PostItem, PostItemMedia
from posts.services.approvals.diffs import snapshot_version as version_of_snapshot
from posts.states import State

# Nothing but this site's own files; pictures may come from the media storage (https or a
# local bucket). Forms post only back here, and no other page may frame these.
PUBLIC_CSP = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "https:"],
    "media-src": ["'self'", "https:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


def public_page(view):
    """Wrap a view that answers without a login: the headers above on every answer."""

    @wraps(view)
    @csp(PUBLIC_CSP)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        # The token is in the address: no other site may learn it from a Referer header
        # ("no-referrer" would also make browsers send "Origin: null" with the forms,
        # which the CSRF check rightly refuses).
        response["Referrer-Policy"] = "same-origin"
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapper


def unavailable(request, error, *, title: str | None = None):
    """The page for an unknown (404) or revoked/expired (410) link: one helpful sentence."""
    return render(
        request,
        "posts/public_unavailable.html",
        {"title": title or _("This link does not open"), "message": error.message},
        status=error.status,
    )


def post_previews(posts: list[Post]) -> list[dict]:
    """Each post's thread as its network would show it, for posts/_composer_preview.html.

    ``posts`` come with ``integration`` and ``items__attachments__media`` loaded."""
    classes = provider_classes()
    previews = []
    for post in posts:
        cls = classes.get(post.integration.provider)
        previews.append(
            {
                "post": post,
                "channel": post.integration,
                "reply_mode": cls.reply_mode if cls else "thread",
                "items": [
                    {
                        "text": item.content,
                        "delay": item.delay_minutes,
                        "media": [a.media for a in item.attachments.all()],
                    }
                    for item in post.items.all()
                ],
            }
        )
    return previews


def live_posts_prefetch(to_attr: str = "live_posts") -> Prefetch:
    """A group's posts as its review version reads them (not cancelled), with channels,
    items and media, for ``review_versions``."""
    attachments = PostItemMedia.objects.select_related("media").order_by("position")
    items = PostItem.objects.order_by("position").prefetch_related(
        Prefetch("attachments", queryset=attachments)
    )
    return Prefetch(
        "posts",
        queryset=Post.objects.exclude(state=State.CANCELLED)
        .select_related("integration")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("id"),
        to_attr=to_attr,
    )


def review_versions(groups) -> dict[int, str]:
    """Each group's ``posts.services.approvals.review_version`` from posts loaded with
    ``live_posts_prefetch``: the same snapshot, without five queries a group on a list."""
    versions = {}
    for group in groups:
        posts = {
            str(post.public_id): {
                "channel": post.integration.name,
                "publish_at": post.publish_at.isoformat() if post.publish_at else None,
                "settings": post.settings or {},
                "items": [
                    {
                        "text": item.content,
                        "delay_minutes": item.delay_minutes,
                        "media": [
                            {"id": a.media_id, "name": a.media.name} for a in item.attachments.all()
                        ],
                    }
                    for item in post.items.all()
                ],
            }
            for post in group.live_posts
        }
        versions[group.pk] = version_of_snapshot({"content": group.content, "posts": posts})
    return versions
