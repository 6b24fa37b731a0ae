"""Discord: post through a channel webhook (the default), or as an installed bot.

Webhook URLs carry their own secret (the token in the path), so they are stored as
credentials and redacted from every log line. A webhook is bound to one channel; a bot
install lists the guild's text channels and makes one channel per Discord channel.
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import urlencode

import requests

from integrations.providers.base import (
    Account,
    Channel,
    CredentialField,
    ErrorKind,
    Grant,
    MediaRules,
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    SettingField,
    Tool,
    json_object,
    retry_after_seconds,
)

WEBHOOK_URL = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?"
    r"/webhooks/(?P<id>\d{15,22})/(?P<token>[A-Za-z0-9_-]{20,100})/?$"
)
MESSAGE_URL = "https://discord.com/channels/{guild}/{channel}/{message}"
TEXT_LIMIT = 2000
MAX_FILES = 10
# Without server boosts an upload may be up to 10 MiB.
MAX_FILE_BYTES = 10 * 1024 * 1024

# Discord JSON error codes → (kind, message). Keyed on the code, never the wording.
ERROR_CODES: dict[int, tuple[ErrorKind, str]] = {
    10015: (
        ErrorKind.AUTH_REVOKED,
        "The Discord webhook was deleted; create a new webhook and connect with it.",
    ),
    10003: (ErrorKind.NOT_FOUND, "The Discord channel no longer exists."),
    10004: (ErrorKind.NOT_FOUND, "The Discord server no longer exists or removed the bot."),
    10008: (ErrorKind.NOT_FOUND, "The Discord message this replies to was deleted."),
    50001: (
        ErrorKind.PERMISSION_DENIED,
        "The bot cannot see this Discord channel; give it access in the channel settings.",
    ),
    50013: (
        ErrorKind.PERMISSION_DENIED,
        "The bot lacks permission to post here; allow Send Messages (and Attach Files) "
        "for it in the channel settings.",
    ),
    40005: (ErrorKind.CONTENT_REJECTED, "The files are too large for this Discord server."),
    50006: (ErrorKind.CONTENT_REJECTED, "Discord does not accept an empty message."),
}


def parse_webhook_url(value: str) -> tuple[str, str]:
    """(webhook id, token) from a webhook URL, or ValueError."""
    match = WEBHOOK_URL.match((value or "").strip())
    if not match:
        raise ValueError("not a Discord webhook URL")
    return match["id"], match["token"]


def flatten_form_errors(errors: dict, path: str = "") -> list[tuple[str, str]]:
    """Discord's nested 50035 ``errors`` object as (field path, message) pairs."""
    found: list[tuple[str, str]] = []
    if not isinstance(errors, dict):
        return found
    for key, value in errors.items():
        if key == "_errors" and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    found.append((path, str(item.get("message") or item.get("code") or "")))
        elif isinstance(value, dict):
            found += flatten_form_errors(value, f"{path}.{key}" if path else str(key))
    return found


