"""Twitch: a message or an announcement in the connected broadcaster's own chat.

Sign-in is OAuth 2.0 at id.twitch.tv (``user:write:chat moderator:manage:announcements
user:read:email``); access tokens last about four hours and a refresh returns a new
refresh token, which is kept. Every Helix call carries the app's ``Client-Id`` with the
bearer token. Twitch asks apps to validate their tokens (``/oauth2/validate``): "Check
connection" does, and reads the account from ``/helix/users``.

A post is either a chat message (``POST /helix/chat/messages``, at most 500 characters;
a thread's later parts reply to the part before) or an announcement
(``POST /helix/chat/announcements``, highlighted in a colour, answered with 204 and no
id). A message Twitch refuses after checking it (AutoMod, the channel's chat settings,
a duplicate) comes back as 200 with ``is_sent: false`` and a ``drop_reason``: a definite
failure with Twitch's words, never a retry.

Twitch has no idempotency key, and Helix cannot list a chat's messages (chat is only read
live, through EventSub or IRC): a message whose answer was lost cannot be looked up
afterwards, so it becomes unconfirmed for a person to check in the chat.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_ERROR,
    Account,
    Channel,
    Draft,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
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
    expiry_after,
    json_object,
    token_credentials,
)
from organizations.texts import Text

KINDS = ("message", "announcement")
COLORS = ("primary", "blue", "green", "orange", "purple")


@dataclass(frozen=True)
class TwitchOAuth(OAuth2):
    """Twitch's token answer lists the granted scopes as a JSON array, not a string."""

    def grant(self, provider: Provider, data: dict) -> Grant:
        scopes = data.get("scope")
        return Grant(
            credentials=token_credentials(data, provider.network_label),
            expires_at=expiry_after(data.get("expires_in")),
            scopes=[str(s) for s in scopes] if isinstance(scopes, list) else [],
        )


# -- errors: {"error": "Unauthorized", "status": 401, "message": "…"} (Helix and id) ---
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None:
        return Said(response.status_code)
    message = str(body.get("message") or "")
    return Said(
        response.status_code,
        code=str(body.get("error") or "") if response.status_code >= 400 else "",
        message=message,
        body=body,
    )


ERRORS = ErrorTable(
    read=read_error,
    # A chat message's answer carries its id and whether it was sent; an announcement is
    # answered with 204 and nothing to read.
    commit_needs_body=True,
    bodiless=(204,),
    rows=(
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Twitch refused our app's credentials ({message}); check TWITCH_CLIENT_ID and "
                "TWITCH_CLIENT_SECRET."
            ),
            status=(400, 401, 403),
            pattern="client",
            phase=Phase.AUTH,
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("Twitch no longer accepts this sign-in; connect the channel again."),
            status=(400, 401),
            phase=Phase.AUTH,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Twitch did not let us post for this channel ({message}); connect it again and "
                "allow chat messages and announcements."
            ),
            status=401,
            pattern="missing scope",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Twitch's sign-in expired; we will renew it."),
            status=401,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Twitch does not let this account post in the chat: {message|no reason given}"
            ),
            status=403,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop(
                "Twitch refused the message as too long: {message|at most 500 characters}"
            ),
            status=422,
            field="text",
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Twitch asked us to slow down; we will try again when its limit resets."),
            status=429,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Twitch refused the post: {message}"),
            status=400,
        ),
        SERVER_ERROR,
    ),
)


