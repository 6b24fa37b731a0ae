"""listmonk: a self-hosted newsletter server's REST API (``/api``, listmonk 4 and later).

The person gives the server's address and an API user with its token (Admin → Users →
New, type "API"); every request sends ``Authorization: token <user>:<token>``. Tokens do
not expire, so there is nothing to refresh.

A post is one e-mail campaign to one or more lists: the subject, the text as its body
(Markdown by default, or HTML, rich text or plain text), images uploaded to listmonk's
media library and placed after the text, an optional template, from address and tags.
It is created as a draft, then started (``running``) or, with a send time, scheduled.

Only the start sends anything, and listmonk starts a campaign once: the campaign's id is
saved before the start is asked, so after an unclear answer the campaign itself is read
and started only if it is still a draft.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from integrations.providers.base import (
    NO_CODE,
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
    Metrics,
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
from integrations.providers.base.http import self_hosted_base_url
from organizations.texts import Text

CONTENT_TYPES = ("markdown", "html", "richtext", "plain")
SEND_MODES = ("running", "scheduled", "draft")
# What a campaign that went out (or will, by itself) reports as its status.
SENT_STATES = ("running", "finished", "scheduled", "paused", "cancelled")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml")
# listmonk's own limit on a campaign's name and subject (its standard input length).
SUBJECT_LIMIT = 2000


def server_origin(value: str) -> str:
    """``lists.example.com`` or ``https://lists.example.com/admin/`` → the root URL (a
    server may live under a path)."""
    return self_hosted_base_url(value, r"/(?:admin|api)(?:/|$)")


def list_ids(value) -> list[int]:
    """The ``lists`` setting (ids, ``{"value": id}`` entries or a comma-separated string)."""
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, int):
        value = [value]
    found: list[int] = []
    for raw in value or []:
        if isinstance(raw, dict):
            raw = raw.get("value", raw.get("id"))
        text = str(raw).strip()
        if text.isdigit() and int(text) not in found:
            found.append(int(text))
    return found


def parse_when(value) -> datetime | None:
    """An ISO 8601 time with its offset, or None (a time without a zone is ambiguous)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _image(content_type: str, url: str, alt: str) -> str:
    if content_type == "markdown":
        return f"\n\n![{alt.replace(']', '')}]({url})"
    if content_type == "plain":
        return f"\n\n{url}"
    return f'<p><img src="{html.escape(url)}" alt="{html.escape(alt)}"></p>'


# -- errors: {"message": "..."} with the status ------------------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    message = str(body.get("message") or "") if body is not None else ""
    return Said(
        response.status_code,
        message=message,
        failed=response.status_code >= 300,
        body=body,
    )


def _rejected(pattern: str, message: str, field: str = "") -> Rule:
    return Rule(ErrorKind.CONTENT_REJECTED, message, status=400, pattern=pattern, field=field)


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "listmonk did not accept the API user and token; check them and connect again."
            ),
            status=401,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "The listmonk API user may not do this ({message}); give its role the "
                "campaigns, lists and media permissions."
            ),
            status=403,
        ),
        _rejected(
            "no subscribers",
            gettext_noop("The chosen listmonk lists have no subscribers to send to."),
            "lists",
        ),
        _rejected("list ids", gettext_noop("listmonk did not accept the chosen lists."), "lists"),
        _rejected("subject", gettext_noop("listmonk rejected the subject ({message})."), "subject"),
        _rejected(
            "send_at", gettext_noop("listmonk rejected the send time ({message})."), "send_at"
        ),
        # Before the rest: a body that fails to compile names its template language.
        _rejected(
            "campaign body", gettext_noop("listmonk could not read the body ({message})."), "text"
        ),
        _rejected(
            "from_email",
            gettext_noop("listmonk rejected the from address ({message})."),
            "from_email",
        ),
        _rejected(
            "file type|invalid file|uploading",
            gettext_noop("listmonk refused the image ({message})."),
            "media",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("listmonk could not find it ({message})."),
            status=404,
            code=NO_CODE,
            pattern="not found",
        ),
        SERVER_ERROR,
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "That address does not answer like a listmonk server (its root URL, without "
                "/admin)."
            ),
            status=(404, 405),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("listmonk refused the campaign ({message|no reason})."),
        ),
    ),
)


