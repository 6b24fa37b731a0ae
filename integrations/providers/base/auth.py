"""Sign-in flows networks share, described as data: OAuth 2.0 (with or without PKCE),
and the helpers for credential forms and bot tokens.

A network that signs in with the authorization-code flow declares ``oauth = OAuth2(...)``:
which settings hold its client, where its sign-in page and token endpoint are, how it
wants the client authenticated and which scope posting needs. ``Provider`` then builds
the sign-in address, exchanges the code and refreshes the grant through it; a network
whose exchange is unusual (a second token swap, a bot install) overrides that one step
and still uses the flow for the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from django.utils.translation import gettext_noop

from integrations.providers.base.data import Channel, CredentialField, Grant
from integrations.providers.base.errors import ErrorKind, Phase, ProviderError
from integrations.providers.base.http import expiry_after, split_scopes
from organizations.texts import Text

if TYPE_CHECKING:
    from integrations.providers.base.provider import Provider


@dataclass(frozen=True)
class OAuth2:
    """An OAuth 2.0 authorization-code flow (``pkce`` adds S256 code challenges)."""

    # The names in settings.PROVIDER_SETTINGS of the client id and secret ("" for none).
    client: tuple[str, str]
    # (endpoint name, path) of the sign-in page and of the token endpoint.
    authorize: tuple[str, str] = ("auth", "")
    token: tuple[str, str] = ("token", "")
    scope_separator: str = " "
    # Further sign-in parameters (Reddit's duration=permanent, Discord's permissions).
    params: Mapping[str, str] = field(default_factory=dict)
    pkce: bool = False
    # "form": client id and secret in the token request's body; "basic": HTTP Basic
    # (only when a secret is configured: a public client sends none).
    client_auth: str = "form"
    # With "basic": the client id is sent in the body as well (X).
    id_in_form: bool = False
    # A grant that lists its scopes without this one cannot post: refused when connecting.
    write_scope: str = ""
    # Said when a refresh is needed and there is no refresh token: an English sentence
    # marked with gettext_noop, kept as a Text so each reader sees it in their language.
    reconnect_message: str = ""

    def authorization_url(
        self, provider: Provider, *, state: str, redirect_uri: str, code_challenge: str = ""
    ) -> str:
        params = {
            "response_type": "code",
            "client_id": provider.setting(self.client[0]),
            "redirect_uri": redirect_uri,
            "scope": self.scope_separator.join(provider.scopes),
            "state": state,
            **self.params,
        }
        if self.pkce:
            params["code_challenge"] = code_challenge
            params["code_challenge_method"] = "S256"
        endpoint, path = self.authorize
        return f"{provider.url(endpoint, path)}?{urlencode(params, quote_via=quote)}"

    def request_token(self, provider: Provider, form: dict) -> dict:
        """POST ``form`` to the token endpoint with the client's credentials; the answer."""
        client_id = provider.setting(self.client[0])
        secret = provider.setting(self.client[1]) if self.client[1] else ""
        auth = None
        if self.client_auth == "basic":
            auth = (client_id, secret) if secret else None
            if self.id_in_form or not secret:
                form = {**form, "client_id": client_id}
        else:
            form = {**form, "client_id": client_id, "client_secret": secret}
        endpoint, path = self.token
        response = provider.request(
            "POST", provider.url(endpoint, path), phase=Phase.AUTH, data=form, auth=auth
        )
        return provider.read_json(response, Phase.AUTH)

    def grant(self, provider: Provider, data: dict) -> Grant:
        """A token answer as a Grant: its secrets, their lifetimes and the scopes."""
        return Grant(
            credentials=token_credentials(data, provider.network_label),
            expires_at=expiry_after(data.get("expires_in")),
            refresh_expires_at=expiry_after(data.get("refresh_token_expires_in")),
            scopes=split_scopes(data.get("scope")),
        )

    def exchange(
        self, provider: Provider, *, code: str, redirect_uri: str, code_verifier: str = ""
    ) -> Grant:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if self.pkce:
            form["code_verifier"] = code_verifier
        grant = self.grant(provider, self.request_token(provider, form))
        if self.write_scope:
            require_scope(grant, self.write_scope, provider.display_name)
        return grant

    def refresh(self, provider: Provider, channel: Channel) -> Grant:
        """A new grant from the channel's refresh token; networks that rotate it send the
        new one, and an answer without one lets the caller keep its own."""
        token = channel.credentials.get("refresh_token")
        if not token:
            raise ProviderError(
                ErrorKind.AUTH_REVOKED,
                # A network's own sentence is a msgid (marked with gettext_noop there).
                Text(self.reconnect_message)
                if self.reconnect_message
                else Text(
                    gettext_noop("%(network)s needs you to reconnect this channel."),
                    network=provider.display_name,
                ),
            )
        data = self.request_token(provider, {"grant_type": "refresh_token", "refresh_token": token})
        return self.grant(provider, data)


def token_credentials(data: dict, name: str) -> dict:
    """An OAuth token answer's secrets: the access token (required) and the refresh token
    when one was sent (a refresh that omits it lets the caller keep its own)."""
    if not data.get("access_token"):
        raise ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            Text(gettext_noop("%(network)s sent no access token."), network=name),
        )
    credentials = {"access_token": data["access_token"]}
    if data.get("refresh_token"):
        credentials["refresh_token"] = data["refresh_token"]
    return credentials


def require_scope(grant: Grant, scope: str, name: str) -> Grant:
    """A grant that lists its scopes must include the one posting needs."""
    if grant.scopes and scope not in grant.scopes:
        raise ProviderError(
            ErrorKind.PERMISSION_DENIED,
            Text(
                gettext_noop(
                    "%(network)s was not allowed to post; connect again and allow posting."
                ),
                network=name,
            ),
            network_code="scope",
        )
    return grant


def bearer(token: str) -> dict:
    """The Authorization header for an OAuth bearer token (never put tokens in URLs)."""
    return {"Authorization": f"Bearer {token}"}


def bot(token: str) -> dict:
    """The Authorization header for a bot token (Discord)."""
    return {"Authorization": f"Bot {token}"}


# -- credential forms --------------------------------------------------------------------
def form_values(fields: Iterable[CredentialField], channel: Channel) -> dict[str, str]:
    """A connect form's fields as ``channel`` was connected with, by field name, secrets
    included (for reuse on the server when a reconnect leaves them empty; never
    rendered). Read from the stored credentials and facts of the same name."""
    values = {}
    for spec in fields:
        value = channel.credentials.get(spec.name) or channel.meta.get(spec.name)
        if isinstance(value, list | tuple):
            value = "\n".join(str(v) for v in value)
        if isinstance(value, str) and value:
            values[spec.name] = value
    return values


def secrets_reusable(fields: Iterable[CredentialField], changed: set[str]) -> bool:
    """Whether stored secrets may be reused although the non-secret fields ``changed``
    differ from the stored ones. A secret is sent to the servers the form names, so it
    is reused only while every server address stays the same: otherwise whoever may
    reconnect could send it to a server of their own."""
    addresses = {spec.name for spec in fields if spec.type == "url"}
    return not (changed & addresses)
