"""Instagram professional accounts: through Facebook Login (``instagram``: the accounts
linked to the person's Pages) or Instagram Login (``instagram-standalone``).

Publishing is Meta's container flow: ``POST /{ig-user}/media`` makes a container (Meta
fetches each file from its public address), ``GET /{container}?fields=status_code`` until
it is FINISHED, then ``POST /{ig-user}/media_publish`` publishes it. The container is kept
in the item's progress before the publish: a container can be published once, and its
status says PUBLISHED once it was, so an unclear publish is settled by asking it and never
by publishing a second post.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

import requests
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from integrations.providers.base import (
    Account,
    Channel,
    Draft,
    DraftItem,
    ErrorKind,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    Metrics,
    OAuth2,
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    SettingField,
    Tool,
    expiry_after,
    split_scopes,
)
from integrations.providers.meta import (
    GRAPH,
    GRAPH_VERSION,
    PUBLISHING_LIMIT_WAIT,
    day_windows,
    facebook_login,
    graph_errors,
    insight_days,
    insight_totals,
    insights_refused,
    normalise,
    pages,
    today,
    unix_day,
    unix_until,
    wait_for_container,
)
from organizations.texts import Text

MB = 1024 * 1024
CAPTION_LIMIT = 2200
HASHTAG_LIMIT = 30
CAROUSEL_MAX = 10
COLLABORATORS_MAX = 3
# Feed images and carousel items: 4:5 (portrait) to 1.91:1 (landscape).
FEED_RATIO = (0.8, 1.91)
# Reels: 3 s to 15 min, vertical 9:16 recommended, anything from 0.01:1 to 10:1 taken.
REEL_SECONDS = (3.0, 900.0)
REEL_RATIO = (0.01, 10.0)
# Carousel videos and story videos: 3 to 60 seconds.
SHORT_VIDEO_SECONDS = (3.0, 60.0)
STORY_RATIO = (0.1, 10.0)
HASHTAG = re.compile(r"(?<!\w)#\w+")
# People tagged on one photo: Instagram takes at most 20.
USER_TAGS_MAX = 20
# Instagram usernames: letters, digits, periods and underscores, at most 30.
USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")


def _collaborators_help() -> str:
    return _("Up to %(count)s Instagram usernames invited as co-authors.") % {
        "count": COLLABORATORS_MAX
    }


def _user_tags_help() -> str:
    return _(
        "One person per line: @username, then where on the photo across and down from its "
        "top-left corner (0 to 1), then for a carousel the photo's number: @alice 0.5 0.3 2. "
        'At most %(count)s people per photo. Through the API, objects {"username", "x", "y", '
        '"media"} with media the file\'s index from 0.'
    ) % {"count": USER_TAGS_MAX}


# Whole sentences for each kind of file the duration and shape rules name.
_DURATIONS = {
    "A carousel video": gettext_lazy(
        "A carousel video on Instagram lasts %(low)s to %(high)s seconds; %(file)s lasts "
        "%(duration)s."
    ),
    "A story video": gettext_lazy(
        "A story video on Instagram lasts %(low)s to %(high)s seconds; %(file)s lasts %(duration)s."
    ),
    "A reel": gettext_lazy(
        "A reel on Instagram lasts %(low)s to %(high)s seconds; %(file)s lasts %(duration)s."
    ),
}
_RATIOS = {
    "A feed photo": gettext_lazy(
        "A feed photo on Instagram must be between %(low)s and %(high)s (width to height); "
        "%(file)s is %(size)s. Crop it and upload it again."
    ),
    "A carousel video": gettext_lazy(
        "A carousel video on Instagram must be between %(low)s and %(high)s (width to "
        "height); %(file)s is %(size)s. Crop it and upload it again."
    ),
    "A story": gettext_lazy(
        "A story on Instagram must be between %(low)s and %(high)s (width to height); "
        "%(file)s is %(size)s. Crop it and upload it again."
    ),
    "A reel": gettext_lazy(
        "A reel on Instagram must be between %(low)s and %(high)s (width to height); "
        "%(file)s is %(size)s. Crop it and upload it again."
    ),
}

# Through Facebook Login the account posts with a Page token, which nothing can renew;
# Instagram Login's token is renewed (once) when it has expired.
ERRORS = graph_errors(
    expired=ErrorKind.AUTH_REVOKED,
    expired_message=gettext_noop(
        "Instagram no longer accepts this sign-in; reconnect the channel."
    ),
    containers=True,
    few_viewers=True,
)
STANDALONE_ERRORS = graph_errors(
    expired=ErrorKind.AUTH_EXPIRED,
    expired_message=gettext_noop("Instagram sign-in expired; we will renew it."),
    containers=True,
    few_viewers=True,
)

# A post's insights by its kind: a story has no saves (and its likes and comments are
# not public), and asking a kind for a metric it lacks fails the whole request. Views
# replaced impressions and plays (gone since April 2025); likes and comments come from
# the post's own fields.
MEDIA_INSIGHTS = {
    "STORY": ("reach", "shares", "views"),
    "FEED": ("reach", "saved", "shares", "views"),
    "REELS": ("reach", "saved", "shares", "views"),
}
INSIGHT_NAMES = {"reach": "reach", "saved": "saves", "shares": "shares", "views": "views"}


def _ratio(item: MediaItem) -> float | None:
    if not item.width or not item.height:
        return None
    return item.width / item.height


@dataclass(frozen=True)
class UserTag:
    """A person tagged on a photo of the post: where, from the photo's top-left corner
    (0 to 1 across and down), and on which file (``media``, counted from 0)."""

    username: str
    x: float
    y: float
    media: int = 0

    def as_graph(self) -> dict:
        return {"username": self.username, "x": self.x, "y": self.y}


def _user_tags(settings: dict) -> tuple[list[UserTag], list[str]]:
    """The ``user_tags`` setting read: ``[{"username", "x", "y", "media"?}]`` (the API's
    shape) or the composer's lines ``@username x y [photo number from 1]``; with what is
    wrong with the entries that could not be read."""
    raw = settings.get("user_tags") or []
    if not isinstance(raw, list):
        return [], [_("People tagged must be a list of {username, x, y}.")]
    tags: list[UserTag] = []
    problems: list[str] = []
    for number, entry in enumerate(raw, start=1):
        if isinstance(entry, dict):
            username, x, y = entry.get("username"), entry.get("x"), entry.get("y")
            media = entry.get("media", 0)
        elif isinstance(entry, str):
            parts = entry.split()
            if len(parts) not in (3, 4):
                problems.append(
                    _(
                        "Tag %(number)s (%(entry)s): write @username, then across and down "
                        "(0 to 1), and for a carousel the photo's number, as in @alice 0.5 0.3 2."
                    )
                    % {"number": number, "entry": entry.strip()}
                )
                continue
            username, x, y = parts[:3]
            photo = _number(parts[3]) if len(parts) == 4 else 1
            media = photo - 1 if isinstance(photo, int) else -1
        else:
            problems.append(
                _("Tag %(number)s must be a username with x and y.") % {"number": number}
            )
            continue
        username = str(username or "").strip().lstrip("@")
        x, y = _number(x), _number(y)
        if not USERNAME.match(username):
            if username:
                problem = _(
                    "Tag %(number)s: %(username)s is not an Instagram username (letters, "
                    "digits, periods and underscores, at most 30)."
                )
            else:
                problem = _(
                    "Tag %(number)s has an empty name; an Instagram username has letters, "
                    "digits, periods and underscores, at most 30."
                )
            problems.append(problem % {"number": number, "username": username})
        elif x is None or y is None or not (0 <= x <= 1 and 0 <= y <= 1):
            problems.append(
                _(
                    "Tag %(number)s (@%(username)s): x and y say where on the photo, from 0 "
                    "to 1 (0 0 is the top-left corner, 1 1 the bottom-right)."
                )
                % {"number": number, "username": username}
            )
        elif not isinstance(media, int) or isinstance(media, bool) or media < 0:
            problems.append(
                _("Tag %(number)s (@%(username)s): name the photo by its number.")
                % {"number": number, "username": username}
            )
        else:
            tags.append(UserTag(username, float(x), float(y), media))
    return tags, problems


def _number(value):
    """A number given as a number or as text; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() and "." not in str(value) else number


