"""Bluesky (AT Protocol), on bsky.social or any self-hosted PDS, with an app password.

Logins are rate limited (30 per 5 min), so a session is created once when connecting and
then renewed with ``refreshSession``; the stored app password is only used again when the
refresh JWT itself has died. Each item gets a fixed record key (a TID derived from the
item's permanent key and number, never from a time that a retry could change), so a retry
can never create a second post: the PDS refuses a second record under the same key (the
reference PDS answers 500), and an unknown outcome is settled with ``getRecord``. The
record's ``createdAt`` is the time of the send itself.

A video goes through Bluesky's video service, as its docs recommend ("Uploading Video"):
a service token from the PDS (``getServiceAuth``, audience the PDS's did:web, scope
``uploadBlob``), ``app.bsky.video.uploadVideo`` on video.bsky.app, then
``getJobStatus`` until the job hands back the blob the service stored on the PDS. The
simpler ``uploadBlob`` straight to the PDS also works, but the video is only processed
once the post is live, so people would see a post with a missing video for a while.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import regex
import requests
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from integrations import text as text_counters
from integrations.providers.base import (
    Account,
    Channel,
    CredentialField,
    DraftItem,
    ErrorKind,
    ErrorTable,
    Grant,
    Issue,
    MediaItem,
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

POST_COLLECTION = "app.bsky.feed.post"
REPOST_COLLECTION = "app.bsky.feed.repost"
MAX_BYTES = 3000
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# app.bsky.embed.video: one MP4 per post, up to 100 MB ("formerly limited to 50mb"), and
# Bluesky's apps take videos up to three minutes long.
VIDEO_MIME = "video/mp4"
MAX_VIDEO_BYTES = 100_000_000
MAX_VIDEO_SECONDS = 180
# The service token only has to outlive the upload; the docs recommend 30 minutes.
SERVICE_TOKEN_SECONDS = 30 * 60

# Rich-text detection. Offsets sent to the network are UTF-8 byte offsets.
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_MENTION = re.compile(
    r"(?:^|(?<=[\s(]))@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z][a-zA-Z0-9-]*)"
)
# "#" or the full-width number sign U+FF03, as Bluesky's own parser accepts.
_HASHTAG = regex.compile(r"(?:^|(?<=\s))[#\uFF03]([^\s#\uFF03]*[^\d\s\p{P}][^\s#\uFF03]*)")
_TRAILING_PUNCT = ".,;:!?)]}'\""


def make_tid(micros: int, clock_id: int) -> str:
    """A TID: 0 bit, 53 bits of microseconds, 10 bits of clock id, base32-sortable."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _digit in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


# Keys that are not UUIDv7 (tests, direct calls) take their time from here.
_TID_EPOCH_MS = 1_672_531_200_000  # 2023-01-01T00:00:00Z


