"""Tumblr: posts in the Neue Post Format (NPF) on a blog the signed-in account can post to.

Sign-in is OAuth 2.0 (``basic write offline_access``); access tokens last about 40
minutes and each refresh returns a new refresh token. One sign-in can connect several
channels, one per blog of ``/v2/user/info`` the person ticks.

A post is a list of content blocks: the ``title`` setting as a heading, the text (split
into blocks of at most 4,096 characters at paragraph ends), a link block, then the
images (or one video), sent in the same request as ``multipart/form-data``: the post's
JSON in a part named ``json`` and each file in the part its block's ``identifier`` names.
It is published, queued (Tumblr publishes it from the blog's queue) or kept as a draft.

Tumblr has no idempotency key. Every post carries a slug that ends with a piece of the
item's permanent key, so after an unclear answer the blog's posts (or its queue or
drafts) are searched for that slug before anything is sent again.
"""

from __future__ import annotations

import json
import re
import unicodedata

import requests
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
    json_object,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

MB = 1024 * 1024
TEXT_BLOCK_LIMIT = 4096
TITLE_LIMIT = 4096
STATES = ("published", "queue", "draft")
LOOKUP_LIMIT = 20
# Where posts of each state are listed (published ones, the queue, the drafts).
LISTS = {"published": "/posts", "queue": "/posts/queue", "draft": "/posts/draft"}


def text_blocks(text: str) -> list[dict]:
    """The text as NPF text blocks of at most 4,096 code points, cut at paragraph ends
    (then at line ends, then anywhere) so each block reads as a paragraph."""
    blocks: list[dict] = []
    for paragraph in re.split(r"\n\s*\n", (text or "").strip()):
        paragraph = paragraph.strip()
        while paragraph:
            if len(paragraph) <= TEXT_BLOCK_LIMIT:
                piece, paragraph = paragraph, ""
            else:
                cut = paragraph.rfind("\n", 0, TEXT_BLOCK_LIMIT)
                if cut <= 0:
                    cut = paragraph.rfind(" ", 0, TEXT_BLOCK_LIMIT)
                if cut <= 0:
                    cut = TEXT_BLOCK_LIMIT
                piece, paragraph = paragraph[:cut].rstrip(), paragraph[cut:].lstrip()
            blocks.append({"type": "text", "text": piece})
    return blocks


def slug_for(request: PublishRequest) -> str:
    """Words of the title or text, then the first 12 characters of the item's key: the
    marker an unclear answer is settled by (nothing a retry or an edit changes)."""
    words = str(request.settings.get("title") or "") or request.text
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_words.lower()).strip("-")[:40].strip("-")
    marker = re.sub(r"[^a-z0-9]", "", request.idempotency_key.lower())[:12]
    return f"{stem}-{marker}" if stem else marker


def tags_value(value) -> str:
    """The ``tags`` setting (a list or a comma-separated string) as Tumblr's string."""
    if isinstance(value, str):
        value = value.split(",")
    names = []
    for raw in value or []:
        name = (raw.get("value") if isinstance(raw, dict) else raw) or ""
        name = str(name).strip().lstrip("#")
        if name and name not in names:
            names.append(name)
    return ",".join(names)


# -- errors: {"meta": {status, msg}, "response": …, "errors": [{title, code, detail}]} -
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
    meta = body.get("meta") if isinstance(body.get("meta"), dict) else {}
    code = str(first.get("code") or "")
    message = str(first.get("detail") or first.get("title") or meta.get("msg") or "")
    return Said(response.status_code, code=code, message=message, body=body)


# Tumblr's daily limits last until its day ends, in a zone it does not say: trying again
# every six hours reaches the new day without hammering the API (each try is one call).
NEXT_DAY = 6 * 3600
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("Tumblr no longer accepts this sign-in; connect the blog again."),
            code=("invalid_grant", "invalid_token"),
            phase=Phase.AUTH,
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("Tumblr no longer accepts this sign-in; connect the blog again."),
            status=401,
            phase=Phase.AUTH,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "The blog reached Tumblr's daily limit of 250 posts; we will try again tomorrow."
            ),
            code="8023",
            retry_after=NEXT_DAY,
        ),
        # One whole sentence per limit, so each language words it its own way.
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "The blog reached Tumblr's daily limit for media; we will try again tomorrow."
            ),
            code="8004",
            retry_after=NEXT_DAY,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "The blog reached Tumblr's daily limit for videos; we will try again tomorrow."
            ),
            code="8011",
            retry_after=NEXT_DAY,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop(
                "The blog reached Tumblr's daily limit for queued posts; we will try again "
                "tomorrow."
            ),
            code="8022",
            retry_after=NEXT_DAY,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Tumblr asked us to slow down; we will try again later."),
            status=429,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Tumblr refused a file: {message}"),
            code="8005",
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Tumblr refused the post: {message}"),
            code="8001",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Tumblr's sign-in expired; we will renew it."),
            status=401,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Tumblr could not find the blog; it may have been renamed or deleted."),
            status=404,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Tumblr does not let this account post to the blog: {message}"),
            status=403,
        ),
        SERVER_ERROR,
    ),
)


