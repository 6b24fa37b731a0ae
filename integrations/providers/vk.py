"""VK: posts on the signed-in person's wall or on a community they manage.

Sign-in is VK ID (OAuth 2.1 with PKCE): the sign-in page sends the person back with a
code and a ``device_id``; both, with the code verifier, are exchanged at
``id.vk.com/oauth2/auth``. Access tokens last an hour; a refresh needs the refresh token
and the same ``device_id`` and returns a new refresh token each time (the old one stops
working), so both are kept with the channel. One sign-in can connect several channels:
the person's own wall and each community they administer or edit.

A post is ``wall.post`` (API version 5.199): the text, and up to ten photos and videos
uploaded first (photos through ``photos.getWallUploadServer`` → upload →
``photos.saveWallPhoto``, videos through ``video.save`` → upload); each uploaded file's
attachment name is saved before the post is sent, so a retry never uploads it again. On
a community the post is made by the community (``from_group=1``).

VK answers every method with HTTP 200, an error being ``{"error": {"error_code",
"error_msg", "request_params"}}``: the table reads the code.

``wall.post`` takes a ``guid`` that VK describes as stopping the same post from being
sent twice; we send one derived from the item's key, but VK does not document what a
repeat answers, so nothing relies on it: after an unclear answer the wall's newest
posts are searched for this post's text and number of attachments before anything is
sent again, and a post not found is left for a person to check.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

import requests
from django.utils.translation import gettext_lazy, gettext_noop

from integrations.providers.base import (
    SERVER_FAULT,
    SOME_CODE,
    Account,
    Channel,
    ErrorKind,
    ErrorTable,
    Grant,
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
    Tool,
    expiry_after,
    json_object,
    split_scopes,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text

VERSION = "5.199"
MB = 1024 * 1024
GB = 1024 * MB
# A wall post's text, and the photos and videos one post carries.
TEXT_LIMIT = 16_384
MAX_MEDIA = 10
LOOKUP_LIMIT = 20
PHOTOS = "vk_photos"  # progress: attachment names of the uploaded photos, by file index
VIDEOS = "vk_videos"


def owner_of(channel: Channel) -> int:
    """The wall's owner id: the person's id, or minus the community's id."""
    return int(channel.meta.get("owner_id") or channel.external_id)


def same_text(a: str, b: str) -> bool:
    """VK trims and normalises what it stores: compare the words, not the whitespace."""

    def norm(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text or "").split())

    return norm(a) == norm(b)


# -- errors ------------------------------------------------------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None:
        return Said(response.status_code)
    error = body.get("error")
    if isinstance(error, dict):
        # The API's shape, on HTTP 200.
        return Said(
            response.status_code,
            code=str(error.get("error_code") or ""),
            message=str(error.get("error_msg") or ""),
            body=body,
        )
    if isinstance(error, str) and error:
        # VK ID's token endpoint (OAuth's shape), or an upload server's refusal
        # ("ERR_UPLOAD_…: words").
        code, _, words = error.partition(":")
        return Said(
            response.status_code,
            code=code.strip(),
            message=str(body.get("error_description") or words.strip() or error),
            body=body,
        )
    return Said(response.status_code, body=body)


RECONNECT = gettext_noop("VK no longer accepts this sign-in; connect the account again.")
LATER = gettext_noop(
    "VK asked us to slow down ({message|no reason given}); we will try again later."
)
ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(ErrorKind.AUTH_REVOKED, RECONNECT, code="invalid_grant", phase=Phase.AUTH),
        # 5: the access token is invalid or expired (an hour's life): renewed once.
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("VK's sign-in expired; we will renew it."),
            code="5",
        ),
        # 17: VK wants the person to confirm the account; 18: deleted or banned.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "VK wants the account confirmed or has blocked it ({message|no reason given}); "
                "open VK, then connect the account again."
            ),
            code=("17", "18"),
        ),
        Rule(ErrorKind.RATE_LIMITED, LATER, code="6", retry_after=2),
        # 9: flood control (the same action too often); 14: a captcha, which VK asks of
        # accounts posting too fast and which a server cannot answer.
        Rule(ErrorKind.RATE_LIMITED, LATER, code=("9", "14"), retry_after=30 * 60),
        # 29: the method's daily quota is used up.
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("VK's daily limit for this account is reached; we will try again later."),
            code="29",
            retry_after=6 * 3600,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "VK does not let this account post there ({message|no reason given}); check "
                "that you still manage the community and that the sign-in allowed the wall, "
                "photos and video."
            ),
            code=("7", "15", "203", "214"),
        ),
        Rule(ErrorKind.NOT_FOUND, gettext_noop("VK could not find the wall{detail}"), code="113"),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("VK refused the post{detail}"),
            code=("100", "222"),
        ),
        # 1: unknown error, 10: internal server error: a fault on VK's side.
        Rule(SERVER_FAULT, gettext_noop("VK had an internal error{detail}"), code=("1", "10")),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("VK's upload server refused a file{detail}"),
            code=SOME_CODE,
            phase=Phase.UPLOAD,
            field="media",
        ),
        # The token endpoint's other refusals (invalid_request, invalid_client): the
        # sign-in cannot go on.
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop("VK ID refused the sign-in ({code}); connect the account again."),
            code=SOME_CODE,
            phase=Phase.AUTH,
        ),
        Rule(
            SERVER_FAULT, gettext_noop("VK had a server error ({status})."), status=range(500, 1000)
        ),
        # Any other error code: VK refused the request, so nothing was made.
        Rule(
            ErrorKind.CONTENT_REJECTED, gettext_noop("VK refused the post{detail}"), code=SOME_CODE
        ),
    ),
)


