"""What a group says at a moment (a snapshot), its version, and the readable changes
between two snapshots: what the review thread shows after an edit of approved content."""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_noop

from organizations.texts import Text
from posts.models import Post, PostGroup, PostItem, PostItemMedia, ReviewEvent
from posts.states import State

APPROVALS = (ReviewEvent.Action.APPROVED, ReviewEvent.Action.CLIENT_APPROVED)


def _posts_with_content(group: PostGroup) -> QuerySet[Post]:
    return (
        Post.objects.filter(group=group)
        .exclude(state=State.CANCELLED)
        .select_related("integration")
        .prefetch_related(
            Prefetch("items", queryset=PostItem.objects.order_by("position")),
            Prefetch(
                "items__attachments",
                queryset=PostItemMedia.objects.select_related("media").order_by("position"),
            ),
        )
        .order_by("id")
    )


def content_fingerprint(items: Iterable, settings: dict | None) -> str:
    """What a post says, hashed: its items as (text, media ids, delay), and its settings.
    The same for the rows in the database and for the composer's inputs."""
    payload = json.dumps(
        {"items": [list(item) for item in items], "settings": settings or {}},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def post_fingerprint(post: Post) -> str:
    """``content_fingerprint`` of a saved post (its items and attachments prefetched or not)."""
    items = [
        (item.content, [a.media_id for a in item.attachments.all()], item.delay_minutes)
        for item in post.items.all()
    ]
    return content_fingerprint(items, post.settings)


def review_snapshot(*, group: PostGroup) -> dict:
    """Anyone: the group's content and each live post's items, media and settings now."""
    posts = {}
    for post in _posts_with_content(group):
        posts[str(post.public_id)] = {
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
    # Read afresh: the caller's instance may predate the edit being compared.
    content = PostGroup.objects.filter(pk=group.pk).values_list("content", flat=True).first()
    return {"content": content, "posts": posts}


def snapshot_version(snapshot: dict) -> str:
    # The time is left out: moving a post in time is not a change of what was approved.
    what = {
        key: {k: v for k, v in post.items() if k != "publish_at"}
        for key, post in snapshot["posts"].items()
    }
    payload = json.dumps({"content": snapshot["content"], "posts": what}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def review_version(*, group: PostGroup) -> str:
    """Anyone: the version of the group's content an approver sees; give it back as
    ``expected_version`` so an approval never covers an edit made since."""
    return snapshot_version(review_snapshot(group=group))


def _diff_text(before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "approved", "now", lineterm="", n=1
    )
    return "\n".join(list(lines)[2:])


def _said(msgid: str, **values) -> dict:
    """A change's summary: said now (``summary``), and kept as a Text (``text``) for the
    review thread and the bell, which each reader sees in their own language."""
    text = Text(msgid, **values)
    return {"summary": str(text), "text": text}


def diff_snapshots(before: dict, after: dict) -> list[dict]:
    """The readable changes from ``before`` to ``after`` (two ``review_snapshot``s): per
    channel, text changed (with a line diff), media added or removed, settings changed, a
    thread part or a channel added or removed."""
    changes = []
    old_posts, new_posts = before.get("posts", {}), after.get("posts", {})
    for key, new in new_posts.items():
        channel = new["channel"]
        old = old_posts.get(key)
        if old is None:
            changes.append(
                {
                    "channel": channel,
                    "kind": "channel_added",
                    **_said(gettext_noop("%(channel)s added"), channel=channel),
                }
            )
            continue
        old_items, new_items = old["items"], new["items"]
        for position in range(max(len(old_items), len(new_items))):
            # The root and later thread parts get whole sentences of their own, so each
            # language can word them its own way.
            root = position == 0
            names = {"channel": channel, "part": position + 1}
            a = old_items[position] if position < len(old_items) else None
            b = new_items[position] if position < len(new_items) else None
            if a is None:
                changes.append(
                    {
                        "channel": channel,
                        "kind": "item_added",
                        "position": position,
                        **_said(
                            gettext_noop("%(channel)s: the post added")
                            if root
                            else gettext_noop("%(channel)s: part %(part)d added"),
                            **names,
                        ),
                        "diff": _diff_text("", b["text"]),
                    }
                )
                continue
            if b is None:
                changes.append(
                    {
                        "channel": channel,
                        "kind": "item_removed",
                        "position": position,
                        **_said(
                            gettext_noop("%(channel)s: the post removed")
                            if root
                            else gettext_noop("%(channel)s: part %(part)d removed"),
                            **names,
                        ),
                        "diff": _diff_text(a["text"], ""),
                    }
                )
                continue
            if a["text"] != b["text"]:
                changes.append(
                    {
                        "channel": channel,
                        "kind": "text",
                        "position": position,
                        **_said(
                            gettext_noop("%(channel)s: text of the post changed")
                            if root
                            else gettext_noop("%(channel)s: text of part %(part)d changed"),
                            **names,
                        ),
                        "diff": _diff_text(a["text"], b["text"]),
                    }
                )
            old_media = {m["id"]: m["name"] for m in a["media"]}
            new_media = {m["id"]: m["name"] for m in b["media"]}
            for media_id, name in new_media.items():
                if media_id not in old_media:
                    changes.append(
                        {
                            "channel": channel,
                            "kind": "media_added",
                            "position": position,
                            **_said(
                                gettext_noop("%(channel)s: %(file)s added to the post")
                                if root
                                else gettext_noop("%(channel)s: %(file)s added to part %(part)d"),
                                **names,
                                file=name,
                            ),
                        }
                    )
            for media_id, name in old_media.items():
                if media_id not in new_media:
                    changes.append(
                        {
                            "channel": channel,
                            "kind": "media_removed",
                            "position": position,
                            **_said(
                                gettext_noop("%(channel)s: %(file)s removed from the post")
                                if root
                                else gettext_noop(
                                    "%(channel)s: %(file)s removed from part %(part)d"
                                ),
                                **names,
                                file=name,
                            ),
                        }
                    )
        if (old.get("settings") or {}) != (new.get("settings") or {}):
            keys = sorted(
                k
                for k in set(old["settings"] or {}) | set(new["settings"] or {})
                if (old["settings"] or {}).get(k) != (new["settings"] or {}).get(k)
            )
            changes.append(
                {
                    "channel": channel,
                    "kind": "settings",
                    **_said(
                        gettext_noop("%(channel)s: settings changed (%(keys)s)"),
                        channel=channel,
                        keys=", ".join(keys),
                    ),
                }
            )
    for key, old in old_posts.items():
        if key not in new_posts:
            channel = old["channel"]
            changes.append(
                {
                    "channel": channel,
                    "kind": "channel_removed",
                    **_said(gettext_noop("%(channel)s removed"), channel=channel),
                }
            )
    return changes


def _last_approved(group: PostGroup) -> ReviewEvent | None:
    return (
        ReviewEvent.objects.filter(
            group=group,
            action__in=[ReviewEvent.Action.APPROVED, ReviewEvent.Action.CLIENT_APPROVED],
        )
        .order_by("-created_at", "-id")
        .first()
    )


def review_diff(*, group: PostGroup) -> list[dict]:
    """Anyone who may see the group: what changed since its last approved version (empty
    when it was never approved). Each change: ``channel``, ``kind`` (text, media_added,
    media_removed, settings, item_added, item_removed, channel_added, channel_removed),
    ``summary`` (a sentence) and, for text, ``diff`` (a unified line diff)."""
    approved = _last_approved(group)
    if approved is None:
        return []
    return diff_snapshots(approved.snapshot, review_snapshot(group=group))
