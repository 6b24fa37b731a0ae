"""Nostr: kind-1 notes signed with the person's key and sent to their relays.

The one provider that speaks WebSocket rather than HTTP (NIP-01), through websockets'
synchronous client so no event loop is needed inside Django. An event's id is the hash of
its content, so the signed event is persisted before it is first sent and every retry
resends the very same event: relays store it once (``duplicate:``), and whether it landed
can be asked of any relay by id. NIP-11 relay documents (plain HTTP) give length limits.

Media needs a NIP-96 file server chosen when connecting: its ``nip96.json`` names the
upload URL and its limits; each file is POSTed with a NIP-98 ``Authorization: Nostr``
header (a signed kind-27235 event), and the note carries the returned URLs in its content
plus one NIP-92 ``imeta`` tag per file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from coincurve import PrivateKey, PublicKeyXOnly
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.sync.client import connect

from integrations.providers.base import (
    USER_AGENT,
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
    Phase,
    Provider,
    ProviderError,
    PublishRequest,
    PublishResult,
    RemoteRef,
    Rule,
    Said,
    json_object,
)
from integrations.providers.base.multipart import multipart_body
from organizations.texts import Text
from postiz.ssrf import UnsafeURL, pinned_socket

logger = logging.getLogger("postiz.providers")

MAX_MEDIA = 4  # files per note
# The file is hashed for the upload's signature one piece of this size at a time.
HASH_CHUNK = 1024 * 1024

# -- NIP-19 bech32 (BIP-173) ------------------------------------------------------------
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def _polymod(values: list[int]) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            chk ^= _GEN[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data, from_bits: int, to_bits: int, pad: bool) -> list[int] | None:
    acc = bits = 0
    out = []
    maxv = (1 << to_bits) - 1
    for value in data:
        if value < 0 or value >> from_bits:
            return None
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or ((acc << (to_bits - bits)) & maxv):
        return None
    return out


def bech32_encode(hrp: str, data: bytes) -> str:
    words = _convert_bits(data, 8, 5, True) or []
    checksum_in = _hrp_expand(hrp) + words + [0] * 6
    mod = _polymod(checksum_in) ^ 1
    checksum = [(mod >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_CHARSET[d] for d in words + checksum)


def bech32_decode(text: str) -> tuple[str, bytes]:
    """(hrp, payload) of a bech32 string; ValueError when it is not one."""
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixed case")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text):
        raise ValueError("no separator")
    hrp, rest = text[:pos], text[pos + 1 :]
    if any(c not in _CHARSET for c in rest):
        raise ValueError("bad character")
    words = [_CHARSET.index(c) for c in rest]
    if _polymod(_hrp_expand(hrp) + words) != 1:
        raise ValueError("bad checksum")
    data = _convert_bits(words[:-6], 5, 8, False)
    if data is None:
        raise ValueError("bad padding")
    return hrp, bytes(data)


def parse_private_key(value: str) -> bytes:
    """32 secret bytes from an ``nsec1…`` or 64 hex characters; ValueError otherwise."""
    value = (value or "").strip()
    if value.lower().startswith("nsec1"):
        hrp, data = bech32_decode(value)
        if hrp != "nsec" or len(data) != 32:
            raise ValueError("not an nsec key")
        secret = data
    else:
        if len(value) != 64:
            raise ValueError("not 64 hex characters")
        secret = bytes.fromhex(value)
    PrivateKey(secret)  # raises ValueError for zero or out-of-range keys
    return secret


def npub(pubkey_hex: str) -> str:
    return bech32_encode("npub", bytes.fromhex(pubkey_hex))


def note_id(event_id_hex: str) -> str:
    return bech32_encode("note", bytes.fromhex(event_id_hex))


# -- NIP-01 events --------------------------------------------------------------------
def event_id(event: dict) -> str:
    payload = [
        0,
        event["pubkey"],
        event["created_at"],
        event["kind"],
        event["tags"],
        event["content"],
    ]
    serial = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(serial.encode("utf-8")).hexdigest()


def sign_event(secret: bytes, *, kind: int, content: str, tags: list, created_at: int) -> dict:
    key = PrivateKey(secret)
    event = {
        "pubkey": key.public_key_xonly.format().hex(),
        "created_at": int(created_at),
        "kind": kind,
        "tags": tags,
        "content": content,
    }
    event["id"] = event_id(event)
    event["sig"] = key.sign_schnorr(bytes.fromhex(event["id"])).hex()
    return event


def verify_event(event: dict) -> bool:
    try:
        if event_id(event) != event["id"]:
            return False
        key = PublicKeyXOnly(bytes.fromhex(event["pubkey"]))
        return key.verify(bytes.fromhex(event["sig"]), bytes.fromhex(event["id"]))
    except (KeyError, TypeError, ValueError):
        return False


@dataclass
class RelayAnswer:
    relay: str
    status: str  # ok, rejected, unreachable, no_answer
    message: str = ""


# OK-false prefixes (NIP-01) → what they mean for the post.
_REJECTIONS = {
    "invalid": ErrorKind.CONTENT_REJECTED,
    "pow": ErrorKind.CONTENT_REJECTED,
    "blocked": ErrorKind.PERMISSION_DENIED,
    "restricted": ErrorKind.PERMISSION_DENIED,
    "mute": ErrorKind.PERMISSION_DENIED,
    "auth-required": ErrorKind.PERMISSION_DENIED,
    "rate-limited": ErrorKind.RATE_LIMITED,
    "error": ErrorKind.TRANSIENT_BEFORE_SEND,
}
# When relays disagree, the most actionable answer wins.
_PRECEDENCE = (
    ErrorKind.CONTENT_REJECTED,
    ErrorKind.PERMISSION_DENIED,
    ErrorKind.RATE_LIMITED,
    ErrorKind.TRANSIENT_BEFORE_SEND,
)


def _prefix(message: str) -> str:
    head, sep, _ = (message or "").partition(":")
    return head.strip().lower() if sep else ""


def parse_relays(text: str | list) -> list[str]:
    """wss:// URLs, one per line; ws:// only for relays on this machine (development)."""
    lines = text if isinstance(text, list) else (text or "").splitlines()
    relays: list[str] = []
    for line in lines:
        url = line.strip().rstrip("/")
        if not url:
            continue
        parts = urlsplit(url)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not parts.hostname or not (parts.scheme == "wss" or (parts.scheme == "ws" and local)):
            raise ValueError(url)
        if url not in relays:
            relays.append(url)
    return relays


