"""Lemmy: a user account on any Lemmy instance (0.19 API, ``/api/v3``).

Login gives a JWT that lasts until logout or a password change; the password is stored
(encrypted) so the session can be renewed by logging in again. A post goes to one or more
communities (the ``subreddit`` setting, named after Postiz's shared field); thread items
become comments on the first post.
"""

from __future__ import annotations

import re
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
)
from organizations.texts import Text

TITLE_LIMIT = 200
BODY_LIMIT = 50000
COMMENT_LIMIT = 10000
LOOKUP_LIMIT = 20


def instance_origin(value: str) -> str:
    """``lemmy.world`` or ``https://lemmy.world/c/x`` → ``https://lemmy.world``."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def community_entries(settings: dict) -> list[dict]:
    """The ``subreddit`` list, each entry unwrapped from the public API's ``{"value": …}``."""
    entries = []
    for raw in settings.get("subreddit") or []:
        if isinstance(raw, dict) and isinstance(raw.get("value"), dict):
            raw = raw["value"]
        entries.append(raw if isinstance(raw, dict) else {})
    return entries


# -- errors: {"error": "<snake_case code>"}, stable across versions ---------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    code = str(body.get("error") or "") if body is not None else ""
    # A redirect is a failure too: an instance's address is fetched without following one.
    failed = bool(code) or response.status_code >= 300
    return Said(response.status_code, code=code, failed=failed, body=body)


def _rejected(code: str, message: str, field: str = "") -> Rule:
    return Rule(ErrorKind.CONTENT_REJECTED, message, code=code, field=field)


SESSION_ENDED = gettext_noop("The Lemmy session ended; we will log in again.")
EMAIL_UNVERIFIED = gettext_noop("Confirm your e-mail address on the Lemmy instance first.")
PENDING = gettext_noop("Your Lemmy registration is still waiting for approval.")
SLOW_DOWN = gettext_noop("The Lemmy instance asked us to slow down; we will try again in a minute.")
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(ErrorKind.RATE_LIMITED, SLOW_DOWN, status=429),
        Rule(ErrorKind.RATE_LIMITED, SLOW_DOWN, code="rate_limit_error"),
        Rule(ErrorKind.AUTH_EXPIRED, SESSION_ENDED, code="not_logged_in"),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Lemmy did not accept the username or password; check them and connect again."
            ),
            code="incorrect_login",
            phase=Phase.AUTH,
        ),
        # 0.19 answers a stale JWT with incorrect_login; logging in again may fix it.
        Rule(ErrorKind.AUTH_EXPIRED, SESSION_ENDED, code="incorrect_login"),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "This Lemmy account uses two-factor authentication; enter the current code."
            ),
            code="missing_totp_token",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("The two-factor code was not accepted; enter a fresh one."),
            code="incorrect_totp_token",
        ),
        Rule(ErrorKind.PERMISSION_DENIED, EMAIL_UNVERIFIED, code="email_not_verified"),
        Rule(ErrorKind.PERMISSION_DENIED, PENDING, code="registration_application_is_pending"),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("The Lemmy instance denied the account."),
            code="registration_denied",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("The account is banned on this Lemmy instance."),
            code="site_ban",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED, gettext_noop("The Lemmy account was deleted."), code="deleted"
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("The account is banned from this Lemmy community."),
            code="banned_from_community",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Only moderators may post in this Lemmy community."),
            code="only_mods_can_post_in_community",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("The Lemmy post is locked; comments are closed."),
            code="locked",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The Lemmy community does not exist."),
            code="couldnt_find_community",
        ),
        Rule(
            ErrorKind.NOT_FOUND, gettext_noop("The Lemmy post is gone."), code="couldnt_find_post"
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The Lemmy comment is gone."),
            code="couldnt_find_comment",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("The Lemmy account no longer exists."),
            code="couldnt_find_person",
        ),
        # Where a rejection points in the composer: the title and link live in the
        # communities setting.
        _rejected(
            "invalid_post_title",
            gettext_noop("Lemmy rejected the title (1 to 200 characters, not only spaces)."),
            "subreddit",
        ),
        _rejected("invalid_body_field", gettext_noop("Lemmy rejected the post text."), "text"),
        _rejected("invalid_url", gettext_noop("Lemmy rejected the link."), "subreddit"),
        _rejected("slurs", gettext_noop("The instance's word filter rejected the post."), "text"),
        _rejected("blocked_url", gettext_noop("The instance blocks that link.")),
        Rule(ErrorKind.AUTH_EXPIRED, SESSION_ENDED, status=401),
        SERVER_ERROR,
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("That address does not answer like a Lemmy instance."),
            status=404,
            code=NO_CODE,
        ),
        Rule(ErrorKind.CONTENT_REJECTED, gettext_noop("Lemmy refused the post ({reported}).")),
    ),
)


