"""Ghost: a publication's Admin API (Ghost 5, ``/ghost/api/admin/``), self-hosted or
Ghost(Pro).

The person pastes the publication's address and an Admin API key from a custom
integration (``id:secret``, the secret in hex). Nothing is exchanged at sign-in: every
request carries a fresh HS256 token signed with the secret, valid five minutes, so there
is nothing to refresh and a deleted integration shows as a 401 on the next request.

A post is one article: the ``title`` setting, the text as its body (sent as HTML with
``?source=html``, Ghost converts it to its own editor format), the first image as the
feature image and further images as figures after the text, tags by name, a canonical
URL, and a status: published now, scheduled for a later time, or kept as a draft. A
published or scheduled post can also go out by email to a newsletter's members.

Ghost has no idempotency key; an unclear answer is settled by looking for the title among
the publication's newest posts before anything is sent again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import time
from datetime import datetime
from urllib.parse import urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

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

ADMIN = "/ghost/api/admin"
# The API version this client was written against; Ghost answers in it or newer.
ACCEPT_VERSION = "v5.0"
# The title is a column of 255 characters in Ghost's database.
TITLE_LIMIT = 255
TOKEN_SECONDS = 5 * 60
LOOKUP_LIMIT = 15
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml")
STATUSES = ("published", "scheduled", "draft")
SEGMENTS = ("all", "status:free", "status:-free")
_KEY = re.compile(r"^([0-9a-f]{24}):([0-9a-f]{64})$", re.IGNORECASE)
_BLOCK = re.compile(r"^\s*<(p|h[1-6]|ul|ol|div|figure|blockquote|pre|table|hr)\b", re.IGNORECASE)


def site_origin(value: str) -> str:
    """``blog.example.com`` or ``https://blog.example.com/ghost/#/site`` → its base URL
    (a publication may live under a path: ``https://example.com/blog``)."""
    return self_hosted_base_url(value, r"/ghost")


def split_key(value: str) -> tuple[str, bytes]:
    """An Admin API key's id and its secret as bytes; ProviderError when it is not one."""
    match = _KEY.match((value or "").strip())
    if not match:
        raise ProviderError(
            ErrorKind.AUTH_REVOKED,
            Text(
                gettext_noop(
                    "That is not a Ghost Admin API key: copy the whole key (24 characters, a "
                    "colon, 64 characters) from Settings → Integrations."
                )
            ),
            field="admin_api_key",
            network_code="bad_key_format",
        )
    return match.group(1), bytes.fromhex(match.group(2))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def admin_token(key: str, now: float | None = None) -> str:
    """A short-lived token for one request: HS256 over ``{iat, exp, aud: "/admin/"}`` with
    the key's id as ``kid`` (what Ghost's Admin API accepts from integrations)."""
    key_id, secret = split_key(key)
    issued = int(now if now is not None else time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id}
    claims = {"iat": issued, "exp": issued + TOKEN_SECONDS, "aud": "/admin/"}
    signing = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims, separators=(",", ":")).encode())
    )
    signature = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{_b64(signature)}"


def body_html(text: str) -> str:
    """The composer's text as HTML: kept as it is when it already is HTML, else each
    paragraph (a blank line apart) becomes ``<p>`` with its line breaks kept."""
    text = (text or "").strip()
    if _BLOCK.match(text):
        return text
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.strip().splitlines()) + "</p>"
        for p in paragraphs
    )


def tag_names(value) -> list[str]:
    """The ``tags`` setting (a list, or a comma-separated string) as distinct names."""
    if isinstance(value, str):
        value = value.split(",")
    names: list[str] = []
    for raw in value or []:
        name = (raw.get("value") or raw.get("name") if isinstance(raw, dict) else raw) or ""
        name = str(name).strip()
        if name and name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    return names