# -- errors: relays answer over WebSocket (``_failure``); over HTTP only the NIP-96 media
# server does, with its status and {"message": "..."} --------------------------------
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    said = str((body or {}).get("message") or "").strip()
    paren = f" ({said})" if said else ""
    return Said(response.status_code, message=said, values={"paren": paren}, body=body)


def _media_server(message: str, status: int) -> Rule:
    return Rule(
        ErrorKind.PERMISSION_DENIED,
        message,
        phase=Phase.UPLOAD,
        status=status,
    )


ERRORS = ErrorTable(
    read=read_error,
    rows=(
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop(
                "The media server refused a file as too large{paren}. Use a smaller file or "
                "another media server."
            ),
            phase=Phase.UPLOAD,
            status=413,
            field="media",
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("The media server refused a file{paren}."),
            phase=Phase.UPLOAD,
            status=(400, 415),
            field="media",
        ),
        _media_server(
            gettext_noop(
                "The media server did not accept our signed authorization{paren}. Check your "
                "account there, or choose another media server for this channel."
            ),
            401,
        ),
        _media_server(
            gettext_noop(
                "The media server asks for payment before it stores files{paren}. Check your "
                "account there, or choose another media server for this channel."
            ),
            402,
        ),
        _media_server(
            gettext_noop(
                "The media server does not accept uploads from this key{paren}. Check your "
                "account there, or choose another media server for this channel."
            ),
            403,
        ),
    ),
)