class LemmyProvider(Provider):
    identifier = "lemmy"
    display_name = "Lemmy"
    auth_kind = "credentials-form"
    custom_instance = True
    account_selection = "none"
    reply_mode = "comment"
    text_counter = "codepoints"
    text_limit = BODY_LIMIT
    media_rules = MediaRules(
        max_count=1,
        mime_types=("image/jpeg", "image/png", "image/gif", "image/webp"),
        max_image_bytes=10 * 1024 * 1024,
    )
    idempotency = "none"
    lookup = "by-content"
    refresh_ahead = 0
    max_concurrency = 2
    endpoints = {}
    settings_fields = (
        SettingField(
            "subreddit",
            "list",
            label=gettext_lazy("Communities"),
            required=True,
            help_text=gettext_lazy(
                "[{subreddit (community name), id (community id), title, url?}]"
            ),
        ),
    )
    # A post's score and comment count (GET /api/v3/post, one post a request: the API
    # has no many-ids read); accounts have no follower count.
    analytics = "post"
    metrics_batch = 1
    metrics_per_hour = 120
    errors = ERRORS
    redact_patterns = (r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",)
    tools = (
        Tool(
            "subreddits",
            gettext_lazy(
                "Search Lemmy communities by keyword: id, name (the subreddit setting's "
                "subreddit), title and subscribers."
            ),
            (ToolInput("word", description=gettext_lazy("Words to search communities for")),),
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "instance",
                gettext_lazy("Instance"),
                type="url",
                help_text=gettext_lazy("Your server, e.g. lemmy.world"),
            ),
            CredentialField("username_or_email", gettext_lazy("Username or e-mail")),
            CredentialField("password", gettext_lazy("Password"), type="secret"),
            CredentialField(
                "totp",
                gettext_lazy("Two-factor code"),
                required=False,
                help_text=gettext_lazy("Only if two-factor authentication is on for this account."),
            ),
        ]

    def check_instance(self, instance_url: str) -> str:
        origin = instance_origin(instance_url)
        if not origin:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(gettext_noop("Enter the address of your Lemmy instance, e.g. lemmy.world.")),
                field="instance",
            )
        return origin

    def _login(self, origin: str, username: str, password: str, totp: str = "") -> str:
        payload = {"username_or_email": username, "password": password}
        if totp:
            payload["totp_2fa_token"] = totp
        body = self.request(
            "POST", f"{origin}/api/v3/user/login", phase=Phase.AUTH, json=payload
        ).json()
        jwt = body.get("jwt")
        if not jwt:
            if body.get("verify_email_sent"):
                raise ProviderError(
                    ErrorKind.PERMISSION_DENIED, Text(EMAIL_UNVERIFIED), network_code="no_jwt"
                )
            raise ProviderError(ErrorKind.PERMISSION_DENIED, Text(PENDING), network_code="no_jwt")
        return jwt

    @staticmethod
    def _auth(jwt: str) -> dict:
        # 0.19 reads the header; the cookie is what its image proxy checked before.
        return {**Provider.bearer(jwt), "Cookie": f"jwt={jwt}"}

    def authenticate(self, fields: dict) -> Grant:
        origin = self.check_instance(fields.get("instance", ""))
        username = (fields.get("username_or_email") or "").strip()
        password = fields.get("password") or ""
        if not username or not password:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter your Lemmy username (or e-mail) and password.")),
                field="username_or_email" if not username else "password",
            )
        jwt = self._login(origin, username, password, (fields.get("totp") or "").strip())
        site = self.request(
            "GET", f"{origin}/api/v3/site", phase=Phase.AUTH, headers=self._auth(jwt)
        ).json()
        person = ((site.get("my_user") or {}).get("local_user_view") or {}).get("person") or {}
        if not person.get("name"):
            raise ProviderError(
                ErrorKind.AUTH_EXPIRED,
                Text(gettext_noop("Lemmy did not recognise the session; try again.")),
            )
        return Grant(
            credentials={"jwt": jwt, "username_or_email": username, "password": password},
            meta={"instance": origin, "person": person},
        )

    def accounts(self, grant: Grant) -> list[Account]:
        origin = grant.meta["instance"]
        person = grant.meta["person"]
        host = urlsplit(origin).netloc
        return [
            Account(
                external_id=person.get("actor_id") or f"{person.get('id')}@{host}",
                name=person.get("display_name") or person["name"],
                username=person["name"],
                profile_url=person.get("actor_id") or f"{origin}/u/{person['name']}",
                avatar_url=person.get("avatar") or "",
                meta={"instance": origin, "person_id": person.get("id")},
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        origin = channel.meta["instance"]
        site = self.request(
            "GET",
            f"{origin}/api/v3/site",
            phase=Phase.READ,
            headers=self._auth(channel.credentials["jwt"]),
        ).json()
        person = ((site.get("my_user") or {}).get("local_user_view") or {}).get("person") or {}
        if not person.get("name"):
            # Lemmy answers a session it no longer knows as if no one were signed in.
            raise ProviderError(
                ErrorKind.AUTH_EXPIRED,
                Text(gettext_noop("Lemmy did not recognise the session; we will sign in again.")),
                network_code="not_logged_in",
            )
        return self.accounts(Grant(credentials={}, meta={"instance": origin, "person": person}))[0]

    def refresh(self, channel: Channel) -> Grant:
        """Log in again with the stored username and password."""
        origin = channel.meta["instance"]
        username = channel.credentials.get("username_or_email", "")
        password = channel.credentials.get("password", "")
        if not username or not password:
            return super().refresh(channel)
        jwt = self._login(origin, username, password)
        return Grant(
            credentials={"jwt": jwt, "username_or_email": username, "password": password},
            meta={"instance": origin},
        )

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        for index, entry in enumerate(community_entries(draft.settings)):
            if not (entry.get("id") or entry.get("subreddit")):
                issues.append(
                    Issue(
                        "setting_required",
                        _("Choose community %(number)d.") % {"number": index + 1},
                        "subreddit",
                    )
                )
            title = str(entry.get("title") or "")
            if not title.strip():
                issues.append(
                    Issue("setting_required", _("Write a title for the post."), "subreddit")
                )
            elif len(title) > TITLE_LIMIT:
                issues.append(
                    Issue(
                        "text_too_long",
                        _("Lemmy titles allow %(limit)d characters; this has %(length)d.")
                        % {"limit": TITLE_LIMIT, "length": len(title)},
                        "subreddit",
                        limit=TITLE_LIMIT,
                        actual=len(title),
                    )
                )
            url = entry.get("url")
            if url and not re.match(r"^https?://\S+$", str(url)):
                issues.append(
                    Issue("setting_invalid", _("The link must be a web address."), "subreddit")
                )
        for index, item in enumerate(draft.items[1:], start=1):
            if len(item.text) > COMMENT_LIMIT:
                issues.append(
                    Issue(
                        "text_too_long",
                        _("Lemmy comments allow %(limit)d characters.") % {"limit": COMMENT_LIMIT},
                        item=index,
                        limit=COMMENT_LIMIT,
                        actual=len(item.text),
                    )
                )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        origin = channel.meta["instance"]
        headers = self._auth(channel.credentials["jwt"])
        if request.reply_to is not None:
            return self._comment(origin, headers, request)
        entries = community_entries(request.settings)
        if not entries:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Choose at least one community.")),
                field="subreddit",
            )
        image_url = self._upload_image(origin, headers, request)
        # Posts already made on an earlier attempt, by community id: never post twice.
        done: dict = request.progress.setdefault("lemmy_posts", {})
        refs = []
        for entry in entries:
            community_id = self._community_id(origin, headers, entry)
            key = str(community_id)
            if key not in done:
                body = request.text
                url = entry.get("url") or image_url
                if entry.get("url") and image_url:
                    body = f"![]({image_url})\n\n{body}".strip()
                payload = {"name": entry.get("title", ""), "community_id": community_id}
                if body:
                    payload["body"] = body
                if url:
                    payload["url"] = url
                created = self.request(
                    "POST",
                    f"{origin}/api/v3/post",
                    phase=Phase.COMMIT,
                    json=payload,
                    headers=headers,
                ).json()
                post = created["post_view"]["post"]
                done[key] = {"id": post["id"], "ap_id": post.get("ap_id", "")}
            refs.append(done[key])
        first = refs[0]
        return PublishResult(
            ref=RemoteRef(
                id=str(first["id"]),
                url=f"{origin}/post/{first['id']}",
                extra={"post_ids": [str(r["id"]) for r in refs]},
            ),
            raw={"posts": refs},
        )

    def _upload_image(self, origin: str, headers: dict, request: PublishRequest) -> str:
        if not request.media:
            return ""
        if request.progress.get("lemmy_image_url"):
            return request.progress["lemmy_image_url"]
        item = request.media[0]
        body = self.request(
            "POST",
            f"{origin}/pictrs/image",
            phase=Phase.UPLOAD,
            headers=headers,
            files=[("images[]", (item.filename, item.read(), item.mime_type))],
            timeout=self.upload_timeout,
        ).json()
        files = body.get("files") or []
        if body.get("msg", "ok") != "ok" or not files:
            said = body.get("msg")
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop("The Lemmy instance refused the image (%(reason)s)."), reason=said
                )
                if said
                else Text(gettext_noop("The Lemmy instance refused the image (no file).")),
                field="media",
            )
        url = f"{origin}/pictrs/image/{files[0]['file']}"
        request.progress["lemmy_image_url"] = url
        return url

    def _community_id(self, origin: str, headers: dict, entry: dict) -> int:
        if entry.get("id"):
            return int(entry["id"])
        body = self.request(
            "GET",
            f"{origin}/api/v3/community",
            phase=Phase.READ,
            params={"name": str(entry.get("subreddit") or "").lstrip("!")},
            headers=headers,
        ).json()
        return int(body["community_view"]["community"]["id"])

    def _comment(self, origin: str, headers: dict, request: PublishRequest) -> PublishResult:
        """Comment mode: every thread item is a comment on the root post (each of them)."""
        root = request.root or request.reply_to
        post_ids = root.extra.get("post_ids") or [root.id]
        done: dict = request.progress.setdefault("lemmy_comments", {})
        for post_id in post_ids:
            if str(post_id) in done:
                continue
            created = self.request(
                "POST",
                f"{origin}/api/v3/comment",
                phase=Phase.COMMIT,
                json={"content": request.text, "post_id": int(post_id)},
                headers=headers,
            ).json()
            comment = created["comment_view"]["comment"]
            done[str(post_id)] = {"id": comment["id"], "ap_id": comment.get("ap_id", "")}
        first = done[str(post_ids[0])]
        return PublishResult(
            ref=RemoteRef(
                id=str(first["id"]),
                url=f"{origin}/comment/{first['id']}",
                extra={
                    "kind": "comment",
                    "comment_ids": [str(done[str(p)]["id"]) for p in post_ids],
                },
            ),
            raw={"comments": done},
        )

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        origin = channel.meta.get("instance", "")
        match = re.search(r"/post/(\d+)", remote_id) or re.fullmatch(r"(\d+)", remote_id)
        if not match or not origin:
            return RemoteRef(id=remote_id)
        return RemoteRef(id=match.group(1), url=f"{origin}/post/{match.group(1)}")

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        origin = channel.meta["instance"]
        body = self.request(
            "GET",
            f"{origin}/api/v3/user",
            phase=Phase.READ,
            params={"username": channel.username, "sort": "New", "limit": str(LOOKUP_LIMIT)},
            headers=self._auth(channel.credentials["jwt"]),
        ).json()
        return [
            RemoteRef(id=str(post["id"]), url=f"{origin}/post/{post['id']}")
            for post in ((view or {}).get("post") or {} for view in body.get("posts") or [])
            if post.get("id")
        ]

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        origin = channel.meta["instance"]
        found = {}
        for ref in refs:
            if not ref.id.isdigit():
                continue
            try:
                body = self.request(
                    "GET",
                    f"{origin}/api/v3/post",
                    phase=Phase.READ,
                    params={"id": ref.id},
                    headers=self._auth(channel.credentials["jwt"]),
                ).json()
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue  # deleted or removed: left out
                raise
            counts = ((body or {}).get("post_view") or {}).get("counts") or {}
            if counts:
                # Score is what Lemmy shows beside a post (up minus down votes).
                found[ref.id] = Metrics(
                    {"likes": counts.get("score"), "comments": counts.get("comments")}
                )
        return found

    # -- look-up tools ------------------------------------------------------------------
    def subreddits(self, channel: Channel, *, word: str) -> list[dict]:
        origin = channel.meta["instance"]
        body = self.request(
            "GET",
            f"{origin}/api/v3/search",
            phase=Phase.READ,
            params={"q": word, "type_": "Communities", "sort": "TopAll", "limit": "10"},
            headers=self._auth(channel.credentials["jwt"]),
        ).json()
        found = []
        for view in body.get("communities") or []:
            community = (view.get("community") or {}) if isinstance(view, dict) else {}
            if not community.get("id") or community.get("removed") or community.get("deleted"):
                continue
            name = community.get("name") or ""
            host = urlsplit(community.get("actor_id") or "").netloc
            if not community.get("local", True) and host:
                name = f"{name}@{host}"  # a remote community is known here by name@host
            found.append(
                {
                    "id": str(community["id"]),
                    "name": name,
                    "subreddit": name,
                    "title": community.get("title") or name,
                    "subscribers": (view.get("counts") or {}).get("subscribers"),
                    "nsfw": bool(community.get("nsfw")),
                    "url": community.get("actor_id") or "",
                }
            )
        return found

    # -- reconciliation -----------------------------------------------------------------
    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The account's newest posts (or comments) matching this one; found ones are kept
        in ``progress`` so a later attempt skips them."""
        origin = channel.meta["instance"]
        headers = self._auth(channel.credentials["jwt"])
        body = self.request(
            "GET",
            f"{origin}/api/v3/user",
            phase=Phase.READ,
            params={"username": channel.username, "sort": "New", "limit": str(LOOKUP_LIMIT)},
            headers=headers,
        ).json()
        if request.reply_to is not None:
            root = request.root or request.reply_to
            post_ids = {str(p) for p in (root.extra.get("post_ids") or [root.id])}
            for view in body.get("comments") or []:
                comment = view.get("comment") or {}
                if str(comment.get("post_id")) in post_ids and (
                    comment.get("content", "").strip() == request.text.strip()
                ):
                    return RemoteRef(
                        id=str(comment["id"]),
                        url=f"{origin}/comment/{comment['id']}",
                        extra={"kind": "comment"},
                    )
            return None
        done: dict = request.progress.setdefault("lemmy_posts", {})
        matched = []
        for entry in community_entries(request.settings):
            hit = done.get(str(entry.get("id"))) if entry.get("id") else None
            for view in body.get("posts") or []:
                if hit:
                    break
                post = view.get("post") or {}
                community = view.get("community") or {}
                if entry.get("id"):
                    same_place = str(post.get("community_id")) == str(entry["id"])
                else:
                    same_place = community.get("name") == entry.get("subreddit")
                if same_place and post.get("name") == entry.get("title"):
                    hit = {"id": post["id"], "ap_id": post.get("ap_id", "")}
                    done[str(post["community_id"])] = hit
            matched.append(hit)
        if not matched or not all(matched):
            return None
        first = matched[0]
        return RemoteRef(
            id=str(first["id"]),
            url=f"{origin}/post/{first['id']}",
            extra={"post_ids": [str(m["id"]) for m in matched]},
        )
