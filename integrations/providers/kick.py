"""Kick: a chat message in the connected broadcaster's own chat, through Kick's public API.

Sign-in is OAuth 2.1 with PKCE at id.kick.com (``chat:write user:read channel:read``);
access tokens last about two hours and each refresh returns a new refresh token, which is
kept. The account is read from ``/public/v1/users`` and its channel (for the address)
from ``/public/v1/channels``.

A post is a chat message (``POST /public/v1/chat``, at most 500 characters) sent as the
user to their own channel, or as the app's bot (Kick sends a bot's message to the
channel the token belongs to); a thread's later parts reply to the part before. Kick
answers ``{"data": {"is_sent", "message_id"}, "message"}``; a message it did not send is
a definite failure.

Kick has no idempotency key and its API cannot list a chat's messages (chat is read
through webhooks only): a message whose answer was lost cannot be looked up afterwards,
so it becomes unconfirmed for a person to check in the chat.
"""

from __future__ import annotations

import requests
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_ERROR,
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
    json_object,
)
from organizations.texts import Text

SENDERS = ("user", "bot")


# -- errors: the API answers {"data": {}, "message": "…"}; the token endpoint {"error"},
# and Kick's edge (Cloudflare) {"error": "Request blocked by security policy.", …}. ----
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None:
        return Said(response.status_code)
    if response.status_code < 400:
        return Said(response.status_code, body=body)
    message = str(body.get("error_description") or body.get("message") or body.get("error") or "")
    return Said(response.status_code, code=str(body.get("error") or ""), message=message, body=body)


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Kick refused our app's credentials ({message}); check KICK_CLIENT_ID and "
                "KICK_CLIENT_SECRET."
            ),
            status=401,
            phase=Phase.AUTH,
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("Kick no longer accepts this sign-in; connect the channel again."),
            status=400,
            phase=Phase.AUTH,
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Kick's sign-in expired; we will renew it."),
            status=401,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Kick's edge blocked the request ({message}); try again later, or ask Kick "
                "about the app."
            ),
            status=403,
            pattern="blocked",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Kick does not let this account post in the chat: {message|no reason given}"
            ),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Kick could not find the channel; it may have been renamed or closed."),
            status=404,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Kick asked us to slow down; we will try again later."),
            status=429,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Kick refused the message: {message|it gave no reason}"),
            status=(400, 422),
            field="text",
        ),
        SERVER_ERROR,
    ),
)


class KickProvider(Provider):
    identifier = "kick"
    display_name = "Kick"
    auth_kind = "oauth2+pkce"
    reply_mode = "thread"
    text_counter = "codepoints"
    text_limit = 500
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "none"
    refresh_ahead = 300
    max_concurrency = 2
    scopes = ("chat:write", "user:read", "channel:read")
    oauth = OAuth2(
        client=("KICK_CLIENT_ID", "KICK_CLIENT_SECRET"),
        authorize=("auth", "/oauth/authorize"),
        token=("auth", "/oauth/token"),
        pkce=True,
        write_scope="chat:write",
    )
    required_settings = ("KICK_CLIENT_ID", "KICK_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {"auth": "https://id.kick.com", "api": "https://api.kick.com"}
    settings_fields = (
        SettingField(
            "sender",
            "enum",
            label=gettext_lazy("Send as"),
            choices=SENDERS,
            default="user",
            help_text=gettext_lazy(
                "user: as the connected account; bot: as the app's bot account (Kick must "
                "have enabled bot messages for the app)."
            ),
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def _get(self, token: str, path: str, phase: Phase = Phase.READ) -> list[dict]:
        response = self.request(
            "GET", self.url("api", path), phase=phase, headers=self.bearer(token)
        )
        data = self.read_json(response, phase).get("data") or []
        return [row for row in data if isinstance(row, dict)]

    def _me(self, token: str) -> Account:
        users = self._get(token, "/public/v1/users")
        if not users or not users[0].get("user_id"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND, Text(gettext_noop("Kick sent no account."))
            )
        user = users[0]
        # Without a broadcaster id the channels endpoint answers the token's own channel.
        channels = self._get(token, "/public/v1/channels")
        slug = str(channels[0].get("slug") or "") if channels else ""
        name = str(user.get("name") or slug)
        return Account(
            external_id=str(user["user_id"]),
            name=name,
            username=slug or name,
            profile_url=f"https://kick.com/{slug}" if slug else "",
            avatar_url=str(user.get("profile_picture") or ""),
            kind="channel",
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._me(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._me(channel.credentials["access_token"])

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        sender = request.settings.get("sender") or "user"
        body: dict = {"content": request.text, "type": sender}
        if sender == "user":
            # Kick's ids are numbers; a bot's message goes to the token's own channel.
            body["broadcaster_user_id"] = _number(channel.external_id)
        if request.reply_to is not None and request.reply_to.id:
            body["reply_to_message_id"] = request.reply_to.id
        response = self.request(
            "POST",
            self.url("api", "/public/v1/chat"),
            phase=Phase.COMMIT,
            json=body,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        data = self.read_json(response, Phase.COMMIT).get("data") or {}
        data = data if isinstance(data, dict) else {}
        if data.get("is_sent") is False:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Kick did not send the message (its chat settings or moderation held it)."
                    )
                ),
                network_code="not_sent",
                raw_excerpt=self.redact(response.text),
                field="text",
            )
        message_id = str(data.get("message_id") or "")
        if data.get("is_sent") is not True or not message_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Kick answered without saying whether the message was sent.")),
                network_code=str(response.status_code),
            )
        url = f"https://kick.com/{channel.username}" if channel.username else ""
        # A chat message has no address of its own; the channel's page shows its chat.
        return PublishResult(
            ref=RemoteRef(id=message_id, url=url, extra={"sender": sender}),
            raw={"message_id": message_id},
        )


def _number(value: str) -> int | str:
    return int(value) if str(value).isdigit() else value