class NostrProvider(Provider):
    identifier = "nostr"
    display_name = "Nostr"
    auth_kind = "credentials-form"
    custom_instance = False
    account_selection = "none"
    reply_mode = "thread"
    text_counter = "codepoints"
    text_limit = None  # unless a relay publishes max_content_length (NIP-11)
    media_rules = MediaRules(max_count=0)  # media needs a NIP-96 server (media_rules_for)
    idempotency = "deterministic-key"
    lookup = "by-key"
    refresh_ahead = 0  # keys do not expire
    max_concurrency = 4
    endpoints = {"web": "https://njump.me"}
    settings_fields = ()
    errors = ERRORS
    redact_patterns = (r"nsec1[02-9ac-hj-np-z]+",)

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "private_key",
                _("Private key"),
                "secret",
                help_text=gettext_lazy(
                    "Your nsec1… key (or its 64-character hex form). It is stored encrypted and "
                    "only used to sign your notes."
                ),
            ),
            CredentialField(
                "relays",
                _("Relays"),
                "textarea",
                help_text=gettext_lazy(
                    "One relay address per line, for example wss://relay.damus.io."
                ),
                initial="wss://relay.damus.io\nwss://nos.lol",
            ),
            CredentialField(
                "media_server",
                _("Media server"),
                "url",
                required=False,
                help_text=gettext_lazy(
                    "Optional: a NIP-96 file server such as https://nostr.build, to post images "
                    "and videos. Files are uploaded there, signed with your key."
                ),
            ),
        ]

    def authenticate(self, fields: dict) -> Grant:
        try:
            secret = parse_private_key(fields.get("private_key", ""))
        except ValueError:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(
                    gettext_noop(
                        "That is not a Nostr private key: paste your nsec1… key or its "
                        "64-character hex form."
                    )
                ),
                field="private_key",
            ) from None
        try:
            relays = parse_relays(fields.get("relays", ""))
        except ValueError as error:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop("%(address)s is not a relay address; relays start with wss://."),
                    address=error.args[0],
                ),
                field="relays",
            ) from None
        if not relays:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(gettext_noop("Add at least one relay (wss://…).")),
                field="relays",
            )
        reachable = [r for r, ok in zip(relays, self._map(self._ping, relays), strict=True) if ok]
        if not reachable:
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "None of these relays answered; check the addresses or try again later."
                    )
                ),
                field="relays",
            )
        pubkey = PrivateKey(secret).public_key_xonly.format().hex()
        meta: dict = {"pubkey": pubkey, "relays": relays}
        limits = [n for n in self._map(self._max_content_length, relays) if n]
        if limits:
            meta["max_content_length"] = min(limits)
        server = (fields.get("media_server") or "").strip()
        if server:
            try:
                meta["media_server"] = parse_media_server(server)
            except ValueError:
                raise ProviderError(
                    ErrorKind.CONTENT_REJECTED,
                    Text(
                        gettext_noop(
                            "%(address)s is not a media server address; it starts with https://."
                        ),
                        address=server,
                    ),
                    field="media_server",
                ) from None
            try:
                meta["nip96"] = self.discover_media_server(meta["media_server"], Phase.READ)
            except ProviderError as error:
                # Not fatal: publishing asks again, and says so if it still fails.
                logger.info("nostr media server %s: %s", meta["media_server"], error)
        return Grant(credentials={"private_key": secret.hex()}, meta=meta)

    def accounts(self, grant: Grant) -> list[Account]:
        pubkey = grant.meta["pubkey"]
        profile = self._profile(grant.meta["relays"], pubkey)
        encoded = npub(pubkey)
        name = profile.get("display_name") or profile.get("name") or ""
        return [
            Account(
                external_id=pubkey,
                name=str(name) or f"{encoded[:12]}…{encoded[-4:]}",
                username=encoded,
                profile_url=f"{self.endpoint('web')}/{encoded}",
                avatar_url=str(profile.get("picture") or ""),
                meta=dict(grant.meta),
            )
        ]

    def fetch_profile(self, channel: Channel) -> Account:
        return self.accounts(Grant(credentials=channel.credentials, meta=channel.meta))[0]

    def keeps_secrets_when_changed(self, changed: set[str]) -> bool:
        # The private key never leaves this server (relays and the media server only see
        # signatures), so a reconnect may keep it whatever else changes.
        return True

    def refresh(self, channel: Channel) -> Grant:
        return Grant(credentials=channel.credentials, meta=channel.meta)  # nothing expires

    def _profile(self, relays: list[str], pubkey: str) -> dict:
        """The newest kind-0 metadata any relay has (empty when none answers)."""
        query = {"kinds": [0], "authors": [pubkey], "limit": 1}
        events = [e for found in self._map(lambda r: self._query(r, query), relays) for e in found]
        events = [e for e in events if e.get("pubkey") == pubkey and verify_event(e)]
        if not events:
            return {}
        newest = max(events, key=lambda e: e.get("created_at", 0))
        try:
            profile = json.loads(newest.get("content") or "{}")
        except ValueError:
            return {}
        return profile if isinstance(profile, dict) else {}

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        event = request.progress.get("event")
        if not event:
            if request.media:
                self._upload_media(channel, request)
            event = self.build_event(channel, request)
            request.progress["event"] = event
        # Saved before the first relay sees it: every retry resends this exact event (same
        # id, which relays keep once), and a lookup asks for that id.
        request.before_commit()
        relays = self._relays(channel)
        answers = self._map(lambda relay: self._send(relay, event), relays)
        accepted = [a.relay for a in answers if a.status == "ok"]
        quorum = max(1, min(int(channel.meta.get("quorum", 1)), len(relays)))
        for answer in answers:
            logger.info(
                "nostr EVENT %s -> %s %s %s",
                event["id"],
                answer.relay,
                answer.status,
                answer.message[:100],
            )
        if len(accepted) >= quorum:
            return PublishResult(
                ref=self._ref(event, accepted), raw={"accepted": accepted, "id": event["id"]}
            )
        raise self._failure(answers, quorum, len(accepted))

    def build_event(self, channel: Channel, request: PublishRequest) -> dict:
        secret = bytes.fromhex(channel.credentials["private_key"])
        pubkey = channel.meta.get("pubkey") or channel.external_id
        tags: list[list[str]] = []
        parent = request.reply_to
        if parent is not None:
            root = request.root or parent
            # NIP-10 marked e tags; a direct reply to the root carries only "root".
            tags.append(["e", root.id, root.extra.get("relay", ""), "root", _author(root, pubkey)])
            if parent.id != root.id:
                tags.append(
                    [
                        "e",
                        parent.id,
                        parent.extra.get("relay", ""),
                        "reply",
                        _author(parent, pubkey),
                    ]
                )
            for author in dict.fromkeys([_author(parent, pubkey), _author(root, pubkey)]):
                tags.append(["p", author])
        content = request.text
        uploads = [request.progress["media"][str(i)] for i in range(len(request.media))]
        if uploads:
            urls = "\n".join(upload["url"] for upload in uploads)
            content = f"{content.rstrip()}\n\n{urls}" if content.strip() else urls
            tags += [_imeta(upload) for upload in uploads]
        # The time it is signed, just before its first send: a note dated when it was
        # scheduled would sort wrongly in feeds after a late retry.
        return sign_event(secret, kind=1, content=content, tags=tags, created_at=int(time.time()))

    # -- media (NIP-96 with NIP-98 auth) -------------------------------------------------
    def discover_media_server(self, server: str, phase: Phase) -> dict:
        """The server's nip96.json, reduced to what uploads need (one delegation hop)."""
        document: dict = {}
        origin = server
        for _hop in range(2):
            response = self.request("GET", origin + "/.well-known/nostr/nip96.json", phase=phase)
            document = json_object(response)
            delegated = document.get("delegated_to_url")
            if document.get("api_url") or not isinstance(delegated, str) or not delegated:
                break
            origin = delegated.rstrip("/")
        api_url = document.get("api_url")
        if not isinstance(api_url, str) or not api_url.startswith(("https://", "http://")):
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "%(address)s is not a NIP-96 media server (its nip96.json names no "
                        "upload address). Choose another media server."
                    ),
                    address=server,
                ),
                field="media_server",
            )
        info: dict = {"api_url": api_url}
        types = document.get("content_types")
        if isinstance(types, list) and all(isinstance(t, str) for t in types) and types:
            info["content_types"] = types
        plans = document.get("plans")
        free = plans.get("free") if isinstance(plans, dict) else None
        size = free.get("max_byte_size") if isinstance(free, dict) else None
        if isinstance(size, int) and size > 0:
            info["max_byte_size"] = size
        return info

    def _upload_media(self, channel: Channel, request: PublishRequest) -> None:
        """Upload each file once; the URLs are kept in progress, so a retry reuses them."""
        uploaded = request.progress.setdefault("media", {})
        missing = [i for i in range(len(request.media)) if str(i) not in uploaded]
        if not missing:
            return
        server = channel.meta.get("media_server")
        if not server:
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "This Nostr channel has no media server; add one to the channel to post "
                        "media."
                    )
                ),
                field="media",
            )
        info = channel.meta.get("nip96") or self.discover_media_server(server, Phase.UPLOAD)
        secret = bytes.fromhex(channel.credentials["private_key"])
        for index in missing:
            uploaded[str(index)] = self._upload(secret, info["api_url"], request.media[index])

    def _upload(self, secret: bytes, api_url: str, item: MediaItem) -> dict:
        # Hashed, then sent, from the stored file in bounded pieces: a video is never in
        # memory whole.
        digest = hashlib.sha256()
        for _offset, piece in item.chunks(HASH_CHUNK):
            digest.update(piece)
        auth = sign_event(
            secret,
            kind=27235,
            content="",
            tags=[
                ["u", api_url],
                ["method", "POST"],
                # NIP-96: the payload hash is the file's, not the multipart body's.
                ["payload", digest.hexdigest()],
            ],
            created_at=int(time.time()),
        )
        token = base64.b64encode(json.dumps(auth, separators=(",", ":")).encode()).decode()
        form = {"content_type": item.mime_type}
        if item.alt_text:
            form["alt"] = item.alt_text
        with multipart_body(fields=form, files=[("file", item)]) as body:
            response = self.request(
                "POST",
                api_url,
                phase=Phase.UPLOAD,
                timeout=self.upload_timeout,
                headers={"Authorization": f"Nostr {token}", "Content-Type": body.content_type},
                data=body,
            )
        body = json_object(response)
        event = body.get("nip94_event")
        tags = event.get("tags") if isinstance(event, dict) else None
        found = {
            tag[0]: str(tag[1])
            for tag in (tags if isinstance(tags, list) else [])
            if isinstance(tag, list) and len(tag) >= 2 and isinstance(tag[0], str)
        }
        if not found.get("url", "").startswith(("https://", "http://")):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop(
                        "The media server did not say where %(file)s is; we will try again."
                    ),
                    file=item.filename,
                ),
                raw_excerpt=response.text,
            )
        upload = {"url": found["url"], "m": found.get("m") or item.mime_type}
        if item.alt_text:
            upload["alt"] = item.alt_text
        if item.width and item.height:
            upload["dim"] = f"{item.width}x{item.height}"
        elif found.get("dim"):
            upload["dim"] = found["dim"]
        return upload

    def _failure(self, answers: list[RelayAnswer], quorum: int, accepted: int) -> ProviderError:
        silent = [a for a in answers if a.status == "no_answer"]
        excerpt = "; ".join(f"{a.relay}: {a.status} {a.message}".strip() for a in answers)
        if accepted + len(silent) >= quorum and silent:
            return ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(
                    gettext_noop(
                        "The note was sent but the relays did not confirm it in time; we will "
                        "check whether they have it."
                    )
                ),
                raw_excerpt=excerpt,
            )
        kinds: dict[ErrorKind, RelayAnswer] = {}
        for answer in answers:
            if answer.status == "rejected":
                kind = _REJECTIONS.get(_prefix(answer.message), ErrorKind.CONTENT_REJECTED)
                kinds.setdefault(kind, answer)
        for kind in _PRECEDENCE:
            if kind in kinds:
                answer = kinds[kind]
                return ProviderError(
                    kind,
                    _rejection_message(kind, answer),
                    retry_after=60.0 if kind == ErrorKind.RATE_LIMITED else None,
                    network_code=_prefix(answer.message) or "rejected",
                    raw_excerpt=excerpt,
                )
        return ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(
                gettext_noop(
                    "Could not reach enough relays (%(accepted)s of %(quorum)s needed accepted "
                    "the note); we will try again."
                ),
                accepted=accepted,
                quorum=quorum,
            ),
            raw_excerpt=excerpt,
        )

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        event = request.progress.get("event")
        if not event:
            return None  # never signed, so never sent
        relays = self._relays(channel)
        results = self._map(lambda relay: self._query(relay, {"ids": [event["id"]]}), relays)
        if all(found is None for found in results):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                Text(
                    gettext_noop("Could not reach any relay to check the note; we will try again.")
                ),
            )
        holding = [
            relay
            for relay, found in zip(relays, results, strict=True)
            if found and any(e.get("id") == event["id"] and verify_event(e) for e in found)
        ]
        return self._ref(event, holding) if holding else None

    def _ref(self, event: dict, relays: list[str]) -> RemoteRef:
        return RemoteRef(
            id=event["id"],
            url=f"{self.endpoint('web')}/{note_id(event['id'])}",
            extra={
                "relay": relays[0] if relays else "",
                "relays": relays,
                "pubkey": event["pubkey"],
            },
        )

    # -- validation ---------------------------------------------------------------------
    def media_rules_for(self, channel: Channel | None = None) -> MediaRules:
        if channel is None or not channel.meta.get("media_server"):
            return self.media_rules
        size = (channel.meta.get("nip96") or {}).get("max_byte_size")
        return MediaRules(max_count=MAX_MEDIA, max_image_bytes=size, max_video_bytes=size)

    def validate_item(self, index: int, item: DraftItem, channel: Channel | None) -> list[Issue]:
        if item.media and (channel is None or not channel.meta.get("media_server")):
            # The text is checked on its own; the media is the one thing to fix.
            issues = [
                issue
                for issue in super().validate_item(index, DraftItem(item.text), channel)
                if issue.code != "text_required"
            ]
            issues.append(
                Issue(
                    "media_count",
                    _(
                        "Nostr notes carry media through a media server: add a media server "
                        "(NIP-96, for example https://nostr.build) to this channel by connecting "
                        "it again, or remove the media."
                    ),
                    "media",
                    item=index,
                )
            )
            return issues
        issues = super().validate_item(index, item, channel)
        accepted = (channel.meta.get("nip96") or {}).get("content_types") if channel else None
        for file in item.media:
            if not (file.is_image or file.is_video):
                issues.append(
                    Issue(
                        "media_type",
                        _("Nostr notes carry images and videos, not %(type)s files.")
                        % {"type": file.mime_type},
                        "media",
                        item=index,
                    )
                )
            elif accepted and not _type_accepted(file.mime_type, accepted):
                issues.append(
                    Issue(
                        "media_type",
                        _(
                            "The media server does not accept %(type)s files (it takes: "
                            "%(allowed)s)."
                        )
                        % {"type": file.mime_type, "allowed": ", ".join(accepted)},
                        "media",
                        item=index,
                    )
                )
        return issues

    def limit_for(self, channel: Channel | None = None) -> int | None:
        if channel is not None and channel.meta.get("max_content_length"):
            return int(channel.meta["max_content_length"])
        return None

    # -- relays -------------------------------------------------------------------------
    def _relays(self, channel: Channel) -> list[str]:
        relays = channel.meta.get("relays") or []
        if not relays:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                Text(gettext_noop("This Nostr channel has no relays; reconnect it.")),
            )
        return list(relays)

    def _map(self, func, relays: list[str]) -> list:
        if len(relays) == 1:
            return [func(relays[0])]
        with ThreadPoolExecutor(max_workers=min(len(relays), 8)) as pool:
            return list(pool.map(func, relays))

    def _connect(self, relay: str):
        # Relays are addresses a person gave us: the socket goes to the address that was
        # vetted, so a second DNS answer cannot lead it to this machine.
        try:
            sock = pinned_socket(relay, timeout=self.timeout[0])
        except UnsafeURL as error:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED, str(error), network_code="unsafe_url", field="url"
            ) from None
        return connect(
            relay,
            sock=sock,
            open_timeout=self.timeout[0],
            close_timeout=1,
            proxy=None,
            user_agent_header=USER_AGENT,
            max_size=2**22,
        )

    def _ping(self, relay: str) -> bool:
        try:
            with self._connect(relay):
                return True
        except (OSError, InvalidURI, InvalidHandshake, TimeoutError, ConnectionClosed) as exc:
            logger.info("nostr relay %s unreachable: %s", relay, type(exc).__name__)
            return False

    def _send(self, relay: str, event: dict) -> RelayAnswer:
        try:
            ws = self._connect(relay)
        except (OSError, InvalidURI, InvalidHandshake, TimeoutError) as exc:
            return RelayAnswer(relay, "unreachable", type(exc).__name__)
        with ws:
            try:
                ws.send(json.dumps(["EVENT", event], ensure_ascii=False))
            except (ConnectionClosed, OSError) as exc:
                return RelayAnswer(relay, "unreachable", type(exc).__name__)
            deadline = time.monotonic() + self.timeout[1]
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return RelayAnswer(relay, "no_answer", "timeout")
                try:
                    message = json.loads(ws.recv(timeout=remaining))
                except TimeoutError:
                    return RelayAnswer(relay, "no_answer", "timeout")
                except (ConnectionClosed, OSError) as exc:
                    return RelayAnswer(relay, "no_answer", type(exc).__name__)
                except ValueError:
                    continue
                # One event per connection, so an OK with a blank id is ours too: some
                # relays (nostr-relay) leave the id out when they refuse a bad signature.
                if (
                    isinstance(message, list)
                    and len(message) >= 3
                    and message[0] == "OK"
                    and message[1] in (event["id"], "")
                ):
                    text = str(message[3]) if len(message) > 3 else ""
                    if message[2] is True or _prefix(text) == "duplicate":
                        return RelayAnswer(relay, "ok", text)
                    return RelayAnswer(relay, "rejected", text)

    def _query(self, relay: str, filters: dict) -> list[dict] | None:
        """Events matching one filter (REQ … EOSE); None when the relay is unreachable."""
        sub = "postiz-" + secrets.token_hex(4)
        events: list[dict] = []
        try:
            ws = self._connect(relay)
        except (OSError, InvalidURI, InvalidHandshake, TimeoutError) as exc:
            logger.info("nostr REQ to %s failed: %s", relay, type(exc).__name__)
            return None
        with ws:
            try:
                ws.send(json.dumps(["REQ", sub, filters]))
                deadline = time.monotonic() + self.timeout[1]
                while (remaining := deadline - time.monotonic()) > 0:
                    try:
                        message = json.loads(ws.recv(timeout=remaining))
                    except ValueError:
                        continue
                    if not isinstance(message, list) or len(message) < 2 or message[1] != sub:
                        continue
                    if message[0] == "EVENT" and len(message) > 2 and isinstance(message[2], dict):
                        events.append(message[2])
                    elif message[0] in ("EOSE", "CLOSED"):
                        break
                ws.send(json.dumps(["CLOSE", sub]))
            except (TimeoutError, ConnectionClosed, OSError):
                pass  # what arrived before the relay went quiet is the answer
        return events

    def _max_content_length(self, relay: str) -> int | None:
        """NIP-11: the relay document's limitation.max_content_length, if it has one."""
        parts = urlsplit(relay)
        url = relay.replace(
            parts.scheme + "://", "https://" if parts.scheme == "wss" else "http://", 1
        )
        try:
            response = self.request(
                "GET", url, phase=Phase.READ, headers={"Accept": "application/nostr+json"}
            )
            info = response.json()
        except (ProviderError, ValueError):
            return None
        limitation = info.get("limitation") if isinstance(info, dict) else None
        value = limitation.get("max_content_length") if isinstance(limitation, dict) else None
        return int(value) if isinstance(value, int) and value > 0 else None


