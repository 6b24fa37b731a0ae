"""TikTok (Content Posting API v2): a creator's videos and photo posts, published on their
profile (direct post) or sent to their TikTok inbox to finish in the app.

A publish is asynchronous. ``init`` creates it and answers its ``publish_id`` (the handle
every later step and check uses); a video is then uploaded in chunks to the address
``init`` gave (or TikTok pulls it from its public address), and the status endpoint says
when TikTok has made the post. Only ``init`` can create a post, so it is the commit: the
publish id is saved the moment it is known, and after an unclear ``init`` nothing is ever
initialised again for that item (TikTok offers no way to find a publish it did not name).

A post that goes to the inbox, or that TikTok completes without giving its public id (a
private post, one still in moderation), is published without a release id: the person
picks it from the account's recent videos (``recent_posts``, GET /posts/:id/missing) and
sets it (PUT /posts/:id/release-id).
"""

from __future__ import annotations

import json
import logging
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode

import requests
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

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
    OptionSource,
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
    token_credentials,
)
from integrations.providers.tiktok.errors import ERRORS, FAIL_REASONS, log_id_of
from integrations.providers.tiktok.status import handle_parts, publish_outcome
from integrations.providers.tiktok.upload import (
    GB,
    MB,
    MIN_CHUNK,
    _Slice,
    chunk_plan,
    chunk_ranges,
)
from organizations.texts import Text

logger = logging.getLogger(__name__)

__all__ = [
    "ERRORS",
    "FAIL_REASONS",
    "INIT_SENT",
    "MB",
    "MIN_CHUNK",
    "PUBLISH_ID",
    "TikTokProvider",
    "chunk_plan",
    "chunk_ranges",
    "photo_text_issues",
]

PRIVACY_LEVELS = (
    "PUBLIC_TO_EVERYONE",
    "MUTUAL_FOLLOW_FRIENDS",
    "FOLLOWER_OF_CREATOR",
    "SELF_ONLY",
)
PRIVACY_LABELS = {
    "PUBLIC_TO_EVERYONE": gettext_noop("everyone"),
    "MUTUAL_FOLLOW_FRIENDS": gettext_noop("friends"),
    "FOLLOWER_OF_CREATOR": gettext_noop("followers"),
    "SELF_ONLY": gettext_noop("only me"),
}
# The interactions a creator may turn off, each said whole when it is.
INTERACTIONS_OFF = {
    "comment": gettext_noop(
        'Comments are turned off for this TikTok account; untick "Allow comments".'
    ),
    "duet": gettext_noop('Duets are turned off for this TikTok account; untick "Allow duets".'),
    "stitch": gettext_noop(
        'Stitches are turned off for this TikTok account; untick "Allow stitches".'
    ),
}
DIRECT_POST = "DIRECT_POST"
UPLOAD = "UPLOAD"

VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/webm")
PHOTO_TYPES = ("image/jpeg", "image/webp")
CAPTION_LIMIT = 2200  # a video's caption (its "title"), in UTF-16 code units
PHOTO_DESCRIPTION_LIMIT = 4000
MAX_PHOTOS = 35
FRAME_RATES = (23, 60)
VIDEO_SIDES = (360, 4096)

# Progress keys of an item (saved between attempts).
INIT_SENT = "init_sent"  # init went out; from here on, never initialise again
PUBLISH_ID = "publish_id"
UPLOAD_URL = "upload_url"
CHUNK = "chunk_size"
CHUNKS_DONE = "chunks_done"
KIND = "media_kind"  # video or photo, for the post's address
MODE = "mode"  # direct or inbox

# The states of a publish (status/fetch).
PROCESSING = ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD")

# Analytics: a video's counts need video.list; the account's follower count needs
# user.info.stats. /v2/video/query/ takes at most 20 ids a request.
VIDEOS_SCOPE = "video.list"
STATS_SCOPE = "user.info.stats"
VIDEOS_PER_QUERY = 20
VIDEO_COUNTS = {
    "view_count": "views",
    "like_count": "likes",
    "comment_count": "comments",
    "share_count": "shares",
}


