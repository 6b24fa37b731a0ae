"""WordPress: a self-hosted site's REST API (``wp/v2``), WordPress 5.6 or later.

The person gives the site's address, their username and an application password (Users →
Profile → Application Passwords), sent as HTTP Basic on every request. WordPress offers
application passwords only over HTTPS, or on a site that declares itself local
(``WP_ENVIRONMENT_TYPE=local``). Nothing expires; a revoked password shows as a 401.

The REST API's root is discovered from the site itself (its ``Link: <…>;
rel="https://api.w.org/"`` header, else the same link in the page), never assumed: a
site without pretty permalinks answers only at ``/?rest_route=/…``.

A post is one article: the ``title`` setting, the text as its HTML body, the first image
uploaded to the media library as the featured image (further images follow the text),
categories and tags by name or id (new names are created), an excerpt, and a status:
published now, scheduled (``future``, WordPress publishes it at ``date``), a draft, pending
review or private. A canonical URL is sent only to a site whose posts take one through a
meta field it exposes to the REST API (an SEO plugin's); core WordPress has none.

WordPress has no idempotency key, but it can be asked for a post by its slug, drafts
included: every post is sent with a slug ending in a piece of the part's key, and an
unclear answer is settled by asking for that slug before anything is sent again.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.articles import image_url
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
    MediaItem,
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
    Tool,
    json_object,
)
from integrations.providers.base.http import self_hosted_base_url
from organizations.texts import Text

API_REL = "https://api.w.org/"
STATUSES = ("publish", "future", "draft", "pending", "private")
# The post types sent, by their REST route; only posts have categories and tags.
TYPES = ("post", "page")
ROUTES = {"post": "/wp/v2/posts", "page": "/wp/v2/pages"}
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}
# How each image type WordPress takes begins (the file is sniffed, never named).
_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
# What core WordPress takes for images (``get_allowed_mime_types``: jpg, gif, png, webp
# since 5.8); only an image can be a post's featured image.
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
LOOKUP_LIMIT = 15
TERM_PAGES = 10  # 100 a page: up to 1,000 categories or tags are listed
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_BLOCK = re.compile(r"^\s*<(p|h[1-6]|ul|ol|div|figure|blockquote|pre|table|hr|!--)", re.IGNORECASE)
# Application passwords are 24 letters and digits, shown in groups of four.
_FOUR_BY_SIX = r"\b(?:[A-Za-z0-9]{4} ){5}[A-Za-z0-9]{4}\b"


def site_address(value: str) -> str:
    """``blog.example.com`` or ``https://example.com/blog/wp-admin/`` → the site's base
    URL (a site may live under a path)."""
    return self_hosted_base_url(value, r"/(?:wp-admin|wp-login\.php|wp-json|index\.php)\b")


def route_url(root: str, route: str) -> str:
    """The address of a REST route (``/wp/v2/posts``) under a discovered root: appended to
    ``…/wp-json/``, or put in ``rest_route`` when the root is ``…?rest_route=/``."""
    parts = urlsplit(root)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "rest_route" for name, _ in query):
        query = [(n, route if n == "rest_route" else v) for n, v in query]
        return urlunsplit(parts._replace(query=urlencode(query, safe="/")))
    return root.rstrip("/") + route


def api_link(response: requests.Response) -> str:
    """The REST root a WordPress page names: its Link header, else a ``<link>`` tag."""
    for link in requests.utils.parse_header_links(response.headers.get("Link", "")):
        if link.get("rel") == API_REL and link.get("url"):
            return link["url"]
    if "html" not in response.headers.get("Content-Type", ""):
        return ""
    for tag in _LINK_TAG.findall(response.text[:200_000]):
        if API_REL in tag:
            found = re.search(r"href=[\"']([^\"']+)", tag)
            if found:
                return html.unescape(found.group(1))
    return ""


def body_html(text: str) -> str:
    """The composer's text as HTML: kept as it is when it already is HTML, else each
    paragraph (a blank line apart) becomes ``<p>`` with its line breaks kept."""
    text = (text or "").strip()
    if _BLOCK.match(text):
        return text
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.strip().splitlines()) + "</p>"
        for p in paragraphs
    )


def slug_for(request: PublishRequest) -> str:
    """Words of the title (or text), then the first 10 characters of the item's key: the
    slug an unclear answer is settled by (nothing a retry or an edit changes)."""
    words = str(request.settings.get("title") or "") or re.sub(r"<[^>]+>", " ", request.text)
    ascii_words = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_words.lower()).strip("-")[:60].strip("-")
    marker = re.sub(r"[^a-z0-9]", "", request.idempotency_key.lower())[:10]
    return f"{stem}-{marker}" if stem else marker


def term_values(value) -> list[str | int]:
    """A ``categories``/``tags`` setting (a list, or a comma-separated string) as ids
    (numbers) and names, each once."""
    if isinstance(value, str):
        value = value.split(",")
    found: list[str | int] = []
    for raw in value or []:
        if isinstance(raw, dict):
            raw = raw.get("id") or raw.get("value") or raw.get("name") or ""
        if isinstance(raw, int) and not isinstance(raw, bool):
            entry: str | int = raw
        else:
            text = str(raw).strip()
            entry = int(text) if text.isdigit() else text
        if entry and entry not in found:
            found.append(entry)
    return found


def parse_when(value) -> datetime | None:
    """An ISO 8601 time with its offset, or None (a time without a zone is ambiguous)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def upload_name(filename: str, mime_type: str) -> str:
    """A file name WordPress accepts for this type: it decides what a file is by its
    extension, so a name without the type's own one gets it."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", filename or "").strip("-.") or "image"
    extensions = EXTENSIONS.get(mime_type, ())
    if extensions and not name.lower().endswith(extensions):
        name += extensions[0]
    return name


def sniff_image(data: bytes) -> str | None:
    """The type of an image WordPress takes, from its first bytes; None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), None)


