"""Dribbble: a shot (one image with a title, a description and tags) on the signed-in
designer's profile, or on one of their teams.

Sign-in is OAuth 2.0 with the ``public upload`` scopes; Dribbble's tokens do not expire
and it issues no refresh token, so a refused token means the person must connect again.
Creating shots is open only to accounts Dribbble lets upload (players and teams), with
an app Dribbble granted the ``upload`` scope.

A shot is made in one multipart request: Dribbble answers 202 Accepted with the shot's
address in ``Location`` and makes the shot in the background; that address answers 404
until the shot is ready. So a publish is pending once Dribbble accepted it (the shot's id
is its handle) and is checked until the shot can be read.

Dribbble has no idempotency key. When its answer to the create is lost, the designer's
newest shots are searched for one with this post's title and description before anything
is sent again; a shot still being processed is not listed yet, so such a post may end
unconfirmed.
"""

from __future__ import annotations

import html
import re

import requests
from django.utils.functional import lazy
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
    MediaItem,
    MediaRules,
    OAuth2,
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
    after_headers,
    json_object,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

MB = 1024 * 1024
# Dribbble's shot rules: exactly one GIF, JPG or PNG of one of these sizes, at most 8 MB.
SHOT_SIZES = ((400, 300), (800, 600))
MAX_IMAGE_BYTES = 8 * MB
MAX_TAGS = 12


def _tags_help() -> str:
    return gettext("At most %(count)d, without #.") % {"count": MAX_TAGS}


LOOKUP_LIMIT = 30


def tag_names(value) -> list[str]:
    """The ``tags`` setting (a list or a comma-separated string) as distinct names."""
    if isinstance(value, str):
        value = value.split(",")
    names: list[str] = []
    for raw in value or []:
        name = (raw.get("value") if isinstance(raw, dict) else raw) or ""
        name = str(name).strip().lstrip("#").strip()
        if name and name.lower() not in {n.lower() for n in names}:
            names.append(name)
    return names


def shot_id_from(location: str) -> str:
    """The shot's id in the address Dribbble answers a create with (…/shots/471756)."""
    match = re.search(r"/shots/(\d+)", location or "")
    return match.group(1) if match else ""


def _plain(text: str) -> str:
    """Dribbble hands descriptions back as HTML: compare their words, not their markup."""
    words = html.unescape(re.sub(r"<[^>]+>", " ", text or ""))
    return " ".join(words.split())


# -- errors: {"message": "...", "errors": [{"attribute": "...", "message": "..."}]} ------
FIELDS = {"image": "media", "title": "title", "tags": "tags", "team_id": "team"}


def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None:
        return Said(response.status_code)
    if phase == Phase.AUTH and body.get("error"):
        # The token endpoint speaks OAuth's error shape.
        return Said(
            response.status_code,
            code=str(body["error"]),
            message=str(body.get("error_description") or ""),
            body=body,
        )
    errors = body.get("errors") if isinstance(body.get("errors"), list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    attribute = str(first.get("attribute") or "")
    message = str(body.get("message") or "")
    if first.get("message"):
        message = f"{attribute} {first['message']}".strip()
    return Said(
        response.status_code,
        message=message,
        body=body,
        values={"field": FIELDS.get(attribute, "")},
    )


RECONNECT = gettext_noop("Dribbble no longer accepts this sign-in; connect the account again.")
ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(ErrorKind.AUTH_REVOKED, RECONNECT, code=("invalid_grant",), phase=Phase.AUTH),
        # Tokens never expire and there is no refresh token: a refused one was revoked.
        Rule(ErrorKind.AUTH_REVOKED, RECONNECT, status=401),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Dribbble asked us to slow down; we will try again later."),
            status=(403, 429),
            pattern=r"rate limit",
            retry_after=after_headers(60),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Dribbble does not let this account publish shots (it must be a player or a "
                "team, and the app needs the upload scope){detail}"
            ),
            status=403,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Dribbble refused the shot: {message|its contents were not valid}."),
            status=422,
            field="{field}",
        ),
        SERVER_ERROR,
    ),
)


