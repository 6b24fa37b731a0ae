"""YouTube: Google OAuth, one channel per YouTube channel of the account, and videos sent
with YouTube's resumable upload protocol.

A video goes out in steps, each saved in the item's progress as soon as it is known:

1. ``POST /upload/youtube/v3/videos?uploadType=resumable`` with the snippet and status
   opens an upload session; its address (``Location``) is the handle of the upload and is
   saved before the first byte is sent.
2. ``PUT <session>`` in chunks (multiples of 256 KiB, read from the stored file piece by
   piece, never whole) with ``Content-Range: bytes a-b/total``. YouTube answers 308 with
   ``Range: bytes=0-N`` (what it holds) until the last chunk, whose 200/201 carries the
   video. After a restart or an unclear answer, ``Content-Range: bytes */total`` asks the
   session what it holds: the upload resumes from there (never from zero, never as a
   second video), or the finished video is adopted.
3. The custom thumbnail (``thumbnails.set``) and the playlist (``playlistItems.insert``):
   the video is live by then, so a refusal here is noted and never fails the post.
4. The post is pending until YouTube has processed the video (``videos.list``).

A thread's second part is the video's first comment (``commentThreads.insert``), sent once
the video is processed. It needs the ``youtube.force-ssl`` scope: a channel connected
before comments were offered lacks it, and its comment fails naming the scope (the video
stays published).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import requests
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
    Account,
    Channel,
    Draft,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    Metrics,
    OptionSource,
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    Rule,
    SettingField,
    Tool,
    ToolInput,
)
from integrations.providers.base.validation import grouped
from integrations.providers.google import (
    AUTHORIZE_URL,
    TOKEN_URL,
    google_oauth,
    read_google_error,
    seconds_to_quota_reset,
)
from organizations.texts import Text

logger = logging.getLogger(__name__)

KIB = 1024
MB = 1024 * KIB
GB = 1024 * MB
# Chunks of a resumable upload are multiples of this (all but the last).
UPLOAD_QUANTUM = 256 * KIB
UPLOAD_SCOPE = "https://www.googleapis.com/auth/youtube.upload"
READ_SCOPE = "https://www.googleapis.com/auth/youtube.readonly"
# Thumbnails and playlists need the full scope.
MANAGE_SCOPE = "https://www.googleapis.com/auth/youtube"
# Comments (commentThreads.insert) need this one; the full scope does not stand in for it.
COMMENT_SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
# A comment's text (textOriginal) is at most this many characters.
COMMENT_LIMIT = 10_000
# Comment threads read per look for a comment whose answer was lost (the API's maximum).
COMMENT_LOOKUP = 100
# The channel's daily views, likes, comments and shares (YouTube Analytics API).
ANALYTICS_SCOPE = "https://www.googleapis.com/auth/yt-analytics.readonly"
# videos.list takes at most 50 ids a call.
VIDEOS_PER_CALL = 50
# What Google says when the token lacks the scope a call needs (errors[].reason, and the
# ErrorInfo reason of the newer error shape).
SCOPE_MISSING = ("insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
TITLE_LIMIT = 100
TITLE_MIN = 2
DESCRIPTION_BYTES = 5000
TAGS_LIMIT = 500
MAX_VIDEO_BYTES = 256 * GB
MAX_DURATION = 12 * 3600
THUMBNAIL_BYTES = 2 * MB
THUMBNAIL_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
PRIVACY = ("public", "unlisted", "private")
# "People & Blogs", YouTube's own default for uploads.
DEFAULT_CATEGORY = "22"
VIDEO_TYPES = (
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "video/x-msvideo",
    "video/x-matroska",
    "video/mpeg",
    "video/3gpp",
    "video/x-flv",
)

# Progress keys (PublishRequest.progress).
SESSION = "upload_session"  # the resumable session's address: the upload's handle
SIZE = "upload_size"  # the size the session was opened for
FINAL_SENT = "upload_final_sent"  # the last chunk went out at least once
OPENED_AT = "upload_opened_at"  # when the session was opened (ISO 8601, UTC)
VIDEO = "video"  # {"id", "upload_status"} once YouTube holds the whole file
THUMBNAIL = "thumbnail"
PLAYLIST = "playlist"
# A step after the upload that failed for a passing reason is tried this many times.
EXTRA_TRIES = 2


# -- errors: Google's {"error": {"code", "message", "errors": [{"reason"}]}} and the token
# endpoint's {"error": "invalid_grant"} --------------------------------------------------
def until_quota_reset(response: requests.Response, said) -> float:
    return seconds_to_quota_reset()


ERRORS = ErrorTable(
    read=read_google_error,
    # The last chunk's success carries the video; an unreadable one may hide it. A 308
    # (the server holds less than the whole file) has no body to read.
    commit_needs_body=True,
    bodiless=(308,),
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Google no longer accepts this sign-in (it was revoked or has expired); "
                "reconnect the YouTube channel."
            ),
            phase=Phase.AUTH,
            code="invalid_grant",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Google refused this server's OAuth client; ask the administrator to check "
                "YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET."
            ),
            phase=Phase.AUTH,
            code=("invalid_client", "unauthorized_client"),
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "YouTube's daily quota for this server is used up; we will try again after it "
                "resets at midnight Pacific time."
            ),
            code=("quotaExceeded", "dailyLimitExceeded"),
            retry_after=until_quota_reset,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "This YouTube channel has uploaded as many videos as YouTube allows for now; we "
                "will try again after midnight Pacific time."
            ),
            code="uploadLimitExceeded",
            retry_after=until_quota_reset,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("YouTube asked us to slow down; we will try again shortly."),
            code=("rateLimitExceeded", "userRateLimitExceeded"),
            retry_after=60.0,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "This Google account has no YouTube channel yet; create one on youtube.com, then "
                "connect again."
            ),
            code="youtubeSignupRequired",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Comments are turned off on this YouTube video (videos made for kids never take "
                "comments); the video is published without its first comment."
            ),
            code="commentsDisabled",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Google did not give this channel's sign-in the permission this needs; reconnect "
                "the YouTube channel and allow everything it asks for."
            ),
            code=SCOPE_MISSING,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "This server's Google Cloud project has not enabled the API this needs: "
                "{message|access not configured}"
            ),
            code="accessNotConfigured",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("YouTube refused our sign-in; we will renew it and try again."),
            status=401,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube refused the title: {message}"),
            code="invalidTitle",
            field="title",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube refused the description: {message}"),
            code="invalidDescription",
            field="text",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube refused the tags: {message}"),
            code="invalidTags",
            field="tags",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube does not offer this category for the channel; pick another one."),
            code="invalidCategoryId",
            field="categoryId",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube does not allow this visibility for the channel: {message}"),
            code="forbiddenPrivacySetting",
            field="type",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube could not use the thumbnail: {message}"),
            code="invalidImage",
            field="thumbnail",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The playlist is no longer on YouTube; pick another one."),
            code="playlistNotFound",
            field="playlistId",
        ),
        # An upload session lives about a week; an expired one answers 404 to its status.
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The YouTube upload session has expired."),
            phase=Phase.READ,
            status=(404, 410),
            network_code="session_expired",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "YouTube does not allow this for the connected channel: {message|forbidden}"
            ),
            status=403,
        ),
        Rule(
            SERVER_FAULT,
            gettext_noop("YouTube had a temporary problem ({status})."),
            status=range(500, 600),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("YouTube rejected the video: {message|invalid request}"),
            status=400,
        ),
    ),
)


def tags_length(tags: list[str]) -> int:
    """How YouTube counts the tags against its 500: each tag, the commas between them, and
    the quotes it puts around a tag with a space."""
    return sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + max(len(tags) - 1, 0)


def tag_values(value) -> list[str]:
    """Tags as ``[{"value", "label"}]`` (the public API's tag list) or plain strings."""
    if not isinstance(value, list):
        return []
    tags = []
    for entry in value:
        if isinstance(entry, dict):
            entry = entry.get("value") or entry.get("label") or ""
        if isinstance(entry, str | int) and str(entry).strip():
            tags.append(str(entry).strip())
    return tags


def next_offset(response: requests.Response) -> int:
    """The first byte the session does not hold, from a 308's ``Range: bytes=0-N``."""
    match = re.match(r"\s*bytes=\d+-(\d+)", response.headers.get("Range", ""))
    return int(match.group(1)) + 1 if match else 0


def read_exactly(stream, offset: int, length: int) -> bytes:
    """``length`` bytes from ``offset`` (fewer only at the end of the file): a stream may
    return less than asked for in one read (a network-backed file does)."""
    stream.seek(offset)
    parts, left = [], length
    while left > 0:
        piece = stream.read(left)
        if not piece:
            break
        parts.append(piece)
        left -= len(piece)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def uploads_playlist(channel_id: str) -> str:
    """A channel's uploads playlist: its id with UU for the channel's UC."""
    return f"UU{channel_id[2:]}" if channel_id.startswith("UC") else ""


def watch_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


class YouTubeProvider(Provider):
    identifier = "youtube"
    display_name = "YouTube"
    auth_kind = "oauth2"
    account_selection = "channels"
    reply_mode = "comment"
    text_counter = "codepoints"
    # The description's cap is in bytes (DESCRIPTION_BYTES), checked in validate.
    text_limit = None
    media_rules = MediaRules(
        max_count=1,
        min_count=1,
        mime_types=VIDEO_TYPES,
        max_video_bytes=MAX_VIDEO_BYTES,
        video_alone=True,
    )
    idempotency = "container-handle"
    lookup = "by-key"
    async_publish = True
    # Long videos process for a long time (an hour of HD video, well over one): checked
    # for two hours, less and less often, or when YouTube's own estimate says.
    pending_window = 2 * 3600
    pending_growth = 1.5
    pending_max_interval = 300
    refresh_ahead = 300
    max_concurrency = 2
    # Per video: views, likes and comments (videos.list); per channel: subscribers today
    # (channels.list) and daily views, likes, comments and shares (YouTube Analytics).
    analytics = "both"
    metrics_batch = VIDEOS_PER_CALL
    # videos.list and channels.list cost 1 unit each of the project's daily Data API
    # quota (10,000 by default), which uploads (1,600 units each) share with every
    # channel: a few calls an hour per channel leave room for publishing.
    metrics_per_hour = 6
    scopes = (UPLOAD_SCOPE, READ_SCOPE, MANAGE_SCOPE, COMMENT_SCOPE, ANALYTICS_SCOPE)
    oauth = google_oauth(("YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET"), write_scope=UPLOAD_SCOPE)
    required_settings = ("YOUTUBE_CLIENT_ID", "YOUTUBE_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": AUTHORIZE_URL,
        "token": TOKEN_URL,
        "api": "https://www.googleapis.com",
        "upload": "https://www.googleapis.com",
        "analytics": "https://youtubeanalytics.googleapis.com",
    }
    settings_fields = (
        SettingField(
            "title", "string", label=gettext_lazy("Title"), required=True, max_length=TITLE_LIMIT
        ),
        SettingField(
            "type", "enum", label=gettext_lazy("Visibility"), required=True, choices=PRIVACY
        ),
        SettingField(
            "selfDeclaredMadeForKids",
            "enum",
            label=gettext_lazy("Made for kids"),
            choices=("yes", "no"),
        ),
        SettingField(
            "thumbnail",
            "object",
            label=gettext_lazy("Thumbnail"),
            help_text=gettext_lazy("A JPEG or PNG of at most 2 MB (1280x720 recommended)."),
        ),
        SettingField(
            "tags",
            "list",
            label=gettext_lazy("Tags"),
            help_text=gettext_lazy("At most 500 characters in all."),
        ),
        SettingField(
            "categoryId",
            "string",
            label=gettext_lazy("Category"),
            default=DEFAULT_CATEGORY,
            help_text=gettext_lazy("A category id from the categories tool."),
            options=OptionSource("categories"),
        ),
        SettingField(
            "playlistId",
            "string",
            label=gettext_lazy("Playlist"),
            help_text=gettext_lazy("A playlist id from the playlists tool."),
            options=OptionSource("playlists"),
        ),
    )
    tools = (
        Tool(
            "playlists",
            gettext_lazy("The channel's playlists: id, title, privacy and video count."),
        ),
        Tool(
            "categories",
            gettext_lazy("The video categories a channel can pick in a region: id and title."),
            (
                ToolInput(
                    "regionCode",
                    description=gettext_lazy("Two-letter country code (default US)"),
                    required=False,
                    max_length=2,
                ),
            ),
        ),
    )
    # upload_id appears in session addresses; with it anyone could add bytes to the upload.
    redact_patterns = (r"(?<=upload_id=)[^&\s]+", r"(?<=refresh_token=)[^&\s]+")

    # Bytes per PUT: a multiple of UPLOAD_QUANTUM. Bigger chunks are fewer round trips;
    # each one is held in memory while it is sent.
    chunk_size = 8 * MB
    # Unclear chunk answers recovered by asking the session, within one attempt.
    max_recoveries = 5

    # -- connecting -----------------------------------------------------------------------
    def accounts(self, grant: Grant) -> list[Account]:
        response = self._get(
            grant.credentials["access_token"],
            "/youtube/v3/channels",
            {"part": "snippet,contentDetails", "mine": "true", "maxResults": 50},
        )
        channels = [
            self._account(item)
            for item in self.read_json(response).get("items") or []
            if isinstance(item, dict) and item.get("id")
        ]
        if not channels:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "This Google account has no YouTube channel yet; create one on "
                        "youtube.com, then connect again."
                    )
                ),
                network_code="no_channel",
            )
        return channels

    def fetch_profile(self, channel: Channel) -> Account:
        response = self._get(
            channel.credentials["access_token"],
            "/youtube/v3/channels",
            {"part": "snippet,contentDetails", "id": channel.external_id},
        )
        items = self.read_json(response).get("items") or []
        if not items:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(gettext_noop("This YouTube channel is gone, or no longer yours.")),
            )
        return self._account(items[0])

    @staticmethod
    def _account(item: dict) -> Account:
        snippet = item.get("snippet") or {}
        handle = str(snippet.get("customUrl") or "")
        thumbnails = snippet.get("thumbnails") or {}
        avatar = next(
            (
                thumbnails[size]["url"]
                for size in ("medium", "default", "high")
                if isinstance(thumbnails.get(size), dict) and thumbnails[size].get("url")
            ),
            "",
        )
        uploads = ((item.get("contentDetails") or {}).get("relatedPlaylists") or {}).get("uploads")
        channel_id = str(item["id"])
        return Account(
            external_id=channel_id,
            name=str(snippet.get("title") or handle or channel_id),
            username=handle.lstrip("@"),
            profile_url=(
                f"https://www.youtube.com/{handle}"
                if handle.startswith("@")
                else f"https://www.youtube.com/channel/{channel_id}"
            ),
            avatar_url=avatar,
            kind="channel",
            meta={"uploads_playlist": uploads} if uploads else {},
        )

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        title = values.get("title")
        if isinstance(title, str) and title.strip():
            if len(title.strip()) < TITLE_MIN:
                issues.append(
                    Issue(
                        "setting_invalid",
                        _("A YouTube title needs at least %(count)d characters.")
                        % {"count": TITLE_MIN},
                        "title",
                        limit=TITLE_MIN,
                        actual=len(title.strip()),
                    )
                )
            if "<" in title or ">" in title:
                issues.append(
                    Issue("setting_invalid", _("YouTube titles cannot contain < or >."), "title")
                )
        elif title not in (None, ""):
            issues.append(Issue("setting_invalid", _("The title must be text."), "title"))
        raw_tags = values.get("tags")
        if raw_tags not in (None, "", []) and not isinstance(raw_tags, list):
            issues.append(Issue("setting_invalid", _("tags must be a list of tags."), "tags"))
        tags = tag_values(raw_tags)
        if tags_length(tags) > TAGS_LIMIT:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "YouTube allows %(limit)d characters of tags in all (a tag with a "
                        "space counts its quotes); these have %(length)d."
                    )
                    % {"limit": TAGS_LIMIT, "length": tags_length(tags)},
                    "tags",
                    limit=TAGS_LIMIT,
                    actual=tags_length(tags),
                )
            )
        category = values.get("categoryId")
        if category not in (None, "") and not str(category).isdigit():
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "categoryId must be a YouTube category id (a number); see the "
                        "categories tool."
                    ),
                    "categoryId",
                )
            )
        issues += self._validate_thumbnail(values.get("thumbnail"))
        if values.get("selfDeclaredMadeForKids") == "yes" and len(draft.items) > 1:
            # YouTube turns comments off on videos made for kids: the comment would fail.
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "YouTube turns comments off on videos made for kids; remove the first "
                        "comment or set Made for kids to no."
                    ),
                    "selfDeclaredMadeForKids",
                    item=1,
                )
            )
        return issues

    def validate_item(self, index, item, channel) -> list[Issue]:
        issues = super().validate_item(index, item, channel)
        if index > 0:
            return issues + self._validate_comment(index, item)
        size = len(item.text.encode("utf-8"))
        if size > DESCRIPTION_BYTES:
            issues.append(
                Issue(
                    "text_too_long",
                    _(
                        "YouTube allows %(limit)s bytes of description; this has %(size)s "
                        "(letters beyond plain ASCII take 2 to 4 bytes each)."
                    )
                    % {"limit": grouped(DESCRIPTION_BYTES), "size": grouped(size)},
                    item=index,
                    limit=DESCRIPTION_BYTES,
                    actual=size,
                )
            )
        if "<" in item.text or ">" in item.text:
            issues.append(
                Issue("text_invalid", _("YouTube descriptions cannot contain < or >."), item=index)
            )
        return issues

    @staticmethod
    def _validate_comment(index, item) -> list[Issue]:
        """The first comment: text only, at most COMMENT_LIMIT characters."""
        issues = []
        if not item.text.strip():
            issues.append(Issue("text_required", _("A YouTube comment needs text."), item=index))
        if len(item.text) > COMMENT_LIMIT:
            issues.append(
                Issue(
                    "text_too_long",
                    _("YouTube comments are at most %(limit)s characters; this one has %(length)s.")
                    % {"limit": grouped(COMMENT_LIMIT), "length": grouped(len(item.text))},
                    item=index,
                    limit=COMMENT_LIMIT,
                    actual=len(item.text),
                )
            )
        return issues

    def validate_media(self, index, media, rules=None) -> list[Issue]:
        if index > 0 and media:
            return [
                Issue(
                    "media_not_allowed",
                    _("YouTube comments are text only; keep the video on the first part."),
                    "media",
                    item=index,
                )
            ]
        issues = super().validate_media(index, media, rules)
        if index == 0 and media and not any(file.is_video for file in media):
            issues.append(
                Issue(
                    "media_required", _("YouTube needs a video on this post."), "media", item=index
                )
            )
        for file in media:
            if file.is_video and file.duration and file.duration > MAX_DURATION:
                issues.append(
                    Issue(
                        "media_duration",
                        _("%(file)s lasts %(hours)s hours; YouTube takes videos of up to 12 hours.")
                        % {
                            "file": file.filename,
                            "hours": formats.number_format(file.duration / 3600, 1),
                        },
                        "media",
                        item=index,
                        limit=MAX_DURATION,
                        actual=file.duration,
                    )
                )
        return issues

    @staticmethod
    def _validate_thumbnail(value) -> list[Issue]:
        if value in (None, "", {}):
            return []
        path = value.get("path") if isinstance(value, dict) else None
        if not isinstance(path, str) or not path.lower().startswith(("https://", "http://")):
            return [
                Issue(
                    "setting_invalid",
                    _("The thumbnail must be an image from the media library."),
                    "thumbnail",
                )
            ]
        extension = urlsplit(path).path.rsplit(".", 1)[-1].lower()
        if "." in urlsplit(path).path and extension not in ("jpg", "jpeg", "png"):
            return [
                Issue(
                    "media_type",
                    _("YouTube thumbnails must be JPEG or PNG images."),
                    "thumbnail",
                )
            ]
        size = value.get("size")
        if isinstance(size, int) and size > THUMBNAIL_BYTES:
            return [
                Issue(
                    "media_size",
                    _("YouTube thumbnails are at most 2 MB."),
                    "thumbnail",
                    limit=THUMBNAIL_BYTES,
                    actual=size,
                )
            ]
        return []

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        parent = request.root or request.reply_to
        if parent is not None:
            return self._comment(channel, request, parent)
        token = channel.credentials["access_token"]
        progress = request.progress
        video = progress.get(VIDEO)
        if not video:
            item = self._the_video(request)
            resource = self._upload(token, request, item)
            video = progress[VIDEO] = self._video_record(resource)
        video_id = video["id"]
        raw: dict = {"id": video_id}
        raw.update(self._thumbnail(token, video_id, request))
        raw.update(self._playlist(token, video_id, request))
        ref = RemoteRef(id=video_id, url=watch_url(video_id))
        if video.get("upload_status") != "processed" and self._processed_now(channel, video_id):
            video["upload_status"] = "processed"
        if video.get("upload_status") == "processed":
            return PublishResult(ref=ref, raw=raw)
        return PublishResult(ref=ref, state="pending", handle=video_id, raw=raw)

    def _processed_now(self, channel: Channel, video_id: str) -> bool:
        """One look right after the upload: a short video is often processed by then. A
        rejection is final; a failure to look only leaves the post pending."""
        try:
            result = self.check_status(channel, video_id)
            return result is not None and result.state != "pending"
        except ProviderError as error:
            if error.kind in (ErrorKind.CONTENT_REJECTED, ErrorKind.NOT_FOUND):
                raise
            return False

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        """The uploaded video once YouTube has processed it; while it processes, None, or a
        pending result that looks again when YouTube's estimate of the time left says. A video
        rejected, failed or gone is YouTube's verdict."""
        response = self._get(
            channel.credentials["access_token"],
            "/youtube/v3/videos",
            {"part": "status,processingDetails", "id": handle},
        )
        items = self.read_json(response).get("items") or []
        if not items:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop("The video is no longer on YouTube (it was deleted or removed).")
                ),
                network_code="video_missing",
                verdict=True,
            )
        status = items[0].get("status") or {}
        processing = (items[0].get("processingDetails") or {}).get("processingStatus")
        upload = status.get("uploadStatus")
        if upload == "processed":
            return PublishResult(ref=RemoteRef(id=handle, url=watch_url(handle)))
        if upload == "rejected":
            reason = status.get("rejectionReason")
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("YouTube rejected the video (%(reason)s)."), reason=reason)
                if reason
                else Text(gettext_noop("YouTube rejected the video (no reason given).")),
                network_code=f"rejected/{reason or 'no reason given'}",
                verdict=True,
            )
        if upload == "failed" or processing in ("failed", "terminated"):
            reason = status.get("failureReason") or processing or "failed"
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop("YouTube could not process the video (%(reason)s)."),
                    reason=reason,
                ),
                network_code=f"failed/{reason}",
                verdict=True,
            )
        if upload == "deleted":
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(gettext_noop("The video was deleted on YouTube.")),
                network_code="deleted",
                verdict=True,
            )
        progress = (items[0].get("processingDetails") or {}).get("processingProgress") or {}
        try:
            left = float(progress["timeLeftMs"]) / 1000
        except (KeyError, TypeError, ValueError):
            return None  # no estimate: looked at again at the provider's pace
        return PublishResult(
            ref=RemoteRef(id=handle, url=watch_url(handle)),
            state="pending",
            handle=handle,
            check_after=left,
        )

    # -- the first comment ------------------------------------------------------------------
    def _comment(self, channel: Channel, request: PublishRequest, parent: RemoteRef):
        """The thread's next part as a top-level comment on the video (the root)."""
        video_id = parent.extra.get("parent") or parent.id
        try:
            response = self.request(
                "POST",
                self.url("api", "/youtube/v3/commentThreads"),
                phase=Phase.COMMIT,
                params={"part": "snippet"},
                json={
                    "snippet": {
                        "videoId": video_id,
                        "topLevelComment": {"snippet": {"textOriginal": request.text}},
                    }
                },
                headers=self.bearer(channel.credentials["access_token"]),
            )
        except ProviderError as error:
            if error.kind == ErrorKind.PERMISSION_DENIED and error.network_code in SCOPE_MISSING:
                # Channels connected before comments were offered lack the scope: say which.
                raise ProviderError(
                    ErrorKind.PERMISSION_DENIED,
                    Text(
                        gettext_noop(
                            "The video is published, but its first comment needs the "
                            "permission to manage YouTube comments (%(scope)s); reconnect the "
                            "YouTube channel and allow it."
                        ),
                        scope=COMMENT_SCOPE,
                    ),
                    network_code=error.network_code,
                    raw_excerpt=error.raw_excerpt,
                ) from error
            raise
        ref = self._comment_ref(self.read_json(response, Phase.COMMIT), video_id)
        if ref is None:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "YouTube accepted the comment but did not say which comment it made."
                    )
                ),
                raw_excerpt=response.text[:500],
            )
        return PublishResult(ref=ref, raw={"id": ref.id})

    @staticmethod
    def _comment_ref(thread: dict, video_id: str) -> RemoteRef | None:
        comment = (thread.get("snippet") or {}).get("topLevelComment") or {}
        comment_id = str(comment.get("id") or thread.get("id") or "")
        if not comment_id:
            return None
        return RemoteRef(
            id=comment_id,
            url=f"{watch_url(video_id)}&lc={comment_id}",
            extra={"parent": video_id},
        )

    def _find_comment(self, channel: Channel, request: PublishRequest, parent: RemoteRef):
        """The channel's own comment with this text among the video's newest threads, those
        shown, held for review or taken for spam (a held one is there all the same: sending
        again would make a second). None when it is in neither: YouTube lists a comment as soon
        as it is made, so one missing was never made and sending again is safe."""
        video_id = parent.extra.get("parent") or parent.id
        wanted = " ".join(request.text.split())
        for moderation in ("published", "heldForReview", "likelySpam"):
            response = self._get(
                channel.credentials["access_token"],
                "/youtube/v3/commentThreads",
                {
                    "part": "snippet",
                    "videoId": video_id,
                    "order": "time",
                    "maxResults": COMMENT_LOOKUP,
                    "moderationStatus": moderation,
                    "textFormat": "plainText",
                },
            )
            for thread in self.read_json(response).get("items") or []:
                if not isinstance(thread, dict):
                    continue
                comment = ((thread.get("snippet") or {}).get("topLevelComment") or {}).get(
                    "snippet"
                ) or {}
                author = (comment.get("authorChannelId") or {}).get("value")
                text = comment.get("textOriginal") or comment.get("textDisplay") or ""
                if author == channel.external_id and " ".join(str(text).split()) == wanted:
                    return self._comment_ref(thread, video_id)
        return None

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """After a crash or an unclear answer, the upload session says what happened: a
        finished upload is adopted into the progress (publishing again then only does the
        steps after it); an unfinished one is resumed by publishing again. None either way:
        publishing again can never make a second video. A first comment is looked for among
        the video's comments (``_find_comment``)."""
        parent = request.root or request.reply_to
        if parent is not None:
            return self._find_comment(channel, request, parent)
        progress = request.progress
        if progress.get(VIDEO):
            return None
        session = progress.get(SESSION)
        if not session:
            # No session was saved, so no byte was sent: nothing can exist.
            return None
        token = channel.credentials["access_token"]
        try:
            done, _offset = self._session_state(
                token, session, int(progress.get(SIZE) or 0), progress
            )
        except ProviderError as error:
            if error.network_code != "session_expired":
                raise
            # The session that could say is gone after the last byte went out: the
            # channel's uploads say whether the video was made.
            found = self._find_upload(channel, request)
            if found is None:
                raise
            progress[VIDEO] = {"id": found, "upload_status": ""}
            return None
        if done is not None:
            progress[VIDEO] = self._video_record(done)
        return None

    def _find_upload(self, channel: Channel, request: PublishRequest) -> str | None:
        """The id of a video in the channel's uploads with this post's title and
        description, added since its upload session was opened; None if there is none."""
        uploads = channel.meta.get("uploads_playlist") or uploads_playlist(channel.external_id)
        opened = request.progress.get(OPENED_AT)
        if not uploads or not opened:
            return None
        since = datetime.fromisoformat(opened) - timedelta(minutes=5)
        response = self._get(
            channel.credentials["access_token"],
            "/youtube/v3/playlistItems",
            {"part": "snippet", "playlistId": uploads, "maxResults": 50},
        )
        title = str(request.settings.get("title") or "").strip()
        for entry in self.read_json(response).get("items") or []:
            snippet = (entry or {}).get("snippet") or {}
            video_id = (snippet.get("resourceId") or {}).get("videoId")
            try:
                added = datetime.fromisoformat(str(snippet.get("publishedAt")))
            except ValueError:
                continue
            if (
                video_id
                and added >= since
                and snippet.get("title") == title
                and (snippet.get("description") or "") == request.text
            ):
                return str(video_id)
        return None

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        # A pasted watch address, short link or Shorts link works as well as the id.
        match = re.search(r"(?:v=|youtu\.be/|/shorts/)([\w-]{6,})", remote_id)
        video_id = match.group(1) if match else remote_id
        return RemoteRef(id=video_id, url=watch_url(video_id))

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        uploads = channel.meta.get("uploads_playlist")
        if not uploads:
            return []
        response = self._get(
            channel.credentials["access_token"],
            "/youtube/v3/playlistItems",
            {"part": "contentDetails", "playlistId": uploads, "maxResults": 20},
        )
        refs = []
        for entry in self.read_json(response).get("items") or []:
            video_id = ((entry or {}).get("contentDetails") or {}).get("videoId")
            if video_id:
                refs.append(RemoteRef(id=video_id, url=watch_url(video_id)))
        return refs

    # -- the upload -----------------------------------------------------------------------
    @staticmethod
    def _the_video(request: PublishRequest) -> MediaItem:
        videos = [item for item in request.media if item.is_video]
        if len(videos) != 1 or len(request.media) != 1:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("A YouTube post is exactly one video.")),
                field="media",
            )
        return videos[0]

    def _metadata(self, request: PublishRequest) -> dict:
        settings = request.settings
        snippet: dict = {
            "title": str(settings.get("title") or "").strip(),
            "description": request.text,
            "categoryId": str(settings.get("categoryId") or DEFAULT_CATEGORY),
        }
        tags = tag_values(settings.get("tags"))
        if tags:
            snippet["tags"] = tags
        status: dict = {"privacyStatus": settings.get("type") or "private"}
        kids = settings.get("selfDeclaredMadeForKids")
        if kids in ("yes", "no"):
            status["selfDeclaredMadeForKids"] = kids == "yes"
        return {"snippet": snippet, "status": status}

    def _upload(self, token: str, request: PublishRequest, item: MediaItem) -> dict:
        """Send the file through a resumable session; the video resource once complete."""
        progress = request.progress
        size = item.size
        session = progress.get(SESSION)
        offset = 0
        if session and int(progress.get(SIZE) or 0) == size:
            done, offset = self._session_state(token, session, size, progress)
            if done is not None:
                return done
            if offset is None:
                session = None
        if not session:
            session = self._open_session(token, request, item)
            progress[SESSION], progress[SIZE] = session, size
            progress[OPENED_AT] = datetime.now(UTC).isoformat()
            progress.pop(FINAL_SENT, None)
            # The session is the handle of everything that follows: saved before any byte.
            # Not the commit: only the last chunk can make the video, so a worker that
            # dies before it leaves an upload the next attempt resumes.
            request.save_progress()
            offset = 0
        return self._send_chunks(token, session, item, offset, progress)

    def _open_session(self, token: str, request: PublishRequest, item: MediaItem) -> str:
        response = self.request(
            "POST",
            self.url("upload", "/upload/youtube/v3/videos"),
            phase=Phase.UPLOAD,
            params={"uploadType": "resumable", "part": "snippet,status"},
            json=self._metadata(request),
            headers={
                **self.bearer(token),
                "X-Upload-Content-Length": str(item.size),
                "X-Upload-Content-Type": item.mime_type,
            },
        )
        location = response.headers.get("Location", "")
        if not location.lower().startswith(("https://", "http://")):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("YouTube did not open an upload session; we will try again.")),
                raw_excerpt=response.text,
            )
        return location

    def _send_chunks(
        self, token: str, session: str, item: MediaItem, offset: int, progress: dict
    ) -> dict:
        size = item.size
        recoveries = 0
        # One open stream for the whole upload (on S3, one connection); each chunk is read
        # from the offset the server's count says, so at most one chunk is in memory.
        with item.open() as stream:
            while True:
                data = read_exactly(stream, offset, min(self.chunk_size, size - offset))
                end = offset + len(data)
                if not data or (end < size and len(data) % UPLOAD_QUANTUM):
                    raise ProviderError(
                        ErrorKind.CONTENT_REJECTED,
                        Text(
                            gettext_noop(
                                "The stored file is shorter than its recorded size "
                                "(%(size)s bytes)."
                            ),
                            size=size,
                        ),
                        field="media",
                    )
                final = end == size
                if final:
                    progress[FINAL_SENT] = True
                try:
                    response = self.request(
                        "PUT",
                        session,
                        # Only the last chunk can make the video.
                        phase=Phase.COMMIT if final else Phase.UPLOAD,
                        timeout=self.upload_timeout,
                        data=data,
                        headers={
                            **self.bearer(token),
                            "Content-Range": f"bytes {offset}-{end - 1}/{size}",
                            "Content-Type": item.mime_type,
                        },
                        allow_redirects=False,
                    )
                except ProviderError as error:
                    unclear = error.kind in (
                        ErrorKind.TRANSIENT_BEFORE_SEND,
                        ErrorKind.UNKNOWN_OUTCOME,
                    )
                    if not unclear or recoveries >= self.max_recoveries:
                        raise
                    recoveries += 1
                    logger.info("youtube upload: unclear chunk answer (%s); asking", error.kind)
                    done, offset = self._recover(token, session, size, progress, error)
                    if done is not None:
                        return done
                    continue
                finally:
                    del data
                if response.status_code in (200, 201):
                    return self.read_json(response, Phase.COMMIT)
                # 308: what the server holds (all it was sent, or less: resent from there).
                offset = next_offset(response)

    def _recover(
        self, token: str, session: str, size: int, progress: dict, error: ProviderError
    ) -> tuple[dict | None, int]:
        """After an unclear chunk answer, the session says what it holds. If it cannot be
        asked, the chunk's own error stands (unknown on the last chunk: reconciled later
        through the same session)."""
        try:
            done, offset = self._session_state(token, session, size, progress)
        except ProviderError:
            raise error from None
        if done is None and offset is None:
            # The session expired: the chunk's own error stands, and the next attempt
            # starts a new session (or, after the last chunk, asks the person).
            raise error
        return done, offset or 0

    def _session_state(
        self, token: str, session: str, size: int, progress: dict
    ) -> tuple[dict | None, int | None]:
        """(the video, None) when the upload is complete; (None, offset) when the session
        holds ``offset`` bytes; (None, None) when the session expired before the last chunk
        went out (nothing was made: a new session starts from zero)."""
        try:
            response = self.request(
                "PUT",
                session,
                phase=Phase.READ,
                data=b"",
                headers={**self.bearer(token), "Content-Range": f"bytes */{size}"},
                allow_redirects=False,
            )
        except ProviderError as error:
            if error.kind != ErrorKind.NOT_FOUND:
                raise
            if progress.get(FINAL_SENT):
                # The last chunk went out and the session that could say whether it made
                # the video is gone: only a person can tell.
                raise ProviderError(
                    ErrorKind.UNKNOWN_OUTCOME,
                    Text(
                        gettext_noop(
                            "The YouTube upload session expired after the whole video was sent; we "
                            "cannot tell whether YouTube kept it."
                        )
                    ),
                    network_code="session_expired",
                ) from error
            for key in (SESSION, SIZE):
                progress.pop(key, None)
            return None, None
        if response.status_code in (200, 201):
            return self.read_json(response, Phase.READ), None
        return None, next_offset(response)

    @staticmethod
    def _video_record(resource: dict) -> dict:
        video_id = str(resource.get("id") or "")
        if not video_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("YouTube finished the upload but did not say which video it made.")
                ),
                raw_excerpt=str(resource)[:500],
            )
        status = resource.get("status") or {}
        return {"id": video_id, "upload_status": status.get("uploadStatus") or ""}

    # -- after the upload: thumbnail and playlist ------------------------------------------
    def _after_upload(self, key: str, progress: dict, step) -> dict:
        """Run a step that follows the upload once. The video is live, so only a renewed
        sign-in or a passing failure (tried EXTRA_TRIES times) is raised; anything else is
        noted in the progress and the post stays published without it."""
        state = progress.get(key) or {}
        if state.get("done") or state.get("error"):
            return {key: state}
        try:
            step(state)
            state["done"] = True
        except ProviderError as error:
            passing = error.kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.UNKNOWN_OUTCOME)
            state["tries"] = int(state.get("tries", 0)) + 1
            progress[key] = state
            if error.kind == ErrorKind.AUTH_EXPIRED or (passing and state["tries"] < EXTRA_TRIES):
                raise
            logger.warning("youtube %s given up: %s (%s)", key, error.kind, error.network_code)
            state["error"] = error.user_message
        progress[key] = state
        return {key: state}

    def _thumbnail(self, token: str, video_id: str, request: PublishRequest) -> dict:
        value = request.settings.get("thumbnail")
        path = value.get("path") if isinstance(value, dict) else None
        if not path:
            return {}

        def step(state: dict) -> None:
            image, mime = self._fetch_thumbnail(path)
            self.request(
                "POST",
                self.url("upload", "/upload/youtube/v3/thumbnails/set"),
                phase=Phase.UPLOAD,
                params={"videoId": video_id, "uploadType": "media"},
                data=image,
                headers={**self.bearer(token), "Content-Type": mime},
            )

        return self._after_upload(THUMBNAIL, request.progress, step)

    def _fetch_thumbnail(self, path: str) -> tuple[bytes, str]:
        """The thumbnail's bytes (at most 2 MB) and its type, sniffed from the bytes."""
        image = self.request("GET", path, phase=Phase.UPLOAD).content
        if len(image) > THUMBNAIL_BYTES:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("The thumbnail is larger than YouTube's 2 MB.")),
                field="thumbnail",
            )
        mime = next((t for magic, t in THUMBNAIL_TYPES.items() if image.startswith(magic)), "")
        if not mime:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("The thumbnail is not a JPEG or PNG image.")),
                field="thumbnail",
            )
        return image, mime

    def _playlist(self, token: str, video_id: str, request: PublishRequest) -> dict:
        playlist = str(request.settings.get("playlistId") or "").strip()
        if not playlist:
            return {}

        def step(state: dict) -> None:
            # Adding twice would list the video twice: after an attempt that may have
            # added it, look first.
            if state.get("sent") and self._in_playlist(token, playlist, video_id):
                return
            state["sent"] = True
            request.progress[PLAYLIST] = state
            request.save_progress()
            self.request(
                "POST",
                self.url("api", "/youtube/v3/playlistItems"),
                phase=Phase.UPLOAD,
                params={"part": "snippet"},
                json={
                    "snippet": {
                        "playlistId": playlist,
                        "resourceId": {"kind": "youtube#video", "videoId": video_id},
                    }
                },
                headers=self.bearer(token),
            )

        return self._after_upload(PLAYLIST, request.progress, step)

    def _in_playlist(self, token: str, playlist: str, video_id: str) -> bool:
        response = self._get(
            token,
            "/youtube/v3/playlistItems",
            {"part": "id", "playlistId": playlist, "videoId": video_id},
        )
        return bool(self.read_json(response).get("items"))

    # -- analytics -----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Views, likes and comments of each video, 50 ids a call (1 quota unit each); a
        video YouTube no longer has is missing from ``items`` and left out."""
        ids = list(dict.fromkeys(ref.id for ref in refs if ref.id))
        found: dict[str, Metrics] = {}
        for start in range(0, len(ids), VIDEOS_PER_CALL):
            batch = ids[start : start + VIDEOS_PER_CALL]
            response = self._get(
                channel.credentials["access_token"],
                "/youtube/v3/videos",
                {"part": "statistics", "id": ",".join(batch), "maxResults": len(batch)},
            )
            for item in self.read_json(response).get("items") or []:
                if isinstance(item, dict) and item.get("id") in batch:
                    found[str(item["id"])] = video_metrics(item.get("statistics") or {})
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """Daily views, likes, comments and shares from YouTube Analytics (a report lags
        two or three days: the days it has not made yet are missing), and today's
        subscribers from channels.list."""
        today = datetime.now(UTC).date()
        until = min(until, today)
        if since > until:
            return {}
        token = channel.credentials["access_token"]
        days = self._daily_report(token, channel, since, until)
        if since <= today <= until:
            followers = self._subscribers(token, channel)
            if followers is not None:
                day = days.setdefault(today, Metrics())
                day.values["followers"] = followers
        return days

    def _daily_report(
        self, token: str, channel: Channel, since: date, until: date
    ) -> dict[date, Metrics]:
        channel_id = channel.external_id if channel.external_id.startswith("UC") else "MINE"
        try:
            response = self.request(
                "GET",
                self.url("analytics", "/v2/reports"),
                phase=Phase.READ,
                params={
                    "ids": f"channel=={channel_id}",
                    "startDate": since.isoformat(),
                    "endDate": until.isoformat(),
                    "metrics": ",".join(REPORT_METRICS),
                    "dimensions": "day",
                    "sort": "day",
                },
                headers=self.bearer(token),
            )
        except ProviderError as error:
            if error.kind == ErrorKind.PERMISSION_DENIED and error.network_code in SCOPE_MISSING:
                # Channels connected before analytics existed lack the scope: say which.
                raise ProviderError(
                    ErrorKind.PERMISSION_DENIED,
                    Text(
                        gettext_noop(
                            "YouTube analytics need the permission to view YouTube Analytics "
                            "reports (%(scope)s); reconnect the YouTube channel and allow it."
                        ),
                        scope=ANALYTICS_SCOPE,
                    ),
                    network_code=error.network_code,
                    raw_excerpt=error.raw_excerpt,
                ) from error
            raise
        return report_days(self.read_json(response))

    def _subscribers(self, token: str, channel: Channel) -> int | None:
        response = self._get(
            token, "/youtube/v3/channels", {"part": "statistics", "id": channel.external_id}
        )
        items = self.read_json(response).get("items") or []
        statistics = (items[0].get("statistics") or {}) if items else {}
        # A channel that hides its subscriber count has none to tell.
        if statistics.get("hiddenSubscriberCount") or statistics.get("subscriberCount") is None:
            return None
        return _count(statistics.get("subscriberCount"))

    # -- look-up tools --------------------------------------------------------------------
    def playlists(self, channel: Channel) -> list[dict]:
        response = self._get(
            channel.credentials["access_token"],
            "/youtube/v3/playlists",
            {"part": "snippet,status,contentDetails", "mine": "true", "maxResults": 50},
        )
        return [
            {
                "id": str(item["id"]),
                "name": (item.get("snippet") or {}).get("title", ""),
                "privacy": (item.get("status") or {}).get("privacyStatus", ""),
                "videoCount": (item.get("contentDetails") or {}).get("itemCount"),
                "url": f"https://www.youtube.com/playlist?list={item['id']}",
            }
            for item in self.read_json(response).get("items") or []
            if isinstance(item, dict) and item.get("id")
        ]

    def categories(self, channel: Channel, *, regionCode: str = "US") -> list[dict]:
        response = self._get(
            channel.credentials["access_token"],
            "/youtube/v3/videoCategories",
            {"part": "snippet", "regionCode": (regionCode or "US").upper()},
        )
        return [
            {"id": str(item["id"]), "name": (item.get("snippet") or {}).get("title", "")}
            for item in self.read_json(response).get("items") or []
            # Some categories exist for old videos only; uploads cannot pick them.
            if isinstance(item, dict)
            and item.get("id")
            and (item.get("snippet") or {}).get("assignable", True)
        ]

    # -- HTTP -----------------------------------------------------------------------------
    def _get(self, token: str, path: str, params: dict) -> requests.Response:
        return self.request(
            "GET",
            self.url("api", path),
            phase=Phase.READ,
            params=params,
            headers=self.bearer(token),
        )


# -- analytics ---------------------------------------------------------------------------
# The YouTube Analytics metrics of a channel's daily report, by our names.
REPORT_METRICS = {"views": "views", "likes": "likes", "comments": "comments", "shares": "shares"}


def _count(value) -> int | None:
    """Google's counts are strings of digits ("1085567053"); anything else is not a count."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def video_metrics(statistics: dict) -> Metrics:
    """A video's ``statistics``: favoriteCount is always 0 (favourites are gone) and
    dislikeCount private, so neither is kept; a count the owner hid is absent."""
    return Metrics(
        {
            "views": _count(statistics.get("viewCount")),
            "likes": _count(statistics.get("likeCount")),
            "comments": _count(statistics.get("commentCount")),
        }
    )


def report_days(report: dict) -> dict[date, Metrics]:
    """A reports.query result table (``columnHeaders`` and ``rows``) as counts per day."""
    names = [str((column or {}).get("name") or "") for column in report.get("columnHeaders") or []]
    if "day" not in names:
        return {}
    days: dict[date, Metrics] = {}
    for row in report.get("rows") or []:
        if not isinstance(row, list) or len(row) != len(names):
            continue
        values = dict(zip(names, row, strict=True))
        try:
            day = date.fromisoformat(str(values["day"]))
        except ValueError:
            continue
        counts = Metrics(
            {ours: _count(values.get(theirs)) for theirs, ours in REPORT_METRICS.items()}
        )
        if counts.values:
            days[day] = counts
    return days
