"""Reddit: OAuth 2.0 (permanent grant), one submission per chosen subreddit, first comments.

Reddit reports most failures on HTTP 200 inside ``json.errors`` (``RATELIMIT``,
``SUBREDDIT_NOEXIST``, ``NO_SELFS``…), so the classifier reads the body on every status.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import quote, urlencode

import requests

from integrations.providers.base import (
    Account,
    Channel,
    Draft,
    ErrorKind,
    Grant,
    Issue,
    MediaRules,
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    SettingField,
    expiry_after,
    json_object,
    retry_after_seconds,
    split_scopes,
)

TITLE_LIMIT = 300
BODY_LIMIT = 40_000
_WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)
_UNITS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}
REJECTED = {
    "NO_SELFS": "{where} does not accept text posts; choose a link post.",
    "NO_LINKS": "{where} does not accept link posts; choose a text post.",
    "SUBMIT_VALIDATION_FLAIR_REQUIRED": "{where} requires a flair; choose one.",
    "ALREADY_SUB": "That link was already posted there.",
}
NOT_FOUND = {"SUBREDDIT_NOEXIST", "DELETED_LINK", "DELETED_COMMENT", "NO_THING_ID"}
PERMISSION = {"SUBREDDIT_NOTALLOWED", "SUBREDDIT_REQUIRED_KARMA", "BANNED_FROM_SUBREDDIT"}


def wait_seconds(message: str) -> float | None:
    """'…try again in 9 minutes.' → 540.0"""
    match = _WAIT.search(message or "")
    if not match:
        return None
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def subreddit_entries(settings: dict) -> list[dict]:
    """The settings' subreddit list, each entry unwrapped from its {"value": …} envelope."""
    entries = settings.get("subreddit") or []
    if not isinstance(entries, list):
        return []
    return [
        (e.get("value") if isinstance(e.get("value"), dict) else e)
        for e in entries
        if isinstance(e, dict)
    ]


def clean_subreddit(name: str) -> str:
    return re.sub(r"^/?r/", "", str(name or "").strip(), flags=re.IGNORECASE).strip("/")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", html.unescape(text or ""))
    return " ".join(text.split()).casefold()


