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
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone

from billing import limits as plan_limits
from integrations.models import Integration
from integrations.providers import get_provider, provider_classes
from integrations.providers.base import Draft, DraftItem, Issue, MediaItem
from media.models import MediaFile
from organizations.models import Organization
from organizations.services import audit_record
from postiz.timezones import validate_timezone
from posts.models import Post, PostGroup, PostItem, PostItemMedia, Signature, Tag
from posts.states import EDITABLE, State, transition

# Issues that concern the whole group (no channel chosen, a date in the past) are keyed
# under this id in the per-channel answer; real channel ids start at 1.
GENERAL = 0

ACTIONS = ("draft", "schedule", "now", "queue")
# A "schedule" a few seconds in the past (a slow form, a clock a little behind) still
# goes out at once instead of being refused.
PAST_GRACE = timedelta(minutes=1)
# How far ahead "queue" looks for a free slot.
QUEUE_HORIZON_DAYS = 400
MAX_ITEMS = 25
MAX_DELAY_MINUTES = 7 * 24 * 60

# Issues that stop even a draft from being saved: things that do not exist. A draft may
# be too long, or aimed at a channel that needs reconnecting; it is fixed before it goes.
_DRAFT_BLOCKERS = frozenset(
    {
        "channels_required",
        "channels_duplicate",
        "channel_not_found",
        "channel_unsupported",
        "media_not_found",
        "tag_not_found",
        "action_invalid",
        "timezone_invalid",
        "repeat_invalid",
        "items_invalid",
    }
)


@dataclass
class ItemInput:
    """One item of a thread: the root, then replies (or a first comment)."""

    text: str
    media_ids: list[int] = field(default_factory=list)
    delay_minutes: int = 0
    # Per-file alt text, by media id; the library file's own alt text otherwise.
    alt_texts: dict[int, str] = field(default_factory=dict)


@dataclass
class ChannelInput:
    """A channel to post to; ``items=None`` posts the group's global thread."""

    integration_id: int
    items: list[ItemInput] | None = None
    settings: dict = field(default_factory=dict)


class PostValidationError(Exception):
    """Nothing was saved: ``issues_by_channel`` says what to fix ({channel id: [Issue]},
    with ``GENERAL`` for the group as a whole)."""

    def __init__(self, issues_by_channel: dict[int, list[Issue]], message: str = ""):
        self.issues_by_channel = issues_by_channel
        if not message:
            first = next(
                (i for issues in issues_by_channel.values() for i in issues if _blocks(i)),
                None,
            )
            message = first.message if first else "The post has errors."
        self.message = message
        super().__init__(message)


class PostNotEditable(Exception):
    """The group has a post that is going out or went out; nothing was changed."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _blocks(issue: Issue) -> bool:
    return issue.severity == "error"


# -- Media ------------------------------------------------------------------------------
def media_item_for(media_file: MediaFile, alt_text: str = "") -> MediaItem:
    """What a provider's validator (and publisher) sees of a library file."""
    try:
        from media.services import media_as_item
    except ImportError:
        media_as_item = None
    if media_as_item is not None:
        return media_as_item(media_file, alt_text=alt_text)
    try:
        url = media_file.file.url
    except ValueError:
        url = ""

    def read() -> bytes:
        with media_file.file.open("rb") as handle:
            return handle.read()

    return MediaItem(
        mime_type=media_file.mime_type,
        size=media_file.size,
        read=read,
        filename=media_file.name,
        width=media_file.width,
        height=media_file.height,
        duration=media_file.duration,
        alt_text=alt_text or media_file.alt_text,
        public_url=url if url.startswith(("http://", "https://")) else "",
    )


# -- Validation -------------------------------------------------------------------------
@dataclass
class _Plan:
    """What validation resolved, reused by the writers so nothing is read twice."""

    issues: dict[int, list[Issue]]
    integrations: dict[int, Integration]
    media: dict[int, MediaFile]
    tags: list[Tag]
    publish_at: datetime | None
    zone: str


def _as_items(raw: Sequence[ItemInput] | None) -> list[ItemInput]:
    return [item if isinstance(item, ItemInput) else ItemInput(**item) for item in raw or []]