def parse_media_server(url: str) -> str:
    """The origin of an https:// media server (http only on this machine, for development)."""
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and local)):
        raise ValueError(url)
    return f"{parts.scheme}://{parts.netloc}"


def _type_accepted(mime: str, accepted: list[str]) -> bool:
    family = mime.split("/", 1)[0] + "/*"
    return mime in accepted or family in accepted or "*/*" in accepted


def _imeta(upload: dict) -> list[str]:
    """A NIP-92 imeta tag: space-separated key/value entries, the url first."""
    tag = ["imeta", f"url {upload['url']}", f"m {upload['m']}"]
    if upload.get("alt"):
        tag.append(f"alt {upload['alt']}")
    if upload.get("dim"):
        tag.append(f"dim {upload['dim']}")
    return tag


def _e_tag(ref: RemoteRef, marker: str, default_author: str) -> list[str]:
    return ["e", ref.id, ref.extra.get("relay", ""), marker, _author(ref, default_author)]


def _author(ref: RemoteRef, default: str) -> str:
    return ref.extra.get("pubkey") or default


def _rejection_message(kind: ErrorKind, answer: RelayAnswer) -> Text:
    said = (
        Text(
            gettext_noop("%(relay)s said: %(message)s"), relay=answer.relay, message=answer.message
        )
        if answer.message
        else answer.relay
    )
    if kind == ErrorKind.CONTENT_REJECTED:
        message = gettext_noop("The relays refused the note (%(said)s). Edit it and try again.")
    elif kind == ErrorKind.PERMISSION_DENIED:
        message = gettext_noop(
            "The relay does not accept notes from this key (%(said)s). Use relays that accept "
            "your key, or ask the relay operator for access."
        )
    elif kind == ErrorKind.RATE_LIMITED:
        message = gettext_noop(
            "The relays asked us to slow down (%(said)s); we will try again later."
        )
    else:
        message = gettext_noop("The relays had an error (%(said)s); we will try again.")
    return Text(message, said=said)
