"""Reddit: OAuth 2.0 (permanent grant), one submission per chosen subreddit, first comments.

Reddit reports most failures on HTTP 200 inside ``json.errors`` (``RATELIMIT``,
``SUBREDDIT_NOEXIST``, ``NO_SELFS``…), so the classifier reads the body on every status.

Image posts: ``/api/media/asset.json`` leases an upload to Reddit's media bucket, the file
goes there as a form POST, and ``/api/submit kind=image`` names the uploaded URL. Reddit
answers an image submission without the post id (it comes later over a websocket we do not
open), so the post is found in the user's recent submissions, now or through check_status.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SOME_CODE,
    Account,
    Channel,
    Draft,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    Metrics,
    OAuth2,
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
    said_or,
)
from organizations.texts import Text

TITLE_LIMIT = 300
BODY_LIMIT = 40_000
# Reddit's help pages: images up to 20 MB (GIFs are posted as images here, same cap).
IMAGE_LIMIT = 20 * 1000 * 1000
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
_LOCATION = re.compile(r"<Location>\s*([^<\s]+)\s*</Location>")
_STORAGE_CODE = re.compile(r"<Code>\s*([^<]+?)\s*</Code>")
_WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)
_UNITS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}


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


def entry_kind(entry: dict) -> str:
    return entry.get("type") or "self"


def confirmed(record: dict | None) -> bool:
    """A submission we know the id of (an image submission starts without one)."""
    return bool(record and record.get("id"))


# -- errors: most arrive on HTTP 200 as {"json": {"errors": [[CODE, message, field]]}},
# other failures as {"message", "error": 401}; the token endpoint (the AUTH phase, and the
# only call in it) answers OAuth's {"error": "<code>"}, even on HTTP 200
def read_error(response: requests.Response, phase: Phase) -> Said:
    status = response.status_code
    body = json_object(response, None)
    data = body or {}
    error = data.get("error")
    if phase == Phase.AUTH:
        code = error if isinstance(error, str) else ""
        message = str(data.get("message") or "")
        return Said(
            status, code=code, message=message, failed=status >= 400 or bool(code), body=body
        )
    inner = data.get("json")
    errors = inner.get("errors") if isinstance(inner, dict) else None
    if errors:
        error = errors[0]
        parts = [str(p) if p is not None else "" for p in error] if isinstance(error, list) else []
        code, message, field = [*parts, "", "", ""][:3]
        named = re.search(r"r/(\w+)", message)
        return Said(
            status,
            code=code or "unknown_error",
            message=message,
            failed=True,
            retry_after=wait_seconds(message),
            values={
                "field": field,
                "where": f"r/{named.group(1)}" if named else "",
                "reason": message or code,
            },
            body=body,
        )
    message = data.get("message") or data.get("reason") or ""
    return Said(status, message=str(message), body=body)


APP_REFUSED = gettext_noop(
    "Reddit refused this server's app credentials; ask the administrator to check "
    "REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET."
)
SIGN_IN_EXPIRED = gettext_noop("Reddit sign-in expired; we will renew it.")


def _refused(code: str, message: str) -> Rule:
    """A subreddit's own rule: what to change, then Reddit's words (``{message}``)."""
    return Rule(ErrorKind.CONTENT_REJECTED, message, code=code, field="subreddit")


ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(ErrorKind.PERMISSION_DENIED, APP_REFUSED, phase=Phase.AUTH, status=401),
        Rule(ErrorKind.PERMISSION_DENIED, APP_REFUSED, phase=Phase.AUTH, code="invalid_client"),
        # The token endpoint answers 200 {"error": "invalid_grant"} for a bad code or token.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("Reddit did not accept this sign-in; connect again."),
            phase=Phase.AUTH,
            status=range(100, 500),
            code=SOME_CODE,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Reddit asked us to wait before posting again: {message}"),
            code="RATELIMIT",
            retry_after=said_or(600.0),
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Reddit sign-in expired; we will renew it."),
            code="USER_REQUIRED",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Reddit could not find it: {message}"),
            code=("SUBREDDIT_NOEXIST", "DELETED_LINK", "DELETED_COMMENT", "NO_THING_ID"),
            field="subreddit",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Reddit does not allow this: {message}"),
            code=("SUBREDDIT_NOTALLOWED", "SUBREDDIT_REQUIRED_KARMA", "BANNED_FROM_SUBREDDIT"),
        ),
        _refused(
            "NO_SELFS",
            gettext_noop(
                "{where|This subreddit} does not accept text posts; choose a link post. ({message})"
            ),
        ),
        _refused(
            "NO_LINKS",
            gettext_noop(
                "{where|This subreddit} does not accept link posts; choose a text post. ({message})"
            ),
        ),
        _refused(
            "SUBMIT_VALIDATION_FLAIR_REQUIRED",
            gettext_noop("{where|This subreddit} requires a flair; choose one. ({message})"),
        ),
        _refused("ALREADY_SUB", gettext_noop("That link was already posted there. ({message})")),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Reddit rejected the post: {reason}"),
            code=SOME_CODE,
            phase=(Phase.READ, Phase.UPLOAD, Phase.COMMIT),  # the API's own envelope
            field="{field}",
        ),
        Rule(ErrorKind.AUTH_EXPIRED, SIGN_IN_EXPIRED, status=401, network_code="401"),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Reddit asked us to slow down; we will try again shortly."),
            status=429,
            network_code="429",
            retry_after=lambda response, said: retry_after_seconds(response),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Reddit does not allow this account to post there (banned, private or restricted "
                "community){detail}"
            ),
            status=403,
            network_code="403",
        ),
    ),
)


# The media bucket's answers (S3 XML errors), before any commit: never unknown.
def read_storage_error(response: requests.Response, phase: Phase) -> Said:
    found = _STORAGE_CODE.search(response.text or "")
    code = found.group(1) if found else ""
    return Said(response.status_code, code=code, failed=response.status_code >= 400)


# An expired or refused lease: the retry asks Reddit for a new one.
NOT_TAKEN = gettext_noop(
    "Reddit's media storage did not take the image ({reported}); we will try again."
)
STORAGE_ERRORS = ErrorTable(
    read=read_storage_error,
    rows=(
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Reddit's media storage refused the image as too large."),
            code="EntityTooLarge",
            field="media",
        ),
        Rule(ErrorKind.TRANSIENT_BEFORE_SEND, NOT_TAKEN, status=(403, 429)),
        Rule(ErrorKind.TRANSIENT_BEFORE_SEND, NOT_TAKEN, status=range(500, 1000)),
        Rule(ErrorKind.TRANSIENT_BEFORE_SEND, NOT_TAKEN, code="RequestTimeout"),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Reddit's media storage refused the image ({reported})."),
            field="media",
        ),
    ),
)


class RedditProvider(Provider):
    identifier = "reddit"
    display_name = "Reddit"
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "comment"
    text_counter = "codepoints"
    text_limit = BODY_LIMIT
    # One image per submission (entries of type media); comments carry none. Video
    # submissions need a poster image and the websocket, and are not offered.
    media_rules = MediaRules(
        max_count=1, mime_types=IMAGE_TYPES, max_image_bytes=IMAGE_LIMIT, allow_mixed=False
    )
    idempotency = "none"
    lookup = "by-content"
    # Image submissions may come back pending (no id yet); check_status finds them.
    async_publish = True
    refresh_ahead = 300
    max_concurrency = 1
    scopes = ("identity", "submit", "read", "flair")
    # A permanent grant comes with a refresh token; Reddit usually answers a refresh
    # without a new one, and the caller then keeps its own.
    oauth = OAuth2(
        client=("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"),
        params={"duration": "permanent"},
        client_auth="basic",
        write_scope="submit",
        reconnect_message=gettext_noop("Reddit needs you to reconnect this channel."),
    )
    required_settings = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET")
    # A submission's score and comments; /api/info reads up to 100 fullnames at once with
    # the ``read`` scope. Reddit allows 100 requests a minute per app, shared by all the
    # channels of this server, so each channel takes only a little.
    analytics = "post"
    metrics_batch = 100
    metrics_per_hour = 30
    errors = ERRORS
    endpoints = {
        "auth": "https://www.reddit.com/api/v1/authorize",
        "token": "https://www.reddit.com/api/v1/access_token",
        "api": "https://oauth.reddit.com",
        # The bucket upload leases point at ("//reddit-uploaded-media…"); an override
        # (tests) replaces that host, and a lease naming another host is used as given.
        "media_upload": "https://reddit-uploaded-media.s3-accelerate.amazonaws.com",
    }
    settings_fields = (
        SettingField(
            "subreddit",
            "list",
            label=gettext_lazy("Subreddits"),
            required=True,
            help_text=gettext_lazy(
                "One submission per entry: subreddit, title, type (self, link or media: the "
                "post's one image), url, flair."
            ),
        ),
    )
    tools = (
        Tool(
            "subreddits",
            gettext_lazy(
                "Search subreddits by keyword: name, title, subscribers and the post types each "
                "accepts."
            ),
            (ToolInput("word", description=gettext_lazy("Words to search subreddits for")),),
        ),
        Tool(
            "restrictions",
            gettext_lazy(
                "What a subreddit accepts: its post types (allow), whether a flair is required "
                "(is_flair_required) and its flairs ({id, name}) for the subreddit setting."
            ),
            (
                ToolInput(
                    "subreddit", description=gettext_lazy('The subreddit, as "/r/name" or "name"')
                ),
            ),
        ),
    )
    lookup_count = 25

    def __init__(self):
        super().__init__()
        # Reddit throttles generic agents; it asks for a unique, descriptive one.
        owner = self.setting("REDDIT_USERNAME") or "postiz"
        self.session.headers["User-Agent"] = f"server:postiz:1.0 (by /u/{owner})"

    # -- connecting -----------------------------------------------------------------------
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
            return [*issues, Issue("setting_invalid", _("subreddit must be a list."), "subreddit")]
        media = draft.items[0].media if draft.items else []
        for number, entry in enumerate(subreddit_entries(draft.settings), start=1):
            issues += self._validate_entry(number, entry, media)
        return issues

    def validate_media(
        self, index: int, media: list[MediaItem], rules: MediaRules | None = None
    ) -> list[Issue]:
        if index > 0 and media:
            # Thread items after the first become comments, which take text only.
            return [
                Issue("media_count", _("Reddit comments cannot carry media."), "media", item=index)
            ]
        return super().validate_media(index, media, rules)

    def _validate_entry(self, number: int, entry: dict, media: list[MediaItem]) -> list[Issue]:
        where = f"subreddit[{number}]"
        issues = []

        def add(code, message, values=None, **extra):
            text = message % {"number": number, **(values or {})}
            issues.append(Issue(code, text, where, **extra))

        sr = clean_subreddit(entry.get("subreddit"))
        if not sr:
            add("setting_required", _("Entry %(number)s: choose a subreddit."))
        elif not re.fullmatch(r"(u_)?[A-Za-z0-9_]{2,21}", sr):
            add(
                "setting_invalid",
                _("Entry %(number)s: %(name)s is not a subreddit name."),
                {"name": sr},
            )
        title = str(entry.get("title") or "")
        if not title.strip():
            add("setting_required", _("Entry %(number)s: write a title."))
        elif len(title) > TITLE_LIMIT:
            add(
                "text_too_long",
                _(
                    "Entry %(number)s: Reddit titles allow %(limit)s characters; this has "
                    "%(count)s."
                ),
                {"limit": TITLE_LIMIT, "count": len(title)},
                limit=TITLE_LIMIT,
                actual=len(title),
            )
        kind = entry_kind(entry)
        if kind not in ("self", "link", "media"):
            add("setting_invalid", _("Entry %(number)s: type must be self, link or media."))
        elif kind == "media":
            # More than one file is the base validator's media_count (max_count=1).
            if not media:
                issues.append(
                    Issue(
                        "media_required",
                        _("Entry %(number)s: an image post needs one image (JPEG, PNG or GIF).")
                        % {"number": number},
                        "media",
                    )
                )
        elif media:
            issues.append(
                Issue(
                    "media_count",
                    (
                        _(
                            "Entry %(number)s: a link post cannot carry an image; set its type "
                            "to media, or remove the image."
                        )
                        if kind == "link"
                        else _(
                            "Entry %(number)s: a text post cannot carry an image; set its type "
                            "to media, or remove the image."
                        )
                    )
                    % {"number": number},
                    "media",
                    limit=0,
                    actual=len(media),
                )
            )
        if kind == "link":
            url = str(entry.get("url") or "")
            if not url:
                add("setting_required", _("Entry %(number)s: a link post needs a URL."))
            elif not re.match(r"https?://\S+$", url):
                add(
                    "setting_invalid",
                    _("Entry %(number)s: %(url)s is not a web address."),
                    {"url": url},
                )
        if entry.get("is_flair_required") is True and not (entry.get("flair") or {}).get("id"):
            add(
                "setting_required",
                _("Entry %(number)s: r/%(name)s requires a flair; choose one."),
                {"name": sr or "?"},
            )
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
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Choose at least one subreddit.")),
                field="subreddit",
            )
        # One submission per entry; each one is recorded as soon as Reddit accepts it so
        # a retry never submits an entry twice (an image one too, before its id is known).
        done: dict = request.progress.setdefault("submissions", {})
        todo = [(i, e) for i, e in enumerate(entries) if str(i) not in done]
        # The upload happens before the first submission, so a failed upload leaves nothing
        # half-posted; its URL is kept in progress and a retry never uploads again.
        media_url = (
            self._upload_media(token, request)
            if any(entry_kind(e) == "media" for _, e in todo)
            else ""
        )
        for index, entry in todo:
            done[str(index)] = self._submit(token, request, entry, media_url)
        records = [done[str(i)] for i in range(len(entries))]
        if not all(confirmed(r) for r in records):
            # The submissions went through; if only the lookup fails, check_status looks
            # again, and nothing is submitted twice.
            with contextlib.suppress(ProviderError):
                self._resolve(channel, records)
            for index, record in enumerate(records):
                done[str(index)] = record
            if not all(confirmed(r) for r in records):
                return self._pending(records)
        return self._published(records)

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        """Image submissions: look for the posts among the user's recent submissions."""
        try:
            records = json.loads(handle)["submissions"]
        except (ValueError, TypeError, KeyError):
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(gettext_noop("This Reddit post cannot be checked (unreadable handle).")),
            ) from None
        if not self._resolve(channel, records):
            return None
        return self._published(records)

    def _published(self, records: list[dict]) -> PublishResult:
        first = records[0]
        return PublishResult(
            ref=RemoteRef(id=first["name"], url=first["url"], extra={"subreddit": first["sr"]}),
            raw={"submissions": records},
        )

    def _pending(self, records: list[dict]) -> PublishResult:
        first = records[0]
        ref = (
            RemoteRef(id=first["name"], url=first["url"], extra={"subreddit": first["sr"]})
            if confirmed(first)
            else RemoteRef(id="", extra={"subreddit": first["sr"]})
        )
        return PublishResult(
            ref=ref,
            state="pending",
            handle=json.dumps({"submissions": records}, separators=(",", ":")),
            raw={"submissions": records},
        )

    def _submit(self, token: str, request: PublishRequest, entry: dict, media_url: str) -> dict:
        sr = clean_subreddit(entry.get("subreddit"))
        kind = {"link": "link", "media": "image"}.get(entry_kind(entry), "self")
        form = {"api_type": "json", "kind": kind, "sr": sr, "title": entry.get("title", "")}
        if kind == "link":
            form["url"] = entry.get("url", "")
        elif kind == "image":
            form["url"] = media_url
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
            if kind == "image":
                # Accepted; the id arrives over the websocket, so the lookup finds it.
                return {"sr": sr, "title": form["title"], "pending": True}
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("Reddit accepted the post but did not say which post it created.")
                ),
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
                Text(
                    gettext_noop(
                        "Reddit accepted the comment but did not say which comment it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        permalink = data.get("permalink") or ""
        url = f"https://www.reddit.com{permalink}" if permalink.startswith("/") else permalink
        return PublishResult(ref=RemoteRef(id=data["name"], url=url or parent.url))

    # -- media ----------------------------------------------------------------------------
    def _upload_media(self, token: str, request: PublishRequest) -> str:
        """Lease, upload and return the image's URL; kept in progress before any commit."""
        saved = request.progress.get("media_url")
        if saved:
            return saved
        images = [m for m in request.media if m.mime_type in IMAGE_TYPES]
        if len(request.media) != 1 or len(images) != 1:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop("A Reddit image post needs exactly one image (JPEG, PNG or GIF).")
                ),
                field="media",
            )
        item = images[0]
        response = self._api(
            token,
            "POST",
            "/api/media/asset.json",
            Phase.UPLOAD,
            data={"filepath": self._filepath(item), "mimetype": item.mime_type},
        )
        lease = self.read_json(response, Phase.UPLOAD)
        args = lease.get("args") if isinstance(lease.get("args"), dict) else {}
        action = str(args.get("action") or "")
        fields = [
            (str(f["name"]), str(f.get("value") or ""))
            for f in (args.get("fields") or [])
            if isinstance(f, dict) and f.get("name")
        ]
        bucket = "https:" + action if action.startswith("//") else action
        if urlsplit(bucket).scheme != "https" or not urlsplit(bucket).netloc or not fields:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "Reddit sent an upload permission we could not read; we will try again."
                    )
                ),
                raw_excerpt=response.text,
            )
        # The lease's fields (key, policy, signature…) come first: the bucket reads the
        # form in order and wants the file last. No Authorization header goes there.
        upload = self.request(
            "POST",
            self._upload_target(bucket),
            phase=Phase.UPLOAD,
            timeout=self.upload_timeout,
            data=fields,
            files={"file": (self._filepath(item), item.read(), item.mime_type)},
        )
        # The bucket answers 201 with <PostResponse><Location>…; without it, the URL is
        # the bucket plus the lease's key.
        match = _LOCATION.search(upload.text or "")
        key = dict(fields).get("key", "")
        if match:
            media_url = unquote(html.unescape(match.group(1)))
        elif key:
            media_url = f"{bucket.rstrip('/')}/{key}"
        else:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "Reddit's media storage did not say where the image went; we will try "
                        "again."
                    )
                ),
                raw_excerpt=upload.text,
            )
        request.progress["media_url"] = media_url
        asset = lease.get("asset") if isinstance(lease.get("asset"), dict) else {}
        if asset.get("asset_id"):
            request.progress["media_asset_id"] = str(asset["asset_id"])
        return media_url

    def _filepath(self, item: MediaItem) -> str:
        """The file's name with an extension (Reddit reads the type from both)."""
        name = item.filename or "image"
        if "." not in name.rsplit("/", 1)[-1]:
            name += mimetypes.guess_extension(item.mime_type) or ""
        return name

    def _upload_target(self, bucket: str) -> str:
        default = urlsplit(self.endpoints["media_upload"]).netloc
        parts = urlsplit(bucket)
        if parts.netloc == default:
            return self.endpoint("media_upload") + parts.path
        return bucket

    # -- lookup ---------------------------------------------------------------------------
    def _recent(self, channel: Channel) -> list[dict]:
        """The user's newest submissions (the lookup's only source)."""
        name = channel.username or self.fetch_profile(channel).username
        response = self._api(
            channel.credentials["access_token"],
            "GET",
            f"/user/{quote(name)}/submitted",
            Phase.READ,
            params={"limit": self.lookup_count, "sort": "new", "raw_json": 1},
        )
        listing = (self.read_json(response, Phase.READ).get("data") or {}).get("children") or []
        return [c.get("data") or {} for c in listing if c.get("kind") == "t3"]

    @staticmethod
    def _match(posts: list[dict], sr: str, title: str) -> dict | None:
        wanted_sr, wanted_title = clean_subreddit(sr).casefold(), normalise(title)
        for post in posts:
            if (
                str(post.get("subreddit", "")).casefold() == wanted_sr
                and normalise(post.get("title", "")) == wanted_title
            ):
                return {
                    "id": str(post.get("id")),
                    "name": str(post.get("name") or f"t3_{post.get('id')}"),
                    "url": f"https://www.reddit.com{post.get('permalink', '')}",
                    "sr": clean_subreddit(sr),
                    "title": title,
                }
        return None

    def _resolve(self, channel: Channel, records: list[dict]) -> bool:
        """Fill in the ids of unconfirmed records from the lookup; True when none is left."""
        if all(confirmed(r) for r in records):
            return True
        posts = self._recent(channel)
        for index, record in enumerate(records):
            if not confirmed(record):
                found = self._match(posts, record.get("sr", ""), record.get("title", ""))
                if found:
                    records[index] = found
        return all(confirmed(r) for r in records)

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """Match the user's recent submissions on subreddit and title.

        Entries found are recorded in ``request.progress`` like confirmed ones; the post is
        reported found only when every entry is accounted for, so a partial outcome stays
        unconfirmed and a retry submits only the missing entries."""
        if request.root or request.reply_to:
            return None
        entries = subreddit_entries(request.settings)
        done: dict = request.progress.setdefault("submissions", {})
        missing = [i for i in range(len(entries)) if not confirmed(done.get(str(i)))]
        posts = self._recent(channel) if missing else []
        for index in missing:
            entry = entries[index]
            found = self._match(posts, entry.get("subreddit", ""), entry.get("title", ""))
            if found:
                done[str(index)] = found
        if entries and all(confirmed(done.get(str(i))) for i in range(len(entries))):
            first = done["0"]
            return RemoteRef(id=first["name"], url=first["url"], extra={"subreddit": first["sr"]})
        return None

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        # t3_abc123, abc123, or a pasted link to the post (…/comments/abc123/…).
        match = re.search(r"/comments/([a-z0-9]+)", remote_id) or re.fullmatch(
            r"(?:t3_)?([a-z0-9]+)", remote_id
        )
        if not match:
            return RemoteRef(id=remote_id)
        post_id = match.group(1)
        return RemoteRef(id=f"t3_{post_id}", url=f"https://www.reddit.com/comments/{post_id}/")

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [
            RemoteRef(
                id=str(post.get("name") or f"t3_{post.get('id')}"),
                url=f"https://www.reddit.com{post.get('permalink', '')}",
            )
            for post in self._recent(channel)
            if post.get("id")
        ]

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        names = [ref.id for ref in refs if ref.id.startswith("t3_")]
        if not names:
            return {}
        response = self._api(
            channel.credentials["access_token"],
            "GET",
            "/api/info",
            Phase.READ,
            params={"id": ",".join(names), "raw_json": 1},
        )
        listing = (self.read_json(response, Phase.READ).get("data") or {}).get("children") or []
        found = {}
        for child in listing:
            data = child.get("data") or {} if isinstance(child, dict) else {}
            name = data.get("name")
            # A removed submission still answers, with "[removed]"; its counts stay true.
            if child.get("kind") == "t3" and name in names:
                found[name] = Metrics(
                    {"likes": data.get("score"), "comments": data.get("num_comments")}
                )
        return found

    # -- look-up tools ------------------------------------------------------------------
    @staticmethod
    def _allowed(about: dict) -> list[str]:
        """The post types (self, link, media) a subreddit's settings accept."""
        kinds = about.get("submission_type") or "any"
        allowed = [k for k in ("self", "link") if kinds in ("any", k)]
        if about.get("allow_images"):
            allowed.append("media")
        return allowed

    def subreddits(self, channel: Channel, *, word: str) -> list[dict]:
        response = self._api(
            channel.credentials["access_token"],
            "GET",
            "/subreddits/search",
            Phase.READ,
            params={"q": word, "limit": 10, "raw_json": 1, "include_over_18": "on"},
        )
        listing = (self.read_json(response).get("data") or {}).get("children") or []
        found = []
        for child in listing:
            if not isinstance(child, dict) or child.get("kind") != "t5":
                continue
            about = child.get("data") or {}
            name = about.get("display_name") or ""
            # Private communities and user profiles cannot take this account's posts.
            if not name or about.get("subreddit_type") in ("private", "user"):
                continue
            found.append(
                {
                    "id": str(about.get("id") or name),
                    "name": f"r/{name}",
                    "subreddit": name,
                    "title": about.get("title") or "",
                    "subscribers": about.get("subscribers"),
                    "access": about.get("subreddit_type") or "public",
                    "over18": bool(about.get("over18")),
                    "allow": self._allowed(about),
                    "url": f"https://www.reddit.com/r/{name}/",
                }
            )
        return found

    def restrictions(self, channel: Channel, *, subreddit: str) -> dict:
        name = clean_subreddit(subreddit)
        if not re.fullmatch(r"[A-Za-z0-9_]{2,21}", name):
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(gettext_noop("%(name)s is not a subreddit name."), name=subreddit),
                field="subreddit",
            )
        token = channel.credentials["access_token"]
        about = self.read_json(
            self._api(token, "GET", f"/r/{name}/about", Phase.READ, params={"raw_json": 1})
        )
        if about.get("kind") != "t5":
            # Reddit answers an unknown subreddit with a search listing, not an error.
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(gettext_noop("Reddit has no subreddit r/%(name)s."), name=name),
                field="subreddit",
            )
        details = about.get("data") or {}
        requirements = self.read_json(
            self._api(token, "GET", f"/api/v1/{name}/post_requirements", Phase.READ)
        )
        try:
            response = self._api(token, "GET", f"/r/{name}/api/link_flair_v2", Phase.READ)
            flairs = response.json()
        except ProviderError as error:
            # A subreddit without post flairs answers 403 (or 404): it has none to offer.
            if error.kind not in (ErrorKind.PERMISSION_DENIED, ErrorKind.NOT_FOUND):
                raise
            flairs = []
        except ValueError:
            flairs = []
        return {
            "subreddit": f"/r/{details.get('display_name') or name}",
            "title": details.get("title") or "",
            "allow": self._allowed(details),
            "is_flair_required": bool(requirements.get("is_flair_required")),
            "flairs": [
                {"id": str(f.get("id")), "name": f.get("text") or ""}
                for f in (flairs if isinstance(flairs, list) else [])
                if isinstance(f, dict) and f.get("id") and not f.get("mod_only")
            ],
        }

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
        # Image uploads go to Reddit's media bucket, which answers in S3's XML: its own table.
        if phase == Phase.UPLOAD and not response.url.startswith(self.endpoint("api")):
            return self.classify_with(STORAGE_ERRORS, phase, response)
        return super().classify_response(phase, response)