class DiscordBase(Provider):
    """What the webhook and bot variants share: limits, media, errors, multipart."""

    reply_mode = "thread"
    text_counter = "codepoints"
    text_limit = TEXT_LIMIT
    media_rules = MediaRules(
        max_count=MAX_FILES, max_image_bytes=MAX_FILE_BYTES, max_video_bytes=MAX_FILE_BYTES
    )
    max_concurrency = 5
    endpoints = {"api": "https://discord.com/api/v10", "web": "https://discord.com"}
    redact_patterns = (
        r"webhooks/\d+/[A-Za-z0-9_.-]+",
        r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}",  # bot tokens
    )
    # The public API sends ``channel``; the channel is fixed when connecting, so it is
    # accepted for compatibility and otherwise ignored.
    settings_fields = (SettingField("channel", "string", label="Channel"),)

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        guild, channel_id = channel.meta.get("guild_id"), channel.meta.get("channel_id")
        message = remote_id.rstrip("/").rsplit("/", 1)[-1]
        if not message.isdigit():
            return RemoteRef(id=remote_id)
        url = ""
        if guild and channel_id:
            url = MESSAGE_URL.format(guild=guild, channel=channel_id, message=message)
        return RemoteRef(id=message, url=url, extra={"channel_id": channel_id or ""})

    # -- errors -------------------------------------------------------------------------
    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        status = response.status_code
        body = json_object(response, None)
        if status < 300:
            if phase == Phase.COMMIT and status != 204 and not isinstance(body, dict):
                return ProviderError(
                    ErrorKind.UNKNOWN_OUTCOME,
                    "Discord answered the post with something unreadable; it may be live.",
                    network_code=str(status),
                    raw_excerpt=response.text[:500],
                )
            return None
        if status < 400:
            return None
        body = body if isinstance(body, dict) else {}
        code = body.get("code")
        excerpt = self.redact(response.text[:500])
        if status == 429:
            retry = body.get("retry_after")
            try:
                retry = float(retry)
            except (TypeError, ValueError):
                retry = retry_after_seconds(response, default=5.0)
            scope = "everything" if body.get("global") else "this channel"
            return ProviderError(
                ErrorKind.RATE_LIMITED,
                f"Discord is rate limiting {scope}; we will try again shortly.",
                retry_after=retry,
                network_code=str(code or 429),
                raw_excerpt=excerpt,
            )
        if isinstance(code, int) and code in ERROR_CODES:
            kind, message = ERROR_CODES[code]
            return ProviderError(kind, message, network_code=str(code), raw_excerpt=excerpt)
        if code == 50035:
            pairs = flatten_form_errors(body.get("errors") or {})
            detail = "; ".join(f"{path}: {msg}" if path else msg for path, msg in pairs)
            field = pairs[0][0] if pairs else ""
            return ProviderError(
                ErrorKind.CONTENT_REJECTED,
                f"Discord rejected the post: {detail or body.get('message', 'invalid form body')}",
                network_code="50035",
                raw_excerpt=excerpt,
                field="text" if field == "content" else field,
            )
        if status == 401:
            return ProviderError(
                ErrorKind.AUTH_REVOKED,
                "Discord does not accept these credentials; connect again with current ones.",
                network_code=str(code if code is not None else 401),
                raw_excerpt=excerpt,
            )
        if status == 413:
            return ProviderError(
                ErrorKind.CONTENT_REJECTED,
                "The files are too large for this Discord server.",
                network_code="413",
                raw_excerpt=excerpt,
            )
        message = str(body.get("message") or "")
        return self.error_for_status(phase, response, message=message, code=str(code or status))

    # -- shared building blocks ---------------------------------------------------------
    def _send(
        self, url: str, payload: dict, media: list, *, params: dict | None = None, headers=None
    ) -> dict:
        """POST a message, as JSON or as multipart with ``payload_json`` + ``files[n]``."""
        if media:
            payload = dict(payload)
            payload["attachments"] = [
                {"id": index, "filename": item.filename, "description": item.alt_text[:1024]}
                if item.alt_text
                else {"id": index, "filename": item.filename}
                for index, item in enumerate(media)
            ]
            files = [
                (f"files[{index}]", (item.filename, item.read(), item.mime_type))
                for index, item in enumerate(media)
            ]
            response = self.request(
                "POST",
                url,
                phase=Phase.COMMIT,
                params=params,
                headers=headers,
                data={"payload_json": json.dumps(payload)},
                files=files,
                timeout=self.upload_timeout,
            )
        else:
            response = self.request(
                "POST", url, phase=Phase.COMMIT, params=params, headers=headers, json=payload
            )
        return response.json()