def _plan(
    *,
    organization: Organization,
    content: Sequence[ItemInput],
    channels: Sequence[ChannelInput],
    action: str,
    publish_at: datetime | None,
    timezone: str | None = None,
    tags: Iterable[int] = (),
    repeat_every=None,
    repeat_unit: str = "",
    repeat_until=None,
    now: datetime | None = None,
) -> _Plan:
    now = now or dj_timezone.now()
    general: list[Issue] = []
    issues: dict[int, list[Issue]] = {GENERAL: general}
    content = _as_items(content)
    zone = timezone or organization.timezone or "UTC"

    if action not in ACTIONS:
        general.append(Issue("action_invalid", f"Choose one of: {', '.join(ACTIONS)}.", "action"))
    try:
        validate_timezone(zone)
    except ValidationError:
        general.append(
            Issue(
                "timezone_invalid",
                f"{zone} is not a time zone we know; pick one such as Europe/Paris.",
                "timezone",
            )
        )
        zone = "UTC"
    if not channels:
        general.append(Issue("channels_required", "Choose at least one channel.", "channels"))
    general += _repeat_issues(repeat_every, repeat_unit, repeat_until)

    # Channels: one query, scoped to the organization; anything else is "not found".
    wanted_ids = [c.integration_id for c in channels]
    if len(set(map(str, wanted_ids))) != len(wanted_ids):
        general.append(Issue("channels_duplicate", "Choose each channel once.", "channels"))
    found = {
        i.pk: i
        for i in Integration.objects.filter(
            organization=organization, deleted_at__isnull=True, pk__in=_ints(wanted_ids)
        )
    }
    # Media and tags: one query each, scoped the same way.
    all_items = list(content)
    for channel in channels:
        all_items += _as_items(channel.items)
    media_ids = {m for item in all_items for m in item.media_ids}
    media = {
        m.pk: m
        for m in MediaFile.objects.filter(
            organization=organization, deleted_at__isnull=True, pk__in=_ints(media_ids)
        )
    }
    tag_ids = _ints(tags)
    found_tags = list(Tag.objects.filter(organization=organization, pk__in=tag_ids))
    if len(found_tags) != len(set(tag_ids)) or len(tag_ids) != len(list(tags)):
        general.append(Issue("tag_not_found", "One of the tags does not exist.", "tags"))

    when = publish_at
    if action == "schedule":
        if publish_at is None:
            general.append(Issue("date_required", "Choose a date and time.", "publish_at"))
        elif dj_timezone.is_naive(publish_at):
            general.append(Issue("date_invalid", "The date needs a time zone.", "publish_at"))
        elif publish_at < now - PAST_GRACE:
            local = publish_at.astimezone(ZoneInfo(zone))
            general.append(
                Issue(
                    "date_past",
                    f"{local:%Y-%m-%d %H:%M} ({zone}) has passed; choose a later time or post now.",
                    "publish_at",
                )
            )
    elif action == "now":
        when = now
    elif action == "queue":
        usable = [found[c.integration_id] for c in channels if c.integration_id in found]
        when = (
            next_free_slot(organization=organization, integrations=usable, after=now)
            if usable
            else None
        )
        if usable and when is None:
            general.append(
                Issue(
                    "queue_full",
                    "No free posting slot in the next year; add posting times to the "
                    "channels or pick a date.",
                    "publish_at",
                )
            )

    for channel in channels:
        key = channel.integration_id
        channel_issues = issues.setdefault(key, [])
        integration = found.get(key)
        if integration is None:
            channel_issues.append(
                Issue("channel_not_found", "No such channel.", "channel", severity="error")
            )
            continue
        if integration.provider not in provider_classes():
            channel_issues.append(
                Issue(
                    "channel_unsupported",
                    f"{integration.name} is on a network this server no longer supports.",
                    "channel",
                )
            )
            continue
        channel_issues += _channel_state_issues(integration)
        items = _as_items(channel.items) if channel.items is not None else content
        channel_issues += _items_issues(items, media, integration)
        if all(i.code not in _DRAFT_BLOCKERS for i in channel_issues):
            channel_issues += _provider_issues(integration, items, channel.settings, media)

    if action == "draft":
        # Drafts keep what is wrong with them as warnings; only missing things block.
        for values in issues.values():
            for issue in values:
                if issue.code not in _DRAFT_BLOCKERS and issue.severity == "error":
                    issue.severity = "warning"
    return _Plan(issues, found, media, found_tags, when, zone)


def _ints(values) -> list[int]:
    out = []
    for value in values:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            out.append(-1)  # never matches, so it is reported as not found
    return out


def _repeat_issues(repeat_every, repeat_unit, repeat_until) -> list[Issue]:
    if repeat_every in (None, "", 0) and not repeat_unit:
        return []
    try:
        every = int(repeat_every)
    except (TypeError, ValueError):
        every = 0
    if every < 1 or every > 365 or repeat_unit not in PostGroup.RepeatUnit.values:
        return [
            Issue(
                "repeat_invalid",
                "Repeat every 1 to 365 days or weeks, or do not repeat.",
                "repeat_every",
            )
        ]
    if repeat_until is not None and not isinstance(repeat_until, date):
        return [Issue("repeat_invalid", "Give the last repeat as a date.", "repeat_until")]
    return []