# -- errors: {"code", "message", "data": {"status", "params": {name: why}}} ------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    code = str(body.get("code") or "") if body is not None else ""
    message = html.unescape(re.sub(r"<[^>]+>", "", str(body.get("message") or ""))) if body else ""
    data = body.get("data") if body is not None and isinstance(body.get("data"), dict) else {}
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    why = "; ".join(str(v) for v in params.values()) or message
    return Said(
        response.status_code,
        code=code,
        message=" ".join([message, *params.keys()]).strip(),
        network_code=code,
        # A redirect is not a failure here: only the site discovery meets one.
        failed=bool(code) or response.status_code >= 400,
        body=body,
        values={"why": why or f"HTTP {response.status_code}"},
    )


RECONNECT = gettext_noop(
    "WordPress did not accept the username and application password; check them (or make "
    "a new application password) and connect again. WordPress takes application passwords "
    "only over HTTPS (or on a site set up as local)."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        # WordPress 6.1 answers a wrong or revoked application password as "not logged
        # in"; the other codes are those its password check can give.
        Rule(
            ErrorKind.AUTH_REVOKED,
            RECONNECT,
            code=(
                "rest_not_logged_in",
                "incorrect_password",
                "invalid_username",
                "invalid_email",
                "rest_cookie_invalid_nonce",
            ),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "This WordPress user may not upload files ({why}); ask for the Author role or "
                "higher, or post without images."
            ),
            code="rest_cannot_create",
            phase=Phase.UPLOAD,
            field="media",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "This WordPress user may not publish ({why}); choose draft or pending, or ask "
                "for the Author role or higher."
            ),
            code="rest_cannot_publish",
            field="status",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop("This WordPress user may not do this: {why}"),
            code=(
                "rest_cannot_create",
                "rest_cannot_edit",
                "rest_cannot_assign_term",
                "rest_forbidden",
                "rest_forbidden_context",
                "rest_forbidden_status",
                "rest_cannot_view",
            ),
        ),
        # Sideload errors come with a 500, but they are a refusal of the file.
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("WordPress refused the image: {why}"),
            code=(
                "rest_upload_sideload_error",
                "rest_upload_no_data",
                "rest_upload_no_content_type",
                "rest_upload_invalid_disposition",
                "rest_upload_file_too_big",
                "rest_upload_limited_space",
                "rest_upload_user_quota_exceeded",
            ),
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("WordPress rejected the publish time: {why}"),
            code="rest_invalid_param",
            pattern=r"\bdate",
            field="date",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("WordPress rejected the status: {why}"),
            code="rest_invalid_param",
            pattern=r"\bstatus\b",
            field="status",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("WordPress rejected the post: {why}"),
            code=(
                "rest_invalid_param",
                "rest_missing_callback_param",
                "rest_invalid_featured_media",
            ),
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("WordPress already has a category or tag by that name: {why}"),
            code="term_exists",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("WordPress could not find it: {why}"),
            code=("rest_post_invalid_id", "rest_term_invalid", "rest_user_invalid_id"),
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "This WordPress site does not offer what we asked for ({why}); it may be older "
                "than WordPress 5.6 or have the REST API turned off."
            ),
            code="rest_no_route",
        ),
        SERVER_ERROR,
        # A security plugin or firewall in front of the site answers in HTML.
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "The WordPress site's server refused the request (HTTP {status}); a security "
                "plugin or firewall may block the REST API."
            ),
            status=(401, 403),
            code=NO_CODE,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "That address does not answer like a WordPress site's REST API; check it (the "
                "address of the site's home page)."
            ),
            status=(404, 405, 410),
            code=NO_CODE,
        ),
    ),
)