class DiscordWebhookProvider(DiscordBase):
    """A channel webhook pasted by the user; no app configuration needed."""

    identifier = "discord"
    display_name = "Discord"
    auth_kind = "webhook"
    account_selection = "none"
    idempotency = "none"
    lookup = "none"
    refresh_ahead = 0
    preference_fields = (
        SettingField("username", "string", label="Display name", max_length=80),
        SettingField("avatar_url", "url", label="Avatar URL"),
        SettingField(
            "thread_id",
            "string",
            label="Thread id",
            help_text="Post inside this thread of the webhook's channel.",
        ),
        SettingField(
            "forum",
            "bool",
            label="Forum channel",
            default=False,
            help_text="Each post opens a new forum thread titled with its first line.",
        ),
    )
    tools = (
        Tool(
            "channels",
            "The channel this webhook posts to (a webhook is bound to one channel, chosen "
            "when it was made in Discord).",
        ),
    )

    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "webhook_url",
                "Webhook URL",
                type="secret",
                help_text=(
                    "In Discord: Channel settings → Integrations → Webhooks → New Webhook → "
                    "Copy Webhook URL (https://discord.com/api/webhooks/…)."
                ),
            )
        ]

    def _webhook_endpoint(self, webhook_url: str) -> str:
        webhook_id, token = parse_webhook_url(webhook_url)
        return self.url("api", f"/webhooks/{webhook_id}/{token}")

    def authenticate(self, fields: dict) -> Grant:
        raw = (fields.get("webhook_url") or "").strip()
        try:
            webhook_id, token = parse_webhook_url(raw)
        except ValueError:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                "That is not a Discord webhook URL; it looks like "
                "https://discord.com/api/webhooks/<id>/<token>.",
                field="webhook_url",
            ) from None
        canonical = f"https://discord.com/api/webhooks/{webhook_id}/{token}"
        response = self.request("GET", self._webhook_endpoint(canonical), phase=Phase.AUTH)
        hook = response.json()
        meta = {
            "webhook_id": str(hook.get("id") or webhook_id),
            "name": hook.get("name") or "Discord webhook",
            "channel_id": str(hook.get("channel_id") or ""),
            "guild_id": str(hook.get("guild_id") or ""),
            "avatar": hook.get("avatar") or "",
        }
        return Grant(credentials={"webhook_url": canonical}, meta=meta)

    def accounts(self, grant: Grant) -> list[Account]:
        meta = grant.meta
        avatar = ""
        if meta.get("avatar"):
            avatar = f"https://cdn.discordapp.com/avatars/{meta['webhook_id']}/{meta['avatar']}.png"
        profile = ""
        if meta.get("guild_id") and meta.get("channel_id"):
            profile = f"https://discord.com/channels/{meta['guild_id']}/{meta['channel_id']}"
        return [
            Account(
                external_id=meta["webhook_id"],
                name=meta["name"],
                profile_url=profile,
                avatar_url=avatar,
                kind="channel",
                meta={
                    "channel_id": meta.get("channel_id", ""),
                    "guild_id": meta.get("guild_id", ""),
                },
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        grant = self.authenticate({"webhook_url": channel.credentials.get("webhook_url", "")})
        return self.accounts(grant)[0]

    def channels(self, channel: Channel) -> list[dict]:
        response = self.request(
            "GET",
            self._webhook_endpoint(channel.credentials.get("webhook_url", "")),
            phase=Phase.READ,
        )
        hook = json_object(response)
        channel_id = str(hook.get("channel_id") or channel.meta.get("channel_id") or "")
        if not channel_id:
            return []
        guild_id = str(hook.get("guild_id") or channel.meta.get("guild_id") or "")
        return [
            {
                "id": channel_id,
                "name": hook.get("name") or "Discord webhook",
                "guildId": guild_id,
                "url": f"https://discord.com/channels/{guild_id}/{channel_id}" if guild_id else "",
            }
        ]

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        prefs = channel.preferences or {}
        payload: dict = {"content": request.text, "allowed_mentions": {"parse": []}}
        if prefs.get("username"):
            payload["username"] = prefs["username"]
        if prefs.get("avatar_url"):
            payload["avatar_url"] = prefs["avatar_url"]
        params = {"wait": "true"}
        # Webhooks cannot reply to a message; a thread item lands in the same thread as its
        # parent when there is one, and otherwise as the next message in the channel.
        thread_id = ""
        if request.reply_to is not None:
            thread_id = str(request.reply_to.extra.get("thread_id") or "")
        if not thread_id:
            thread_id = str(prefs.get("thread_id") or "")
        if thread_id:
            params["thread_id"] = thread_id
        elif prefs.get("forum"):
            first_line = next((line for line in request.text.splitlines() if line.strip()), "")
            payload["thread_name"] = (first_line.strip() or "New post")[:100]
        message = self._send(
            self._webhook_endpoint(channel.credentials["webhook_url"]),
            payload,
            request.media,
            params=params,
        )
        message_id = str(message.get("id") or "")
        message_channel = str(message.get("channel_id") or channel.meta.get("channel_id") or "")
        extra = {"channel_id": message_channel}
        if message_channel and message_channel != str(channel.meta.get("channel_id") or ""):
            extra["thread_id"] = message_channel
        guild = channel.meta.get("guild_id") or message.get("guild_id") or ""
        url = ""
        if guild and message_channel and message_id:
            url = MESSAGE_URL.format(guild=guild, channel=message_channel, message=message_id)
        return PublishResult(ref=RemoteRef(id=message_id, url=url, extra=extra), raw=message)


BOT_PERMISSIONS = 1024 | 2048 | 16384 | 32768 | 274877906944
"""View Channel, Send Messages, Embed Links, Attach Files, Send Messages in Threads."""

TEXT_CHANNEL_TYPES = {0: "text", 5: "announcement"}


class DiscordBotProvider(DiscordBase):
    """The operator's bot installed in a guild; one channel per Discord text channel."""

    identifier = "discord-bot"
    display_name = "Discord (bot)"
    auth_kind = "oauth2"
    account_selection = "channels"
    idempotency = "native-key"
    # Discord checks a message nonce for uniqueness "in the past few minutes" only.
    idempotency_window = 120
    lookup = "none"
    refresh_ahead = 0
    scopes = ("bot",)
    required_settings = ("DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET", "DISCORD_BOT_TOKEN")
    tools = (
        Tool(
            "channels",
            "The text and announcement channels of the bot's Discord server: id (for the "
            "channel setting), name and type.",
        ),
    )

    def _bot_headers(self) -> dict:
        return {"Authorization": f"Bot {self.setting('DISCORD_BOT_TOKEN')}"}

    def authorization_url(
        self, *, state: str, redirect_uri: str, code_challenge: str = "", instance=None
    ) -> str:
        query = {
            "client_id": self.setting("DISCORD_CLIENT_ID"),
            "scope": " ".join(self.scopes),
            "permissions": str(BOT_PERMISSIONS),
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return self.url("web", "/oauth2/authorize") + "?" + urlencode(query)

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance=None
    ) -> Grant:
        response = self.request(
            "POST",
            self.url("api", "/oauth2/token"),
            phase=Phase.AUTH,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            auth=(self.setting("DISCORD_CLIENT_ID"), self.setting("DISCORD_CLIENT_SECRET")),
        )
        body = response.json()
        guild = body.get("guild") or {}
        if not guild.get("id"):
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                "Discord did not install the bot in a server; choose a server and try again.",
            )
        # The user's token is not needed: the bot token (configuration) does the posting.
        return Grant(
            credentials={},
            scopes=str(body.get("scope") or "").split(),
            meta={"guild_id": str(guild["id"]), "guild_name": guild.get("name") or ""},
        )

    def accounts(self, grant: Grant) -> list[Account]:
        guild_id = grant.meta["guild_id"]
        response = self.request(
            "GET",
            self.url("api", f"/guilds/{guild_id}/channels"),
            phase=Phase.READ,
            headers=self._bot_headers(),
        )
        found = []
        for item in response.json() or []:
            kind = TEXT_CHANNEL_TYPES.get(item.get("type"))
            if kind is None:
                continue
            found.append(self._channel_account(item, guild_id, grant.meta.get("guild_name", "")))
        return found

    @staticmethod
    def _channel_account(item: dict, guild_id: str, guild_name: str) -> Account:
        return Account(
            external_id=str(item["id"]),
            name=f"#{item.get('name', '')}",
            username=item.get("name", ""),
            profile_url=f"https://discord.com/channels/{guild_id}/{item['id']}",
            kind="channel",
            meta={
                "channel_id": str(item["id"]),
                "guild_id": guild_id,
                "guild_name": guild_name,
                "channel_type": TEXT_CHANNEL_TYPES.get(item.get("type"), "text"),
            },
        )

    def fetch_profile(self, channel: Channel) -> Account:
        # The bot token is the credential that lasts: one read of the channel with it
        # says whether Discord still accepts the bot there.
        channel_id = str(channel.meta.get("channel_id") or channel.external_id)
        response = self.request(
            "GET",
            self.url("api", f"/channels/{channel_id}"),
            phase=Phase.READ,
            headers=self._bot_headers(),
        )
        item = json_object(response)
        if not item.get("id"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                "Discord answered without the channel; try again.",
                raw_excerpt=response.text[:200],
            )
        guild_id = str(item.get("guild_id") or channel.meta.get("guild_id") or "")
        return self._channel_account(item, guild_id, channel.meta.get("guild_name", ""))

    def channels(self, channel: Channel) -> list[dict]:
        guild = {
            "guild_id": channel.meta.get("guild_id", ""),
            "guild_name": channel.meta.get("guild_name", ""),
        }
        if not guild["guild_id"]:
            return []
        return [
            {
                "id": account.external_id,
                "name": account.username or account.name,
                "type": account.meta.get("channel_type", "text"),
                "url": account.profile_url,
            }
            for account in self.accounts(Grant(credentials={}, meta=guild))
        ]

    @staticmethod
    def nonce_for(request: PublishRequest) -> str:
        """The item's permanent key in base 36: 25 characters (Discord's most), the same on
        every attempt of the same item and never shared with another (nor with another
        installation posting to the same channel)."""
        key = request.idempotency_key
        try:
            number = uuid.UUID(key).int
        except ValueError:
            return re.sub(r"[^A-Za-z0-9]", "", key)[-25:] or "postiz"
        digits = ""
        while number:
            number, digit = divmod(number, 36)
            digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        return digits.rjust(25, "0")

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        channel_id = str(channel.meta.get("channel_id") or channel.external_id)
        payload: dict = {
            "content": request.text,
            "allowed_mentions": {"parse": []},
            "nonce": self.nonce_for(request),
            "enforce_nonce": True,
        }
        if request.reply_to is not None:
            payload["message_reference"] = {
                "message_id": request.reply_to.id,
                "fail_if_not_exists": True,
            }
        message = self._send(
            self.url("api", f"/channels/{channel_id}/messages"),
            payload,
            request.media,
            headers=self._bot_headers(),
        )
        message_id = str(message.get("id") or "")
        guild = channel.meta.get("guild_id", "")
        url = MESSAGE_URL.format(guild=guild, channel=channel_id, message=message_id)
        return PublishResult(
            ref=RemoteRef(id=message_id, url=url, extra={"channel_id": channel_id}), raw=message
        )
