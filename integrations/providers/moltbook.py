"""Moltbook (REST API v1 at www.moltbook.com/api/v1), the social network for AI agents.

An agent registers itself with Moltbook and is given an API key (``moltbook_…``), sent as
``Authorization: Bearer``; it does not expire, and the agent's owner may rotate it from
Moltbook's dashboard, which refuses the old one from then on. The host must keep the
``www``: the bare domain redirects, and a redirect drops the Authorization header.

A post goes to one submolt (a community) with a title, and either text (``content``) or a
link (``url``), or both. Moltbook allows an agent one post every 30 minutes (one every two
hours in its first day) and answers 429 with ``retry_after_minutes`` past that: the post
waits exactly that long. Moltbook may hold a new post back behind an "AI verification
challenge" (an obfuscated arithmetic question for the agent, answered at ``/verify`` within
five minutes): the post then stays pending, the ``verify`` tool answers the challenge,
and the post is published once Moltbook says it is verified, or fails if it is not.

Moltbook has no idempotency key. After an unclear answer the submolt's newest posts are
read and one by this agent with the same title is taken as the post.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import requests
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_ERROR,
    Account,
    Channel,
    CredentialField,
    Draft,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
    MediaRules,
    OptionSource,
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
)
from organizations.texts import Text

WEB = "https://www.moltbook.com"
LOOKUP_LIMIT = 25
# A submolt's name as Moltbook makes them: URL-safe, lowercase with hyphens, 2-30 long.
SUBMOLT_PATTERN = r"^[a-z0-9][a-z0-9_-]{1,29}$"


# -- errors: {"success": false, "error": "...", "hint": "..."} ---------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None) or {}
    error = str(body.get("error") or "")
    hint = str(body.get("hint") or "")
    wait = None
    if body.get("retry_after_minutes") is not None:
        wait = float(body["retry_after_minutes"]) * 60
    elif body.get("retry_after_seconds") is not None:
        wait = float(body["retry_after_seconds"])
    return Said(
        response.status_code,
        message=" ".join(part for part in (error, hint) if part),
        failed=body.get("success") is False or response.status_code >= 300,
        retry_after=wait,
        body=body or None,
    )


REVOKED = gettext_noop(
    "Moltbook did not accept the API key (rotated from the owner dashboard, or mistyped). "
    "Paste the agent's current key and connect again."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(ErrorKind.AUTH_REVOKED, REVOKED, status=401),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "Moltbook allows an agent one post every 30 minutes (one every 2 hours in its "
                "first day); this one goes when Moltbook says the wait is over{detail}"
            ),
            status=429,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Moltbook suspended this agent{detail} Its owner can see why on the Moltbook "
                "dashboard."
            ),
            pattern=r"suspended",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Moltbook does not let this agent post there{detail}"),
            status=403,
        ),
        Rule(ErrorKind.NOT_FOUND, gettext_noop("Moltbook could not find it{detail}"), status=404),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Moltbook rejected the post{detail}"),
            status=400,
        ),
        SERVER_ERROR,
    ),
)


class MoltbookProvider(Provider):
    identifier = "moltbook"
    display_name = "Moltbook"
    auth_kind = "credentials-form"
    reply_mode = "none"
    text_counter = "codepoints"
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "by-content"
    analytics = "none"
    max_concurrency = 1
    # One post every 30 minutes at most.
    daily_post_cap = 48
    # A held-back post is answered within five minutes or never; look a little longer.
    pending_interval = 30
    pending_window = 10 * 60
    endpoints = {"api": f"{WEB}/api/v1"}
    errors = ERRORS
    settings_fields = (
        SettingField(
            "submolt",
            "string",
            label=gettext_lazy("Submolt"),
            required=True,
            max_length=30,
            help_text=gettext_lazy("The community to post in, by name (general, introductions…)."),
            options=OptionSource("submolts", value="name", label="display_name", stored="submolts"),
        ),
        SettingField("title", "string", label=gettext_lazy("Title"), required=True, max_length=300),
        SettingField("url", "url", label=gettext_lazy("Link (makes it a link post)")),
    )
    tools = (
        Tool(
            "submolts",
            "Moltbook's submolts (communities): name, display name and description.",
            stores="submolts",
        ),
        Tool(
            "verify",
            "Answer the verification challenge Moltbook set for a new post (the number, "
            "e.g. 15.00); the post is published once the answer is right.",
            inputs=(
                ToolInput("verification_code", description="The code the challenge came with"),
                ToolInput(
                    "answer", description="The challenge's answer, e.g. 15.00", max_length=32
                ),
            ),
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "api_key",
                gettext("API key"),
                type="secret",
                help_text=gettext(
                    "The agent's key (moltbook_…), given when it registered at "
                    "POST /api/v1/agents/register; its owner can rotate it from the dashboard."
                ),
            )
        ]

    def _call(self, key: str, method: str, path: str, phase: Phase, **kwargs) -> dict:
        return self.read_json(
            self.request(
                method, self.url("api", path), phase=phase, headers=self.bearer(key), **kwargs
            ),
            phase,
        )

    def _me(self, key: str, phase: Phase) -> dict:
        agent = self._call(key, "GET", "/agents/me", phase).get("agent")
        if not isinstance(agent, dict) or not agent.get("name"):
            raise ProviderError(ErrorKind.AUTH_REVOKED, Text(REVOKED))
        return agent

    def authenticate(self, fields: dict) -> Grant:
        key = (fields.get("api_key") or "").strip()
        if not key:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter the agent's Moltbook API key.")),
                field="api_key",
            )
        return Grant(credentials={"api_key": key}, meta={"agent": self._me(key, Phase.AUTH)})

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["agent"])]

    @staticmethod
    def _account(agent: dict) -> Account:
        name = str(agent["name"])
        return Account(
            external_id=str(agent.get("id") or name),
            name=name,
            username=name,
            profile_url=f"{WEB}/u/{quote(name)}",
            avatar_url=agent.get("avatar_url") or "",
        )

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(self._me(channel.credentials["api_key"], Phase.READ))

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        values = draft.settings
        issues = super().validate(draft, channel)
        if values.get("url"):
            # A link post may go without text.
            issues = [i for i in issues if i.code != "text_required"]
        title = values.get("title")
        if title is not None and not str(title).strip():
            issues.append(
                Issue("setting_required", gettext("Write a title for the post."), "title")
            )
        submolt = str(values.get("submolt") or "").strip()
        if submolt and not re.match(SUBMOLT_PATTERN, submolt.lower()):
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext(
                        "A submolt is named by its short name (letters, digits and hyphens, "
                        "2 to 30 long), such as general."
                    ),
                    "submolt",
                )
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    @staticmethod
    def _submolt(request: PublishRequest) -> str:
        value = request.settings.get("submolt")
        if isinstance(value, dict):
            value = value.get("value") or value.get("name") or ""
        return str(value or "").strip().lower()

    def _ref(self, post: dict) -> RemoteRef:
        return RemoteRef(id=str(post["id"]), url=f"{WEB}/post/{post['id']}")

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        body = {
            "submolt": self._submolt(request),
            "title": str(request.settings.get("title") or "").strip(),
        }
        if request.text.strip():
            body["content"] = request.text
        url = str(request.settings.get("url") or "").strip()
        if url:
            body["url"] = url
        answer = self._call(
            channel.credentials["api_key"], "POST", "/posts", Phase.COMMIT, json=body
        )
        post = answer.get("post") or {}
        if not post.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Moltbook answered without naming the post; it may be live.")),
                raw_excerpt=str(answer)[:500],
            )
        ref = self._ref(post)
        challenge = post.get("verification")
        if answer.get("verification_required") or isinstance(challenge, dict):
            challenge = challenge if isinstance(challenge, dict) else {}
            held = {
                "id": ref.id,
                "verification_code": str(challenge.get("verification_code") or ""),
                "challenge_text": str(challenge.get("challenge_text") or ""),
                "expires_at": str(challenge.get("expires_at") or ""),
            }
            # Hidden until the challenge is answered: pending, and the handle carries the
            # challenge so each check can show it to whoever may answer it.
            return PublishResult(ref=ref, state="pending", handle=json.dumps(held), raw=held)
        return PublishResult(ref=ref, raw={"id": ref.id})

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        held = json.loads(handle) if handle.startswith("{") else {"id": handle}
        post_id = str(held["id"])
        body = self._call(
            channel.credentials["api_key"], "GET", f"/posts/{quote(post_id)}", Phase.READ
        )
        post = body.get("post") or {}
        status = post.get("verification_status") or post.get("verificationStatus") or "verified"
        if status == "failed":
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Moltbook hid the post: its verification challenge was answered wrongly or "
                        "not within five minutes. Posting it again makes a new challenge."
                    )
                ),
                verdict=True,
                network_code="verification_failed",
            )
        if status == "pending":
            if not held.get("verification_code"):
                return None
            # Not a verdict: the post stays pending, and this is what the person is shown.
            values = {
                "challenge": held.get("challenge_text"),
                "code": held["verification_code"],
            }
            if held.get("expires_at"):
                message = Text(
                    gettext_noop(
                        "Moltbook holds this post until its verification challenge is answered "
                        "(by %(deadline)s): “%(challenge)s”. Answer with the channel's verify "
                        "tool, verification_code %(code)s."
                    ),
                    deadline=held["expires_at"],
                    **values,
                )
            else:
                message = Text(
                    gettext_noop(
                        "Moltbook holds this post until its verification challenge is answered "
                        "(by five minutes after posting): “%(challenge)s”. Answer with the "
                        "channel's verify tool, verification_code %(code)s."
                    ),
                    **values,
                )
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND, message, network_code="verification_pending"
            )
        return PublishResult(ref=self._ref({"id": post_id}), raw={"id": post_id})

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """This agent's newest post in the submolt with the same title."""
        title = str(request.settings.get("title") or "").strip()
        for post in self._newest(channel, self._submolt(request)):
            author = post.get("author") or {}
            if author.get("name") == channel.username and (post.get("title") or "") == title:
                return self._ref(post)
        return None

    def _newest(self, channel: Channel, submolt: str) -> list[dict]:
        body = self._call(
            channel.credentials["api_key"],
            "GET",
            "/posts",
            Phase.READ,
            params={"submolt": submolt, "sort": "new", "limit": str(LOOKUP_LIMIT)},
        )
        return [p for p in body.get("posts") or [] if isinstance(p, dict) and p.get("id")]

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        return self._ref({"id": remote_id})

    # -- look-up tools ------------------------------------------------------------------
    def submolts(self, channel: Channel) -> list[dict]:
        body = self._call(channel.credentials["api_key"], "GET", "/submolts", Phase.READ)
        return [
            {
                "id": s["name"],
                "name": s["name"],
                "display_name": s.get("display_name") or s["name"],
                "description": s.get("description") or "",
            }
            for s in body.get("submolts") or []
            if isinstance(s, dict) and s.get("name")
        ]

    def verify(self, channel: Channel, verification_code: str, answer: str) -> dict:
        body = self._call(
            channel.credentials["api_key"],
            "POST",
            "/verify",
            Phase.READ,
            json={"verification_code": verification_code, "answer": answer},
        )
        return {
            "verified": bool(body.get("success")),
            "content_id": body.get("content_id") or "",
            "message": body.get("message") or "",
        }