class WordPressProvider(Provider):
    identifier = "wordpress"
    display_name = "WordPress"
    auth_kind = "app-password"
    custom_instance = True
    account_selection = "none"
    reply_mode = "none"
    text_counter = "codepoints"
    # An article's body has no length limit worth checking before WordPress does.
    text_limit = None
    media_rules = MediaRules(
        max_count=10,
        mime_types=IMAGE_TYPES,
        # What a site takes is its PHP's post_max_size (core's REST API does not say it);
        # kept modest, and a refusal beyond it is named on the media (413).
        max_image_bytes=8 * 1024 * 1024,
    )
    idempotency = "none"
    # Asked by the slug carrying the item's key: WordPress answers at once, drafts too.
    lookup = "by-key"
    refresh_ahead = 0
    max_concurrency = 2
    endpoints = {}
    errors = ERRORS
    redact_patterns = (_FOUR_BY_SIX,)
    settings_fields = (
        SettingField(
            "title",
            "string",
            label=gettext_lazy("Title"),
            help_text=gettext_lazy(
                "WordPress allows a post without one, but it then shows as “(no title)”."
            ),
        ),
        SettingField(
            "type",
            "enum",
            label=gettext_lazy("Post type"),
            choices=TYPES,
            default="post",
            help_text=gettext_lazy(
                "post, or page (a page has no categories or tags). Custom post types "
                "are not supported."
            ),
        ),
        SettingField(
            "main_image",
            "url",
            label=gettext_lazy("Featured image address"),
            help_text=gettext_lazy(
                "An image's address, fetched and uploaded to the site's media library "
                "as the featured image when the post carries no image of its own."
            ),
        ),
        SettingField(
            "status",
            "enum",
            label=gettext_lazy("Status"),
            choices=STATUSES,
            default="publish",
            help_text=gettext_lazy(
                "publish: live now; future: WordPress publishes it at date; draft or "
                "pending: kept for review; private: visible to the site's editors only."
            ),
        ),
        SettingField(
            "date",
            "string",
            label=gettext_lazy("Publish at (WordPress schedules)"),
            help_text=gettext_lazy("For status future: an ISO 8601 time with its offset."),
        ),
        SettingField(
            "categories",
            "list",
            label=gettext_lazy("Categories"),
            help_text=gettext_lazy("Names or ids, one a line; new names are created."),
        ),
        SettingField(
            "tags",
            "list",
            label=gettext_lazy("Tags"),
            help_text=gettext_lazy("Names or ids, one a line; new names are created."),
        ),
        SettingField("excerpt", "text", label=gettext_lazy("Excerpt")),
        SettingField(
            "canonical_url",
            "url",
            label=gettext_lazy("Canonical URL"),
            help_text=gettext_lazy(
                "Only for sites whose SEO plugin exposes a canonical field to the "
                "REST API; core WordPress has none."
            ),
        ),
    )
    tools = (
        Tool("categories", gettext_lazy("The site's categories: id, name, slug and post count.")),
        Tool("tags", gettext_lazy("The site's tags: id, name, slug and post count.")),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "url",
                gettext_lazy("WordPress site"),
                type="url",
                help_text=gettext_lazy(
                    "The address of the site's home page, e.g. https://blog.example.com"
                ),
            ),
            CredentialField(
                "username",
                gettext_lazy("Username"),
                help_text=gettext_lazy("The name you log in with."),
            ),
            CredentialField(
                "app_password",
                gettext_lazy("Application password"),
                type="secret",
                help_text=gettext_lazy(
                    "Users → Profile → Application Passwords → Add New (not your login password)."
                ),
            ),
        ]

    def check_instance(self, instance_url: str) -> str:
        address = site_address(instance_url)
        if not address:
            raise ProviderError(
                ErrorKind.NOT_FOUND,
                Text(
                    gettext_noop(
                        "Enter the address of your WordPress site, e.g. https://blog.example.com."
                    )
                ),
                field="url",
            )
        return address

    def _auth(self, credentials: dict) -> tuple[str, str]:
        return (credentials["username"], credentials["app_password"])

    def discover(self, address: str) -> str:
        """The REST root the site names (following up to three redirects, each address
        checked by the guard), else ``/wp-json/`` or ``/?rest_route=/`` if one answers."""
        url = address + "/"
        for _attempt in range(4):
            response = self.request("GET", url, phase=Phase.AUTH)
            if response.is_redirect and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            found = urljoin(url, api_link(response) or "")
            # The password goes wherever the root is: only to the site's own host.
            if api_link(response) and urlsplit(found).hostname == urlsplit(url).hostname:
                return found
            break
        for root in (address + "/wp-json/", address + "/?rest_route=/"):
            try:
                response = self.request("GET", root, phase=Phase.AUTH)
            except ProviderError:
                continue
            index = json_object(response, None) or {}
            if "wp/v2" in (index.get("namespaces") or []):
                return root
        raise ProviderError(
            ErrorKind.NOT_FOUND,
            Text(
                gettext_noop(
                    "That address does not answer like a WordPress site (no REST API found); check "
                    "it, and that the REST API is not turned off."
                )
            ),
            field="url",
            network_code="no_rest_api",
        )

    def _call(
        self,
        root: str,
        credentials: dict,
        method: str,
        route: str,
        phase: Phase = Phase.READ,
        **kwargs,
    ) -> requests.Response:
        return self.request(
            method, route_url(root, route), phase=phase, auth=self._auth(credentials), **kwargs
        )

    def _get(self, root: str, credentials: dict, route: str, phase=Phase.READ, **params):
        response = self._call(root, credentials, "GET", route, phase, params=params)
        return response.json() if response.content else {}

    def authenticate(self, fields: dict) -> Grant:
        address = self.check_instance(fields.get("url", ""))
        username = (fields.get("username") or "").strip()
        password = (fields.get("app_password") or "").strip()
        if not username or not password:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(gettext_noop("Enter your WordPress username and an application password.")),
                field="app_password" if username else "username",
            )
        credentials = {"username": username, "app_password": password}
        root = self.discover(address)
        return Grant(credentials=credentials, meta=self._facts(address, root, credentials))

    def _facts(self, address: str, root: str, credentials: dict) -> dict:
        """Who the password belongs to, what they may do, and the site's name and fields."""
        me = self._get(root, credentials, "/wp/v2/users/me", Phase.AUTH, context="edit")
        caps = me.get("capabilities") or {}
        if not caps.get("edit_posts"):
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop(
                        "This WordPress user may not write posts; connect a user with the "
                        "Contributor role or higher."
                    )
                ),
                field="username",
                network_code="no_edit_posts",
            )
        site = self._get(root, credentials, "/", _fields="name,description,url,home,site_icon_url")
        schema = self._call(root, credentials, "OPTIONS", "/wp/v2/posts").json()
        meta_fields = (
            ((schema.get("schema") or {}).get("properties") or {}).get("meta") or {}
        ).get("properties") or {}
        return {
            "url": address,
            "rest_root": root,
            "home": site_address(str(site.get("home") or "")) or address,
            "site_name": html.unescape(str(site.get("name") or "")),
            "site_icon": str(site.get("site_icon_url") or ""),
            "user_id": me.get("id"),
            "user_name": str(me.get("name") or me.get("username") or ""),
            "user_slug": str(me.get("slug") or ""),
            "avatar": str(((me.get("avatar_urls") or {}).get("96")) or ""),
            "can_publish": bool(caps.get("publish_posts")),
            "can_upload": bool(caps.get("upload_files")),
            # A meta field for the canonical URL, if the site exposes one (an SEO plugin
            # registering it for the REST API): core WordPress has none.
            "canonical_meta": next(
                (name for name in meta_fields if "canonical" in str(name).lower()), ""
            ),
        }

    def accounts(self, grant: Grant) -> list[Account]:
        meta = grant.meta
        home = meta.get("home") or meta["url"]
        parts = urlsplit(home)
        return [
            Account(
                external_id=f"{home}#{meta.get('user_id')}",
                name=meta.get("site_name") or parts.netloc,
                username=f"{meta.get('user_slug') or grant.credentials['username']}@"
                f"{(parts.netloc + parts.path).rstrip('/')}",
                profile_url=home,
                avatar_url=meta.get("site_icon") or meta.get("avatar") or "",
                kind="site",
                meta=dict(meta),
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        address = channel.meta["url"]
        root = channel.meta.get("rest_root") or self.discover(address)
        facts = self._facts(address, root, channel.credentials)
        return self.accounts(Grant(credentials=channel.credentials, meta=facts))[0]

    def check_refreshes(self, channel: Channel) -> bool:
        return False

    def refresh(self, channel: Channel) -> Grant:
        # An application password does not expire: a refused one was revoked.
        raise ProviderError(ErrorKind.AUTH_REVOKED, Text(RECONNECT))

    # -- validation ---------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        values = draft.settings
        if not str(values.get("title") or "").strip():
            issues.append(
                Issue(
                    "setting_required",
                    _("The post has no title; WordPress will show it as “(no title)”."),
                    "title",
                    severity="warning",
                )
            )
        status = values.get("status") or "publish"
        when = values.get("date")
        if status == "future":
            if not when:
                issues.append(
                    Issue(
                        "setting_required",
                        _(
                            "A scheduled WordPress post needs the time WordPress publishes it "
                            "(date)."
                        ),
                        "date",
                    )
                )
            elif parse_when(when) is None:
                issues.append(
                    Issue(
                        "setting_invalid",
                        _(
                            "date must be an ISO 8601 time with its offset, e.g. "
                            "2027-01-05T09:00:00+01:00."
                        ),
                        "date",
                    )
                )
            elif parse_when(when) <= datetime.now(UTC):
                issues.append(
                    Issue(
                        "setting_invalid",
                        _("date is in the past: WordPress publishes the post at once."),
                        "date",
                        severity="warning",
                    )
                )
        elif when:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("date is only used when the status is future."),
                    "date",
                    severity="warning",
                )
            )
        meta = channel.meta if channel is not None else {}
        if status in ("publish", "future", "private") and meta.get("can_publish") is False:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "This WordPress user may not publish (a Contributor); choose draft or "
                        "pending, or connect a user with the Author role or higher."
                    ),
                    "status",
                )
            )
        has_media = any(item.media for item in draft.items)
        if has_media and meta.get("can_upload") is False:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "This WordPress user may not upload images (a Contributor); post without "
                        "images or connect a user with the Author role or higher."
                    ),
                    "media",
                )
            )
        url = values.get("canonical_url")
        if url:
            if not re.match(r"^https?://\S+$", str(url)):
                issues.append(
                    Issue(
                        "setting_invalid",
                        _("The canonical URL must be a web address."),
                        "canonical_url",
                    )
                )
            elif channel is not None and not meta.get("canonical_meta"):
                issues.append(
                    Issue(
                        "setting_invalid",
                        _(
                            "This WordPress site takes no canonical URL through its REST API "
                            "(core WordPress has none; an SEO plugin must expose one). Remove it, "
                            "or set it on the site."
                        ),
                        "canonical_url",
                    )
                )
        for name in ("categories", "tags"):
            value = values.get(name)
            if value is not None and not isinstance(value, list | str):
                issues.append(
                    Issue("setting_invalid", _("%(name)s must be a list.") % {"name": name}, name)
                )
            elif value and values.get("type") == "page":
                message = (
                    _("A WordPress page has no categories.")
                    if name == "categories"
                    else _("A WordPress page has no tags.")
                )
                issues.append(Issue("setting_invalid", message, name))
        main = image_url(values.get("main_image"))
        if main and not re.match(r"^https?://\S+$", main):
            issues.append(
                Issue(
                    "setting_invalid",
                    _("The featured image must be given by its web address."),
                    "main_image",
                )
            )
        if draft.items and draft.items[0].media and not draft.items[0].text.strip():
            # Files alone pass the shared check, but they make no article body.
            issues.append(Issue("text_required", _("Write the article's text.")))
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        root = channel.meta["rest_root"]
        creds = channel.credentials
        values = request.settings
        images = self._upload_images(root, creds, request)
        status = values.get("status") or "publish"
        kind = values.get("type") or "post"
        post: dict = {
            "title": str(values.get("title") or "").strip(),
            "content": body_html(request.text)
            + "".join(_figure(url, alt) for _, url, alt in images[1:]),
            "status": status,
            # Kept with the item's progress (saved before the post is sent), so the post
            # is looked for under the slug it went with even if its title is edited since.
            "slug": request.progress.setdefault("wordpress_slug", slug_for(request)),
        }
        if images:
            post["featured_media"] = images[0][0]
        for name, route in (("categories", "/wp/v2/categories"), ("tags", "/wp/v2/tags")):
            ids = self._term_ids(root, creds, request, name, route) if kind == "post" else []
            if ids:
                post[name] = ids
        if values.get("excerpt"):
            post["excerpt"] = str(values["excerpt"])
        if status == "future":
            when = parse_when(values.get("date"))
            post["date_gmt"] = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        canonical = channel.meta.get("canonical_meta")
        if values.get("canonical_url") and canonical:
            post["meta"] = {canonical: values["canonical_url"]}
        response = self._call(root, creds, "POST", ROUTES[kind], Phase.COMMIT, json=post)
        created = self.read_json(response, Phase.COMMIT)
        if not created.get("id"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("WordPress answered without the post's id; it may be live.")),
                network_code=str(response.status_code),
            )
        return PublishResult(ref=self._ref(created), raw={"post": _kept(created)})

    def _upload_images(self, root: str, creds: dict, request: PublishRequest) -> list:
        """Every image uploaded once to the media library (kept in progress), as
        (attachment id, URL, alt text) in order."""
        done: list = request.progress.setdefault("wordpress_media", [])
        media = list(request.media)
        if not media and image_url(request.settings.get("main_image")) and not done:
            media = [self._fetch_image(image_url(request.settings["main_image"]))]
        for index, item in enumerate(media):
            if index < len(done):
                continue
            name = upload_name(item.filename, item.mime_type)
            params = {"alt_text": item.alt_text} if item.alt_text else {}
            response = self._call(
                root,
                creds,
                "POST",
                "/wp/v2/media",
                Phase.UPLOAD,
                params=params,
                data=item.read(),
                headers={
                    "Content-Type": item.mime_type,
                    "Content-Disposition": f'attachment; filename="{name}"',
                },
                timeout=self.upload_timeout,
            )
            media = self.read_json(response, Phase.UPLOAD)
            if not media.get("id"):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(gettext_noop("WordPress answered the upload without its id.")),
                )
            done.append([media["id"], media.get("source_url") or "", item.alt_text])
            request.save_progress()
        return done

    def _fetch_image(self, url: str) -> MediaItem:
        """The featured image given by its address, read once and checked (sniffed, not
        taken from its name) before it is uploaded to the site."""
        limit = self.media_rules.max_image_bytes
        try:
            data = self.request("GET", url, phase=Phase.UPLOAD, timeout=self.upload_timeout).content
        except ProviderError as error:
            if error.kind in (ErrorKind.TRANSIENT_BEFORE_SEND, ErrorKind.RATE_LIMITED):
                raise
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "We could not fetch the featured image from its address (it answered "
                        "%(answer)s); check the address."
                    ),
                    answer=error.network_code or error.kind,
                ),
                field="main_image",
                network_code=error.network_code,
            ) from error
        mime = sniff_image(data)
        if mime is None or len(data) > limit:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "The featured image address must give a JPEG, PNG, GIF or WebP image of "
                        "at most %(size)s MB."
                    ),
                    size=limit // (1024 * 1024),
                ),
                field="main_image",
            )
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "image"
        return MediaItem(mime, len(data), lambda: data, name)

    def _term_ids(
        self, root: str, creds: dict, request: PublishRequest, name: str, route: str
    ) -> list[int]:
        """The setting's categories or tags as ids: ids as given, names found among the
        site's terms or created (kept in progress, so a retry creates none again)."""
        wanted = term_values(request.settings.get(name))
        if not wanted:
            return []
        known: dict = request.progress.setdefault("wordpress_terms", {}).setdefault(name, {})
        ids: list[int] = []
        for entry in wanted:
            if isinstance(entry, int):
                ids.append(entry)
                continue
            if entry not in known:
                known[entry] = self._find_or_create_term(root, creds, route, entry)
                request.save_progress()
            if known[entry] not in ids:
                ids.append(known[entry])
        return ids

    def _find_or_create_term(self, root: str, creds: dict, route: str, name: str) -> int:
        found = self._get(root, creds, route, search=name, per_page="100", _fields="id,name")
        for term in found if isinstance(found, list) else []:
            if html.unescape(str(term.get("name") or "")).casefold() == name.casefold():
                return int(term["id"])
        try:
            response = self._call(root, creds, "POST", route, Phase.UPLOAD, json={"name": name})
        except ProviderError as error:
            # Found under a name the search missed (WordPress compares names its own way).
            existing = _term_exists(error)
            if existing is None:
                raise
            return existing
        return int(self.read_json(response, Phase.UPLOAD)["id"])

    def _ref(self, post: dict) -> RemoteRef:
        return RemoteRef(
            id=str(post["id"]),
            url=post.get("link") or "",
            extra={"status": post.get("status") or "", "slug": post.get("slug") or ""},
        )

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"[?&]p=(\d+)", remote_id) or re.fullmatch(r"\s*(\d+)\s*", remote_id)
        if not match:
            return RemoteRef(id=remote_id.strip())
        # WordPress sends ?p=<id> on to the post's permalink, whatever the permalinks.
        home = channel.meta.get("home") or channel.meta.get("url") or ""
        return RemoteRef(id=match.group(1), url=f"{home}/?p={match.group(1)}" if home else "")

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        posts = self._get(
            channel.meta["rest_root"],
            channel.credentials,
            "/wp/v2/posts",
            status="any",
            context="edit",
            per_page=str(LOOKUP_LIMIT),
            _fields="id,link,status,slug",
        )
        return [self._ref(p) for p in posts if isinstance(p, dict) and p.get("id")]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The post sent with this item's slug, whatever its status (drafts and scheduled
        posts are listed too); None when the site has none."""
        posts = self._get(
            channel.meta["rest_root"],
            channel.credentials,
            ROUTES.get(request.settings.get("type") or "post", ROUTES["post"]),
            slug=request.progress.get("wordpress_slug") or slug_for(request),
            status="any",
            context="edit",
            _fields="id,link,status,slug",
        )
        for post in posts if isinstance(posts, list) else []:
            if isinstance(post, dict) and post.get("id"):
                return self._ref(post)
        return None

    # -- look-up tools ------------------------------------------------------------------
    def _terms(self, channel: Channel, route: str) -> list[dict]:
        found: list[dict] = []
        for page in range(1, TERM_PAGES + 1):
            response = self._call(
                channel.meta["rest_root"],
                channel.credentials,
                "GET",
                route,
                params={
                    "per_page": "100",
                    "page": str(page),
                    "orderby": "name",
                    "_fields": "id,name,slug,count",
                },
            )
            batch = response.json()
            found += [
                {
                    "id": str(t["id"]),
                    "name": html.unescape(str(t.get("name") or "")),
                    "slug": t.get("slug") or "",
                    "count": t.get("count") or 0,
                }
                for t in batch
                if isinstance(t, dict) and t.get("id")
            ]
            if page >= int(response.headers.get("X-WP-TotalPages") or 1):
                break
        return found

    def categories(self, channel: Channel) -> list[dict]:
        return self._terms(channel, "/wp/v2/categories")

    def tags(self, channel: Channel) -> list[dict]:
        return self._terms(channel, "/wp/v2/tags")


def _term_exists(error: ProviderError) -> int | None:
    if error.network_code != "term_exists":
        return None
    try:
        data = json.loads(error.raw_excerpt).get("data") or {}
        return int(data["term_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _figure(url: str, alt: str) -> str:
    return (
        f'<figure class="wp-block-image"><img src="{html.escape(url)}" '
        f'alt="{html.escape(alt or "")}"></figure>'
    )


def _kept(post: dict) -> dict:
    return {k: post.get(k) for k in ("id", "slug", "link", "status", "date_gmt")}
