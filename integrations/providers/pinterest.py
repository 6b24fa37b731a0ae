"""Pinterest (API v5): pins on a board chosen per post.

Images are fetched by Pinterest from their public address (or sent inline, base64, when
small and there is none); a carousel is several image addresses; a video is registered
(``POST /v5/media``), uploaded to the storage address Pinterest hands back, and the pin
names it once Pinterest has processed it. Pinterest has no idempotency key: after an
unclear pin creation the board's newest pins are searched for it.
"""

from __future__ import annotations

import base64
import re
import unicodedata
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
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
    after_headers,
    json_object,
    require_scope,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

MB = 1024 * 1024
TITLE_LIMIT = 100
DESCRIPTION_LIMIT = 500
ALT_TEXT_LIMIT = 500
LINK_LIMIT = 2048
CAROUSEL_MAX = 5
# An image without a public address is sent inline; past this size the JSON body would
# be unreasonably large, so such an image needs public media storage.
INLINE_IMAGE_MAX = 5 * MB
# The content types Pinterest takes for an inline (base64) image.
INLINE_TYPES = ("image/jpeg", "image/png")
VIDEO_MIN_SECONDS = 4
VIDEO_MAX_SECONDS = 15 * 60
# Where the video's cover is taken from (seconds into it): its opening frame is often
# black, and every accepted video is at least four seconds long.
COVER_FRAME_SECONDS = 1
WRITE_SCOPE = "pins:write"
# How far before our pin request a pin found on the board may have been created (clocks
# differ), for it to be taken as ours after an unclear outcome.
LOOKUP_SLACK = timedelta(minutes=5)
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_PIN_URL = re.compile(r"pinterest\.[a-z.]+/pin/(\d+)")
# Progress key: when the pin request was sent (ISO 8601, UTC), for the lookup's window.
SENT_AT = "pin_sent_at"
# Analytics reach back at most 90 days from today, 90 days per request.
ANALYTICS_DAYS = 90
# A pin's counts, by our names: PIN_CLICK counts every click on the pin (outbound ones
# included), so it is the clicks; OUTBOUND_CLICK stands in only when it is missing.
PIN_METRICS = {
    "IMPRESSION": "impressions",
    "SAVE": "saves",
    "PIN_CLICK": "clicks",
    "VIDEO_MRC_VIEW": "views",
    "TOTAL_REACTIONS": "likes",
    "TOTAL_COMMENTS": "comments",
}
PIN_METRIC_TYPES = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK", "VIDEO_MRC_VIEW")
# Counted over the pin's whole life (lifetime_metrics), not per day.
PIN_LIFETIME_TYPES = ("TOTAL_COMMENTS", "TOTAL_REACTIONS")
ACCOUNT_METRIC_TYPES = ("IMPRESSION", "SAVE", "PIN_CLICK", "OUTBOUND_CLICK")
# The days whose figures Pinterest has (the others are still processing, or before the
# account or the pin existed: no figure, never a zero).
COUNTED_DAYS = ("READY", "ESTIMATE")
ANALYTICS_SCOPES = ("pins:read", "boards:read", "user_accounts:read")


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").split()).casefold()


def board_id(value, channel: Channel | None) -> str:
    """The board a post names: its id, or the name of one of the channel's boards (as a
    person may type it), as its id."""
    value = str(value or "").strip()
    for board in (channel.meta.get("boards") if channel else None) or []:
        if value and value.casefold() == str(board.get("name") or "").casefold():
            return str(board.get("id") or value)
    return value


def pin_url(pin_id: str) -> str:
    return f"https://www.pinterest.com/pin/{pin_id}/"


