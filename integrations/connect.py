"""Connect-flow state kept in the person's session: OAuth ``state`` values and the
accounts waiting to be picked after a login that owns several.

An OAuth state is bound to this session, the organization, the provider and a PKCE
verifier; it expires after POSTIZ_CONNECT_STATE_SECONDS and works once. A pending
selection keeps the grant encrypted with the vault, never in plaintext.

A sign-in started through the public API (``begin_oauth_detached``) has no session to keep
its state in: the person opens the address in a browser the API client never saw. Its
state is kept on the server instead (the cache every process shares), works once and
expires the same way; the callback still requires someone signed in who may connect
channels in that organization, so the state alone connects nothing.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import asdict

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from integrations import vault
from integrations.forms import lower_first
from integrations.providers.base import Account, Grant
from integrations.services import grant_from_dict, grant_to_dict

STATES_KEY = "postiz_connect_states"
DETACHED_PREFIX = "postiz:connect-state:"
PENDING_KEY = "postiz_connect_pending"
MAX_ENTRIES = 10  # per session: enough for a few tabs, bounded against abuse


class ConnectError(Exception):
    """The flow cannot continue; ``str(error)`` is shown to the person as is."""


def redirect_uri(provider_id: str) -> str:
    return settings.SITE_URL + reverse("integrations_callback", args=[provider_id])


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def _lifetime() -> int:
    return int(settings.POSTIZ_CONNECT_STATE_SECONDS)


def _prune(entries: dict) -> dict:
    now = time.time()
    live = {k: v for k, v in entries.items() if now - v.get("created", 0) < _lifetime()}
    newest = sorted(live.items(), key=lambda kv: kv[1]["created"], reverse=True)
    return dict(newest[:MAX_ENTRIES])


def begin_oauth(
    request,
    *,
    organization,
    provider,
    instance: dict | None = None,
    instance_app_id: int | None = None,
    reconnect_id: int | None = None,
    retried: bool = False,
) -> str:
    """Store a fresh state in the session and return the network's authorization URL."""
    state, entry, challenge = _new_state(
        organization=organization,
        provider=provider,
        instance=instance,
        instance_app_id=instance_app_id,
        reconnect_id=reconnect_id,
        retried=retried,
    )
    entries = _prune(request.session.get(STATES_KEY, {}))
    entries[state] = entry
    request.session[STATES_KEY] = entries
    return provider.authorization_url(
        state=state,
        redirect_uri=redirect_uri(provider.identifier),
        code_challenge=challenge,
        instance=instance,
    )


def begin_oauth_detached(
    *,
    organization,
    provider,
    instance: dict | None = None,
    instance_app_id: int | None = None,
    reconnect_id: int | None = None,
) -> str:
    """The public API's sign-in: the state is kept on the server, not in a session, and
    the network's authorization URL is returned for someone to open in a browser."""
    state, entry, challenge = _new_state(
        organization=organization,
        provider=provider,
        instance=instance,
        instance_app_id=instance_app_id,
        reconnect_id=reconnect_id,
    )
    cache.set(DETACHED_PREFIX + state, entry, timeout=_lifetime())
    return provider.authorization_url(
        state=state,
        redirect_uri=redirect_uri(provider.identifier),
        code_challenge=challenge,
        instance=instance,
    )


def _new_state(
    *, organization, provider, instance, instance_app_id, reconnect_id, retried=False
) -> tuple[str, dict, str]:
    """(state, what it is bound to, PKCE challenge) for a new sign-in."""
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair() if provider.uses_pkce else ("", "")
    entry = {
        "organization_id": organization.pk,
        "slug": organization.slug,
        "provider": provider.identifier,
        "verifier": verifier,
        # The instance's client secret stays in the database; the state names the app.
        "instance_url": (instance or {}).get("url", ""),
        "instance_app_id": instance_app_id,
        "reconnect_id": reconnect_id,
        "retried": retried,
        "created": time.time(),
    }
    return state, entry, challenge


def instance_details(app) -> dict:
    """A custom-instance app (InstanceApp) as the provider's ``instance`` argument."""
    return {
        "url": app.instance_url,
        "client_id": app.client_id,
        "client_secret": app.client_secret.get("client_secret", ""),
    }


def _take_detached(state: str) -> dict | None:
    """A state the public API started, removed so it works once (of two callbacks racing
    with it, only the one whose delete removed it goes on)."""
    if not state:
        return None
    key = DETACHED_PREFIX + state
    data = cache.get(key)
    if data is None or not cache.delete(key):
        return None
    return data


