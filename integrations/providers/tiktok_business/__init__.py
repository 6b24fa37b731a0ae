"""TikTok Business (TikTok API for Business, Accounts API v1.3): videos and photo posts on a
TikTok business account, through business-api.tiktok.com rather than the Content Posting
API of ``tiktok``.

It is its own network here because nearly everything a request carries differs: the
app comes from the TikTok API for Business portal (an app id and secret, not a Login Kit
client key), the token is sent as an ``Access-Token`` header, every call names the
account (``business_id``, the ``open_id`` the token answer gives), every answer is the
envelope ``{"code": 0, "message": "OK", "request_id": …, "data": …}`` with numeric codes
(HTTP 200 even for most errors), and TikTok fetches each video from its public address
in the same call that makes the post. What the two share (the publish states, the reasons
a publish FAILED, the account's posting options and the video checks) is imported from
``tiktok``.

The parts of a post after the first become comments under the video
(``/business/comment/create/``, 150 characters each), placed once TikTok has said the
video's id.

A publish is one call (``/business/video/publish/`` or ``/business/photo/publish/``), so
it is the commit. Its answer names the publish (``share_id``), which is the handle the
status endpoint is polled with, and is saved the moment it is known. After an unclear
commit nothing is ever published again for the item: the account's video list is
searched for it (caption and time), and if it is not there the post is left for the
person to confirm.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, urlencode

import requests
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
    MediaRules,
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
from integrations.providers.tiktok import (
    PHOTO_TYPES,
    PRIVACY_LEVELS,
    VIDEO_TYPES,
    TikTokProvider,
    _video_issues,
    photo_text_issues,
    too_long,
)
from integrations.providers.tiktok.status import handle_parts, publish_outcome
from integrations.providers.tiktok.upload import GB, MB
from integrations.providers.tiktok_business.errors import ERRORS, request_id_of
from organizations.texts import Text

logger = logging.getLogger(__name__)

CAPTION_LIMIT = 2200
COMMENT_LIMIT = 150
MAX_PHOTOS = 35
PHOTO_TITLE_LIMIT = 90
# Business videos are public (the video publish call takes no privacy level); photo posts
# take one of the same four levels as the Content Posting API.

# Progress keys of an item (saved between attempts).
SENT = "publish_sent"  # the publish call went out; from here on, never publish again
SENT_AT = "publish_sent_at"  # when (UTC, ISO): the video list is searched from here
PUBLISH_ID = "publish_id"  # the answer's share_id
KIND = "media_kind"  # video or photo, for the post's address

# A video the list shows a little before our clock said we sent it is still ours.
LOOKUP_SLACK = timedelta(minutes=5)
VIDEO_FIELDS = '["item_id","create_time","share_url","caption"]'
PROFILE_FIELDS = '["username","display_name","profile_image"]'


def normalise(text: str) -> str:
    """Captions as TikTok shows them back: NFC, spaces collapsed, no case."""
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


class TikTokBusinessProvider(Provider):
    identifier = "tiktok-business"
    display_name = "TikTok Business"
    network_name = "TikTok"
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "comment"
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
    # The publish's share_id once the commit answered; before that, the video list.
    idempotency = "container-handle"
    lookup = "by-content"
    async_publish = True
    # TikTok fetches, processes and moderates a video before it says it is public (about
    # a minute per GB, moderation sometimes hours): checked for longer than text networks.
    pending_window = 2 * 3600
    pending_growth = 1.5
    # Access tokens last a day (expires_in 86400); refresh tokens a year and rotate.
    refresh_ahead = 3600
    max_concurrency = 2
    scopes = (
        "user.info.basic",
        "user.info.username",
        "user.info.stats",
        "video.list",
        "video.publish",
        "comment.list",
        "comment.list.manage",
    )
    required_settings = ("TIKTOK_BUSINESS_APP_ID", "TIKTOK_BUSINESS_APP_SECRET")
    errors = ERRORS
    endpoints = {
        # The TikTok account holder's consent page (the app detail's authorization URL).
        "auth": "https://www.tiktok.com/v2/auth/authorize/",
        "api": "https://business-api.tiktok.com/open_api/v1.3",
    }
    settings_fields = (
        SettingField(
            "privacy_level",
            "enum",
            label=gettext_lazy("Who can see it (photo posts)"),
            choices=PRIVACY_LEVELS,
            help_text=gettext_lazy(
                "Photo posts only: business videos are public. Only the options the account has "
                "(see the creator_info tool)."
            ),
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
            "video_made_with_ai", "bool", label=gettext_lazy("Made with AI"), default=False
        ),
        SettingField(
            "upload_to_draft",
            "bool",
            label=gettext_lazy("Send to the account's TikTok drafts instead of posting"),
            default=False,
        ),
        SettingField(
            "autoAddMusic",
            "enum",
            label=gettext_lazy("Add music to photo posts"),
            choices=("yes", "no"),
            default="no",
        ),
        SettingField(
            "title", "string", label=gettext_lazy("Photo post title"), max_length=PHOTO_TITLE_LIMIT
        ),
    )
    tools = (
        Tool(
            "creator_info",
            gettext_lazy(
                "The business account's posting options on TikTok: who can see its posts, "
                "whether comments, duets and stitches can be allowed, and its longest video."
            ),
        ),
    )
    redact_patterns = (
        r'(?<="client_secret": ")[^"]+',
        r'(?<="refresh_token": ")[^"]+',
        r'(?<="access_token": ")[^"]+',
        r'(?<="client_secret":")[^"]+',
        r'(?<="refresh_token":")[^"]+',
        r'(?<="access_token":")[^"]+',
    )

    # Status checks within a publish before it is handed to the engine as pending: TikTok
    # fetches the video and processes it in about a minute for 1 GB.
    poll_attempts = 12
    poll_interval = 5.0
    video_list_count = 20

    # -- connecting -----------------------------------------------------------------------
    def authorization_url(self, *, state, redirect_uri, code_challenge="", instance=None) -> str:
        # The account holder signs in on TikTok, which names the Business app's id
        # "client_key" and lists scopes with commas.
        params = {
            "client_key": self.setting("TIKTOK_BUSINESS_APP_ID"),
            "response_type": "code",
            "scope": ",".join(self.scopes),
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self.url('auth')}/?{urlencode(params, quote_via=quote)}"

    def _token(self, path: str, body: dict) -> dict:
        response = self.request(
            "POST",
            self.url("api", path),
            phase=Phase.AUTH,
            json={
                "client_id": self.setting("TIKTOK_BUSINESS_APP_ID"),
                "client_secret": self.setting("TIKTOK_BUSINESS_APP_SECRET"),
                **body,
            },
        )
        return self.read_json(response, Phase.AUTH).get("data") or {}

    def _grant(self, data: dict) -> Grant:
        grant = Grant(
            credentials=token_credentials(data, "TikTok"),
            expires_at=expiry_after(data.get("expires_in")),
            refresh_expires_at=expiry_after(data.get("refresh_token_expires_in")),
            scopes=split_scopes(data.get("scope")),
        )
        if data.get("open_id"):
            grant.meta["open_id"] = str(data["open_id"])
        return grant

    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        grant = self._grant(
            self._token(
                "/tt_user/oauth2/token/",
                {
                    "grant_type": "authorization_code",
                    "auth_code": code,
                    "redirect_uri": redirect_uri,
                },
            )
        )
        if grant.scopes and "video.publish" not in grant.scopes:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "TikTok was not allowed to post for this business account; connect again "
                        "and allow posting videos."
                    )
                ),
                network_code="scope",
            )
        if not grant.meta.get("open_id"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("TikTok did not say which account signed in.")),
            )
        return grant

    def refresh(self, channel: Channel) -> Grant:
        # The refresh token rotates: the answer's pair replaces ours (the caller saves it,
        # under the channel's lock, before the new access token is used).
        token = channel.credentials.get("refresh_token")
        if not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED, Text(gettext_noop("TikTok needs you to reconnect."))
            )
        return self._grant(
            self._token(
                "/tt_user/oauth2/refresh_token/",
                {"grant_type": "refresh_token", "refresh_token": token},
            )
        )

    def _account(self, token: str, business_id: str) -> Account:
        response = self._get(
            token, "/business/get/", {"business_id": business_id, "fields": PROFILE_FIELDS}
        )
        profile = self.read_json(response).get("data") or {}
        username = str(profile.get("username") or "")
        meta: dict = {}
        try:
            meta["creator_info"] = self.creator_info_of(token, business_id)
        except ProviderError as error:
            # A grant without the settings permission still posts; the validator then
            # checks only what it knows.
            if error.kind != ErrorKind.PERMISSION_DENIED:
                raise
        return Account(
            external_id=business_id,
            name=str(profile.get("display_name") or username),
            username=username,
            profile_url=f"https://www.tiktok.com/@{username}" if username else "",
            avatar_url=str(profile.get("profile_image") or ""),
            meta=meta,
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.credentials["access_token"], grant.meta["open_id"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(channel.credentials["access_token"], channel.external_id)

    # -- the account's posting options ----------------------------------------------------
    def creator_info_of(self, token: str, business_id: str) -> dict:
        response = self._get(token, "/business/video/settings/", {"business_id": business_id})
        data = self.read_json(response).get("data") or {}
        return {
            "privacy_level_options": [str(o) for o in data.get("privacy_level_options") or []],
            "comment_disabled": bool(data.get("comment_disabled")),
            "duet_disabled": bool(data.get("duet_disabled")),
            "stitch_disabled": bool(data.get("stitch_disabled")),
            "max_video_post_duration_sec": int(data.get("max_video_post_duration_sec") or 0),
        }

    def creator_info(self, channel: Channel) -> dict:
        """The look-up tool: the account's posting options as TikTok gives them now."""
        return self.creator_info_of(channel.credentials["access_token"], channel.external_id)

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        settings = draft.settings
        media = draft.items[0].media if draft.items else []
        photo = bool(media) and not any(m.is_video for m in media)
        if len(draft.items) > 1 and settings.get("upload_to_draft") is True:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "A post sent to the TikTok drafts has no comments yet; remove the other "
                        "parts, or post it directly."
                    ),
                    "upload_to_draft",
                    item=1,
                )
            )
        if photo and not settings.get("privacy_level"):
            issues.append(
                Issue(
                    "setting_required",
                    _("TikTok photo posts need a choice of who can see them."),
                    "privacy_level",
                )
            )
        if (
            photo
            and settings.get("brand_content_toggle") is True
            and settings.get("privacy_level") == "SELF_ONLY"
        ):
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
        options = dict(settings)
        if not photo:
            options.pop("privacy_level", None)  # a video's visibility is not ours to set
        issues += TikTokProvider._check_creator_options(options, info, photo)
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

    def validate_item(self, index: int, item: DraftItem, channel: Channel | None) -> list[Issue]:
        if index > 0:
            return self._comment_issues(index, item)
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
                            "TikTok Business fetches media from a public address, and "
                            "%(file)s has none. Store media where TikTok can reach it (see the "
                            "README, media)."
                        )
                        % {"file": file.filename},
                        "media",
                        item=index,
                    )
                )
        for file in videos:
            issues += _video_issues(index, file)
        return issues

    def _comment_issues(self, index: int, item: DraftItem) -> list[Issue]:
        """A later part is a comment under the video: text only, 150 characters."""
        issues = []
        length = self.count_text(item.text)
        if not item.text.strip():
            issues.append(Issue("text_required", _("Write the comment."), item=index))
        elif length > COMMENT_LIMIT:
            issues.append(
                Issue(
                    "text_too_long",
                    _("TikTok comments have at most %(limit)d characters; this has %(length)d.")
                    % {"limit": COMMENT_LIMIT, "length": length},
                    item=index,
                    limit=COMMENT_LIMIT,
                    actual=length,
                )
            )
        if item.media:
            issues.append(
                Issue(
                    "media_count",
                    _("A TikTok comment is text only; remove its files."),
                    "media",
                    item=index,
                )
            )
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        progress = request.progress
        if request.root is not None:
            return self._comment(channel, request)
        if progress.get(PUBLISH_ID):
            return self._settle(channel, request)
        if progress.get(SENT):
            # An earlier publish call went out and its answer never came: TikTok may have
            # made the post, and the video list did not show it (yet). Publishing again
            # could post twice.
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "TikTok did not say whether it took this post, and it is not among the "
                        "account's videos yet; check the TikTok account before posting again."
                    )
                ),
                network_code="publish_unclear",
            )
        media = request.media
        if not media:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("TikTok posts need a video or photos.")),
                field="media",
            )
        missing = [m.filename for m in media if not m.public_url]
        if missing:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "TikTok Business fetches media from public addresses, and these have "
                        "none: %(files)s."
                    ),
                    files=", ".join(missing),
                ),
                field="media",
            )
        video = media[0] if media[0].is_video else None
        if video is not None:
            path, body = "/business/video/publish/", self._video_body(channel, request)
        else:
            path, body = "/business/photo/publish/", self._photo_body(channel, request)
        progress[SENT] = True
        progress[SENT_AT] = datetime.now(UTC).isoformat()
        progress[KIND] = "video" if video is not None else "photo"
        try:
            response = self.request(
                "POST",
                self.url("api", path),
                phase=Phase.COMMIT,
                json=body,
                headers=self._headers(channel.credentials["access_token"]),
            )
        except ProviderError as error:
            if error.kind != ErrorKind.UNKNOWN_OUTCOME:
                # TikTok answered clearly that it made nothing (an expired token, a
                # refusal): the next attempt may publish.
                for key in (SENT, SENT_AT):
                    progress.pop(key, None)
            raise
        data = self.read_json(response, Phase.COMMIT).get("data") or {}
        publish_id = str(data.get("share_id") or "")
        if not publish_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("TikTok accepted the post but did not say which publish it made.")
                ),
                raw_excerpt=self.redact(response.text[:500]),
            )
        progress[PUBLISH_ID] = publish_id
        # The handle is saved before anything else can go wrong: from here on every
        # attempt follows this publish and never makes another.
        request.before_commit()
        return self._settle(channel, request)

    def _comment(self, channel: Channel, request: PublishRequest) -> PublishResult:
        """A later part: a comment under the video the first part made."""
        progress = request.progress
        video_id = request.root.id if request.root else ""
        if not video_id:
            # A draft, or a video TikTok made without saying its id: nothing to comment on.
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "TikTok has not said the video's id (it went to the drafts, or is still in "
                        "moderation), so its comments could not be placed."
                    )
                ),
                network_code="no_video_id",
            )
        if progress.get(SENT):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "TikTok did not say whether it took this comment, and it is not under the "
                        "video yet; check the video before commenting again."
                    )
                ),
                network_code="comment_unclear",
            )
        progress[SENT] = True
        progress[SENT_AT] = datetime.now(UTC).isoformat()
        try:
            response = self.request(
                "POST",
                self.url("api", "/business/comment/create/"),
                phase=Phase.COMMIT,
                json={
                    "business_id": channel.external_id,
                    "video_id": video_id,
                    "text": request.text,
                },
                headers=self._headers(channel.credentials["access_token"]),
            )
        except ProviderError as error:
            if error.kind != ErrorKind.UNKNOWN_OUTCOME:
                for key in (SENT, SENT_AT):
                    progress.pop(key, None)
            raise
        data = self.read_json(response, Phase.COMMIT).get("data") or {}
        comment_id = str(data.get("comment_id") or "")
        if not comment_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "TikTok accepted the comment but did not say which comment it made."
                    )
                ),
                raw_excerpt=self.redact(response.text[:500]),
            )
        return PublishResult(ref=RemoteRef(id=comment_id, url=request.root.url))

    def _find_comment(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The account's own comment with this text under the video, made since we sent."""
        since = _parse_time(request.progress.get(SENT_AT))
        response = self._get(
            channel.credentials["access_token"],
            "/business/comment/list/",
            {
                "business_id": channel.external_id,
                "video_id": request.root.id,
                "sort_field": "create_time",
                "sort_order": "desc",
                "max_count": 30,
            },
        )
        comments = (self.read_json(response).get("data") or {}).get("comments") or []
        wanted = normalise(request.text)
        for comment in comments:
            if not isinstance(comment, dict) or not comment.get("comment_id"):
                continue
            if comment.get("owner") is not True or normalise(comment.get("text") or "") != wanted:
                continue
            created = _epoch(comment.get("create_time"))
            if since and created and created < since - LOOKUP_SLACK:
                continue
            return RemoteRef(id=str(comment["comment_id"]), url=request.root.url)
        return None

    def _common_info(self, settings: dict) -> dict:
        return {
            "is_brand_organic": settings.get("brand_organic_toggle") is True,
            "is_branded_content": settings.get("brand_content_toggle") is True,
            "disable_comment": settings.get("comment") is not True,
        }

    def _video_body(self, channel: Channel, request: PublishRequest) -> dict:
        settings = request.settings
        post_info = {
            "caption": request.text,
            **self._common_info(settings),
            "disable_duet": settings.get("duet") is not True,
            "disable_stitch": settings.get("stitch") is not True,
            "is_ai_generated": settings.get("video_made_with_ai") is True,
        }
        if settings.get("upload_to_draft") is True:
            post_info["upload_to_draft"] = True
        return {
            "business_id": channel.external_id,
            "video_url": request.media[0].public_url,
            "post_info": post_info,
        }

    def _photo_body(self, channel: Channel, request: PublishRequest) -> dict:
        settings = request.settings
        post_info = {
            "privacy_level": settings.get("privacy_level"),
            "title": str(settings.get("title") or ""),
            "caption": request.text,
            "auto_add_music": settings.get("autoAddMusic") == "yes",
            **self._common_info(settings),
        }
        if settings.get("upload_to_draft") is True:
            post_info["is_draft"] = True
        return {
            "business_id": channel.external_id,
            "photo_images": [m.public_url for m in request.media],
            "photo_cover_index": 0,
            "post_info": post_info,
        }

    def _settle(self, channel: Channel, request: PublishRequest) -> PublishResult:
        """Check the publish a few times; pending (with its handle) if TikTok is still at
        it. A publish that FAILED for a reason another go may get past is forgotten, so
        the next attempt makes a new one (a failed publish made nothing)."""
        progress = request.progress
        handle = self.handle_for(progress)
        outcome: list[PublishResult] = []

        def done() -> bool:
            result = self._outcome(channel, handle, forget=progress)
            if result is not None:
                outcome.append(result)
            return result is not None

        if self.poll(done, attempts=self.poll_attempts, interval=self.poll_interval):
            return outcome[0]
        return PublishResult(ref=RemoteRef(id=""), state="pending", handle=handle)

    @staticmethod
    def handle_for(progress: dict) -> str:
        return json.dumps(
            {"publish_id": progress[PUBLISH_ID], "kind": progress.get(KIND, "video")},
            separators=(",", ":"),
        )

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        return self._outcome(channel, handle)

    def _outcome(
        self, channel: Channel, handle: str, forget: dict | None = None
    ) -> PublishResult | None:
        """The publish's result when TikTok has one; None while it is still working."""
        named, publish_id = handle_parts(handle)
        response = self._get(
            channel.credentials["access_token"],
            "/business/publish/status/",
            {"business_id": channel.external_id, "publish_id": publish_id},
        )
        return publish_outcome(
            self.read_json(response).get("data") or {},
            named=named,
            publish_id=publish_id,
            ids_key="post_ids",
            reason_key="reason",
            ref=lambda post_id, kind: self._ref(channel, post_id, kind),
            forget=forget,
            forget_keys=(SENT, SENT_AT, PUBLISH_ID),
        )

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """After an unclear attempt: the publish by its id when TikTok named it, else the
        account's video with this caption made since we sent it."""
        progress = request.progress
        if request.root is not None:
            if not progress.get(SENT) or not request.root.id:
                return None
            return self._find_comment(channel, request)
        if progress.get(PUBLISH_ID):
            try:
                result = self._outcome(channel, self.handle_for(progress), forget=progress)
            except ProviderError as error:
                if error.kind in (ErrorKind.CONTENT_REJECTED, ErrorKind.TRANSIENT_BEFORE_SEND) or (
                    error.verdict and error.kind == ErrorKind.RATE_LIMITED
                ):
                    return None  # publishing again meets (or replaces) the failed publish
                raise
            return result.ref if result is not None else None
        if not progress.get(SENT):
            return None
        since = _parse_time(progress.get(SENT_AT))
        wanted = normalise(request.text)
        for video in self._videos(channel):
            if normalise(str(video.get("caption") or "")) != wanted:
                continue
            created = _epoch(video.get("create_time"))
            if since and created and created < since - LOOKUP_SLACK:
                continue  # an older video with the same caption, not this one
            return self._video_ref(channel, video)
        return None

    # -- release ids ----------------------------------------------------------------------
    def _ref(self, channel: Channel, post_id: str, kind: str = "video") -> RemoteRef:
        username = (channel.username or "").lstrip("@")
        url = f"https://www.tiktok.com/@{username}/{kind}/{post_id}" if username else ""
        return RemoteRef(id=post_id, url=url)

    def _video_ref(self, channel: Channel, video: dict) -> RemoteRef:
        ref = self._ref(channel, str(video["item_id"]))
        share = str(video.get("share_url") or "")
        if share.startswith("https://"):
            ref.url = share
        return ref

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        # A video id, or a pasted link to it (…/@user/video/7312345678901234567).
        match = re.search(r"/(video|photo)/(\d+)", remote_id)
        if match:
            return self._ref(channel, match.group(2), match.group(1))
        return self._ref(channel, remote_id.strip())

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [self._video_ref(channel, video) for video in self._videos(channel)]

    def _videos(self, channel: Channel) -> list[dict]:
        response = self._get(
            channel.credentials["access_token"],
            "/business/video/list/",
            {
                "business_id": channel.external_id,
                "fields": VIDEO_FIELDS,
                "max_count": self.video_list_count,
            },
        )
        videos = (self.read_json(response).get("data") or {}).get("videos") or []
        return [v for v in videos if isinstance(v, dict) and v.get("item_id")]

    # -- HTTP -----------------------------------------------------------------------------
    @staticmethod
    def _headers(token: str) -> dict:
        # The API for Business takes the bare token in its own header (no "Bearer").
        return {"Access-Token": token, "Content-Type": "application/json"}

    def _get(self, token: str, path: str, params: dict) -> requests.Response:
        return self.request(
            "GET",
            self.url("api", path),
            phase=Phase.READ,
            params=params,
            headers={"Access-Token": token},
        )

    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        error = super().classify_response(phase, response)
        # TikTok's support finds a request by its request id: kept for every failure and
        # for the call that creates a post.
        if error is not None:
            logger.info(
                "tiktok-business %s error %s request_id %s",
                phase,
                error.network_code,
                request_id_of(response),
            )
        elif phase == Phase.COMMIT:
            logger.info("tiktok-business %s ok request_id %s", phase, request_id_of(response))
        return error


def _parse_time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _epoch(value) -> datetime | None:
    """The video list's create_time: seconds since the epoch, as a string or a number."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return None