class TumblrProvider(Provider):
    identifier = "tumblr"
    display_name = "Tumblr"
    auth_kind = "oauth2"
    account_selection = "blogs"
    reply_mode = "none"
    text_counter = "codepoints"
    # Long text becomes several blocks; a post's JSON may be about 1 MB in all.
    text_limit = 100_000
    media_rules = MediaRules(
        max_count=30,
        mime_types=(
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/quicktime",
        ),
        max_image_bytes=20 * MB,
        max_bytes_by_type={"image/gif": 10 * MB},
        max_video_bytes=500 * MB,
        video_alone=True,
        allow_mixed=False,
    )
    idempotency = "none"
    lookup = "by-content"
    # Note counts of the blog's posts (``note_count`` in each post of the blog's list).
    analytics = "post"
    metrics_batch = 1
    metrics_per_hour = 60
    daily_post_cap = 250
    refresh_ahead = 300
    max_concurrency = 2
    scopes = ("basic", "write", "offline_access")
    oauth = OAuth2(
        client=("TUMBLR_CLIENT_ID", "TUMBLR_CLIENT_SECRET"),
        authorize=("auth", "/oauth2/authorize"),
        token=("api", "/v2/oauth2/token"),
        write_scope="write",
    )
    required_settings = ("TUMBLR_CLIENT_ID", "TUMBLR_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {"auth": "https://www.tumblr.com", "api": "https://api.tumblr.com"}
    settings_fields = (
        SettingField("title", "string", label=gettext_lazy("Title"), max_length=TITLE_LIMIT),
        SettingField(
            "link",
            "url",
            label=gettext_lazy("Link"),
            help_text=gettext_lazy("Shown as a link card."),
        ),
        SettingField(
            "source_url",
            "url",
            label=gettext_lazy("Source"),
            help_text=gettext_lazy("Credited as the source."),
        ),
        SettingField(
            "tags", "list", label=gettext_lazy("Tags"), help_text=gettext_lazy("Without the #.")
        ),
        SettingField(
            "state",
            "enum",
            label=gettext_lazy("Post as"),
            choices=STATES,
            default="published",
            help_text=gettext_lazy(
                "published: now; queue: into the blog's queue; draft: kept for review."
            ),
        ),
    )
    tools = (Tool("blogs", "The blogs the account can post to: name, title, URL."),)

    # -- connecting ---------------------------------------------------------------------
    def _get(self, token: str, path: str, phase: Phase = Phase.READ, **params) -> dict:
        response = self.request(
            "GET", self.url("api", path), phase=phase, params=params, headers=self.bearer(token)
        )
        return self.read_json(response, phase)

    def _blogs(self, token: str, phase: Phase = Phase.READ) -> list[dict]:
        user = (self._get(token, "/v2/user/info", phase).get("response") or {}).get("user") or {}
        return [b for b in user.get("blogs") or [] if isinstance(b, dict) and b.get("name")]

    def accounts(self, grant: Grant) -> list[Account]:
        return [_account(blog) for blog in self._blogs(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        for blog in self._blogs(channel.credentials["access_token"]):
            if _blog_id(blog) == channel.external_id or blog["name"] == channel.username:
                return _account(blog)
        raise ProviderError(
            ErrorKind.NOT_FOUND,
            Text(gettext_noop("The signed-in Tumblr account can no longer post to this blog.")),
            network_code="blog_gone",
        )

    def blogs(self, channel: Channel) -> list[dict]:
        return [
            {"name": b["name"], "title": b.get("title") or b["name"], "url": b.get("url") or ""}
            for b in self._blogs(channel.credentials["access_token"])
        ]

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        if values.get("title") or values.get("link"):
            # A heading or a link card is a post of its own on Tumblr.
            issues = [i for i in issues if not (i.code == "text_required" and i.item == 0)]
        for name in ("link", "source_url"):
            url = values.get(name)
            if url and not re.match(r"^https?://\S+$", str(url)):
                issues.append(
                    Issue(
                        "setting_invalid",
                        gettext("%(field)s must be a web address.") % {"field": name},
                        name,
                    )
                )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        values = request.settings
        blocks: list[dict] = []
        if values.get("title"):
            blocks.append({"type": "text", "subtype": "heading1", "text": str(values["title"])})
        blocks += text_blocks(request.text)
        if values.get("link"):
            blocks.append({"type": "link", "url": values["link"]})
        files = []
        for index, item in enumerate(request.media):
            identifier = f"media{index}"
            media = {"type": item.mime_type, "identifier": identifier}
            if item.width and item.height:
                media.update(width=item.width, height=item.height)
            if item.is_video:
                blocks.append({"type": "video", "media": media})
            else:
                block = {"type": "image", "media": [media]}
                if item.alt_text:
                    block["alt_text"] = item.alt_text
                blocks.append(block)
            files.append((identifier, item))
        state = values.get("state") or "published"
        post: dict = {"content": blocks, "state": state, "slug": slug_for(request)}
        tags = tags_value(values.get("tags"))
        if tags:
            post["tags"] = tags
        if values.get("source_url"):
            post["source_url"] = values["source_url"]
        url = self.url("api", f"/v2/blog/{channel.username}/posts")
        headers = self.bearer(channel.credentials["access_token"])
        if files:
            fields = [("json", json.dumps(post), "application/json")]
            with multipart_body(fields=fields, files=files) as body:
                response = self.request(
                    "POST",
                    url,
                    phase=Phase.COMMIT,
                    data=body,
                    headers={**headers, "Content-Type": body.content_type},
                    timeout=self.upload_timeout,
                )
        else:
            response = self.request("POST", url, phase=Phase.COMMIT, json=post, headers=headers)
        created = self.read_json(response, Phase.COMMIT).get("response") or {}
        post_id = str(created.get("id") or created.get("id_string") or "")
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Tumblr answered without the post's id; it may be live.")),
                network_code=str(response.status_code),
            )
        return PublishResult(
            ref=self._ref(channel, post_id, state=created.get("state") or state),
            raw={"post": {"id": post_id, "state": created.get("state") or state}},
        )

    def _ref(self, channel: Channel, post_id: str, state: str = "published") -> RemoteRef:
        # A queued post or a draft has no public address yet.
        url = f"https://www.tumblr.com/{channel.username}/{post_id}" if state == "published" else ""
        return RemoteRef(id=post_id, url=url, extra={"state": state})

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"/(?:post/)?(\d{6,})(?:/|$)", remote_id) or re.fullmatch(
            r"\s*(\d+)\s*", remote_id
        )
        return self._ref(channel, match.group(1)) if match else RemoteRef(id=remote_id)

    def _listed(self, channel: Channel, state: str = "published") -> list[dict]:
        body = self._get(
            channel.credentials["access_token"],
            f"/v2/blog/{channel.username}{LISTS.get(state, LISTS['published'])}",
            npf="true",
            limit=str(LOOKUP_LIMIT),
        )
        posts = (body.get("response") or {}).get("posts") or []
        return [p for p in posts if isinstance(p, dict) and (p.get("id_string") or p.get("id"))]

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [self._ref(channel, _post_id(p)) for p in self._listed(channel)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The post whose slug carries this item's key, among the newest of the blog's
        posts, queue or drafts (wherever its state put it)."""
        state = request.settings.get("state") or "published"
        marker = slug_for(request).rsplit("-", 1)[-1]
        for post in self._listed(channel, state):
            if str(post.get("slug") or "").endswith(marker):
                return self._ref(channel, _post_id(post), state=state)
        return None

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        found = {}
        for ref in refs:
            if not ref.id.isdigit():
                continue
            try:
                body = self._get(
                    channel.credentials["access_token"],
                    f"/v2/blog/{channel.username}/posts",
                    id=ref.id,
                    notes_info="true",
                    npf="true",
                )
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue
                raise
            posts = (body.get("response") or {}).get("posts") or []
            if posts and isinstance(posts[0], dict) and posts[0].get("note_count") is not None:
                # Notes are Tumblr's single count of likes, reblogs and replies together.
                found[ref.id] = Metrics({"likes": posts[0]["note_count"]})
        return found


def _blog_id(blog: dict) -> str:
    return str(blog.get("uuid") or blog["name"])


def _post_id(post: dict) -> str:
    return str(post.get("id_string") or post.get("id"))


def _account(blog: dict) -> Account:
    avatars = [a for a in blog.get("avatar") or [] if isinstance(a, dict) and a.get("url")]
    return Account(
        external_id=_blog_id(blog),
        name=blog.get("title") or blog["name"],
        username=blog["name"],
        profile_url=blog.get("url") or f"https://www.tumblr.com/{blog['name']}",
        avatar_url=avatars[0]["url"] if avatars else "",
        kind="blog",
        meta={"blog": blog["name"], "primary": bool(blog.get("primary"))},
    )