def photo_text_issues(provider, index: int, item: DraftItem, issues: list[Issue]) -> list[Issue]:
    """A photo post's text is its description under the photos, which may be longer than
    a video's caption (both TikTok APIs): the caption limit's issue is replaced."""
    issues = [i for i in issues if i.code != "text_too_long"]
    length = provider.count_text(item.text)
    if length > PHOTO_DESCRIPTION_LIMIT:
        issues.append(
            Issue(
                "text_too_long",
                _("TikTok allows %(limit)d characters under photos; this has %(length)d.")
                % {"limit": PHOTO_DESCRIPTION_LIMIT, "length": length},
                item=index,
                limit=PHOTO_DESCRIPTION_LIMIT,
                actual=length,
            )
        )
    return issues


class TikTokProvider(Provider):
    identifier = "tiktok"
    display_name = "TikTok"
    # Login Kit for Web: the client secret authenticates the exchange (PKCE is TikTok's
    # flow for desktop and mobile apps, whose secret cannot be kept).
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "none"
    text_counter = "utf16"
    text_limit = CAPTION_LIMIT
    media_rules = MediaRules(
        min_count=1,
        max_count=MAX_PHOTOS,
        mime_types=VIDEO_TYPES + PHOTO_TYPES,
        max_video_bytes=4 * GB,
        max_image_bytes=20 * MB,
        video_alone=True,
        allow_mixed=False,
    )
    idempotency = "container-handle"
    lookup = "by-key"
    async_publish = True
    # A large upload is processed (and moderated) for a while: checked for two hours,
    # less and less often.
    pending_window = 2 * 3600
    pending_growth = 1.5
    pending_max_interval = 300
    refresh_ahead = 600
    max_concurrency = 2
    # Per video: views, likes, comments and shares; per account: followers today (TikTok
    # keeps no daily history for the Display API).
    analytics = "both"
    metrics_batch = VIDEOS_PER_QUERY
    # /v2/video/query/ and /v2/user/info/ allow 600 requests a minute each (sliding
    # window) for the whole app; a channel takes a small share.
    metrics_per_hour = 120
    scopes = ("user.info.basic", "video.publish", "video.upload", VIDEOS_SCOPE, STATS_SCOPE)
    oauth = OAuth2(
        client=("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET"),
        authorize=("auth", ""),
        token=("api", "/v2/oauth/token/"),
        scope_separator=",",
    )
    required_settings = ("TIKTOK_CLIENT_KEY", "TIKTOK_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": "https://www.tiktok.com/v2/auth/authorize/",
        "api": "https://open.tiktokapis.com",
        # Where init's upload_url points; named so the upload host is a known one.
        "upload": "https://open-upload.tiktokapis.com",
    }
    settings_fields = (
        SettingField(
            "privacy_level",
            "enum",
            label=gettext_lazy("Who can see it"),
            required=True,
            choices=PRIVACY_LEVELS,
            help_text=gettext_lazy("Only the options the account has (see the creator_info tool)."),
            options=OptionSource(
                "creator_info",
                within="privacy_level_options",
                stored="creator_info",
                labels=tuple(
                    (level, format_lazy("{} ({})", capfirst(gettext_lazy(label)), level))
                    for level, label in PRIVACY_LABELS.items()
                ),
            ),
        ),
        SettingField(
            "content_posting_method",
            "enum",
            label=gettext_lazy("Post directly, or send to the TikTok inbox"),
            required=True,
            choices=(DIRECT_POST, UPLOAD),
            default=DIRECT_POST,
        ),
        SettingField(
            "comment", "bool", label=gettext_lazy("Allow comments"), required=True, default=False
        ),
        SettingField(
            "duet", "bool", label=gettext_lazy("Allow duets"), required=True, default=False
        ),
        SettingField(
            "stitch", "bool", label=gettext_lazy("Allow stitches"), required=True, default=False
        ),
        SettingField(
            "brand_content_toggle",
            "bool",
            label=gettext_lazy("Paid partnership (branded content)"),
            required=True,
            default=False,
        ),
        SettingField(
            "brand_organic_toggle",
            "bool",
            label=gettext_lazy("Promotes your own business"),
            required=True,
            default=False,
        ),
        SettingField(
            "autoAddMusic",
            "enum",
            label=gettext_lazy("Add music to photo posts"),
            required=True,
            choices=("yes", "no"),
            default="no",
        ),
        SettingField("title", "string", label=gettext_lazy("Photo post title"), max_length=90),
        SettingField(
            "video_made_with_ai", "bool", label=gettext_lazy("Made with AI"), default=False
        ),
    )
    tools = (
        Tool(
            "creator_info",
            gettext_lazy(
                "The account's posting options on TikTok: who can see its posts, whether "
                "comments, duets and stitches can be allowed, and its longest video."
            ),
            # Kept on the channel for the validator since it was connected.
            stores="creator_info",
        ),
    )
    redact_patterns = (
        r"(?<=client_secret=)[^&\s]+",
        r"(?<=refresh_token=)[^&\s]+",
        r"(?<=upload_token=)[^&\s]+",
    )

    # Preferred chunk size (5-64 MB); tests use the smallest.
    chunk_size = 10 * MB
    # Status checks within a publish before it is handed to the engine as pending: about
    # a minute, TikTok's processing time for a video up to 1 GB, so most outcomes (and
    # every FAILED reason) are known while the publish can still say why.
    poll_attempts = 12
    poll_interval = 5.0
    video_list_count = 20

    # -- connecting -----------------------------------------------------------------------
    def authorization_url(self, *, state, redirect_uri, code_challenge="", instance=None) -> str:
        # TikTok names the client "client_key", and lists scopes with commas.
        params = {
            "client_key": self.setting("TIKTOK_CLIENT_KEY"),
            "response_type": "code",
            "scope": ",".join(self.scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self.url('auth')}/?{urlencode(params, quote_via=quote)}"

    def _token(self, form: dict) -> dict:
        response = self.request(
            "POST",
            self.url("api", "/v2/oauth/token/"),
            phase=Phase.AUTH,
            data={
                "client_key": self.setting("TIKTOK_CLIENT_KEY"),
                "client_secret": self.setting("TIKTOK_CLIENT_SECRET"),
                **form,
            },
        )
        return self.read_json(response, Phase.AUTH)

    def _grant(self, data: dict) -> Grant:
        grant = Grant(
            credentials=token_credentials(data, "TikTok"),
            expires_at=expiry_after(data.get("expires_in")),
            refresh_expires_at=expiry_after(data.get("refresh_expires_in")),
            scopes=split_scopes(data.get("scope")),
        )
        if data.get("open_id"):
            grant.meta["open_id"] = str(data["open_id"])
        return grant

    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        grant = self._grant(
            self._token(
                {"code": code, "grant_type": "authorization_code", "redirect_uri": redirect_uri}
            )
        )
        if grant.scopes and not {"video.publish", "video.upload"} & set(grant.scopes):
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "TikTok was not allowed to post for this account; connect again and allow "
                        "posting videos."
                    )
                ),
                network_code="scope",
            )
        return grant

    def refresh(self, channel: Channel) -> Grant:
        # TikTok rotates the refresh token: the answer's pair replaces ours (the caller
        # saves it, under the channel's lock, before the new access token is used).
        token = channel.credentials.get("refresh_token")
        if not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED, Text(gettext_noop("TikTok needs you to reconnect."))
            )
        return self._grant(self._token({"grant_type": "refresh_token", "refresh_token": token}))

    def _user(self, token: str) -> dict:
        response = self.request(
            "GET",
            self.url("api", "/v2/user/info/"),
            phase=Phase.READ,
            params={"fields": "open_id,union_id,avatar_url,display_name"},
            headers=self.bearer(token),
        )
        return (self.read_json(response).get("data") or {}).get("user") or {}

    def _account(self, token: str, scopes: list[str] | None = None) -> Account:
        user = self._user(token)
        meta: dict = {}
        username = ""
        if not scopes or "video.publish" in scopes:
            # The username and the posting options come with the creator info; cached on
            # the channel for the validator. An account that allowed only inbox uploads
            # has no creator info to give.
            try:
                info = self.creator_info_of(token)
            except ProviderError as error:
                if error.kind != ErrorKind.PERMISSION_DENIED:
                    raise
                info = {}
            username = str(info.get("creator_username") or "")
            if info:
                meta["creator_info"] = info
        return Account(
            external_id=str(user.get("open_id") or ""),
            name=str(user.get("display_name") or username),
            username=username,
            profile_url=f"https://www.tiktok.com/@{username}" if username else "",
            avatar_url=str(user.get("avatar_url") or ""),
            meta=meta,
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.credentials["access_token"], grant.scopes)]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(channel.credentials["access_token"])

    # -- creator info ---------------------------------------------------------------------
    def creator_info_of(self, token: str) -> dict:
        response = self.request(
            "POST",
            self.url("api", "/v2/post/publish/creator_info/query/"),
            phase=Phase.READ,
            headers={**self.bearer(token), "Content-Type": "application/json; charset=UTF-8"},
        )
        data = self.read_json(response).get("data") or {}
        return {
            "creator_username": str(data.get("creator_username") or ""),
            "creator_nickname": str(data.get("creator_nickname") or ""),
            "privacy_level_options": [str(o) for o in data.get("privacy_level_options") or []],
            "comment_disabled": bool(data.get("comment_disabled")),
            "duet_disabled": bool(data.get("duet_disabled")),
            "stitch_disabled": bool(data.get("stitch_disabled")),
            "max_video_post_duration_sec": int(data.get("max_video_post_duration_sec") or 0),
        }

    def creator_info(self, channel: Channel) -> dict:
        """The look-up tool: the account's posting options as TikTok gives them now."""
        return self.creator_info_of(channel.credentials["access_token"])

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        settings = draft.settings
        media = draft.items[0].media if draft.items else []
        photo = bool(media) and not any(m.is_video for m in media)
        if len(draft.items) > 1:
            issues.append(
                Issue(
                    "media_count",
                    _("TikTok posts have one part; remove the other parts."),
                    "text",
                    item=1,
                )
            )
        if settings.get("brand_content_toggle") is True and settings.get("privacy_level") == (
            "SELF_ONLY"
        ):
            # TikTok's rule for disclosed paid partnerships: they are seen by others.
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        'A paid partnership cannot be visible to "only me" on TikTok; choose who '
                        "else can see it, or untick the paid partnership."
                    ),
                    "privacy_level",
                )
            )
        info = (channel.meta.get("creator_info") if channel is not None else None) or {}
        if settings.get("content_posting_method", DIRECT_POST) == DIRECT_POST:
            issues += self._check_creator_options(settings, info, photo)
        limit = info.get("max_video_post_duration_sec")
        for file in media:
            if file.is_video and limit and file.duration and file.duration > limit:
                issues.append(
                    Issue(
                        "media_duration",
                        str(too_long(limit, file)),
                        "media",
                        limit=limit,
                        actual=round(file.duration, 1),
                    )
                )
        return issues

    @staticmethod
    def _check_creator_options(settings: dict, info: dict, photo: bool) -> list[Issue]:
        return [
            Issue("setting_invalid", str(text), field)
            for field, text in creator_problems(settings, info, photo)
        ]

    def validate_item(self, index: int, item: DraftItem, channel: Channel | None) -> list[Issue]:
        issues = super().validate_item(index, item, channel)
        videos = [m for m in item.media if m.is_video]
        if item.media and not videos:
            issues = photo_text_issues(self, index, item, issues)
            for file in item.media:
                if not file.public_url:
                    issues.append(
                        Issue(
                            "media_url",
                            _(
                                "TikTok fetches photos from a public address, and %(file)s has "
                                "none. Store media where TikTok can reach it (see the README, "
                                "media), or post a video."
                            )
                            % {"file": file.filename},
                            "media",
                            item=index,
                        )
                    )
        for file in videos:
            issues += _video_issues(index, file)
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        progress = request.progress
        if progress.get(PUBLISH_ID):
            return self._resume(channel, request)
        if progress.get(INIT_SENT):
            # An earlier init went out and its answer never came: TikTok may have made the
            # publish, and nothing names it. Initialising again could post twice.
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "TikTok did not say whether it took this post, and it gives no way to ask; "
                        "check the TikTok account before posting again."
                    )
                ),
                network_code="init_unclear",
            )
        media = request.media
        if not media:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("TikTok posts need a video or photos.")),
                field="media",
            )
        settings = request.settings
        direct = settings.get("content_posting_method", DIRECT_POST) != UPLOAD
        video = media[0] if media[0].is_video else None
        if direct:
            self._check_now(token, settings, video, photo=video is None)
        if video is not None:
            path, body, pull = self._video_init(request, video, direct)
        else:
            (path, body), pull = self._photo_init(request, media, direct), True
        progress[INIT_SENT] = True
        progress[KIND] = "video" if video is not None else "photo"
        progress[MODE] = "direct" if direct else "inbox"
        try:
            response = self.request(
                "POST",
                self.url("api", path),
                phase=Phase.COMMIT,
                json=body,
                headers=self._json_headers(token),
            )
        except ProviderError as error:
            if error.kind != ErrorKind.UNKNOWN_OUTCOME:
                # TikTok answered clearly that it made nothing (an expired token, a
                # refusal): the next attempt may initialise.
                progress.pop(INIT_SENT, None)
            raise
        data = self.read_json(response, Phase.COMMIT).get("data") or {}
        publish_id = str(data.get("publish_id") or "")
        if not publish_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("TikTok accepted the post but did not say which publish it made.")
                ),
                raw_excerpt=response.text,
            )
        progress[PUBLISH_ID] = publish_id
        if not pull:
            progress[UPLOAD_URL] = str(data.get("upload_url") or "")
            progress[CHUNK] = body["source_info"]["chunk_size"]
            progress[CHUNKS_DONE] = 0
        # The handle is saved before anything else can go wrong: from here on every
        # attempt continues this publish and never makes another.
        request.save_progress()
        if not pull:
            self._upload(video, request)
        return self._settle(channel, request)

    def _check_now(self, token: str, settings: dict, video: MediaItem | None, photo: bool):
        """TikTok asks for the creator's current options before each direct post; a
        setting the account does not have is refused here, before anything is sent."""
        info = self.creator_info_of(token)
        problems = creator_problems(settings, info, photo)
        limit = info.get("max_video_post_duration_sec")
        if video is not None and limit and video.duration and video.duration > limit:
            problems.append(("media", too_long(limit, video)))
        if problems:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                joined([text for _field, text in problems], SENTENCES),
                network_code="creator_info",
                field=problems[0][0],
            )

    def _post_info(self, request: PublishRequest, *, photo: bool) -> dict:
        settings = request.settings
        info: dict = {
            "privacy_level": settings.get("privacy_level"),
            "disable_comment": settings.get("comment") is not True,
            "brand_content_toggle": settings.get("brand_content_toggle") is True,
            "brand_organic_toggle": settings.get("brand_organic_toggle") is True,
        }
        if photo:
            info["title"] = str(settings.get("title") or "")
            info["description"] = request.text
            info["auto_add_music"] = settings.get("autoAddMusic") == "yes"
        else:
            info["title"] = request.text
            info["disable_duet"] = settings.get("duet") is not True
            info["disable_stitch"] = settings.get("stitch") is not True
            info["is_aigc"] = settings.get("video_made_with_ai") is True
        return info

    def _video_init(self, request: PublishRequest, video: MediaItem, direct: bool):
        pull = self.setting("TIKTOK_PULL_FROM_URL").lower() in ("1", "true", "yes")
        if direct and pull and video.public_url:
            source = {"source": "PULL_FROM_URL", "video_url": video.public_url}
            return (
                "/v2/post/publish/video/init/",
                {"post_info": self._post_info(request, photo=False), "source_info": source},
                True,
            )
        chunk, count = chunk_plan(video.size, self.chunk_size)
        source = {
            "source": "FILE_UPLOAD",
            "video_size": video.size,
            "chunk_size": chunk,
            "total_chunk_count": count,
        }
        if not direct:
            return "/v2/post/publish/inbox/video/init/", {"source_info": source}, False
        return (
            "/v2/post/publish/video/init/",
            {"post_info": self._post_info(request, photo=False), "source_info": source},
            False,
        )

    def _photo_init(self, request: PublishRequest, photos: list[MediaItem], direct: bool):
        missing = [p.filename for p in photos if not p.public_url]
        if missing:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "TikTok fetches photos from public addresses, and these have none: "
                        "%(files)s."
                    ),
                    files=", ".join(missing),
                ),
                field="media",
            )
        post_info = self._post_info(request, photo=True)
        if not direct:
            # Sent to the inbox the creator finishes it in the app, choosing the rest.
            post_info = {"title": post_info["title"], "description": post_info["description"]}
        body = {
            "post_info": post_info,
            "source_info": {
                "source": "PULL_FROM_URL",
                "photo_cover_index": 0,
                "photo_images": [p.public_url for p in photos],
            },
            "post_mode": DIRECT_POST if direct else "MEDIA_UPLOAD",
            "media_type": "PHOTO",
        }
        return "/v2/post/publish/content/init/", body

    def _upload(self, video: MediaItem, request: PublishRequest) -> None:
        """PUT the chunks still missing, in order, each streamed from the stored file; the
        count sent is saved after each one, so a later attempt sends only the rest."""
        progress = request.progress
        url = progress.get(UPLOAD_URL)
        if not url:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("TikTok gave no upload address for the video.")),
            )
        chunk = int(progress[CHUNK])
        ranges = chunk_ranges(video.size, chunk, max(video.size // chunk, 1))
        done = int(progress.get(CHUNKS_DONE) or 0)
        if done >= len(ranges):
            return
        with video.open() as handle:
            for index in range(done, len(ranges)):
                first, length = ranges[index]
                handle.seek(first)
                self.request(
                    "PUT",
                    url,
                    phase=Phase.UPLOAD,
                    timeout=self.upload_timeout,
                    data=_Slice(handle, length),
                    headers={
                        "Content-Type": video.mime_type,
                        "Content-Length": str(length),
                        "Content-Range": f"bytes {first}-{first + length - 1}/{video.size}",
                    },
                )
                progress[CHUNKS_DONE] = index + 1
                request.save_progress()

    def _resume(self, channel: Channel, request: PublishRequest) -> PublishResult:
        """Continue the publish an earlier attempt made: upload what is left, or wait."""
        progress = request.progress
        token = channel.credentials["access_token"]
        status = self._status(token, progress[PUBLISH_ID])
        if status.get("status") == "PROCESSING_UPLOAD" and progress.get(UPLOAD_URL):
            video = next((m for m in request.media if m.is_video), None)
            if video is not None:
                self._upload(video, request)
        return self._settle(channel, request)

    def _settle(self, channel: Channel, request: PublishRequest) -> PublishResult:
        """Check the publish a few times; pending (with its handle) if TikTok is still at
        it. A publish that FAILED for a reason another go may get past is forgotten, so
        the next attempt makes a new one (a failed publish made nothing)."""
        progress = request.progress
        token = channel.credentials["access_token"]
        handle = self.handle_for(progress)
        outcome: list[PublishResult] = []

        def done() -> bool:
            result = self._outcome(channel, token, handle, forget=progress)
            if result is not None:
                outcome.append(result)
            return result is not None

        if self.poll(done, attempts=self.poll_attempts, interval=self.poll_interval):
            return outcome[0]
        return PublishResult(ref=RemoteRef(id=""), state="pending", handle=handle)

    @staticmethod
    def handle_for(progress: dict) -> str:
        return json.dumps(
            {
                "publish_id": progress[PUBLISH_ID],
                "kind": progress.get(KIND, "video"),
                "mode": progress.get(MODE, "direct"),
            },
            separators=(",", ":"),
        )

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        return self._outcome(channel, channel.credentials["access_token"], handle)

    def _outcome(
        self, channel: Channel, token: str, handle: str, forget: dict | None = None
    ) -> PublishResult | None:
        """The publish's result when TikTok has one; None while it is still working."""
        named, publish_id = handle_parts(handle)
        return publish_outcome(
            self._status(token, publish_id),
            named=named,
            publish_id=publish_id,
            ids_key="publicaly_available_post_id",
            reason_key="fail_reason",
            ref=lambda post_id, kind: self._ref(channel, post_id, kind),
            forget=forget,
            forget_keys=(INIT_SENT, PUBLISH_ID, UPLOAD_URL, CHUNK, CHUNKS_DONE),
        )

    def _status(self, token: str, publish_id: str) -> dict:
        response = self.request(
            "POST",
            self.url("api", "/v2/post/publish/status/fetch/"),
            phase=Phase.READ,
            json={"publish_id": publish_id},
            headers=self._json_headers(token),
        )
        return self.read_json(response).get("data") or {}

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """After an unclear attempt: the publish named by its id, once TikTok made it.
        While it is still working (or its upload is unfinished) publishing again resumes
        it; a publish whose init went unanswered cannot be found (publish says so)."""
        progress = request.progress
        if not progress.get(PUBLISH_ID):
            return None
        try:
            result = self._outcome(
                channel,
                channel.credentials["access_token"],
                self.handle_for(progress),
                forget=progress,
            )
        except ProviderError as error:
            if error.kind in (ErrorKind.CONTENT_REJECTED, ErrorKind.TRANSIENT_BEFORE_SEND) or (
                error.verdict and error.kind == ErrorKind.RATE_LIMITED
            ):
                return None  # publishing again meets (or replaces) the failed publish
            raise
        return result.ref if result is not None else None

    # -- release ids ------------------------------------------------------------------------
    def _ref(self, channel: Channel, post_id: str, kind: str = "video") -> RemoteRef:
        username = (channel.username or "").lstrip("@")
        url = f"https://www.tiktok.com/@{username}/{kind}/{post_id}" if username else ""
        return RemoteRef(id=post_id, url=url)

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        # A video id, or a pasted link to it (…/@user/video/7312345678901234567).
        match = re.search(r"/(video|photo)/(\d+)", remote_id)
        if match:
            return self._ref(channel, match.group(2), match.group(1))
        return self._ref(channel, remote_id)

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        response = self.request(
            "POST",
            self.url("api", "/v2/video/list/"),
            phase=Phase.READ,
            params={"fields": "id,title,video_description,create_time,share_url"},
            json={"max_count": self.video_list_count},
            headers=self._json_headers(channel.credentials["access_token"]),
        )
        videos = (self.read_json(response).get("data") or {}).get("videos") or []
        found = []
        for video in videos:
            if not video.get("id"):
                continue
            ref = self._ref(channel, str(video["id"]))
            share = str(video.get("share_url") or "")
            if share.startswith("https://"):
                ref.url = share
            found.append(ref)
        return found

    # -- analytics -------------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Views, likes, comments and shares of the account's videos, 20 ids a request;
        TikTok answers only those it still has (and that are this account's)."""
        token = channel.credentials["access_token"]
        ids = list(dict.fromkeys(ref.id for ref in refs if ref.id))
        found: dict[str, Metrics] = {}
        for start in range(0, len(ids), VIDEOS_PER_QUERY):
            batch = ids[start : start + VIDEOS_PER_QUERY]
            with _naming_scope(
                VIDEOS_SCOPE,
                gettext_noop(
                    "TikTok did not let us read the counts of its videos (permission "
                    "%(scope)s); reconnect the TikTok channel and allow it."
                ),
            ):
                response = self.request(
                    "POST",
                    self.url("api", "/v2/video/query/"),
                    phase=Phase.READ,
                    params={"fields": ",".join(("id", *VIDEO_COUNTS))},
                    json={"filters": {"video_ids": batch}},
                    headers=self._json_headers(token),
                )
            videos = (self.read_json(response).get("data") or {}).get("videos") or []
            for video in videos:
                if isinstance(video, dict) and str(video.get("id") or "") in batch:
                    found[str(video["id"])] = Metrics(
                        {ours: video.get(theirs) for theirs, ours in VIDEO_COUNTS.items()}
                    )
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The account's followers today. Its likes_count and video_count are lifetime
        totals, not what a day brought, so they are not kept as a day's counts."""
        today = datetime.now(UTC).date()
        if not since <= today <= until:
            return {}
        with _naming_scope(
            STATS_SCOPE,
            gettext_noop(
                "TikTok did not let us read its follower count (permission %(scope)s); "
                "reconnect the TikTok channel and allow it."
            ),
        ):
            response = self.request(
                "GET",
                self.url("api", "/v2/user/info/"),
                phase=Phase.READ,
                params={"fields": "open_id,follower_count,likes_count,video_count"},
                headers=self.bearer(channel.credentials["access_token"]),
            )
        user = (self.read_json(response).get("data") or {}).get("user") or {}
        counts = Metrics({"followers": user.get("follower_count")})
        return {today: counts} if counts.values else {}

    # -- HTTP -----------------------------------------------------------------------------
    @staticmethod
    def _json_headers(token: str) -> dict:
        return {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json; charset=UTF-8",
        }

    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        error = super().classify_response(phase, response)
        # TikTok's support finds a request by its log id: kept for every failure and for
        # the call that creates a post.
        if error is not None:
            logger.info(
                "tiktok %s error %s log_id %s", phase, error.network_code, log_id_of(response)
            )
        elif phase == Phase.COMMIT:
            logger.info("tiktok %s ok log_id %s", phase, log_id_of(response))
        return error


@contextmanager
def _naming_scope(scope: str, message: str):
    """A refusal for want of a scope says which one to allow (``message``, a msgid naming
    ``%(scope)s``): channels connected before analytics lack it."""
    try:
        yield
    except ProviderError as error:
        if error.kind != ErrorKind.PERMISSION_DENIED:
            raise
        raise ProviderError(
            ErrorKind.PERMISSION_DENIED,
            Text(message, scope=scope),
            network_code=error.network_code,
            raw_excerpt=error.raw_excerpt,
        ) from error


# Sentences and list entries put together whole, each kept as a Text so a refusal written
# by the publisher is read later in each reader's language.
SENTENCES = gettext_noop("%(first)s %(rest)s")
LISTED = gettext_noop("%(first)s, %(rest)s")


def joined(texts: list[Text], how: str) -> Text:
    """Texts one after the other (``SENTENCES``) or as a list (``LISTED``)."""
    if len(texts) == 1:
        return texts[0]
    return Text(how, first=texts[0], rest=joined(texts[1:], how))


def privacy_label(level: str) -> Text:
    """Who can see a post, as people read it, with TikTok's name of the level."""
    label = PRIVACY_LABELS.get(level)
    who = Text(label) if label is not None else level
    return Text(gettext_noop("%(who)s (%(level)s)"), who=who, level=level)


def creator_problems(settings: dict, info: dict, photo: bool) -> list[tuple[str, Text]]:
    """What the creator's current options (TikTok's creator info) refuse in these
    settings, as (setting, sentence)."""
    problems: list[tuple[str, Text]] = []
    options = info.get("privacy_level_options") or []
    level = settings.get("privacy_level")
    if options and level in PRIVACY_LEVELS and level not in options:
        problems.append(
            (
                "privacy_level",
                Text(
                    gettext_noop(
                        "This TikTok account cannot post for %(who)s (%(level)s); it allows: "
                        "%(allowed)s."
                    ),
                    who=Text(PRIVACY_LABELS[level]),
                    level=level,
                    allowed=joined([privacy_label(o) for o in options], LISTED),
                ),
            )
        )
    interactions = ["comment"]
    if not photo:  # photo posts have no duets or stitches
        interactions += ["duet", "stitch"]
    for name in interactions:
        if settings.get(name) is True and info.get(f"{name}_disabled"):
            problems.append((name, Text(INTERACTIONS_OFF[name])))
    return problems


def too_long(limit: float, video: MediaItem) -> Text:
    return Text(
        gettext_noop(
            "This TikTok account can post videos up to %(max)s; %(file)s lasts %(duration)s."
        ),
        max=_seconds(limit),
        file=video.filename,
        duration=_seconds(video.duration),
    )


def _video_issues(index: int, file: MediaItem) -> list[Issue]:
    """What TikTok's video checks refuse, where the upload measured it."""
    issues = []
    low, high = FRAME_RATES
    if file.frame_rate and not low <= file.frame_rate <= high + 0.5:
        issues.append(
            Issue(
                "media_frame_rate",
                _(
                    "TikTok accepts videos of %(low)s to %(high)s frames per second; %(file)s has "
                    "%(rate)s."
                )
                % {"low": low, "high": high, "file": file.filename, "rate": f"{file.frame_rate:g}"},
                "media",
                item=index,
                limit=high if file.frame_rate > high else low,
                actual=file.frame_rate,
            )
        )
    small, big = VIDEO_SIDES
    sides = [s for s in (file.width, file.height) if s]
    if sides and (min(sides) < small or max(sides) > big):
        issues.append(
            Issue(
                "media_dimensions",
                _(
                    "TikTok accepts videos %(small)s to %(big)s pixels on each side; %(file)s is "
                    "%(size)s."
                )
                % {
                    "small": small,
                    "big": big,
                    "file": file.filename,
                    "size": f"{file.width}x{file.height}",
                },
                "media",
                item=index,
            )
        )
    return issues


def _seconds(value: float) -> str:
    value = round(float(value))
    minutes, seconds = divmod(int(value), 60)
    if minutes and seconds:
        return f"{minutes} min {seconds} s"
    return f"{minutes} min" if minutes else f"{seconds} s"
