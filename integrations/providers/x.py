"""X (formerly Twitter): OAuth 2.0 with PKCE, API v2 posts and v2 media upload."""

from __future__ import annotations

import html
import re
import time
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import requests
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
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
    OAuth2,
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    Rule,
    Said,
    SettingField,
    Tool,
    ToolInput,
    json_object,
    retry_after_seconds,
)
from organizations.texts import Text

MB = 1024 * 1024
PREMIUM_LIMIT = 25_000
# X's media metadata endpoint allows alt text of at most 1,000 characters.
ALT_TEXT_LIMIT = 1_000
WRITE_SCOPE = "tweet.write"
REPLY_SETTINGS = ("everyone", "following", "mentionedUsers", "subscribers", "verified")
# A post's public_metrics as X names them, and what each counts here. Only public metrics
# are read: non_public_metrics and organic_metrics need the author's context and stop after
# 30 days, while impression_count and bookmark_count are public now.
PUBLIC_METRICS = {
    "impression_count": "impressions",
    "like_count": "likes",
    "reply_count": "comments",
    "retweet_count": "shares",
    "quote_count": "quotes",
    "bookmark_count": "saves",
}
# What reading a post's counts and the account's followers needs.
ANALYTICS_SCOPES = ("tweet.read", "users.read")
COMMUNITY_URL = re.compile(r"^https://(?:www\.)?(?:x|twitter)\.com/i/communities/(\d+)/?$")
_URL = re.compile(r"https?://\S+", re.IGNORECASE)


def normalise(text: str) -> str:
    """Text as X gives it back: links become t.co, entities escaped, spacing trimmed."""
    text = unicodedata.normalize("NFC", html.unescape(text or ""))
    text = _URL.sub("", text)
    return " ".join(text.split()).casefold()


# -- errors: v2 problems {"title", "detail", "type", "reason"} or {"errors": [{"message",
# "code"}]}, the token endpoint's OAuth {"error"}; reads answer 200 with only errors[]
# when the target is gone ------------------------------------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    data = body or {}
    errors = data.get("errors") if isinstance(data.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    message = (
        first.get("message")
        or data.get("detail")
        or first.get("detail")
        or data.get("error_description")
        or data.get("title")
        or ""
    )
    # The token endpoint's OAuth code, or a v2 problem's reason (client-not-enrolled).
    code = next((c for c in (data.get("error"), data.get("reason")) if isinstance(c, str)), "")
    return Said(
        response.status_code,
        code=code,
        # What X reports: a v1.1 error's number, or a v2 problem's type.
        network_code=str(first.get("code") or first.get("type") or ""),
        message=str(message),
        failed=response.status_code >= 400 or (bool(errors) and "data" not in data),
        body=body,
    )


def _wait(response: requests.Response, said: Said) -> float | None:
    """Until x-rate-limit-reset, or a daily cap's later reset (24-hour limits)."""
    retry = retry_after_seconds(response)
    for prefix in ("x-user-limit-24hour", "x-app-limit-24hour"):
        if response.headers.get(f"{prefix}-remaining") == "0":
            reset = response.headers.get(f"{prefix}-reset")
            if reset and reset.isdigit():
                retry = max(int(reset) - time.time(), 0.0)
    return retry


READ_REFUSED = range(100, 400)
SIGN_IN = (400, 401)
ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("X: {message}"),
            phase=Phase.READ,
            status=READ_REFUSED,
            pattern="not-found",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("X: {message}"),
            phase=Phase.READ,
            status=READ_REFUSED,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "X refused this server's app credentials; ask the administrator to check "
                "X_CLIENT_ID and X_CLIENT_SECRET."
            ),
            phase=Phase.AUTH,
            status=SIGN_IN,
            code=("invalid_client", "unauthorized_client"),
        ),
        # X answers invalid_request ("Value passed for the token was invalid") for a used
        # or revoked refresh token, and invalid_grant for a bad code.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("X no longer accepts this sign-in; reconnect the channel."),
            phase=Phase.AUTH,
            status=SIGN_IN,
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("X refused our sign-in; we will renew it and try again."),
            status=401,
            network_code="401",
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("X asked us to slow down; we will try again after its limit resets."),
            status=429,
            retry_after=_wait,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("X rejects duplicate posts; change the text and try again."),
            status=403,
            pattern="duplicate",
            network_code="duplicate",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "This server's X app is not attached to a project with API access; ask the "
                "administrator to fix it in the X developer portal."
            ),
            status=403,
            code="client-not-enrolled",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("X does not allow this for the connected account: {message|forbidden}"),
            status=403,
            network_code="403",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("X rejected the post: {message|invalid request}"),
            status=(400, 422),
        ),
    ),
)