def _tagged(tags: list[UserTag], index: int, media: list[MediaItem]) -> dict:
    """The ``user_tags`` field of the container for file ``index`` (a photo; nothing for a
    video, which the validator has refused tags on), as Graph takes it: a JSON array."""
    mine = [t.as_graph() for t in tags if t.media == index]
    if not mine or not media[index].is_image:
        return {}
    return {"user_tags": json.dumps(mine)}


def _collaborators(settings: dict) -> list[str]:
    """Usernames from ``[{"label": "name"}]`` (the composer's shape) or plain strings."""
    names = []
    for entry in settings.get("collaborators") or []:
        value = entry.get("label") if isinstance(entry, dict) else entry
        value = str(value or "").strip().lstrip("@")
        if value and value not in names:
            names.append(value)
    return names


class StillProcessing(Exception):
    """A container Instagram was still processing when publish stopped waiting."""

    def __init__(self, container: str):
        super().__init__(container)
        self.container = container


class InstagramProvider(Provider):
    identifier = "instagram"
    display_name = "Instagram"
    network_name = "Instagram"
    auth_kind = "oauth2"
    account_selection = "ig-accounts"
    reply_mode = "comment"
    text_counter = "codepoints"
    text_limit = CAPTION_LIMIT
    media_rules = MediaRules(
        max_count=CAROUSEL_MAX,
        min_count=1,
        mime_types=("image/jpeg", "video/mp4", "video/quicktime"),
        max_image_bytes=8 * MB,
        max_video_bytes=1024 * MB,
        requires_public_url=True,
    )
    idempotency = "container-handle"
    lookup = "by-key"
    refresh_ahead = 0  # Page tokens do not expire
    max_concurrency = 10
    # API-published posts per account in a moving 24 hours (content_publishing_limit).
    daily_post_cap = 50
    scopes = (
        "instagram_basic",
        "instagram_content_publish",
        "instagram_manage_comments",
        "pages_read_engagement",
        "pages_show_list",
        "business_management",
        "instagram_manage_insights",
    )
    write_permission = "instagram_content_publish"
    insights_permission = "instagram_manage_insights"
    analytics = "both"
    # A post's fields, then its insights: two calls a post, none takes a list of ids. An
    # account may make about 200 calls an hour, publishing included.
    metrics_batch = 1
    metrics_per_hour = 80
    oauth = OAuth2(
        client=("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET"),
        scope_separator=",",
        reconnect_message=gettext_noop("Instagram needs you to reconnect this account."),
    )
    required_settings = ("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        "api": "https://graph.facebook.com",
    }
    settings_fields = (
        SettingField(
            "post_type",
            "enum",
            label=gettext_lazy("Post type"),
            required=True,
            choices=("post", "story"),
            default="post",
            help_text=gettext_lazy(
                "A post is a photo, a carousel or a reel (one video); a story is one file."
            ),
        ),
        SettingField(
            "is_trial_reel", "bool", label=gettext_lazy("Trial reel (shown to non-followers first)")
        ),
        SettingField(
            "graduation_strategy",
            "enum",
            label=gettext_lazy("Trial reel graduation"),
            choices=("MANUAL", "SS_PERFORMANCE"),
        ),
        SettingField(
            "collaborators",
            "list",
            label=gettext_lazy("Collaborators"),
            help_text=lazy(_collaborators_help, str)(),
        ),
        SettingField(
            "location_id",
            "string",
            label=gettext_lazy("Location (Facebook Page id of a place)"),
            max_length=40,
        ),
        SettingField(
            "user_tags",
            "list",
            label=gettext_lazy("People tagged on the photos"),
            help_text=lazy(_user_tags_help, str)(),
        ),
    )
    tools = (
        Tool(
            "publishing_limit",
            gettext_lazy(
                "How many posts this account published through the API in the last 24 hours, and "
                "its limit."
            ),
        ),
    )
    redact_patterns = (
        r"(?<=access_token=)[^&\s]+",
        r"(?<=client_secret=)[^&\s]+",
        r"(?<=fb_exchange_token=)[^&\s]+",
        r"(?<=code=)[^&\s]+",
    )
    # Container polling inside publish: None waits poll_default seconds between checks.
    # A minute at most: a container Instagram is still processing after that (a long
    # reel) is handed back pending and polled by check_status, so no publisher thread
    # waits on it and a slow reel never uses up the engine's retries.
    poll_interval: float | None = None
    poll_default = 5.0
    poll_attempts = 12
    # A reel may process for many minutes: looked at after 30 s, then less and less often
    # (at most every 5 minutes), for an hour.
    async_publish = True
    pending_interval = 30
    pending_growth = 1.5
    pending_max_interval = 300
    pending_window = 3600
    lookup_count = 25

    # -- connecting -----------------------------------------------------------------------
    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        return facebook_login(
            self, code=code, redirect_uri=redirect_uri, needed=self.write_permission
        )

    def accounts(self, grant: Grant) -> list[Account]:
        """One choice per Instagram professional account linked to one of the Pages."""
        found = []
        fields = (
            "id,name,access_token,instagram_business_account{id,username,name,profile_picture_url}"
        )
        for page in pages(self, grant.credentials["user_access_token"], fields):
            ig = page.get("instagram_business_account")
            if not isinstance(ig, dict) or not ig.get("id") or not page.get("access_token"):
                continue
            account = self._account(ig)
            account.credentials = {"access_token": page["access_token"]}
            account.meta = {"page_id": str(page.get("id") or ""), "page_name": page.get("name")}
            found.append(account)
        return found

    def _account(self, data: dict) -> Account:
        ig_id = str(data.get("user_id") or data.get("id") or "")
        username = data.get("username") or ""
        return Account(
            external_id=ig_id,
            name=data.get("name") or username or ig_id,
            username=username,
            profile_url=f"https://www.instagram.com/{username}" if username else "",
            avatar_url=data.get("profile_picture_url") or "",
            kind="ig-account",
        )

    def fetch_profile(self, channel: Channel) -> Account:
        response = self._get(
            channel, f"/{channel.external_id}", {"fields": "id,username,name,profile_picture_url"}
        )
        return self._account(self.read_json(response))

    def refresh(self, channel: Channel) -> Grant:
        raise ProviderError(
            ErrorKind.AUTH_REVOKED,
            Text(gettext_noop("Instagram no longer accepts this sign-in; reconnect the channel.")),
        )

    # -- look-up tools --------------------------------------------------------------------
    def publishing_limit(self, channel: Channel) -> dict:
        usage, total = self._quota(channel)
        return {"used": usage, "limit": total, "windowHours": 24}

    def _quota(self, channel: Channel) -> tuple[int, int]:
        response = self._get(
            channel,
            f"/{channel.external_id}/content_publishing_limit",
            {"fields": "config,quota_usage"},
        )
        rows = self.read_json(response).get("data") or [{}]
        row = rows[0] if isinstance(rows[0], dict) else {}
        total = int((row.get("config") or {}).get("quota_total") or 50)
        return int(row.get("quota_usage") or 0), total

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        if not draft.items:
            return issues
        settings = draft.settings
        story = settings.get("post_type") == "story"
        first = draft.items[0]
        media = first.media
        issues += self._caption_issues(first)
        if story:
            issues += self._story_issues(first, settings)
        elif len(media) == 1 and media[0].is_video:
            issues += self._reel_issues(media[0])
        else:
            for file in media:
                if file.is_image:
                    issues += self._ratio_issue(file, FEED_RATIO, "A feed photo")
                elif len(media) > 1:
                    issues += self._duration_issue(file, SHORT_VIDEO_SECONDS, "A carousel video")
                    issues += self._ratio_issue(file, FEED_RATIO, "A carousel video")
        reel = not story and len(media) == 1 and media[0].is_video
        if settings.get("is_trial_reel") is True and not reel:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("Only a reel (one video posted as a post) can be a trial reel."),
                    "is_trial_reel",
                )
            )
        if settings.get("graduation_strategy") and settings.get("is_trial_reel") is not True:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("Graduation applies to trial reels; turn on the trial reel or clear it."),
                    "graduation_strategy",
                )
            )
        issues += self._user_tag_issues(settings, media)
        collaborators = _collaborators(settings)
        if len(collaborators) > COLLABORATORS_MAX:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("Instagram takes at most %(count)s collaborators.")
                    % {"count": COLLABORATORS_MAX},
                    "collaborators",
                    limit=COLLABORATORS_MAX,
                    actual=len(collaborators),
                )
            )
        if story and (collaborators or settings.get("location_id")):
            issues.append(
                Issue(
                    "setting_invalid",
                    _("Instagram stories take no collaborators or location."),
                    "collaborators" if collaborators else "location_id",
                )
            )
        if story and len(draft.items) > 1:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "An Instagram story takes no comments; remove the first comment or post "
                        "it as a post."
                    ),
                    "text",
                    item=1,
                )
            )
        for index, item in enumerate(draft.items[1:], start=1):
            if item.media:
                issues.append(
                    Issue(
                        "media_count",
                        _("Instagram comments are text only; keep files on the first post."),
                        "media",
                        item=index,
                    )
                )
        return issues

    def validate_item(self, index: int, item: DraftItem, channel: Channel | None) -> list[Issue]:
        issues = super().validate_item(index, item, channel)
        if index == 0 and not item.media:
            # The shared check says "write something"; Instagram needs a file whatever the text.
            issues = [i for i in issues if i.code != "text_required"]
        return issues

    def validate_media(self, index, media, rules=None):
        if index > 0:
            return []  # comments are text; validate() says so once
        issues = super().validate_media(index, media, rules)
        for issue in issues:
            if issue.code == "media_required":
                issue.message = _(
                    "Instagram has no text-only posts: add a photo or a video (JPEG or MP4)."
                )
            elif issue.code == "media_count":
                issue.message = _(
                    "An Instagram carousel has at most %(limit)s photos and videos; this post "
                    "has %(count)s."
                ) % {"limit": CAROUSEL_MAX, "count": len(media)}
        return issues

    @staticmethod
    def _user_tag_issues(settings: dict, media: list[MediaItem]) -> list[Issue]:
        tags, problems = _user_tags(settings)
        by_photo: dict[int, list[str]] = {}
        for tag in tags:
            target = media[tag.media] if tag.media < len(media) else None
            if target is None:
                problems.append(
                    ngettext(
                        "@%(username)s is tagged on photo %(photo)s, and the post has "
                        "%(count)s file.",
                        "@%(username)s is tagged on photo %(photo)s, and the post has "
                        "%(count)s files.",
                        len(media),
                    )
                    % {"username": tag.username, "photo": tag.media + 1, "count": len(media)}
                )
            elif not target.is_image:
                problems.append(
                    _(
                        "@%(username)s is tagged on %(file)s, a video: Instagram tags people "
                        "on photos only."
                    )
                    % {"username": tag.username, "file": target.filename}
                )
            elif tag.username.casefold() in by_photo.setdefault(tag.media, []):
                problems.append(
                    _("@%(username)s is tagged twice on photo %(photo)s.")
                    % {"username": tag.username, "photo": tag.media + 1}
                )
            else:
                by_photo[tag.media].append(tag.username.casefold())
        issues = [Issue("setting_invalid", problem, "user_tags") for problem in problems]
        for index, names in sorted(by_photo.items()):
            if len(names) > USER_TAGS_MAX:
                issues.append(
                    Issue(
                        "setting_invalid",
                        _(
                            "Instagram tags at most %(limit)s people on a photo; photo "
                            "%(photo)s has %(count)s."
                        )
                        % {"limit": USER_TAGS_MAX, "photo": index + 1, "count": len(names)},
                        "user_tags",
                        limit=USER_TAGS_MAX,
                        actual=len(names),
                    )
                )
        return issues

    def _caption_issues(self, item: DraftItem) -> list[Issue]:
        tags = len(HASHTAG.findall(item.text))
        if tags <= HASHTAG_LIMIT:
            return []
        return [
            Issue(
                "text_too_long",
                _("Instagram allows %(limit)s hashtags in a caption; this has %(count)s.")
                % {"limit": HASHTAG_LIMIT, "count": tags},
                limit=HASHTAG_LIMIT,
                actual=tags,
            )
        ]

    def _story_issues(self, item: DraftItem, settings: dict) -> list[Issue]:
        issues = []
        if len(item.media) > 1:
            issues.append(
                Issue(
                    "media_count",
                    _("An Instagram story is one photo or one video."),
                    "media",
                    limit=1,
                    actual=len(item.media),
                )
            )
        for file in item.media[:1]:
            if file.is_video:
                issues += self._duration_issue(file, SHORT_VIDEO_SECONDS, "A story video")
            issues += self._ratio_issue(file, STORY_RATIO, "A story")
        if item.text.strip():
            issues.append(
                Issue(
                    "setting_invalid",
                    _("Instagram stories show no caption; the text will not appear."),
                    "text",
                    severity="warning",
                )
            )
        return issues

    def _reel_issues(self, video: MediaItem) -> list[Issue]:
        return self._duration_issue(video, REEL_SECONDS, "A reel") + self._ratio_issue(
            video, REEL_RATIO, "A reel"
        )

    @staticmethod
    def _duration_issue(item: MediaItem, bounds: tuple[float, float], what: str) -> list[Issue]:
        if item.duration is None or bounds[0] <= item.duration <= bounds[1]:
            return []
        low, high = bounds
        return [
            Issue(
                "media_duration",
                _DURATIONS[what]
                % {
                    "low": f"{low:g}",
                    "high": f"{high:g}",
                    "file": item.filename,
                    "duration": f"{item.duration:g}",
                },
                "media",
                limit=high if item.duration > high else low,
                actual=item.duration,
            )
        ]

    @staticmethod
    def _ratio_issue(item: MediaItem, bounds: tuple[float, float], what: str) -> list[Issue]:
        ratio = _ratio(item)
        if ratio is None or bounds[0] <= ratio <= bounds[1]:
            return []
        return [
            Issue(
                "media_ratio",
                _RATIOS[what]
                % {
                    "low": f"{bounds[0]:g}:1",
                    "high": f"{bounds[1]:g}:1",
                    "file": item.filename,
                    "size": f"{item.width}x{item.height}",
                },
                "media",
                actual=round(ratio, 3),
            )
        ]

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        parent = request.root or request.reply_to
        if parent is not None:
            return self._comment(channel, request, parent)
        progress = request.progress
        container = progress.get("container")
        try:
            if container:
                try:
                    self._wait_ready(channel, container, progress)
                except ProviderError as error:
                    if error.network_code != "EXPIRED":
                        raise
                    container = None  # unpublished for 24 hours: a new one is made now
            if not container:
                if not request.media:
                    raise ProviderError(
                        ErrorKind.CONTENT_REJECTED,
                        Text(
                            gettext_noop(
                                "Instagram has no text-only posts: add a photo or a video."
                            )
                        ),
                        field="media",
                    )
                self._check_quota(channel)
                container = self._create_container(channel, request)
                progress["container"] = container
                # Kept before the wait: a worker that dies now resumes this container
                # rather than make a second one.
                request.save_progress()
                self._wait_ready(channel, container, progress)
        except StillProcessing as still:
            # Nothing is published: the container is polled (check_status) until it is
            # ready, then this publish resumes and commits.
            return PublishResult(
                ref=RemoteRef(id=""),
                state="pending",
                handle=still.container,
                raw={"container": still.container},
                committed=False,
            )
        media_id = self._commit(channel, container)
        url = self._permalink(channel, media_id)
        return PublishResult(ref=RemoteRef(id=media_id, url=url), raw={"container": container})

    def _check_quota(self, channel: Channel) -> None:
        """Fail early, as a wait, when the account's 24-hour publishing limit is used up."""
        try:
            used, total = self._quota(channel)
        except ProviderError as error:
            if error.kind in (ErrorKind.AUTH_EXPIRED, ErrorKind.AUTH_REVOKED):
                raise
            return  # the limit is advisory here; media_publish enforces it anyway
        if used >= total:
            raise ProviderError(
                ErrorKind.RATE_LIMITED,
                # The limit is a hundred or so posts a day: always a plural.
                Text(
                    gettext_noop(
                        "This Instagram account has published %(used)s of its %(total)s posts "
                        "allowed in 24 hours; we will try again when a slot frees up."
                    ),
                    used=used,
                    total=total,
                ),
                retry_after=PUBLISHING_LIMIT_WAIT,
                network_code="content_publishing_limit",
            )

    def _create_container(self, channel: Channel, request: PublishRequest) -> str:
        settings = request.settings
        media = request.media
        story = settings.get("post_type") == "story"
        tags, _problems = _user_tags(settings)
        if story:
            return self._post_container(
                channel,
                {"media_type": "STORIES", **self._source(media[0]), **_tagged(tags, 0, media)},
            )
        form: dict = {"caption": request.text}
        collaborators = _collaborators(settings)
        if collaborators:
            form["collaborators"] = json.dumps(collaborators)
        location = str(settings.get("location_id") or "").strip()
        if location:
            form["location_id"] = location
        if len(media) > 1:
            children = list(request.progress.get("children") or [])
            for index in range(len(children), len(media)):
                source = self._source(media[index], carousel=True)
                child = self._post_container(
                    channel,
                    {"is_carousel_item": "true", **source, **_tagged(tags, index, media)},
                )
                children.append(child)
                request.progress["children"] = list(children)
            for child in children:
                self._wait_ready(channel, child, request.progress)
            form.update(media_type="CAROUSEL", children=",".join(children))
        elif media[0].is_video:
            form.update(media_type="REELS", video_url=media[0].public_url, share_to_feed="true")
            if settings.get("is_trial_reel") is True:
                strategy = settings.get("graduation_strategy") or "MANUAL"
                form["trial_params"] = json.dumps({"graduation_strategy": strategy})
        else:
            form.update(self._source(media[0]), **_tagged(tags, 0, media))
        return self._post_container(channel, form)

    @staticmethod
    def _source(item: MediaItem, carousel: bool = False) -> dict:
        if not item.public_url:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Instagram fetches each file from a public address; this server has "
                        "none for %(file)s."
                    ),
                    file=item.filename,
                ),
                field="media",
            )
        if item.is_video:
            kind = "VIDEO" if carousel else "STORIES"
            return {"media_type": kind, "video_url": item.public_url}
        fields = {"image_url": item.public_url}
        if item.alt_text:
            fields["alt_text"] = item.alt_text
        return fields

    def _post_container(self, channel: Channel, form: dict) -> str:
        if form.get("media_type") == "STORIES" and "image_url" in form:
            form.pop("alt_text", None)  # stories take no alt text
        response = self._post(channel, f"/{channel.external_id}/media", Phase.UPLOAD, data=form)
        container = str(self.read_json(response, Phase.UPLOAD).get("id") or "")
        if not container:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Instagram did not create the post container.")),
            )
        return container

    def _wait_ready(self, channel: Channel, container: str, progress: dict) -> None:
        def expired() -> None:
            # Children and carousel expire together; the next attempt makes new ones.
            progress.pop("container", None)
            progress.pop("children", None)

        try:
            wait_for_container(
                self,
                lambda: self._status(channel, container),
                attempts=self.poll_attempts,
                interval=self.poll_default if self.poll_interval is None else self.poll_interval,
                on_expired=expired,
            )
        except ProviderError as error:
            if error.network_code == "IN_PROGRESS":
                raise StillProcessing(container) from error
            raise

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        """A container handed back pending (``handle``): None while Instagram processes
        it; "ready" once publish can go on: FINISHED (publish commits it), EXPIRED
        (publish makes a new one) or PUBLISHED (an earlier send went out, which the
        look before the send finds). Nothing is published here. ERROR is Instagram's
        verdict, with its words."""
        answer = self._status(channel, handle)
        state = answer.get("status_code")
        if state == "IN_PROGRESS":
            return None
        if state == "ERROR":
            reason = answer.get("status") or Text(gettext_noop("unknown error"))
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "%(network)s could not process the media (%(reason)s). Check its "
                        "format, size, length and aspect ratio."
                    ),
                    network="Instagram",
                    reason=reason,
                ),
                network_code="ERROR",
                field="media",
                verdict=True,
            )
        return PublishResult(ref=RemoteRef(id=""), state="ready", handle=handle)

    def _status(self, channel: Channel, container: str) -> dict:
        response = self._get(channel, f"/{container}", {"fields": "status_code,status"})
        return self.read_json(response)

    def _commit(self, channel: Channel, container: str) -> str:
        response = self._post(
            channel,
            f"/{channel.external_id}/media_publish",
            Phase.COMMIT,
            data={"creation_id": container},
        )
        media_id = str(self.read_json(response, Phase.COMMIT).get("id") or "")
        if not media_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Instagram accepted the post but did not say which post it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return media_id

    def _permalink(self, channel: Channel, media_id: str) -> str:
        # The post is live; a failure to read its link must not fail the publish.
        try:
            response = self._get(channel, f"/{media_id}", {"fields": "permalink"})
            return str(self.read_json(response).get("permalink") or "")
        except ProviderError:
            return ""

    def _comment(self, channel: Channel, request: PublishRequest, parent: RemoteRef):
        response = self._post(
            channel, f"/{parent.id}/comments", Phase.COMMIT, data={"message": request.text}
        )
        comment = str(self.read_json(response, Phase.COMMIT).get("id") or "")
        if not comment:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Instagram accepted the comment but did not say which comment it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(
            ref=RemoteRef(id=comment, url=parent.url, extra={"parent": parent.id}),
            raw={"id": comment},
        )

    # -- after an unclear outcome ---------------------------------------------------------
    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """None only when publishing again cannot make a second post: the container is not
        published (a container publishes once), or nothing was ever made. A published
        container whose post cannot be told apart, or a comment that cannot be found, is
        raised as unknown, so the engine asks the person rather than send again."""
        parent = request.root or request.reply_to
        if parent is not None:
            return self._find_comment(channel, request, parent)
        container = request.progress.get("container")
        if not container:
            return None
        if self._status(channel, container).get("status_code") != "PUBLISHED":
            return None
        response = self._get(
            channel,
            f"/{channel.external_id}/media",
            {"fields": "id,caption,timestamp,permalink", "limit": self.lookup_count},
        )
        wanted = normalise(request.text)
        for media in self.read_json(response).get("data") or []:
            if (
                isinstance(media, dict)
                and media.get("id")
                and normalise(media.get("caption")) == wanted
            ):
                return RemoteRef(id=str(media["id"]), url=media.get("permalink") or "")
        raise ProviderError(
            ErrorKind.UNKNOWN_OUTCOME,
            Text(
                gettext_noop(
                    "Instagram says this post was published, but we could not find it among the "
                    "account's recent posts; check the account before posting it again."
                )
            ),
            network_code="PUBLISHED",
        )

    def _find_comment(self, channel: Channel, request: PublishRequest, parent: RemoteRef):
        response = self._get(
            channel, f"/{parent.id}/comments", {"fields": "id,text,timestamp", "limit": 50}
        )
        wanted = normalise(request.text)
        for comment in self.read_json(response).get("data") or []:
            if isinstance(comment, dict) and normalise(comment.get("text")) == wanted:
                return RemoteRef(id=str(comment["id"]), url=parent.url, extra={"parent": parent.id})
        raise ProviderError(
            ErrorKind.UNKNOWN_OUTCOME,
            Text(
                gettext_noop(
                    "We could not confirm the Instagram comment; check the post before adding it "
                    "again."
                )
            ),
        )

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        response = self._get(
            channel,
            f"/{channel.external_id}/media",
            {"fields": "id,permalink", "limit": self.lookup_count},
        )
        return [
            RemoteRef(id=str(media["id"]), url=media.get("permalink") or "")
            for media in self.read_json(response).get("data") or []
            if isinstance(media, dict) and media.get("id")
        ]

    # -- analytics --------------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Each post's likes and comments (its fields, which also say its kind), then the
        insights that kind has. A deleted post is left out; a post too few people have
        seen yet has no insights, only its likes and comments."""
        found: dict[str, Metrics] = {}
        for ref in refs:
            try:
                response = self._get(
                    channel,
                    f"/{ref.id}",
                    {"fields": "media_product_type,like_count,comments_count"},
                )
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue
                insights_refused(error, self.display_name, self.insights_permission)
                raise
            media = self.read_json(response)
            values = {"likes": media.get("like_count"), "comments": media.get("comments_count")}
            if media.get("media_product_type") == "STORY":
                values = {}  # a story's likes and replies are not counts it gives
            metrics = MEDIA_INSIGHTS.get(
                str(media.get("media_product_type")), MEDIA_INSIGHTS["FEED"]
            )
            try:
                response = self._get(channel, f"/{ref.id}/insights", {"metric": ",".join(metrics)})
            except ProviderError as error:
                if error.kind != ErrorKind.NOT_FOUND:
                    insights_refused(error, self.display_name, self.insights_permission)
                    raise
            else:
                counts = insight_totals(self.read_json(response))
                values.update({INSIGHT_NAMES[m]: counts.get(m) for m in metrics})
            found[ref.id] = Metrics(values)
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The account's reach, day by day (30 days a request, Instagram's cap), and
        today's follower count. Views of an account come only as a total over a range."""
        series: dict[date, Metrics] = {}
        try:
            for start, end in day_windows(since, until, 30):
                response = self._get(
                    channel,
                    f"/{channel.external_id}/insights",
                    {
                        "metric": "reach",
                        "period": "day",
                        "since": unix_day(start),
                        "until": unix_until(end),
                    },
                )
                for day, counts in insight_days(self.read_json(response), start, end).items():
                    series[day] = Metrics({"reach": counts.get("reach")})
            response = self._get(channel, f"/{channel.external_id}", {"fields": "followers_count"})
        except ProviderError as error:
            insights_refused(error, self.display_name, self.insights_permission)
            raise
        followers = self.read_json(response).get("followers_count")
        if isinstance(followers, int):
            day = today()
            series[day] = Metrics({**series.get(day, Metrics()).values, "followers": followers})
        return series

    # -- HTTP -----------------------------------------------------------------------------
    def _post(self, channel: Channel, path: str, phase: Phase, **kwargs) -> requests.Response:
        return self.request(
            "POST",
            self.url("api", f"{GRAPH}{path}"),
            phase=phase,
            headers=self.bearer(channel.credentials["access_token"]),
            **kwargs,
        )

    def _get(self, channel: Channel, path: str, params: dict) -> requests.Response:
        return self.request(
            "GET",
            self.url("api", f"{GRAPH}{path}"),
            phase=Phase.READ,
            params=params,
            headers=self.bearer(channel.credentials["access_token"]),
        )


