"""beehiiv: a post (web and email) in one of the publications an API key reaches.

beehiiv's "Create post" endpoint (``POST /v2/publications/{id}/posts``) is in beta and
available only to Enterprise plans: a key of any plan connects (it can list its
publications), but beehiiv refuses the post itself elsewhere, so the network is marked
limited. The key is a Bearer token that does not expire.

A post is the title, an optional subtitle, the text as HTML (``body_content``: each
paragraph a ``<p>``, or the text as it is when it already is HTML), the images after
the text by their public addresses (the first is also the thumbnail), content tags and
its audience (free, premium or all subscribers, on the web and by email). It is
published now, scheduled (beehiiv publishes and sends it at ``scheduled_at``) or kept as
a draft.

beehiiv has no idempotency key, but a post's web slug is ours to give and its list can
be filtered by slug: every post carries a slug ending with a piece of the item's
permanent key, and after an unclear answer that slug is looked up before anything is
sent again.
"""

from __future__ import annotations

import html
import re
import unicodedata

import requests
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.articles import tag_names
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
    Metrics,
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
from integrations.providers.ghost import body_html, parse_when
from organizations.texts import Text

STATUSES = ("confirmed", "draft")
AUDIENCES = ("free", "premium", "all")
MAX_IMAGES = 10
LOOKUP_LIMIT = 20


def slug_for(request: PublishRequest) -> str:
    """Words of the title, then the first 12 characters of the item's key: the marker an
    unclear answer is settled by (nothing a retry or an edit changes)."""
    words = str(request.settings.get("title") or "") or request.text
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_words.lower()).strip("-")[:50].strip("-")
    marker = re.sub(r"[^a-z0-9]", "", request.idempotency_key.lower())[:12]
    return f"{stem}-{marker}" if stem else marker


# -- errors: {"status": 400, "statusText": "Bad Request", "errors": [{message, code}]} ---
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None:
        return Said(response.status_code)
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    message = "; ".join(
        str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")
    )
    return Said(
        response.status_code,
        code=str(first.get("code") or ""),
        message=message or str(body.get("statusText") or ""),
        body=body,
        failed=response.status_code >= 400,
    )


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "beehiiv did not accept the API key (revoked, or mistyped); make a new one in "
                "beehiiv's Settings → API and connect again."
            ),
            status=401,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "beehiiv asked us to slow down (180 requests a minute per workspace); we will "
                "try again later."
            ),
            status=429,
            retry_after=after_headers(60),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "beehiiv refused to create the post{detail} Creating posts through the API is "
                "open to Enterprise plans only."
            ),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "beehiiv could not find the publication{detail} It may have been deleted, or "
                "the key no longer reaches it."
            ),
            status=404,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("beehiiv refused the post{detail}"),
            status=(400, 422),
        ),
        SERVER_ERROR,
    ),
)