def take_state(request, *, state: str, provider_id: str) -> dict:
    """The state's data, removed from the session so it cannot be used twice.

    Raises ConnectError when the state is unknown to this session, for another
    network, or older than the connect lifetime."""
    entries = dict(request.session.get(STATES_KEY, {}))
    data = entries.pop(state or "", None)
    if data is not None:
        request.session[STATES_KEY] = entries
    else:
        data = _take_detached(state)
    if data is None:
        raise ConnectError(
            _(
                "This sign-in link is not valid in this browser session: it was already used, "
                "or it was started elsewhere. Start connecting again."
            )
        )
    if data.get("provider") != provider_id:
        raise ConnectError(_("This sign-in answer came back for another network. Start again."))
    if time.time() - data.get("created", 0) >= _lifetime():
        minutes = _lifetime() // 60
        raise ConnectError(
            ngettext(
                "This sign-in took longer than %(minutes)s minute and expired. Start again.",
                "This sign-in took longer than %(minutes)s minutes and expired. Start again.",
                minutes,
            )
            % {"minutes": minutes}
        )
    return data


def stash_selection(request, *, organization, provider_id: str, grant: Grant, accounts) -> str:
    """Keep a grant and its accounts (encrypted) until the person picks; returns a token."""
    token = secrets.token_urlsafe(16)
    entries = _prune(request.session.get(PENDING_KEY, {}))
    payload = {"grant": grant_to_dict(grant), "accounts": [asdict(a) for a in accounts]}
    entries[token] = {
        "organization_id": organization.pk,
        "provider": provider_id,
        "sealed": vault.encrypt(payload),
        "created": time.time(),
    }
    request.session[PENDING_KEY] = entries
    return token


def peek_selection(request, *, organization, token: str):
    """(provider_id, grant, accounts) of a pending selection of this organization, or
    raise ConnectError."""
    data = request.session.get(PENDING_KEY, {}).get(token)
    if data is None or data.get("organization_id") != organization.pk:
        raise ConnectError(_("This choice of accounts is no longer available. Connect again."))
    if time.time() - data.get("created", 0) >= _lifetime():
        drop_selection(request, token=token)
        raise ConnectError(_("This choice of accounts expired. Connect again."))
    payload = vault.decrypt(data["sealed"])
    accounts = [Account(**a) for a in payload["accounts"]]
    return data["provider"], grant_from_dict(payload["grant"]), accounts


def drop_selection(request, *, token: str) -> None:
    entries = dict(request.session.get(PENDING_KEY, {}))
    if entries.pop(token, None) is not None:
        request.session[PENDING_KEY] = entries


# -- Reconnecting with a credential form ----------------------------------------------------
def stored_fields(provider, integration) -> dict[str, str]:
    """What ``integration`` was connected with, by form field (secrets included: they stay
    on the server and are never rendered); empty for a channel of another network."""
    if integration is None or integration.provider != provider.identifier:
        return {}
    return provider.credential_values(integration.as_channel())


def _same(a: str, b: str) -> bool:
    def norm(value: str) -> str:
        return " ".join((value or "").split()).rstrip("/").casefold()

    return norm(a) == norm(b)


def fill_kept_secrets(provider, fields, submitted: dict, stored: dict) -> dict:
    """The submitted values, each secret left empty replaced by the stored one when the
    provider may reuse it; raises ValidationError naming the secret to enter again."""
    values = dict(submitted)
    plain = [f for f in fields if f.type != "secret"]
    changed = {
        f.name for f in plain if not _same(str(values.get(f.name) or ""), stored.get(f.name, ""))
    }
    errors = {}
    for spec in fields:
        if spec.type != "secret" or values.get(spec.name):
            continue
        if not stored.get(spec.name):
            if spec.required:
                errors[spec.name] = _("Enter the %(what)s: none is stored for this channel.") % {
                    "what": lower_first(str(spec.label))
                }
            continue
        if not provider.keeps_secrets_when_changed(changed):
            names = get_text_list(
                [lower_first(str(f.label)) for f in plain if f.name in changed], _("and")
            )
            errors[spec.name] = _(
                "Enter the %(what)s again: the %(addresses)s changed, and a stored "
                "secret is only sent to the server it was entered for."
            ) % {"what": lower_first(str(spec.label)), "addresses": names}
            continue
        values[spec.name] = stored[spec.name]
    if errors:
        raise ValidationError(errors)
    return values