def tid_for(key: str, serial: str) -> str:
    """The record key of one of our items: a TID whose time part is when the item was
    written (the milliseconds of its UUIDv7 ``key``) and whose lower digits are the item's
    number (``serial``), so two items of one installation never share a key. Nothing here
    changes between attempts."""
    digest = hashlib.sha256(f"{key}|{serial}".encode()).digest()
    try:
        parsed = uuid.UUID(key)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.version == 7:
        milliseconds = parsed.int >> 80
    else:
        milliseconds = _TID_EPOCH_MS + int.from_bytes(digest[:4], "big") % (365 * 86_400_000)
    number = int(serial) if serial.isdigit() else int.from_bytes(digest[4:8], "big")
    return make_tid(milliseconds * 1000 + number % 1000, (number // 1000) % 1024)


def jwt_expiry(token: str) -> datetime | None:
    """The ``exp`` claim, read without verifying (we only schedule the refresh with it)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload))["exp"]
        return datetime.fromtimestamp(int(exp), tz=UTC)
    except (IndexError, ValueError, KeyError, TypeError):
        return None


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _trim(value: str) -> str:
    return value.rstrip(_TRAILING_PUNCT)


def _origin(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    # Plain http only for a development PDS on this machine.
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    scheme = "http" if parts.scheme == "http" and local else "https"
    return f"{scheme}://{parts.netloc}"


# -- errors: XRPC answers {"error": "<Name>", "message": "..."}, on any status -------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    data = body or {}
    code, message = str(data.get("error") or ""), str(data.get("message") or "")
    return Said(
        response.status_code,
        code=code,
        message=message,
        values={"reason": message or code},
        body=body,
    )


LOGIN_REFUSED = gettext_noop(
    "Bluesky refused the handle or app password. Check the handle, create a new app password "
    "in Bluesky's settings, and connect again."
)
SLOW_DOWN = gettext_noop("Bluesky asked us to slow down; we will try again after its limit resets.")
TOO_LARGE = gettext_noop(
    "Bluesky rejected a file as too large; use images under 1 MB and videos under 100 MB."
)
REJECTED = gettext_noop("Bluesky rejected the post: {reason|the request was invalid}")
ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("The Bluesky session has expired; we will renew it."),
            code=("ExpiredToken", "InvalidToken"),
        ),
        Rule(
            ErrorKind.AUTH_REVOKED, LOGIN_REFUSED, code="AuthenticationRequired", phase=Phase.AUTH
        ),
        Rule(ErrorKind.AUTH_REVOKED, LOGIN_REFUSED, status=401, phase=Phase.AUTH),
        Rule(
            ErrorKind.AUTH_EXPIRED,
            gettext_noop("Bluesky asked us to sign in again; we will renew the session."),
            code="AuthenticationRequired",
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Bluesky says this account is unavailable ({code}); reconnect it once it is "
                "active again."
            ),
            code=("AccountTakedown", "AccountDeactivated", "AccountSuspended"),
        ),
        Rule(ErrorKind.RATE_LIMITED, SLOW_DOWN, status=429),
        Rule(ErrorKind.RATE_LIMITED, SLOW_DOWN, code="RateLimitExceeded"),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop("Bluesky could not find that post; it may have been deleted."),
            code=("RecordNotFound", "NotFound"),
        ),
        Rule(ErrorKind.CONTENT_REJECTED, TOO_LARGE, code="BlobTooLarge", field="media"),
        Rule(ErrorKind.CONTENT_REJECTED, TOO_LARGE, status=413, field="media"),
        Rule(ErrorKind.CONTENT_REJECTED, REJECTED, status=400),
        Rule(ErrorKind.CONTENT_REJECTED, REJECTED, code=("InvalidRequest", "InvalidSwap")),
    ),
)


class BlueskyProvider(Provider):
    identifier = "bluesky"
    display_name = "Bluesky"
    auth_kind = "app-password"
    custom_instance = True
    account_selection = "none"
    reply_mode = "thread"
    text_counter = "graphemes"
    text_limit = 300
    media_rules = MediaRules(
        max_count=4,
        mime_types=("image/jpeg", "image/png", "image/webp", "image/gif", VIDEO_MIME),
        max_image_bytes=1_000_000,
        max_video_bytes=MAX_VIDEO_BYTES,
        video_alone=True,
    )
    idempotency = "deterministic-key"
    lookup = "by-key"
    refresh_ahead = 600
    max_concurrency = 2
    # Counts come from the AppView the PDS proxies app.bsky.* reads to: a post's likes,
    # reposts, replies and quotes; the profile's followers.
    analytics = "both"
    # app.bsky.feed.getPosts takes at most 25 URIs; the PDS allows 3,000 requests per
    # 5 minutes per IP, shared with everything else this server sends.
    metrics_batch = 25
    metrics_per_hour = 300
    # A repost is an app.bsky.feed.repost record under a record key derived from the
    # plug run (looked up by that key after an unclear answer); a reply is a post.
    plug_kinds = ("repost", "reply")
    plug_metrics = ("likes", "shares", "comments")
    repost_once = True
    # api: the default service a login goes to; web: where people read posts; video:
    # the service that processes videos before they are posted.
    endpoints = {
        "api": "https://bsky.social",
        "web": "https://bsky.app",
        "video": "https://video.bsky.app",
    }
    settings_fields = ()
    preference_fields = (
        SettingField(
            "web_app",
            "url",
            label=gettext_lazy("Web app"),
            max_length=200,
            help_text=gettext_lazy(
                "Where “View on the network” opens this account's posts, e.g. https://bsky.app "
                "(the default). An account on a self-hosted PDS that Bluesky's network does not "
                "crawl is read elsewhere: give that web app's address."
            ),
        ),
    )
    tools = (
        Tool(
            "mention",
            gettext_lazy(
                "Find accounts to mention: handle, DID, name and avatar, from a name or a handle."
            ),
            (
                ToolInput(
                    "query", description=gettext_lazy("A name or handle, e.g. alice.bsky.social")
                ),
            ),
        ),
    )
    errors = ERRORS
    redact_patterns = (
        r"eyJ[\w-]+\.[\w-]+\.[\w-]*",  # JWTs
        r"\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b",  # app passwords
    )

    def __init__(self):
        super().__init__()
        # Video processing takes seconds to minutes; tests set the interval to 0.
        self.video_poll_interval: float = 2.0
        self.video_poll_attempts = 90

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "service",
                _("Service URL"),
                "url",
                required=False,
                initial=self.endpoint("api"),
                help_text=gettext_lazy(
                    "Leave as is unless your account lives on a self-hosted PDS."
                ),
            ),
            CredentialField(
                "identifier",
                _("Handle or DID"),
                "text",
                help_text=gettext_lazy("For example alice.bsky.social."),
            ),
            CredentialField(
                "app_password",
                _("App password"),
                "secret",
                help_text=gettext_lazy(
                    "Create one in Bluesky under Settings → Privacy and security → App passwords. "
                    "Never use your main password."
                ),
            ),
        ]

    def authenticate(self, fields: dict) -> Grant:
        service = _origin(fields.get("service") or "") or self.endpoint("api")
        identifier = (fields.get("identifier") or "").strip().lstrip("@")
        password = (fields.get("app_password") or "").strip()
        if not identifier or not password:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(gettext_noop("Enter your Bluesky handle and an app password.")),
            )
        return self._create_session(service, identifier, password)

    def _create_session(self, service: str, identifier: str, password: str) -> Grant:
        response = self.request(
            "POST",
            service + "/xrpc/com.atproto.server.createSession",
            phase=Phase.AUTH,
            json={"identifier": identifier, "password": password},
        )
        data = self.read_json(response)
        grant = self._grant_from_session(data, service, identifier, password)
        return grant

    def _grant_from_session(
        self, data: dict, service: str, identifier: str, password: str, pds: str = ""
    ) -> Grant:
        access, refresh = data.get("accessJwt"), data.get("refreshJwt")
        if not access or not refresh or not data.get("did"):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(gettext_noop("Bluesky answered the sign-in without a session; try again.")),
                raw_excerpt=json.dumps(data)[:200] if isinstance(data, dict) else "",
            )
        pds = _pds_from_did_doc(data.get("didDoc")) or pds or service
        return Grant(
            credentials={
                "access_jwt": access,
                "refresh_jwt": refresh,
                "identifier": identifier,
                "app_password": password,
            },
            expires_at=jwt_expiry(access) or datetime.now(UTC) + timedelta(hours=2),
            refresh_expires_at=jwt_expiry(refresh),
            meta={
                "did": data["did"],
                "handle": data.get("handle") or identifier,
                "pds": pds,
                "service": service,
            },
        )

    def accounts(self, grant: Grant) -> list[Account]:
        did, handle, pds = grant.meta["did"], grant.meta["handle"], grant.meta["pds"]
        name, avatar = handle, ""
        try:
            response = self.request(
                "GET",
                pds + "/xrpc/app.bsky.actor.getProfile",
                phase=Phase.READ,
                params={"actor": did},
                headers=self.bearer(grant.credentials["access_jwt"]),
            )
            profile = self.read_json(response)
            name = profile.get("displayName") or handle
            avatar = profile.get("avatar") or ""
        except ProviderError:
            # A bare PDS has no AppView behind it; the handle is a fine name.
            pass
        return [
            Account(
                external_id=did,
                name=name,
                username=handle,
                profile_url=f"{self.endpoint('web')}/profile/{handle}",
                avatar_url=avatar,
                meta=dict(grant.meta),
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        grant = Grant(credentials=channel.credentials, meta=channel.meta)
        account = self.accounts(grant)[0]
        account.profile_url = f"{self.web_app(channel)}/profile/{account.username}"
        return account

    def check_refreshes(self, channel: Channel) -> bool:
        # An access JWT stays valid for up to two hours after its app password is revoked;
        # the refresh JWT (or, once it is dead, a new login) is refused at once.
        creds = channel.credentials
        return bool(creds.get("refresh_jwt") or creds.get("app_password"))

    def refresh(self, channel: Channel) -> Grant:
        creds, meta = channel.credentials, channel.meta
        pds = meta.get("pds") or meta.get("service") or self.endpoint("api")
        service = meta.get("service") or pds
        try:
            response = self.request(
                "POST",
                pds + "/xrpc/com.atproto.server.refreshSession",
                phase=Phase.AUTH,
                headers=self.bearer(creds["refresh_jwt"]),
            )
        except ProviderError as error:
            if error.kind not in (ErrorKind.AUTH_EXPIRED, ErrorKind.AUTH_REVOKED):
                raise
            # The refresh JWT is dead: sign in again with the stored app password.
            if not creds.get("app_password"):
                raise ProviderError(
                    ErrorKind.AUTH_REVOKED,
                    Text(gettext_noop("Bluesky ended this session; reconnect the channel.")),
                    network_code=error.network_code,
                ) from error
            return self._create_session(
                service, creds.get("identifier") or meta.get("did", ""), creds["app_password"]
            )
        grant = self._grant_from_session(
            self.read_json(response),
            service,
            creds.get("identifier", ""),
            creds.get("app_password", ""),
            pds=pds,
        )
        return grant

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        pds, did = self._pds(channel), channel.meta.get("did") or channel.external_id
        token = channel.credentials["access_jwt"]
        rkey = self.record_key(request)
        record: dict = {
            "$type": POST_COLLECTION,
            "text": request.text,
            # The time of this send: the one that succeeds is the one people see.
            "createdAt": _iso(datetime.now(UTC)),
        }
        facets = self.facets(request.text, channel)
        if facets:
            record["facets"] = facets
        videos = [item for item in request.media if item.is_video]
        if videos:
            record["embed"] = self._video_embed(channel, pds, token, request, videos[0])
        elif request.media:
            record["embed"] = self._images_embed(pds, token, request)
        parent = request.reply_to
        if parent is not None:
            root = request.root or parent
            record["reply"] = {"root": _strong_ref(root), "parent": _strong_ref(parent)}

        body = {"repo": did, "collection": POST_COLLECTION, "rkey": rkey, "record": record}
        try:
            response = self.request(
                "POST",
                pds + "/xrpc/com.atproto.repo.createRecord",
                phase=Phase.COMMIT,
                json=body,
                headers=self.bearer(token),
            )
        except ProviderError as error:
            if error.kind not in (ErrorKind.CONTENT_REJECTED, ErrorKind.UNKNOWN_OUTCOME):
                raise
            # Our record key already taken means an earlier attempt landed (the reference
            # PDS answers that with a 500): look at once rather than guess.
            try:
                existing = self.find_existing(channel, request)
            except ProviderError:
                raise error from None
            if existing is None:
                raise
            return PublishResult(ref=existing, raw={"adopted": True})
        data = self.read_json(response, phase=Phase.COMMIT)
        uri, cid = data.get("uri"), data.get("cid")
        if not uri:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Bluesky accepted the post without saying where it is; we will check."
                    )
                ),
                raw_excerpt=response.text,
            )
        return PublishResult(ref=self._ref(channel, uri, cid, rkey), raw=data)

    @staticmethod
    def record_key(request: PublishRequest) -> str:
        """The item's record key: fixed by its permanent key (an item whose first attempt
        was made by an earlier version keeps the key it saved then)."""
        return request.progress.get("rkey") or tid_for(request.idempotency_key, request.post_id)

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        rkey = self.record_key(request)
        did = channel.meta.get("did") or channel.external_id
        try:
            response = self.request(
                "GET",
                self._pds(channel) + "/xrpc/com.atproto.repo.getRecord",
                phase=Phase.READ,
                params={"repo": did, "collection": POST_COLLECTION, "rkey": rkey},
                headers=self.bearer(channel.credentials["access_jwt"]),
            )
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                return None
            raise
        data = self.read_json(response)
        value = data.get("value")
        if isinstance(value, dict) and value.get("text") != request.text:
            # Someone else's record under our key: adopting it would be a lie, and sending
            # again cannot work.
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Bluesky already has a different post under this post's record key; "
                        "duplicate the post to send it again."
                    )
                ),
                network_code="rkey_taken",
                raw_excerpt=response.text,
            )
        return self._ref(channel, data.get("uri", ""), data.get("cid", ""), rkey)

    # -- plugs ----------------------------------------------------------------------------
    def repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef:
        pds, did = self._pds(channel), channel.meta.get("did") or channel.external_id
        rkey = tid_for(key, "repost")
        record = {
            "$type": REPOST_COLLECTION,
            "subject": self._subject(channel, target),
            "createdAt": _iso(datetime.now(UTC)),
        }
        body = {"repo": did, "collection": REPOST_COLLECTION, "rkey": rkey, "record": record}
        try:
            response = self.request(
                "POST",
                pds + "/xrpc/com.atproto.repo.createRecord",
                phase=Phase.COMMIT,
                json=body,
                headers=self.bearer(channel.credentials["access_jwt"]),
            )
        except ProviderError as error:
            if error.kind not in (ErrorKind.CONTENT_REJECTED, ErrorKind.UNKNOWN_OUTCOME):
                raise
            # Our record key taken means an earlier attempt landed: adopt it.
            try:
                existing = self.find_repost(channel, target, key=key)
            except ProviderError:
                raise error from None
            if existing is None:
                raise
            return existing
        data = self.read_json(response, phase=Phase.COMMIT)
        if not data.get("uri"):
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "Bluesky accepted the repost without saying where it is; we will check."
                    )
                ),
                raw_excerpt=response.text,
            )
        return RemoteRef(
            id=data["uri"], url=target.url, extra={"uri": data["uri"], "cid": data.get("cid")}
        )

    def find_repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef | None:
        did = channel.meta.get("did") or channel.external_id
        try:
            response = self.request(
                "GET",
                self._pds(channel) + "/xrpc/com.atproto.repo.getRecord",
                phase=Phase.READ,
                params={
                    "repo": did,
                    "collection": REPOST_COLLECTION,
                    "rkey": tid_for(key, "repost"),
                },
                headers=self.bearer(channel.credentials["access_jwt"]),
            )
        except ProviderError as error:
            if error.kind == ErrorKind.NOT_FOUND:
                return None
            raise
        data = self.read_json(response)
        return RemoteRef(id=data.get("uri", ""), url=target.url, extra={"cid": data.get("cid")})

    def _subject(self, channel: Channel, target: RemoteRef) -> dict:
        """The strong reference (uri and cid) of our post; the cid is read from the
        repository when the post was recorded without one (an id set by hand)."""
        uri = target.extra.get("uri") or target.id
        cid = target.extra.get("cid") or ""
        if not cid:
            repo, _, rkey = uri.removeprefix("at://").partition(f"/{POST_COLLECTION}/")
            response = self.request(
                "GET",
                self._pds(channel) + "/xrpc/com.atproto.repo.getRecord",
                phase=Phase.READ,
                params={"repo": repo, "collection": POST_COLLECTION, "rkey": rkey},
                headers=self.bearer(channel.credentials["access_jwt"]),
            )
            cid = self.read_json(response).get("cid") or ""
        return {"uri": uri, "cid": cid}

    def web_app(self, channel: Channel) -> str:
        """The web app this channel's posts are read in: its own (the Web app preference),
        else Bluesky's. Its /profile/<handle>/post/<rkey> is the post's address."""
        chosen = str(channel.preferences.get("web_app") or "").strip().rstrip("/")
        if chosen.lower().startswith(("https://", "http://")):
            return chosen
        return self.endpoint("web")

    def _ref(self, channel: Channel, uri: str, cid: str, rkey: str) -> RemoteRef:
        handle = channel.meta.get("handle") or channel.username or channel.external_id
        return RemoteRef(
            id=uri,
            url=f"{self.web_app(channel)}/profile/{handle}/post/{rkey}",
            extra={"uri": uri, "cid": cid, "rkey": rkey},
        )

    def _images_embed(self, pds: str, token: str, request: PublishRequest) -> dict:
        blobs = request.progress.setdefault("blobs", {})
        images = []
        for index, item in enumerate(request.media):
            key = str(index)
            if key not in blobs:
                response = self.request(
                    "POST",
                    pds + "/xrpc/com.atproto.repo.uploadBlob",
                    phase=Phase.UPLOAD,
                    timeout=self.upload_timeout,
                    data=item.read(),
                    headers={**self.bearer(token), "Content-Type": item.mime_type},
                )
                blob = self.read_json(response).get("blob")
                if not blob:
                    raise ProviderError(
                        ErrorKind.TRANSIENT_BEFORE_SEND,
                        Text(
                            gettext_noop(
                                "Bluesky did not return the uploaded image; we will try again."
                            )
                        ),
                    )
                blobs[key] = blob  # persisted with the progress: a retry skips the upload
            image = {"alt": item.alt_text or "", "image": blobs[key]}
            if item.width and item.height:
                image["aspectRatio"] = {"width": item.width, "height": item.height}
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    def _video_embed(
        self, channel: Channel, pds: str, token: str, request: PublishRequest, item: MediaItem
    ) -> dict:
        progress = request.progress
        if "video_blob" not in progress:
            did = channel.meta.get("did") or channel.external_id
            if "video_job" not in progress:
                progress["video_job"] = self._upload_video(pds, token, did, item, progress)
            if "video_blob" not in progress:
                progress["video_blob"] = self._await_video_job(progress)
        embed: dict = {"$type": "app.bsky.embed.video", "video": progress["video_blob"]}
        if item.alt_text:
            embed["alt"] = item.alt_text
        if item.width and item.height:
            embed["aspectRatio"] = {"width": item.width, "height": item.height}
        return embed

    def _upload_video(self, pds: str, token: str, did: str, item: MediaItem, progress: dict) -> str:
        """Send the file to the video service; returns the processing job's id."""
        response = self.request(
            "GET",
            pds + "/xrpc/com.atproto.server.getServiceAuth",
            phase=Phase.UPLOAD,
            params={
                "aud": _did_web(pds),
                "lxm": "com.atproto.repo.uploadBlob",
                "exp": int(time.time()) + SERVICE_TOKEN_SECONDS,
            },
            headers=self.bearer(token),
        )
        service_token = self.read_json(response, Phase.UPLOAD).get("token")
        if not service_token:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "Bluesky did not give us a token to upload the video; we will try again."
                    )
                ),
            )
        try:
            # Sent from the stored file as it is read: a video is never in memory whole.
            with item.open() as stream:
                response = self.request(
                    "POST",
                    self.url("video", "/xrpc/app.bsky.video.uploadVideo"),
                    phase=Phase.UPLOAD,
                    timeout=self.upload_timeout,
                    params={"did": did, "name": item.filename},
                    data=stream,
                    headers={**self.bearer(service_token), "Content-Type": VIDEO_MIME},
                )
            status = _job_status(self.read_json(response, Phase.UPLOAD))
        except ProviderError as error:
            # The same file processed before: the service answers already_exists with
            # that job, whose blob can be used as is.
            status = _job_status(_json_or_empty(error.raw_excerpt))
            if error.kind != ErrorKind.CONTENT_REJECTED or not status.get("jobId"):
                raise
        self._check_job(status)
        if status.get("blob"):
            progress["video_blob"] = status["blob"]
        job_id = status.get("jobId")
        if not job_id:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "Bluesky's video service did not start processing the video; we will try "
                        "again."
                    )
                ),
            )
        return str(job_id)

    def _await_video_job(self, progress: dict) -> dict:
        """Poll the job until it holds the blob; a retry resumes the same job."""
        job_id = progress["video_job"]

        def check():
            response = self.request(
                "GET",
                self.url("video", "/xrpc/app.bsky.video.getJobStatus"),
                phase=Phase.READ,
                params={"jobId": job_id},
            )
            status = _job_status(self.read_json(response))
            try:
                self._check_job(status)
            except ProviderError:
                progress.pop("video_job", None)  # an edited post uploads afresh
                raise
            return status.get("blob")

        blob = self.poll(
            check, attempts=self.video_poll_attempts, interval=lambda: self.video_poll_interval
        )
        if not blob:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "Bluesky is still processing the video; we will try again shortly."
                    )
                ),
                retry_after=30.0,
            )
        return blob

    @staticmethod
    def _check_job(status: dict) -> None:
        # The docs: a blob in the answer is usable whatever the state says.
        if status.get("state") == "JOB_STATE_FAILED" and not status.get("blob"):
            detail = (
                status.get("message")
                or status.get("error")
                or Text(gettext_noop("processing failed"))
            )
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop("Bluesky could not process the video: %(detail)s"), detail=detail
                ),
                network_code=str(status.get("failureCode") or status.get("error") or ""),
                raw_excerpt=json.dumps(status)[:500],
                field="media",
            )

    # -- rich text ----------------------------------------------------------------------
    def facets(self, text: str, channel: Channel | None = None) -> list[dict]:
        """Links, mentions (resolved to DIDs) and hashtags, with UTF-8 byte offsets."""
        facets: list[dict] = []
        taken: list[tuple[int, int]] = []

        def add(start: int, end: int, feature: dict) -> None:
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            facets.append(
                {
                    "index": {
                        "byteStart": _byte_offset(text, start),
                        "byteEnd": _byte_offset(text, end),
                    },
                    "features": [feature],
                }
            )

        for match in _LINK.finditer(text):
            uri = _trim(match.group(0))
            start = match.start()
            add(start, start + len(uri), {"$type": "app.bsky.richtext.facet#link", "uri": uri})
        for match in _MENTION.finditer(text):
            handle = _trim(match.group(1))
            start = match.start(1) - 1
            did = self._resolve_handle(handle, channel) if channel else None
            if did:
                add(
                    start,
                    start + 1 + len(handle),
                    {"$type": "app.bsky.richtext.facet#mention", "did": did},
                )
        for match in _HASHTAG.finditer(text):
            tag = _trim(match.group(1))
            if not tag or len(tag) > 64:
                continue
            start = match.start(1) - 1
            add(start, start + 1 + len(tag), {"$type": "app.bsky.richtext.facet#tag", "tag": tag})
        facets.sort(key=lambda f: f["index"]["byteStart"])
        return facets

    def _resolve_handle(self, handle: str, channel: Channel) -> str | None:
        try:
            response = self.request(
                "GET",
                self._pds(channel) + "/xrpc/com.atproto.identity.resolveHandle",
                phase=Phase.READ,
                params={"handle": handle.lower()},
                headers=self.bearer(channel.credentials["access_jwt"]),
            )
        except ProviderError as error:
            if error.kind in (ErrorKind.CONTENT_REJECTED, ErrorKind.NOT_FOUND):
                return None  # not a Bluesky handle: leave it as plain text
            raise
        return self.read_json(response).get("did")

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        # An at:// URI, a bsky.app post address, or the record key alone.
        rkey = remote_id.rstrip("/").rsplit("/", 1)[-1]
        if not re.fullmatch(r"[A-Za-z0-9._:~-]{1,512}", rkey):
            return RemoteRef(id=remote_id)
        did = channel.meta.get("did") or channel.external_id
        uri = f"at://{did}/{POST_COLLECTION}/{rkey}"
        return self._ref(channel, uri, "", rkey)

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        did = channel.meta.get("did") or channel.external_id
        response = self.request(
            "GET",
            self._pds(channel) + "/xrpc/com.atproto.repo.listRecords",
            phase=Phase.READ,
            params={"repo": did, "collection": POST_COLLECTION, "limit": 20},
            headers=self.bearer(channel.credentials["access_jwt"]),
        )
        found = []
        for record in self.read_json(response).get("records") or []:
            uri = record.get("uri") if isinstance(record, dict) else None
            if uri:
                rkey = uri.rsplit("/", 1)[-1]
                found.append(self._ref(channel, uri, record.get("cid") or "", rkey))
        return found

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        uris = [ref.id for ref in refs if ref.id.startswith("at://")]
        if not uris:
            return {}
        response = self.request(
            "GET",
            self._pds(channel) + "/xrpc/app.bsky.feed.getPosts",
            phase=Phase.READ,
            params=[("uris", uri) for uri in uris],
            headers=self.bearer(channel.credentials["access_jwt"]),
        )
        found = {}
        # A deleted post is simply absent from ``posts``.
        for view in self.read_json(response).get("posts") or []:
            if isinstance(view, dict) and view.get("uri") in uris:
                found[view["uri"]] = Metrics(
                    {
                        "likes": view.get("likeCount"),
                        "shares": _sum(view.get("repostCount"), view.get("quoteCount")),
                        "comments": view.get("replyCount"),
                    }
                )
        return found

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        # The AppView tells only current totals: they count for today.
        did = channel.meta.get("did") or channel.external_id
        response = self.request(
            "GET",
            self._pds(channel) + "/xrpc/app.bsky.actor.getProfile",
            phase=Phase.READ,
            params={"actor": did},
            headers=self.bearer(channel.credentials["access_jwt"]),
        )
        profile = self.read_json(response)
        today = datetime.now(UTC).date()
        if not since <= today <= until:
            return {}
        return {today: Metrics({"followers": profile.get("followersCount")})}

    # -- look-up tools ------------------------------------------------------------------
    def mention(self, channel: Channel, *, query: str) -> list[dict]:
        query = query.lstrip("@")
        token = channel.credentials["access_jwt"]
        try:
            # The PDS hands app.bsky.* reads to its AppView.
            response = self.request(
                "GET",
                self._pds(channel) + "/xrpc/app.bsky.actor.searchActorsTypeahead",
                phase=Phase.READ,
                params={"q": query, "limit": 10},
                headers=self.bearer(token),
            )
            actors = self.read_json(response).get("actors") or []
        except ProviderError as error:
            refused = (ErrorKind.AUTH_EXPIRED, ErrorKind.AUTH_REVOKED, ErrorKind.RATE_LIMITED)
            if error.kind in refused or "." not in query:
                raise
            # A PDS without an AppView cannot search, but it resolves an exact handle.
            did = self._resolve_handle(query, channel)
            actors = [{"did": did, "handle": query.lower()}] if did else []
        return [
            {
                "id": actor["did"],
                "name": actor.get("displayName") or actor.get("handle") or actor["did"],
                "username": actor.get("handle") or "",
                "picture": actor.get("avatar") or "",
                "url": f"{self.endpoint('web')}/profile/{actor.get('handle') or actor['did']}",
            }
            for actor in actors
            if isinstance(actor, dict) and actor.get("did")
        ]

    # -- validation ---------------------------------------------------------------------
    def validate_item(self, index: int, item: DraftItem, channel: Channel | None) -> list[Issue]:
        issues = super().validate_item(index, item, channel)
        for file in item.media:
            if file.is_video and file.duration and file.duration > MAX_VIDEO_SECONDS:
                issues.append(
                    Issue(
                        "media_duration",
                        _(
                            "%(file)s lasts %(duration)s s; Bluesky allows videos up to "
                            "%(minutes)s minutes."
                        )
                        % {
                            "file": file.filename,
                            "duration": f"{file.duration:.0f}",
                            "minutes": MAX_VIDEO_SECONDS // 60,
                        },
                        "media",
                        item=index,
                        limit=MAX_VIDEO_SECONDS,
                        actual=file.duration,
                    )
                )
        size = text_counters.utf8_bytes(item.text)
        if size > MAX_BYTES:
            issues.append(
                Issue(
                    "text_too_long",
                    _(
                        "Bluesky allows %(limit)s bytes of text; this has %(count)s (emoji and "
                        "non-Latin letters take several bytes)."
                    )
                    % {"limit": MAX_BYTES, "count": size},
                    item=index,
                    limit=MAX_BYTES,
                    actual=size,
                )
            )
        return issues

    # -- HTTP ---------------------------------------------------------------------------
    def _pds(self, channel: Channel) -> str:
        return channel.meta.get("pds") or channel.meta.get("service") or self.endpoint("api")


def _sum(*counts) -> int | None:
    """Reposts and quotes both spread a post (shares); None when neither is told."""
    told = [int(c) for c in counts if c is not None]
    return sum(told) if told else None


def _pds_from_did_doc(doc) -> str:
    if not isinstance(doc, dict):
        return ""
    for service in doc.get("service") or []:
        if not isinstance(service, dict):
            continue
        sid = str(service.get("id", ""))
        if sid.endswith("#atproto_pds") or service.get("type") == "AtprotoPersonalDataServer":
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/")
    return ""


def _did_web(origin: str) -> str:
    """The did:web naming a PDS (a port is percent-encoded, as did:web requires)."""
    netloc = urlsplit(origin).netloc
    return "did:web:" + netloc.replace(":", "%3A")


def _job_status(data: dict) -> dict:
    """uploadVideo answers the job status itself, getJobStatus wraps it in jobStatus."""
    inner = data.get("jobStatus")
    return inner if isinstance(inner, dict) else data


def _json_or_empty(text: str) -> dict:
    try:
        data = json.loads(text or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _strong_ref(ref: RemoteRef) -> dict:
    return {"uri": ref.extra.get("uri") or ref.id, "cid": ref.extra.get("cid", "")}


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