class ListmonkProvider(Provider):
    identifier = "listmonk"
    display_name = "listmonk"
    auth_kind = "credentials-form"
    custom_instance = True
    account_selection = "none"
    reply_mode = "none"
    text_counter = "codepoints"
    text_limit = None
    media_rules = MediaRules(max_count=10, mime_types=IMAGE_TYPES)
    # The campaign id, saved before the start: starting it again cannot send it twice.
    idempotency = "deterministic-key"
    lookup = "by-key"
    refresh_ahead = 0
    max_concurrency = 2
    endpoints = {}
    errors = ERRORS
    # A campaign's opens and link clicks (GET /api/campaigns/{id}, one a request).
    analytics = "post"
    metrics_batch = 1
    metrics_per_hour = 120
    settings_fields = (
        # One list chosen in the composer; ids apart by commas (or a JSON list through
        # the API) send to several.
        SettingField(
            "lists",
            "string",
            label=gettext_lazy("List"),
            required=True,
            help_text=gettext_lazy("A list id, or several separated by commas."),
            options=OptionSource("lists", value="id", label="name", stored="lists"),
        ),
        SettingField(
            "subject",
            "string",
            label=gettext_lazy("Subject"),
            required=True,
            max_length=SUBJECT_LIMIT,
        ),
        SettingField(
            "name",
            "string",
            label=gettext_lazy("Campaign name"),
            max_length=SUBJECT_LIMIT,
            help_text=gettext_lazy("Shown in listmonk only; the subject when empty."),
        ),
        SettingField(
            "content_type",
            "enum",
            label=gettext_lazy("Body format"),
            choices=CONTENT_TYPES,
            default="markdown",
        ),
        SettingField(
            "send",
            "enum",
            label=gettext_lazy("Send"),
            choices=SEND_MODES,
            default="running",
            help_text=gettext_lazy(
                "running: now; scheduled: listmonk sends it at send_at; draft: kept in listmonk "
                "for review."
            ),
        ),
        SettingField(
            "send_at",
            "string",
            label=gettext_lazy("Send at (listmonk schedules)"),
            help_text=gettext_lazy("For scheduled: an ISO 8601 time with its offset."),
        ),
        SettingField(
            "template_id",
            "string",
            label=gettext_lazy("Template"),
            help_text=gettext_lazy("A campaign template's id; listmonk's default when empty."),
            options=OptionSource("templates", value="id", label="name"),
        ),
        SettingField(
            "from_email",
            "string",
            label=pgettext_lazy("email sender", "From"),
            help_text=gettext_lazy("Name <address>"),
        ),
        SettingField("tags", "list", label=gettext_lazy("Tags")),
    )
    tools = (
        # The channel keeps the lists it was connected with, for the composer's choice.
        Tool(
            "lists",
            gettext_lazy("The server's mailing lists: id, name, type, opt-in and subscribers."),
            stores="lists",
        ),
        Tool(
            "templates",
            gettext_lazy("The server's campaign templates: id, name and whether default."),
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "url",
                gettext_lazy("listmonk address"),
                type="url",
                help_text=gettext_lazy("Its root URL, e.g. https://lists.example.com"),
            ),
            CredentialField(
                "api_user",
                gettext_lazy("API user"),
                help_text=gettext_lazy("Admin → Users → New, type API; its username."),
            ),
            CredentialField("api_token", gettext_lazy("API token"), type="secret"),
        ]

    def check_instance(self, instance_url: str) -> str:
        origin = server_origin(instance_url)
        if not origin:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "Enter the address of your listmonk server, e.g. https://lists.example.com."
                    )
                ),
                field="url",
            )
        return origin

    @staticmethod
    def _headers(user: str, token: str) -> dict:
        return {"Authorization": f"token {user}:{token}"}

    def _call(self, method: str, channel: Channel, path: str, phase: Phase, **kwargs) -> dict:
        response = self.request(
            method,
            f"{channel.meta['url']}/api{path}",
            phase=phase,
            headers=self._headers(
                channel.credentials["api_user"], channel.credentials["api_token"]
            ),
            **kwargs,
        )
        return self.read_json(response, phase)

    def _lists(self, channel: Channel, phase: Phase = Phase.READ) -> list[dict]:
        body = self._call("GET", channel, "/lists", phase, params={"per_page": "all"})
        data = body.get("data") or {}
        results = data.get("results") if isinstance(data, dict) else data
        return [r for r in results or [] if isinstance(r, dict) and r.get("id")]

    def authenticate(self, fields: dict) -> Grant:
        origin = self.check_instance(fields.get("url", ""))
        user = (fields.get("api_user") or "").strip()
        token = (fields.get("api_token") or "").strip()
        if not user or not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(gettext_noop("Enter the listmonk API user and its token.")),
                field="api_user" if not user else "api_token",
            )
        channel = Channel("", {"api_user": user, "api_token": token}, meta={"url": origin})
        lists = self._lists(channel, Phase.AUTH)
        return Grant(
            credentials={"api_user": user, "api_token": token},
            meta={"url": origin, "lists": [_list_entry(r) for r in lists]},
        )

    def accounts(self, grant: Grant) -> list[Account]:
        origin = grant.meta["url"]
        user = grant.credentials.get("api_user") or grant.meta.get("api_user") or ""
        where = urlsplit(origin)
        place = (where.netloc + where.path).rstrip("/")
        return [
            Account(
                external_id=f"{origin}#{user}",
                name=f"listmonk ({place})",
                username=f"{user}@{place}",
                profile_url=f"{origin}/admin/",
                kind="server",
                meta={"url": origin, "api_user": user, "lists": grant.meta.get("lists") or []},
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        lists = self._lists(channel)
        grant = Grant(
            credentials={"api_user": channel.credentials["api_user"]},
            meta={"url": channel.meta["url"], "lists": [_list_entry(r) for r in lists]},
        )
        return self.accounts(grant)[0]

    def check_refreshes(self, channel: Channel) -> bool:
        return False

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        if values.get("lists") and not list_ids(values.get("lists")):
            issues.append(Issue("setting_invalid", _("Choose lists by their ids."), "lists"))
        if values.get("subject") is not None and not str(values.get("subject")).strip():
            issues.append(Issue("setting_required", _("Write the e-mail's subject."), "subject"))
        send = values.get("send") or "running"
        when = values.get("send_at")
        if send == "scheduled":
            if not when:
                issues.append(
                    Issue(
                        "setting_required",
                        _("A scheduled campaign needs the time listmonk sends it (send_at)."),
                        "send_at",
                    )
                )
            elif parse_when(when) is None:
                issues.append(
                    Issue(
                        "setting_invalid",
                        _(
                            "send_at must be an ISO 8601 time with its offset, "
                            "e.g. 2027-01-05T09:00:00+01:00."
                        ),
                        "send_at",
                    )
                )
        elif when:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("send_at is only used when the campaign is scheduled."),
                    "send_at",
                    severity="warning",
                )
            )
        template = values.get("template_id")
        if template not in (None, "") and not str(template).strip().isdigit():
            issues.append(
                Issue("setting_invalid", _("Choose a template by its id."), "template_id")
            )
        if draft.items and draft.items[0].media and not draft.items[0].text.strip():
            # Files alone pass the shared check, but they make no e-mail body.
            issues.append(Issue("text_required", _("Write the e-mail's text.")))
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        campaign_id = request.progress.get("listmonk_campaign")
        if not campaign_id:
            campaign_id = self._create(channel, request)
        send = request.settings.get("send") or "running"
        if send == "draft":
            campaign = self._call("GET", channel, f"/campaigns/{campaign_id}", Phase.READ)
            return self._result(channel, campaign.get("data") or {"id": campaign_id})
        try:
            body = self._call(
                "PUT",
                channel,
                f"/campaigns/{campaign_id}/status",
                Phase.COMMIT,
                json={"status": send},
            )
        except ProviderError as error:
            # A start whose answer was lost may have gone through: listmonk then refuses
            # to start it again. The campaign says whether it is on its way.
            if error.kind != ErrorKind.CONTENT_REJECTED:
                raise
            current = self._campaign(channel, campaign_id)
            if current and current.get("status") in SENT_STATES:
                return self._result(channel, current)
            raise
        return self._result(channel, body.get("data") or {"id": campaign_id})

    def _create(self, channel: Channel, request: PublishRequest) -> str:
        values = request.settings
        content_type = values.get("content_type") or "markdown"
        images = self._upload_images(channel, request)
        body = request.text + "".join(_image(content_type, url, alt) for url, alt in images)
        subject = str(values.get("subject") or "").strip()
        payload: dict = {
            "name": str(values.get("name") or "").strip() or subject,
            "subject": subject,
            "lists": list_ids(values.get("lists")),
            "type": "regular",
            "content_type": content_type,
            "body": body,
            "messenger": "email",
        }
        if values.get("from_email"):
            payload["from_email"] = values["from_email"]
        if values.get("template_id") not in (None, ""):
            payload["template_id"] = int(values["template_id"])
        tags = values.get("tags")
        if tags:
            payload["tags"] = [str(t).strip() for t in tags if str(t).strip()]
        if (values.get("send") or "running") == "scheduled":
            payload["send_at"] = parse_when(values.get("send_at")).isoformat()
        # A draft campaign sends nothing: a lost answer here leaves at most an unused
        # draft in listmonk, so this step is safe to run again.
        created = self._call("POST", channel, "/campaigns", Phase.UPLOAD, json=payload)
        campaign_id = str((created.get("data") or {}).get("id") or "")
        if not campaign_id:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("listmonk answered without the campaign's id.")),
            )
        request.progress["listmonk_campaign"] = campaign_id
        request.save_progress()
        return campaign_id

    def _upload_images(self, channel: Channel, request: PublishRequest) -> list:
        done: list = request.progress.setdefault("listmonk_images", [])
        for index, item in enumerate(request.media):
            if index < len(done):
                continue
            body = self._call(
                "POST",
                channel,
                "/media",
                Phase.UPLOAD,
                files={"file": (item.filename, item.read(), item.mime_type)},
                timeout=self.upload_timeout,
            )
            url = (body.get("data") or {}).get("url")
            if not url:
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(gettext_noop("listmonk answered the upload without its URL.")),
                )
            done.append([url, item.alt_text or ""])
            request.save_progress()
        return done

    def _campaign(self, channel: Channel, campaign_id: str) -> dict | None:
        try:
            body = self._call("GET", channel, f"/campaigns/{campaign_id}", Phase.READ)
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                return None
            raise
        return body.get("data") or None

    def _result(self, channel: Channel, campaign: dict) -> PublishResult:
        return PublishResult(ref=self._ref(channel, campaign), raw={"campaign": _kept(campaign)})

    def _ref(self, channel: Channel, campaign: dict) -> RemoteRef:
        return RemoteRef(
            id=str(campaign["id"]),
            url=f"{channel.meta['url']}/admin/campaigns/{campaign['id']}",
            extra={"status": campaign.get("status") or ""},
        )

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"/campaigns/(\d+)", remote_id) or re.fullmatch(r"\s*(\d+)\s*", remote_id)
        if not match:
            return RemoteRef(id=remote_id)
        return self._ref(channel, {"id": match.group(1)})

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The campaign saved before the start, once it is on its way (running, finished,
        scheduled…); None while it is still a draft, which may then be started again."""
        campaign_id = request.progress.get("listmonk_campaign")
        if not campaign_id:
            return None
        campaign = self._campaign(channel, campaign_id)
        if not campaign:
            return None
        wanted_draft = (request.settings.get("send") or "running") == "draft"
        if campaign.get("status") in SENT_STATES or wanted_draft:
            return self._ref(channel, campaign)
        return None

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        body = self._call(
            "GET",
            channel,
            "/campaigns",
            Phase.READ,
            params={"order_by": "created_at", "order": "DESC", "per_page": "20"},
        )
        data = body.get("data") or {}
        return [
            self._ref(channel, c)
            for c in (data.get("results") or [])
            if isinstance(c, dict) and c.get("id")
        ]

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        found = {}
        for ref in refs:
            if not ref.id.isdigit():
                continue
            campaign = self._campaign(channel, ref.id)
            if campaign:
                found[ref.id] = Metrics(
                    {"views": campaign.get("views"), "clicks": campaign.get("clicks")}
                )
        return found

    # -- look-up tools ------------------------------------------------------------------
    def lists(self, channel: Channel) -> list[dict]:
        return [_list_entry(r) for r in self._lists(channel)]

    def templates(self, channel: Channel) -> list[dict]:
        body = self._call("GET", channel, "/templates", Phase.READ)
        return [
            {
                "id": str(t["id"]),
                "name": t.get("name") or "",
                "default": bool(t.get("is_default")),
            }
            for t in body.get("data") or []
            if isinstance(t, dict) and t.get("id") and t.get("type", "campaign") == "campaign"
        ]


def _list_entry(raw: dict) -> dict:
    return {
        "id": str(raw["id"]),
        "name": raw.get("name") or "",
        "type": raw.get("type") or "",
        "optin": raw.get("optin") or "",
        "subscribers": raw.get("subscriber_count"),
    }


def _kept(campaign: dict) -> dict:
    return {k: campaign.get(k) for k in ("id", "uuid", "status", "send_at", "to_send")}
