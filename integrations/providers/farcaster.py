"""Farcaster: casts through Neynar, a signer service that signs them for the account.

Connecting takes a Neynar API key and the UUID of a managed signer made with that key and
approved by the Farcaster account (Neynar → a signer → its approval link, opened in the
Farcaster app). Connecting reads the signer (``/v2/farcaster/signer``): it must be
approved; its ``fid`` names the account, read from ``/v2/farcaster/user/bulk``. Neither
secret expires; a revoked signer asks for a reconnect.

A post is a cast (``POST /v2/farcaster/cast``): its text (320 bytes, or 1,024 for a
Farcaster Pro account, the protocol's long casts), up to two embeds (our media's public
addresses: Farcaster stores no files, clients fetch them), an optional channel, and in a
thread each later cast's ``parent`` is the hash of the cast before.

Neynar takes an idempotency key, ``idem``: each cast carries one derived from the part's
permanent key only, so sending again after an unclear answer cannot make a second cast
while Neynar still remembers the key. Neynar does not say how long that is, so we rely on
it only briefly (``idempotency_window``); before any resend the account's newest casts are
searched for one with the same text and parent, sent since the first attempt.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import requests
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from integrations.providers.base import (
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

MB = 1024 * 1024
CAST_BYTES = 320
LONG_CAST_BYTES = 1024


def _long_casts_help() -> str:
    return gettext("Allow casts up to %(count)s bytes.") % {
        "count": number_format(LONG_CAST_BYTES, force_grouping=True)
    }


MAX_EMBEDS = 2
LOOKUP_LIMIT = 25
# When the first attempt was sent (saved in the part's progress before the commit); a cast
# found afterwards must be at least this recent, give or take clocks.
SENT_AT = "farcaster_sent_at"
CLOCK_SKEW = timedelta(minutes=2)
CHANNEL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,15}$")


def idem_for(request: PublishRequest) -> str:
    """The 16 characters Neynar recommends for ``idem``, from the part's permanent key
    only (nothing a retry, an edit or a hand-back changes)."""
    return hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:16]


# -- errors: {"code": "…", "message": "…", "property": "…", "status": …} (Neynar's ErrorRes)
def read_error(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    if body is None:
        return Said(response.status_code)
    if response.status_code < 400:
        return Said(response.status_code, body=body)
    field = str(body.get("property") or "")
    return Said(
        response.status_code,
        code=str(body.get("code") or ""),
        message=str(body.get("message") or ""),
        body=body,
        values={"property": field},
    )


ERRORS = ErrorTable(
    read=read_error,
    commit_needs_body=True,
    rows=(
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "Neynar did not accept the API key; paste a current key and connect again."
            ),
            status=401,
        ),
        Rule(
            ErrorKind.AUTH_REVOKED,
            gettext_noop(
                "The Farcaster signer is no longer approved ({message}); approve a signer and "
                "connect again."
            ),
            status=(400, 403),
            pattern="signer",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Neynar did not allow this ({message|no reason given}); your plan may not "
                "include it."
            ),
            status=402,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            gettext_noop(
                "Farcaster did not let this account post there: {message|no reason given}"
            ),
            status=403,
        ),
        Rule(
            ErrorKind.NOT_FOUND,
            gettext_noop(
                "Neynar could not find it: {message|the channel or the cast replied to is gone}"
            ),
            status=404,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            gettext_noop("Neynar asked us to slow down; we will try again later."),
            status=429,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            gettext_noop("Farcaster refused the cast: {message|it gave no reason}"),
            status=(400, 422),
            field="{property}",
        ),
        SERVER_ERROR,
    ),
)


class FarcasterProvider(Provider):
    identifier = "farcaster"
    display_name = "Farcaster"
    auth_kind = "credentials-form"
    reply_mode = "thread"
    text_counter = "utf8_bytes"
    text_limit = CAST_BYTES
    media_rules = MediaRules(
        max_count=MAX_EMBEDS,
        mime_types=("image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"),
        max_image_bytes=10 * MB,
        max_video_bytes=100 * MB,
        requires_public_url=True,
    )
    idempotency = "native-key"
    # Neynar documents no lifetime for ``idem``: a resend is trusted to it for ten
    # minutes, which covers the engine's quick retries; later, only the look-up decides.
    idempotency_window = 600
    lookup = "by-content"
    # Likes, recasts and replies of each cast (its ``reactions`` and ``replies`` counts),
    # read for several casts at once.
    analytics = "post"
    metrics_batch = 25
    metrics_per_hour = 60
    max_concurrency = 2
    errors = ERRORS
    endpoints = {"api": "https://api.neynar.com"}
    settings_fields = (
        SettingField(
            "channel_id",
            "string",
            label=gettext_lazy("Channel"),
            max_length=16,
            help_text=gettext_lazy(
                "A Farcaster channel's id (neynar, farcaster…); empty: the home feed."
            ),
            options=OptionSource("channels", value="id", label="name"),
        ),
    )
    preference_fields = (
        SettingField(
            "pro",
            "bool",
            label=gettext_lazy("Farcaster Pro (long casts)"),
            default=False,
            help_text=lazy(_long_casts_help, str)(),
        ),
    )
    tools = (
        Tool(
            "channels",
            "Farcaster channels: the account's own, or those whose name matches the words.",
            (ToolInput("q", description="Words to search channel names for", required=False),),
        ),
    )

    # -- connecting ---------------------------------------------------------------------
    def credential_fields(self) -> list[CredentialField]:
        return [
            CredentialField(
                "api_key",
                gettext("Neynar API key"),
                type="secret",
                help_text=gettext("dev.neynar.com → your app → API key."),
            ),
            CredentialField(
                "signer_uuid",
                gettext("Signer UUID"),
                type="secret",
                help_text=gettext(
                    "A managed signer made with this key and approved in the Farcaster "
                    "app (see the README)."
                ),
            ),
        ]

    def _get(self, api_key: str, path: str, phase: Phase = Phase.READ, **params) -> dict:
        response = self.request(
            "GET",
            self.url("api", path),
            phase=phase,
            params=params,
            headers={"x-api-key": api_key},
        )
        return self.read_json(response, phase)

    def _account(self, api_key: str, signer_uuid: str, phase: Phase) -> Account:
        signer = self._get(api_key, "/v2/farcaster/signer", phase, signer_uuid=signer_uuid)
        if signer.get("status") != "approved" or not signer.get("fid"):
            if signer.get("status"):
                message = Text(
                    gettext_noop(
                        "The signer is %(status)s, not approved: open its approval link in the "
                        "Farcaster app, then connect again."
                    ),
                    status=signer["status"],
                )
            else:
                message = Text(
                    gettext_noop(
                        "The signer is unknown, not approved: open its approval link in the "
                        "Farcaster app, then connect again."
                    )
                )
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED if phase == Phase.AUTH else ErrorKind.AUTH_REVOKED,
                message,
                network_code=str(signer.get("status") or "signer"),
                field="signer_uuid",
            )
        fid = str(signer["fid"])
        users = self._get(api_key, "/v2/farcaster/user/bulk", phase, fids=fid).get("users") or []
        user = users[0] if users and isinstance(users[0], dict) else {}
        return _account({**user, "fid": fid})

    def authenticate(self, fields: dict) -> Grant:
        api_key = (fields.get("api_key") or "").strip()
        signer_uuid = (fields.get("signer_uuid") or "").strip()
        if not api_key or not signer_uuid:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                Text(gettext_noop("Enter the Neynar API key and the signer's UUID.")),
                field="api_key" if not api_key else "signer_uuid",
            )
        account = self._account(api_key, signer_uuid, Phase.AUTH)
        return Grant(
            credentials={"api_key": api_key, "signer_uuid": signer_uuid},
            meta={
                "fid": account.external_id,
                "username": account.username,
                "display_name": account.name,
                "pfp_url": account.avatar_url,
            },
        )

    def accounts(self, grant: Grant) -> list[Account]:
        return [_account(grant.meta)]

    def fetch_profile(self, channel: Channel) -> Account:
        return self._account(
            channel.credentials["api_key"], channel.credentials["signer_uuid"], Phase.READ
        )

    def check_refreshes(self, channel: Channel) -> bool:
        # Nothing to renew: reading the signer says whether it is still approved.
        return False

    def channels(self, channel: Channel, q: str = "") -> list[dict]:
        api_key = channel.credentials["api_key"]
        if q:
            found = self._get(api_key, "/v2/farcaster/channel/search", q=q, limit="20")
        else:
            found = self._get(
                api_key, "/v2/farcaster/user/channels", fid=channel.external_id, limit="50"
            )
        return [
            {
                "id": c["id"],
                "name": c.get("name") or c["id"],
                "url": c.get("url") or "",
                "description": c.get("description") or "",
            }
            for c in found.get("channels") or []
            if isinstance(c, dict) and c.get("id")
        ]

    # -- validation ---------------------------------------------------------------------
    def limit_for(self, channel: Channel | None = None) -> int | None:
        if channel is not None and channel.preferences.get("pro") is True:
            return LONG_CAST_BYTES
        return CAST_BYTES

    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        issues = super().validate(draft, channel)
        channel_id = draft.settings.get("channel_id")
        if channel_id and not CHANNEL_ID.match(str(channel_id)):
            issues.append(
                Issue(
                    "setting_invalid",
                    gettext("A channel id is up to 16 lowercase letters, digits and dashes."),
                    "channel_id",
                )
            )
        return issues

    # -- publishing ---------------------------------------------------------------------
    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        body: dict = {
            "signer_uuid": channel.credentials["signer_uuid"],
            "text": request.text,
            "idem": idem_for(request),
        }
        embeds = [{"url": item.public_url} for item in request.media if item.public_url]
        if len(embeds) != len(request.media):
            raise ProviderError(
                ErrorKind.CONTENT_REJECTED,
                Text(
                    gettext_noop(
                        "Farcaster needs each file at a public address; this file has none."
                    )
                ),
                field="media",
            )
        if embeds:
            body["embeds"] = embeds
        if request.reply_to is not None and request.reply_to.id:
            body["parent"] = request.reply_to.id
            body["parent_author_fid"] = _number(channel.external_id)
        elif request.settings.get("channel_id"):
            body["channel_id"] = request.settings["channel_id"]
        # The first attempt's time bounds the look-up after an unclear answer.
        request.progress.setdefault(SENT_AT, datetime.now(UTC).isoformat())
        response = self.request(
            "POST",
            self.url("api", "/v2/farcaster/cast"),
            phase=Phase.COMMIT,
            json=body,
            headers={"x-api-key": channel.credentials["api_key"]},
        )
        cast = self.read_json(response, Phase.COMMIT).get("cast") or {}
        cast_hash = str(cast.get("hash") or "") if isinstance(cast, dict) else ""
        if not cast_hash:
            raise ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                Text(gettext_noop("Neynar answered without the cast's hash; it may be live.")),
                network_code=str(response.status_code),
            )
        return PublishResult(ref=self._ref(channel, cast_hash), raw={"hash": cast_hash})

    def _ref(self, channel: Channel, cast_hash: str) -> RemoteRef:
        # Farcaster's web client opens a cast by its author and the hash's first 10 characters.
        user = channel.username
        url = f"https://farcaster.xyz/{user}/{cast_hash[:10]}" if user else ""
        return RemoteRef(id=cast_hash, url=url)

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        found = re.search(r"0x[0-9a-fA-F]{40}", remote_id)
        return self._ref(channel, found.group(0).lower()) if found else RemoteRef(id=remote_id)

    def _recent(self, channel: Channel) -> list[dict]:
        body = self._get(
            channel.credentials["api_key"],
            "/v2/farcaster/feed/user/casts",
            fid=channel.external_id,
            limit=str(LOOKUP_LIMIT),
            include_replies="true",
        )
        return [c for c in body.get("casts") or [] if isinstance(c, dict) and c.get("hash")]

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        return [self._ref(channel, str(c["hash"])) for c in self._recent(channel)]

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """The account's cast with this part's text and parent, sent since the first
        attempt (Neynar keeps no record of ``idem`` that could be read back)."""
        parent = request.reply_to.id if request.reply_to is not None else None
        since = _moment(request.progress.get(SENT_AT))
        for cast in self._recent(channel):
            if (cast.get("text") or "").strip() != request.text.strip():
                continue
            if (cast.get("parent_hash") or None) != (parent or None):
                continue
            when = _moment(cast.get("timestamp"))
            if since is not None and when is not None and when < since - CLOCK_SKEW:
                continue
            return self._ref(channel, str(cast["hash"]))
        return None

    # -- analytics ----------------------------------------------------------------------
    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        hashes = [ref.id for ref in refs if re.fullmatch(r"0x[0-9a-fA-F]{40}", ref.id)]
        if not hashes:
            return {}
        body = self._get(
            channel.credentials["api_key"], "/v2/farcaster/casts", casts=",".join(hashes)
        )
        found = {}
        for cast in (body.get("result") or {}).get("casts") or []:
            if not isinstance(cast, dict) or cast.get("hash") not in hashes:
                continue
            reactions = cast.get("reactions") or {}
            found[cast["hash"]] = Metrics(
                {
                    "likes": reactions.get("likes_count"),
                    "shares": reactions.get("recasts_count"),
                    "comments": (cast.get("replies") or {}).get("count"),
                }
            )
        return found


def _account(user: dict) -> Account:
    fid = str(user["fid"])
    username = str(user.get("username") or "")
    return Account(
        external_id=fid,
        name=str(user.get("display_name") or username or f"fid {fid}"),
        username=username,
        profile_url=f"https://farcaster.xyz/{username}" if username else "",
        avatar_url=str(user.get("pfp_url") or ""),
        meta={"fid": fid},
    )


def _moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: str) -> int | str:
    return int(value) if str(value).isdigit() else value