class VKProvider(Provider):
    identifier = "vk"
    display_name = "VK"
    auth_kind = "oauth2+pkce"
    account_selection = "communities"
    reply_mode = "none"
    text_counter = "codepoints"
    text_limit = TEXT_LIMIT
    media_rules = MediaRules(
        max_count=MAX_MEDIA,
        mime_types=("image/jpeg", "image/png", "image/gif", "video/mp4", "video/quicktime"),
        max_image_bytes=50 * MB,
        max_video_bytes=5 * GB,
        image_ratio=(1 / 20, 20.0),
    )
    idempotency = "none"
    lookup = "by-content"
    # Each post's likes, comments, reposts and views (``wall.getById``, up to 100 a call).
    analytics = "post"
    metrics_batch = 100
    metrics_per_hour = 60
    refresh_ahead = 300
    max_concurrency = 2
    scopes = ("vkid.personal_info", "wall", "photos", "video", "groups")
    oauth = OAuth2(
        client=("VK_CLIENT_ID", ""),
        authorize=("auth", "/authorize"),
        token=("auth", "/oauth2/auth"),
        pkce=True,
        write_scope="wall",
        reconnect_message=RECONNECT,
    )
    callback_params = ("device_id",)
    required_settings = ("VK_CLIENT_ID",)
    errors = ERRORS
    endpoints = {"auth": "https://id.vk.com", "api": "https://api.vk.com"}
    # Upload addresses carry VK's signature of the upload in their query.
    redact_patterns = (r"(?<=[?&])(?:r?hash|sig)=[^&\s]+",)
    limited = gettext_lazy(
        "VK's documentation allows wall.post with a user token only from a Standalone app "
        "(Implicit Flow); VK may refuse posts made with a VK ID sign-in (error 15), "
        "depending on what it has allowed your app."
    )
    tools = (
        Tool(
            "groups",
            "The communities the account administers or edits: id (negative, the wall's "
            "owner), name and screen name.",
        ),
    )

    # -- VK ID ----------------------------------------------------------------------------
    def exchange_code(
        self,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str = "",
        instance: dict | None = None,
        callback: dict | None = None,
    ) -> Grant:
        device_id = (callback or {}).get("device_id", "")
        if not device_id:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(
                    gettext_noop(
                        "VK ID sent the sign-in back without its device id; connect again."
                    )
                ),
                network_code="device_id",
            )
        data = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier,
                "redirect_uri": redirect_uri,
                "device_id": device_id,
            }
        )
        grant = self._grant(data, device_id)
        if grant.scopes and "wall" not in grant.scopes:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(
                    gettext_noop("VK was not allowed to post on walls; connect again and allow it.")
                ),
                network_code="scope",
            )
        return grant

    def refresh(self, channel: Channel) -> Grant:
        token = channel.credentials.get("refresh_token")
        device_id = channel.credentials.get("device_id")
        if not token or not device_id:
            raise ProviderError(ErrorKind.AUTH_REVOKED, Text(RECONNECT))
        data = self._token(
            {"grant_type": "refresh_token", "refresh_token": token, "device_id": device_id}
        )
        return self._grant(data, device_id)

    def _token(self, form: dict) -> dict:
        form = {
            **form,
            "client_id": self.setting("VK_CLIENT_ID"),
            # VK ID echoes it back; nothing depends on it here.
            "state": secrets.token_urlsafe(16),
        }
        response = self.request(
            "POST", self.url("auth", "/oauth2/auth"), phase=Phase.AUTH, data=form
        )
        return self.read_json(response, Phase.AUTH)

    def _grant(self, data: dict, device_id: str) -> Grant:
        if not data.get("access_token"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND, Text(gettext_noop("VK ID sent no access token."))
            )
        credentials = {"access_token": data["access_token"], "device_id": device_id}
        if data.get("refresh_token"):
            credentials["refresh_token"] = data["refresh_token"]
        return Grant(
            credentials=credentials,
            expires_at=expiry_after(data.get("expires_in")),
            scopes=split_scopes(data.get("scope")),
            meta={"user_id": str(data.get("user_id") or "")},
        )

    # -- the API ------------------------------------------------------------------------
    def call(self, token: str, method: str, phase: Phase = Phase.READ, **params):
        """One API method; the token travels in the form body, never in the address."""
        form = {**{k: str(v) for k, v in params.items()}, "access_token": token, "v": VERSION}
        response = self.request(
            "POST", self.url("api", f"/method/{method}"), phase=phase, data=form
        )
        body = self.read_json(response, phase)
        if "response" not in body:
            kind = (
                ErrorKind.UNKNOWN_OUTCOME
                if phase == Phase.COMMIT
                else ErrorKind.TRANSIENT_BEFORE_SEND
            )
            raise ProviderError(
                kind,
                Text(gettext_noop("VK answered %(method)s without a response."), method=method),
            )
        return body["response"]

    # -- connecting ---------------------------------------------------------------------
    def accounts(self, grant: Grant) -> list[Account]:
        token = grant.credentials["access_token"]
        [user] = self.call(token, "users.get", Phase.AUTH, fields="photo_200,screen_name")
        return [_person(user)] + [_community(g) for g in self._groups(token, Phase.AUTH)]

    def _groups(self, token: str, phase: Phase = Phase.READ) -> list[dict]:
        answer = self.call(
            token, "groups.get", phase, filter="admin,editor", extended="1", fields="screen_name"
        )
        return [g for g in answer.get("items") or [] if isinstance(g, dict) and g.get("id")]

    def fetch_profile(self, channel: Channel) -> Account:
        token = channel.credentials["access_token"]
        owner = owner_of(channel)
        if owner > 0:
            [user] = self.call(token, "users.get", fields="photo_200,screen_name")
            return _person(user)
        for group in self._groups(token):
            if -int(group["id"]) == owner:
                return _community(group)
        raise ProviderError(
            ErrorKind.PERMISSION_DENIED,
            Text(gettext_noop("The signed-in VK account no longer manages this community.")),
            network_code="not_a_manager",
        )

    def groups(self, channel: Channel) -> list[dict]:
        return [
            {
                "id": str(-int(g["id"])),
                "name": g.get("name") or g.get("screen_name") or str(g["id"]),
                "screen_name": g.get("screen_name") or "",
            }
            for g in self._groups(channel.credentials["access_token"])
        ]

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        token = channel.credentials["access_token"]
        owner = owner_of(channel)
        attachments = self._upload_all(token, owner, request)
        params: dict = {"owner_id": owner, "guid": guid_for(request)}
        if owner < 0:
            params["from_group"] = 1
        if request.text.strip():
            params["message"] = request.text
        if attachments:
            params["attachments"] = ",".join(attachments)
        answer = self.call(token, "wall.post", Phase.COMMIT, **params)
        post_id = str((answer or {}).get("post_id") or "") if isinstance(answer, dict) else ""
        if not post_id:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("VK answered without the post's id; it may be live.")),
                network_code="no_post_id",
            )
        return PublishResult(ref=_ref(owner, post_id), raw={"post_id": post_id})

    def _upload_all(self, token: str, owner: int, request: PublishRequest) -> list[str]:
        """Each file uploaded once: its attachment name is saved before the next step."""
        names: list[str] = []
        photos = request.progress.setdefault(PHOTOS, {})
        videos = request.progress.setdefault(VIDEOS, {})
        for index, item in enumerate(request.media):
            key = str(index)
            done = videos if item.is_video else photos
            if key not in done:
                done[key] = (
                    self._video(token, owner, item, request)
                    if item.is_video
                    else self._photo(token, owner, item)
                )
                request.save_progress()
            names.append(done[key])
        return names

    def _photo(self, token: str, owner: int, item: MediaItem) -> str:
        where = {"group_id": -owner} if owner < 0 else {}
        server = self.call(token, "photos.getWallUploadServer", Phase.UPLOAD, **where)
        with multipart_body(files=[("photo", item)]) as body:
            response = self.request(
                "POST",
                server["upload_url"],
                phase=Phase.UPLOAD,
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=self.upload_timeout,
            )
        uploaded = self.read_json(response, Phase.UPLOAD)
        if not uploaded.get("photo") or uploaded.get("photo") == "[]":
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("VK's upload server did not take the photo.")),
                field="media",
                network_code="photo_empty",
            )
        saved = self.call(
            token,
            "photos.saveWallPhoto",
            Phase.UPLOAD,
            photo=uploaded["photo"],
            server=uploaded.get("server", ""),
            hash=uploaded.get("hash", ""),
            **where,
            **({"caption": item.alt_text} if item.alt_text else {}),
        )
        photo = saved[0]
        return f"photo{photo['owner_id']}_{photo['id']}"

    def _video(self, token: str, owner: int, item: MediaItem, request: PublishRequest) -> str:
        where = {"group_id": -owner} if owner < 0 else {}
        name = (request.text.strip().splitlines() or [item.filename])[0][:128]
        slot = self.call(token, "video.save", Phase.UPLOAD, name=name, wallpost=0, **where)
        with multipart_body(files=[("video_file", item)]) as body:
            response = self.request(
                "POST",
                slot["upload_url"],
                phase=Phase.UPLOAD,
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=self.upload_timeout,
            )
        uploaded = self.read_json(response, Phase.UPLOAD)
        video_owner = uploaded.get("owner_id", slot.get("owner_id"))
        video_id = uploaded.get("video_id", slot.get("video_id"))
        return f"video{video_owner}_{video_id}"

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        match = re.search(r"wall(-?\d+)_(\d+)", remote_id)
        if match:
            return _ref(int(match.group(1)), match.group(2))
        if remote_id.strip().isdigit():
            return _ref(owner_of(channel), remote_id.strip())
        return RemoteRef(id=remote_id)

    def _wall(self, channel: Channel) -> list[dict]:
        answer = self.call(
            channel.credentials["access_token"],
            "wall.get",
            owner_id=owner_of(channel),
            count=LOOKUP_LIMIT,
            filter="owner",
        )
        return [p for p in answer.get("items") or [] if isinstance(p, dict) and p.get("id")]

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [_ref(owner_of(channel), str(p["id"])) for p in self._wall(channel)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The newest wall post with this text and as many photos and videos."""
        wanted = len(request.media)
        for post in self._wall(channel):
            media = [
                a
                for a in post.get("attachments") or []
                if isinstance(a, dict) and a.get("type") in ("photo", "video")
            ]
            if same_text(post.get("text") or "", request.text) and len(media) == wanted:
                return _ref(owner_of(channel), str(post["id"]))
        return None

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        wanted = [r.id for r in refs if re.fullmatch(r"-?\d+_\d+", r.id)]
        if not wanted:
            return {}
        answer = self.call(
            channel.credentials["access_token"], "wall.getById", posts=",".join(wanted)
        )
        # Newer API versions answer {"items": [...]}, older ones the list itself.
        items = answer.get("items") if isinstance(answer, dict) else answer
        found = {}
        for post in items or []:
            if not isinstance(post, dict) or not post.get("id"):
                continue
            post_id = f"{post.get('owner_id')}_{post['id']}"
            if post_id not in wanted:
                continue
            found[post_id] = Metrics(
                {
                    name: (post.get(key) or {}).get("count")
                    for name, key in (
                        ("likes", "likes"),
                        ("comments", "comments"),
                        ("shares", "reposts"),
                        ("views", "views"),
                    )
                    if isinstance(post.get(key), dict)
                }
            )
        return found


def guid_for(request: PublishRequest) -> str:
    """VK's de-duplication id for wall.post: the item's key, nothing a retry changes."""
    return re.sub(r"[^0-9a-zA-Z]", "", request.idempotency_key)[:32]


def _ref(owner: int, post_id: str) -> RemoteRef:
    return RemoteRef(id=f"{owner}_{post_id}", url=f"https://vk.com/wall{owner}_{post_id}")


def _person(user: dict) -> Account:
    name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
    screen = user.get("screen_name") or f"id{user['id']}"
    return Account(
        external_id=str(user["id"]),
        name=name or screen,
        username=screen,
        profile_url=f"https://vk.com/{screen}",
        avatar_url=user.get("photo_200") or "",
        kind="account",
        meta={"owner_id": int(user["id"])},
    )


def _community(group: dict) -> Account:
    gid = int(group["id"])
    screen = group.get("screen_name") or f"club{gid}"
    return Account(
        external_id=str(-gid),
        name=group.get("name") or screen,
        username=screen,
        profile_url=f"https://vk.com/{screen}",
        avatar_url=group.get("photo_200") or group.get("photo_100") or "",
        kind="community",
        meta={"owner_id": -gid},
    )