class TwitchProvider(Provider):
    identifier = "twitch"
    display_name = "Twitch"
    auth_kind = "oauth2"
    # A thread is a chain of chat replies; an announcement stands alone.
    reply_mode = "thread"
    text_counter = "codepoints"
    text_limit = 500
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "none"
    refresh_ahead = 600
    max_concurrency = 2
    scopes = ("user:write:chat", "moderator:manage:announcements", "user:read:email")
    oauth = TwitchOAuth(
        client=("TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET"),
        authorize=("auth", "/oauth2/authorize"),
        token=("auth", "/oauth2/token"),
        write_scope="user:write:chat",
    )
    required_settings = ("TWITCH_CLIENT_ID", "TWITCH_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {"auth": "https://id.twitch.tv", "api": "https://api.twitch.tv"}
    settings_fields = (
        SettingField(
            "kind",
            "enum",
            label=gettext_lazy("Post as"),
            choices=KINDS,
            default="message",
            help_text=gettext_lazy(
                "message: a chat message; announcement: a highlighted chat announcement."
            ),
        ),
        SettingField(
            "color",
            "enum",
            label=gettext_lazy("Announcement colour"),
            choices=COLORS,
            default="primary",
            help_text=gettext_lazy("primary is the channel's accent colour."),
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def _helix(self, token: str) -> dict:
        return {**self.bearer(token), "Client-Id": self.setting("TWITCH_CLIENT_ID")}

    def _user(self, token: str, phase: Phase = Phase.READ) -> Account:
        response = self.request(
            "GET", self.url("api", "/helix/users"), phase=phase, headers=self._helix(token)
        )
        users = self.read_json(response, phase).get("data") or []
        if not users or not isinstance(users[0], dict) or not users[0].get("id"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND, Text(gettext_noop("Twitch sent no account."))
            )
        return _account(users[0])

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._user(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        """Validates the token first, as Twitch asks of apps, then reads the account."""
        token = channel.credentials["access_token"]
        response = self.request(
            "GET",
            self.url("auth", "/oauth2/validate"),
            phase=Phase.READ,
            # The validate endpoint takes the token in its own scheme.
            headers={"Authorization": f"OAuth {token}"},
        )
        valid = self.read_json(response, Phase.READ)
        if valid.get("user_id") and str(valid["user_id"]) != channel.external_id:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(
                    gettext_noop(
                        "This Twitch sign-in belongs to another account; connect the channel again."
                    )
                ),
            )
        return self._user(token)

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        if draft.settings.get("kind") == "announcement" and len(draft.items) > 1:
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext(
                        "An announcement is one message; remove the thread's other parts or "
                        "post them as chat messages."
                    ),
                    "kind",
                )
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        broadcaster = channel.external_id
        if (request.settings.get("kind") or "message") == "announcement":
            self.request(
                "POST",
                self.url("api", "/helix/chat/announcements"),
                phase=Phase.COMMIT,
                params={"broadcaster_id": broadcaster, "moderator_id": broadcaster},
                json={
                    "message": request.text,
                    "color": request.settings.get("color") or "primary",
                },
                headers=self._helix(token),
            )
            # Twitch answers 204 and gives an announcement no id.
            return PublishResult(
                ref=RemoteRef(id="", url=_chat_url(channel), extra={"kind": "announcement"}),
                raw={"announcement": True},
            )
        body = {"broadcaster_id": broadcaster, "sender_id": broadcaster, "message": request.text}
        if request.reply_to is not None and request.reply_to.id:
            body["reply_parent_message_id"] = request.reply_to.id
        response = self.request(
            "POST",
            self.url("api", "/helix/chat/messages"),
            phase=Phase.COMMIT,
            json=body,
            headers=self._helix(token),
        )
        data = self.read_json(response, Phase.COMMIT).get("data") or []
        sent = data[0] if data and isinstance(data[0], dict) else {}
        if sent.get("is_sent") is False:
            reason = sent.get("drop_reason") if isinstance(sent.get("drop_reason"), dict) else {}
            if reason.get("message"):
                message = Text(
                    gettext_noop("Twitch did not send the message: %(reason)s"),
                    reason=str(reason["message"]),
                )
            else:
                message = Text(gettext_noop("Twitch did not send the message: it gave no reason."))
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                message,
                network_code=str(reason.get("code") or "dropped"),
                raw_excerpt=self.redact(response.text),
                field="text",
            )
        message_id = str(sent.get("message_id") or "")
        if sent.get("is_sent") is not True or not message_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Twitch answered without saying whether the message was sent.")),
                network_code=str(response.status_code),
            )
        return PublishResult(
            ref=RemoteRef(id=message_id, url=_chat_url(channel), extra={"kind": "message"}),
            raw={"message_id": message_id},
        )


def _chat_url(channel: Channel) -> str:
    # A chat message has no address of its own; the channel's page shows its chat.
    return f"https://www.twitch.tv/{channel.username}" if channel.username else ""


def _account(user: dict) -> Account:
    login = str(user.get("login") or "")
    return Account(
        external_id=str(user["id"]),
        name=str(user.get("display_name") or login),
        username=login,
        profile_url=f"https://www.twitch.tv/{login}" if login else "",
        avatar_url=str(user.get("profile_image_url") or ""),
        kind="channel",
    )
