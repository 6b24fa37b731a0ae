"""LinkedIn: a member's own feed (linkedin) and the pages they administer (linkedin-page).

Both use the versioned REST API (``/rest/posts``, ``/rest/images``, ``/rest/videos``); every
REST call carries ``LinkedIn-Version`` (there is no fallback to a default version) and the
Rest.li 2.0 header.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
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
    json_object,
)
from organizations.texts import Text

MB = 1024 * 1024
# The Videos API's "Video File Size Specifications": MP4 between 75 KB and 500 MB (its
# initializeUpload schema mentions 5 GB, but the published specification is the stricter
# one, and a file past it fails in processing after the whole upload).
VIDEO_MIN_BYTES = 75 * 1000
VIDEO_MAX_BYTES = 500 * 1000 * 1000
# The Marketing API version this module was written against (YYYYMM). LinkedIn supports each
# version for about a year, then answers 426; bump it after checking the migration notes.
LINKEDIN_VERSION = "202605"
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Characters LinkedIn's "little" text format reserves; unescaped, LinkedIn silently cuts
# the post at the first one. '#' stays bare before a word so hashtags keep working.
_RESERVED = re.compile(r"[\\|{}@\[\]()<>*_~]|#(?!\w)")


def escape_little(text: str) -> str:
    """Backslash-escape little-format reserved characters, leaving links intact."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(_RESERVED.sub(lambda m: "\\" + m.group(0), text[last : match.start()]))
        parts.append(match.group(0))
        last = match.end()
    parts.append(_RESERVED.sub(lambda m: "\\" + m.group(0), text[last:]))
    return "".join(parts)


def normalise(text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", text or "")
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


# A post's (or a day's) totalShareStatistics, and what each counts here; ``engagement`` is
# a rate, not a count, and is not kept.
SHARE_STATISTICS = {
    "impressionCount": "impressions",
    "uniqueImpressionsCount": "reach",
    "clickCount": "clicks",
    "likeCount": "likes",
    "commentCount": "comments",
    "shareCount": "shares",
}
ANALYTICS_SCOPES = ("rw_organization_admin", "r_organization_social")
# Share statistics cover a rolling 12 months; an older start is refused.
STATISTICS_DAYS = 365


def _share_metrics(stats: dict) -> Metrics:
    return Metrics({name: stats.get(key) for key, name in SHARE_STATISTICS.items()})


def _epoch_ms(day: date) -> int:
    """Midnight UTC of ``day`` in milliseconds, as LinkedIn's time ranges take it."""
    return int(datetime.combine(day, time(0), tzinfo=UTC).timestamp()) * 1000


def _next_midnight_utc() -> float:
    now = datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - now).total_seconds()


# -- errors: {"status", "serviceErrorCode", "code", "message"}; the token endpoint's OAuth
# {"error", "error_description"} --------------------------------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    data = body or {}
    code = data.get("code") or data.get("serviceErrorCode") or data.get("error") or ""
    message = data.get("message") or data.get("error_description") or ""
    return Said(
        response.status_code,
        code=str(code),
        message=str(message),
        body=body,
        values={"version": LINKEDIN_VERSION},
    )


SIGN_IN = (400, 401)
VERSION_RETIRED = gettext_noop(
    "LinkedIn no longer accepts API version {version}; the server administrator must update "
    "Postiz. Nothing was posted."
)
ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "LinkedIn refused this server's app credentials; ask the administrator to check "
                "LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET."
            ),
            phase=Phase.AUTH,
            status=SIGN_IN,
            code="invalid_client",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("{name} no longer accepts this sign-in; reconnect."),
            phase=Phase.AUTH,
            status=SIGN_IN,
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("{name} access was revoked; reconnect the channel."),
            status=401,
            code="REVOKED_ACCESS_TOKEN",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("{name} refused our sign-in: {message}"),
            status=401,
        ),
        Rule(ErrorKind.PERMISSION_DENIED, VERSION_RETIRED, status=426),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "{name} does not allow this for the connected account: {message|missing "
                "permission}. Reconnect and allow posting, or check your role on the page."
            ),
            status=403,
        ),
        # LinkedIn's quotas are daily and reset at midnight UTC.
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("{name}'s daily limit was reached; we will try again after midnight UTC."),
            status=429,
            retry_after=lambda response, said: _next_midnight_utc(),
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("{name} could not find the target: {message}"),
            status=404,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("{name} rejected the post: {message|invalid}"),
            status=(400, 409, 422),
        ),
    ),
)


