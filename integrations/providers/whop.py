"""Whop (REST API v1 at api.whop.com/api/v1), posting into a company's experiences.

A company API key (Whop dashboard → Developer) is sent as ``Authorization: Bearer``; it
does not expire, and one that is deleted or rotated is refused from then on. The channel is
the company (``biz_…``). A post goes to one of its experiences (``exp_…``): into a Forum as
a forum post (an optional title, the text as Markdown, attachments, optionally pinned or
sent as a mention to the experience's members) or into a Chat as a message (the text
and attachments). Library files are uploaded first: ``POST /files`` gives a presigned
address the bytes are PUT to, and the file is attached once Whop calls it ready; each
file's id is kept in the progress so a retry never uploads it twice.

Whop has no idempotency key. After an unclear answer the experience's newest forum posts
(or chat messages) are read, and one with the same text (and title) is taken as the post.
"""

from __future__ import annotations

from urllib.parse import quote

import requests
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.articles import chosen_id, same_text
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
    MediaItem,
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
    json_object,
)
from organizations.texts import Text

KINDS = ("forum", "chat")
LOOKUP_LIMIT = 20
MEDIA_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "video/mp4",
    "video/quicktime",
)


# -- errors: {"error": {"status": 403, "message": "..."}} --------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None) or {}
    error = body.get("error")
    if isinstance(error, dict):
        message = str(error.get("message") or "")
        code = str(error.get("type") or error.get("code") or "")
    else:
        message, code = str(error or body.get("message") or ""), ""
    return Said(
        response.status_code,
        code=code,
        message=message,
        failed=bool(error) or response.status_code >= 300,
        body=body or None,
    )


REVOKED = gettext_noop(
    "Whop did not accept the API key (deleted, rotated or mistyped). Make a new company API "
    "key in the Whop dashboard (Developer) and connect again."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(ErrorKind.AUTH_REVOKED, REVOKED, status=401),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Whop does not let this API key do that{detail} Give the key the permissions "
                "forum:post:create and forum:read (or chat:message:create and chat:read) in the "
                "dashboard."
            ),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Whop could not find that experience{detail}"),
            status=404,
        ),
        Rule(ErrorKind.RATE_LIMITED, gettext_noop("Whop asks us to slow down{detail}"), status=429),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Whop rejected the post{detail}"),
            status=(400, 422),
        ),
        SERVER_ERROR,
    ),
)