def parse_when(value) -> datetime | None:
    """An ISO 8601 time with its offset, or None (a time without a zone is ambiguous)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


# -- errors: {"errors": [{"message", "context", "type", "code", "property", ...}]} ------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    first = {}
    if body is not None and isinstance(body.get("errors"), list) and body["errors"]:
        first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
    kind = str(first.get("type") or "")
    code = str(first.get("code") or "")
    words = " ".join(str(first.get(k) or "") for k in ("message", "context")).strip()
    return Said(
        response.status_code,
        code=kind,
        message=words,
        network_code=f"{kind}/{code}" if kind and code else kind,
        failed=bool(kind) or response.status_code >= 300,
        body=body,
        values={"context": str(first.get("context") or first.get("message") or "")},
    )


RECONNECT = gettext_noop(
    "Ghost did not accept the Admin API key; paste a current key and connect again."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Ghost asked us to slow down; we will try again later."),
            status=429,
        ),
        # The key's integration was deleted or the key regenerated: only a new key helps.
        Rule(ErrorKind.AUTH_REVOKED, RECONNECT, code="UnauthorizedError", pattern="unknown"),
        # A token rejected for its time (this server's clock far from Ghost's) or form.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Ghost refused our signed request ({context}); check the key and this "
                "server's clock, then connect again."
            ),
            code="UnauthorizedError",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Your Ghost plan does not allow this ({context})."),
            code="HostLimitError",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("The Ghost integration may not do this ({context})."),
            code="NoPermissionError",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Ghost refused the image: {context}"),
            code=("UnsupportedMediaTypeError", "RequestEntityTooLargeError"),
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Ghost rejected the title: {context}"),
            code="ValidationError",
            pattern=r"posts\.title|\btitle\b",
            field="title",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Ghost rejected the publish time: {context}"),
            code="ValidationError",
            pattern=r"published_at|\bdate\b",
            field="published_at",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Ghost rejected the newsletter choice: {context}"),
            code=("ValidationError", "NotFoundError", "BadRequestError"),
            pattern="newsletter|segment",
            field="newsletter",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Ghost rejected the post: {context}"),
            code="ValidationError",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Ghost could not find it: {context}"),
            code="NotFoundError",
        ),
        SERVER_ERROR,
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "That address does not answer like a Ghost site; check it (the address you open "
                "Ghost Admin from, without /ghost)."
            ),
            status=(404, 405),
            code=NO_CODE,
        ),
    ),
)


class GhostProvider(Provider):
    identifier = "ghost"
    display_name = "Ghost"
    auth_kind = "credentials-form"
    custom_instance = True
    account_selection = "none"
    reply_mode = "none"
    text_counter = "codepoints"
    # An article's body has no length limit worth checking before Ghost does.
    text_limit = None
    media_rules = MediaRules(
        max_count=10,
        mime_types=IMAGE_TYPES,
        # Kept modest: what a site takes depends on its server (Ghost's upload settings,
        # the proxy in front), and a refusal beyond it is named on the media (413).
        max_image_bytes=10 * 1024 * 1024,
    )
    idempotency = "none"
    lookup = "by-content"
    refresh_ahead = 0
    max_concurrency = 2
    endpoints = {}
    errors = ERRORS
    redact_patterns = (r"\b[0-9a-f]{24}:[0-9a-f]{64}\b",)
    settings_fields = (
        SettingField(
            "title", "string", label=gettext_lazy("Title"), required=True, max_length=TITLE_LIMIT
        ),
        SettingField(
            "status",
            "enum",
            label=gettext_lazy("Status"),
            choices=STATUSES,
            default="published",
            help_text=gettext_lazy(
                "published: live now; scheduled: Ghost publishes it at published_at; draft: kept "
                "in Ghost for review."
            ),
        ),
        SettingField(
            "published_at",
            "string",
            label=gettext_lazy("Publish at (Ghost schedules)"),
            help_text=gettext_lazy("For status scheduled: an ISO 8601 time with its offset."),
        ),
        # Several tags, one a line: a choice of one from the site's list would be too few
        # (the ``tags`` tool lists them for API clients).
        SettingField(
            "tags",
            "list",
            label=gettext_lazy("Tags"),
            help_text=gettext_lazy("Tag names, one a line; Ghost creates the new ones."),
        ),
        SettingField("canonical_url", "url", label=gettext_lazy("Canonical URL")),
        SettingField("excerpt", "text", label=gettext_lazy("Excerpt"), max_length=300),
        SettingField(
            "newsletter",
            "string",
            label=gettext_lazy("Email to newsletter"),
            help_text=gettext_lazy("A newsletter's slug; empty: no email."),
            options=OptionSource("newsletters", value="slug", label="name"),
        ),
        SettingField(
            "email_segment",
            "enum",
            label=gettext_lazy("Email to"),
            choices=SEGMENTS,
            default="all",
            help_text=gettext_lazy(
                "all members, free members (status:free) or paid ones (status:-free)."
            ),
        ),
    )
    tools = (
        Tool("tags", gettext_lazy("The publication's tags: id, name and slug.")),
        Tool(
            "newsletters", gettext_lazy("The publication's active newsletters: id, name and slug.")
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "url",
                gettext_lazy("Ghost site"),
                type="url",
                help_text=gettext_lazy(
                    "The address you open Ghost Admin from, e.g. https://blog.example.com"
                ),
            ),
            CredentialField(
                "admin_api_key",
                gettext_lazy("Admin API key"),
                type="secret",
                help_text=gettext_lazy(
                    "Settings → Integrations → Add custom integration → Admin API key."
                ),
            ),
        ]

    def check_instance(self, instance_url: str) -> str:
        origin = site_origin(instance_url)
        if not origin:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "Enter the address of your Ghost site, e.g. https://blog.example.com."
                    )
                ),
                field="url",
            )
        return origin

    def _headers(self, key: str) -> dict:
        return {"Authorization": f"Ghost {admin_token(key)}", "Accept-Version": ACCEPT_VERSION}

    def _get(self, origin: str, key: str, path: str, phase: Phase = Phase.READ, **params):
        response = self.request(
            "GET", f"{origin}{ADMIN}{path}", phase=phase, params=params, headers=self._headers(key)
        )
        return self.read_json(response, phase)

    def authenticate(self, fields: dict) -> Grant:
        origin = self.check_instance(fields.get("url", ""))
        key = (fields.get("admin_api_key") or "").strip()
        split_key(key)
        site = self._get(origin, key, "/site/", Phase.AUTH).get("site") or {}
        # /site/ answers anyone; reading the posts proves the key is accepted.
        self._get(origin, key, "/posts/", Phase.AUTH, limit="1", fields="id")
        return Grant(credentials={"admin_api_key": key}, meta={"url": origin, "site": site})

    def accounts(self, grant: Grant) -> list[Account]:
        origin = grant.meta["url"]
        site = grant.meta.get("site") or {}
        address = site_origin(site.get("url") or "") or origin
        parts = urlsplit(address)
        return [
            Account(
                external_id=address,
                name=site.get("title") or parts.netloc,
                username=(parts.netloc + parts.path).rstrip("/"),
                profile_url=address,
                avatar_url=site.get("icon") or site.get("logo") or "",
                kind="publication",
                meta={"url": origin, "version": site.get("version") or ""},
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        origin = channel.meta["url"]
        key = channel.credentials["admin_api_key"]
        site = self._get(origin, key, "/site/").get("site") or {}
        self._get(origin, key, "/posts/", limit="1", fields="id")
        return self.accounts(Grant(credentials={}, meta={"url": origin, "site": site}))[0]

    def check_refreshes(self, channel: Channel) -> bool:
        return False

    def refresh(self, channel: Channel) -> Grant:
        # Each request signs its own token: a refused key is a replaced or deleted one.
        raise ProviderError(ErrorKind.AUTH_REVOKED, Text(RECONNECT))

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        title = str(values.get("title") or "")
        if values.get("title") and not title.strip():
            issues.append(Issue("setting_required", _("Write a title for the post."), "title"))
        status = values.get("status") or "published"
        when = values.get("published_at")
        if status == "scheduled":
            if not when:
                issues.append(
                    Issue(
                        "setting_required",
                        _(
                            "A scheduled Ghost post needs the time Ghost publishes it "
                            "(published_at)."
                        ),
                        "published_at",
                    )
                )
            elif parse_when(when) is None:
                issues.append(
                    Issue(
                        "setting_invalid",
                        _(
                            "published_at must be an ISO 8601 time with its offset, "
                            "e.g. 2027-01-05T09:00:00+01:00."
                        ),
                        "published_at",
                    )
                )
        elif when:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("published_at is only used when the status is scheduled."),
                    "published_at",
                    severity="warning",
                )
            )
        url = values.get("canonical_url")
        if url and not re.match(r"^https?://\S+$", str(url)):
            issues.append(
                Issue(
                    "setting_invalid",
                    _("The canonical URL must be a web address."),
                    "canonical_url",
                )
            )
        if values.get("newsletter") and status == "draft":
            issues.append(
                Issue(
                    "setting_invalid",
                    _("A draft is not emailed: choose published or scheduled, or no newsletter."),
                    "newsletter",
                )
            )
        tags = values.get("tags")
        if tags is not None and not isinstance(tags, list | str):
            issues.append(Issue("setting_invalid", _("tags must be a list of names."), "tags"))
        if draft.items and draft.items[0].media and not draft.items[0].text.strip():
            # Files alone pass the shared check, but they make no article body.
            issues.append(Issue("text_required", _("Write the article's text.")))
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        origin = channel.meta["url"]
        key = channel.credentials["admin_api_key"]
        images = self._upload_images(origin, key, request)
        values = request.settings
        status = values.get("status") or "published"
        post: dict = {
            "title": str(values.get("title") or "").strip(),
            "html": body_html(request.text) + "".join(_figure(url, alt) for url, alt in images[1:]),
            "status": status,
        }
        if images:
            post["feature_image"] = images[0][0]
            if images[0][1]:
                post["feature_image_alt"] = images[0][1][:191]
        names = tag_names(values.get("tags"))
        if names:
            post["tags"] = [{"name": name} for name in names]
        if values.get("canonical_url"):
            post["canonical_url"] = values["canonical_url"]
        if values.get("excerpt"):
            post["custom_excerpt"] = values["excerpt"]
        if status == "scheduled":
            post["published_at"] = parse_when(values.get("published_at")).isoformat()
        params = {"source": "html"}
        if values.get("newsletter") and status in ("published", "scheduled"):
            params["newsletter"] = values["newsletter"]
            params["email_segment"] = values.get("email_segment") or "all"
        response = self.request(
            "POST",
            f"{origin}{ADMIN}/posts/",
            phase=Phase.COMMIT,
            params=params,
            json={"posts": [post]},
            headers=self._headers(key),
        )
        created = (self.read_json(response, Phase.COMMIT).get("posts") or [{}])[0]
        if not created.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Ghost answered without the post's id; it may be live.")),
                network_code=str(response.status_code),
            )
        return PublishResult(ref=self._ref(created), raw={"post": _kept(created)})

    def _upload_images(self, origin: str, key: str, request: PublishRequest) -> list:
        """Every image uploaded once (kept in progress), as (url, alt text) in order."""
        done: list = request.progress.setdefault("ghost_images", [])
        for index, item in enumerate(request.media):
            if index < len(done):
                continue
            response = self.request(
                "POST",
                f"{origin}{ADMIN}/images/upload/",
                phase=Phase.UPLOAD,
                headers=self._headers(key),
                data={"purpose": "image", "ref": item.filename},
                files={"file": (item.filename, item.read(), item.mime_type)},
                timeout=self.upload_timeout,
            )
            images = self.read_json(response, Phase.UPLOAD).get("images") or [{}]
            url = images[0].get("url")
            if not url:
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(gettext_noop("Ghost answered the upload without its URL.")),
                )
            done.append([url, item.alt_text])
            request.save_progress()
        return done

    def _ref(self, post: dict) -> RemoteRef:
        return RemoteRef(
            id=str(post["id"]),
            url=post.get("url") or "",
            extra={"status": post.get("status") or "", "slug": post.get("slug") or ""},
        )

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        return RemoteRef(id=remote_id.strip())

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [self._ref(post) for post in self._newest(channel) if post.get("id")]

    def _newest(self, channel: Channel) -> list[dict]:
        body = self._get(
            channel.meta["url"],
            channel.credentials["admin_api_key"],
            "/posts/",
            limit=str(LOOKUP_LIMIT),
            order="created_at desc",
            fields="id,uuid,title,slug,url,status,created_at,canonical_url",
        )
        return [p for p in body.get("posts") or [] if isinstance(p, dict)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The newest post with this title (and canonical URL, when one was given): Ghost
        lists drafts and scheduled posts too, so whatever status was asked is found."""
        title = str(request.settings.get("title") or "").strip()
        canonical = request.settings.get("canonical_url") or None
        for post in self._newest(channel):
            if (post.get("title") or "").strip() != title:
                continue
            if canonical and post.get("canonical_url") != canonical:
                continue
            return self._ref(post)
        return None

    # -- look-up tools ------------------------------------------------------------------
    def tags(self, channel: Channel) -> list[dict]:
        body = self._get(
            channel.meta["url"],
            channel.credentials["admin_api_key"],
            "/tags/",
            limit="all",
            fields="id,name,slug",
            order="name asc",
        )
        return [
            {"id": str(t["id"]), "name": t.get("name") or "", "slug": t.get("slug") or ""}
            for t in body.get("tags") or []
            if isinstance(t, dict) and t.get("id")
        ]

    def newsletters(self, channel: Channel) -> list[dict]:
        body = self._get(
            channel.meta["url"],
            channel.credentials["admin_api_key"],
            "/newsletters/",
            limit="all",
            filter="status:active",
        )
        return [
            {"id": str(n["id"]), "name": n.get("name") or "", "slug": n.get("slug") or ""}
            for n in body.get("newsletters") or []
            if isinstance(n, dict) and n.get("id")
        ]


def _figure(url: str, alt: str) -> str:
    return (
        f'<figure class="kg-card kg-image-card"><img src="{html.escape(url)}" '
        f'alt="{html.escape(alt or "")}"></figure>'
    )


def _kept(post: dict) -> dict:
    return {k: post.get(k) for k in ("id", "uuid", "slug", "url", "status", "published_at")}
