"""Hashnode (GraphQL API at gql.hashnode.com): posts on a publication, with a Personal
Access Token.

The token (Account Settings → Developer) is sent as the ``Authorization`` header and does
not expire. Hashnode answers GraphQL errors with HTTP 200 and a code in
``errors[].extensions.code``; every write, and every read of a publication's posts,
needs the publication on Hashnode's Pro plan (``FORBIDDEN`` says so otherwise).
``publishPost`` has no idempotency: sent twice it makes two posts, so after an unclear
answer the publication's newest posts are searched for this title and text (Hashnode
caches reads for up to about 25 s, less than the engine waits before looking).
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
    SERVER_FAULT,
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
    ToolInput,
    json_object,
)
from organizations.texts import Text

MAX_TAGS = 15  # Hashnode's cap per post
TITLE_MIN = 6
# Hashnode refuses request bodies over 100 KB; the rest of the request needs some room.
BODY_BYTES = 95_000
LOOKUP_PAGE = 20
METRICS_BATCH = 20

ME = """query Me {
  me { id username name profilePicture
    publications(first: 50) { edges { node { id title url } } } }
}"""
PUBLISH = """mutation PublishPost($input: PublishPostInput!) {
  publishPost(input: $input) { post { id slug url title } }
}"""
POSTS = """query Posts($id: ObjectId!, $first: Int!) {
  publication(id: $id) {
    posts(first: $first) {
      edges { node { id title url publishedAt content { markdown } } }
    }
  }
}"""
SERIES = """query Series($id: ObjectId!) {
  publication(id: $id) { seriesList(first: 50) { edges { node { id name slug } } } }
}"""


def _tags_help() -> str:
    return gettext("At most %(count)d.") % {"count": MAX_TAGS}


def tag_slug(name: str) -> str:
    """Hashnode finds (or makes) a tag by its slug: ``Web Dev`` → ``web-dev``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


# -- errors: {"errors": [{"message", "extensions": {"code"}}], "data": …} ----------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    errors = (body or {}).get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = str((first.get("extensions") or {}).get("code") or "")
    return Said(
        response.status_code,
        code=code,
        message=str(first.get("message") or ""),
        failed=bool(errors) or response.status_code >= 300,
        body=body,
    )


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        # A token has no refresh: a refused one is replaced by reconnecting.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Hashnode did not accept the Personal Access Token; make a new one in Hashnode's "
                "Account Settings → Developer and reconnect."
            ),
            code="UNAUTHENTICATED",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Hashnode publishes through its API only to publications on its Pro plan: "
                "upgrade this publication in its Hashnode dashboard."
            ),
            code="FORBIDDEN",
            pattern=r"pro plan",
            network_code="pro_plan",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("Hashnode does not let this account publish there{detail}"),
            code="FORBIDDEN",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Hashnode could not find it{detail}"),
            code="NOT_FOUND",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Hashnode rejected the post: {message|the request was not valid}"),
            code="BAD_USER_INPUT",
        ),
        # Hashnode hides the cause; on the publish the post may or may not exist.
        Rule(
            SERVER_FAULT,
            gettext_noop("Hashnode had a server error."),
            code="INTERNAL_SERVER_ERROR",
        ),
        Rule(
            SERVER_FAULT,
            gettext_noop("Hashnode had a server error ({status})."),
            status=range(500, 1000),
        ),
    ),
)