class DribbbleProvider(Provider):
    identifier = "dribbble"
    display_name = "Dribbble"
    auth_kind = "oauth2"
    reply_mode = "none"
    text_counter = "codepoints"
    text_limit = None
    media_rules = MediaRules(
        max_count=1,
        min_count=1,
        mime_types=("image/png", "image/jpeg", "image/gif"),
        max_image_bytes=MAX_IMAGE_BYTES,
    )
    idempotency = "none"
    lookup = "by-content"
    async_publish = True
    # Dribbble says a shot taking over five minutes to process is a fault of its own.
    pending_interval = 15
    pending_window = 20 * 60
    # Looks at the accepted shot inside the publish before handing it to the engine.
    poll_attempts = 3
    poll_interval = 3.0
    analytics = "none"
    refresh_ahead = 0
    max_concurrency = 1
    scopes = ("public", "upload")
    oauth = OAuth2(
        client=("DRIBBBLE_CLIENT_ID", "DRIBBBLE_CLIENT_SECRET"),
        authorize=("auth", "/oauth/authorize"),
        token=("auth", "/oauth/token"),
        write_scope="upload",
        reconnect_message=RECONNECT,
    )
    required_settings = ("DRIBBBLE_CLIENT_ID", "DRIBBBLE_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {"auth": "https://dribbble.com", "api": "https://api.dribbble.com"}
    settings_fields = (
        SettingField("title", "string", label=gettext_lazy("Title"), required=True, max_length=255),
        SettingField("tags", "list", label=gettext_lazy("Tags"), help_text=lazy(_tags_help, str)()),
        SettingField(
            "team",
            "string",
            label=gettext_lazy("Team (empty: your profile)"),
            options=OptionSource("teams"),
            help_text=gettext_lazy("The shot is shown on the team's profile too."),
        ),
    )
    tools = (Tool("teams", "The Dribbble teams the account belongs to: id, name and login."),)

    # -- connecting ---------------------------------------------------------------------
    def _get(self, token: str, path: str, phase: Phase = Phase.READ, **params):
        response = self.request(
            "GET", self.url("api", path), phase=phase, params=params, headers=self.bearer(token)
        )
        try:
            return response.json()
        except ValueError:
            return self.read_json(response, phase)

    def _user(self, token: str, phase: Phase = Phase.READ) -> dict:
        user = self._get(token, "/v2/user", phase)
        if not isinstance(user, dict) or not user.get("id"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Dribbble answered without the account.")),
            )
        return user

    def accounts(self, grant: Grant) -> list[Account]:
        user = self._user(grant.credentials["access_token"], Phase.AUTH)
        if user.get("can_upload_shot") is False:
            # Refused now rather than at the first shot.
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Dribbble does not let this account upload shots yet; connect an account "
                        "that can (a player or a team)."
                    )
                ),
                network_code="can_upload_shot",
            )
        return [_account(user)]

    def fetch_profile(self, channel: Channel) -> Account:
        return _account(self._user(channel.credentials["access_token"]))

    def check_refreshes(self, channel: Channel) -> bool:
        return False  # nothing to renew: the token is read-checked

    def teams(self, channel: Channel) -> list[dict]:
        user = self._user(channel.credentials["access_token"])
        return [
            {
                "id": str(t["id"]),
                "name": t.get("name") or t.get("login") or str(t["id"]),
                "login": t.get("login") or "",
            }
            for t in user.get("teams") or []
            if isinstance(t, dict) and t.get("id")
        ]

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        tags = tag_names(draft.settings.get("tags"))
        if len(tags) > MAX_TAGS:
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("Dribbble allows at most %(limit)d tags; this has %(count)d.")
                    % {"limit": MAX_TAGS, "count": len(tags)},
                    "tags",
                    limit=MAX_TAGS,
                    actual=len(tags),
                )
            )
        team = str(draft.settings.get("team") or "").strip()
        if team and not team.isdigit():
            issues.append(Issue("setting_invalid", gettext("Choose one of your teams."), "team"))
        if len(draft.items) > 1:
            issues.append(
                Issue(
                    "media_count",
                    gettext("A Dribbble shot is one image: it has no replies or further parts."),
                    "media",
                    item=1,
                )
            )
        return issues

    def validate_media(
        self, index: int, media: list[MediaItem], rules: MediaRules | None = None
    ) -> list[Issue]:
        issues = super().validate_media(index, media, rules)
        small, large = (f"{w}x{h}" for w, h in SHOT_SIZES)
        for item in media:
            if not item.is_image or not item.width or not item.height:
                continue
            if (item.width, item.height) not in SHOT_SIZES:
                issues.append(
                    Issue(
                        "media_dimensions",
                        gettext(
                            "A Dribbble shot must be exactly %(small)s or %(large)s pixels; "
                            "this image is %(size)s."
                        )
                        % {"small": small, "large": large, "size": f"{item.width}x{item.height}"},
                        "media",
                        item=index,
                    )
                )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        values = request.settings
        if not request.media:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("A Dribbble shot needs its image.")),
                field="media",
            )
        fields: list[tuple[str, str]] = [("title", str(values.get("title") or "").strip())]
        if request.text.strip():
            fields.append(("description", request.text.strip()))
        fields += [("tags[]", tag) for tag in tag_names(values.get("tags"))[:MAX_TAGS]]
        team = str(values.get("team") or "").strip()
        if team:
            fields.append(("team_id", team))
        headers = self.bearer(channel.credentials["access_token"])
        with multipart_body(fields=fields, files=[("image", request.media[0])]) as body:
            response = self.request(
                "POST",
                self.url("api", "/v2/shots"),
                phase=Phase.COMMIT,
                data=body,
                headers={**headers, "Content-Type": body.content_type},
                timeout=self.upload_timeout,
            )
        shot_id = shot_id_from(response.headers.get("Location", ""))
        if not shot_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Dribbble accepted the shot without saying where it is; it may be live."
                    )
                ),
                network_code=str(response.status_code),
            )
        # Accepted: Dribbble makes the shot in the background, its address answering 404
        # until it is done (usually seconds). Looked at briefly here; a failed look changes
        # nothing (the shot was accepted), the engine's checks settle it.
        ready: list[PublishResult] = []

        def done() -> bool:
            try:
                result = self.check_status(channel, shot_id)
            except ProviderError:
                return False
            if result is not None:
                ready.append(result)
            return result is not None

        if self.poll(done, attempts=self.poll_attempts, interval=self.poll_interval):
            return ready[0]
        return PublishResult(
            ref=RemoteRef(id=shot_id),
            state="pending",
            handle=shot_id,
            raw={"shot": {"id": shot_id}},
        )

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        try:
            shot = self._get(channel.credentials["access_token"], f"/v2/shots/{handle}")
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                return None  # still being processed
            raise
        if not isinstance(shot, dict) or not shot.get("id"):
            return None
        return PublishResult(ref=self._ref(shot), raw={"shot": {"id": str(shot["id"])}})

    @staticmethod
    def _ref(shot: dict) -> RemoteRef:
        shot_id = str(shot["id"])
        return RemoteRef(
            id=shot_id, url=shot.get("html_url") or f"https://dribbble.com/shots/{shot_id}"
        )

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"/shots/(\d+)", remote_id) or re.fullmatch(r"\s*(\d+)\s*", remote_id)
        if not match:
            return RemoteRef(id=remote_id)
        return RemoteRef(id=match.group(1), url=f"https://dribbble.com/shots/{match.group(1)}")

    def _shots(self, channel: Channel) -> list[dict]:
        shots = self._get(
            channel.credentials["access_token"], "/v2/user/shots", per_page=str(LOOKUP_LIMIT)
        )
        return [s for s in shots or [] if isinstance(s, dict) and s.get("id")]

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [self._ref(shot) for shot in self._shots(channel)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The newest shot with this post's title and description (Dribbble keeps no key
        of ours); a shot still being processed is not listed yet."""
        title = str(request.settings.get("title") or "").strip()
        text = _plain(html.escape(request.text))
        for shot in self._shots(channel):
            if (
                str(shot.get("title") or "").strip() == title
                and _plain(str(shot.get("description") or "")) == text
            ):
                return self._ref(shot)
        return None


def _account(user: dict) -> Account:
    login = user.get("login") or ""
    return Account(
        external_id=str(user["id"]),
        name=user.get("name") or login,
        username=login,
        profile_url=user.get("html_url") or (f"https://dribbble.com/{login}" if login else ""),
        avatar_url=user.get("avatar_url") or "",
    )