def _channel_state_issues(integration: Integration) -> list[Issue]:
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        return [
            Issue(
                "channel_needs_reconnect",
                f"{integration.name} needs reconnecting before it can publish.",
                "channel",
            )
        ]
    if integration.status == Integration.Status.DISABLED:
        return [
            Issue(
                "channel_disabled",
                f"{integration.name} is disabled; enable it on the Channels page.",
                "channel",
            )
        ]
    return []


def _items_issues(
    items: list[ItemInput], media: dict[int, MediaFile], integration: Integration
) -> list[Issue]:
    issues = []
    if not items:
        issues.append(Issue("text_required", "Write something to post."))
    if len(items) > MAX_ITEMS:
        issues.append(
            Issue("items_invalid", f"A thread can have at most {MAX_ITEMS} parts.", "items")
        )
    for index, item in enumerate(items):
        if not all(m in media for m in _ints(item.media_ids)):
            issues.append(
                Issue("media_not_found", "A file is no longer in the library.", "media", item=index)
            )
        try:
            delay = int(item.delay_minutes or 0)
        except (TypeError, ValueError):
            delay = -1
        if delay < 0 or delay > MAX_DELAY_MINUTES:
            issues.append(
                Issue(
                    "items_invalid",
                    "Wait between 0 minutes and 7 days before a reply.",
                    "delay_minutes",
                    item=index,
                )
            )
    provider_cls = get_provider(integration.provider)
    if len(items) > 1 and provider_cls.reply_mode == "none":
        issues.append(
            Issue(
                "thread_unsupported",
                f"{provider_cls.display_name} posts one message; remove the replies.",
                "items",
                item=1,
            )
        )
    return issues


def _provider_issues(
    integration: Integration, items: list[ItemInput], settings: dict, media: dict
) -> list[Issue]:
    """The same validator the engine trusts, on the thread as this channel would send it."""
    provider = get_provider(integration.provider)
    draft = Draft(
        items=[
            DraftItem(
                text=item.text or "",
                media=[
                    media_item_for(media[m], item.alt_texts.get(m, ""))
                    for m in _ints(item.media_ids)
                    if m in media
                ],
            )
            for item in items
        ],
        settings=dict(settings or {}),
    )
    return provider.validate(draft, integration.as_channel())


def post_validate(
    *,
    organization: Organization,
    content: Sequence[ItemInput],
    channels: Sequence[ChannelInput],
    action: str,
    publish_at: datetime | None = None,
    timezone: str | None = None,
    tags: Iterable[int] = (),
    repeat_every=None,
    repeat_unit: str = "",
    repeat_until=None,
) -> dict[int, list[Issue]]:
    """Anyone who may see the organization; writes nothing. Issues per channel id (and
    ``GENERAL``), computed by the same provider validator the engine relies on."""
    return _plan(
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
    ).issues


def has_errors(issues_by_channel: dict[int, list[Issue]]) -> bool:
    return any(_blocks(i) for issues in issues_by_channel.values() for i in issues)


# -- The queue --------------------------------------------------------------------------
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_slot(day: date, hhmm: str, zone: ZoneInfo) -> datetime | None:
    """``hhmm`` on ``day`` in ``zone``, as an aware UTC instant.

    In the spring-forward gap (02:30 that never happens) the slot moves forward by the
    gap, to 03:30; in the autumn overlap (02:30 twice) it is the first 02:30."""
    try:
        hour, minute = (int(part) for part in hhmm.split(":")[:2])
        local = datetime.combine(day, time(hour, minute), tzinfo=zone)
    except (ValueError, TypeError):
        return None
    return local.astimezone(ZoneInfo("UTC"))


