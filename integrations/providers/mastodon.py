"""Mastodon (and compatible servers), on whatever instance the person names.

The app is registered on each instance on first use (``register_app``; the caller caches
the client per instance and registers again after ``invalid_client``). Tokens do not
expire. Limits are the instance's own, read from ``/api/v2/instance`` when connecting and
kept in the channel's meta. Statuses are created with an ``Idempotency-Key`` header, so
the engine may resend the commit with the same key after an unknown outcome.
"""

from __future__ import annotations

import html
import ipaddress
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import urlencode, urlsplit

import requests
from django.utils.translation import gettext_lazy, gettext_noop

from integrations import text as text_counters
from integrations.providers.base import (
    Account,
    Channel,
    ErrorKind,
    ErrorTable,
    Grant,
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
    Tool,
    ToolInput,
    json_object,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

DEFAULT_MAX_CHARACTERS = 500
DEFAULT_URL_LENGTH = 23
SCOPES = ("read", "write:statuses", "write:media")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_REMOTE_MENTION = re.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\.[a-z]{2,}", re.IGNORECASE)


def _instance_origin(url: str) -> str:
    """https://host[:port] from whatever was typed; plain http only for this machine."""
    raw = (url or "").strip()
    if not raw:
        return ""
    if "://" not in raw:
        raw = "https://" + raw
    parts = urlsplit(raw)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("http", "https"):
        return ""
    scheme = "https"
    if parts.scheme == "http" and _is_loopback(host):
        scheme = "http"  # a development server on this machine
    netloc = host if ":" not in host else f"[{host}]"
    if parts.port:
        netloc += f":{parts.port}"
    return f"{scheme}://{netloc.lower()}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _plain(content: str) -> str:
    """A status's HTML as comparable text: no tags, no entities, no whitespace."""
    return _SPACE.sub("", html.unescape(_TAG.sub("", content or "")))


def _reset_seconds(response: requests.Response, default: float = 300.0) -> float:
    """Mastodon sends X-RateLimit-Reset as an ISO 8601 time."""
    value = response.headers.get("X-RateLimit-Reset", "")
    if value:
        try:
            reset = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if reset.tzinfo is None:
                reset = reset.replace(tzinfo=UTC)
            return max((reset - datetime.now(UTC)).total_seconds(), 0.0)
        except ValueError:
            pass
    value = response.headers.get("Retry-After", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return default


# -- errors: {"error": "<words>"}, or OAuth's {"error": "<code>", "error_description"} ----
# Keyed on the status and the OAuth codes, never on the words (servers word them apart).
OAUTH_CODES = ("invalid_client", "unauthorized_client", "invalid_grant")


def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    data = body or {}
    error = str(data.get("error") or "")
    description = str(data.get("error_description") or "")
    return Said(
        response.status_code,
        code=error if error in OAUTH_CODES else "",
        message=error,
        failed=response.status_code >= 400 or bool(error),
        values={"reason": error or description},
        body=body,
    )


REJECTED = gettext_noop("Mastodon rejected the post: {reason|the server did not say why}")
ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "This Mastodon server no longer knows our app; connect again and we will register "
                "it anew."
            ),
            code=("invalid_client", "unauthorized_client"),
            network_code="invalid_client",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("The Mastodon sign-in code was used or expired; connect again."),
            code="invalid_grant",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Mastodon no longer accepts this connection (the app was removed or the token "
                "revoked); reconnect the channel."
            ),
            status=401,
            network_code="{status}",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Mastodon refused this for the connected account: {message|forbidden}. Reconnect "
                "and allow posting, or check the account on its server."
            ),
            status=403,
            network_code="{status}",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Mastodon could not find what this refers to; it may have been deleted."),
            status=404,
            network_code="{status}",
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "Mastodon asked us to slow down; we will try again after its limit resets."
            ),
            status=429,
            network_code="{status}",
            retry_after=lambda response, said: _reset_seconds(response),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("The Mastodon server refused a file as too large."),
            status=413,
            network_code="{status}",
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            REJECTED,
            status=(400, 422),
            phase=Phase.UPLOAD,
            network_code="{status}",
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            REJECTED,
            status=(400, 422),
            network_code="{status}",
            field="text",
        ),
    ),
)