class RedditProvider(Provider):
    identifier = "reddit"
    display_name = "Reddit"
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "comment"
    text_counter = "codepoints"
    text_limit = BODY_LIMIT
    # Image and video submissions (media lease + websocket for the post id) are not
    # implemented: posts are text or link posts.
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "by-content"
    refresh_ahead = 300
    max_concurrency = 1
    scopes = ("identity", "submit", "read", "flair")
    required_settings = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
    endpoints = {
        "auth": "https://www.reddit.com/api/v1/authorize",
        "token": "https://www.reddit.com/api/v1/access_token",
        "api": "https://oauth.reddit.com",
    }
    settings_fields = (
        SettingField(
            "subreddit",
            "list",
            label="Subreddits",
            required=True,
            help_text="One submission per entry: subreddit, title, type (self or link), url, "
            "flair.",
        ),
    )
    lookup_count = 25

    def __init__(self):
        super().__init__()
        # Reddit throttles generic agents; it asks for a unique, descriptive one.
        owner = self.setting("REDDIT_USERNAME") or "postiz"
        self.session.headers["User-Agent"] = f"server:postiz:1.0 (by /u/{owner})"

    # -- connecting -----------------------------------------------------------------------
    def authorization_url(self, *, state, redirect_uri, code_challenge="", instance=None) -> str:
        params = {
            "client_id": self.setting("REDDIT_CLIENT_ID"),
            "response_type": "code",
            "state": state,
            "redirect_uri": redirect_uri,
            "duration": "permanent",
            "scope": " ".join(self.scopes),
        }
        return f"{self.endpoint('auth')}?{urlencode(params, quote_via=quote)}"

    def _token(self, form: dict) -> Grant:
        response = self.request(
            "POST",
            self.endpoint("token"),
            phase=Phase.AUTH,
            data=form,
            auth=(self.setting("REDDIT_CLIENT_ID"), self.setting("REDDIT_CLIENT_SECRET")),
        )
        data = self.read_json(response, Phase.AUTH)
        return Grant(
            credentials=self.token_credentials(data),
            expires_at=expiry_after(data.get("expires_in")),
            scopes=split_scopes(data.get("scope")),
        )

    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        grant = self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        )
        return self.require_scope(grant, "submit")

    def refresh(self, channel: Channel) -> Grant:
        token = channel.credentials.get("refresh_token")
        if not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED, "Reddit needs you to reconnect this channel."
            )
        # Reddit usually answers without a refresh token; the caller then keeps its own.
        return self._token({"grant_type": "refresh_token", "refresh_token": token})

    def _me(self, token: str) -> Account:
        response = self._api(token, "GET", "/api/v1/me", Phase.READ)
        me = self.read_json(response, Phase.READ)
        name = me.get("name") or ""
        avatar = me.get("icon_img") or (me.get("subreddit") or {}).get("icon_img") or ""
        return Account(
            external_id=str(me.get("id") or name),
            name=name,
            username=name,
            profile_url=f"https://www.reddit.com/user/{name}" if name else "",
            avatar_url=html.unescape(avatar),
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._me(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._me(channel.credentials["access_token"])

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        raw = draft.settings.get("subreddit")
        if raw not in (None, "", []) and not isinstance(raw, list):
            return [*issues, Issue("setting_invalid", "subreddit must be a list.", "subreddit")]
        for number, entry in enumerate(subreddit_entries(draft.settings), start=1):
            issues += self._validate_entry(number, entry)
        return issues

    def _validate_entry(self, number: int, entry: dict) -> list[Issue]:
        where = f"subreddit[{number}]"
        issues = []

        def add(code, message, **extra):
            issues.append(Issue(code, f"Entry {number}: {message}", where, **extra))

        sr = clean_subreddit(entry.get("subreddit"))
        if not sr:
            add("setting_required", "choose a subreddit.")
        elif not re.fullmatch(r"(u_)?[A-Za-z0-9_]{2,21}", sr):
            add("setting_invalid", f"{sr} is not a subreddit name.")
        title = str(entry.get("title") or "")
        if not title.strip():
            add("setting_required", "write a title.")
        elif len(title) > TITLE_LIMIT:
            add(
                "text_too_long",
                f"Reddit titles allow {TITLE_LIMIT} characters; this has {len(title)}.",
                limit=TITLE_LIMIT,
                actual=len(title),
            )
        kind = entry.get("type") or "self"
        if kind not in ("self", "link", "media"):
            add("setting_invalid", "type must be self or link.")
        elif kind == "media":
            add(
                "setting_invalid",
                "image and video posts to Reddit are not available yet; use a text or link post.",
            )
        elif kind == "link":
            url = str(entry.get("url") or "")
            if not url:
                add("setting_required", "a link post needs a URL.")
            elif not re.match(r"https?://\S+$", url):
                add("setting_invalid", f"{url} is not a web address.")
        if entry.get("is_flair_required") is True and not (entry.get("flair") or {}).get("id"):
            add("setting_required", f"r/{sr or '?'} requires a flair; choose one.")
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        parent = request.root or request.reply_to
        token = channel.credentials["access_token"]
        if parent is not None:
            return self._comment(token, request, parent)
        entries = subreddit_entries(request.settings)
        if not entries:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED, "Choose at least one subreddit.", field="subreddit"
            )
        # One submission per entry; each one is recorded as soon as Reddit confirms it so
        # a retry never submits an entry twice.
        done: dict = request.progress.setdefault("submissions", {})
        for index, entry in enumerate(entries):
            if str(index) in done:
                continue
            done[str(index)] = self._submit(token, request, entry)
        first = done["0"]
        return PublishResult(
            ref=RemoteRef(id=first["name"], url=first["url"], extra={"subreddit": first["sr"]}),
            raw={"submissions": [done[str(i)] for i in range(len(entries))]},
        )

    def _submit(self, token: str, request: PublishRequest, entry: dict) -> dict:
        sr = clean_subreddit(entry.get("subreddit"))
        kind = "link" if entry.get("type") == "link" else "self"
        form = {"api_type": "json", "kind": kind, "sr": sr, "title": entry.get("title", "")}
        if kind == "link":
            form["url"] = entry.get("url", "")
        else:
            form["text"] = request.text
        flair = entry.get("flair") or {}
        if flair.get("id"):
            form["flair_id"] = flair["id"]
            if flair.get("name"):
                form["flair_text"] = flair["name"]
        response = self._api(token, "POST", "/api/submit", Phase.COMMIT, data=form)
        data = (self.read_json(response, Phase.COMMIT).get("json") or {}).get("data") or {}
        if not data.get("name") and not data.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                "Reddit accepted the post but did not say which post it created.",
                raw_excerpt=response.text,
            )
        post_id = str(data.get("id") or data["name"].split("_", 1)[-1])
        return {
            "id": post_id,
            "name": str(data.get("name") or f"t3_{post_id}"),
            "url": str(data.get("url") or ""),
            "sr": sr,
            "title": form["title"],
        }

    def _comment(self, token: str, request: PublishRequest, parent: RemoteRef) -> PublishResult:
        form = {"api_type": "json", "thing_id": parent.id, "text": request.text}
        response = self._api(token, "POST", "/api/comment", Phase.COMMIT, data=form)
        things = ((self.read_json(response, Phase.COMMIT).get("json") or {}).get("data") or {}).get(
            "things"
        ) or []
        data = things[0].get("data", {}) if things and isinstance(things[0], dict) else {}
        if not data.get("name"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                "Reddit accepted the comment but did not say which comment it created.",
                raw_excerpt=response.text,
            )
        permalink = data.get("permalink") or ""
        url = f"https://www.reddit.com{permalink}" if permalink.startswith("/") else permalink
        return PublishResult(ref=RemoteRef(id=data["name"], url=url or parent.url))

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """Match the user's recent submissions on subreddit and title.

        Entries found are recorded in ``request.progress`` like confirmed ones; the post is
        reported found only when every entry is accounted for, so a partial outcome stays
        unconfirmed and a retry submits only the missing entries."""
        if request.root or request.reply_to:
            return None
        name = channel.username or self.fetch_profile(channel).username
        response = self._api(
            channel.credentials["access_token"],
            "GET",
            f"/user/{quote(name)}/submitted",
            Phase.READ,
            params={"limit": self.lookup_count, "sort": "new", "raw_json": 1},
        )
        listing = (self.read_json(response, Phase.READ).get("data") or {}).get("children") or []
        posts = [c.get("data") or {} for c in listing if c.get("kind") == "t3"]
        entries = subreddit_entries(request.settings)
        done: dict = request.progress.setdefault("submissions", {})
        for index, entry in enumerate(entries):
            if str(index) in done:
                continue
            sr = clean_subreddit(entry.get("subreddit")).casefold()
            title = normalise(entry.get("title", ""))
            for post in posts:
                if (
                    str(post.get("subreddit", "")).casefold() == sr
                    and normalise(post.get("title", "")) == title
                ):
                    done[str(index)] = {
                        "id": str(post.get("id")),
                        "name": str(post.get("name") or f"t3_{post.get('id')}"),
                        "url": f"https://www.reddit.com{post.get('permalink', '')}",
                        "sr": clean_subreddit(entry.get("subreddit")),
                        "title": entry.get("title", ""),
                    }
                    break
        if entries and all(str(i) in done for i in range(len(entries))):
            first = done["0"]
            return RemoteRef(id=first["name"], url=first["url"], extra={"subreddit": first["sr"]})
        return None

    # -- HTTP -----------------------------------------------------------------------------
    def _api(self, token: str, method: str, path: str, phase: Phase, **kwargs):
        return self.request(
            method,
            self.url("api", path),
            phase=phase,
            headers=self.bearer(token),
            **kwargs,
        )

    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        status = response.status_code
        body = json_object(response)
        excerpt = response.text[:500]
        # The token endpoint answers 200 {"error": "invalid_grant"} for a bad code or token.
        auth_error = body.get("error")
        if phase == Phase.AUTH and (status == 401 or auth_error == "invalid_client"):
            return ProviderError(
                ErrorKind.PERMISSION_DENIED,
                "Reddit refused this server's app credentials; ask the administrator to "
                "check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET.",
                network_code=str(auth_error or status),
                raw_excerpt=excerpt,
            )
        if phase == Phase.AUTH and isinstance(auth_error, str) and status < 500:
            return ProviderError(
                ErrorKind.AUTH_REVOKED,
                "Reddit did not accept this sign-in; connect again.",
                network_code=body["error"],
                raw_excerpt=excerpt,
            )
        errors = (
            (body.get("json") or {}).get("errors") if isinstance(body.get("json"), dict) else []
        )
        if errors:
            return self._json_error(phase, errors[0], excerpt)
        if status < 400:
            return None
        message = str(body.get("message") or body.get("reason") or "")
        if status == 401:
            return ProviderError(
                ErrorKind.AUTH_EXPIRED,
                "Reddit sign-in expired; we will renew it.",
                network_code="401",
                raw_excerpt=excerpt,
            )
        if status == 429:
            return ProviderError(
                ErrorKind.RATE_LIMITED,
                "Reddit asked us to slow down; we will try again shortly.",
                retry_after=retry_after_seconds(response),
                network_code="429",
                raw_excerpt=excerpt,
            )
        if status == 403:
            return ProviderError(
                ErrorKind.PERMISSION_DENIED,
                "Reddit does not allow this account to post there (banned, private or "
                f"restricted community){': ' + message if message else '.'}",
                network_code="403",
                raw_excerpt=excerpt,
            )
        return self.error_for_status(phase, response, message=message)

    def _json_error(self, phase: Phase, error, excerpt: str) -> ProviderError:
        parts = [str(p) if p is not None else "" for p in error] if isinstance(error, list) else []
        code, message, field = [*parts, "", "", ""][:3]
        match = re.search(r"r/(\w+)", message)
        where = f"r/{match.group(1)}" if match else "This subreddit"

        def fail(kind, text, **extra):
            return ProviderError(kind, text, network_code=code, raw_excerpt=excerpt, **extra)

        if code == "RATELIMIT":
            return fail(
                ErrorKind.RATE_LIMITED,
                f"Reddit asked us to wait before posting again: {message}",
                retry_after=wait_seconds(message) or 600.0,
            )
        if code == "USER_REQUIRED":
            return fail(ErrorKind.AUTH_EXPIRED, "Reddit sign-in expired; we will renew it.")
        if code in NOT_FOUND:
            return fail(
                ErrorKind.NOT_FOUND, f"Reddit could not find it: {message}", field="subreddit"
            )
        if code in PERMISSION:
            return fail(ErrorKind.PERMISSION_DENIED, f"Reddit does not allow this: {message}")
        if code in REJECTED:
            text = REJECTED[code].format(where=where)
            return fail(ErrorKind.CONTENT_REJECTED, f"{text} ({message})", field="subreddit")
        return fail(
            ErrorKind.CONTENT_REJECTED,
            f"Reddit rejected the post: {message or code}",
            field=field or "",
        )
