"""Skool (unofficial): posts to a community through the endpoints Skool's own web app uses.

Skool has no public API. This works with the session of a Skool account: the
``auth_token`` cookie (and the ``client_id`` cookie next to it), copied from a browser
signed in at www.skool.com, stored encrypted like every channel secret. The network is
marked limited: Skool may change these endpoints, end the session, or put its firewall's
challenge in front of a request at any time, and automating an account may be against its
terms. What is used is only what open-source Skool clients show of the web app:

- the community's page, ``www.skool.com/<community>``, whose Next.js data
  (``__NEXT_DATA__`` → ``props.pageProps.currentGroup``) names the group's id and title;
- ``POST api2.skool.com/posts?follow=true`` with ``{"post_type": "generic", "group_id",
  "metadata": {"title", "content", ...}}``, answering the post with its ``id`` and its
  ``name`` (the last part of its address, ``www.skool.com/<community>/<name>``).

Posts are text with a title (no media: the upload steps are not publicly known well
enough). Requests may meet AWS WAF, which answers a challenge (202) or a CAPTCHA (405)
with ``x-amzn-waf-action`` instead of passing the request on: nothing reached Skool, so
the post is tried again later. Skool has no key and no way to look a post up that is
known: after an unclear answer the post is left for a person to confirm.
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

WEB = "https://www.skool.com"
NEXT_DATA = re.compile(
    r'<script[^>]*id="__NEXT_DATA__"[^>]*>(.*?)</script>', re.DOTALL | re.IGNORECASE
)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


def community_slug(value: str) -> str:
    """``acme-makers``, ``skool.com/acme-makers`` or its full address → ``acme-makers``."""
    value = (value or "").strip()
    value = re.sub(r"^(https?://)?(www\.)?skool\.com/", "", value, flags=re.IGNORECASE)
    return value.strip("/").split("/")[0].split("?")[0].lower()


# -- errors: no documented body; the status, and AWS WAF's header, say what happened -----
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None) or {}
    waf = (response.headers.get("x-amzn-waf-action") or "").lower()
    message = str(body.get("error") or body.get("message") or "") if body else ""
    return Said(
        response.status_code,
        code=f"waf_{waf}" if waf else "",
        message=message,
        failed=bool(waf) or response.status_code >= 300,
        body=body or None,
    )


EXPIRED = gettext_noop(
    "Skool ended the session this channel uses (signed out, or the auth_token expired). "
    "Sign in at skool.com, copy the new auth_token cookie and reconnect."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        # The firewall stopped the request before it reached Skool (AWS WAF's own words).
        Rule(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            gettext_noop(
                "Skool's firewall asked for a browser check and held the request back (nothing "
                "was posted); we will try again later."
            ),
            code=("waf_challenge", "waf_captcha"),
        ),
        Rule(ErrorKind.AUTH_REVOKED, EXPIRED, status=401),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Skool does not let this account post in the community{detail}"),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Skool could not find the community{detail}"),
            status=404,
        ),
        Rule(
            ErrorKind.RATE_LIMITED, gettext_noop("Skool asks us to slow down{detail}"), status=429
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Skool rejected the post{detail}"),
            status=(400, 422),
        ),
        SERVER_ERROR,
    ),
)


class SkoolProvider(Provider):
    identifier = "skool"
    # "Unofficial" is said, in the reader's language, by ``limited`` on every page that
    # offers it; the name stays the brand.
    display_name = "Skool"
    network_name = "Skool"
    auth_kind = "credentials-form"
    reply_mode = "none"
    text_counter = "codepoints"
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "none"
    analytics = "none"
    max_concurrency = 1
    endpoints = {"web": WEB, "api": "https://api2.skool.com"}
    errors = ERRORS
    limited = gettext_lazy(
        "Unofficial: Skool has no public API. This uses your browser session's auth_token "
        "cookie and the endpoints Skool's web app uses, which Skool may change or block at "
        "any time; text posts with a title only."
    )
    settings_fields = (
        SettingField("title", "string", label=gettext_lazy("Title"), required=True, max_length=200),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "community",
                "Community",
                help_text=gettext("Its address or short name, as in skool.com/acme-makers."),
            ),
            CredentialField(
                "auth_token",
                gettext("auth_token cookie (unofficial)"),
                type="secret",
                help_text=gettext(
                    "Unofficial: signed in at skool.com, open the browser's developer "
                    "tools → Application → Cookies → www.skool.com and copy auth_token. It is "
                    "your session: anyone with it can act as you on Skool."
                ),
            ),
            CredentialField(
                "client_id",
                gettext("client_id cookie"),
                required=False,
                help_text=gettext("Next to auth_token in the same cookies, if there is one."),
            ),
        ]

    @staticmethod
    def _cookies(credentials: dict) -> dict:
        cookie = f"auth_token={credentials['auth_token']}"
        if credentials.get("client_id"):
            cookie += f"; client_id={credentials['client_id']}"
        return {"Cookie": cookie}

    def _group(self, credentials: dict, slug: str, phase: Phase) -> dict:
        """The community's group, as its page's Next.js data names it."""
        response = self.request(
            "GET",
            self.url("web", f"/{quote(slug)}"),
            phase=phase,
            headers={**self._cookies(credentials), "Accept": "text/html"},
        )
        found = NEXT_DATA.search(response.text or "")
        try:
            data = json.loads(found.group(1)) if found else {}
        except ValueError:
            data = {}
        group = ((data.get("props") or {}).get("pageProps") or {}).get("currentGroup") or {}
        if not isinstance(group, dict) or not group.get("id"):
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "Skool showed no community at skool.com/%(slug)s to this session: check "
                        "the address, and that the account is a member."
                    ),
                    slug=slug,
                ),
                field="community",
            )
        return group

    def authenticate(self, fields: dict) -> Grant:
        slug = community_slug(fields.get("community") or "")
        token = (fields.get("auth_token") or "").strip()
        client_id = (fields.get("client_id") or "").strip()
        if not SLUG.match(slug):
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter the community's address, as in skool.com/acme-makers.")),
                field="community",
            )
        if not token or any(c in token for c in ";= \n"):
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Paste only the auth_token cookie's value (no name, no semicolons)."
                    )
                ),
                field="auth_token",
            )
        credentials = {"auth_token": token}
        if client_id:
            credentials["client_id"] = client_id
        group = self._group(credentials, slug, Phase.AUTH)
        return Grant(credentials=credentials, meta={"group": group, "community": slug})

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["group"], grant.meta["community"])]

    @staticmethod
    def _account(group: dict, slug: str) -> Account:
        metadata = group.get("metadata") or {}
        return Account(
            external_id=str(group["id"]),
            name=metadata.get("displayName") or group.get("name") or slug,
            username=group.get("name") or slug,
            profile_url=f"{WEB}/{group.get('name') or slug}",
            kind="community",
        )

    def fetch_profile(self, channel: Channel) -> Account:
        group = self._group(channel.credentials, channel.username, Phase.READ)
        return self._account(group, channel.username)

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        title = draft.settings.get("title")
        if title is not None and not str(title).strip():
            issues.append(
                Issue("setting_required", gettext("Write a title for the post."), "title")
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        body = {
            "post_type": "generic",
            "group_id": channel.external_id,
            "metadata": {
                "title": str(request.settings.get("title") or "").strip(),
                "content": request.text,
                "attachments": "",
                "labels": "",
                "action": 0,
                "video_ids": "",
            },
        }
        answer = self.read_json(
            self.request(
                "POST",
                self.url("api", "/posts"),
                phase=Phase.COMMIT,
                params={"follow": "true"},
                headers=self._cookies(channel.credentials),
                json=body,
            ),
            Phase.COMMIT,
        )
        if not answer.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Skool answered without naming the post; it may be live.")),
                raw_excerpt=str(answer)[:500],
            )
        name = str(answer.get("name") or "")
        url = f"{WEB}/{channel.username}/{name}" if name and channel.username else ""
        return PublishResult(
            ref=RemoteRef(id=str(answer["id"]), url=url), raw={"id": answer["id"], "name": name}
        )
