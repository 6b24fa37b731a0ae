"""Facebook Pages: Facebook Login, then the Pages to post to, each with its own Page token.

Posts go to ``/{page}/feed`` (text, a link, photos uploaded unpublished first and attached),
videos through the resumable upload on graph-video (start, transfer, finish), reels and
video stories through ``video_reels``/``video_stories`` and Meta's upload host, and photo
stories through ``photo_stories``. The step that makes the post public (the feed post, a
video's ``finish``, a story's publish) is the commit; everything before it is kept in the
item's progress so a retry, or a worker started after a crash, resumes where it stopped.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    Account,
    Channel,
    Draft,
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
)
from integrations.providers.meta import (
    GRAPH,
    GRAPH_VERSION,
    day_windows,
    facebook_login,
    graph_errors,
    insight_days,
    insight_totals,
    insights_refused,
    pages,
    today,
)
from integrations.providers.meta import normalise as normalise
from organizations.texts import Text

MB = 1024 * 1024
# Meta's photo limit for Pages (JPEG, PNG, GIF, BMP, TIFF; 4 MB recommended, 10 MB max).
PHOTO_MAX_BYTES = 10 * MB
# Page videos: up to 10 GB through the resumable upload; reels 3 to 90 s; stories 3 to 60 s.
VIDEO_MAX_BYTES = 10 * 1024 * MB
REEL_SECONDS = (3.0, 90.0)
STORY_VIDEO_SECONDS = (3.0, 60.0)
# Meta asks for 9:16 reels; the accepted range around it.
REEL_RATIO = (0.5, 0.6)

# A post's counts in one read: its insights (views and reach replaced impressions and
# unique impressions in 2025) beside the reactions, comments and shares the post carries.
POST_FIELDS = (
    "insights.metric(post_media_view,post_total_media_view_unique,post_clicks),"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
)
POST_INSIGHTS = {
    "post_media_view": "views",
    "post_total_media_view_unique": "reach",
    "post_clicks": "clicks",
}
PAGE_INSIGHTS = {"page_media_view": "views", "page_total_media_view_unique": "reach"}
INSIGHTS_PERMISSION = "read_insights"

ERRORS = graph_errors(
    expired=ErrorKind.AUTH_REVOKED,
    expired_message=gettext_noop(
        "Facebook no longer accepts this Page's sign-in; reconnect the channel."
    ),
    containers=False,
)


class FacebookProvider(Provider):
    identifier = "facebook"
    display_name = "Facebook Page"
    network_name = "Facebook"
    auth_kind = "oauth2"
    account_selection = "pages"
    reply_mode = "comment"
    text_counter = "codepoints"
    text_limit = 63206
    media_rules = MediaRules(
        max_count=10,
        mime_types=("image/jpeg", "image/png", "image/gif", "video/mp4", "video/quicktime"),
        max_image_bytes=PHOTO_MAX_BYTES,
        max_video_bytes=VIDEO_MAX_BYTES,
        video_alone=True,
    )
    idempotency = "none"
    lookup = "by-content"
    # A Page token taken from a long-lived user token does not expire: nothing to renew.
    refresh_ahead = 0
    max_concurrency = 10
    scopes = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_metadata",
        "pages_manage_engagement",
        "publish_video",
        "read_insights",
    )
    oauth = OAuth2(
        client=("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET"),
        scope_separator=",",
        reconnect_message=gettext_noop("Facebook needs you to reconnect this Page."),
    )
    analytics = "both"
    # The Graph API reads up to 50 objects by ``?ids=``; a Page may make 4,800 calls per
    # 24 h times its engaged users, so 200 an hour leaves room for publishing.
    metrics_batch = 50
    metrics_per_hour = 200
    required_settings = ("FACEBOOK_APP_ID", "FACEBOOK_APP_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
        "api": "https://graph.facebook.com",
        "video": "https://graph-video.facebook.com",
    }
    settings_fields = (
        SettingField(
            "url",
            "url",
            label=gettext_lazy("Link"),
            help_text=gettext_lazy("Shared with the post as a link."),
        ),
        SettingField(
            "post_type",
            "enum",
            label=gettext_lazy("Post type"),
            choices=("post", "reel", "story"),
            default="post",
            help_text=gettext_lazy("A reel is one vertical video; a story is one photo or video."),
        ),
        SettingField(
            "text_format_preset_id",
            "string",
            label=gettext_lazy("Background preset"),
            max_length=40,
            help_text=gettext_lazy("A coloured-background preset id, for short text-only posts."),
        ),
    )
    tools = (
        Tool(
            "pages",
            gettext_lazy("The Facebook Pages this sign-in can post to: id, name and username."),
        ),
    )
    redact_patterns = (
        r"(?<=access_token=)[^&\s]+",
        r"(?<=client_secret=)[^&\s]+",
        r"(?<=fb_exchange_token=)[^&\s]+",
        r"(?<=code=)[^&\s]+",
    )
    lookup_count = 25

    # -- connecting -----------------------------------------------------------------------
    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        return facebook_login(
            self, code=code, redirect_uri=redirect_uri, needed="pages_manage_posts"
        )

    def accounts(self, grant: Grant) -> list[Account]:
        """One choice per Page the person may create content on, with its Page token."""
        found = []
        for page in pages(
            self,
            grant.credentials["user_access_token"],
            "id,name,username,access_token,tasks,picture{url}",
        ):
            tasks = page.get("tasks")
            if tasks is not None and "CREATE_CONTENT" not in tasks:
                continue  # a Page this person can only moderate or analyse
            if page.get("id") and page.get("access_token"):
                found.append(
                    self._account(page, credentials={"access_token": page["access_token"]})
                )
        return found

    def _account(self, page: dict, credentials: dict | None = None) -> Account:
        page_id = str(page["id"])
        username = page.get("username") or ""
        return Account(
            external_id=page_id,
            name=page.get("name") or username or page_id,
            username=username,
            profile_url=f"https://www.facebook.com/{username or page_id}",
            avatar_url=((page.get("picture") or {}).get("data") or {}).get("url") or "",
            kind="page",
            credentials=credentials or {},
        )

    def fetch_profile(self, channel: Channel) -> Account:
        response = self._get(
            channel, f"/{channel.external_id}", {"fields": "id,name,username,picture{url}"}
        )
        return self._account(self.read_json(response))

    def refresh(self, channel: Channel) -> Grant:
        # Page tokens do not expire and cannot be renewed; a dead one needs a new login.
        raise ProviderError(
            ErrorKind.AUTH_REVOKED,
            Text(
                gettext_noop(
                    "Facebook no longer accepts this Page's sign-in; reconnect the channel."
                )
            ),
        )

    # -- look-up tools --------------------------------------------------------------------
    def pages(self, channel: Channel) -> list[dict]:
        # Listing Pages needs the person's own token (60 days), not the Page's: when it
        # has run out the Page still posts, so the channel is not marked for reconnecting.
        stale = ProviderError(
            ErrorKind.PERMISSION_DENIED,
            Text(
                gettext_noop(
                    "The Facebook sign-in that lists your Pages has run out (it lasts 60 days); "
                    "reconnect to list them again. Posting to this Page still works."
                )
            ),
        )
        token = channel.credentials.get("user_access_token")
        if not token:
            raise stale
        try:
            accounts = self.accounts(Grant(credentials={"user_access_token": token}))
        except ProviderError as error:
            if error.kind in (ErrorKind.AUTH_EXPIRED, ErrorKind.AUTH_REVOKED):
                stale.network_code = error.network_code
                raise stale from error
            raise
        return [
            {
                "id": account.external_id,
                "name": account.name,
                "username": account.username,
                "url": account.profile_url,
            }
            for account in accounts
        ]

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        kind = draft.settings.get("post_type") or "post"
        first = draft.items[0].media if draft.items else []
        videos = [m for m in first if m.is_video]
        if kind in ("story", "reel") and (len(first) != 1 or (kind == "reel" and not videos)):
            if not first:
                code = "media_required"
            elif len(first) == 1:
                code = "media_type"  # a reel of a photo
            else:
                code = "media_count"
            issues.append(
                Issue(
                    code,
                    _("A Facebook reel is one vertical video.")
                    if kind == "reel"
                    else _("A Facebook story is one photo or one video."),
                    "media",
                    limit=1,
                    actual=len(first),
                )
            )
        if kind == "reel":
            for video in videos:
                issues += _duration(video, REEL_SECONDS, "reel")
                ratio = _ratio(video)
                if ratio is not None and not REEL_RATIO[0] <= ratio <= REEL_RATIO[1]:
                    issues.append(
                        Issue(
                            "media_ratio",
                            _("A Facebook reel is vertical (9:16); %(file)s is %(size)s.")
                            % {"file": video.filename, "size": f"{video.width}x{video.height}"},
                            "media",
                            actual=round(ratio, 3),
                        )
                    )
        if kind == "story":
            for video in videos:
                issues += _duration(video, STORY_VIDEO_SECONDS, "story")
        if kind != "post" and draft.settings.get("url"):
            issues.append(
                Issue(
                    "setting_invalid",
                    _("A Facebook reel cannot carry a link.")
                    if kind == "reel"
                    else _("A Facebook story cannot carry a link."),
                    "url",
                )
            )
        if kind == "post" and draft.settings.get("url") and first:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "Facebook shows either a link preview or the media; the link will not be "
                        "attached to a post with files (put it in the text instead)."
                    ),
                    "url",
                    severity="warning",
                )
            )
        if draft.settings.get("text_format_preset_id") and first:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "A coloured background applies to text-only posts; remove the media or "
                        "the background."
                    ),
                    "text_format_preset_id",
                )
            )
        if kind == "story" and len(draft.items) > 1:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "A Facebook story takes no comments; remove the first comment or post it "
                        "as a post."
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
                        _("Comments are posted as text; keep files on the first post."),
                        "media",
                        item=index,
                    )
                )
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        parent = request.root or request.reply_to
        if parent is not None:
            return self._comment(channel, request, parent)
        kind = request.settings.get("post_type") or "post"
        video = next((m for m in request.media if m.is_video), None)
        if kind == "story":
            if video is not None:
                return self._video_story(channel, request, video)
            return self._photo_story(channel, request)
        if kind == "reel" and video is not None:
            return self._reel(channel, request, video)
        if video is not None:
            return self._video(channel, request, video)
        return self._feed(channel, request)

    def _feed(self, channel: Channel, request: PublishRequest) -> PublishResult:
        photos = self._upload_photos(channel, request)
        form: dict = {"message": request.text, "published": "true"}
        link = str(request.settings.get("url") or "").strip()
        if link and not photos:
            form["link"] = link
        preset = str(request.settings.get("text_format_preset_id") or "").strip()
        if preset and not photos:
            form["text_format_preset_id"] = preset
        for index, photo in enumerate(photos):
            form[f"attached_media[{index}]"] = f'{{"media_fbid":"{photo}"}}'
        response = self._post(channel, f"/{channel.external_id}/feed", Phase.COMMIT, data=form)
        post_id = str(self.read_json(response, Phase.COMMIT).get("id") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Facebook accepted the post but did not say which post it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=self._post_ref(channel, post_id), raw={"id": post_id})

    def _upload_photos(self, channel: Channel, request: PublishRequest) -> list[str]:
        """Each photo uploaded unpublished, once: its id is kept before the next one."""
        done = list(request.progress.get("photos") or [])
        for item in request.media[len(done) :]:
            done.append(self._upload_photo(channel, item))
            request.progress["photos"] = list(done)
        return done

    def _upload_photo(self, channel: Channel, item: MediaItem) -> str:
        # The bytes themselves, not a link: Facebook need not reach this server's media
        # (photos are small, at most 10 MB).
        form = {"published": "false"}
        if item.alt_text:
            form["alt_text_custom"] = item.alt_text
        response = self._post(
            channel,
            f"/{channel.external_id}/photos",
            Phase.UPLOAD,
            data=form,
            files={"source": (item.filename, item.read(), item.mime_type)},
            timeout=self.upload_timeout,
        )
        photo = str(self.read_json(response, Phase.UPLOAD).get("id") or "")
        if not photo:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Facebook did not keep the photo; we will try again.")),
                raw_excerpt=response.text,
            )
        return photo

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
                        "Facebook accepted the comment but did not say which comment it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(
            ref=RemoteRef(id=comment, url=parent.url, extra={"parent": parent.id}),
            raw={"id": comment},
        )

    # -- videos: the resumable upload on graph-video --------------------------------------
    def _video(self, channel: Channel, request: PublishRequest, item: MediaItem) -> PublishResult:
        state = self._video_state(request, item)
        if "session" not in state:
            response = self._post(
                channel,
                f"/{channel.external_id}/videos",
                Phase.UPLOAD,
                host="video",
                data={"upload_phase": "start", "file_size": str(item.size)},
            )
            data = self.read_json(response, Phase.UPLOAD)
            if not data.get("upload_session_id") or not data.get("video_id"):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "Facebook did not open an upload for the video; we will try again."
                        )
                    ),
                    raw_excerpt=response.text,
                )
            state = self._save_video(
                request,
                state,
                size=item.size,
                session=str(data["upload_session_id"]),
                video_id=str(data["video_id"]),
                start=int(data.get("start_offset") or 0),
                end=int(data.get("end_offset") or 0),
            )
        while state["start"] < state["end"]:
            start, end = state["start"], state["end"]
            response = self._post(
                channel,
                f"/{channel.external_id}/videos",
                Phase.UPLOAD,
                host="video",
                timeout=self.upload_timeout,
                data={
                    "upload_phase": "transfer",
                    "upload_session_id": state["session"],
                    "start_offset": str(start),
                },
                files={
                    "video_file_chunk": (
                        item.filename,
                        item.read_range(start, end - start),
                        "application/octet-stream",
                    )
                },
            )
            data = self.read_json(response, Phase.UPLOAD)
            try:
                state = self._save_video(
                    request, state, start=int(data["start_offset"]), end=int(data["end_offset"])
                )
            except (KeyError, TypeError, ValueError):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "Facebook did not confirm a part of the video upload; we will try "
                            "again."
                        )
                    ),
                    raw_excerpt=response.text,
                ) from None
        form = {
            "upload_phase": "finish",
            "upload_session_id": state["session"],
            "description": request.text,
            "published": "true",
        }
        response = self._post(
            channel, f"/{channel.external_id}/videos", Phase.COMMIT, host="video", data=form
        )
        data = self.read_json(response, Phase.COMMIT)
        if data.get("success") is not True:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Facebook answered the video's publish without saying it succeeded."
                    )
                ),
                raw_excerpt=response.text,
            )
        video_id = state["video_id"]
        url = f"https://www.facebook.com/{channel.external_id}/videos/{video_id}"
        return PublishResult(ref=RemoteRef(id=video_id, url=url), raw=data)

    @staticmethod
    def _video_state(request: PublishRequest, item: MediaItem) -> dict:
        state = dict(request.progress.get("video") or {})
        if state.get("size") not in (None, item.size):
            state = {}  # a different file than the one this progress describes
        return state

    @staticmethod
    def _save_video(request: PublishRequest, state: dict, **changes) -> dict:
        """The upload's state, saved at once: a worker that dies mid-upload leaves the next
        one the session and offset to resume from (not the commit: nothing is public before
        ``finish``). A new dict each time, so the engine's saver sees it changed."""
        state = {**state, **changes}
        request.progress["video"] = state
        request.save_progress()
        return state

    # -- reels and video stories: start, upload to Meta's upload host, finish -------------
    def _reel(self, channel: Channel, request: PublishRequest, item: MediaItem) -> PublishResult:
        edge = f"/{channel.external_id}/video_reels"
        state = self._hosted_upload(channel, request, item, edge)
        form = {
            "upload_phase": "finish",
            "video_id": state["video_id"],
            "video_state": "PUBLISHED",
            "description": request.text,
        }
        data = self._finish(channel, edge, form)
        video_id = state["video_id"]
        return PublishResult(
            ref=RemoteRef(id=video_id, url=f"https://www.facebook.com/reel/{video_id}"), raw=data
        )

    def _video_story(
        self, channel: Channel, request: PublishRequest, item: MediaItem
    ) -> PublishResult:
        edge = f"/{channel.external_id}/video_stories"
        state = self._hosted_upload(channel, request, item, edge)
        data = self._finish(
            channel, edge, {"upload_phase": "finish", "video_id": state["video_id"]}
        )
        post_id = str(data.get("post_id") or state["video_id"])
        return PublishResult(ref=self._story_ref(post_id), raw=data)

    def _photo_story(self, channel: Channel, request: PublishRequest) -> PublishResult:
        photos = self._upload_photos(channel, request)
        if not photos:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("A Facebook story needs a photo or a video.")),
                field="media",
            )
        photo = photos[0]
        response = self._post(
            channel, f"/{channel.external_id}/photo_stories", Phase.COMMIT, data={"photo_id": photo}
        )
        data = self.read_json(response, Phase.COMMIT)
        if data.get("success") is not True:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Facebook answered the story without saying it was published.")),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=self._story_ref(str(data.get("post_id") or photo)), raw=data)

    def _finish(self, channel: Channel, edge: str, form: dict) -> dict:
        response = self._post(channel, edge, Phase.COMMIT, data=form)
        data = self.read_json(response, Phase.COMMIT)
        if data.get("success") is not True:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Facebook answered the video's publish without saying it succeeded."
                    )
                ),
                raw_excerpt=response.text,
            )
        return data

    def _hosted_upload(
        self, channel: Channel, request: PublishRequest, item: MediaItem, edge: str
    ) -> dict:
        """``upload_phase=start`` gives a video id and an upload address; the file is sent
        there from the first byte Meta does not have yet (asked after an interruption)."""
        state = self._video_state(request, item)
        if "video_id" not in state:
            response = self._post(channel, edge, Phase.UPLOAD, data={"upload_phase": "start"})
            data = self.read_json(response, Phase.UPLOAD)
            if not data.get("video_id") or not data.get("upload_url"):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "Facebook did not open an upload for the video; we will try again."
                        )
                    ),
                    raw_excerpt=response.text,
                )
            state = self._save_video(
                request,
                state,
                size=item.size,
                video_id=str(data["video_id"]),
                upload_url=str(data["upload_url"]),
            )
        if not state.get("uploaded"):
            offset = self._bytes_received(channel, state) if state.get("started") else 0
            state = self._save_video(request, state, started=True)
            token = channel.credentials["access_token"]
            with item.open() as stream:
                stream.seek(offset)
                response = self.request(
                    "POST",
                    state["upload_url"],
                    phase=Phase.UPLOAD,
                    timeout=self.upload_timeout,
                    data=stream,
                    headers={
                        "Authorization": f"OAuth {token}",
                        "offset": str(offset),
                        "file_size": str(item.size),
                        "Content-Length": str(item.size - offset),
                        "Content-Type": "application/octet-stream",
                    },
                )
            if self.read_json(response, Phase.UPLOAD).get("success") is not True:
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "Facebook did not confirm the video upload; we will try again."
                        )
                    ),
                    raw_excerpt=response.text,
                )
            state = self._save_video(request, state, uploaded=True)
        return state

    def _bytes_received(self, channel: Channel, state: dict) -> int:
        response = self._get(channel, f"/{state['video_id']}", {"fields": "status"})
        phase = (self.read_json(response).get("status") or {}).get("uploading_phase") or {}
        try:
            return max(0, int(phase.get("bytes_transferred") or 0))
        except (TypeError, ValueError):
            return 0

    # -- after an unclear outcome ---------------------------------------------------------
    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        parent = request.root or request.reply_to
        if parent is not None:
            return self._find_comment(channel, request, parent)
        video = request.progress.get("video") or {}
        if video.get("video_id"):
            return self._find_video(channel, request, video["video_id"])
        wanted = normalise(request.text)
        if not wanted or (request.settings.get("post_type") or "post") == "story":
            # Nothing to recognise it by: the person is asked to check.
            return None
        response = self._get(
            channel,
            f"/{channel.external_id}/feed",
            {"fields": "id,message,created_time,permalink_url", "limit": self.lookup_count},
        )
        for post in self.read_json(response).get("data") or []:
            if (
                isinstance(post, dict)
                and post.get("id")
                and normalise(post.get("message")) == wanted
            ):
                return RemoteRef(id=str(post["id"]), url=post.get("permalink_url") or "")
        return None

    def _find_video(self, channel: Channel, request: PublishRequest, video_id: str):
        """A video's publish is known by the video itself: once its publishing phase is
        complete it is on the Page."""
        response = self._get(channel, f"/{video_id}", {"fields": "id,status,permalink_url"})
        data = self.read_json(response)
        publishing = (data.get("status") or {}).get("publishing_phase") or {}
        if publishing.get("status") != "complete":
            return None
        link = data.get("permalink_url") or ""
        if link.startswith("/"):
            link = "https://www.facebook.com" + link
        if (request.settings.get("post_type") or "post") == "reel":
            link = link or f"https://www.facebook.com/reel/{video_id}"
        return RemoteRef(id=video_id, url=link)

    def _find_comment(self, channel: Channel, request: PublishRequest, parent: RemoteRef):
        response = self._get(
            channel,
            f"/{parent.id}/comments",
            {"fields": "id,message,created_time", "order": "reverse_chronological", "limit": 50},
        )
        wanted = normalise(request.text)
        for comment in self.read_json(response).get("data") or []:
            if isinstance(comment, dict) and normalise(comment.get("message")) == wanted:
                return RemoteRef(id=str(comment["id"]), url=parent.url, extra={"parent": parent.id})
        return None

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        response = self._get(
            channel,
            f"/{channel.external_id}/feed",
            {"fields": "id,permalink_url", "limit": self.lookup_count},
        )
        return [
            RemoteRef(id=str(post["id"]), url=post.get("permalink_url") or "")
            for post in self.read_json(response).get("data") or []
            if isinstance(post, dict) and post.get("id")
        ]

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.fullmatch(r"(\d+)_(\d+)", remote_id.strip())
        if match:
            return RemoteRef(id=remote_id, url=f"https://www.facebook.com/{remote_id.strip()}")
        return RemoteRef(id=remote_id)

    def _post_ref(self, channel: Channel, post_id: str) -> RemoteRef:
        # A feed post id is "{page}_{post}"; facebook.com/{page}_{post} opens it.
        return RemoteRef(id=post_id, url=f"https://www.facebook.com/{post_id}")

    @staticmethod
    def _story_ref(post_id: str) -> RemoteRef:
        return RemoteRef(id=post_id, url=f"https://www.facebook.com/{post_id}")

    # -- analytics --------------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Up to 50 posts a request (``?ids=``). One id Graph cannot read (a deleted post,
        a video, which has no post insights) fails the whole request, so that batch is read
        again one post at a time and the unreadable ones are left out."""
        ids = list(dict.fromkeys(ref.id for ref in refs if ref.id))
        found: dict[str, Metrics] = {}
        for start in range(0, len(ids), self.metrics_batch):
            chunk = ids[start : start + self.metrics_batch]
            try:
                found.update(self._read_posts(channel, chunk))
            except ProviderError as error:
                if error.kind not in (ErrorKind.NOT_FOUND, ErrorKind.CONTENT_REJECTED):
                    raise
                if len(chunk) == 1:
                    continue
                for post_id in chunk:
                    try:
                        found.update(self._read_posts(channel, [post_id]))
                    except ProviderError as alone:
                        if alone.kind not in (ErrorKind.NOT_FOUND, ErrorKind.CONTENT_REJECTED):
                            raise
        return found

    def _read_posts(self, channel: Channel, ids: list[str]) -> dict[str, Metrics]:
        try:
            response = self._get(channel, "/", {"ids": ",".join(ids), "fields": POST_FIELDS})
        except ProviderError as error:
            insights_refused(error, self.display_name, INSIGHTS_PERMISSION)
            raise
        found = {}
        for post_id, post in self.read_json(response).items():
            if not isinstance(post, dict):
                continue
            counts = insight_totals(post.get("insights") or {})
            values = {name: counts.get(metric) for metric, name in POST_INSIGHTS.items()}
            for edge, name in (("reactions", "likes"), ("comments", "comments")):
                summary = (post.get(edge) or {}).get("summary") or {}
                values[name] = summary.get("total_count")
            # Graph leaves ``shares`` out of a post nobody has shared.
            values["shares"] = (post.get("shares") or {}).get("count", 0)
            found[str(post_id)] = Metrics(values)
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The Page's views and reach, day by day (90 days a request, Graph's cap), and
        today's follower count."""
        series: dict[date, Metrics] = {}
        try:
            for start, end in day_windows(since, until, 90):
                response = self._get(
                    channel,
                    f"/{channel.external_id}/insights",
                    {
                        "metric": ",".join(PAGE_INSIGHTS),
                        "period": "day",
                        "since": start.isoformat(),
                        "until": (end + timedelta(days=1)).isoformat(),
                    },
                )
                for day, counts in insight_days(self.read_json(response), start, end).items():
                    series[day] = Metrics(
                        {name: counts.get(metric) for metric, name in PAGE_INSIGHTS.items()}
                    )
            response = self._get(channel, f"/{channel.external_id}", {"fields": "followers_count"})
        except ProviderError as error:
            insights_refused(error, self.display_name, INSIGHTS_PERMISSION)
            raise
        followers = self.read_json(response).get("followers_count")
        if isinstance(followers, int):
            day = today()
            series[day] = Metrics({**series.get(day, Metrics()).values, "followers": followers})
        return series

    # -- HTTP -----------------------------------------------------------------------------
    def _post(
        self, channel: Channel, path: str, phase: Phase, *, host: str = "api", **kwargs
    ) -> requests.Response:
        return self.request(
            "POST",
            self.url(host, f"{GRAPH}{path}"),
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


def _ratio(item: MediaItem) -> float | None:
    if not item.width or not item.height:
        return None
    return item.width / item.height


def _duration(item: MediaItem, bounds: tuple[float, float], kind: str) -> list[Issue]:
    if item.duration is None:
        return []
    low, high = bounds
    if low <= item.duration <= high:
        return []
    return [
        Issue(
            "media_duration",
            (
                _(
                    "A Facebook reel video lasts %(low)s to %(high)s seconds; %(file)s lasts "
                    "%(duration)s."
                )
                if kind == "reel"
                else _(
                    "A Facebook story video lasts %(low)s to %(high)s seconds; %(file)s lasts "
                    "%(duration)s."
                )
            )
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
