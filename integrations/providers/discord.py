"""Discord: post through a channel webhook (the default), or as an installed bot.

Webhook URLs carry their own secret (the token in the path), so they are stored as
credentials and redacted from every log line. A webhook is bound to one channel; a bot
install lists the guild's text channels and makes one channel per Discord channel.
"""

from __future__ import annotations

import json
import re
import uuid

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    Account,
    Channel,
    CredentialField,
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
    bot,
    json_object,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

WEBHOOK_URL = re.compile(
    r"^https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?"
    r"/webhooks/(?P<id>\d{15,22})/(?P<token>[A-Za-z0-9_-]{20,100})/?$"
)
MESSAGE_URL = "https://discord.com/channels/{guild}/{channel}/{message}"
TEXT_LIMIT = 2000
MAX_FILES = 10
# Without server boosts an upload may be up to 10 MiB.
MAX_FILE_BYTES = 10 * 1024 * 1024


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


# -- errors: {"code": <number>, "message": "..."}, keyed on the code, never the wording ---
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    data = body or {}
    raw = data.get("code")
    try:
        wait = float(data.get("retry_after"))
    except (TypeError, ValueError):
        wait = None
    pairs = flatten_form_errors(data.get("errors") or {}) if raw == 50035 else []
    where = pairs[0][0] if pairs else ""
    form_errors = "; ".join(f"{path}: {msg}" if path else msg for path, msg in pairs)
    return Said(
        response.status_code,
        # 0 is Discord's "general error", a code of no meaning of its own.
        code=str(raw) if raw else "",
        message=str(data.get("message") or ""),
        # A limit on every request of the app, not only this channel's: its own row.
        network_code="global" if response.status_code == 429 and data.get("global") else "",
        failed=response.status_code >= 400,
        retry_after=wait,
        values={
            "body_code": "" if raw is None else str(raw),
            "form_errors": form_errors or str(data.get("message") or ""),
            "form_field": "text" if where == "content" else where,
        },
        body=body,
    )


TOO_LARGE = gettext_noop("The files are too large for this Discord server.")
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    bodiless=(204,),  # No Content: nothing to read, and nothing unknown
    rows=(
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Discord is rate limiting everything; we will try again shortly."),
            status=429,
            code="global",
            network_code="429",
            retry_after=after_headers(5.0),
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Discord is rate limiting this channel; we will try again shortly."),
            status=429,
            retry_after=after_headers(5.0),
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "The Discord webhook was deleted; create a new webhook and connect with it."
            ),
            code=10015,
        ),
        Rule(
            ErrorKind.NOT_FOUND, gettext_noop("The Discord channel no longer exists."), code=10003
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The Discord server no longer exists or removed the bot."),
            code=10004,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The Discord message this replies to was deleted."),
            code=10008,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "The bot cannot see this Discord channel; give it access in the channel settings."
            ),
            code=50001,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "The bot lacks permission to post here; allow Send Messages (and Attach Files) "
                "for it in the channel settings."
            ),
            code=50013,
        ),
        Rule(ErrorKind.CONTENT_REJECTED, TOO_LARGE, code=40005),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Discord does not accept an empty message."),
            code=50006,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Discord rejected the post: {form_errors|invalid form body}"),
            code=50035,
            field="{form_field}",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Discord does not accept these credentials; connect again with current ones."
            ),
            status=401,
            network_code="{body_code|401}",
        ),
        Rule(ErrorKind.CONTENT_REJECTED, TOO_LARGE, status=413, network_code="413"),
    ),
)


class DiscordBase(Provider):
    """What the webhook and bot variants share: limits, media, errors, multipart."""

    network_name = "Discord"
    errors = ERRORS
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
    settings_fields = (SettingField("channel", "string", label=gettext_lazy("Channel")),)

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        guild, channel_id = channel.meta.get("guild_id"), channel.meta.get("channel_id")
        message = remote_id.rstrip("/").rsplit("/", 1)[-1]
        if not message.isdigit():
            return RemoteRef(id=remote_id)
        url = ""
        if guild and channel_id:
            url = MESSAGE_URL.format(guild=guild, channel=channel_id, message=message)
        return RemoteRef(id=message, url=url, extra={"channel_id": channel_id or ""})

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
            files = [(f"files[{index}]", item) for index, item in enumerate(media)]
            # Streamed from the stored files: a video is never in memory whole.
            with multipart_body(fields={"payload_json": json.dumps(payload)}, files=files) as body:
                response = self.request(
                    "POST",
                    url,
                    phase=Phase.COMMIT,
                    params=params,
                    headers={**(headers or {}), "Content-Type": body.content_type},
                    data=body,
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
        SettingField("username", "string", label=gettext_lazy("Display name"), max_length=80),
        SettingField("avatar_url", "url", label=gettext_lazy("Avatar URL")),
        SettingField(
            "thread_id",
            "string",
            label=gettext_lazy("Thread id"),
            help_text=gettext_lazy("Post inside this thread of the webhook's channel."),
        ),
        SettingField(
            "forum",
            "bool",
            label=gettext_lazy("Forum channel"),
            default=False,
            help_text=gettext_lazy(
                "Each post opens a new forum thread titled with its first line."
            ),
        ),
    )
    tools = (
        Tool(
            "channels",
            gettext_lazy(
                "The channel this webhook posts to (a webhook is bound to one channel, chosen "
                "when it was made in Discord)."
            ),
        ),
    )

    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "webhook_url",
                _("Webhook URL"),
                type="secret",
                help_text=_(
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
                Text(
                    gettext_noop(
                        "That is not a Discord webhook URL; it looks like "
                        "https://discord.com/api/webhooks/<id>/<token>."
                    )
                ),
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
    # The install page adds the bot to a server the person picks, with these permissions.
    oauth = OAuth2(
        client=("DISCORD_CLIENT_ID", "DISCORD_CLIENT_SECRET"),
        authorize=("web", "/oauth2/authorize"),
        token=("api", "/oauth2/token"),
        params={"permissions": str(BOT_PERMISSIONS)},
        client_auth="basic",
    )
    tools = (
        Tool(
            "channels",
            gettext_lazy(
                "The text and announcement channels of the bot's Discord server: id (for the "
                "channel setting), name and type."
            ),
        ),
    )

    def _bot_headers(self) -> dict:
        return bot(self.setting("DISCORD_BOT_TOKEN"))

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance=None
    ) -> Grant:
        body = self.oauth.request_token(
            self,
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
        )
        guild = body.get("guild") or {}
        if not guild.get("id"):
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Discord did not install the bot in a server; choose a server and try "
                        "again."
                    )
                ),
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
                Text(gettext_noop("Discord answered without the channel; try again.")),
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