class BeehiivProvider(Provider):
    identifier = "beehiiv"
    display_name = "beehiiv"
    auth_kind = "credentials-form"
    account_selection = "publications"
    reply_mode = "none"
    text_counter = "codepoints"
    text_limit = None
    media_rules = MediaRules(
        max_count=MAX_IMAGES,
        mime_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        max_image_bytes=10 * 1024 * 1024,
        requires_public_url=True,
    )
    idempotency = "none"
    lookup = "by-key"
    # Each post's web views, unique email opens and clicks (``expand[]=stats``).
    analytics = "post"
    metrics_batch = 1
    metrics_per_hour = 60
    max_concurrency = 1
    endpoints = {"api": "https://api.beehiiv.com"}
    errors = ERRORS
    limited = gettext_lazy(
        "beehiiv's API creates posts only for Enterprise plans (the endpoint is in beta); "
        "a key of another plan connects, but beehiiv refuses its posts."
    )
    settings_fields = (
        SettingField("title", "string", label=gettext_lazy("Title"), required=True, max_length=250),
        SettingField("subtitle", "string", label=gettext_lazy("Subtitle"), max_length=250),
        SettingField(
            "status",
            "enum",
            label=gettext_lazy("Publish as"),
            choices=STATUSES,
            default="confirmed",
            help_text=gettext_lazy(
                "confirmed: published now, or at scheduled_at; draft: kept for review."
            ),
        ),
        SettingField(
            "scheduled_at",
            "string",
            label=gettext_lazy("Publish at (beehiiv sends it then)"),
            help_text=gettext_lazy(
                "An ISO 8601 time with its offset; a draft cannot be scheduled."
            ),
        ),
        SettingField(
            "audience",
            "enum",
            label=gettext_lazy("Audience"),
            choices=AUDIENCES,
            default="free",
            help_text=gettext_lazy("Who receives it, on the web and by email."),
        ),
        SettingField("content_tags", "list", label=gettext_lazy("Content tags")),
    )
    tools = (Tool("publications", "The publications the API key reaches: id and name."),)

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "api_key",
                gettext("API key"),
                type="secret",
                help_text=gettext(
                    "beehiiv → Settings → Workspace settings → API → Create new key. "
                    "Creating posts through the API needs an Enterprise plan."
                ),
            )
        ]

    def _get(self, key: str, path: str, phase: Phase = Phase.READ, **params) -> dict:
        response = self.request(
            "GET", self.url("api", path), phase=phase, params=params, headers=self.bearer(key)
        )
        return self.read_json(response, phase)

    def _publications(self, key: str, phase: Phase = Phase.READ) -> list[dict]:
        body = self._get(key, "/v2/publications", phase, limit="100")
        return [p for p in body.get("data") or [] if isinstance(p, dict) and p.get("id")]

    def authenticate(self, fields: dict) -> Grant:
        key = (fields.get("api_key") or "").strip()
        if not key:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter your beehiiv API key.")),
                field="api_key",
            )
        publications = self._publications(key, Phase.AUTH)
        if not publications:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "This beehiiv key reaches no publication; make one, or a key of the "
                        "workspace that has it."
                    )
                ),
                network_code="no_publication",
            )
        return Grant(credentials={"api_key": key}, meta={"publications": publications})

    def accounts(self, grant: Grant) -> list[Account]:
        return [_account(p) for p in grant.meta["publications"]]

    def fetch_profile(self, channel: Channel) -> Account:
        body = self._get(channel.credentials["api_key"], f"/v2/publications/{channel.external_id}")
        publication = body.get("data")
        if not isinstance(publication, dict) or not publication.get("id"):
            raise ProviderError(
                ErrorKind.NOT_FOUND, Text(gettext_noop("beehiiv no longer has this publication."))
            )
        return _account(publication)

    def publications(self, channel: Channel) -> list[dict]:
        return [
            {"id": p["id"], "name": p.get("name") or p["id"]}
            for p in self._publications(channel.credentials["api_key"])
        ]

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        status = values.get("status") or "confirmed"
        when = values.get("scheduled_at")
        if when:
            if parse_when(when) is None:
                issues.append(
                    Issue(
                        "setting_invalid",
                        gettext(
                            "scheduled_at must be an ISO 8601 time with its offset, "
                            "e.g. 2026-12-24T09:00:00+01:00."
                        ),
                        "scheduled_at",
                    )
                )
            elif status == "draft":
                issues.append(
                    Issue(
                        "setting_invalid",
                        gettext("beehiiv cannot schedule a draft: choose confirmed, or no time."),
                        "scheduled_at",
                    )
                )
        if len(draft.items) > 1:
            issues.append(
                Issue(
                    "media_count",
                    gettext("A beehiiv post is one article: it has no replies or further parts."),
                    "text",
                    item=1,
                )
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        values = request.settings
        images = [m for m in request.media if m.is_image and m.public_url]
        content = body_html(request.text) + "".join(
            f'<p><img src="{html.escape(m.public_url)}" alt="{html.escape(m.alt_text)}"></p>'
            for m in images
        )
        audience = values.get("audience") or "free"
        post: dict = {
            "title": str(values.get("title") or "").strip(),
            "body_content": content or "<p></p>",
            "status": values.get("status") or "confirmed",
            "recipients": {"web": {"tier_ids": [audience]}, "email": {"tier_ids": [audience]}},
            "web_settings": {"slug": slug_for(request)},
        }
        if values.get("subtitle"):
            post["subtitle"] = str(values["subtitle"])
        when = parse_when(values.get("scheduled_at"))
        if when is not None and post["status"] == "confirmed":
            post["scheduled_at"] = when.isoformat()
        tags = tag_names(values.get("content_tags"))
        if tags:
            post["content_tags"] = tags
        if images:
            post["thumbnail_image_url"] = images[0].public_url
        key = channel.credentials["api_key"]
        response = self.request(
            "POST",
            self.url("api", f"/v2/publications/{channel.external_id}/posts"),
            phase=Phase.COMMIT,
            json=post,
            headers=self.bearer(key),
        )
        created = self.read_json(response, Phase.COMMIT).get("data") or {}
        post_id = str(created.get("id") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("beehiiv answered without the post's id; it may be live.")),
                network_code=str(response.status_code),
            )
        return PublishResult(ref=self._ref_for(channel, post_id), raw={"post": {"id": post_id}})

    def _ref_for(self, channel: Channel, post_id: str) -> RemoteRef:
        """The post's web address, read back (beehiiv answers a create with its id only);
        a failed read leaves the post published without one."""
        try:
            body = self._get(
                channel.credentials["api_key"],
                f"/v2/publications/{channel.external_id}/posts/{post_id}",
            )
        except ProviderError:
            return RemoteRef(id=post_id)
        return _ref(body.get("data") or {"id": post_id})

    def _listed(self, channel: Channel, **filters) -> list[dict]:
        body = self._get(
            channel.credentials["api_key"],
            f"/v2/publications/{channel.external_id}/posts",
            status="all",
            order_by="created",
            direction="desc",
            limit=str(LOOKUP_LIMIT),
            **filters,
        )
        return [p for p in body.get("data") or [] if isinstance(p, dict) and p.get("id")]

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [_ref(p) for p in self._listed(channel)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The post with this item's slug, whatever its status (beehiiv filters by it)."""
        slug = slug_for(request)
        for post in self._listed(channel, **{"slugs[]": slug}):
            if post.get("slug") == slug:
                return _ref(post)
        return None

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"post_[0-9a-fA-F-]+", remote_id)
        return RemoteRef(id=match.group(0)) if match else RemoteRef(id=remote_id)

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        found = {}
        for ref in refs:
            if not ref.id.startswith("post_"):
                continue
            try:
                body = self._get(
                    channel.credentials["api_key"],
                    f"/v2/publications/{channel.external_id}/posts/{ref.id}",
                    **{"expand[]": "stats"},
                )
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue
                raise
            stats = (body.get("data") or {}).get("stats")
            if not isinstance(stats, dict):
                continue
            email = stats.get("email") if isinstance(stats.get("email"), dict) else {}
            web = stats.get("web") if isinstance(stats.get("web"), dict) else {}
            clicks = [v for v in (email.get("clicks"), web.get("clicks")) if v is not None]
            found[ref.id] = Metrics(
                {
                    "views": web.get("views"),
                    # Each reader who opened the email once: the people it reached.
                    "reach": email.get("unique_opens"),
                    "clicks": sum(clicks) if clicks else None,
                }
            )
        return found


def _ref(post: dict) -> RemoteRef:
    # A draft's web address is not public yet.
    url = post.get("web_url") or "" if post.get("status") != "draft" else ""
    return RemoteRef(id=str(post["id"]), url=url, extra={"status": post.get("status") or ""})


def _account(publication: dict) -> Account:
    return Account(
        external_id=str(publication["id"]),
        name=publication.get("name") or str(publication["id"]),
        username=publication.get("name") or "",
        kind="publication",
        meta={"organization": publication.get("organization_name") or ""},
    )