class MastodonProvider(Provider):
    identifier = "mastodon"
    display_name = "Mastodon"
    auth_kind = "oauth2"
    custom_instance = True
    account_selection = "none"
    reply_mode = "thread"
    text_counter = "mastodon"
    text_limit = DEFAULT_MAX_CHARACTERS
    media_rules = MediaRules(
        max_count=4,
        mime_types=(
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "image/heic",
            "image/avif",
            "video/mp4",
            "video/webm",
            "video/quicktime",
        ),
        max_image_bytes=16 * 1024 * 1024,
        max_video_bytes=99 * 1024 * 1024,
        video_alone=True,
    )
    idempotency = "native-key"
    lookup = "by-content"
    refresh_ahead = 0  # tokens do not expire
    max_concurrency = 4
    scopes = SCOPES
    # Favourites, boosts and replies of each status, followers of the account: all read
    # with the ``read`` scope the channel already has.
    analytics = "both"
    # GET /api/v1/statuses?id[]= takes up to 20 ids (Mastodon 4.3 and later); the default
    # budget is 300 calls per 5 minutes per account, of which metrics take a small share.
    metrics_batch = 20
    metrics_per_hour = 120
    # A boost (POST /api/v1/statuses/:id/reblog, in the write:statuses scope the channel
    # has) is kept once per account by the server: boosting again answers the same
    # boost. A reply is a status with in_reply_to_id and its Idempotency-Key.
    plug_kinds = ("repost", "reply")
    plug_metrics = ("likes", "shares", "comments")
    repost_once = True
    # api: only the instance suggested in the connect form; each channel has its own.
    endpoints = {"api": "https://mastodon.social"}
    errors = ERRORS
    settings_fields = ()
    tools = (
        Tool(
            "mention",
            gettext_lazy(
                "Find accounts to mention: @handle, name and profile, from a name or a handle "
                "(user@server finds accounts of other servers too)."
            ),
            (
                ToolInput(
                    "query",
                    description=gettext_lazy("A name or handle, e.g. alice or alice@example"),
                ),
            ),
        ),
    )
    # Polling media that is still being processed (the only waiting a provider does).
    media_poll_attempts = 15
    media_poll_interval = 2.0

    # -- connecting ---------------------------------------------------------------------
    def check_instance(self, instance_url: str) -> str:
        origin = _instance_origin(instance_url)
        if not origin:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "%(address)s is not a web address; enter your server, e.g. mastodon.social."
                    ),
                    address=instance_url.strip(),
                )
                if instance_url.strip()
                else Text(
                    gettext_noop(
                        "That address is not a web address; enter your server, e.g. "
                        "mastodon.social."
                    )
                ),
            )
        if self.instance_info(origin) is None:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "%(address)s does not look like a Mastodon server. Check the address of "
                        "the server where your account lives."
                    ),
                    address=origin,
                ),
            )
        return origin

    def instance_info(self, origin: str) -> dict | None:
        """The instance description (v2, else v1), or None when it is not Mastodon-like."""
        for path, key in (("/api/v2/instance", "domain"), ("/api/v1/instance", "uri")):
            try:
                response = self.request("GET", origin + path, phase=Phase.READ)
                data = response.json()
            except ProviderError as error:
                if error.network_code == "unsafe_url":
                    raise  # the address itself is refused; say so, not "not Mastodon"
                if error.kind == ErrorKind.TRANSIENT_BEFORE_SEND and error.network_code == "":
                    raise ProviderError(
                        ErrorKind.TRANSIENT_BEFORE_SEND,
                        Text(
                            gettext_noop(
                                "Could not reach %(address)s; check the address or try again later."
                            ),
                            address=origin,
                        ),
                        raw_excerpt=error.raw_excerpt,
                    ) from error
                continue
            except ValueError:
                continue
            if isinstance(data, dict) and data.get(key) and "version" in data:
                data["_api"] = path
                return data
        return None

    @staticmethod
    def limits_from(info: dict) -> dict:
        config = info.get("configuration") or {}
        statuses = config.get("statuses") or {}
        media = config.get("media_attachments") or {}
        limits = {
            "max_characters": statuses.get("max_characters")
            or info.get("max_toot_chars")
            or DEFAULT_MAX_CHARACTERS,
            "characters_reserved_per_url": statuses.get("characters_reserved_per_url")
            or DEFAULT_URL_LENGTH,
            "max_media_attachments": statuses.get("max_media_attachments") or 4,
        }
        if media.get("image_size_limit"):
            limits["image_size_limit"] = media["image_size_limit"]
        if media.get("video_size_limit"):
            limits["video_size_limit"] = media["video_size_limit"]
        return {k: int(v) for k, v in limits.items()}

    def register_app(self, *, instance_url: str, redirect_uri: str) -> dict:
        origin = _instance_origin(instance_url)
        website = _instance_origin(redirect_uri) or redirect_uri
        response = self.request(
            "POST",
            origin + "/api/v1/apps",
            phase=Phase.AUTH,
            json={
                "client_name": "Postiz",
                "redirect_uris": redirect_uri,
                "scopes": " ".join(SCOPES),
                "website": website,
            },
        )
        data = self.read_json(response)
        if not data.get("client_id") or not data.get("client_secret"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop("%(address)s did not register our app; try again."), address=origin
                ),
                raw_excerpt=response.text,
            )
        return {"client_id": data["client_id"], "client_secret": data["client_secret"]}

    def authorization_url(
        self,
        *,
        state: str,
        redirect_uri: str,
        code_challenge: str = "",
        instance: dict | None = None,
    ) -> str:
        instance = instance or {}
        params = {
            "response_type": "code",
            "client_id": instance["client_id"],
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
            "state": state,
        }
        if code_challenge:
            # Honoured by Mastodon 4.3+, ignored by older servers.
            params["code_challenge"] = code_challenge
            params["code_challenge_method"] = "S256"
        return f"{_instance_origin(instance['url'])}/oauth/authorize?{urlencode(params)}"

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance: dict | None = None
    ) -> Grant:
        instance = instance or {}
        origin = _instance_origin(instance["url"])
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": instance["client_id"],
            "client_secret": instance["client_secret"],
            "redirect_uri": redirect_uri,
            "scope": " ".join(SCOPES),
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        response = self.request("POST", origin + "/oauth/token", phase=Phase.AUTH, data=form)
        data = self.read_json(response)
        token = data.get("access_token")
        if not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(
                    gettext_noop("%(address)s did not give us an access token; connect again."),
                    address=origin,
                ),
                raw_excerpt=response.text,
            )
        granted = (data.get("scope") or " ".join(SCOPES)).split()
        missing = [
            s
            for s in ("write:statuses", "write:media")
            if s not in granted and "write" not in granted
        ]
        if missing:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "Mastodon did not grant %(scopes)s; connect again and allow posting."
                    ),
                    scopes=", ".join(missing),
                ),
                network_code="scope",
            )
        account = self._verify_credentials(origin, token)
        meta = {
            "instance": origin,
            "account_id": str(account["id"]),
            "acct": account.get("acct") or account.get("username", ""),
        }
        info = self.instance_info(origin)
        meta.update(self.limits_from(info or {}))
        return Grant(credentials={"access_token": token}, scopes=granted, meta=meta)

    def _verify_credentials(self, origin: str, token: str) -> dict:
        response = self.request(
            "GET",
            origin + "/api/v1/accounts/verify_credentials",
            phase=Phase.READ,
            headers=self.bearer(token),
        )
        data = self.read_json(response)
        if not data.get("id"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Mastodon did not tell us which account this is; try again.")),
                raw_excerpt=response.text,
            )
        return data

    def accounts(self, grant: Grant) -> list[Account]:
        origin = grant.meta["instance"]
        data = self._verify_credentials(origin, grant.credentials["access_token"])
        host = urlsplit(origin).netloc
        acct = data.get("acct") or data.get("username", "")
        handle = acct if "@" in acct else f"{acct}@{host}"
        return [
            Account(
                external_id=str(data["id"]),
                name=data.get("display_name") or data.get("username") or acct,
                username=f"@{handle}",
                profile_url=data.get("url") or f"{origin}/@{acct}",
                avatar_url=data.get("avatar") or "",
                meta={**grant.meta, "account_id": str(data["id"])},
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        return self.accounts(Grant(credentials=channel.credentials, meta=channel.meta))[0]

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        origin = self._origin(channel)
        token = channel.credentials["access_token"]
        media_ids = [self._upload(origin, token, request, i) for i in range(len(request.media))]
        body: dict = {"status": request.text, "visibility": "public"}
        if media_ids:
            body["media_ids"] = media_ids
        if request.reply_to is not None:
            body["in_reply_to_id"] = request.reply_to.id
        try:
            response = self.request(
                "POST",
                origin + "/api/v1/statuses",
                phase=Phase.COMMIT,
                json=body,
                headers={**self.bearer(token), "Idempotency-Key": request.idempotency_key},
            )
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND and request.reply_to is not None:
                error.text = Text(
                    gettext_noop(
                        "The Mastodon post this replies to no longer exists, so the reply "
                        "cannot be published."
                    )
                )
                error.user_message = str(error.text)
                error.args = (error.user_message,)
            raise
        data = self.read_json(response, phase=Phase.COMMIT)
        if not data.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Mastodon accepted the post without an id; we will check whether it is "
                        "live."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=_ref(data), raw={"id": str(data["id"]), "uri": data.get("uri")})

    def _upload(self, origin: str, token: str, request: PublishRequest, index: int) -> str:
        state = request.progress.setdefault("media", {})
        item = request.media[index]
        key = str(index)
        if key not in state:
            fields = {"description": item.alt_text} if item.alt_text else {}
            # Streamed from the stored file: a video is never in memory whole.
            with multipart_body(fields=fields, files=[("file", item)]) as body:
                response = self.request(
                    "POST",
                    origin + "/api/v2/media",
                    phase=Phase.UPLOAD,
                    timeout=self.upload_timeout,
                    data=body,
                    headers={**self.bearer(token), "Content-Type": body.content_type},
                )
            data = self.read_json(response)
            if not data.get("id"):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "Mastodon did not return the uploaded file; we will try again."
                        )
                    ),
                    raw_excerpt=response.text,
                )
            # Persisted at once: a retry polls this upload instead of sending it again.
            state[key] = {"id": str(data["id"]), "ready": bool(data.get("url"))}
        entry = state[key]
        if not entry["ready"]:
            entry["ready"] = self._wait_for_media(origin, token, entry["id"])
        return entry["id"]

    def _wait_for_media(self, origin: str, token: str, media_id: str) -> bool:
        """Poll a 202-accepted upload until it has a URL; bounded, then give up for now."""

        def ready() -> bool:
            response = self.request(
                "GET",
                f"{origin}/api/v1/media/{media_id}",
                phase=Phase.UPLOAD,
                headers=self.bearer(token),
            )
            # 206 Partial Content: still processing.
            return response.status_code == 200 and bool(self.read_json(response).get("url"))

        if self.poll(ready, attempts=self.media_poll_attempts, interval=self.media_poll_interval):
            return True
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(
                gettext_noop("Mastodon is still processing the media; we will try again shortly.")
            ),
            retry_after=60,
            network_code="media_processing",
        )

    def _statuses(self, channel: Channel, limit: int) -> list[dict]:
        """The account's newest statuses (not boosts); an unreadable list is transient."""
        origin = self._origin(channel)
        account_id = channel.meta.get("account_id") or channel.external_id
        response = self.request(
            "GET",
            f"{origin}/api/v1/accounts/{account_id}/statuses",
            phase=Phase.READ,
            params={"limit": limit, "exclude_reblogs": "true"},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        try:
            statuses = response.json()
        except ValueError:
            statuses = None
        if not isinstance(statuses, list):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Mastodon sent a list we could not read.")),
                raw_excerpt=response.text,
            )
        return [status for status in statuses if isinstance(status, dict)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """A recent status of ours with the same text, media count and parent."""
        statuses = self._statuses(channel, 40)
        wanted = _SPACE.sub("", _REMOTE_MENTION.sub(r"\1", request.text))
        parent = request.reply_to.id if request.reply_to else None
        for status in statuses:
            if _plain(status.get("content", "")) != wanted:
                continue
            if len(status.get("media_attachments") or []) != len(request.media):
                continue
            if (status.get("in_reply_to_id") or None) != parent:
                continue
            return _ref(status)
        return None

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        origin = self._origin(channel)
        local = (channel.username or "").lstrip("@").split("@", 1)[0]
        url = f"{origin}/@{local}/{remote_id}" if local and remote_id.isdigit() else ""
        return RemoteRef(id=remote_id, url=url)

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [_ref(status) for status in self._statuses(channel, 20) if status.get("id")]

    # -- plugs ----------------------------------------------------------------------------
    def repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef:
        response = self.request(
            "POST",
            f"{self._origin(channel)}/api/v1/statuses/{target.id}/reblog",
            phase=Phase.COMMIT,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        data = self.read_json(response, phase=Phase.COMMIT)
        if not data.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Mastodon accepted the boost without an id; we will check.")),
                raw_excerpt=response.text,
            )
        # The boost has no page of its own: its link is the boosted post's.
        return RemoteRef(id=str(data["id"]), url=target.url or data.get("url") or "")

    def find_repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef | None:
        response = self.request(
            "GET",
            f"{self._origin(channel)}/api/v1/statuses/{target.id}",
            phase=Phase.READ,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        status = self.read_json(response)
        # ``reblogged`` is the asking account's own boost of the status.
        if status.get("reblogged") is True:
            return RemoteRef(id=target.id, url=target.url or status.get("url") or "")
        return None

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        origin = self._origin(channel)
        headers = self.bearer(channel.credentials["access_token"])
        ids = [ref.id for ref in refs if ref.id]
        if not ids:
            return {}
        try:
            response = self.request(
                "GET",
                f"{origin}/api/v1/statuses",
                phase=Phase.READ,
                params=[("id[]", remote_id) for remote_id in ids],
                headers=headers,
            )
            statuses = response.json()
        except ProviderError as error:
            # Servers before 4.3 have no list route: read the statuses one by one there.
            if error.kind != ErrorKind.NOT_FOUND:
                raise
            statuses = []
            for remote_id in ids:
                try:
                    one = self.request(
                        "GET",
                        f"{origin}/api/v1/statuses/{remote_id}",
                        phase=Phase.READ,
                        headers=headers,
                    )
                except ProviderError as missing:
                    if missing.kind == ErrorKind.NOT_FOUND:
                        continue  # deleted on the network: left out
                    raise
                statuses.append(self.read_json(one))
        except ValueError:
            statuses = None
        if not isinstance(statuses, list):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Mastodon sent statuses we could not read.")),
                raw_excerpt=str(statuses)[:200],
            )
        found = {}
        for status in statuses:
            if isinstance(status, dict) and str(status.get("id")) in ids:
                found[str(status["id"])] = Metrics(
                    {
                        "likes": status.get("favourites_count"),
                        "shares": status.get("reblogs_count"),
                        "comments": status.get("replies_count"),
                    }
                )
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        # Mastodon tells only the account's current totals: they count for today.
        response = self.request(
            "GET",
            f"{self._origin(channel)}/api/v1/accounts/verify_credentials",
            phase=Phase.READ,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        account = self.read_json(response)
        today = datetime.now(UTC).date()
        if not since <= today <= until:
            return {}
        return {today: Metrics({"followers": account.get("followers_count")})}

    # -- look-up tools ------------------------------------------------------------------
    def mention(self, channel: Channel, *, query: str) -> list[dict]:
        origin = self._origin(channel)
        query = query.lstrip("@")
        # Looking up a user@server handle asks that server (WebFinger); a bare name
        # searches what this server already knows.
        remote = "@" in query
        response = self.request(
            "GET",
            f"{origin}/api/v1/accounts/search",
            phase=Phase.READ,
            params={"q": query, "limit": 10, "resolve": "true" if remote else "false"},
            headers=self.bearer(channel.credentials["access_token"]),
        )
        try:
            accounts = response.json()
        except ValueError:
            accounts = None
        host = urlsplit(origin).netloc
        found = []
        for account in accounts if isinstance(accounts, list) else []:
            if not isinstance(account, dict) or not account.get("id"):
                continue
            acct = account.get("acct") or account.get("username") or ""
            handle = acct if "@" in acct else f"{acct}@{host}"
            found.append(
                {
                    "id": str(account["id"]),
                    "name": account.get("display_name") or account.get("username") or acct,
                    "username": f"@{handle}",
                    "picture": account.get("avatar") or "",
                    "url": account.get("url") or "",
                }
            )
        return found

    # -- validation ---------------------------------------------------------------------
    def count_text(self, text: str, channel: Channel | None = None) -> int:
        meta = channel.meta if channel else {}
        url_length = int(meta.get("characters_reserved_per_url") or DEFAULT_URL_LENGTH)
        return text_counters.mastodon(text, url_length=url_length)

    def limit_for(self, channel: Channel | None = None) -> int | None:
        meta = channel.meta if channel else {}
        return int(meta.get("max_characters") or DEFAULT_MAX_CHARACTERS)

    def media_rules_for(self, channel: Channel | None = None) -> MediaRules:
        meta = channel.meta if channel else {}
        base = self.media_rules
        return replace(
            base,
            max_count=int(meta.get("max_media_attachments") or base.max_count),
            max_image_bytes=int(meta.get("image_size_limit") or base.max_image_bytes),
            max_video_bytes=int(meta.get("video_size_limit") or base.max_video_bytes),
        )

    # -- HTTP ---------------------------------------------------------------------------
    def _origin(self, channel: Channel) -> str:
        return channel.meta.get("instance") or self.endpoint("api")


def _ref(status: dict) -> RemoteRef:
    return RemoteRef(
        id=str(status["id"]),
        url=status.get("url") or status.get("uri") or "",
        extra={"uri": status.get("uri", "")},
    )