class WhopProvider(Provider):
    identifier = "whop"
    display_name = "Whop"
    auth_kind = "credentials-form"
    reply_mode = "none"
    text_counter = "codepoints"
    media_rules = MediaRules(max_count=10, mime_types=MEDIA_TYPES)
    idempotency = "none"
    lookup = "by-content"
    analytics = "none"
    endpoints = {"api": "https://api.whop.com/api/v1"}
    errors = ERRORS
    # A file Whop is still processing is asked after again, this many times, this apart.
    file_poll_attempts = 10
    file_poll_interval = 2.0
    settings_fields = (
        SettingField(
            "experience",
            "string",
            label=gettext_lazy("Experience (a Forum or a Chat)"),
            required=True,
            options=OptionSource("experiences", stored="experiences"),
        ),
        SettingField(
            "kind",
            "enum",
            label=gettext_lazy("Post as"),
            choices=KINDS,
            default="forum",
            help_text=gettext_lazy("forum: a forum post; chat: a chat message."),
        ),
        SettingField("title", "string", label=gettext_lazy("Title (forum posts)"), max_length=255),
        SettingField("pinned", "bool", label=gettext_lazy("Pin it (forum posts)"), default=False),
        SettingField(
            "mention", "bool", label=gettext_lazy("Notify the members (forum posts)"), default=False
        ),
    )
    tools = (
        Tool(
            "experiences",
            "The company's experiences: id, name and the app behind it (Forums, Chat…).",
            stores="experiences",
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "api_key",
                gettext("Company API key"),
                type="secret",
                help_text=gettext(
                    "Whop dashboard → Developer → API keys, with the forum and chat permissions."
                ),
            ),
            CredentialField(
                "company_id",
                gettext("Company id"),
                help_text=gettext(
                    "biz_…, shown in your dashboard's address (whop.com/dashboard/biz_…)."
                ),
            ),
        ]

    def _call(self, key: str, method: str, path: str, phase: Phase, **kwargs) -> dict:
        return self.read_json(
            self.request(
                method, self.url("api", path), phase=phase, headers=self.bearer(key), **kwargs
            ),
            phase,
        )

    def _company(self, key: str, company_id: str, phase: Phase) -> dict:
        company = self._call(key, "GET", f"/companies/{quote(company_id)}", phase)
        if not company.get("id"):
            raise ProviderError(ErrorKind.AUTH_REVOKED, Text(REVOKED))
        return company

    def authenticate(self, fields: dict) -> Grant:
        key = (fields.get("api_key") or "").strip()
        company_id = (fields.get("company_id") or "").strip()
        if not key:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter the company API key.")),
                field="api_key",
            )
        if not company_id.startswith("biz_"):
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter the company id, which starts with biz_.")),
                field="company_id",
            )
        company = self._company(key, company_id, Phase.AUTH)
        return Grant(credentials={"api_key": key}, meta={"company": company})

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["company"])]

    @staticmethod
    def _account(company: dict) -> Account:
        route = company.get("route") or ""
        return Account(
            external_id=str(company["id"]),
            name=company.get("title") or route,
            username=route,
            profile_url=f"https://whop.com/{route}/" if route else "",
            avatar_url=(company.get("logo") or {}).get("url") or "",
            kind="company",
        )

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(
            self._company(channel.credentials["api_key"], channel.external_id, Phase.READ)
        )

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        experience = chosen_id(values.get("experience"))
        if experience and not experience.startswith("exp_"):
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("Choose one of the company's experiences (its id starts with exp_)."),
                    "experience",
                )
            )
        if (values.get("kind") or "forum") == "chat":
            for name, message in (
                ("title", gettext("A title is for forum posts; a chat message takes none.")),
                ("pinned", gettext("Pinning is for forum posts; a chat message takes none.")),
                ("mention", gettext("A mention is for forum posts; a chat message takes none.")),
            ):
                if values.get(name):
                    issues.append(Issue("setting_invalid", message, name))
        return issues

    # -- publishing ---------------------------------------------------------------------
    def _upload(self, key: str, item: MediaItem) -> str:
        """One library file on Whop: created, its bytes PUT to the presigned address, and
        its id once Whop has it ready."""
        created = self._call(key, "POST", "/files", Phase.UPLOAD, json={"filename": item.filename})
        if not created.get("id") or not created.get("upload_url"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Whop did not give an upload address; we will retry.")),
            )
        headers = {str(k): str(v) for k, v in (created.get("upload_headers") or {}).items()}
        headers.setdefault("Content-Type", item.mime_type)
        self.request(
            "PUT",
            created["upload_url"],
            phase=Phase.UPLOAD,
            headers=headers,
            data=item.read(),
            timeout=self.upload_timeout,
        )
        return str(created["id"])

    def _ready(self, key: str, file_id: str) -> None:
        def status():
            found = self._call(key, "GET", f"/files/{quote(file_id)}", Phase.UPLOAD)
            if found.get("upload_status") == "failed":
                raise ProviderError(
                    ErrorKind.CONTENT_REJECTED,
                    Text(
                        gettext_noop("Whop could not process one of the files; try another format.")
                    ),
                    network_code="upload_failed",
                )
            return found.get("upload_status") == "ready"

        if not self.poll(
            status, attempts=self.file_poll_attempts, interval=self.file_poll_interval
        ):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop("Whop is still processing the files; we will try again shortly.")
                ),
                retry_after=60,
                network_code="file_processing",
            )

    def _attachments(self, key: str, request: PublishRequest) -> list[dict]:
        ids: list = request.progress.setdefault("whop_files", [])
        for item in request.media[len(ids) :]:
            ids.append(self._upload(key, item))
            request.save_progress()
        for file_id in ids:
            self._ready(key, file_id)
        return [{"id": file_id} for file_id in ids]

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        key = channel.credentials["api_key"]
        values = request.settings
        experience = chosen_id(values.get("experience"))
        attachments = self._attachments(key, request)
        if (values.get("kind") or "forum") == "chat":
            path = "/messages"
            body: dict = {"channel_id": experience, "content": request.text}
        else:
            path = "/forum_posts"
            body = {"experience_id": experience, "content": request.text}
            title = str(values.get("title") or "").strip()
            if title:
                body["title"] = title
            if values.get("pinned"):
                body["pinned"] = True
            if values.get("mention"):
                body["is_mention"] = True
        if attachments:
            body["attachments"] = attachments
        answer = self._call(key, "POST", path, Phase.COMMIT, json=body)
        if not answer.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Whop answered without naming the post; it may be live.")),
                raw_excerpt=str(answer)[:500],
            )
        return PublishResult(
            ref=self._ref(channel, str(answer["id"]), experience),
            raw={"id": answer["id"], "kind": values.get("kind") or "forum"},
        )

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The newest post (or message) in the experience with the same text and title."""
        values = request.settings
        experience = chosen_id(values.get("experience"))
        key = channel.credentials["api_key"]
        chat = (values.get("kind") or "forum") == "chat"
        if chat:
            params = {"channel_id": experience, "first": str(LOOKUP_LIMIT), "direction": "desc"}
            found = self._call(key, "GET", "/messages", Phase.READ, params=params)
        else:
            params = {"experience_id": experience, "first": str(LOOKUP_LIMIT)}
            found = self._call(key, "GET", "/forum_posts", Phase.READ, params=params)
        title = str(values.get("title") or "").strip()
        for entry in found.get("data") or []:
            if not isinstance(entry, dict) or not entry.get("id"):
                continue
            if not same_text(entry.get("content") or "", request.text):
                continue
            if not chat and (entry.get("title") or "").strip() != title:
                continue
            return self._ref(channel, str(entry["id"]), experience)
        return None

    @staticmethod
    def _ref(channel: Channel, remote_id: str, experience: str = "") -> RemoteRef:
        # Whop's API gives no address for a single post or message: the link opens the
        # company's page (whop.com/<route>), where its experiences are.
        url = f"https://whop.com/{channel.username}/" if channel.username else ""
        return RemoteRef(id=remote_id, url=url, extra={"experience": experience})

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        return self._ref(channel, remote_id)

    # -- look-up tools ------------------------------------------------------------------
    def experiences(self, channel: Channel) -> list[dict]:
        found = self._call(
            channel.credentials["api_key"],
            "GET",
            "/experiences",
            Phase.READ,
            params={"company_id": channel.external_id, "first": "100"},
        )
        return [
            {
                "id": e["id"],
                "name": e.get("name") or e["id"],
                "app": (e.get("app") or {}).get("name") or "",
            }
            for e in found.get("data") or []
            if isinstance(e, dict) and e.get("id")
        ]