class HashnodeProvider(Provider):
    identifier = "hashnode"
    display_name = "Hashnode"
    auth_kind = "credentials-form"
    reply_mode = "none"
    text_counter = "codepoints"
    media_rules = MediaRules(max_count=0)
    idempotency = "none"
    lookup = "by-content"
    analytics = "post"
    metrics_batch = METRICS_BATCH
    metrics_per_hour = 60
    max_concurrency = 2
    endpoints = {"api": "https://gql.hashnode.com"}
    errors = ERRORS
    settings_fields = (
        SettingField("title", "string", label=gettext_lazy("Title"), required=True),
        SettingField("subtitle", "string", label=gettext_lazy("Subtitle")),
        SettingField(
            "publication",
            "string",
            label=gettext_lazy("Publication"),
            required=True,
            options=OptionSource("publications", label="title", stored="publications"),
        ),
        SettingField(
            "tags",
            "list",
            label=gettext_lazy("Tags"),
            help_text=lazy(_tags_help, str)(),
        ),
        SettingField("main_image", "url", label=gettext_lazy("Cover image address")),
        SettingField(
            "canonical", "url", label=gettext_lazy("Original article address (canonical)")
        ),
        SettingField(
            "series",
            "string",
            label=gettext_lazy("Series id"),
            help_text=gettext_lazy("A series of the publication (the series tool lists them)."),
        ),
    )
    tools = (
        Tool(
            "publications",
            "The publications this account writes to: id, title and url (the publication setting).",
            stores="publications",
        ),
        Tool(
            "series",
            "The series of a publication: id, name and slug (the series setting).",
            (ToolInput("publication", description="The publication's id"),),
        ),
    )

    # -- GraphQL ------------------------------------------------------------------------
    def graphql(
        self, token: str, query: str, variables: dict | None = None, *, phase: Phase
    ) -> dict:
        """``data`` of one GraphQL request (errors are raised by the table)."""
        body = self.read_json(
            self.request(
                "POST",
                self.url("api", "/"),
                phase=phase,
                headers={"Authorization": token},
                json={"query": query, "variables": variables or {}},
            ),
            phase,
        )
        data = body.get("data")
        if not isinstance(data, dict):
            kind = (
                ErrorKind.UNKNOWN_OUTCOME
                if phase == Phase.COMMIT
                else ErrorKind.TRANSIENT_BEFORE_SEND
            )
            raise ProviderError(
                kind,
                Text(gettext_noop("Hashnode answered without data.")),
                raw_excerpt=str(body)[:500],
            )
        return data

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "token",
                gettext("Personal Access Token"),
                type="secret",
                help_text=gettext("Make one at hashnode.com/settings/developer."),
            )
        ]

    def _me(self, token: str, phase: Phase) -> dict:
        me = self.graphql(token, ME, phase=phase).get("me")
        if not isinstance(me, dict) or not me.get("id"):
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(
                    gettext_noop(
                        "Hashnode did not recognise the Personal Access Token; reconnect with a "
                        "new one."
                    )
                ),
            )
        return me

    @staticmethod
    def _publications(me: dict) -> list[dict]:
        edges = ((me.get("publications") or {}).get("edges")) or []
        return [
            {"id": n["id"], "title": n.get("title") or "", "url": n.get("url") or ""}
            for n in (e.get("node") or {} for e in edges)
            if n.get("id")
        ]

    def authenticate(self, fields: dict) -> Grant:
        token = (fields.get("token") or "").strip()
        if not token:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Enter your Hashnode token.")),
                field="token",
            )
        me = self._me(token, Phase.AUTH)
        return Grant(credentials={"token": token}, meta={"me": me})

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._account(grant.meta["me"])]

    def _account(self, me: dict) -> Account:
        username = me.get("username") or ""
        return Account(
            external_id=str(me["id"]),
            name=me.get("name") or username,
            username=username,
            profile_url=f"https://hashnode.com/@{username}" if username else "",
            avatar_url=me.get("profilePicture") or "",
            meta={"publications": self._publications(me)},
        )

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(self._me(channel.credentials["token"], Phase.READ))

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        title = str(values.get("title") or "").strip()
        if values.get("title") is not None and len(title) < TITLE_MIN:
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("Hashnode titles need at least %(count)d characters.")
                    % {"count": TITLE_MIN},
                    "title",
                    limit=TITLE_MIN,
                    actual=len(title),
                )
            )
        tags = tag_names(values.get("tags"))
        if len(tags) > MAX_TAGS:
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("Hashnode allows %(limit)d tags; this has %(count)d.")
                    % {"limit": MAX_TAGS, "count": len(tags)},
                    "tags",
                    limit=MAX_TAGS,
                    actual=len(tags),
                )
            )
        for tag in tags:
            if not tag_slug(tag):
                issues.append(
                    Issue(
                        "setting_invalid",
                        gettext("“%(tag)s” cannot be a Hashnode tag.") % {"tag": tag},
                        "tags",
                    )
                )
        for name, message in (
            ("main_image", gettext("The cover image must be a web address.")),
            ("canonical", gettext("The original address must be a web address.")),
        ):
            value = image_url(values.get(name))
            if value and not is_web_address(value):
                issues.append(Issue("setting_invalid", message, name))
        for index, item in enumerate(draft.items):
            size = len(item.text.encode())
            if size > BODY_BYTES:
                issues.append(
                    Issue(
                        "text_too_long",
                        gettext("Hashnode takes posts up to about %(max)d KB; this is %(size)d KB.")
                        % {"max": BODY_BYTES // 1000, "size": size // 1000},
                        item=index,
                        limit=BODY_BYTES,
                        actual=size,
                    )
                )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def input_for(self, request: PublishRequest) -> dict:
        values = request.settings
        post = {
            "publicationId": chosen_id(values.get("publication")),
            "title": str(values.get("title") or "").strip(),
            "contentMarkdown": request.text,
        }
        optional = {
            "subtitle": str(values.get("subtitle") or "").strip(),
            # publishPost takes the cover as ``coverImage`` in Hashnode's current schema
            # (``coverImageOptions`` is createDraft's and older clients' shape).
            "coverImage": image_url(values.get("main_image")),
            "originalArticleURL": str(values.get("canonical") or "").strip(),
            "seriesId": chosen_id(values.get("series")),
        }
        post.update({key: value for key, value in optional.items() if value})
        tags = [{"slug": tag_slug(t), "name": t} for t in tag_names(values.get("tags"))]
        if tags:
            post["tags"] = tags
        return post

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        data = self.graphql(
            channel.credentials["token"],
            PUBLISH,
            {"input": self.input_for(request)},
            phase=Phase.COMMIT,
        )
        post = ((data.get("publishPost") or {}).get("post")) or {}
        if not post.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Hashnode answered without naming the post; it may be live.")),
                raw_excerpt=str(data)[:500],
            )
        return PublishResult(ref=self._ref(post), raw={"id": post["id"]})

    @staticmethod
    def _ref(post: dict) -> RemoteRef:
        return RemoteRef(id=str(post["id"]), url=post.get("url") or "")

    def _posts(self, channel: Channel, publication: str) -> list[dict]:
        data = self.graphql(
            channel.credentials["token"],
            POSTS,
            {"id": publication, "first": LOOKUP_PAGE},
            phase=Phase.READ,
        )
        edges = (((data.get("publication") or {}).get("posts")) or {}).get("edges") or []
        return [e["node"] for e in edges if isinstance(e, dict) and e.get("node")]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The publication's newest post with this title and text."""
        wanted = self.input_for(request)
        for post in self._posts(channel, wanted["publicationId"]):
            markdown = (post.get("content") or {}).get("markdown") or ""
            if (post.get("title") or "").strip() == wanted["title"] and same_text(
                markdown, wanted["contentMarkdown"]
            ):
                return self._ref(post)
        return None

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        found = []
        for publication in channel.meta.get("publications") or []:
            found += [self._ref(p) for p in self._posts(channel, publication["id"])]
        return found

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Views, reactions and responses of up to 20 posts in one request (aliases)."""
        ids = [ref.id for ref in refs if re.fullmatch(r"[0-9a-f]{24}", ref.id)]
        if not ids:
            return {}
        fields = " ".join(
            f'p{n}: post(id: "{post_id}") {{ id views reactionCount responseCount }}'
            for n, post_id in enumerate(ids)
        )
        data = self.graphql(channel.credentials["token"], f"query {{ {fields} }}", phase=Phase.READ)
        found = {}
        for n, post_id in enumerate(ids):
            post = data.get(f"p{n}")
            if isinstance(post, dict):
                found[post_id] = Metrics(
                    {
                        "views": post.get("views"),
                        "likes": post.get("reactionCount"),
                        "comments": post.get("responseCount"),
                    }
                )
        return found

    # -- look-up tools ------------------------------------------------------------------
    def publications(self, channel: Channel) -> list[dict]:
        return self._publications(self._me(channel.credentials["token"], Phase.READ))

    def series(self, channel: Channel, *, publication: str) -> list[dict]:
        data = self.graphql(
            channel.credentials["token"], SERIES, {"id": publication.strip()}, phase=Phase.READ
        )
        edges = (((data.get("publication") or {}).get("seriesList")) or {}).get("edges") or []
        return [
            {"id": n["id"], "name": n.get("name") or "", "slug": n.get("slug") or ""}
            for n in (e.get("node") or {} for e in edges)
            if n.get("id")
        ]
