"""Writing post groups: the one path the composer, the REST API and imports use.

A group is what a person writes once; it becomes one ``Post`` per chosen channel, each
with its thread items (``PostItem``) and their media (``PostItemMedia``). Everything here
runs in one transaction: when any channel has an error-severity issue, nothing is saved
and ``PostValidationError`` says what to fix, per channel. Warnings never block.

Edits race the publishing engine. ``post_group_update`` locks the group's posts
(``SELECT ... FOR UPDATE``) before it looks at them, and the engine claims with ``SKIP
LOCKED``, so either the edit holds the rows and the claim passes them by, or the claim
committed first and the edit sees ``publishing`` and refuses. Every state change goes
through ``posts.states.transition`` (a conditional UPDATE) as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing import limits as plan_limits
from organizations.models import Organization
from organizations.services import audit_record
from organizations.texts import Text
from posts import events
from posts.models import Post, PostGroup, PostItem, PostItemMedia, ReviewState, Signature
from posts.services import approvals
from posts.services.queue import next_free_slot
from posts.services.validation import (
    ACTIONS,
    GENERAL,
    ChannelInput,
    ItemInput,
    PostNotEditable,
    PostValidationError,
    _as_items,
    _Plan,
    _plan,
    has_errors,
    media_item_for,
    post_validate,
)
from posts.states import ALLOWED_FROM, EDITABLE, State, transition

# Callers import the inputs, the validator and the queue from here, next to the writes.
__all__ = [
    "ACTIONS",
    "GENERAL",
    "ChannelInput",
    "ItemInput",
    "PostBeingPublished",
    "PostNotEditable",
    "PostValidationError",
    "RepublishRequired",
    "group_action",
    "group_channel_inputs",
    "has_errors",
    "items_from_json",
    "media_item_for",
    "next_free_slot",
    "post_group_change",
    "post_group_create",
    "post_group_delete",
    "post_group_duplicate",
    "post_group_update",
    "post_validate",
]


# -- Writing ----------------------------------------------------------------------------
def _target_state(action: str) -> str:
    return State.DRAFT if action == "draft" else State.SCHEDULED


def _target(action: str, integration, previous: str = "", review: bool = False) -> tuple[str, str]:
    """The state and review state a channel's post gets when saved with ``action``:
    drafts stay drafts; anything meant to go out waits in review when its channel needs
    an approval it does not have (posts.services.approvals), or when ``review`` asks for
    one anyway (an RSS feed set to "with review")."""
    if action == "draft":
        # A rejected draft stays marked rejected until it is submitted again.
        return State.DRAFT, ReviewState.REJECTED if previous == ReviewState.REJECTED else ""
    if review and previous != ReviewState.APPROVED:
        return State.REVIEW, ReviewState.NEEDS_REVIEW
    return approvals.review_gate(integration=integration, review_state=previous)


def _fingerprint(items: list[ItemInput], settings) -> str:
    # As the items will be written: the first item never has a delay.
    return approvals.content_fingerprint(
        [
            (
                item.text or "",
                [int(m) for m in item.media_ids],
                int(item.delay_minutes or 0) if n else 0,
            )
            for n, item in enumerate(items)
        ],
        dict(settings or {}),
    )


def _signed(content: list[ItemInput], organization: Organization) -> list[ItemInput]:
    signature = Signature.objects.filter(organization=organization, is_default=True).first()
    if signature is None or not content:
        return content
    first = content[0]
    if signature.content.strip() and signature.content.strip() not in first.text:
        text = f"{first.text.rstrip()}\n\n{signature.content.strip()}".strip()
        signed = ItemInput(text, list(first.media_ids), first.delay_minutes, first.alt_texts)
        return [signed, *content[1:]]
    return content


def _content_json(items: list[ItemInput]) -> list[dict]:
    out = []
    for item in items:
        entry = {
            "text": item.text or "",
            "media": [int(m) for m in item.media_ids],
            "delay_minutes": int(item.delay_minutes or 0),
        }
        if item.alt_texts:
            entry["alt_texts"] = {str(k): v for k, v in item.alt_texts.items()}
        out.append(entry)
    return out


def items_from_json(raw: list[dict]) -> list[ItemInput]:
    """The inverse of a group's ``content`` (and a set's): stored JSON → ``ItemInput``."""
    return [
        ItemInput(
            text=str(entry.get("text", "")),
            media_ids=[int(m) for m in entry.get("media", [])],
            delay_minutes=int(entry.get("delay_minutes", 0) or 0),
            alt_texts={int(k): v for k, v in (entry.get("alt_texts") or {}).items()},
        )
        for entry in raw or []
        if isinstance(entry, dict)
    ]


def _write_items(post: Post, items: list[ItemInput]) -> None:
    for position, item in enumerate(items):
        row = PostItem.objects.create(
            post=post,
            position=position,
            content=item.text or "",
            delay_minutes=int(item.delay_minutes or 0) if position else 0,
        )
        PostItemMedia.objects.bulk_create(
            [
                PostItemMedia(
                    item=row, media_id=int(m), position=i, alt_text=item.alt_texts.get(int(m), "")
                )
                for i, m in enumerate(item.media_ids)
            ]
        )


def _check(plan: _Plan) -> None:
    if has_errors(plan.issues):
        raise PostValidationError(plan.issues)


def _audit(action: str, *, group: PostGroup, actor, details: dict) -> None:
    audit_record(
        action=action,
        actor=actor,
        organization=group.organization,
        target=group,
        details=details,
    )


@transaction.atomic
def post_group_create(
    *,
    organization: Organization,
    actor,
    content: Sequence[ItemInput],
    channels: Sequence[ChannelInput],
    action: str,
    publish_at: datetime | None = None,
    timezone: str | None = None,
    tags: Iterable[int] = (),
    repeat_every=None,
    repeat_unit: str = "",
    repeat_until=None,
    method: str = PostGroup.Method.WEB,
    signature: bool = False,
    import_key: str = "",
    review: bool = False,
) -> PostGroup:
    """posts.edit for drafts, posts.publish for the other actions (the caller checks the
    role). Creates the group and one post per channel, or raises PostValidationError and
    saves nothing. ``signature=True`` appends the default signature to the first item.
    ``import_key`` (CSV imports) is unique per organization: a second group with the same
    key raises IntegrityError and nothing is saved. ``review=True`` makes posts meant to go
    out wait for an approval even where their channels need none."""
    content = _as_items(content)
    if signature:
        content = _signed(content, organization)
    tags = list(tags)
    plan = _plan(
        organization=organization,
        content=content,
        channels=channels,
        action=action,
        publish_at=publish_at,
        timezone=timezone,
        tags=tags,
        repeat_every=repeat_every,
        repeat_unit=repeat_unit,
        repeat_until=repeat_until,
    )
    _check(plan)
    plan_limits.check(organization, "posts_per_month", adding=len(channels))
    group = PostGroup.objects.create(
        organization=organization,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        creation_method=method,
        timezone=plan.zone,
        content=_content_json(content),
        repeat_every=int(repeat_every) if repeat_unit else None,
        repeat_unit=repeat_unit if repeat_unit else "",
        repeat_until=repeat_until if repeat_unit else None,
        import_key=import_key,
    )
    group.tags.set(plan.tags)
    in_review = []
    for channel in channels:
        customized = channel.items is not None
        integration = plan.integrations[channel.integration_id]
        state, review_state = _target(action, integration, review=review)
        post = Post.objects.create(
            organization=organization,
            group=group,
            integration=integration,
            state=state,
            review_state=review_state,
            publish_at=plan.publish_at,
            settings=dict(channel.settings or {}),
            customized=customized,
        )
        _write_items(post, _as_items(channel.items) if customized else content)
        if state == State.REVIEW:
            in_review.append(post)
    approvals.review_requested(group=group, actor=actor, posts=in_review)
    state = _target_state(action)
    _audit(
        "post.scheduled" if state == State.SCHEDULED else "post.created",
        group=group,
        actor=actor,
        details={
            "action": action,
            "channels": [c.integration_id for c in channels],
            "publish_at": plan.publish_at.isoformat() if plan.publish_at else None,
        },
    )
    return group


def _lock_posts(group: PostGroup) -> list[Post]:
    return list(
        Post.objects.select_for_update()
        .select_related("integration")
        .filter(group=group)
        .order_by("id")
    )


class RepublishRequired(PostNotEditable):
    """A published post would be queued again, and the caller did not say it wants that
    (``republish``). Its message is the one for a post that can no longer be edited; the
    APIs tell their clients about the flag in their own words."""


class PostBeingPublished(PostNotEditable):
    """A post of the group is being published right now."""


def _refuse_republish(posts: list[Post], action: str, republish: bool) -> None:
    if republish or action == "draft":
        return
    for post in posts:
        if post.state == State.PUBLISHED:
            raise RepublishRequired(
                _(
                    "The post to %(channel)s is published; it can no longer be edited. "
                    "Duplicate it to post again."
                )
                % {"channel": post.integration.name}
            )


def _refuse_unless_editable(posts: list[Post]) -> None:
    for post in posts:
        if post.state == State.PUBLISHING:
            raise PostBeingPublished(
                _(
                    "The post to %(channel)s is being published right now; it can no longer "
                    "be edited."
                )
                % {"channel": post.integration.name}
            )
        if post.state not in EDITABLE and post.state != State.CANCELLED:
            raise PostNotEditable(
                _(
                    "The post to %(channel)s is %(state)s; it can no longer be edited. "
                    "Duplicate it to post again."
                )
                % {"channel": post.integration.name, "state": post.get_state_display().lower()}
            )
    published = PostItem.objects.filter(post__in=posts, published_at__isnull=False)
    first = published.select_related("post__integration").first()
    if first is not None:
        raise PostNotEditable(
            _("Part of the thread already went out on %(channel)s; duplicate it to post again.")
            % {"channel": first.post.integration.name}
        )
    # Sent, and not known to have failed: it may be live, and what is live never changes
    # under the engine looking for it.
    unsettled = PostItem.objects.filter(post__in=posts, commit_started_at__isnull=False)
    first = unsettled.select_related("post__integration").first()
    if first is not None:
        raise PostNotEditable(
            _(
                "This post may already be on %(channel)s: it was sent and we are checking "
                "whether it arrived. Wait for the check, or duplicate it to post a new version."
            )
            % {"channel": first.post.integration.name}
        )


@transaction.atomic
def post_group_update(
    *,
    group: PostGroup,
    actor,
    content: Sequence[ItemInput],
    channels: Sequence[ChannelInput],
    action: str,
    publish_at: datetime | None = None,
    timezone: str | None = None,
    tags: Iterable[int] = (),
    repeat_every=None,
    repeat_unit: str = "",
    repeat_until=None,
    signature: bool = False,
    republish: bool = False,
) -> PostGroup:
    """posts.edit / posts.publish as for create. Replaces the group's text, channels and
    time only when every post is still editable; a post held by the engine or already out
    raises PostNotEditable and nothing changes. Channels left out are removed.

    Queueing a group that has a published post again is refused with RepublishRequired
    unless ``republish`` says the caller asks for it (the APIs' flag); asked for, it is
    refused like any post that went out (posts are never re-sent under their identity)."""
    organization = group.organization
    group = PostGroup.objects.select_for_update().get(
        pk=group.pk, organization=organization, deleted_at__isnull=True
    )
    posts = _lock_posts(group)
    _refuse_republish(posts, action, republish)
    _refuse_unless_editable(posts)
    content = _as_items(content)
    if signature:
        content = _signed(content, organization)
    tags = list(tags)
    plan = _plan(
        organization=organization,
        content=content,
        channels=channels,
        action=action,
        publish_at=publish_at,
        timezone=timezone,
        tags=tags,
        repeat_every=repeat_every,
        repeat_unit=repeat_unit,
        repeat_until=repeat_until,
        group=group,
    )
    _check(plan)
    group.content = _content_json(content)
    group.timezone = plan.zone
    group.repeat_every = int(repeat_every) if repeat_unit else None
    group.repeat_unit = repeat_unit if repeat_unit else ""
    group.repeat_until = repeat_until if repeat_unit else None
    group.save(
        update_fields=[
            "content",
            "timezone",
            "repeat_every",
            "repeat_unit",
            "repeat_until",
            "updated_at",
        ]
    )
    group.tags.set(plan.tags)

    by_channel = {post.integration_id: post for post in posts}
    # What each post said, to tell an edit of approved content from a mere re-save.
    reviewed = [p for p in posts if p.review_state in approvals.REOPENED_BY_EDIT]
    before = {post.pk: approvals.post_fingerprint(post) for post in reviewed}
    approved_before = approvals.review_snapshot(group=group) if reviewed else None
    wanted = {c.integration_id for c in channels}
    # Posts of channels no longer chosen never went out (checked above): remove them.
    Post.objects.filter(pk__in=[p.pk for p in posts if p.integration_id not in wanted]).delete()
    entered, reopened = [], []
    for channel in channels:
        customized = channel.items is not None
        items = _as_items(channel.items) if customized else content
        post = by_channel.get(channel.integration_id)
        was = post.state if post is not None else None
        previous = post.review_state if post is not None else ""
        if previous in approvals.REOPENED_BY_EDIT and before[post.pk] != _fingerprint(
            items, channel.settings
        ):
            previous = ReviewState.NEEDS_REVIEW  # edited after approval: reviewed again
            reopened.append(post)
        target, review_state = _target(action, plan.integrations[channel.integration_id], previous)
        fields = {
            "publish_at": plan.publish_at,
            "settings": dict(channel.settings or {}),
            "customized": customized,
            "error_kind": "",
            "error_message": "",
            "error_text": None,
            "attempts": 0,
            "review_state": review_state,
            "updated_at": dj_timezone.now(),
        }
        if post is None:
            post = Post.objects.create(
                organization=organization,
                group=group,
                integration=plan.integrations[channel.integration_id],
                state=target,
                **{k: v for k, v in fields.items() if k != "updated_at"},
            )
        else:
            row = Post.objects.filter(pk=post.pk)
            if post.state == target:
                moved = row.filter(state=target).update(**fields)
            else:
                if post.state == State.CANCELLED and target != State.DRAFT:
                    # A cancelled post (its channel was deleted, then restored) goes back
                    # through draft: the state machine has no cancelled → scheduled.
                    transition(row, State.DRAFT)
                moved = transition(row, target, **fields)
            if not moved:
                raise PostNotEditable(
                    _(
                        "The post to %(channel)s is being published right now; it can no "
                        "longer be edited."
                    )
                    % {"channel": post.integration.name}
                )
            post.items.all().delete()
        _write_items(post, items)
        if review_state == ReviewState.NEEDS_REVIEW and (was != State.REVIEW or post in reopened):
            entered.append(post)
    if entered:
        edited = None
        if reopened:
            edited = approvals.review_diff(group=group) or approvals.diff_snapshots(
                approved_before, approvals.review_snapshot(group=group)
            )
        approvals.review_requested(group=group, actor=actor, posts=entered, edited=edited)
    _audit(
        "post.updated",
        group=group,
        actor=actor,
        details={
            "action": action,
            "channels": sorted(wanted),
            "publish_at": plan.publish_at.isoformat() if plan.publish_at else None,
        },
    )
    return group


def group_action(posts: Iterable[Post]) -> str:
    """The action that keeps a group as it is: ``draft`` while every post is a draft,
    else ``schedule``."""
    return "draft" if {post.state for post in posts} <= {State.DRAFT} else "schedule"


def group_channel_inputs(group: PostGroup) -> list[ChannelInput]:
    """The group's live posts as service inputs, to save it again with a change: a post
    written for its channel keeps its own thread, the others follow the group's text."""
    posts = (
        group.posts.exclude(state=State.CANCELLED)
        .prefetch_related(
            Prefetch("items", queryset=PostItem.objects.order_by("position")),
            Prefetch("items__attachments", queryset=PostItemMedia.objects.order_by("position")),
        )
        .order_by("id")
    )
    inputs = []
    for post in posts:
        items = None
        if post.customized or not group.content:
            items = [
                ItemInput(
                    item.content,
                    [a.media_id for a in item.attachments.all()],
                    item.delay_minutes,
                    {a.media_id: a.alt_text for a in item.attachments.all() if a.alt_text},
                )
                for item in post.items.all()
            ]
        inputs.append(ChannelInput(post.integration_id, items, dict(post.settings or {})))
    return inputs


_KEEP = object()


def post_group_change(
    *,
    group: PostGroup,
    actor,
    action: str | None = None,
    publish_at=_KEEP,
    content: Sequence[ItemInput] | None = None,
    tags: Iterable[int] | None = None,
    items_for: dict[int, list[ItemInput]] | None = None,
    settings_for: dict[int, dict] | None = None,
    republish: bool = False,
) -> PostGroup:
    """posts.edit / posts.publish as for update. Saves the group as it stands with only
    the changes given: the group's text (posts that follow it follow the change), one
    channel's own thread (``items_for``, by channel id) or settings (``settings_for``,
    merged into its current ones), the date, the tags, the action (by default the one
    that keeps the group as it is). Refuses and raises as ``post_group_update``."""
    posts = list(group.posts.exclude(state=State.CANCELLED))
    inputs = group_channel_inputs(group)
    for channel in inputs:
        if channel.integration_id in (items_for or {}):
            channel.items = items_for[channel.integration_id]
        if channel.integration_id in (settings_for or {}):
            channel.settings = {**channel.settings, **settings_for[channel.integration_id]}
    action = action or group_action(posts)
    if publish_at is _KEEP:
        publish_at = posts[0].publish_at if posts else None
    if tags is None:
        tags = list(group.tags.values_list("pk", flat=True))
    return post_group_update(
        group=group,
        actor=actor,
        content=items_from_json(group.content) if content is None else content,
        channels=inputs,
        action=action,
        publish_at=None if action == "now" else publish_at,
        timezone=group.timezone,
        tags=tags,
        repeat_every=group.repeat_every,
        repeat_unit=group.repeat_unit,
        repeat_until=group.repeat_until,
        republish=republish,
    )


@transaction.atomic
def post_group_delete(*, group: PostGroup, actor, while_publishing: str = "finish") -> int:
    """posts.edit. Cancels every post that has not gone out and hides the group; published
    posts stay recorded. A post the engine holds finishes, or with
    ``while_publishing="refuse"`` (the APIs) nothing changes and PostBeingPublished is
    raised. Returns how many were cancelled."""
    group = PostGroup.objects.select_for_update().get(
        pk=group.pk, organization=group.organization_id
    )
    posts = _lock_posts(group)
    if while_publishing == "refuse" and any(p.state == State.PUBLISHING for p in posts):
        raise PostBeingPublished(_("A post of this group is being published right now."))
    stopped = [p.pk for p in posts if p.state in ALLOWED_FROM[State.CANCELLED]]
    cancelled = transition(
        Post.objects.filter(pk__in=[p.pk for p in posts]),
        State.CANCELLED,
        **Post.error_changes(Text(gettext_noop("The post was deleted."))),
    )
    if stopped:
        events.emit_many(events.POST_DELETED, post_ids=stopped)
    if group.deleted_at is None:
        group.deleted_at = dj_timezone.now()
        group.save(update_fields=["deleted_at", "updated_at"])
    _audit("post.deleted", group=group, actor=actor, details={"cancelled": cancelled})
    return cancelled


@transaction.atomic
def post_group_duplicate(*, group: PostGroup, actor) -> PostGroup:
    """posts.edit. A new group of drafts with the same text, media, channels, settings
    and tags, with no date; the original is untouched."""
    copy = PostGroup.objects.create(
        organization=group.organization,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        creation_method=PostGroup.Method.WEB,
        timezone=group.timezone,
        content=list(group.content),
    )
    copy.tags.set(group.tags.all())
    posts = (
        group.posts.exclude(integration__deleted_at__isnull=False)
        .prefetch_related("items__attachments")
        .order_by("id")
    )
    for post in posts:
        new = Post.objects.create(
            organization=group.organization,
            group=copy,
            integration_id=post.integration_id,
            state=State.DRAFT,
            settings=dict(post.settings),
            customized=post.customized,
        )
        for item in post.items.all():
            new_item = PostItem.objects.create(
                post=new,
                position=item.position,
                content=item.content,
                delay_minutes=item.delay_minutes,
            )
            PostItemMedia.objects.bulk_create(
                [
                    PostItemMedia(
                        item=new_item, media_id=a.media_id, position=a.position, alt_text=a.alt_text
                    )
                    for a in item.attachments.all()
                ]
            )
    _audit("post.duplicated", group=copy, actor=actor, details={"from": group.pk})
    return copy
