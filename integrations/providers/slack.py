"""Slack: an app installed in a workspace (OAuth v2 bot token), one channel per Slack channel.

Slack answers most failures with HTTP 200 and ``{"ok": false, "error": "<code>"}``, so the
classifier reads the body on every status. Text posts carry a metadata marker with our post
id, which is how an unknown outcome is reconciled (``conversations.history``).
"""

from __future__ import annotations

import json
import re

import requests
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
    SOME_CODE,
    Account,
    Channel,
    ErrorKind,
    ErrorTable,
    Grant,
    MediaRules,
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
    after_headers,
    expiry_after,
    json_object,
)
from organizations.texts import Text

EVENT_TYPE = "scheduled_post"
MAX_CHANNEL_PAGES = 10
HISTORY_LIMIT = 100
TS = re.compile(r"^\d+\.\d+$")


# -- errors: {"ok": false, "error": "<code>"}, on HTTP 200 as on any status --------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    refused = body is not None and body.get("ok") is False
    code = str(body.get("error") or "unknown_error") if refused else ""
    return Said(
        response.status_code, code=code, failed=refused or response.status_code >= 400, body=body
    )


def _revoked(code: str, message: str) -> Rule:
    return Rule(ErrorKind.AUTH_REVOKED, message, code=code)


def _denied(code: str, message: str) -> Rule:
    return Rule(ErrorKind.PERMISSION_DENIED, message, code=code)


def _gone(code: str, message: str) -> Rule:
    return Rule(ErrorKind.NOT_FOUND, message, code=code)


def _rejected(code: str, message: str) -> Rule:
    return Rule(ErrorKind.CONTENT_REJECTED, message, code=code, field="text")


SLOW_DOWN = after_headers(30.0)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Slack asked us to slow down; we will try again shortly."),
            status=429,
            network_code="ratelimited",
            retry_after=SLOW_DOWN,
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("The Slack token expired; we will renew it."),
            code="token_expired",
        ),
        _revoked("invalid_auth", gettext_noop("Slack no longer accepts our token; reconnect.")),
        _revoked("not_authed", gettext_noop("Slack did not receive our token; reconnect.")),
        _revoked(
            "token_revoked",
            gettext_noop(
                "The Slack app was removed from the workspace; reconnect to install it again."
            ),
        ),
        _revoked(
            "account_inactive",
            gettext_noop("The Slack app's account is deactivated; reconnect this workspace."),
        ),
        _revoked(
            "invalid_refresh_token",
            gettext_noop("Slack refused to renew the token; reconnect this workspace."),
        ),
        _revoked("invalid_code", gettext_noop("The Slack sign-in expired; connect again.")),
        _revoked("code_already_used", gettext_noop("The Slack sign-in was used; connect again.")),
        _denied(
            "not_in_channel",
            gettext_noop(
                "The app is not in this Slack channel; type /invite @<app name> in the channel."
            ),
        ),
        _denied(
            "missing_scope",
            gettext_noop("The Slack app lacks a permission it needs; reconnect to grant it."),
        ),
        _denied(
            "restricted_action",
            gettext_noop("A workspace setting stops the app from posting in this channel."),
        ),
        _denied(
            "bad_client_secret",
            gettext_noop(
                "The Slack app settings (SLACK_CLIENT_ID/SLACK_CLIENT_SECRET) are wrong; ask the "
                "administrator."
            ),
        ),
        _denied(
            "invalid_client_id",
            gettext_noop(
                "The Slack app settings (SLACK_CLIENT_ID) are wrong; ask the administrator."
            ),
        ),
        _gone(
            "channel_not_found",
            gettext_noop("The Slack channel no longer exists or is private to the app."),
        ),
        _gone("is_archived", gettext_noop("The Slack channel is archived.")),
        _gone("thread_not_found", gettext_noop("The Slack message this replies to is gone.")),
        _gone("message_not_found", gettext_noop("The Slack message is gone.")),
        _rejected("msg_too_long", gettext_noop("The message is too long for Slack.")),
        _rejected("no_text", gettext_noop("Slack needs some text in the message.")),
        _rejected("invalid_blocks", gettext_noop("Slack rejected the message layout.")),
        _rejected("too_many_attachments", gettext_noop("Too many attachments for Slack.")),
        _rejected("invalid_metadata_format", gettext_noop("Slack rejected the metadata.")),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Slack asked us to slow down; we will retry."),
            code="ratelimited",
            retry_after=SLOW_DOWN,
        ),
        # Slack's own failures: before the commit they are safe to retry, on it the
        # outcome is open.
        Rule(
            SERVER_FAULT,
            gettext_noop("Slack had an internal error ({code})."),
            code=("internal_error", "fatal_error", "service_unavailable", "request_timeout"),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Slack refused the request ({code})."),
            code=SOME_CODE,
        ),
    ),
)