class InstagramStandaloneProvider(InstagramProvider):
    """Instagram Login: the professional account itself, no Facebook Page, on
    graph.instagram.com. Its token lasts 60 days and is renewed before it runs out."""

    identifier = "instagram-standalone"
    display_name = "Instagram (Standalone)"
    account_selection = "none"
    scopes = (
        "instagram_business_basic",
        "instagram_business_content_publish",
        "instagram_business_manage_comments",
        "instagram_business_manage_insights",
    )
    write_permission = "instagram_business_content_publish"
    insights_permission = "instagram_business_manage_insights"
    # Renewed when a week or less is left (a token must be a day old to be renewed).
    refresh_ahead = 7 * 24 * 3600
    oauth = OAuth2(
        client=("INSTAGRAM_APP_ID", "INSTAGRAM_APP_SECRET"),
        token=("token", ""),
        scope_separator=",",
    )
    required_settings = ("INSTAGRAM_APP_ID", "INSTAGRAM_APP_SECRET")
    errors = STANDALONE_ERRORS
    endpoints = {
        "auth": "https://www.instagram.com/oauth/authorize",
        "token": "https://api.instagram.com/oauth/access_token",
        "api": "https://graph.instagram.com",
    }

    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        data = self.oauth.request_token(
            self,
            {"grant_type": "authorization_code", "redirect_uri": redirect_uri, "code": code},
        )
        # Newer answers wrap the token in a one-item "data" list.
        if isinstance(data.get("data"), list) and data["data"]:
            data = data["data"][0]
        granted = split_scopes(data.get("permissions"))
        if granted and self.write_permission not in granted:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Instagram was not allowed to publish; connect again and allow publishing."
                    )
                ),
                network_code="scope",
            )
        # The code gives a one-hour token; swap it for the 60-day one straight away.
        response = self.request(
            "GET",
            self.url("api", "/access_token"),
            phase=Phase.AUTH,
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": self.setting("INSTAGRAM_APP_SECRET"),
                "access_token": data.get("access_token", ""),
            },
        )
        grant = self._grant(self.read_json(response, Phase.AUTH))
        grant.scopes = granted
        if data.get("user_id"):
            grant.meta["user_id"] = str(data["user_id"])
        return grant

    def _grant(self, data: dict) -> Grant:
        if not data.get("access_token"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Instagram sent no access token.")),
            )
        return Grant(
            credentials={"access_token": data["access_token"]},
            expires_at=expiry_after(data.get("expires_in")),
        )

    def refresh(self, channel: Channel) -> Grant:
        # The long-lived token renews itself; there is no separate refresh token.
        response = self.request(
            "GET",
            self.url("api", "/refresh_access_token"),
            phase=Phase.AUTH,
            params={
                "grant_type": "ig_refresh_token",
                "access_token": channel.credentials["access_token"],
            },
        )
        return self._grant(self.read_json(response, Phase.AUTH))

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._me(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._me(channel.credentials["access_token"])

    def _me(self, token: str) -> Account:
        response = self.request(
            "GET",
            self.url("api", f"{GRAPH}/me"),
            phase=Phase.READ,
            params={"fields": "user_id,username,name,profile_picture_url"},
            headers=self.bearer(token),
        )
        return self._account(self.read_json(response))