def next_free_slot(
    *,
    organization: Organization,
    integrations: Sequence[Integration],
    after: datetime | None = None,
) -> datetime | None:
    """Anyone may ask; never in the past. The earliest posting slot of any of the chosen
    channels (their local times in their own zones) at which none of them already has a
    scheduled post; None when there is none within a year."""
    now = dj_timezone.now()
    after = max(after or now, now)
    integrations = [i for i in integrations if i.organization_id == organization.pk]
    if not integrations:
        return None
    horizon = after + timedelta(days=QUEUE_HORIZON_DAYS)
    taken = {
        at.replace(second=0, microsecond=0)
        for at in Post.objects.filter(
            organization=organization,
            integration__in=integrations,
            state=State.SCHEDULED,
            publish_at__gt=after,
            publish_at__lte=horizon,
        ).values_list("publish_at", flat=True)
    }
    zones = [(_zone(i.timezone), list(i.posting_times or [])) for i in integrations]
    for offset in range(-1, QUEUE_HORIZON_DAYS + 1):
        candidates = set()
        for zone, times in zones:
            # Each channel's calendar day, so a slot near midnight lands on the right date.
            day = after.astimezone(zone).date() + timedelta(days=offset)
            for hhmm in times:
                at = _local_slot(day, hhmm, zone)
                if at is not None and at > after and at not in taken:
                    candidates.add(at)
        if candidates:
            return min(candidates)
    return None


# -- Writing ----------------------------------------------------------------------------
def _target_state(action: str) -> str:
    return State.DRAFT if action == "draft" else State.SCHEDULED


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
) -> PostGroup:
    """posts.edit for drafts, posts.publish for the other actions (the caller checks the
    role). Creates the group and one post per channel, or raises PostValidationError and
    saves nothing. ``signature=True`` appends the default signature to the first item."""
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
    )
    group.tags.set(plan.tags)
    state = _target_state(action)
    for channel in channels:
        customized = channel.items is not None
        post = Post.objects.create(
            organization=organization,
            group=group,
            integration=plan.integrations[channel.integration_id],
            state=state,
            publish_at=plan.publish_at,
            settings=dict(channel.settings or {}),
            customized=customized,
        )
        _write_items(post, _as_items(channel.items) if customized else content)
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


def _refuse_unless_editable(posts: list[Post]) -> None:
    for post in posts:
        if post.state == State.PUBLISHING:
            raise PostNotEditable(
                f"The post to {post.integration.name} is being published right now; it can "
                "no longer be edited."
            )
        if post.state not in EDITABLE and post.state != State.CANCELLED:
            raise PostNotEditable(
                f"The post to {post.integration.name} is {post.get_state_display().lower()}; "
                "it can no longer be edited. Duplicate it to post again."
            )
    published = PostItem.objects.filter(post__in=posts, published_at__isnull=False)
    first = published.select_related("post__integration").first()
    if first is not None:
        raise PostNotEditable(
            f"Part of the thread already went out on {first.post.integration.name}; "
            "duplicate it to post again."
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
) -> PostGroup:
    """posts.edit / posts.publish as for create. Replaces the group's text, channels and
    time only when every post is still editable; a post held by the engine or already out
    raises PostNotEditable and nothing changes. Channels left out are removed."""
    organization = group.organization
    group = PostGroup.objects.select_for_update().get(
        pk=group.pk, organization=organization, deleted_at__isnull=True
    )
    posts = _lock_posts(group)
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
    wanted = {c.integration_id for c in channels}
    # Posts of channels no longer chosen never went out (checked above): remove them.
    Post.objects.filter(pk__in=[p.pk for p in posts if p.integration_id not in wanted]).delete()
    target = _target_state(action)
    for channel in channels:
        customized = channel.items is not None
        items = _as_items(channel.items) if customized else content
        fields = {
            "publish_at": plan.publish_at,
            "settings": dict(channel.settings or {}),
            "customized": customized,
            "error_kind": "",
            "error_message": "",
            "attempts": 0,
            "updated_at": dj_timezone.now(),
        }
        post = by_channel.get(channel.integration_id)
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
                if post.state == State.CANCELLED and target == State.SCHEDULED:
                    # A cancelled post (its channel was deleted, then restored) goes back
                    # through draft: the state machine has no cancelled → scheduled.
                    transition(row, State.DRAFT)
                moved = transition(row, target, **fields)
            if not moved:
                raise PostNotEditable(
                    f"The post to {post.integration.name} is being published right now; it "
                    "can no longer be edited."
                )
            post.items.all().delete()
        _write_items(post, items)
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


@transaction.atomic
def post_group_delete(*, group: PostGroup, actor) -> int:
    """posts.edit. Cancels every post that has not gone out and hides the group; a post the
    engine holds finishes, and published posts stay recorded. Returns how many cancelled."""
    group = PostGroup.objects.select_for_update().get(
        pk=group.pk, organization=group.organization_id
    )
    posts = _lock_posts(group)
    cancelled = transition(
        Post.objects.filter(pk__in=[p.pk for p in posts]),
        State.CANCELLED,
        error_message="The post was deleted.",
    )
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