class SlackProvider(Provider):
    identifier = "slack"
    display_name = "Slack"
    auth_kind = "oauth2"
    account_selection = "channels"
    reply_mode = "thread"
    text_counter = "codepoints"
    text_limit = 40000
    media_rules = MediaRules(
        max_count=10, max_image_bytes=1_000_000_000, max_video_bytes=1_000_000_000
    )
    idempotency = "none"
    lookup = "by-content"
    refresh_ahead = 600  # only matters with token rotation, when tokens last 12 h
    max_concurrency = 4
    scopes = ("chat:write", "chat:write.public", "files:write", "channels:read", "channels:history")
    # Bot scopes, comma-separated; the exchange answers the bot token and the workspace.
    oauth = OAuth2(
        client=("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"),
        authorize=("auth", "/authorize"),
        token=("api", "/oauth.v2.access"),
        scope_separator=",",
    )
    required_settings = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {"auth": "https://slack.com/oauth/v2", "api": "https://slack.com/api"}
    # The public API sends ``channel``; it may name another channel of the same workspace.
    settings_fields = (SettingField("channel", "string", label=gettext_lazy("Channel")),)
    tools = (
        Tool(
            "channels",
            gettext_lazy(
                "The workspace's public channels the app can post to: id (for the channel "
                "setting) and name."
            ),
        ),
    )
    redact_patterns = (r"xox[a-z]-[A-Za-z0-9-]+", r"/upload/v1/[A-Za-z0-9_-]+")

    # -- connecting ---------------------------------------------------------------------
    def _grant(self, body: dict, previous_refresh: str = "") -> Grant:
        if body.get("token_type", "bot") != "bot" or not body.get("access_token"):
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Slack did not give the app a bot token; install it again as an app."
                    )
                ),
            )
        granted = [s for s in str(body.get("scope") or "").split(",") if s]
        missing = [s for s in ("chat:write", "channels:read") if granted and s not in granted]
        if missing:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Slack did not grant %(scopes)s; approve all permissions to connect."
                    ),
                    scopes=", ".join(missing),
                ),
            )
        team = body.get("team") or {}
        credentials = {"access_token": body["access_token"]}
        refresh = body.get("refresh_token") or previous_refresh
        if refresh:
            credentials["refresh_token"] = refresh
        return Grant(
            credentials=credentials,
            expires_at=expiry_after(body.get("expires_in") or None),
            scopes=granted,
            meta={
                "team_id": team.get("id", ""),
                "team_name": team.get("name", ""),
                "bot_user_id": body.get("bot_user_id", ""),
                "app_id": body.get("app_id", ""),
            },
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance=None
    ) -> Grant:
        body = self.oauth.request_token(self, {"code": code, "redirect_uri": redirect_uri})
        return self._grant(body)

    def refresh(self, channel: Channel) -> Grant:
        refresh_token = channel.credentials.get("refresh_token")
        if not refresh_token:
            # Without token rotation Slack tokens never expire; nothing to renew.
            return super().refresh(channel)
        body = self.oauth.request_token(
            self, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        grant = self._grant(body, previous_refresh=refresh_token)
        # A refresh answer may omit the team; keep what the channel knows.
        grant.meta = {k: v for k, v in grant.meta.items() if v} or dict(channel.meta)
        return grant

    def _conversations(self, token: str) -> list[dict]:
        """The workspace's public, unarchived channels (conversations.list, paged)."""
        found: list[dict] = []
        cursor = ""
        for _ in range(MAX_CHANNEL_PAGES):
            params = {"types": "public_channel", "exclude_archived": "true", "limit": "200"}
            if cursor:
                params["cursor"] = cursor
            body = self.request(
                "GET",
                self.url("api", "/conversations.list"),
                phase=Phase.READ,
                params=params,
                headers=self.bearer(token),
            ).json()
            found += [c for c in body.get("channels") or [] if isinstance(c, dict) and c.get("id")]
            cursor = (body.get("response_metadata") or {}).get("next_cursor") or ""
            if not cursor:
                break
        return found

    def accounts(self, grant: Grant) -> list[Account]:
        team_id = grant.meta.get("team_id", "")
        team_name = grant.meta.get("team_name", "")
        return [
            self._account(team_id, team_name, item)
            for item in self._conversations(grant.credentials["access_token"])
        ]

    # -- look-up tools ------------------------------------------------------------------
    def channels(self, channel: Channel) -> list[dict]:
        return [
            {
                "id": item["id"],
                "name": item.get("name") or item["id"],
                "member": bool(item.get("is_member")),
                "members": item.get("num_members"),
            }
            for item in self._conversations(channel.credentials["access_token"])
        ]

    @staticmethod
    def _account(team_id: str, team_name: str, item: dict) -> Account:
        return Account(
            external_id=f"{team_id}:{item['id']}",
            name=f"#{item.get('name', item['id'])}",
            username=item.get("name", ""),
            profile_url=f"https://app.slack.com/client/{team_id}/{item['id']}",
            kind="channel",
            meta={"team_id": team_id, "channel_id": item["id"], "team_name": team_name},
        )

    def fetch_profile(self, channel: Channel) -> Account:
        body = self.request(
            "GET",
            self.url("api", "/conversations.info"),
            phase=Phase.READ,
            params={"channel": self._channel_id(channel)},
            headers=self.bearer(channel.credentials["access_token"]),
        ).json()
        meta = channel.meta
        return self._account(meta.get("team_id", ""), meta.get("team_name", ""), body["channel"])

    # -- publishing ---------------------------------------------------------------------
    @staticmethod
    def _channel_id(channel: Channel, request: PublishRequest | None = None) -> str:
        if request is not None and request.settings.get("channel"):
            return str(request.settings["channel"])
        return str(channel.meta.get("channel_id") or channel.external_id.split(":")[-1])

    @staticmethod
    def _thread_ts(request: PublishRequest) -> str:
        """Slack threads hang off the first message: never reply to a reply's ts."""
        for ref in (request.reply_to, request.root):
            if ref is None:
                continue
            ts = ref.extra.get("thread_ts") or ref.id
            if TS.match(str(ts)):
                return str(ts)
        return ""

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        channel_id = self._channel_id(channel, request)
        thread_ts = self._thread_ts(request)
        if request.media:
            ts, raw, permalink = self._publish_files(token, channel_id, thread_ts, request)
        else:
            payload = {
                "channel": channel_id,
                "text": request.text,
                "metadata": {
                    "event_type": EVENT_TYPE,
                    "event_payload": {"post_id": request.post_id},
                },
            }
            if thread_ts:
                payload["thread_ts"] = thread_ts
            raw = self.request(
                "POST",
                self.url("api", "/chat.postMessage"),
                phase=Phase.COMMIT,
                json=payload,
                headers=self.bearer(token),
            ).json()
            ts, permalink = str(raw.get("ts") or ""), ""
        extra = {"channel": channel_id, "thread_ts": thread_ts or ts}
        if ts and not permalink:
            permalink = self._permalink(token, channel_id, ts)
        return PublishResult(ref=RemoteRef(id=ts, url=permalink, extra=extra), raw=raw)

    def _permalink(self, token: str, channel_id: str, ts: str) -> str:
        # The post is live already; a failure here must not fail it.
        try:
            body = self.request(
                "GET",
                self.url("api", "/chat.getPermalink"),
                phase=Phase.READ,
                params={"channel": channel_id, "message_ts": ts},
                headers=self.bearer(token),
            ).json()
        except ProviderError:
            return ""
        return str(body.get("permalink") or "")

    def _publish_files(
        self, token: str, channel_id: str, thread_ts: str, request: PublishRequest
    ) -> tuple[str, dict, str]:
        """Upload each file, then share them all in one message (the commit)."""
        uploaded = request.progress.setdefault("slack_files", [])
        for index, item in enumerate(request.media):
            if index < len(uploaded):
                continue  # uploaded on an earlier attempt
            params = {"filename": item.filename, "length": str(item.size)}
            if item.alt_text:
                params["alt_txt"] = item.alt_text[:1000]
            ticket = self.request(
                "POST",
                self.url("api", "/files.getUploadURLExternal"),
                phase=Phase.UPLOAD,
                data=params,
                headers=self.bearer(token),
            ).json()
            # Sent from the stored file as it is read: a video is never in memory whole.
            with item.open() as stream:
                self.request(
                    "POST",
                    ticket["upload_url"],
                    phase=Phase.UPLOAD,
                    data=stream,
                    headers={"Content-Type": "application/octet-stream"},
                    timeout=self.upload_timeout,
                )
            uploaded.append({"id": ticket["file_id"], "title": item.filename})
        data = {
            "files": json.dumps(uploaded),
            "channel_id": channel_id,
        }
        if request.text:
            data["initial_comment"] = request.text
        if thread_ts:
            data["thread_ts"] = thread_ts
        raw = self.request(
            "POST",
            self.url("api", "/files.completeUploadExternal"),
            phase=Phase.COMMIT,
            data=data,
            headers=self.bearer(token),
        ).json()
        files = raw.get("files") or []
        ts = ""
        # Sharing is asynchronous: the message ts is there only when Slack already shared.
        for file in files:
            shares = file.get("shares") or {}
            for visibility in ("public", "private"):
                entries = (shares.get(visibility) or {}).get(channel_id) or []
                if entries and entries[0].get("ts"):
                    ts = str(entries[0]["ts"])
                    break
            if ts:
                break
        permalink = "" if ts else str((files[0] if files else {}).get("permalink") or "")
        return ts, raw, permalink

    # -- reconciliation -----------------------------------------------------------------
    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        token = channel.credentials["access_token"]
        channel_id = self._channel_id(channel, request)
        thread_ts = self._thread_ts(request)
        params = {
            "channel": channel_id,
            "include_all_metadata": "true",
            "limit": str(HISTORY_LIMIT),
        }
        if thread_ts:
            # Replies are not in the channel history, only in their thread.
            method = "/conversations.replies"
            params["ts"] = thread_ts
        else:
            method = "/conversations.history"
        body = self.request(
            "GET",
            self.url("api", method),
            phase=Phase.READ,
            params=params,
            headers=self.bearer(token),
        ).json()
        for message in body.get("messages") or []:
            if self._matches(message, request):
                ts = str(message["ts"])
                extra = {"channel": channel_id, "thread_ts": thread_ts or ts}
                return RemoteRef(id=ts, url=self._permalink(token, channel_id, ts), extra=extra)
        return None

    @staticmethod
    def _matches(message: dict, request: PublishRequest) -> bool:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == EVENT_TYPE:
            return (metadata.get("event_payload") or {}).get("post_id") == request.post_id
        # File shares cannot carry metadata: match their text and file count instead.
        if request.media and message.get("files"):
            same_text = (message.get("text") or "").strip() == request.text.strip()
            return same_text and len(message["files"]) == len(request.media)
        return False
