"""Telegram: a bot (token from @BotFather) posting to one channel or group.

The token sits in the URL path (``/bot<token>/method``), so every URL is redacted before
it reaches a log line. Telegram's errors carry only ``error_code`` and a ``description``;
where the status alone does not decide, the description's stable prefixes do.

A group upgraded to a supergroup gets a new chat id: the error raised is
``TelegramChatMigrated`` (kind ``transient_before_send``, nothing was posted) with
``migrated_chat_id``; the caller stores the new id as the channel's ``meta["chat_id"]``
and tries again.
"""

from __future__ import annotations

import json
import re

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations import text as text_counters
from integrations.providers.base import (
    Account,
    Channel,
    CredentialField,
    Draft,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
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
    json_object,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
TOKEN_SHAPE = re.compile(r"^\d{5,15}:[A-Za-z0-9_-]{30,50}$")
CHAT_SHAPE = re.compile(r"^(?:-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$")
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")


class TelegramChatMigrated(ProviderError):
    """The group became a supergroup; nothing was posted. Retry with ``migrated_chat_id``."""

    def __init__(self, migrated_chat_id: str, **kwargs):
        super().__init__(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(
                gettext_noop(
                    "This Telegram group was upgraded to a supergroup; we will post to its new id."
                )
            ),
            **kwargs,
        )
        self.migrated_chat_id = str(migrated_chat_id)


def normalise_chat(value: str) -> str:
    """``@name``, ``name``, ``t.me/name`` or a numeric id → ``@name`` or the id."""
    value = (value or "").strip()
    value = re.sub(r"^(?:https?://)?(?:t\.me|telegram\.me)/", "", value).strip("/")
    if value and not value.startswith("@") and not re.fullmatch(r"-?\d+", value):
        value = "@" + value
    if not CHAT_SHAPE.match(value):
        raise ValueError("not a chat")
    return value


# -- errors: {"ok": false, "error_code", "description", "parameters"}; the description's
# stable words decide where the code alone does not -----------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    status = response.status_code
    body = json_object(response, None)
    data = body or {}
    parameters = data.get("parameters") or {}
    wait = parameters.get("retry_after")
    # Telegram gives retry_after only with 429 (flood control).
    code = "429" if wait else str(data.get("error_code") or status)
    return Said(
        status,
        code=code,
        message=str(data.get("description") or ""),
        failed=status >= 300 or (body is not None and data.get("ok") is not True),
        retry_after=float(wait) if wait else None,
        values={"migrated": str(parameters.get("migrate_to_chat_id") or "")},
        body=body,
    )


REJECTED = gettext_noop("Telegram rejected the post: {message|bad request}")
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Telegram asked us to slow down; we will try again shortly."),
            code="429",
            retry_after=after_headers(30.0),
        ),
        # 404 is Telegram's answer to a malformed token in the path.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Telegram does not accept the bot token (revoked in @BotFather?); connect again "
                "with a current token."
            ),
            code=("401", "404"),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "The bot cannot post in this chat (it was removed or is not a member); add it as "
                "an administrator with permission to post."
            ),
            code="403",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "Telegram cannot find this chat; it may have been deleted, or the bot was never "
                "added to it."
            ),
            code="400",
            pattern="chat not found",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The Telegram message this replies to was deleted."),
            code="400",
            pattern="message to be replied not found|reply not found",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "The bot lacks the right to post here; make it an administrator that can post "
                "messages."
            ),
            code="400",
            pattern="not enough rights|administrator rights",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            REJECTED,
            code="400",
            pattern="too long|entities",
            field="text",
        ),
        Rule(ErrorKind.CONTENT_REJECTED, REJECTED, code="400"),
        # "ok": false below 400 that nothing above names is still a rejection.
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("{name} rejected the post{detail}"),
            status=range(100, 400),
        ),
    ),
)


def _bot_name(me: dict) -> str | Text:
    """The bot as people find it in Telegram: @username (getMe always tells it)."""
    username = me.get("username")
    return f"@{username}" if username else Text(gettext_noop("the bot"))


