"""The provider base class: declaration, connecting, publishing, validation, and the
HTTP request/classification machinery every network shares."""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from django.conf import settings

from integrations import text as text_counters
from integrations.providers.base.data import (
    Account,
    Channel,
    CredentialField,
    Draft,
    DraftItem,
    Grant,
    Issue,
    MediaItem,
    MediaRules,
    PublishRequest,
    PublishResult,
    RemoteRef,
    SettingField,
)
from integrations.providers.base.errors import ErrorKind, Phase, ProviderError
from integrations.providers.base.http import (
    TIMEOUT,
    UPLOAD_TIMEOUT,
    USER_AGENT,
    _connection_dropped_after_send,
    json_object,
    retry_after_seconds,
)
from integrations.providers.base.redaction import _redaction
from integrations.providers.base.tools import Tool
from postiz.ssrf import UnsafeURL, check_url, guarded_session

logger = logging.getLogger("postiz.providers")


# -- The provider base class ---------------------------------------------------------------
class Provider:
    identifier: ClassVar[str]
    display_name: ClassVar[str]
    auth_kind: ClassVar[
        str
    ]  # oauth2, oauth2+pkce, app-password, bot-token, webhook, credentials-form
    custom_instance: ClassVar[bool] = False  # the user supplies a server URL
    account_selection: ClassVar[str] = "none"  # none, pages, channels, chats…
    reply_mode: ClassVar[str] = "thread"  # thread, comment, none
    text_counter: ClassVar[str] = "codepoints"
    text_limit: ClassVar[int | None] = None
    media_rules: ClassVar[MediaRules] = MediaRules()
    idempotency: ClassVar[str] = "none"  # native-key, deterministic-key, container-handle, none
    # native-key: how long the network honours the key after the first send (seconds).
    idempotency_window: ClassVar[int] = 3000
    lookup: ClassVar[str] = "none"  # by-key, by-content, none
    async_publish: ClassVar[bool] = False
    analytics: ClassVar[str] = "none"
    refresh_ahead: ClassVar[int] = 0  # seconds before expiry to refresh; 0 = never expires
    max_concurrency: ClassVar[int] = 2
    scopes: ClassVar[tuple[str, ...]] = ()
    # Names in settings.PROVIDER_SETTINGS this provider needs (OAuth client id/secret).
    required_settings: ClassVar[tuple[str, ...]] = ()
    endpoints: ClassVar[dict[str, str]] = {}
    settings_fields: ClassVar[tuple[SettingField, ...]] = ()
    preference_fields: ClassVar[tuple[SettingField, ...]] = ()
    # Secrets that must never reach a log line (beyond Authorization headers).
    redact_patterns: ClassVar[tuple[str, ...]] = ()
    # The network's name where display_name names a variant ("LinkedIn Page"); defaults
    # to display_name.
    network_name: ClassVar[str] = ""
    # What can be looked up on the network with a channel's credentials (base.tools).
    tools: ClassVar[tuple[Tool, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _redaction.add(cls.redact_patterns)
        for tool in cls.tools:
            # A declared tool without its method would only fail when someone calls it.
            if not callable(getattr(cls, tool.method_name, None)):
                raise TypeError(f"{cls.__name__} declares tool {tool.name} without a method")

    def __init__(self):
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._person_session: requests.Session | None = None
        # The request ``send`` is publishing (one provider instance per thread).
        self._sending: PublishRequest | None = None
        # (connect, read) seconds; tests shorten them to provoke timeouts.
        self.timeout = TIMEOUT
        self.upload_timeout = UPLOAD_TIMEOUT

    # -- declaration helpers ------------------------------------------------------------
    @property
    def family(self) -> str:
        return self.identifier.split("-", 1)[0]

    @classmethod
    def setting(cls, name: str) -> str:
        return settings.PROVIDER_SETTINGS.get(name, "")

    @classmethod
    def is_configured(cls) -> bool:
        return all(cls.setting(name) for name in cls.required_settings)

    @classmethod
    def missing_settings(cls) -> list[str]:
        return [name for name in cls.required_settings if not cls.setting(name)]

    def endpoint(self, name: str) -> str:
        overrides = settings.PROVIDER_ENDPOINTS.get(self.identifier, {})
        return overrides.get(name, self.endpoints[name]).rstrip("/")

    def url(self, name: str, path: str = "") -> str:
        return self.endpoint(name) + path

    @property
    def uses_oauth(self) -> bool:
        return self.auth_kind.startswith("oauth2")

    @property
    def uses_pkce(self) -> bool:
        return self.auth_kind == "oauth2+pkce"

    def capabilities(self) -> list[str]:
        caps = [f"idempotency={self.idempotency}", f"lookup={self.lookup}"]
        caps.append(f"replies={self.reply_mode}")
        if self.refresh_ahead:
            caps.append("refresh")
        if self.analytics != "none":
            caps.append(f"analytics={self.analytics}")
        return caps

    # -- look-up tools -------------------------------------------------------------------
    @classmethod
    def tool(cls, name: str) -> Tool | None:
        """The declared tool clients call ``name``, or None."""
        return next((t for t in cls.tools if t.name == name), None)

    def run_tool(self, channel: Channel, name: str, data: Any) -> Any:
        """Run a declared tool with the channel's credentials.

        Raises LookupError for an unknown tool, ToolInputError for inputs that do not fit
        its schema, and ProviderError when the network refuses."""
        tool = self.tool(name)
        if tool is None:
            raise LookupError(f"{self.identifier} has no tool {name!r}")
        values = tool.clean(data)
        return getattr(self, tool.method_name)(channel, **values)

    # -- connecting ---------------------------------------------------------------------
    def authorization_url(
        self,
        *,
        state: str,
        redirect_uri: str,
        code_challenge: str = "",
        instance: dict | None = None,
    ) -> str:
        raise NotImplementedError(f"{self.identifier} does not connect through OAuth")

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance: dict | None = None
    ) -> Grant:
        raise NotImplementedError(f"{self.identifier} does not connect through OAuth")

    def check_instance(self, instance_url: str) -> str:
        """Custom-instance networks: confirm the URL is such a server; returns its origin.

        Raises ProviderError with a message the person can act on ("not a Mastodon server")."""
        raise NotImplementedError

    def register_app(self, *, instance_url: str, redirect_uri: str) -> dict:
        """Custom-instance OAuth (Mastodon): register our app on the server and return
        ``{"client_id", "client_secret"}``. The caller caches it per instance, and calls
        again after the server answers ``invalid_client``."""
        raise NotImplementedError

    def credential_fields(self) -> list[CredentialField]:
        return []

    def authenticate(self, fields: dict) -> Grant:
        """Credential forms: one real call, so wrong credentials fail while connecting."""
        raise NotImplementedError(f"{self.identifier} does not connect with a form")

    def accounts(self, grant: Grant) -> list[Account]:
        """The accounts this grant can post as (one, unless account_selection says pick)."""
        raise NotImplementedError

    def refresh(self, channel: Channel) -> Grant:
        """Renew the credentials; networks that rotate refresh tokens return the new one."""
        raise ProviderError(
            ErrorKind.AUTH_REVOKED, f"{self.display_name} needs you to reconnect this channel."
        )

    def fetch_profile(self, channel: Channel) -> Account:
        raise NotImplementedError

    def check_refreshes(self, channel: Channel) -> bool:
        """Whether "Check connection" renews the credentials before reading the profile.

        An access token can outlive the grant behind it (a revoked app password, an app
        removed from the account): only the credential that lasts (a refresh token, a
        stored password) says whether the grant still stands. A network whose only
        credential is long-lived (a bot token, a Mastodon token) is checked by a read."""
        return bool(channel.credentials.get("refresh_token"))

    def credential_values(self, channel: Channel) -> dict[str, str]:
        """The connect form's fields as this channel was connected with, by field name,
        secrets included (for reuse on the server when a reconnect leaves them empty;
        never rendered). Read from the stored credentials and facts of the same name."""
        values = {}
        for spec in self.credential_fields():
            value = channel.credentials.get(spec.name) or channel.meta.get(spec.name)
            if isinstance(value, list | tuple):
                value = "\n".join(str(v) for v in value)
            if isinstance(value, str) and value:
                values[spec.name] = value
        return values

    def keeps_secrets_when_changed(self, changed: set[str]) -> bool:
        """Whether a reconnect may reuse the stored secrets although the non-secret fields
        ``changed`` differ from the stored ones. A secret is sent to the servers the form
        names, so by default it is reused only while every server address stays the
        same: otherwise whoever may reconnect could send it to a server of their own."""
        addresses = {spec.name for spec in self.credential_fields() if spec.type == "url"}
        return not (changed & addresses)

    # -- publishing ---------------------------------------------------------------------
    def send(self, channel: Channel, request: PublishRequest) -> PublishResult:
        """The engine's way in: ``publish``, with every COMMIT-phase request preceded by
        ``request.before_commit()`` (what the network may keep is saved before it can)."""
        self._sending = request
        try:
            return self.publish(channel, request)
        finally:
            self._sending = None

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        raise NotImplementedError

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        """For pending publishes: the result once published, None while pending."""
        raise NotImplementedError

    def find_existing(self, channel: Channel, request: PublishRequest) -> RemoteRef | None:
        """After an unknown outcome: the post if the network has it (lookup != none)."""
        return None

    def ref_for_id(self, channel: Channel, remote_id: str) -> RemoteRef:
        """A post of this channel named by its id on the network (a release id someone
        set by hand), in the form publishing records it, with its web address when the id
        alone says it."""
        return RemoteRef(id=remote_id)

    def recent_posts(self, channel: Channel) -> list[RemoteRef]:
        """The channel's newest posts on the network, for someone matching a post that went
        out without an id; [] for a network that cannot list them."""
        return []

    # -- validation ---------------------------------------------------------------------
    def count_text(self, text: str, channel: Channel | None = None) -> int:
        return text_counters.count(text, self.text_counter)

    def limit_for(self, channel: Channel | None = None) -> int | None:
        return self.text_limit

    def media_rules_for(self, channel: Channel | None = None) -> MediaRules:
        """The media rules for this channel (a Mastodon instance sets its own)."""
        return self.media_rules

    def validate(self, draft: Draft, channel: Channel | None = None) -> list[Issue]:
        """Pure: what stops this draft from being published, per thread item."""
        issues = self.validate_settings(draft.settings)
        for index, item in enumerate(draft.items):
            issues += self.validate_item(index, item, channel)
        return issues

    def validate_item(self, index: int, item: DraftItem, channel: Channel | None) -> list[Issue]:
        issues: list[Issue] = []
        limit = self.limit_for(channel)
        if not item.text.strip() and not item.media:
            issues.append(Issue("text_required", "Write something to post.", item=index))
        if limit is not None:
            length = self.count_text(item.text, channel)
            if length > limit:
                issues.append(
                    Issue(
                        "text_too_long",
                        f"{self.display_name} allows {limit} characters; this has {length}.",
                        item=index,
                        limit=limit,
                        actual=length,
                    )
                )
        issues += self.validate_media(index, item.media, self.media_rules_for(channel))
        return issues

    def validate_media(
        self, index: int, media: list[MediaItem], rules: MediaRules | None = None
    ) -> list[Issue]:
        rules = rules or self.media_rules
        issues: list[Issue] = []
        name = self.display_name
        if media and rules.max_count == 0:
            return [Issue("media_count", f"{name} posts cannot carry media.", "media", item=index)]
        if len(media) > rules.max_count:
            issues.append(
                Issue(
                    "media_count",
                    f"{name} allows at most {rules.max_count} files per post.",
                    "media",
                    item=index,
                    limit=rules.max_count,
                    actual=len(media),
                )
            )
        if index == 0 and len(media) < rules.min_count:
            issues.append(
                Issue("media_required", f"{name} needs media on this post.", "media", item=index)
            )
        for file in media:
            if rules.requires_public_url and not file.public_url:
                issues.append(
                    Issue(
                        "media_url",
                        f"{name} fetches {file.filename} from a public address, and it has none. "
                        "Store media where the network can reach it (see the README, media).",
                        "media",
                        item=index,
                    )
                )
            if rules.mime_types and file.mime_type not in rules.mime_types:
                allowed = ", ".join(rules.mime_types)
                issues.append(
                    Issue(
                        "media_type",
                        f"{name} does not accept {file.mime_type} files (allowed: {allowed}).",
                        "media",
                        item=index,
                    )
                )
                continue
            cap = rules.max_bytes_by_type.get(file.mime_type)
            if cap is None:
                cap = rules.max_video_bytes if file.is_video else rules.max_image_bytes
            if cap is not None and file.size > cap:
                issues.append(
                    Issue(
                        "media_size",
                        f"{file.filename} is {_mb(file.size)}; {name} allows {_mb(cap)}.",
                        "media",
                        item=index,
                        limit=cap,
                        actual=file.size,
                    )
                )
        videos = [m for m in media if m.is_video]
        if videos and len(media) > 1 and rules.video_alone:
            issues.append(
                Issue(
                    "media_mix",
                    f"On {name} a video must be posted on its own.",
                    "media",
                    item=index,
                )
            )
        elif videos and len(videos) < len(media) and not rules.allow_mixed:
            issues.append(
                Issue("media_mix", f"{name} does not mix images and videos.", "media", item=index)
            )
        return issues

    def validate_settings(self, values: dict) -> list[Issue]:
        issues = []
        known = {f.name: f for f in self.settings_fields}
        for key in values:
            # Unknown keys are kept and ignored (public API rule), so they only warn;
            # plug--<plug>--<field> keys belong to automations.
            if key not in known and key != "__type" and not key.startswith("plug--"):
                issues.append(
                    Issue(
                        "setting_unknown",
                        f"{key} is not a {self.display_name} setting; it will be ignored.",
                        key,
                        severity="warning",
                    )
                )
        for spec in self.settings_fields:
            value = values.get(spec.name)
            if value in (None, "", [], {}):
                if spec.required:
                    label = spec.label or spec.name
                    issues.append(Issue("setting_required", f"Choose {label}.", spec.name))
                continue
            if spec.type == "enum" and value not in spec.choices:
                issues.append(
                    Issue(
                        "setting_invalid",
                        f"{spec.name} must be one of: {', '.join(spec.choices)}.",
                        spec.name,
                    )
                )
            elif spec.type == "bool" and not isinstance(value, bool):
                issues.append(
                    Issue("setting_invalid", f"{spec.name} must be true or false.", spec.name)
                )
            elif spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
                issues.append(
                    Issue(
                        "setting_invalid",
                        f"{spec.name} allows {spec.max_length} characters.",
                        spec.name,
                        limit=spec.max_length,
                        actual=len(value),
                    )
                )
        return issues

    # -- HTTP and classification --------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        phase: Phase,
        timeout: tuple[float, float] | None = None,
        **kwargs,
    ) -> requests.Response:
        """Send one request; raise the classified ProviderError on any failure.

        Nothing is retried here: whether a retry is safe depends on the phase and the
        error kind, which is the publishing engine's decision.

        An address outside the operator's configured endpoints (a person's server, a
        webhook, an upload URL a network handed back) passes the SSRF guard first and is
        fetched without following redirects, which could lead anywhere.

        While ``send`` publishes, a COMMIT-phase request first saves the publish's progress
        (``PublishRequest.before_commit``), so a crash mid-send leaves it known.
        """
        if phase == Phase.COMMIT and self._sending is not None:
            self._sending.before_commit()
        session = self.session
        if not self._is_configured_endpoint(url):
            # Vetted by the session itself: the host is resolved once, checked, and the
            # connection goes to that very address.
            kwargs.setdefault("allow_redirects", False)
            session = self._guarded_session()
        try:
            response = session.request(method, url, timeout=timeout or self.timeout, **kwargs)
        except UnsafeURL as error:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED, str(error), network_code="unsafe_url", field="url"
            ) from None
        except requests.RequestException as exc:
            logger.info(
                "%s %s %s failed: %s", self.identifier, method, self.redact(url), type(exc).__name__
            )
            raise self.classify_exception(phase, exc) from exc
        request_id = next(
            (
                response.headers[h]
                for h in ("x-request-id", "x-fb-trace-id", "x-li-uuid")
                if h in response.headers
            ),
            "",
        )
        logger.info(
            "%s %s %s -> %s %s",
            self.identifier,
            method,
            self.redact(url),
            response.status_code,
            request_id,
        )
        error = self.classify_response(phase, response)
        if error is not None:
            raise error
        return response

    @staticmethod
    def bearer(token: str) -> dict:
        """The Authorization header for an OAuth bearer token (never put tokens in URLs)."""
        return {"Authorization": f"Bearer {token}"}

    def _is_configured_endpoint(self, url: str) -> bool:
        origin = _origin(url)
        overrides = settings.PROVIDER_ENDPOINTS.get(self.identifier, {})
        return any(
            origin == _origin(base) for base in (*self.endpoints.values(), *overrides.values())
        )

    def _guarded_session(self) -> requests.Session:
        """The session for person-given addresses: it connects to the address the guard
        vetted, so a second DNS answer cannot lead the request to this machine."""
        if self._person_session is None:
            self._person_session = guarded_session()
        self._person_session.headers.update(self.session.headers)
        return self._person_session

    def guard(self, url: str) -> None:
        """Refuse a person-given address that leads to a private or local host."""
        try:
            check_url(url)
        except UnsafeURL as error:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED, str(error), network_code="unsafe_url", field="url"
            ) from None

    def redact(self, text: str) -> str:
        for pattern in self.redact_patterns:
            text = re.sub(pattern, "[redacted]", text)
        return text

    def read_json(self, response: requests.Response, phase: Phase = Phase.READ) -> dict:
        """The body as a JSON object; an unreadable one means the outcome is unknown on a
        commit (the post may be live) and is safe to retry in every other phase."""
        data = json_object(response, None)
        if data is None:
            kind = (
                ErrorKind.UNKNOWN_OUTCOME
                if phase == Phase.COMMIT
                else ErrorKind.TRANSIENT_BEFORE_SEND
            )
            raise ProviderError(
                kind,
                f"{self.network_name or self.display_name} sent an answer we could not read.",
                raw_excerpt=response.text,
            )
        return data

    def token_credentials(self, data: dict) -> dict:
        """An OAuth token answer's secrets: the access token (required) and the refresh
        token when one was sent (a refresh that omits it lets the caller keep its own)."""
        if not data.get("access_token"):
            name = self.network_name or self.display_name
            raise ProviderError(ErrorKind.TRANSIENT_BEFORE_SEND, f"{name} sent no access token.")
        credentials = {"access_token": data["access_token"]}
        if data.get("refresh_token"):
            credentials["refresh_token"] = data["refresh_token"]
        return credentials

    def require_scope(self, grant: Grant, scope: str) -> Grant:
        """A grant that lists its scopes must include the one posting needs."""
        if grant.scopes and scope not in grant.scopes:
            raise ProviderError(
                ErrorKind.PERMISSION_DENIED,
                f"{self.display_name} was not allowed to post; connect again and allow posting.",
                network_code="scope",
            )
        return grant

    def poll(
        self,
        check: Callable[[], Any],
        *,
        attempts: int,
        interval: float | Callable[[], float],
        wait_first: bool = False,
    ) -> Any:
        """Call ``check`` until it answers something truthy, at most ``attempts`` times,
        sleeping ``interval`` seconds (a number, or a callable read before each sleep)
        between calls, and before the first when ``wait_first``. Returns the answer, or
        None when it never came: the caller raises its own "still processing" error, and
        the engine's retry resumes from the saved progress."""
        for attempt in range(attempts):
            if attempt or wait_first:
                seconds = interval() if callable(interval) else interval
                if seconds and seconds > 0:
                    time.sleep(seconds)
            answer = check()
            if answer:
                return answer
        return None

    def classify_exception(self, phase: Phase, exc: Exception) -> ProviderError:
        """Transport failures: before sending is safe to retry; after, on a commit, unknown."""
        name = self.display_name
        sent = not isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError) and (
            isinstance(exc, requests.ReadTimeout | requests.exceptions.ChunkedEncodingError)
            or _connection_dropped_after_send(exc)
        )
        if sent and phase == Phase.COMMIT:
            return ProviderError(
                ErrorKind.UNKNOWN_OUTCOME,
                f"{name} did not answer after the post was sent; it may or may not be live.",
                raw_excerpt=type(exc).__name__,
            )
        return ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            f"Could not reach {name}; we will try again.",
            raw_excerpt=type(exc).__name__,
        )

    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        """None when the response is a success; otherwise the classified error.

        Providers override this with the network's own table; this default reads the status
        code only. A provider whose commit answers with a body must also treat an unreadable
        success body on the commit as UNKNOWN_OUTCOME: only it knows what the body should be.
        """
        status = response.status_code
        if status < 400:
            return None
        return self.error_for_status(phase, response)

    def error_for_status(
        self, phase: Phase, response: requests.Response, message: str = "", code: str = ""
    ) -> ProviderError:
        """The generic mapping from an HTTP status, for what a network's table leaves out."""
        status = response.status_code
        name = self.display_name
        excerpt = response.text[:500]
        detail = f": {message}" if message else "."
        code = code or str(status)
        if status == 401:
            return ProviderError(
                ErrorKind.AUTH_EXPIRED,
                f"{name} refused our sign-in{detail}",
                network_code=code,
                raw_excerpt=excerpt,
            )
        if status == 403:
            return ProviderError(
                ErrorKind.PERMISSION_DENIED,
                f"{name} does not allow this for the connected account{detail}",
                network_code=code,
                raw_excerpt=excerpt,
            )
        if status == 404:
            return ProviderError(
                ErrorKind.NOT_FOUND,
                f"{name} could not find the target{detail}",
                network_code=code,
                raw_excerpt=excerpt,
            )
        if status == 429:
            return ProviderError(
                ErrorKind.RATE_LIMITED,
                f"{name} asked us to slow down; we will try again later.",
                retry_after=retry_after_seconds(response),
                network_code=code,
                raw_excerpt=excerpt,
            )
        if status >= 500:
            kind = (
                ErrorKind.UNKNOWN_OUTCOME
                if phase == Phase.COMMIT
                else ErrorKind.TRANSIENT_BEFORE_SEND
            )
            return ProviderError(
                kind,
                f"{name} had a server error ({status}).",
                network_code=code,
                raw_excerpt=excerpt,
            )
        return ProviderError(
            ErrorKind.CONTENT_REJECTED,
            f"{name} rejected the post{detail}",
            network_code=code,
            raw_excerpt=excerpt,
        )


@functools.lru_cache(maxsize=4096)  # every request compares against the same endpoints
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
