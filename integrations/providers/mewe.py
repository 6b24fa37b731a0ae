"""MeWe, through its Open API (a developer preview, dev.mewe.com), marked limited.

MeWe's developer program is a closed beta: an app id and API key come only to the
developers MeWe admits, so the network is marked limited. What is built is only what public
sources show:

- MeWe's own pages (dev.mewe.com, "API Communication" and "Authentication"): the host
  ``https://mewe.com``; every request carries ``X-App-Id``, the token requests also
  ``X-Api-Key``, and the rest ``Authorization: Bearer <apiToken>``; a ``loginRequestToken``
  is exchanged with ``GET /api/dev/token?loginRequestToken=…`` for ``{"apiToken",
  "expiresAt"}``, and once the token expires the sign-in is made again (no refresh).
- Postiz's MeWe integration (its code, tests and docs at docs.postiz.com/providers/mewe),
  for a standalone app's part that MeWe's stored pages do not show: the sign-in page
  ``mewe.com/login?client_id=<app id>&redirect_uri=…&state=…`` sending the person back
  with the login request token as ``code``, an exchange that may answer ``{"pending":
  true}`` until the person approves, the profile at ``GET /api/dev/me`` (``userId``,
  ``name``, ``firstName``, ``lastName``, ``handle``), the groups at ``GET /api/dev/groups``
  (``{"groups": [{"groupId", "name"}], "nextPage"}``), photos uploaded one by one with
  ``POST /api/dev/photo/upload`` (multipart ``file``, answering ``{"id"}``), and a post
  sent with ``POST /api/dev/me/post`` (the person's timeline) or ``POST
  /api/dev/group/<id>/post`` as ``{"text", "uploadedPhotoIds"}``, answered 204 without a
  body.

So a post is text with photos, on the timeline or in a group. The answer names no post,
and no public source shows an endpoint of this API that lists a person's posts, nor a key:
after an unclear answer nothing can be checked, and the post is left for a person to
confirm. A group's post is linked to the group's page (``mewe.com/group/<id>``, the
address MeWe shows for a group); a timeline post is linked to nothing, as no source shows
the address of a person's timeline by this API's profile.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

import requests
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.articles import chosen_id
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

WEB = "https://mewe.com"
POST_TYPES = ("timeline", "group")
# The one upload the API is known to have takes photos; Postiz's integration sends its
# videos nowhere. No source states MeWe's accepted formats or how many photos a post may
# carry: these are the common photo formats, and a cap of ours.
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif")
MAX_PHOTOS = 10
# How many pages of groups are followed at most (each names the next).
GROUP_PAGES = 20


# -- errors: MeWe documents no error body; the status says what happened -----------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or body.get("error") or "")
    elif response.status_code >= 400:
        # A plain-text reason ("Enhance Your Calm"), as Postiz's integration reads it.
        text = (response.text or "").strip()
        message = text[:200] if text and not text.startswith("<") else ""
    return Said(
        response.status_code,
        message=message,
        failed=response.status_code >= 300,
        body=body,
    )


EXPIRED = gettext_noop(
    "MeWe no longer accepts this channel's API token (it expired, or the app's access was "
    "withdrawn). MeWe gives no way to renew it: connect the channel again."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    # A post is answered 204 with no body; anything else must be readable JSON.
    bodiless=(204,),
    rows=(
        Rule(ErrorKind.AUTH_REVOKED, EXPIRED, status=401),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "MeWe does not let this app post there (the permissions your MeWe app was "
                "given, or a group you are not a member of){detail}"
            ),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND, gettext_noop("MeWe could not find the group{detail}"), status=404
        ),
        # 420 "Enhance Your Calm" is MeWe's way of asking to slow down (Postiz retries it).
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("MeWe asks us to slow down{detail}"),
            status=(420, 429),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("MeWe rejected the post{detail}"),
            status=(400, 413),
        ),
        SERVER_ERROR,
    ),
)


def _expiry(value) -> datetime | None:
    """``expiresAt`` as MeWe writes it (``2025-03-30T21:07:40.253Z``), or None."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class MeweProvider(Provider):
    identifier = "mewe"
    display_name = "MeWe"
    auth_kind = "oauth2"
    reply_mode = "none"
    text_counter = "codepoints"
    media_rules = MediaRules(max_count=MAX_PHOTOS, mime_types=PHOTO_TYPES)
    idempotency = "none"
    lookup = "none"
    analytics = "none"
    max_concurrency = 1
    required_settings = ("MEWE_APP_ID", "MEWE_API_KEY")
    endpoints = {"web": WEB, "api": f"{WEB}/api/dev", "login": f"{WEB}/login"}
    errors = ERRORS
    # The login request token travels in the exchange's address.
    redact_patterns = (r"(?<=loginRequestToken=)[^&\s]+",)
    limited = gettext_lazy(
        "MeWe's developer program is a closed beta: only an app MeWe admitted (its app id "
        "and API key) can connect, MeWe documents little of its API, and its posts can be "
        "neither keyed nor looked up."
    )
    settings_fields = (
        SettingField(
            "post_type",
            "enum",
            label=gettext_lazy("Post to"),
            choices=POST_TYPES,
            default="timeline",
            help_text=gettext_lazy("Your timeline, or a group you belong to."),
        ),
        SettingField(
            "group",
            "string",
            label=gettext_lazy("Group (when posting to a group)"),
            options=OptionSource("groups", stored="groups"),
        ),
    )
    tools = (
        Tool(
            "groups",
            "The MeWe groups this account belongs to: id and name (the group setting).",
            stores="groups",
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def _app(self) -> dict:
        return {"X-App-Id": self.setting("MEWE_APP_ID")}

    def _auth(self, token: str) -> dict:
        return {**self._app(), **self.bearer(token)}

    def authorization_url(
        self,
        *,
        state: str,
        redirect_uri: str,
        code_challenge: str = "",
        instance: dict | None = None,
    ) -> str:
        params = {
            "client_id": self.setting("MEWE_APP_ID"),
            "redirect_uri": redirect_uri,
            "state": state,
        }
        return f"{self.url('login')}?{urlencode(params, quote_via=quote)}"

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance: dict | None = None
    ) -> Grant:
        answer = self.read_json(
            self.request(
                "GET",
                self.url("api", "/token"),
                phase=Phase.AUTH,
                params={"loginRequestToken": code},
                headers={**self._app(), "X-Api-Key": self.setting("MEWE_API_KEY")},
            ),
            Phase.AUTH,
        )
        if answer.get("pending"):
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "MeWe is still waiting for you to approve this app. Approve it in MeWe, "
                        "then connect again."
                    )
                ),
                network_code="pending",
            )
        token = answer.get("apiToken")
        if not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(gettext_noop("MeWe answered the sign-in without a token; try again.")),
            )
        me = self._me(str(token), Phase.AUTH)
        return Grant(
            credentials={"access_token": str(token)},
            expires_at=_expiry(answer.get("expiresAt")),
            meta={"me": me},
        )

    def _me(self, token: str, phase: Phase) -> dict:
        me = self.read_json(
            self.request("GET", self.url("api", "/me"), phase=phase, headers=self._auth(token)),
            phase,
        )
        if not me.get("userId"):
            raise ProviderError(ErrorKind.AUTH_REVOKED, Text(EXPIRED))
        return me

    @staticmethod
    def _account(me: dict) -> Account:
        full = " ".join(p for p in (me.get("firstName"), me.get("lastName")) if p)
        return Account(
            external_id=str(me["userId"]),
            name=str(me.get("name") or full or me.get("handle") or ""),
            username=str(me.get("handle") or ""),
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["me"])]

    def refresh(self, channel: Channel) -> Grant:
        raise ProviderError(ErrorKind.AUTH_REVOKED, Text(EXPIRED))

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(self._me(channel.credentials["access_token"], Phase.READ))

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        if values.get("post_type") == "group" and not chosen_id(values.get("group")):
            issues.append(
                Issue("setting_required", gettext("Choose the MeWe group to post in."), "group")
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def _upload_photos(self, token: str, request: PublishRequest) -> list[str]:
        """Each photo on MeWe, once: an id kept in ``progress`` is reused."""
        ids: list = request.progress.setdefault("mewe_photos", [])
        for item in request.media[len(ids) :]:
            answer = self.read_json(
                self.request(
                    "POST",
                    self.url("api", "/photo/upload"),
                    phase=Phase.UPLOAD,
                    headers=self._auth(token),
                    files={"file": (item.filename, item.read(), item.mime_type)},
                    timeout=self.upload_timeout,
                ),
                Phase.UPLOAD,
            )
            if not answer.get("id"):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "MeWe did not keep the photo (nothing was posted); we will try again."
                        )
                    ),
                )
            ids.append(str(answer["id"]))
            request.save_progress()
        return list(ids)

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        group = ""
        if request.settings.get("post_type") == "group":
            group = chosen_id(request.settings.get("group"))
            if not group:
                raise ProviderError(
                    ErrorKind.CONTENT_REJECTED,
                    Text(gettext_noop("Choose the MeWe group to post in.")),
                )
        body: dict = {"text": request.text}
        photos = self._upload_photos(token, request)
        if photos:
            body["uploadedPhotoIds"] = photos
        path = f"/group/{quote(group, safe='')}/post" if group else "/me/post"
        response = self.request(
            "POST", self.url("api", path), phase=Phase.COMMIT, headers=self._auth(token), json=body
        )
        # The post is answered 204, naming nothing; an answer with a body may name it.
        answer = json_object(response, None) or {}
        post_id = str(answer.get("postItemId") or answer.get("id") or "")
        url = f"{WEB}/group/{quote(group, safe='')}" if group else ""
        return PublishResult(
            ref=RemoteRef(id=post_id, url=url, extra={"group": group} if group else {}),
            raw={"status": response.status_code, "group": group},
        )

    # -- look-up tools ------------------------------------------------------------------
    def groups(self, channel: Channel) -> list[dict]:
        token = channel.credentials["access_token"]
        found: list[dict] = []
        url = self.url("api", "/groups")
        for _ in range(GROUP_PAGES):
            page = self.read_json(
                self.request("GET", url, phase=Phase.READ, headers=self._auth(token)), Phase.READ
            )
            for group in page.get("groups") or []:
                if isinstance(group, dict) and group.get("groupId"):
                    found.append({"id": str(group["groupId"]), "name": group.get("name") or ""})
            following = str(page.get("nextPage") or "")
            # Only a path on MeWe's own host is followed.
            if not following.startswith("/") or following.startswith("//"):
                break
            url = self.url("web", following)
        return found