# -- errors: {"code": <int>, "message": "..."} on every host, the token endpoint too ------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    data = body or {}
    code = data.get("code")
    return Said(
        response.status_code,
        code=str(code) if code not in (None, "") and response.status_code >= 400 else "",
        message=str(data.get("message") or ""),
        body=body,
    )


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    bodiless=(204,),
    rows=(
        # The token endpoint refuses a refresh token that was revoked, expired or already
        # rotated away: only connecting again helps.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Pinterest no longer accepts this sign-in ({message|revoked}); reconnect the "
                "channel."
            ),
            phase=Phase.AUTH,
            status=(400, 401),
        ),
        # A token without the scope a call needs: renewing it would not add the scope.
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Pinterest did not give this channel's sign-in the permission this needs; "
                "reconnect the channel and allow everything it asks for."
            ),
            status=401,
            code="3",
        ),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Pinterest sign-in expired; we will renew it."),
            status=401,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Pinterest asked us to slow down; we will try again later."),
            status=429,
            retry_after=after_headers(60.0),
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Pinterest does not allow this for the connected account: {message|forbidden}. "
                "Reconnect and allow boards and pins, or check that the board is yours."
            ),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Pinterest could not find the board; choose another board for this post."),
            status=404,
            pattern="board",
            field="board",
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Pinterest could not find the target: {message|not found}"),
            status=404,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Pinterest rejected the pin: {message|invalid request}"),
            status=(400, 409, 413, 422),
        ),
        Rule(
            SERVER_FAULT,
            gettext_noop("Pinterest had a server error ({status})."),
            status=range(500, 600),
        ),
    ),
)