class LinkedInProvider(Provider):
    identifier = "linkedin"
    display_name = "LinkedIn"
    network_name = "LinkedIn"
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "comment"
    text_counter = "codepoints"
    text_limit = 3000
    # Up to 20 images, or one MP4 video on its own; document (PDF) posts are not offered.
    media_rules = MediaRules(
        max_count=20,
        mime_types=("image/jpeg", "image/png", "image/gif", "video/mp4"),
        max_image_bytes=10 * MB,
        max_video_bytes=VIDEO_MAX_BYTES,
        video_alone=True,
        # LinkedIn's video specifications: 3 s to 30 min, 1:2.4 to 2.4:1.
        min_video_seconds=3,
        max_video_seconds=30 * 60,
        video_ratio=(1 / 2.4, 2.4),
    )
    idempotency = "none"
    lookup = "by-content"
    # Tokens last 60 days; only approved partners get refresh tokens, so nothing is
    # refreshed ahead of time and the lifecycle job reminds people to reconnect.
    refresh_ahead = 0
    max_concurrency = 2
    scopes = ("openid", "profile", "w_member_social")
    # LinkedIn does not extend a refresh token's life; it may omit it, and the caller then
    # keeps the one it has.
    oauth = OAuth2(
        client=("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET"),
        write_scope="w_member_social",
        reconnect_message=gettext_noop(
            "LinkedIn sign-ins last 60 days and cannot be renewed; reconnect this channel."
        ),
    )
    required_settings = ("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": "https://www.linkedin.com/oauth/v2/authorization",
        "token": "https://www.linkedin.com/oauth/v2/accessToken",
        "api": "https://api.linkedin.com",
    }
    settings_fields = (
        SettingField(
            "post_as_images_carousel",
            "bool",
            label=gettext_lazy("Post images as a carousel"),
            help_text=gettext_lazy("Images become one swipeable document post."),
        ),
        SettingField(
            "carousel_name", "string", label=gettext_lazy("Carousel title"), max_length=200
        ),
        SettingField(
            "video_title",
            "string",
            label=gettext_lazy("Video title"),
            help_text=gettext_lazy("Shown with a video post; leave empty for none."),
        ),
    )
    api_version = LINKEDIN_VERSION
    lookup_count = 20
    # Video processing after finalizeUpload: poll GET /rest/videos/{urn} at most this many
    # times, this many seconds apart; then give up for now (the retry only polls again).
    video_poll_attempts = 60
    video_poll_interval = 5.0

    # -- connecting -----------------------------------------------------------------------
    def _userinfo(self, access_token: str) -> Account:
        response = self.request(
            "GET",
            self.url("api", "/v2/userinfo"),
            phase=Phase.READ,
            headers=self.bearer(access_token),
        )
        info = self.read_json(response, Phase.READ)
        sub = str(info.get("sub") or "")
        name = info.get("name") or " ".join(
            p for p in (info.get("given_name"), info.get("family_name")) if p
        )
        return Account(
            external_id=sub,
            name=name or sub,
            avatar_url=info.get("picture") or "",
            kind="account",
            meta={"urn": f"urn:li:person:{sub}"},
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [self._userinfo(grant.credentials["access_token"])]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._userinfo(channel.credentials["access_token"])

    def author_urn(self, channel: Channel) -> str:
        return channel.meta.get("urn") or f"urn:li:person:{channel.external_id}"

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        first = draft.items[0].media if draft.items else []
        if draft.settings.get("post_as_images_carousel") is True and first:
            issues.append(
                Issue(
                    "setting_invalid",
                    _(
                        "Document carousels are not available on this server yet; the images will "
                        "be posted as a multi-image post."
                    ),
                    "post_as_images_carousel",
                    severity="warning",
                )
            )
        for file in first:
            if file.is_video and file.size < VIDEO_MIN_BYTES:
                issues.append(
                    Issue(
                        "media_size",
                        _(
                            "%(file)s is too small for a LinkedIn video (%(size)s KB); LinkedIn "
                            "needs at least 75 KB."
                        )
                        % {"file": file.filename, "size": f"{file.size / 1000:.0f}"},
                        "media",
                        limit=VIDEO_MIN_BYTES,
                        actual=file.size,
                    )
                )
        for index, item in enumerate(draft.items[1:], start=1):
            if item.media:
                issues.append(
                    Issue(
                        "media_count",
                        _("LinkedIn comments cannot carry media; keep files on the first post."),
                        "media",
                        item=index,
                    )
                )
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        parent = request.root or request.reply_to
        if parent is not None:
            return self._comment(channel, request, parent)
        author = self.author_urn(channel)
        video = next((item for item in request.media if item.is_video), None)
        images = [] if video else self._upload_images(channel, request, author)
        body: dict = {
            "author": author,
            "commentary": escape_little(request.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        if video is not None:
            media = {"id": self._upload_video(channel, request, author, video)}
            title = str(request.settings.get("video_title") or "").strip()
            if title:
                media["title"] = title
            body["content"] = {"media": media}
        elif len(images) == 1:
            body["content"] = {"media": images[0]}
        elif images:
            body["content"] = {"multiImage": {"images": images}}
        response = self._api(channel, "POST", "/rest/posts", Phase.COMMIT, json=body)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "LinkedIn accepted the post but did not say which post it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=self._ref(urn), raw={"x-restli-id": urn})

    def _comment(self, channel: Channel, request: PublishRequest, parent: RemoteRef):
        actor = self.author_urn(channel)
        body = {
            "actor": actor,
            "object": parent.id,
            "message": {"text": escape_little(request.text)},
        }
        response = self._api(
            channel,
            "POST",
            f"/rest/socialActions/{quote(parent.id, safe='')}/comments",
            Phase.COMMIT,
            json=body,
        )
        urn = response.headers.get("x-restli-id", "")
        data = json_object(response)
        urn = data.get("commentUrn") or urn or str(data.get("id") or "")
        if not urn:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "LinkedIn accepted the comment but did not say which comment it created."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(
            ref=RemoteRef(id=urn, url=self._ref(parent.id).url, extra={"object": parent.id}),
        )

    def _upload_images(self, channel: Channel, request: PublishRequest, owner: str) -> list[dict]:
        """initializeUpload → PUT the bytes; image URNs go into progress before the commit."""
        done: list = request.progress.setdefault("images", [])
        token = channel.credentials["access_token"]
        for index, item in enumerate(request.media):
            if index < len(done):
                continue
            response = self._api(
                channel,
                "POST",
                "/rest/images",
                Phase.UPLOAD,
                params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": owner}},
            )
            value = self.read_json(response, Phase.UPLOAD).get("value") or {}
            upload_url, urn = value.get("uploadUrl"), value.get("image")
            if not upload_url or not urn:
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(gettext_noop("LinkedIn did not give us a place to upload the image.")),
                    raw_excerpt=response.text,
                )
            with item.open() as stream:
                self.request(
                    "PUT",
                    upload_url,
                    phase=Phase.UPLOAD,
                    timeout=self.upload_timeout,
                    data=stream,
                    headers={
                        **self.bearer(token),
                        "Content-Type": "application/octet-stream",
                    },
                )
            done.append(urn)
        return [
            {"id": urn, **({"altText": item.alt_text[:4086]} if item.alt_text else {})}
            for urn, item in zip(done, request.media, strict=False)
        ]

    def _upload_video(
        self, channel: Channel, request: PublishRequest, owner: str, item: MediaItem
    ) -> str:
        """initializeUpload → PUT each byte range → finalizeUpload → wait until AVAILABLE.

        Every step is recorded in ``progress["video"]`` as soon as it is known (the URN, the
        upload instructions, each part's ETag, then finalized and available), so a retry
        resumes where the last attempt stopped and never uploads a finished video again."""
        state: dict = request.progress.get("video") or {}
        if state.get("size") not in (None, item.size):
            state = {}  # a different file than the one this progress describes
        request.progress["video"] = state
        if state.get("available") and state.get("urn"):
            return state["urn"]
        if not state.get("finalized"):
            if not state.get("urn"):
                self._initialize_video(channel, state, owner, item.size)
                state["size"] = item.size
            self._upload_parts(state, item)
            self._api(
                channel,
                "POST",
                "/rest/videos",
                Phase.UPLOAD,
                params={"action": "finalizeUpload"},
                json={
                    "finalizeUploadRequest": {
                        "video": state["urn"],
                        "uploadToken": state.get("upload_token", ""),
                        "uploadedPartIds": list(state["etags"]),
                    }
                },
            )
            state["finalized"] = True
        self._wait_for_video(channel, request, state["urn"])
        state["available"] = True
        return state["urn"]

    def _initialize_video(self, channel: Channel, state: dict, owner: str, size: int) -> None:
        response = self._api(
            channel,
            "POST",
            "/rest/videos",
            Phase.UPLOAD,
            params={"action": "initializeUpload"},
            json={
                "initializeUploadRequest": {
                    "owner": owner,
                    "fileSizeBytes": size,
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
        )
        value = self.read_json(response, Phase.UPLOAD).get("value") or {}
        parts = []
        for instruction in value.get("uploadInstructions") or []:
            try:
                first, last = int(instruction["firstByte"]), int(instruction["lastByte"])
                url = str(instruction["uploadUrl"])
            except (KeyError, TypeError, ValueError):
                parts = []
                break
            parts.append({"url": url, "first": first, "last": last})
        # The ranges must cover the file exactly, in order, or the finalize would fail.
        expected = 0
        for part in parts:
            if part["first"] != expected or part["last"] < part["first"]:
                break
            expected = part["last"] + 1
        if not value.get("video") or not parts or expected != size:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "LinkedIn did not give us usable instructions to upload the video."
                    )
                ),
                raw_excerpt=response.text,
            )
        state.update(
            urn=str(value["video"]),
            upload_token=str(value.get("uploadToken") or ""),
            parts=parts,
            etags=[],
        )

    def _upload_parts(self, state: dict, item: MediaItem) -> None:
        """PUT each remaining byte range, read from the stored file one part at a time (a
        video is never in memory whole); its ETag is kept, in order, for finalizeUpload."""
        etags: list = state.setdefault("etags", [])
        for part in state["parts"][len(etags) :]:
            # The upload URL is pre-signed by LinkedIn; it needs no token.
            response = self.request(
                "PUT",
                part["url"],
                phase=Phase.UPLOAD,
                timeout=self.upload_timeout,
                data=item.read_range(part["first"], part["last"] - part["first"] + 1),
                headers={"Content-Type": "application/octet-stream"},
            )
            etag = response.headers.get("ETag", "")
            if not etag:
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(
                        gettext_noop(
                            "LinkedIn did not confirm a part of the video upload; we will try "
                            "again."
                        )
                    ),
                    raw_excerpt=response.text,
                )
            etags.append(etag)

    def _wait_for_video(self, channel: Channel, request: PublishRequest, urn: str) -> None:
        """Poll the video until LinkedIn has processed it; bounded, then try again later."""

        def available() -> bool:
            response = self._api(
                channel, "GET", f"/rest/videos/{quote(urn, safe='')}", Phase.UPLOAD
            )
            status = self.read_json(response, Phase.UPLOAD).get("status")
            if status == "PROCESSING_FAILED":
                # This upload is dead; an edited post starts a new one.
                request.progress.pop("video", None)
                raise ProviderError(
                    ErrorKind.CONTENT_REJECTED,
                    Text(
                        gettext_noop(
                            "LinkedIn could not process the video. Check that it is an MP4 "
                            "(H.264) between 3 seconds and 30 minutes long, then try again or "
                            "choose another file."
                        )
                    ),
                    network_code="PROCESSING_FAILED",
                    raw_excerpt=response.text,
                    field="media",
                )
            return status == "AVAILABLE"

        if self.poll(
            available, attempts=self.video_poll_attempts, interval=self.video_poll_interval
        ):
            return
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(
                gettext_noop("LinkedIn is still processing the video; we will try again shortly.")
            ),
            retry_after=60,
            network_code="video_processing",
        )

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        if request.root or request.reply_to:
            return None  # comments are not looked up; the engine asks the person to check
        response = self._api(
            channel,
            "GET",
            "/rest/posts",
            Phase.READ,
            params={
                "q": "author",
                "author": self.author_urn(channel),
                "count": self.lookup_count,
                "sortBy": "LAST_MODIFIED",
            },
        )
        wanted = normalise(request.text)
        for post in self.read_json(response, Phase.READ).get("elements") or []:
            if normalise(post.get("commentary", "")) == wanted and post.get("id"):
                return self._ref(post["id"])
        return None

    @staticmethod
    def _ref(urn: str) -> RemoteRef:
        return RemoteRef(id=urn, url=f"https://www.linkedin.com/feed/update/{urn}")

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"urn:li:(?:share|ugcPost|activity):\d+", remote_id)
        return self._ref(match.group(0)) if match else RemoteRef(id=remote_id)

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        response = self._api(
            channel,
            "GET",
            "/rest/posts",
            Phase.READ,
            params={
                "q": "author",
                "author": self.author_urn(channel),
                "count": self.lookup_count,
                "sortBy": "LAST_MODIFIED",
            },
        )
        return [
            self._ref(post["id"])
            for post in self.read_json(response, Phase.READ).get("elements") or []
            if isinstance(post, dict) and post.get("id")
        ]

    # -- HTTP -----------------------------------------------------------------------------
    def rest_headers(self, token: str) -> dict:
        return {
            **self.bearer(token),
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _api(self, channel: Channel, method: str, path: str, phase: Phase, **kwargs):
        headers = {**self.rest_headers(channel.credentials["access_token"])}
        headers.update(kwargs.pop("headers", {}))
        try:
            return self.request(
                method, self.url("api", path), phase=phase, headers=headers, **kwargs
            )
        except ProviderError as error:
            # Without a refresh token an expired sign-in cannot be renewed.
            if error.kind == ErrorKind.AUTH_EXPIRED and not channel.credentials.get(
                "refresh_token"
            ):
                error.kind = ErrorKind.AUTH_REVOKED
                error.text = Text(
                    gettext_noop(
                        "LinkedIn no longer accepts this sign-in (it lasts 60 days); reconnect "
                        "the channel."
                    )
                )
                error.user_message = str(error.text)
                error.args = (error.user_message,)
            raise


class LinkedInPageProvider(LinkedInProvider):
    identifier = "linkedin-page"
    display_name = "LinkedIn Page"
    account_selection = "pages"
    scopes = (
        "openid",
        "profile",
        "w_member_social",
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
    )
    oauth = replace(LinkedInProvider.oauth, write_scope="w_organization_social")
    tools = (
        Tool(
            "companies",
            gettext_lazy(
                "The LinkedIn Pages (organizations) this member administers: id, name, vanity "
                "name and address."
            ),
        ),
    )

    def accounts(self, grant: Grant) -> list[Account]:
        """One account per organization the member administers (approved role)."""
        channel = Channel(external_id="", credentials=grant.credentials)
        response = self._api(
            channel,
            "GET",
            "/rest/organizationAcls",
            Phase.READ,
            params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"},
        )
        ids = []
        for acl in self.read_json(response, Phase.READ).get("elements") or []:
            urn = acl.get("organization") or acl.get("organizationalTarget") or ""
            org_id = urn.rsplit(":", 1)[-1]
            if org_id and org_id not in ids:
                ids.append(org_id)
        if not ids:
            return []
        # Rest.li 2.0 batch syntax; the list must not be percent-encoded.
        response = self._api(
            channel, "GET", f"/rest/organizations?ids=List({','.join(ids)})", Phase.READ
        )
        results = self.read_json(response, Phase.READ).get("results") or {}
        return [self._account(org_id, results.get(org_id) or {}) for org_id in ids]

    def _account(self, org_id: str, org: dict) -> Account:
        vanity = org.get("vanityName") or ""
        return Account(
            external_id=org_id,
            name=org.get("localizedName") or vanity or f"Organization {org_id}",
            username=vanity,
            profile_url=f"https://www.linkedin.com/company/{vanity or org_id}",
            kind="page",
            meta={"urn": f"urn:li:organization:{org_id}"},
        )

    def fetch_profile(self, channel: Channel) -> Account:
        org_id = channel.external_id
        response = self._api(channel, "GET", f"/rest/organizations/{org_id}", Phase.READ)
        return self._account(org_id, self.read_json(response, Phase.READ))

    def author_urn(self, channel: Channel) -> str:
        return channel.meta.get("urn") or f"urn:li:organization:{channel.external_id}"

    # -- analytics --------------------------------------------------------------------------
    analytics = "both"
    # Posts named in one share-statistics request (a Rest.li list in the address); the
    # Community Management API's daily per-member limits allow about 20 calls an hour.
    metrics_batch = 20
    metrics_per_hour = 20

    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """organizationalEntityShareStatistics for the Page's posts (``urn:li:share`` and
        ``urn:li:ugcPost``), up to 20 a request. A post LinkedIn no longer has is left
        out: it is missing from the answer, or, when the whole request is refused for it,
        the batch is asked again one post at a time."""
        urns = list(
            dict.fromkeys(
                ref.id for ref in refs if ref.id.startswith(("urn:li:share:", "urn:li:ugcPost:"))
            )
        )
        found: dict[str, Metrics] = {}
        for start in range(0, len(urns), self.metrics_batch):
            chunk = urns[start : start + self.metrics_batch]
            try:
                found.update(self._share_statistics(channel, chunk))
            except ProviderError as error:
                if error.kind not in (ErrorKind.NOT_FOUND, ErrorKind.CONTENT_REJECTED):
                    raise
                for urn in chunk if len(chunk) > 1 else ():
                    try:
                        found.update(self._share_statistics(channel, [urn]))
                    except ProviderError as alone:
                        if alone.kind not in (ErrorKind.NOT_FOUND, ErrorKind.CONTENT_REJECTED):
                            raise
        return found

    def _share_statistics(self, channel: Channel, urns: list[str]) -> dict[str, Metrics]:
        shares = [u for u in urns if u.startswith("urn:li:share:")]
        posts = [u for u in urns if u.startswith("urn:li:ugcPost:")]
        query = self._organization_query(channel)
        for name, chosen in (("shares", shares), ("ugcPosts", posts)):
            if chosen:
                query += f"&{name}=List({','.join(quote(u, safe='') for u in chosen)})"
        data = self._statistics(channel, f"/rest/organizationalEntityShareStatistics?{query}")
        found = {}
        for element in data.get("elements") or []:
            urn = element.get("share") or element.get("ugcPost")
            if urn in urns:
                found[urn] = _share_metrics(element.get("totalShareStatistics") or {})
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The Page's organic share statistics day by day (LinkedIn keeps 12 months), and
        today's follower count."""
        today = datetime.now(UTC).date()
        since = max(since, today - timedelta(days=STATISTICS_DAYS - 1))
        series: dict[date, Metrics] = {}
        if since <= until:
            start = _epoch_ms(since)
            end = _epoch_ms(until + timedelta(days=1))
            query = self._organization_query(channel) + (
                f"&timeIntervals=(timeRange:(start:{start},end:{end}),timeGranularityType:DAY)"
            )
            data = self._statistics(channel, f"/rest/organizationalEntityShareStatistics?{query}")
            for element in data.get("elements") or []:
                began = (element.get("timeRange") or {}).get("start")
                if not isinstance(began, int):
                    continue
                day = datetime.fromtimestamp(began / 1000, UTC).date()
                if since <= day <= until:
                    series[day] = _share_metrics(element.get("totalShareStatistics") or {})
        organization = quote(self.author_urn(channel), safe="")
        data = self._statistics(
            channel, f"/rest/networkSizes/{organization}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
        )
        if isinstance(data.get("firstDegreeSize"), int):
            series[today] = Metrics(
                {**series.get(today, Metrics()).values, "followers": data["firstDegreeSize"]}
            )
        return series

    def _organization_query(self, channel: Channel) -> str:
        organization = quote(self.author_urn(channel), safe="")
        return f"q=organizationalEntity&organizationalEntity={organization}"

    def _statistics(self, channel: Channel, path: str) -> dict:
        """A statistics read; the Rest.li lists stay in the address as written (a list
        must not be percent-encoded, only the URNs in it)."""
        try:
            return self.read_json(self._api(channel, "GET", path, Phase.READ))
        except ProviderError as error:
            # A retired API version (426) is the server's to fix, not the channel's.
            retired = error.text is not None and error.text.msgid == VERSION_RETIRED
            if error.kind == ErrorKind.PERMISSION_DENIED and not retired:
                error.text = Text(
                    gettext_noop(
                        "LinkedIn refused to share this Page's statistics: reading them needs "
                        "the %(scope)s and %(other_scope)s permissions and an administrator "
                        "role on the Page. Reconnect the channel and allow them."
                    ),
                    scope=ANALYTICS_SCOPES[0],
                    other_scope=ANALYTICS_SCOPES[1],
                )
                error.user_message = str(error.text)
                error.args = (error.user_message,)
            raise

    # -- look-up tools ------------------------------------------------------------------
    def companies(self, channel: Channel) -> list[dict]:
        return [
            {
                "id": account.external_id,
                "name": account.name,
                "vanityName": account.username,
                "urn": account.meta.get("urn", ""),
                "url": account.profile_url,
            }
            for account in self.accounts(Grant(credentials=channel.credentials))
        ]
