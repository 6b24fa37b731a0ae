"""Medium (REST API v1 at api.medium.com), with a self-issued integration token.

Medium no longer supports its API and issues no new integration tokens (nor new OAuth
apps): only a token made before it closed them still works, so the network is marked
limited. A token does not expire; Medium's refusal of one means it was revoked.

A post goes to the author's profile or to one of their publications, as Markdown. The
API has no subtitle field and shows no title inside the post, so both are written at the
top of the content. Library images are uploaded to ``/v1/images`` and placed under the
title. Medium has no endpoint that lists a user's posts and no idempotency key: after an
unclear answer nothing can be checked, and the post is left for a person to confirm.
"""

from __future__ import annotations

import requests
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.articles import chosen_id, is_web_address, tag_names
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
    json_object,
)
from organizations.texts import Text

# Medium's documented rules for a post (api docs §3.3).
TITLE_LIMIT = 100  # a longer title is ignored and one made from the content instead
MAX_TAGS = 3  # only the first three are used
TAG_LIMIT = 25  # a longer tag is ignored
STATUSES = ("public", "draft", "unlisted")
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/tiff")


def _tags_help() -> str:
    return gettext("At most %(count)d.") % {"count": MAX_TAGS}


# -- errors: {"errors": [{"message", "code"}]} ------------------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    errors = (body or {}).get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code") or "")
    if not code and response.headers.get("cf-mitigated") == "challenge":
        # Cloudflare's "Just a moment…" page, in front of Medium's API for some addresses.
        code = "cloudflare_challenge"
    return Said(
        response.status_code,
        code=code,
        message=str(first.get("message") or ""),
        failed=bool(errors) or response.status_code >= 300,
        body=body,
    )


REVOKED = gettext_noop(
    "Medium did not accept the integration token (revoked, or mistyped). Medium issues no "
    "new tokens, so only a token made before it closed its API can connect again."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(ErrorKind.AUTH_REVOKED, REVOKED, status=401),
        # Medium allows 10 posts in 24 hours from the first; the count restarts then.
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "Medium allows 10 posts a day through its API; this one waits for the next day."
            ),
            pattern=r"rate limit for publishing",
            retry_after=24 * 3600,
            network_code="daily_limit",
        ),
        Rule(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            gettext_noop(
                "Medium's firewall turned the request away before it reached Medium (nothing "
                "was posted); we will try again."
            ),
            code="cloudflare_challenge",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Medium does not let this account post there (a writer of a publication may "
                "only send drafts){detail}"
            ),
            status=403,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED, gettext_noop("Medium rejected the post{detail}"), status=400
        ),
        SERVER_ERROR,
    ),
)