class PinterestProvider(Provider):
    identifier = "pinterest"
    display_name = "Pinterest"
    auth_kind = "oauth2"
    account_selection = "none"
    reply_mode = "none"
    text_counter = "codepoints"
    # The pin's description; its title is a setting of its own.
    text_limit = DESCRIPTION_LIMIT
    media_rules = MediaRules(
        min_count=1,
        max_count=CAROUSEL_MAX,
        mime_types=(
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/gif",
            "image/bmp",
            "image/tiff",
            "video/mp4",
            "video/quicktime",
            "video/x-m4v",
        ),
        max_image_bytes=20 * MB,
        max_video_bytes=2 * 1024 * MB,
        video_alone=True,
        allow_mixed=False,
    )
    idempotency = "none"
    lookup = "by-content"
    # Per pin: impressions, saves, clicks, video views, reactions and comments over the
    # last 90 days; per account: daily impressions, saves and clicks, followers today.
    # The scopes the channel already has (pins:read, boards:read, user_accounts:read)
    # cover them.
    analytics = "both"
    # One pin per request (the multi-pin endpoint is a beta not every app may call).
    metrics_batch = 1
    # Analytics calls share the org_analytics limit (300 a minute per user with Standard
    # access; a Trial app has 1,000 requests a day in all).
    metrics_per_hour = 120
    # Access tokens last 30 days; renew them three days ahead.
    refresh_ahead = 3 * 24 * 3600
    max_concurrency = 4
    scopes = ("boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read")
    oauth = OAuth2(
        client=("PINTEREST_CLIENT_ID", "PINTEREST_CLIENT_SECRET"),
        authorize=("auth", "/oauth/"),
        token=("api", "/v5/oauth/token"),
        scope_separator=",",
        client_auth="basic",
        write_scope=WRITE_SCOPE,
    )
    required_settings = ("PINTEREST_CLIENT_ID", "PINTEREST_CLIENT_SECRET")
    errors = ERRORS
    endpoints = {
        "auth": "https://www.pinterest.com",
        "api": "https://api.pinterest.com",
    }
    settings_fields = (
        SettingField(
            "board",
            "string",
            label=gettext_lazy("Board"),
            required=True,
            options=OptionSource("boards", stored="boards", create="create_board"),
        ),
        SettingField("title", "string", label=gettext_lazy("Title"), max_length=TITLE_LIMIT),
        SettingField("link", "url", label=gettext_lazy("Link"), max_length=LINK_LIMIT),
        SettingField(
            "dominant_color",
            "string",
            label=gettext_lazy("Dominant color"),
            help_text=gettext_lazy("Shown while the pin's image loads, as #RRGGBB."),
        ),
    )
    tools = (
        # The channel keeps the boards it was connected with, for the composer and the
        # validator: listing or creating boards brings that copy up to date.
        Tool(
            "boards",
            gettext_lazy("The boards of the connected Pinterest account: id, name and privacy."),
            stores="boards",
        ),
        Tool(
            "create_board",
            gettext_lazy(
                "Create a board on the connected Pinterest account; returns its id and name."
            ),
            inputs=(
                ToolInput("name", description=gettext_lazy("The board's name"), max_length=180),
                ToolInput(
                    "description",
                    description=gettext_lazy("What the board is about"),
                    required=False,
                    max_length=500,
                ),
                ToolInput(
                    "secret",
                    "boolean",
                    description=gettext_lazy("Only you and collaborators see a secret board"),
                    required=False,
                ),
            ),
            adds_to="boards",
        ),
    )

    page_size = 100
    # Pages of boards read at most (a person with thousands of boards gets the first ones).
    board_pages = 10
    lookup_count = 25
    # Video processing after the upload: at most this many checks, this many seconds apart.
    media_poll_attempts = 60
    media_poll_interval = 5.0

    # -- connecting -----------------------------------------------------------------------
    def exchange_code(self, *, code, redirect_uri, code_verifier="", instance=None) -> Grant:
        # Continuous refresh tokens: each renewal returns a new refresh token (the old one
        # stops working), so a channel never has to reconnect while it is in use.
        data = self._oauth().request_token(
            self,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "continuous_refresh": "true",
            },
        )
        return require_scope(self._oauth().grant(self, data), WRITE_SCOPE, self.display_name)

    def _user(self, token: str) -> dict:
        response = self._get(token, "/v5/user_account")
        return self.read_json(response, Phase.READ)

    def _account(self, user: dict, boards: list[dict] | None = None) -> Account:
        username = str(user.get("username") or "")
        meta = {"boards": boards} if boards is not None else {}
        return Account(
            external_id=str(user.get("id") or username),
            name=str(user.get("business_name") or username),
            username=username,
            profile_url=f"https://www.pinterest.com/{username}/" if username else "",
            avatar_url=str(user.get("profile_image") or ""),
            meta=meta,
        )

    def accounts(self, grant: Grant) -> list[Account]:
        token = grant.credentials["access_token"]
        # The boards are kept with the channel, so the composer and the validator can
        # offer and check them without asking Pinterest on every keystroke.
        return [self._account(self._user(token), self._boards(token))]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(self._user(channel.credentials["access_token"]))

    # -- look-up tools ------------------------------------------------------------------
    def boards(self, channel: Channel) -> list[dict]:
        return self._boards(channel.credentials["access_token"])

    def _boards(self, token: str) -> list[dict]:
        found: list[dict] = []
        bookmark = ""
        for _page in range(self.board_pages):
            params = {"page_size": self.page_size}
            if bookmark:
                params["bookmark"] = bookmark
            data = self.read_json(self._get(token, "/v5/boards", params), Phase.READ)
            for board in data.get("items") or []:
                if isinstance(board, dict) and board.get("id"):
                    found.append(_board(board))
            bookmark = data.get("bookmark") or ""
            if not bookmark:
                break
        return found

    def create_board(
        self, channel: Channel, name: str, description: str = "", secret: bool = False
    ) -> dict:
        body = {"name": name, "privacy": "SECRET" if secret else "PUBLIC"}
        if description:
            body["description"] = description
        response = self.request(
            "POST",
            self.url("api", "/v5/boards"),
            phase=Phase.READ,
            json=body,
            headers=self.bearer(channel.credentials["access_token"]),
        )
        return _board(self.read_json(response, Phase.READ))

    # -- validation -----------------------------------------------------------------------
    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        settings = draft.settings
        issues += self._check_board(settings, channel, issues)
        link = str(settings.get("link") or "")
        if link and not link.lower().startswith(("https://", "http://")):
            issues.append(
                Issue("setting_invalid", _("The link must start with https:// or http://."), "link")
            )
        color = settings.get("dominant_color")
        if color and not (isinstance(color, str) and _COLOR.match(color)):
            issues.append(
                Issue(
                    "setting_invalid",
                    _("The dominant color must be written as #RRGGBB (for example #6E7874)."),
                    "dominant_color",
                )
            )
        if draft.items:
            issues += self._check_pin_media(draft.items[0].media)
        return issues

    def _check_board(self, settings: dict, channel: Channel | None, issues: list) -> list[Issue]:
        board = settings.get("board")
        known = (channel.meta.get("boards") if channel else None) or []
        names = ", ".join(f"{b.get('name')} ({b.get('id')})" for b in known[:10])
        if not board:
            # The shared check has said a board is required; say which ones there are.
            for issue in issues:
                if (issue.code, issue.field) == ("setting_required", "board") and channel:
                    issue.message = (
                        _("Choose a board: %(names)s.") % {"names": names}
                        if known
                        else _("This Pinterest account has no boards yet; create one first.")
                    )
            return []
        if known and board_id(board, channel) not in {str(b.get("id")) for b in known}:
            # The list is the one last read (connecting, the boards tool, the composer's
            # board list): a board made on Pinterest since is not in it yet, so this only
            # warns; a board that is really gone is refused by Pinterest when publishing.
            return [
                Issue(
                    "setting_invalid",
                    _(
                        "This board was not among the account's boards when they were last "
                        "listed (%(names)s); check it, or reload the board list in the composer."
                    )
                    % {"names": names},
                    "board",
                    severity="warning",
                )
            ]
        return []

    def _check_pin_media(self, media: list[MediaItem]) -> list[Issue]:
        issues: list[Issue] = []
        images = [m for m in media if m.is_image]
        for file in media:
            if len(file.alt_text) > ALT_TEXT_LIMIT:
                issues.append(
                    Issue(
                        "text_too_long",
                        _(
                            "Pinterest allows %(limit)s characters of alt text; %(file)s has "
                            "%(count)s."
                        )
                        % {
                            "limit": ALT_TEXT_LIMIT,
                            "file": file.filename,
                            "count": len(file.alt_text),
                        },
                        "media",
                        limit=ALT_TEXT_LIMIT,
                        actual=len(file.alt_text),
                    )
                )
            if file.is_video and not (
                file.duration is None or VIDEO_MIN_SECONDS <= file.duration <= VIDEO_MAX_SECONDS
            ):
                issues.append(
                    Issue(
                        "media_duration",
                        _(
                            "Pinterest videos last 4 seconds to 15 minutes; %(file)s lasts "
                            "%(duration)s s."
                        )
                        % {"file": file.filename, "duration": f"{file.duration:.0f}"},
                        "media",
                        limit=VIDEO_MAX_SECONDS,
                        actual=file.duration,
                    )
                )
        if len(images) > 1:
            if len({(m.width, m.height) for m in images}) > 1:
                issues.append(
                    Issue(
                        "media_dimensions",
                        _("The images of a Pinterest carousel must all have the same size."),
                        "media",
                    )
                )
            for file in images:
                if not file.public_url:
                    issues.append(
                        Issue(
                            "media_url",
                            _(
                                "Pinterest fetches carousel images from a public address, and "
                                "%(file)s has none. Store media where Pinterest can reach it "
                                "(see the README, media)."
                            )
                            % {"file": file.filename},
                            "media",
                        )
                    )
        elif images and not images[0].public_url and not _inline(images[0]):
            issues.append(
                Issue(
                    "media_url",
                    _(
                        "%(file)s has no public address, and only a JPEG or PNG of at most 5 MB "
                        "can be sent inline; store media where Pinterest can reach it."
                    )
                    % {"file": images[0].filename},
                    "media",
                    limit=INLINE_IMAGE_MAX,
                    actual=images[0].size,
                )
            )
        return issues

    # -- publishing -----------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        settings = request.settings
        board = board_id(settings.get("board"), channel)
        if not board:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Choose a board for this pin.")),
                field="board",
            )
        body: dict = {"board_id": board, "media_source": self._media_source(token, request)}
        if request.text:
            body["description"] = request.text
        for key in ("title", "link", "dominant_color"):
            if settings.get(key):
                body[key] = settings[key]
        alt = next((m.alt_text for m in request.media if m.alt_text), "")
        if alt:
            body["alt_text"] = alt[:ALT_TEXT_LIMIT]
        request.progress[SENT_AT] = datetime.now(UTC).isoformat()
        response = self.request(
            "POST",
            self.url("api", "/v5/pins"),
            phase=Phase.COMMIT,
            json=body,
            headers=self.bearer(token),
        )
        pin_id = str(self.read_json(response, Phase.COMMIT).get("id") or "")
        if not pin_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop("Pinterest accepted the pin but did not say which pin it created.")
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=RemoteRef(id=pin_id, url=pin_url(pin_id)), raw={"id": pin_id})

    def _media_source(self, token: str, request: PublishRequest) -> dict:
        media = request.media
        if not media:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("A pin needs an image or a video.")),
                field="media",
            )
        video = next((m for m in media if m.is_video), None)
        if video is not None:
            return {
                "source_type": "video_id",
                "media_id": self._upload_video(token, request, video),
                "cover_image_key_frame_time": COVER_FRAME_SECONDS,
            }
        if len(media) > 1:
            return {
                "source_type": "multiple_image_urls",
                "items": [{"url": self._public(item)} for item in media],
                "index": 0,
            }
        image = media[0]
        if image.public_url or not _inline(image):
            return {"source_type": "image_url", "url": self._public(image)}
        return {
            "source_type": "image_base64",
            "content_type": image.mime_type,
            "data": base64.b64encode(image.read()).decode(),
        }

    @staticmethod
    def _public(item: MediaItem) -> str:
        if not item.public_url:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Pinterest fetches this image from a public address; this server has "
                        "none for %(file)s."
                    ),
                    file=item.filename,
                ),
                field="media",
            )
        return item.public_url

    def _upload_video(self, token: str, request: PublishRequest, item: MediaItem) -> str:
        """Register → upload → wait until processed. The media id is kept in
        ``progress["video"]`` as soon as Pinterest gives it, and marked uploaded and ready
        as those steps finish, so a retry never uploads a finished video again."""
        state: dict = request.progress.get("video") or {}
        if state.get("size") not in (None, item.size):
            state = {}  # the progress describes another file
        request.progress["video"] = state
        if state.get("ready") and state.get("media_id"):
            return state["media_id"]
        if not state.get("uploaded"):
            response = self.request(
                "POST",
                self.url("api", "/v5/media"),
                phase=Phase.UPLOAD,
                json={"media_type": "video"},
                headers=self.bearer(token),
            )
            registered = self.read_json(response, Phase.UPLOAD)
            upload_url = registered.get("upload_url")
            parameters = registered.get("upload_parameters")
            if not registered.get("media_id") or not upload_url or not isinstance(parameters, dict):
                raise ProviderError(
                    ErrorKind.TRANSIENT_BEFORE_SEND,
                    Text(gettext_noop("Pinterest did not give us a place to upload the video.")),
                    raw_excerpt=response.text,
                )
            state.update(media_id=str(registered["media_id"]), size=item.size)
            self._send_file(str(upload_url), parameters, item)
            state["uploaded"] = True
        self._wait_processed(token, request, state["media_id"])
        state["ready"] = True
        return state["media_id"]

    def _send_file(self, upload_url: str, parameters: dict, item: MediaItem) -> None:
        """POST the file to the storage address with the fields Pinterest said to send;
        the address is signed by Pinterest, so no token goes with it."""
        # Pinterest's storage refuses chunked bodies: the shared body has its exact length.
        with multipart_body(fields=parameters, files=[("file", item)]) as body:
            self.request(
                "POST",
                upload_url,
                phase=Phase.UPLOAD,
                timeout=self.upload_timeout,
                data=body,
                headers={"Content-Type": body.content_type},
            )

    def _wait_processed(self, token: str, request: PublishRequest, media_id: str) -> None:
        def succeeded() -> bool:
            response = self._get(token, f"/v5/media/{media_id}", phase=Phase.UPLOAD)
            status = self.read_json(response, Phase.UPLOAD).get("status")
            if status == "failed":
                # This upload is dead; the next attempt registers the video again.
                request.progress.pop("video", None)
                raise ProviderError(
                    ErrorKind.CONTENT_REJECTED,
                    Text(
                        gettext_noop(
                            "Pinterest could not process the video. Check that it is an MP4, MOV "
                            "or M4V (H.264) between 4 seconds and 15 minutes long."
                        )
                    ),
                    network_code="failed",
                    raw_excerpt=response.text,
                    field="media",
                )
            return status == "succeeded"

        attempts, interval = self.media_poll_attempts, self.media_poll_interval
        if self.poll(succeeded, attempts=attempts, interval=interval):
            return
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(
                gettext_noop("Pinterest is still processing the video; we will try again shortly.")
            ),
            retry_after=60,
            network_code="processing",
        )

    # -- after an unclear outcome -------------------------------------------------------
    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The pin on the post's board with this description and title, created no
        earlier than our pin request (less some clock slack)."""
        board = board_id(request.settings.get("board"), channel)
        if not board:
            return None
        token = channel.credentials["access_token"]
        response = self._get(token, f"/v5/boards/{board}/pins", {"page_size": self.lookup_count})
        since = _parse_time(request.progress.get(SENT_AT))
        wanted = (normalise(request.text), normalise(str(request.settings.get("title") or "")))
        for pin in self.read_json(response, Phase.READ).get("items") or []:
            if not isinstance(pin, dict) or not pin.get("id"):
                continue
            found = (normalise(pin.get("description") or ""), normalise(pin.get("title") or ""))
            if found != wanted:
                continue
            created = _parse_time(pin.get("created_at"))
            if since and created and created < since - LOOKUP_SLACK:
                continue  # an older pin with the same words, not this one
            return RemoteRef(id=str(pin["id"]), url=pin_url(str(pin["id"])))
        return None

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        token = channel.credentials["access_token"]
        response = self._get(token, "/v5/pins", {"page_size": self.lookup_count})
        return [
            RemoteRef(id=str(pin["id"]), url=pin_url(str(pin["id"])))
            for pin in self.read_json(response, Phase.READ).get("items") or []
            if isinstance(pin, dict) and pin.get("id")
        ]

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = _PIN_URL.search(remote_id)
        pin_id = match.group(1) if match else remote_id.strip()
        return RemoteRef(id=pin_id, url=pin_url(pin_id) if pin_id.isdigit() else "")

    # -- analytics -------------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """Each pin's counts over the last 90 days (all Pinterest keeps within reach: the
        refresh cadence reads a pin long before it is older than that); a pin Pinterest
        no longer has answers 404 and is left out."""
        token = channel.credentials["access_token"]
        start, end = _analytics_window()
        found: dict[str, Metrics] = {}
        for pin_id in dict.fromkeys(ref.id for ref in refs if ref.id):
            try:
                with _naming_scopes():
                    response = self._get(
                        token,
                        f"/v5/pins/{pin_id}/analytics",
                        {
                            "start_date": start.isoformat(),
                            "end_date": end.isoformat(),
                            "metric_types": ",".join(PIN_METRIC_TYPES + PIN_LIFETIME_TYPES),
                            "app_types": "ALL",
                        },
                    )
            except ProviderError as error:
                if error.kind == ErrorKind.NOT_FOUND:
                    continue
                raise
            found[pin_id] = pin_metrics(self.read_json(response, Phase.READ))
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """Daily impressions, saves and clicks of the account (the last 90 days at most),
        and its followers today."""
        token = channel.credentials["access_token"]
        earliest, today = _analytics_window()
        since, until = max(since, earliest), min(until, today)
        if since > until:
            return {}
        with _naming_scopes():
            response = self._get(
                token,
                "/v5/user_account/analytics",
                {
                    "start_date": since.isoformat(),
                    "end_date": until.isoformat(),
                    "metric_types": ",".join(ACCOUNT_METRIC_TYPES),
                    "app_types": "ALL",
                },
            )
        days = account_days(self.read_json(response, Phase.READ))
        if since <= today <= until:
            followers = self._user(token).get("follower_count")
            if followers is not None:
                days.setdefault(today, Metrics()).values["followers"] = int(followers)
        return days

    # -- HTTP -----------------------------------------------------------------------------
    def _get(
        self, token: str, path: str, params: dict | None = None, phase: Phase = Phase.READ
    ) -> requests.Response:
        return self.request(
            "GET", self.url("api", path), phase=phase, params=params, headers=self.bearer(token)
        )


def _analytics_window() -> tuple[date, date]:
    """The oldest and the newest day Pinterest answers analytics for (UTC dates)."""
    today = datetime.now(UTC).date()
    return today - timedelta(days=ANALYTICS_DAYS - 1), today


@contextmanager
def _naming_scopes():
    """A refusal says which permissions analytics need: Pinterest answers 403 without
    naming them."""
    try:
        yield
    except ProviderError as error:
        if error.kind != ErrorKind.PERMISSION_DENIED:
            raise
        raise ProviderError(
            ErrorKind.PERMISSION_DENIED,
            Text(
                gettext_noop(
                    "Pinterest did not let us read this account's analytics. Reconnect the "
                    "channel and allow %(scopes)s and %(last)s; Pinterest gives analytics to "
                    "business accounts."
                ),
                scopes=", ".join(ANALYTICS_SCOPES[:-1]),
                last=ANALYTICS_SCOPES[-1],
            ),
            network_code=error.network_code,
            raw_excerpt=error.raw_excerpt,
        ) from error


def _told(metrics: dict, name: str) -> int | None:
    value = (metrics or {}).get(name)
    return int(value) if isinstance(value, int | float) else None


def pin_metrics(answer: dict) -> Metrics:
    """A pin's analytics answer (``{"all": {summary_metrics, lifetime_metrics,
    daily_metrics}}``) as its counts."""
    group = answer.get("all") if isinstance(answer.get("all"), dict) else {}
    summary = group.get("summary_metrics")
    if not isinstance(summary, dict):
        # No summary: the days Pinterest has figures for, added up.
        summary = {}
        for day in group.get("daily_metrics") or []:
            if isinstance(day, dict) and day.get("data_status") in COUNTED_DAYS:
                for name, value in (day.get("metrics") or {}).items():
                    if isinstance(value, int | float):
                        summary[name] = summary.get(name, 0) + value
    counts = {**summary, **(group.get("lifetime_metrics") or {})}
    values = {ours: _told(counts, theirs) for theirs, ours in PIN_METRICS.items()}
    if values["clicks"] is None:
        values["clicks"] = _told(counts, "OUTBOUND_CLICK")
    return Metrics(values)


def account_days(answer: dict) -> dict[date, Metrics]:
    """The account's daily analytics (``{"all": {"daily_metrics": [...]}}``) per day."""
    group = answer.get("all") if isinstance(answer.get("all"), dict) else {}
    days: dict[date, Metrics] = {}
    for entry in group.get("daily_metrics") or []:
        if not isinstance(entry, dict) or entry.get("data_status") not in COUNTED_DAYS:
            continue
        try:
            day = date.fromisoformat(str(entry.get("date")))
        except ValueError:
            continue
        metrics = entry.get("metrics") or {}
        values = {
            ours: _told(metrics, theirs)
            for theirs, ours in PIN_METRICS.items()
            if theirs in ACCOUNT_METRIC_TYPES
        }
        if values["clicks"] is None:
            values["clicks"] = _told(metrics, "OUTBOUND_CLICK")
        counts = Metrics(values)
        if counts.values:
            days[day] = counts
    return days


def _inline(item: MediaItem) -> bool:
    """Whether the image can go inside the pin request (base64)."""
    return item.mime_type in INLINE_TYPES and item.size <= INLINE_IMAGE_MAX


def _board(board: dict) -> dict:
    return {
        "id": str(board.get("id") or ""),
        "name": str(board.get("name") or ""),
        "privacy": str(board.get("privacy") or ""),
    }


def _parse_time(value) -> datetime | None:
    """Pinterest's times are UTC without a zone ("2022-10-13T01:40:29")."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
