"""dev.to (Forem API v1): articles posted with a personal API key.

There is no OAuth and no upload endpoint: the key (``api-key`` header, made at
dev.to/settings/extensions) never expires, and a cover image is given by a lasting web
address (the network fetches and keeps it). An article is one post: it has no replies.
The API has no idempotency key; after an unclear answer the account's own articles
(``/articles/me/all``, drafts included) are searched for this title and body.
"""

from __future__ import annotations

import re

import requests
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.articles import (
    chosen_id,
    image_url,
    is_web_address,
    same_text,
    tag_names,
)
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
    ToolInput,
    json_object,
    retry_after_seconds,
)
from organizations.texts import Text

# Forem's article and tag rules (app/models/article.rb, tag.rb).
TITLE_LIMIT = 128
MAX_TAGS = 4
TAG_LIMIT = 30
# How many of the account's newest articles are read to find one (Forem's per_page).
LOOKUP_PAGE = 30
METRICS_PAGE = 1000
V1 = "application/vnd.forem.api-v1+json"


def _tags_help() -> str:
    return gettext("At most %(count)d.") % {"count": MAX_TAGS}


# -- errors: {"error": "<words>", "status": <code>} -------------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    message = str(body.get("error") or "") if body is not None else ""
    waited = re.search(r"try again in (\d+) seconds", message)
    return Said(
        response.status_code,
        message=message,
        failed=response.status_code >= 300,
        retry_after=float(waited.group(1)) if waited else None,
        body=body,
    )


def _wait(response: requests.Response, said: Said) -> float | None:
    # Forem sets Retry-After and repeats it in the words; either will do.
    return retry_after_seconds(response, default=said.retry_after or 30)


def _rejected(pattern: str, field: str) -> Rule:
    return Rule(
        ErrorKind.CONTENT_REJECTED,
        gettext_noop("dev.to rejected the article: {message}"),
        status=422,
        pattern=pattern,
        field=field,
    )


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        # Forem answers a missing key and a wrong one alike; keys do not expire.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "dev.to did not accept the API key; make a new one at "
                "dev.to/settings/extensions and reconnect."
            ),
            status=401,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("dev.to asked us to slow down; we will try again shortly."),
            status=429,
            retry_after=_wait,
        ),
        _rejected(r"tag", "tags"),
        _rejected(r"title", "title"),
        _rejected(r"canonical", "canonical"),
        # Forem keeps one article per author, title and body: a second send of the same
        # post is refused, never published twice.
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("dev.to already has an article of yours with this title and text."),
            status=422,
            pattern=r"body markdown has already been taken",
            network_code="duplicate",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("dev.to rejected the article: {message}"),
            status=422,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("dev.to has no such organization or article{detail}"),
            status=404,
        ),
        SERVER_ERROR,
    ),
)