class MediumProvider(Provider):
    identifier = "medium"
    display_name = "Medium"
    auth_kind = "credentials-form"
    reply_mode = "none"
    text_counter = "codepoints"
    media_rules = MediaRules(max_count=10, mime_types=IMAGE_TYPES)
    idempotency = "none"
    lookup = "none"
    analytics = "none"
    max_concurrency = 1
    daily_post_cap = 10
    endpoints = {"api": "https://api.medium.com/v1"}
    errors = ERRORS
    limited = gettext_lazy(
        "Medium no longer supports its API and issues no new integration tokens; only "
        "a token made before then can connect, and Medium may stop accepting it."
    )
    settings_fields = (
        SettingField(
            "title", "string", label=gettext_lazy("Title"), required=True, max_length=TITLE_LIMIT
        ),
        SettingField("subtitle", "string", label=gettext_lazy("Subtitle (shown under the title)")),
        SettingField(
            "publication",
            "string",
            label=gettext_lazy("Publication (empty: your profile)"),
            options=OptionSource("publications", stored="publications"),
        ),
        SettingField("tags", "list", label=gettext_lazy("Tags"), help_text=lazy(_tags_help, str)()),
        SettingField(
            "canonical", "url", label=gettext_lazy("Canonical address (where it first appeared)")
        ),
        SettingField(
            "publish_status",
            "enum",
            label=gettext_lazy("Visibility"),
            choices=STATUSES,
            default="public",
        ),
    )
    tools = (
        Tool(
            "publications",
            "The publications this account writes to or edits: id, name and url (the "
            "publication setting).",
            stores="publications",
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "token",
                gettext("Integration token"),
                type="secret",
                help_text=gettext(
                    "An integration token you made earlier at medium.com/me/settings "
                    "(Security and apps → Integration tokens); Medium issues no new ones."
                ),
            )
        ]

    def _get(self, token: str, path: str, phase: Phase):
        body = self.read_json(
            self.request("GET", self.url("api", path), phase=phase, headers=self.bearer(token)),
            phase,
        )
        return body.get("data")

    def authenticate(self, fields: dict) -> Grant:
        token = (fields.get("token") or "").strip()
        if not token:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter your Medium integration token.")),
                field="token",
            )
        user = self._get(token, "/me", Phase.AUTH)
        if not isinstance(user, dict) or not user.get("id"):
            raise ProviderError(ErrorKind.AUTH_REVOKED, Text(REVOKED))
        return Grant(credentials={"token": token}, meta={"user": user})

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["user"])]

    @staticmethod
    def _account(user: dict) -> Account:
        return Account(
            external_id=str(user["id"]),
            name=user.get("name") or user.get("username") or "",
            username=user.get("username") or "",
            profile_url=user.get("url") or "",
            avatar_url=user.get("imageUrl") or "",
        )

    def fetch_profile(self, channel: Channel) -> Account:
        user = self._get(channel.credentials["token"], "/me", Phase.READ)
        if not isinstance(user, dict) or not user.get("id"):
            raise ProviderError(ErrorKind.AUTH_REVOKED, Text(REVOKED))
        return self._account(user)

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        title = values.get("title")
        if title is not None and not str(title).strip():
            issues.append(
                Issue("setting_required", gettext("Write a title for the post."), "title")
            )
        tags = tag_names(values.get("tags"))
        if len(tags) > MAX_TAGS:
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("Medium uses only the first %(limit)d tags; this has %(count)d.")
                    % {"limit": MAX_TAGS, "count": len(tags)},
                    "tags",
                    limit=MAX_TAGS,
                    actual=len(tags),
                )
            )
        for tag in tags:
            if len(tag) > TAG_LIMIT:
                issues.append(
                    Issue(
                        "setting_invalid",
                        gettext("Medium ignores tags over %(limit)d characters: shorten “%(tag)s”.")
                        % {"limit": TAG_LIMIT, "tag": tag},
                        "tags",
                    )
                )
        canonical = str(values.get("canonical") or "")
        if canonical and not is_web_address(canonical):
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("The canonical address must be a web address."),
                    "canonical",
                )
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def _upload_images(self, token: str, request: PublishRequest) -> list[str]:
        """Each library image on Medium, once: an address kept in ``progress`` is reused."""
        urls: list = request.progress.setdefault("medium_images", [])
        for item in request.media[len(urls) :]:
            data = (
                self.read_json(
                    self.request(
                        "POST",
                        self.url("api", "/images"),
                        phase=Phase.UPLOAD,
                        headers=self.bearer(token),
                        files={"image": (item.filename, item.read(), item.mime_type)},
                        timeout=self.upload_timeout,
                    ),
                    Phase.UPLOAD,
                ).get("data")
                or {}
            )
            if not data.get("url"):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(gettext_noop("Medium did not keep the image; we will retry.")),
                )
            urls.append(data["url"])
            request.save_progress()
        return list(urls)

    def content_for(self, request: PublishRequest, images: list[str]) -> str:
        """The Markdown Medium shows: the title and subtitle on top (the API shows
        neither), then the images, then the text."""
        values = request.settings
        parts = [f"# {str(values.get('title') or '').strip()}"]
        subtitle = str(values.get("subtitle") or "").strip()
        if subtitle:
            parts.append(f"## {subtitle}")
        for url, item in zip(images, request.media, strict=False):
            parts.append(f"![{item.alt_text}]({url})")
        parts.append(request.text)
        return "\n\n".join(part for part in parts if part.strip())

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["token"]
        values = request.settings
        body = {
            "title": str(values.get("title") or "").strip(),
            "contentFormat": "markdown",
            "content": self.content_for(request, self._upload_images(token, request)),
            "publishStatus": values.get("publish_status") or "public",
        }
        tags = tag_names(values.get("tags"))
        if tags:
            body["tags"] = tags
        canonical = str(values.get("canonical") or "").strip()
        if canonical:
            body["canonicalUrl"] = canonical
        publication = chosen_id(values.get("publication"))
        path = (
            f"/publications/{publication}/posts"
            if publication
            else f"/users/{channel.external_id}/posts"
        )
        answer = self.read_json(
            self.request(
                "POST",
                self.url("api", path),
                phase=Phase.COMMIT,
                headers=self.bearer(token),
                json=body,
            ),
            Phase.COMMIT,
        )
        post = answer.get("data") or {}
        if not post.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Medium answered without naming the post; it may be live.")),
                raw_excerpt=str(answer)[:500],
            )
        return PublishResult(
            ref=RemoteRef(id=str(post["id"]), url=post.get("url") or ""),
            raw={"id": post["id"], "publishStatus": post.get("publishStatus")},
        )

    # -- look-up tools ------------------------------------------------------------------
    def publications(self, channel: Channel) -> list[dict]:
        found = self._get(
            channel.credentials["token"], f"/users/{channel.external_id}/publications", Phase.READ
        )
        return [
            {"id": p["id"], "name": p.get("name") or "", "url": p.get("url") or ""}
            for p in found or []
            if isinstance(p, dict) and p.get("id")
        ]
