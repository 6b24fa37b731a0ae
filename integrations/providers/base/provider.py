"""``Provider``: what one network is (its declaration) and the contract the rest of the
project calls, over parts it composes rather than inherits. The recipe for a new network
is in the package's docstring (``integrations.providers.base``).

The shared parts it composes:

- ``self.transport`` (``base.transport.Transport``): the requests session, timeouts,
  the SSRF guard for person-given addresses, redacted logging and the commit checkpoint;
  ``self.request`` sends through it and the answer is classified by ``classify_response``;
- ``base.classify``: the table reader and the generic mapping by status;
- ``base.auth``: OAuth 2.0 flows, token and scope checks, credential-form helpers;
- ``base.validation``: the text-limit, media-rules and settings validator;
- ``base.polling``, ``base.tools`` (look-up tools as data), ``base.redaction``.

Hooks a network may override, and why: ``classify_response`` only for what a table
cannot say (Reddit's media bucket speaks S3 XML, a Telegram group that moved raises its
own error type); ``count_text``, ``limit_for`` and ``media_rules_for`` when the
channel's server sets them; ``validate``/``validate_item``/``validate_media`` to add a
network's own checks to the shared ones.

A provider is stateless apart from its HTTP session: it receives what it needs (a
``Channel`` with decrypted credentials, a ``PublishRequest``) and returns plain data
(``Grant``, ``Account``, ``PublishResult``) or raises ``ProviderError``. The services in
``integrations.services`` persist what it returns; providers never touch the database.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

import requests
from django.conf import settings
from django.utils.translation import gettext_noop

from integrations import text as text_counters
from integrations.providers.base import auth, validation
from integrations.providers.base.auth import OAuth2
from integrations.providers.base.classify import ErrorTable, classify, read_json
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
    Metrics,
    PublishRequest,
    PublishResult,
    RemoteRef,
    SettingField,
)
from integrations.providers.base.errors import ErrorKind, Phase, ProviderError
from integrations.providers.base.polling import poll
from integrations.providers.base.redaction import _redaction
from integrations.providers.base.tools import Tool
from integrations.providers.base.transport import Transport
from organizations.texts import Text


class Provider:
    # -- declaration ----------------------------------------------------------------------
    identifier: ClassVar[str]
    display_name: ClassVar[str]
    # The network's name where display_name names a variant ("LinkedIn Page").
    network_name: ClassVar[str] = ""
    # oauth2, oauth2+pkce, app-password, bot-token, webhook, credentials-form
    auth_kind: ClassVar[str]
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
    # A pending publish (the network still making the post) is checked every
    # ``pending_interval`` seconds, each wait ``pending_growth`` times the last (at most
    # ``pending_max_interval``), unless the network suggests its own
    # (``PublishResult.check_after``); still pending ``pending_window`` seconds after it
    # was sent, the post becomes unconfirmed. Video networks process for longer.
    pending_interval: ClassVar[float] = 20
    pending_growth: ClassVar[float] = 1.0
    pending_max_interval: ClassVar[float] = 300
    pending_window: ClassVar[float] = 30 * 60
    analytics: ClassVar[str] = "none"
    refresh_ahead: ClassVar[int] = 0  # seconds before expiry to refresh; 0 = never expires
    # How many posts the network publishes for one account in any 24 hours (None: no
    # known cap); scheduling past it is warned about (``quota_exhausted``).
    daily_post_cap: ClassVar[int | None] = None
    max_concurrency: ClassVar[int] = 2
    scopes: ClassVar[tuple[str, ...]] = ()
    # The authorization-code flow, for networks that sign in through OAuth 2.0.
    oauth: ClassVar[OAuth2 | None] = None
    # Query parameters the network adds to our callback besides code and state that its
    # code exchange needs (VK ID's device_id): handed to ``exchange_code`` as ``callback``.
    callback_params: ClassVar[tuple[str, ...]] = ()
    # Names in settings.PROVIDER_SETTINGS this provider needs (OAuth client id/secret).
    required_settings: ClassVar[tuple[str, ...]] = ()
    endpoints: ClassVar[dict[str, str]] = {}
    settings_fields: ClassVar[tuple[SettingField, ...]] = ()
    preference_fields: ClassVar[tuple[SettingField, ...]] = ()
    # Secrets that must never reach a log line (beyond Authorization headers).
    redact_patterns: ClassVar[tuple[str, ...]] = ()
    # What the network's errors mean (base.classify); the default reads the status only.
    errors: ClassVar[ErrorTable] = ErrorTable()
    # What can be looked up on the network with a channel's credentials (base.tools).
    tools: ClassVar[tuple[Tool, ...]] = ()
    # Why the network works only in part for new users (its API closed to new apps or
    # tokens, or undocumented), in one sentence people read; empty when it is not limited.
    # ``manage.py providers`` and the Channels page show it.
    limited: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _redaction.add(cls.redact_patterns)
        for tool in cls.tools:
            # A declared tool without its method would only fail when someone calls it.
            if not callable(getattr(cls, tool.method_name, None)):
                raise TypeError(f"{cls.__name__} declares tool {tool.name} without a method")
        # A network that offers reposts to plugs without saying how would fail at the
        # first threshold crossed, long after someone set it up.
        if "repost" in cls.plug_kinds and cls.repost is Provider.repost:
            raise TypeError(f"{cls.__name__} offers reposts without a repost method")
        names = {tool.name for tool in cls.tools}
        for spec in cls.settings_fields:
            source = spec.options
            # A setting whose choices name a tool the network lacks could never be filled.
            if source is not None and not {source.tool, source.create or source.tool} <= names:
                raise TypeError(f"{cls.__name__}.{spec.name}: its option source names no tool")

    def __init__(self):
        self.transport = Transport(
            identifier=self.identifier,
            name=self.display_name,
            endpoints=self.endpoints,
            classify=self.classify_response,
            redact=self.redact,
        )

    # -- declaration helpers ------------------------------------------------------------
    @property
    def family(self) -> str:
        return self.identifier.split("-", 1)[0]

    @property
    def network_label(self) -> str:
        """The network's name, without the variant ("LinkedIn" for LinkedIn Page)."""
        return self.network_name or self.display_name

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

    # -- dynamic setting choices (spec 1.3 ``options``) -----------------------------------
    @classmethod
    def option_source(cls, name: str):
        """The ``OptionSource`` of setting ``name``, or None when its choices are static."""
        spec = next((f for f in cls.settings_fields if f.name == name), None)
        return spec.options if spec is not None else None

    @classmethod
    def option_list(cls, name: str, answer: Any, query: str = "") -> list[dict]:
        """The choices of setting ``name`` in its tool's ``answer``, as ``[{"value",
        "label"}]``; with ``query``, those whose label or value contains it (any case)."""
        source = cls.option_source(name)
        if source is None:
            raise LookupError(f"{cls.identifier} setting {name!r} has no option source")
        found = source.entries(answer)
        needle = (query or "").strip().casefold()
        if needle:
            found = [
                o
                for o in found
                if needle in o["label"].casefold() or needle in o["value"].casefold()
            ]
        return found

    def options(self, name: str, channel: Channel, query: str = "") -> list[dict]:
        """The choices of setting ``name`` for this channel, asked of the network now.
        Raises LookupError for a setting without an option source, and ProviderError
        when the network refuses."""
        source = self.option_source(name)
        if source is None:
            raise LookupError(f"{self.identifier} setting {name!r} has no option source")
        return self.option_list(name, self.run_tool(channel, source.tool, {}), query)

    # -- connecting ---------------------------------------------------------------------
    def authorization_url(
        self,
        *,
        state: str,
        redirect_uri: str,
        code_challenge: str = "",
        instance: dict | None = None,
    ) -> str:
        return self._oauth().authorization_url(
            self, state=state, redirect_uri=redirect_uri, code_challenge=code_challenge
        )

    def exchange_code(
        self, *, code: str, redirect_uri: str, code_verifier: str = "", instance: dict | None = None
    ) -> Grant:
        return self._oauth().exchange(
            self, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )

    def _oauth(self) -> OAuth2:
        if self.oauth is None:
            raise NotImplementedError(f"{self.identifier} does not connect through OAuth")
        return self.oauth

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
        if self.oauth is not None:
            return self.oauth.refresh(self, channel)
        raise ProviderError(
            ErrorKind.AUTH_REVOKED,
            Text(
                gettext_noop("%(network)s needs you to reconnect this channel."),
                network=self.display_name,
            ),
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
        """The connect form's fields as this channel was connected with (``auth.form_values``)."""
        return auth.form_values(self.credential_fields(), channel)

    def keeps_secrets_when_changed(self, changed: set[str]) -> bool:
        """Whether a reconnect may reuse the stored secrets although the non-secret fields
        ``changed`` differ: by default only while every server address stays the same
        (``auth.secrets_reusable``)."""
        return auth.secrets_reusable(self.credential_fields(), changed)

    # -- publishing ---------------------------------------------------------------------
    def send(self, channel: Channel, request: PublishRequest) -> PublishResult:
        """The engine's way in: ``publish``, with every COMMIT-phase request preceded by
        ``request.before_commit()`` (what the network may keep is saved before it can)."""
        self.transport.checkpoint = request.before_commit
        try:
            return self.publish(channel, request)
        finally:
            self.transport.checkpoint = None

    def publish(self, channel: Channel, request: PublishRequest) -> PublishResult:
        raise NotImplementedError

    def check_status(self, channel: Channel, handle: str) -> PublishResult | None:
        """For pending publishes: the result once published; None (or a result whose
        state is "pending", with the network's ``check_after``) while pending. When the
        network answers that the post failed, raise ProviderError with ``verdict=True``
        and its words: CONTENT_REJECTED fails the post; RATE_LIMITED or
        TRANSIENT_BEFORE_SEND mean it made nothing and another attempt may (the handle
        is dropped and the next attempt looks first, then sends again). Any other error
        means the check could not tell: it is asked again within ``pending_window``.

        A provider may also hand back a pending result *before* its commit, when what it
        must publish is still being prepared (an Instagram container processing a reel):
        nothing is published yet, so check_status never commits itself. Once the network
        is done preparing it answers a result with state "ready", and the engine calls
        ``send`` again at once (looking first with ``find_existing``, as for any item
        that may have gone out): ``publish`` resumes from its progress and commits through
        ``before_commit``."""
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

    # -- analytics (``analytics`` says which of these a network answers) ----------------
    # How many post ids one request for their metrics may carry, and how many such
    # requests a channel may make per hour (the fetch jobs spread their rounds under it).
    metrics_batch: ClassVar[int] = 1
    metrics_per_hour: ClassVar[int] = 60

    def post_metrics(self, channel: Channel, refs: list[RemoteRef]) -> dict[str, Metrics]:
        """The counts of these posts (at most ``metrics_batch``), by their ids; a post the
        network no longer has is left out. A refused permission raises
        ``PERMISSION_DENIED`` naming the permission (the channel's analytics then ask for
        a reconnection)."""
        raise NotImplementedError

    def channel_metrics(self, channel: Channel, since: date, until: date) -> dict[date, Metrics]:
        """The channel's counts for each day from ``since`` to ``until`` (inclusive) the
        network can tell; a network that only knows today's totals (followers) answers
        them under today."""
        raise NotImplementedError

    # -- plugs: acting on a published post's success (posts.plugs) --------------------
    # What a plug may do on this network once a post's count reaches its threshold:
    # "repost" (the network's own repost, boost or retweet of our post, ``repost``) and
    # "reply" (a follow-up sent through ``send`` with the post as ``reply_to``, so it
    # goes the way thread items do). Empty: the network offers no plugs.
    plug_kinds: ClassVar[tuple[str, ...]] = ()
    # The post counts a plug may watch: those ``post_metrics`` reads on this network.
    plug_metrics: ClassVar[tuple[str, ...]] = ()
    # True when sending a repost again can never make a second one (the network keeps
    # one repost of a post per account, or our key names the record): after an unclear
    # answer that ``find_repost`` does not find, the repost is sent again; otherwise the
    # run is left unconfirmed for a person to check.
    repost_once: ClassVar[bool] = False

    def repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef:
        """Repost our post ``target`` on the channel's own profile; returns the repost.
        ``key`` is the plug run's permanent key: a network that takes a record key or an
        idempotency key derives it from ``key`` only. Sent as a COMMIT: a failure after
        it may have landed is ``UNKNOWN_OUTCOME``, answered by ``find_repost``."""
        raise NotImplementedError(f"{self.identifier} cannot repost")

    def find_repost(self, channel: Channel, target: RemoteRef, *, key: str) -> RemoteRef | None:
        """After an unclear repost: the repost if the network has it, None when it
        certainly has not. Raises NotImplementedError when the network cannot tell."""
        raise NotImplementedError(f"{self.identifier} cannot look for a repost")

    def plug_reply_request(self, target: RemoteRef, text: str, *, key: str) -> PublishRequest:
        """The follow-up reply of a plug as a publish request: under ``target`` (the post
        is also the thread's root), every key derived from the run's ``key``."""
        return PublishRequest(post_id=key, text=text, reply_to=target, root=target, key=key)

    # -- validation (base.validation) ---------------------------------------------------
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
        issues = validation.check_text(
            index,
            item,
            name=self.display_name,
            limit=self.limit_for(channel),
            length=self.count_text(item.text, channel),
        )
        return issues + self.validate_media(index, item.media, self.media_rules_for(channel))

    def validate_media(
        self, index: int, media: list[MediaItem], rules: MediaRules | None = None
    ) -> list[Issue]:
        return validation.check_media(
            index, media, rules or self.media_rules, name=self.display_name
        )

    def validate_settings(self, values: dict) -> list[Issue]:
        return validation.check_settings(values, self.settings_fields, name=self.display_name)

    # -- HTTP (base.transport) and classification (base.classify) -----------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        phase: Phase,
        timeout: tuple[float, float] | None = None,
        **kwargs,
    ) -> requests.Response:
        """Send one request through the transport; raise the classified ProviderError on
        any failure. Nothing is retried here (see ``Transport.request``)."""
        return self.transport.request(method, url, phase=phase, timeout=timeout, **kwargs)

    @property
    def session(self) -> requests.Session:
        return self.transport.session

    @property
    def timeout(self) -> tuple[float, float]:
        return self.transport.timeout

    @timeout.setter
    def timeout(self, value: tuple[float, float]) -> None:
        self.transport.timeout = value

    @property
    def upload_timeout(self) -> tuple[float, float]:
        return self.transport.upload_timeout

    @upload_timeout.setter
    def upload_timeout(self, value: tuple[float, float]) -> None:
        self.transport.upload_timeout = value

    bearer = staticmethod(auth.bearer)
    poll = staticmethod(poll)

    def redact(self, text: str) -> str:
        for pattern in self.redact_patterns:
            text = re.sub(pattern, "[redacted]", text)
        return text

    def read_json(self, response: requests.Response, phase: Phase = Phase.READ) -> dict:
        """The body as a JSON object, or the classified error for an unreadable one."""
        return read_json(response, phase, self.network_label)

    def classify_response(self, phase: Phase, response: requests.Response) -> ProviderError | None:
        """None when the response is a success; otherwise the error the network's table
        gives. Override only for what a table cannot say, and say why."""
        return self.classify_with(self.errors, phase, response)

    def classify_with(
        self, table: ErrorTable, phase: Phase, response: requests.Response
    ) -> ProviderError | None:
        """``response`` read through ``table`` (a network with a second host may have a
        second table)."""
        return classify(
            table,
            phase,
            response,
            name=self.display_name,
            network=self.network_label,
            redact=self.redact,
        )