class DevtoProvider(Provider):
    identifier = "devto"
    display_name = "dev.to"
    auth_kind = "credentials-form"
    reply_mode = "none"
    text_counter = "codepoints"
    text_limit = None
    # Covers are addresses in the settings: a library file's presigned address expires.
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "by-content"
    analytics = "post"
    metrics_batch = METRICS_PAGE
    metrics_per_hour = 30
    # Forem allows about 10 article writes per 30 s for a key; one at a time is plenty.
    max_concurrency = 1
    endpoints = {"api": "https://dev.to/api"}
    errors = ERRORS
    settings_fields = (
        SettingField(
            "title", "string", label=gettext_lazy("Title"), required=True, max_length=TITLE_LIMIT
        ),
        SettingField(
            "description",
            "string",
            label=gettext_lazy("Description (the excerpt shown in lists)"),
        ),
        SettingField("main_image", "url", label=gettext_lazy("Cover image address")),
        SettingField(
            "canonical", "url", label=gettext_lazy("Canonical address (where it first appeared)")
        ),
        SettingField("series", "string", label=gettext_lazy("Series name")),
        SettingField(
            "organization",
            "string",
            label=gettext_lazy("Organization id"),
            help_text=gettext_lazy(
                "Post under an organization you belong to (the organization tool finds "
                "its id by its dev.to username)."
            ),
        ),
        SettingField("tags", "list", label=gettext_lazy("Tags"), help_text=lazy(_tags_help, str)()),
        SettingField(
            "published",
            "bool",
            label=gettext_lazy("Publish (off: save as a draft)"),
            default=True,
        ),
    )
    tools = (
        Tool(
            "organization",
            "Find a dev.to organization by its username (the part after dev.to/): id, "
            "username and name, for the organization setting.",
            (ToolInput("username", description="The organization's dev.to username"),),
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
                    "Make one at dev.to/settings/extensions (DEV Community API Keys)."
                ),
            )
        ]

    @staticmethod
    def _headers(key: str) -> dict:
        return {"api-key": key, "Accept": V1}

    def _me(self, key: str, phase: Phase) -> dict:
        return self.read_json(
            self.request(
                "GET", self.url("api", "/users/me"), phase=phase, headers=self._headers(key)
            )
        )

    def authenticate(self, fields: dict) -> Grant:
        key = (fields.get("api_key") or "").strip()
        if not key:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter your dev.to API key.")),
                field="api_key",
            )
        user = self._me(key, Phase.AUTH)
        return Grant(credentials={"api_key": key}, meta={"user": user})

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["user"])]

    @staticmethod
    def _account(user: dict) -> Account:
        username = user.get("username") or ""
        return Account(
            external_id=str(user["id"]),
            name=user.get("name") or username,
            username=username,
            profile_url=f"https://dev.to/{username}" if username else "",
            avatar_url=user.get("profile_image") or "",
        )

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(self._me(channel.credentials["api_key"], Phase.READ))

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        title = str(values.get("title") or "")
        if values.get("title") is not None and not title.strip():
            issues.append(
                Issue("setting_required", gettext("Write a title for the article."), "title")
            )
        tags = tag_names(values.get("tags"))
        if len(tags) > MAX_TAGS:
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("dev.to allows %(limit)d tags; this has %(count)d.")
                    % {"limit": MAX_TAGS, "count": len(tags)},
                    "tags",
                    limit=MAX_TAGS,
                    actual=len(tags),
                )
            )
        for tag in tags:
            if not re.fullmatch(r"[^\W_]+", tag) or len(tag) > TAG_LIMIT:
                issues.append(
                    Issue(
                        "setting_invalid",
                        gettext(
                            "dev.to tags are letters and digits only, at most %(limit)d "
                            "characters: change “%(tag)s”."
                        )
                        % {"limit": TAG_LIMIT, "tag": tag},
                        "tags",
                    )
                )
        for name, message in (
            ("main_image", gettext("The cover image must be a web address.")),
            ("canonical", gettext("The canonical address must be a web address.")),
        ):
            value = image_url(values.get(name)) if name == "main_image" else values.get(name)
            if value and not is_web_address(str(value)):
                issues.append(Issue("setting_invalid", message, name))
        organization = chosen_id(values.get("organization"))
        if organization and not organization.isdigit():
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("Choose the organization by its id (the organization tool finds it)."),
                    "organization",
                )
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def article_for(self, request: PublishRequest) -> dict:
        values = request.settings
        article = {
            "title": str(values.get("title") or "").strip(),
            "body_markdown": request.text,
            "published": values.get("published", True) is not False,
        }
        tags = tag_names(values.get("tags"))
        if tags:
            article["tags"] = ", ".join(tags)
        optional = {
            "description": str(values.get("description") or "").strip(),
            "main_image": image_url(values.get("main_image")),
            "canonical_url": str(values.get("canonical") or "").strip(),
            "series": str(values.get("series") or "").strip(),
        }
        article.update({key: value for key, value in optional.items() if value})
        organization = chosen_id(values.get("organization"))
        if organization:
            article["organization_id"] = int(organization)
        return article

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        article = self.read_json(
            self.request(
                "POST",
                self.url("api", "/articles"),
                phase=Phase.COMMIT,
                headers=self._headers(channel.credentials["api_key"]),
                json={"article": self.article_for(request)},
            ),
            Phase.COMMIT,
        )
        if not article.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("dev.to answered without naming the article; it may be live.")),
                raw_excerpt=str(article)[:500],
            )
        return PublishResult(ref=self._ref(article), raw={"id": article["id"]})

    @staticmethod
    def _ref(article: dict) -> RemoteRef:
        return RemoteRef(
            id=str(article["id"]), url=article.get("url") or "", extra={"path": article.get("path")}
        )

    def _my_articles(self, channel: Channel, per_page: int) -> list[dict]:
        answer = self.request(
            "GET",
            self.url("api", "/articles/me/all"),
            phase=Phase.READ,
            headers=self._headers(channel.credentials["api_key"]),
            params={"per_page": str(per_page), "page": "1"},
        ).json()
        return [a for a in answer if isinstance(a, dict)] if isinstance(answer, list) else []

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The account's article with this title and body (drafts too), newest first."""
        wanted = self.article_for(request)
        for article in self._my_articles(channel, LOOKUP_PAGE):
            if (article.get("title") or "").strip() == wanted["title"] and same_text(
                article.get("body_markdown") or "", wanted["body_markdown"]
            ):
                return self._ref(article)
        return None

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [self._ref(a) for a in self._my_articles(channel, LOOKUP_PAGE) if a.get("id")]

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        return RemoteRef(id=remote_id.strip())

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Views, reactions and comments, as the author's own article list counts them."""
        wanted = {ref.id for ref in refs}
        found = {}
        for article in self._my_articles(channel, METRICS_PAGE):
            if str(article.get("id")) in wanted:
                found[str(article["id"])] = Metrics(
                    {
                        "views": article.get("page_views_count"),
                        "likes": article.get("public_reactions_count"),
                        "comments": article.get("comments_count"),
                    }
                )
        return found

    # -- look-up tools ------------------------------------------------------------------
    def organization(self, channel: Channel, *, username: str) -> list[dict]:
        name = username.strip().strip("/").rsplit("/", 1)[-1].lstrip("@")
        try:
            found = self.read_json(
                self.request(
                    "GET",
                    self.url("api", f"/organizations/{requests.utils.quote(name, safe='')}"),
                    phase=Phase.READ,
                    headers=self._headers(channel.credentials["api_key"]),
                )
            )
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                return []
            raise
        return [
            {
                "id": str(found["id"]),
                "username": found.get("username") or name,
                "name": found.get("name") or name,
            }
        ]