class TelegramProvider(Provider):
    identifier = "telegram"
    display_name = "Telegram"
    auth_kind = "bot-token"
    account_selection = "none"
    reply_mode = "thread"
    text_counter = "utf16"
    text_limit = TEXT_LIMIT
    media_rules = MediaRules(
        max_count=10,
        max_image_bytes=10 * 1024 * 1024,
        max_video_bytes=50 * 1024 * 1024,
    )
    idempotency = "none"
    lookup = "none"
    refresh_ahead = 0
    max_concurrency = 5
    endpoints = {"api": "https://api.telegram.org"}
    preference_fields = (
        SettingField(
            "link_preview", "bool", label=gettext_lazy("Show link previews"), default=True
        ),
    )
    errors = ERRORS
    redact_patterns = (r"bot\d+:[A-Za-z0-9_-]+", r"\b\d{5,15}:[A-Za-z0-9_-]{30,50}\b")
    tools = (
        Tool(
            "chats",
            gettext_lazy(
                "The channels and groups this bot can post to: the connected one, and those it "
                "was recently added to (Telegram lets bots see only recent updates)."
            ),
        ),
    )
    max_tool_chats = 20

    # -- errors -------------------------------------------------------------------------
    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        # A group upgraded to a supergroup is its own error type, carrying the new chat id.
        said = read_error(response, phase)
        if said.is_failure and said.values.get("migrated"):
            return TelegramChatMigrated(
                said.values["migrated"],
                network_code=said.code,
                raw_excerpt=self.redact(response.text[:500]),
            )
        return super().classify_response(phase, response)

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "bot_token",
                _("Bot token"),
                type="secret",
                help_text=gettext_lazy(
                    "From @BotFather: /newbot, then copy the token (123456:ABC-…)."
                ),
            ),
            CredentialField(
                "chat",
                _("Channel or group"),
                help_text=_(
                    "@channelname for a public channel, or the numeric chat id (-100…) of a "
                    "private one. Add the bot as an administrator there first."
                ),
            ),
        ]

    def _method(self, token: str, method: str) -> str:
        return self.url("api", f"/bot{token}/{method}")

    def _call(self, token: str, method: str, phase: Phase, **kwargs) -> dict | list:
        response = self.request("POST", self._method(token, method), phase=phase, **kwargs)
        return response.json().get("result")

    def authenticate(self, fields: dict) -> Grant:
        token = (fields.get("bot_token") or "").strip()
        if not TOKEN_SHAPE.match(token):
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "That does not look like a bot token; @BotFather gives one like "
                        "123456789:AAH…"
                    )
                ),
                field="bot_token",
            )
        try:
            chat_ref = normalise_chat(fields.get("chat", ""))
        except ValueError:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter the channel as @channelname, or the numeric chat id.")),
                field="chat",
            ) from None
        me = self._call(token, "getMe", Phase.AUTH)
        try:
            chat = self._call(token, "getChat", Phase.AUTH, json={"chat_id": chat_ref})
        except ProviderError as exc:
            if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.PERMISSION_DENIED):
                raise ProviderError(
                    exc.kind,
                    Text(
                        gettext_noop(
                            "Telegram cannot find %(chat)s for this bot. Check the name, and add "
                            "%(bot)s to the chat as an administrator first."
                        ),
                        chat=chat_ref,
                        bot=_bot_name(me),
                    ),
                    network_code=exc.network_code,
                    field="chat",
                ) from None
            raise
        member = self._call(
            token,
            "getChatMember",
            Phase.AUTH,
            json={"chat_id": chat["id"], "user_id": me["id"]},
        )
        self._check_membership(chat, member, me)
        return Grant(
            credentials={"bot_token": token},
            meta={
                "bot_id": str(me["id"]),
                "bot_username": me.get("username", ""),
                "chat": {
                    "id": str(chat["id"]),
                    "type": chat.get("type", ""),
                    "title": chat.get("title")
                    or " ".join(filter(None, [chat.get("first_name"), chat.get("last_name")])),
                    "username": chat.get("username", ""),
                },
            },
        )

    @staticmethod
    def _check_membership(chat: dict, member: dict, me: dict) -> None:
        status = member.get("status")
        bot = _bot_name(me)
        if chat.get("type") == "channel":
            if status == "creator" or (
                status == "administrator" and member.get("can_post_messages", False)
            ):
                return
            if status == "administrator":
                message = gettext_noop(
                    "%(bot)s is an administrator of the channel but may not post; turn on "
                    "“Post messages” in its administrator rights."
                )
            else:
                message = gettext_noop(
                    "Add %(bot)s as an administrator of the channel with “Post messages” "
                    "turned on, then connect again."
                )
            raise ProviderError(ErrorKind.PERMISSION_DENIED, Text(message, bot=bot), field="chat")
        if status in ("creator", "administrator", "member"):
            return
        if status == "restricted" and member.get("can_send_messages", False):
            return
        if status == "restricted":
            message = gettext_noop("%(bot)s is muted in this group; allow it to send messages.")
        else:
            message = gettext_noop("Add %(bot)s to the group, then connect again.")
        raise ProviderError(ErrorKind.PERMISSION_DENIED, Text(message, bot=bot), field="chat")

    def accounts(self, grant: Grant) -> list[Account]:
        chat = grant.meta["chat"]
        username = chat.get("username") or ""
        return [
            Account(
                external_id=chat["id"],
                name=chat.get("title") or (f"@{username}" if username else chat["id"]),
                username=f"@{username}" if username else "",
                profile_url=f"https://t.me/{username}" if username else "",
                kind="channel" if chat.get("type") == "channel" else "chat",
                meta={"chat_id": chat["id"], "chat_type": chat.get("type", "")},
            )
        ]

    def credential_values(self, channel: Channel) -> dict[str, str]:
        values = super().credential_values(channel)
        values["chat"] = channel.username or self._chat(channel)
        return values

    def fetch_profile(self, channel: Channel) -> Account:
        grant = self.authenticate(
            {"bot_token": channel.credentials.get("bot_token", ""), "chat": self._chat(channel)}
        )
        return self.accounts(grant)[0]

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"/(\d+)/?$", remote_id) or re.fullmatch(r"(\d+)", remote_id)
        if not match:
            return RemoteRef(id=remote_id)
        return RemoteRef(id=match.group(1), url=self.message_url(channel, match.group(1)))

    # -- look-up tools ------------------------------------------------------------------
    def _recent_chats(self, token: str) -> dict[str, dict]:
        """Group and channel chats seen in the bot's pending updates, by id; chats it was
        removed from are left out. Reading updates without an offset confirms none of
        them, so whatever else reads them still gets them."""
        try:
            updates = self._call(token, "getUpdates", Phase.READ, json={"timeout": 0})
        except ProviderError as error:
            # A bot with a webhook cannot read updates (409): only the connected chat.
            if error.kind != ErrorKind.CONTENT_REJECTED:
                raise
            return {}
        chats: dict[str, dict] = {}
        for update in updates if isinstance(updates, list) else []:
            if not isinstance(update, dict):
                continue
            for kind in ("my_chat_member", "channel_post", "message", "edited_channel_post"):
                event = update.get(kind)
                if not isinstance(event, dict) or not isinstance(event.get("chat"), dict):
                    continue
                chat = event["chat"]
                if chat.get("type") not in ("channel", "group", "supergroup"):
                    continue
                status = (event.get("new_chat_member") or {}).get("status")
                if status in ("left", "kicked"):
                    chats.pop(str(chat.get("id")), None)
                else:
                    chats[str(chat.get("id"))] = chat
        return chats

    def chats(self, channel: Channel) -> list[dict]:
        token = channel.credentials["bot_token"]
        me = self._call(token, "getMe", Phase.READ)
        connected = self._chat(channel)
        candidates = {connected: None, **self._recent_chats(token)}
        found = []
        for chat_id, chat in list(candidates.items())[: self.max_tool_chats]:
            try:
                if chat is None:
                    chat = self._call(token, "getChat", Phase.READ, json={"chat_id": chat_id})
                member = self._call(
                    token,
                    "getChatMember",
                    Phase.READ,
                    json={"chat_id": chat["id"], "user_id": me["id"]},
                )
                self._check_membership(chat, member, me)
            except ProviderError as error:
                if error.kind not in (
                    ErrorKind.NOT_FOUND,
                    ErrorKind.PERMISSION_DENIED,
                    ErrorKind.CONTENT_REJECTED,
                ):
                    raise
                continue  # gone, or the bot may not post there
            username = chat.get("username") or ""
            found.append(
                {
                    "id": str(chat["id"]),
                    "name": chat.get("title") or (f"@{username}" if username else str(chat["id"])),
                    "type": chat.get("type", ""),
                    "username": f"@{username}" if username else "",
                    "connected": str(chat["id"]) == connected or f"@{username}" == connected,
                }
            )
        return found

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        for index, item in enumerate(draft.items):
            kinds = {self._media_kind(m) for m in item.media}
            if len(item.media) > 1 and "document" in kinds and len(kinds) > 1:
                issues.append(
                    Issue(
                        "media_mix",
                        _("Telegram albums hold photos and videos, or only documents."),
                        "media",
                        item=index,
                    )
                )
        return issues

    # -- publishing ---------------------------------------------------------------------
    @staticmethod
    def _chat(channel: Channel) -> str:
        return str(channel.meta.get("chat_id") or channel.external_id)

    @staticmethod
    def _media_kind(item: MediaItem) -> str:
        if item.mime_type in PHOTO_TYPES:
            return "photo"
        if item.mime_type == "video/mp4":
            return "video"
        return "document"

    def message_url(self, channel: Channel, message_id: str) -> str:
        username = (channel.username or "").lstrip("@")
        if username:
            return f"https://t.me/{username}/{message_id}"
        chat_id = self._chat(channel)
        if chat_id.startswith("-100"):
            # Private supergroups and channels: a link that works for their members.
            return f"https://t.me/c/{chat_id[4:]}/{message_id}"
        return ""

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["bot_token"]
        chat_id = self._chat(channel)
        reply = {"message_id": int(request.reply_to.id)} if request.reply_to else None
        text = request.text
        if not request.media:
            message = self._send_text(token, chat_id, text, reply, channel)
            message_id = str(message["message_id"])
            return PublishResult(
                ref=RemoteRef(id=message_id, url=self.message_url(channel, message_id)),
                raw=message,
            )
        fits = text_counters.utf16(text) <= CAPTION_LIMIT
        # Media already posted on an earlier attempt (only the long text failed after it).
        media_ids = list(request.progress.get("telegram_media_message_ids") or [])
        if not media_ids:
            messages = self._send_media(token, chat_id, request.media, text if fits else "", reply)
            media_ids = [str(m["message_id"]) for m in messages]
            request.progress["telegram_media_message_ids"] = media_ids
        first = media_ids[0]
        extra = {"message_ids": media_ids}
        raw: dict = {"media_message_ids": media_ids}
        if not fits and text.strip():
            follow = self._send_text(token, chat_id, text, {"message_id": int(first)}, channel)
            extra["text_message_id"] = str(follow["message_id"])
            raw["text_message"] = follow
        return PublishResult(
            ref=RemoteRef(id=first, url=self.message_url(channel, first), extra=extra), raw=raw
        )

    def _send_text(
        self, token: str, chat_id: str, text: str, reply: dict | None, channel: Channel
    ) -> dict:
        payload: dict = {
            "chat_id": chat_id,
            "text": text,
            "link_preview_options": {
                "is_disabled": not channel.preferences.get("link_preview", True)
            },
        }
        if reply:
            payload["reply_parameters"] = reply
        return self._call(token, "sendMessage", Phase.COMMIT, json=payload)

    def _send_media(
        self,
        token: str,
        chat_id: str,
        media: list[MediaItem],
        caption: str,
        reply: dict | None,
    ) -> list[dict]:
        data: dict = {"chat_id": chat_id}
        if reply:
            data["reply_parameters"] = json.dumps(reply)
        if len(media) == 1:
            item = media[0]
            kind = self._media_kind(item)
            if caption:
                data["caption"] = caption
            method = {"photo": "sendPhoto", "video": "sendVideo"}.get(kind, "sendDocument")
            return [self._send_files(token, method, data, [(kind, item)])]
        entries, files = [], []
        for index, item in enumerate(media):
            name = f"file{index}"
            entry = {"type": self._media_kind(item), "media": f"attach://{name}"}
            if index == 0 and caption:
                entry["caption"] = caption
            entries.append(entry)
            files.append((name, item))
        data["media"] = json.dumps(entries)
        return self._send_files(token, "sendMediaGroup", data, files)

    def _send_files(self, token: str, method: str, data: dict, files: list) -> dict | list:
        """The Bot API's multipart upload, streamed from the stored files (a video is never
        in memory whole)."""
        with multipart_body(fields=data, files=files) as body:
            return self._call(
                token,
                method,
                Phase.COMMIT,
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=self.upload_timeout,
            )
