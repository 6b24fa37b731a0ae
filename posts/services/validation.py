"""Checking a post group before it is saved: the one validator the composer's live
checks, the REST API and the publishing path share.

``post_validate`` answers, per channel, what would stop the group going out (errors) and
what the person may want to know (warnings), counted and judged the way each network does.
The inputs (``ItemInput``, ``ChannelInput``) are what every caller builds from its form or
request body.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from integrations.models import Integration
from integrations.providers import get_provider, provider_classes
from integrations.providers.base import Draft, DraftItem, Issue, MediaItem
from integrations.selectors import visible_customers_q
from media.models import MediaFile
from media.selectors import visible_media_q
from organizations.models import Organization
from postiz.timezones import validate_timezone
from posts.models import EARLIEST_DATE, LATEST_DATE, Post, PostGroup, Tag
from posts.services.queue import next_free_slot
from posts.states import State

# Issues that concern the whole group (no channel chosen, a date in the past) are keyed
# under this id in the per-channel answer; real channel ids start at 1.
GENERAL = 0

ACTIONS = ("draft", "schedule", "now", "queue")
# A "schedule" a few seconds in the past (a slow form, a clock a little behind) still
# goes out at once instead of being refused.
PAST_GRACE = timedelta(minutes=1)
MAX_ITEMS = 25
MAX_DELAY_MINUTES = 7 * 24 * 60
# The dates a post may be given are EARLIEST_DATE to LATEST_DATE (posts.models, where the
# database holds every row to them): a date far outside is a typing mistake. Repeats stop
# at the same bound.
DATE_RANGE_TEXT = "from 2000-01-01 to 2099-12-31"
# A network's daily cap (``Provider.daily_post_cap``) counts what it published in any 24
# hours: the posts that went out or will go out, not drafts, failures or cancellations.
CAP_WINDOW = timedelta(hours=24)
_COUNTED_STATES = (
    State.SCHEDULED,
    State.PUBLISHING,
    State.PUBLISHED,
    State.UNCONFIRMED,
    State.REVIEW,
)

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
        "date_out_of_range",
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


def date_in_range(when: datetime) -> bool:
    """Whether an aware ``when`` is a date a post may be given. Comparing aware datetimes
    converts nothing, so this answers for any year in any zone without overflowing."""
    return EARLIEST_DATE <= when < LATEST_DATE


def day_in_range(day: date) -> bool:
    """Whether a calendar day (in any zone) lies inside the dates a post may be given."""
    if isinstance(day, datetime):
        day = day.date()
    return EARLIEST_DATE.date() <= day < LATEST_DATE.date()


def date_range_message(when: date) -> str:
    """What to tell a person whose date is out of range; ``when`` is shown as given."""
    shown = f"{when:%Y-%m-%d %H:%M}" if isinstance(when, datetime) else f"{when:%Y-%m-%d}"
    return _("%(date)s is out of range: choose a date from 2000-01-01 to 2099-12-31.") % {
        "date": shown
    }


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
            message = first.message if first else _("The post has errors.")
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
    group: PostGroup | None = None,
) -> _Plan:
    now = now or dj_timezone.now()
    general: list[Issue] = []
    issues: dict[int, list[Issue]] = {GENERAL: general}
    content = _as_items(content)
    zone = timezone or organization.timezone or "UTC"

    if action not in ACTIONS:
        general.append(
            Issue(
                "action_invalid",
                _("Choose one of: %(actions)s.") % {"actions": ", ".join(ACTIONS)},
                "action",
            )
        )
    try:
        validate_timezone(zone)
    except ValidationError:
        general.append(
            Issue(
                "timezone_invalid",
                _("%(zone)s is not a time zone we know; pick one such as Europe/Paris.")
                % {"zone": zone},
                "timezone",
            )
        )
        zone = "UTC"
    if not channels:
        general.append(Issue("channels_required", _("Choose at least one channel."), "channels"))
    general += _repeat_issues(repeat_every, repeat_unit, repeat_until)

    # Channels: one query, scoped to the organization; anything else is "not found".
    wanted_ids = [c.integration_id for c in channels]
    if len(set(map(str, wanted_ids))) != len(wanted_ids):
        general.append(Issue("channels_duplicate", _("Choose each channel once."), "channels"))
    found = {
        i.pk: i
        for i in Integration.objects.filter(
            organization=organization, deleted_at__isnull=True, pk__in=_ints(wanted_ids)
        ).filter(visible_customers_q(organization))
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
        ).filter(visible_media_q(organization))
    }
    tag_ids = _ints(tags)
    found_tags = list(Tag.objects.filter(organization=organization, pk__in=tag_ids))
    if len(found_tags) != len(set(tag_ids)) or len(tag_ids) != len(list(tags)):
        general.append(Issue("tag_not_found", _("One of the tags does not exist."), "tags"))

    when = publish_at
    out_of_range = (
        action in ("schedule", "draft")
        and publish_at is not None
        and dj_timezone.is_aware(publish_at)
        and not date_in_range(publish_at)
    )
    if out_of_range:
        general.append(Issue("date_out_of_range", date_range_message(publish_at), "publish_at"))
    if action == "schedule":
        if publish_at is None:
            general.append(Issue("date_required", _("Choose a date and time."), "publish_at"))
        elif dj_timezone.is_naive(publish_at):
            general.append(Issue("date_invalid", _("The date needs a time zone."), "publish_at"))
        elif out_of_range:
            pass
        elif publish_at < now - PAST_GRACE:
            local = publish_at.astimezone(ZoneInfo(zone))
            general.append(
                Issue(
                    "date_past",
                    _("%(time)s (%(zone)s) has passed; choose a later time or post now.")
                    % {"time": f"{local:%Y-%m-%d %H:%M}", "zone": zone},
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
                    _(
                        "No free posting slot in the next year; add posting times to the "
                        "channels or pick a date."
                    ),
                    "publish_at",
                )
            )

    for channel in channels:
        key = channel.integration_id
        channel_issues = issues.setdefault(key, [])
        integration = found.get(key)
        if integration is None:
            channel_issues.append(
                Issue("channel_not_found", _("No such channel."), "channel", severity="error")
            )
            continue
        if integration.provider not in provider_classes():
            channel_issues.append(
                Issue(
                    "channel_unsupported",
                    _("%(channel)s is on a network this server no longer supports.")
                    % {"channel": integration.name},
                    "channel",
                )
            )
            continue
        channel_issues += _channel_state_issues(integration)
        items = _as_items(channel.items) if channel.items is not None else content
        channel_issues += _items_issues(items, media, integration)
        if all(i.code not in _DRAFT_BLOCKERS for i in channel_issues):
            channel_issues += _provider_issues(integration, items, channel.settings, media)

    capped = [found[c.integration_id] for c in channels if c.integration_id in found]
    for key, issue in _quota_issues(capped, when, zone, group).items():
        issues[key].append(issue)

    if action == "draft":
        # Drafts keep what is wrong with them as warnings; only missing things block.
        for values in issues.values():
            for issue in values:
                if issue.code not in _DRAFT_BLOCKERS and issue.severity == "error":
                    issue.severity = "warning"
    return _Plan(issues, found, media, found_tags, when, zone)


def _quota_issues(
    integrations: list[Integration], when: datetime | None, zone: str, group: PostGroup | None
) -> dict[int, Issue]:
    """A warning for each channel whose network caps its posts per 24 hours, when one
    24-hour stretch holding this post would hold more than the cap. One query for all
    the capped channels; the posts of ``group`` (the one being edited) are not counted,
    they are the ones being written."""
    caps = {}
    known = provider_classes()
    for integration in integrations:
        cls = known.get(integration.provider)
        cap = cls.daily_post_cap if cls is not None else None
        if cap:
            caps[integration.pk] = cap
    if not caps or when is None or dj_timezone.is_naive(when) or not date_in_range(when):
        return {}
    # In UTC: arithmetic on a time in a zone with summer time adds wall-clock hours, and
    # a network's day is 24 real hours (23 or 25 by the clock on the changeover days).
    when = when.astimezone(UTC)
    # Every stretch holding ``when`` lies within a day either side of it.
    rows = Post.objects.filter(
        integration_id__in=caps,
        state__in=_COUNTED_STATES,
        publish_at__gt=when - CAP_WINDOW,
        publish_at__lt=when + CAP_WINDOW,
    )
    if group is not None and group.pk:
        rows = rows.exclude(group_id=group.pk)
    times: dict[int, list[datetime]] = defaultdict(list)
    for integration_id, at in rows.values_list("integration_id", "publish_at"):
        times[integration_id].append(at)
    found = {}
    by_id = {i.pk: i for i in integrations}
    for pk, cap in caps.items():
        count, start = _busiest_stretch(sorted(times[pk]), when)
        if count <= cap:
            continue
        integration = by_id[pk]
        network = get_provider(integration.provider).network_label
        local = ZoneInfo(zone)
        first = start.astimezone(local)
        last = (start + CAP_WINDOW).astimezone(local)
        found[pk] = Issue(
            "quota_exhausted",
            _(
                "%(network)s publishes at most %(cap)d posts per account in 24 hours; with "
                "this one, %(channel)s would have %(count)d between %(first)s and %(last)s "
                "(%(zone)s). %(network)s refuses the ones past its cap: move some to "
                "another day."
            )
            % {
                "network": network,
                "cap": cap,
                "channel": integration.name,
                "count": count,
                "first": f"{first:%Y-%m-%d %H:%M}",
                "last": f"{last:%Y-%m-%d %H:%M}",
                "zone": zone,
            },
            "publish_at",
            severity="warning",
            limit=cap,
            actual=count,
        )
    return found


def _busiest_stretch(times: list[datetime], when: datetime) -> tuple[int, datetime]:
    """The most posts (``when``'s own included) any 24 hours holding ``when`` would have,
    and when that stretch starts. ``times`` are sorted and each within a day of ``when``.

    The busiest stretch can always be taken to start at one of the posts (or at ``when``)
    because sliding a start forward to the next post loses none of them."""
    best, best_start = 0, when
    starts = [t for t in times if t <= when] + [when]
    for start in starts:
        if start <= when - CAP_WINDOW:
            continue
        end = start + CAP_WINDOW
        count = bisect_left(times, end) - bisect_left(times, start) + 1
        if count > best:
            best, best_start = count, start
    return best, best_start


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
                _("Repeat every 1 to 365 days or weeks, or do not repeat."),
                "repeat_every",
            )
        ]
    if repeat_until is not None and not isinstance(repeat_until, date):
        return [Issue("repeat_invalid", _("Give the last repeat as a date."), "repeat_until")]
    if repeat_until is not None and not day_in_range(repeat_until):
        return [
            Issue(
                "repeat_invalid",
                _(
                    "The last repeat must be a date from 2000-01-01 to 2099-12-31; leave "
                    "it empty to repeat with no end."
                ),
                "repeat_until",
            )
        ]
    return []


def _channel_state_issues(integration: Integration) -> list[Issue]:
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        return [
            Issue(
                "channel_needs_reconnect",
                _("%(channel)s needs reconnecting before it can publish.")
                % {"channel": integration.name},
                "channel",
            )
        ]
    if integration.status == Integration.Status.DISABLED:
        return [
            Issue(
                "channel_disabled",
                _("%(channel)s is disabled; enable it on the Channels page.")
                % {"channel": integration.name},
                "channel",
            )
        ]
    return []


def _items_issues(
    items: list[ItemInput], media: dict[int, MediaFile], integration: Integration
) -> list[Issue]:
    issues = []
    if not items:
        issues.append(Issue("text_required", _("Write something to post.")))
    if len(items) > MAX_ITEMS:
        issues.append(
            Issue(
                "items_invalid",
                _("A thread can have at most %(count)d parts.") % {"count": MAX_ITEMS},
                "items",
            )
        )
    for index, item in enumerate(items):
        if not all(m in media for m in _ints(item.media_ids)):
            issues.append(
                Issue(
                    "media_not_found", _("A file is no longer in the library."), "media", item=index
                )
            )
        try:
            delay = int(item.delay_minutes or 0)
        except (TypeError, ValueError):
            delay = -1
        if delay < 0 or delay > MAX_DELAY_MINUTES:
            issues.append(
                Issue(
                    "items_invalid",
                    _("Wait between 0 minutes and 7 days before a reply."),
                    "delay_minutes",
                    item=index,
                )
            )
    provider_cls = get_provider(integration.provider)
    if len(items) > 1 and provider_cls.reply_mode == "none":
        issues.append(
            Issue(
                "thread_unsupported",
                _("%(network)s posts one message; remove the replies.")
                % {"network": provider_cls.display_name},
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
    group: PostGroup | None = None,
) -> dict[int, list[Issue]]:
    """Anyone who may see the organization; writes nothing. Issues per channel id (and
    ``GENERAL``), computed by the same provider validator the engine relies on; ``group``
    is the group being edited, whose own posts do not count against a daily cap."""
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
        group=group,
    ).issues


def has_errors(issues_by_channel: dict[int, list[Issue]]) -> bool:
    return any(_blocks(i) for issues in issues_by_channel.values() for i in issues)