def _premium_help() -> str:
    return _("Allow posts up to %(count)s characters.") % {
        "count": number_format(PREMIUM_LIMIT, force_grouping=True)
    }


class XProvider(Provider):
    identifier = "x"
    display_name = "X"
    auth_kind = "oauth2+pkce"
    account_selection = "none"
    reply_mode = "thread"
    text_counter = "x_weighted"
    text_limit = 280
    media_rules = MediaRules(
        max_count=4,
        mime_types=(
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "video/mp4",
            "video/quicktime",
        ),
        max_image_bytes=5 * MB,
        max_video_bytes=512 * MB,
        max_bytes_by_type={"image/gif": 15 * MB},
        video_alone=True,
        # X's media best practices for videos: 0.5 s to 2:20 (longer for Premium
        # accounts, see media_rules_for), 1:3 to 3:1, at least 32x32, 60 fps at most,
        # H.264.
        min_video_seconds=0.5,
        max_video_seconds=140,
        video_ratio=(1 / 3, 3.0),
        min_video_dimensions=(32, 32),
        video_frame_rate=(None, 60),
        video_codecs=("h264",),
    )
    idempotency = "none"
    lookup = "by-content"
    refresh_ahead = 600
    max_concurrency = 10
    analytics = "both"
    # GET /2/tweets takes up to 100 ids; the Basic tier allows 15 such lookups per 15 min
    # for each user, so a channel stays at 60 an hour.
    metrics_batch = 100
    metrics_per_hour = 60
    # A retweet (POST /2/users/:id/retweets, tweet.write) is one per account: X ignores
    # a second one of the same post. A reply goes through publish's ``reply`` field.
    plug_kinds = ("repost", "reply")
    plug_metrics = ("likes", "shares", "comments", "impressions")
    repost_once = True
    # list.read: the lists tool (the account's own lists).
    scopes = (
        "tweet.read",
        "tweet.write",
        "users.read",
        "offline.access",
        "media.write",
        "list.read",
    )
    # A confidential client also needs X_CLIENT_SECRET (sent as HTTP Basic); a public
    # client (no secret) sends only its client_id in the form. X rotates refresh tokens:
    # a refresh answers the new one, which replaces the old.
    oauth = OAuth2(
        client=("X_CLIENT_ID", "X_CLIENT_SECRET"),
        token=("api", "/2/oauth2/token"),
        pkce=True,
        client_auth="basic",
        id_in_form=True,
        write_scope=WRITE_SCOPE,
        reconnect_message=gettext_noop("X needs you to reconnect this channel (no refresh token)."),
    )
    required_settings = ("X_CLIENT_ID",)
    errors = ERRORS
    endpoints = {
        "auth": "https://x.com/i/oauth2/authorize",
        "api": "https://api.x.com",
        "upload": "https://api.x.com",
    }
    settings_fields = (
        SettingField(
            "who_can_reply_post",
            "enum",
            label=gettext_lazy("Who can reply"),
            choices=REPLY_SETTINGS,
            default="everyone",
        ),
        SettingField(
            "community",
            "url",
            label=gettext_lazy("Community"),
            help_text="https://x.com/i/communities/<digits>",
        ),
        SettingField(
            "post_type", "enum", label=gettext_lazy("Post type"), choices=("post", "article")
        ),
        SettingField("article_title", "string", label=gettext_lazy("Article title")),
        SettingField("article_status", "enum", choices=("draft", "published")),
        SettingField("article_cover", "object", label=gettext_lazy("Article cover")),
        SettingField("made_with_ai", "bool", label=gettext_lazy("Made with AI")),
        SettingField("paid_partnership", "bool", label=gettext_lazy("Paid partnership")),
    )
    tools = (
        Tool(
            "lists", gettext_lazy("The X lists this account owns: id, name, description, members.")
        ),
        Tool(
            "communities",
            gettext_lazy(
                "Search X Communities by keyword. Put a community's url in the community setting "
                "to post there."
            ),
            (ToolInput("word", description=gettext_lazy("Words to search community names for")),),
        ),
    )
    preference_fields = (
        SettingField(
            "premium",
            "bool",
            label=gettext_lazy("X Premium (long posts)"),
            default=False,
            help_text=lazy(_premium_help, str)(),
        ),
    )

    # Media processing: poll at most this many times; None waits X's check_after_secs.
    poll_interval: float | None = None
    poll_attempts = 60
    max_poll_wait = 30.0
    chunk_size = 4 * MB
    lookup_count = 20

    # -- connecting -----------------------------------------------------------------------
    def _me(self, access_token: str) -> Account:
        response = self.request(
            "GET",
            self.url("api", "/2/users/me"),
            phase=Phase.READ,
            params={"user.fields": "profile_image_url,username,name"},
            headers=self.bearer(access_token),
        )
        user = self.read_json(response, Phase.READ).get("data") or {}
        username = user.get("username", "")
        return Account(
            external_id=str(user.get("id", "")),
            name=user.get("name") or username,
            username=username,
            profile_url=f"https://x.com/{username}" if username else "",
            avatar_url=user.get("profile_image_url", ""),
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._me(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._me(channel.credentials["access_token"])

    # -- validation -----------------------------------------------------------------------
    def limit_for(self, channel: Channel | None = None) -> int | None:
        if channel is not None and channel.preferences.get("premium") is True:
            return PREMIUM_LIMIT
        return self.text_limit

    def media_rules_for(self, channel: Channel | None = None) -> MediaRules:
        if channel is not None and channel.preferences.get("premium") is True:
            # Premium accounts post videos far longer than 2:20; X checks their length.
            return replace(self.media_rules, max_video_seconds=None)
        return self.media_rules

    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        community = values.get("community")
        if community and not COMMUNITY_URL.match(str(community)):
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "community must be an X Community link like "
                        "https://x.com/i/communities/123."
                    ),
                    "community",
                )
            )
        if values.get("post_type") == "article":
            issues.append(
                Issue(
                    "setting_invalid",
                    _("X articles cannot be published through the API yet; post it as a post."),
                    "post_type",
                )
            )
        return issues

    def validate_media(
        self, index: int, media: list[MediaItem], rules: MediaRules | None = None
    ) -> list[Issue]:
        issues = super().validate_media(index, media, rules)
        gifs = [m for m in media if m.mime_type == "image/gif"]
        if gifs and len(media) > 1:
            issues.append(
                Issue("media_mix", _("On X a GIF must be posted on its own."), "media", item=index)
            )
        for file in media:
            length = len(file.alt_text or "")
            if length > ALT_TEXT_LIMIT:
                issues.append(
                    Issue(
                        "media_alt",
                        _("The alt text of %(file)s has %(count)s characters; X allows %(limit)s.")
                        % {
                            "file": file.filename,
                            "count": length,
                            "limit": number_format(ALT_TEXT_LIMIT, force_grouping=True),
                        },
                        "media",
                        item=index,
                        limit=ALT_TEXT_LIMIT,
                        actual=length,
                    )
                )
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        media_ids = self._upload_all(token, request)
        body: dict = {"text": request.text}
        if media_ids:
            body["media"] = {"media_ids": media_ids}
        if request.reply_to is not None:
            body["reply"] = {"in_reply_to_tweet_id": request.reply_to.id}
        else:
            # X refuses reply_settings together with a reply; it applies to the first item.
            who = request.settings.get("who_can_reply_post") or "everyone"
            if who != "everyone":
                body["reply_settings"] = who
            match = COMMUNITY_URL.match(str(request.settings.get("community") or ""))
            if match:
                body["community_id"] = match.group(1)
        if request.settings.get("paid_partnership") is True:
            body["paid_partnership"] = True
        response = self.request(
            "POST",
            self.url("api", "/2/tweets"),
            phase=Phase.COMMIT,
            json=body,
            headers=self.bearer(token),
        )
        data = self.read_json(response, Phase.COMMIT).get("data") or {}
        post_id = str(data.get("id") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("X accepted the post but did not say which post it created.")),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=self._ref(post_id), raw={"data": data})

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        user_id = channel.external_id
        response = self.request(
            "GET",
            self.url("api", f"/2/users/{user_id}/tweets"),
            phase=Phase.READ,
            params={
                "max_results": self.lookup_count,
                "tweet.fields": "created_at,text,referenced_tweets",
            },
            headers=self.bearer(channel.credentials["access_token"]),
        )
        wanted = normalise(request.text)
        parent = request.reply_to.id if request.reply_to else None
        for tweet in self.read_json(response, Phase.READ).get("data") or []:
            if normalise(tweet.get("text", "")) != wanted:
                continue
            if parent is not None:
                refs = tweet.get("referenced_tweets")
                if refs is not None and not any(
                    r.get("type") == "replied_to" and r.get("id") == parent for r in refs
                ):
                    continue
            return self._ref(str(tweet["id"]))
        return None

    # -- plugs ----------------------------------------------------------------------------
    def repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef:
        response = self.request(
            "POST",
            self.url("api", f"/2/users/{channel.external_id}/retweets"),
            phase=Phase.COMMIT,
            json={"tweet_id": target.id},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        data = self.read_json(response, Phase.COMMIT).get("data") or {}
        if data.get("retweeted") is not True:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "X answered the retweet without saying it was made; we will check."
                    )
                ),
                raw_excerpt=response.text,
            )
        # X answers no id for the retweet: its link is the retweeted post's.
        return RemoteRef(id=target.id, url=target.url or self._ref(target.id).url)

    def find_repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef | None:
        """Our retweet among the account's newest posts (a retweet is one of them)."""
        response = self.request(
            "GET",
            self.url("api", f"/2/users/{channel.external_id}/tweets"),
            phase=Phase.READ,
            params={"max_results": self.lookup_count, "tweet.fields": "referenced_tweets"},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        for tweet in self.read_json(response).get("data") or []:
            for referenced in (
                (tweet.get("referenced_tweets") or []) if isinstance(tweet, dict) else []
            ):
                if referenced.get("type") == "retweeted" and referenced.get("id") == target.id:
                    return RemoteRef(id=str(tweet.get("id") or target.id), url=target.url)
        return None

    def _ref(self, post_id: str) -> RemoteRef:
        return RemoteRef(id=post_id, url=f"https://x.com/i/web/status/{post_id}")

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        # A pasted post address works as well as its id.
        match = re.search(r"/status(?:es)?/(\d+)", remote_id)
        return self._ref(match.group(1) if match else remote_id)

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        response = self.request(
            "GET",
            self.url("api", f"/2/users/{channel.external_id}/tweets"),
            phase=Phase.READ,
            params={"max_results": self.lookup_count, "tweet.fields": "created_at"},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        return [
            self._ref(str(tweet["id"]))
            for tweet in self.read_json(response).get("data") or []
            if isinstance(tweet, dict) and tweet.get("id")
        ]

    # -- analytics --------------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Each post's public_metrics, up to 100 posts a request. A deleted post comes back
        in ``errors`` (resource-not-found) beside the others' ``data``, and is left out."""
        found: dict[str, Metrics] = {}
        # X refuses the whole request for one id that is not a number.
        ids = list(dict.fromkeys(ref.id for ref in refs if ref.id.isdigit()))
        for start in range(0, len(ids), self.metrics_batch):
            chunk = ids[start : start + self.metrics_batch]
            try:
                response = self.request(
                    "GET",
                    self.url("api", "/2/tweets"),
                    phase=Phase.READ,
                    params={"ids": ",".join(chunk), "tweet.fields": "public_metrics"},
                    headers=self.bearer(channel.credentials["access_token"]),
                )
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue  # none of these posts is left on X
                _analytics_refused(error)
                raise
            for tweet in self.read_json(response).get("data") or []:
                if isinstance(tweet, dict) and tweet.get("id"):
                    counts = tweet.get("public_metrics") or {}
                    found[str(tweet["id"])] = Metrics(
                        {name: counts.get(key) for key, name in PUBLIC_METRICS.items()}
                    )
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """X keeps no daily history of an account: today's follower count, under today."""
        try:
            response = self.request(
                "GET",
                self.url("api", "/2/users/me"),
                phase=Phase.READ,
                params={"user.fields": "public_metrics"},
                headers=self.bearer(channel.credentials["access_token"]),
            )
        except ProviderError as error:
            _analytics_refused(error)
            raise
        counts = (self.read_json(response).get("data") or {}).get("public_metrics") or {}
        if counts.get("followers_count") is None:
            return {}
        return {datetime.now(UTC).date(): Metrics({"followers": counts["followers_count"]})}

    # -- look-up tools ------------------------------------------------------------------
    def lists(self, channel: Channel) -> list[dict]:
        response = self.request(
            "GET",
            self.url("api", f"/2/users/{channel.external_id}/owned_lists"),
            phase=Phase.READ,
            params={"max_results": 100, "list.fields": "description,private,member_count"},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        return [
            {
                "id": str(item.get("id")),
                "name": item.get("name", ""),
                "description": item.get("description", ""),
                "private": bool(item.get("private", False)),
                "memberCount": item.get("member_count"),
                "url": f"https://x.com/i/lists/{item.get('id')}",
            }
            for item in self.read_json(response).get("data") or []
            if isinstance(item, dict) and item.get("id")
        ]

    def communities(self, channel: Channel, *, word: str) -> list[dict]:
        response = self.request(
            "GET",
            self.url("api", "/2/communities/search"),
            phase=Phase.READ,
            params={
                "query": word,
                "max_results": 10,
                "community.fields": "description,member_count,access,join_policy",
            },
            headers=self.bearer(channel.credentials["access_token"]),
        )
        return [
            {
                "id": str(item.get("id")),
                "name": item.get("name", ""),
                "description": item.get("description", ""),
                "memberCount": item.get("member_count"),
                "access": item.get("access", ""),
                "url": f"https://x.com/i/communities/{item.get('id')}",
            }
            for item in self.read_json(response).get("data") or []
            if isinstance(item, dict) and item.get("id")
        ]

    # -- media --------------------------------------------------------------------------
    def _upload_all(self, token: str, request: PublishRequest) -> list[str]:
        """Upload each file once; ids go into request.progress so a retry reuses them."""
        if not request.media:
            return []
        done: list = request.progress.setdefault("media_ids", [])
        pending: dict = request.progress.setdefault("media_processing", {})
        described: list = request.progress.setdefault("alt_text_ids", [])
        for index, item in enumerate(request.media):
            if index < len(done) and done[index]:
                media_id = done[index]
            else:
                media_id = self._upload(token, item, pending)
                done.append(media_id)
            if media_id in pending:
                self._wait_processed(token, media_id, float(pending[media_id] or 1))
                pending.pop(media_id, None)
            # X takes alt text for images and GIFs only; a retry after a failed call sends it
            # again for the uploaded id, never a second upload.
            if item.is_image and item.alt_text and media_id not in described:
                self._describe(token, media_id, item.alt_text)
                described.append(media_id)
        return list(done)

    def _describe(self, token: str, media_id: str, alt_text: str) -> None:
        """Attach alt text to an uploaded image (a step before the commit)."""
        self.request(
            "POST",
            self.url("upload", "/2/media/metadata"),
            phase=Phase.UPLOAD,
            json={"id": media_id, "metadata": {"alt_text": {"text": alt_text}}},
            headers=self.bearer(token),
        )

    def _upload(self, token: str, item: MediaItem, pending: dict) -> str:
        if item.is_image and item.mime_type != "image/gif":
            response = self.request(
                "POST",
                self.url("upload", "/2/media/upload"),
                phase=Phase.UPLOAD,
                timeout=self.upload_timeout,
                data={"media_category": "tweet_image"},
                files={"media": (item.filename, item.read(), item.mime_type)},
                headers=self.bearer(token),
            )
            return str(self.read_json(response, Phase.UPLOAD)["data"]["id"])
        category = "tweet_gif" if item.mime_type == "image/gif" else "tweet_video"
        response = self.request(
            "POST",
            self.url("upload", "/2/media/upload/initialize"),
            phase=Phase.UPLOAD,
            json={
                "media_type": item.mime_type,
                "total_bytes": item.size,
                "media_category": category,
            },
            headers=self.bearer(token),
        )
        media_id = str(self.read_json(response, Phase.UPLOAD)["data"]["id"])
        # One segment in memory at a time, read from the stored file as it is sent.
        for segment, (_offset, piece) in enumerate(item.chunks(self.chunk_size)):
            self.request(
                "POST",
                self.url("upload", f"/2/media/upload/{media_id}/append"),
                phase=Phase.UPLOAD,
                timeout=self.upload_timeout,
                data={"segment_index": str(segment)},
                files={"media": (item.filename, piece, "application/octet-stream")},
                headers=self.bearer(token),
            )
        response = self.request(
            "POST",
            self.url("upload", f"/2/media/upload/{media_id}/finalize"),
            phase=Phase.UPLOAD,
            headers=self.bearer(token),
        )
        info = (self.read_json(response, Phase.UPLOAD).get("data") or {}).get("processing_info")
        if info and info.get("state") != "succeeded":
            self._check_processing(info)
            pending[media_id] = info.get("check_after_secs", 1)
        return media_id

    def _wait_processed(self, token: str, media_id: str, wait: float) -> None:
        """Poll processing_info until the video is usable; bounded, then a retry resumes."""
        next_wait = [wait]

        def processed() -> bool:
            response = self.request(
                "GET",
                self.url("upload", "/2/media/upload"),
                phase=Phase.READ,
                params={"command": "STATUS", "media_id": media_id},
                headers=self.bearer(token),
            )
            info = (self.read_json(response, Phase.READ).get("data") or {}).get("processing_info")
            if not info or info.get("state") == "succeeded":
                return True
            self._check_processing(info)
            next_wait[0] = float(info.get("check_after_secs") or 1)
            return False

        if self.poll(
            processed,
            attempts=self.poll_attempts,
            interval=lambda: self._poll_seconds(next_wait[0]),
            wait_first=True,
        ):
            return
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(gettext_noop("X is still processing the video; we will try again shortly.")),
            retry_after=60,
        )

    def _check_processing(self, info: dict) -> None:
        if info.get("state") == "failed":
            error = info.get("error") or {}
            message = error.get("message") or Text(gettext_noop("the file could not be processed"))
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("X could not process the media: %(reason)s."), reason=message),
                network_code=str(error.get("name") or error.get("code") or "failed"),
                field="media",
            )

    def _poll_seconds(self, wait: float) -> float:
        seconds = self.poll_interval if self.poll_interval is not None else wait
        return min(max(seconds, 0.0), self.max_poll_wait)


def _analytics_refused(error: ProviderError) -> None:
    """A refused read of statistics says which scopes the channel must be reconnected with."""
    if error.kind == ErrorKind.PERMISSION_DENIED:
        error.text = Text(
            gettext_noop(
                "X refused to share this account's statistics (%(reason)s). Reading them needs "
                "the %(scope)s and %(other_scope)s scopes: reconnect the channel and allow them."
            ),
            reason=error.text or error.user_message,
            scope=ANALYTICS_SCOPES[0],
            other_scope=ANALYTICS_SCOPES[1],
        )
        error.user_message = str(error.text)
        error.args = (error.user_message,)
