"""Running a channel's look-up tools (``Provider.tools``) and other reads of the network
for the APIs (the channel's recent posts, to match a post that went out without an id).

A tool runs with the channel's own credentials: an expired token is refreshed first
(``integration_refresh``, under the channel's lock), a token the network calls stale is
refreshed once and the tool run once more, and a grant the network no longer accepts
marks the channel for reconnecting, as publishing does. Callers have already found the
channel through a selector scoped to the organization, so another organization's channel
never reaches this module.

A tool whose answer the channel keeps (``Tool.stores``/``adds_to``: Pinterest's boards,
TikTok's creator info) updates that copy whenever it runs, so it is as fresh as the last
look-up rather than the last connection. ``integration_setting_options`` fills a setting
whose choices come from a tool (``OptionSource``) for the composer: the network's answer,
kept a few minutes in the cache, or the channel's kept copy when the network cannot be
asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from integrations.models import Integration
from integrations.providers import get_provider
from integrations.providers.base import (
    Channel,
    ErrorKind,
    OptionSource,
    ProviderError,
    RemoteRef,
    Tool,
    ToolInputError,
)
from integrations.services import TRANSIENT_KINDS, integration_refresh, integration_set_status

logger = logging.getLogger("postiz.integrations")

__all__ = [
    "ChannelDisconnected",
    "SettingOptions",
    "ToolFailed",
    "ToolInputError",
    "ToolNotFound",
    "integration_recent_posts",
    "integration_run_tool",
    "integration_setting_options",
    "integration_tools",
    "kept_setting_options",
]

# How long a looked-up list of choices is reused: long enough that typing in the composer
# does not ask the network again, short enough that a board made elsewhere shows soon.
OPTIONS_CACHE_SECONDS = 300


class ToolNotFound(LookupError):
    """The channel's network has no tool of that name."""


class ChannelDisconnected(Exception):
    """The channel needs reconnecting: its grant is gone or could not be renewed."""


class ToolFailed(Exception):
    """The network refused or failed; ``message`` says what it answered."""

    def __init__(self, message: str, error: ProviderError | None = None):
        super().__init__(message)
        self.message = message
        self.error = error


def integration_tools(*, integration: Integration) -> list[Tool]:
    """Anyone who may read the channel; the tools its network offers (none for a network
    this server no longer knows)."""
    try:
        return list(get_provider(integration.provider).tools)
    except LookupError:
        return []


def _renewed(integration: Integration) -> Integration:
    try:
        refreshed = integration_refresh(integration_id=integration.pk, raise_errors=True)
    except ProviderError as error:
        if error.kind in TRANSIENT_KINDS:
            raise ToolFailed(error.user_message, error) from error
        # integration_refresh has marked the channel for reconnecting.
        raise ChannelDisconnected(error.user_message) from error
    if refreshed is None:
        raise ChannelDisconnected("The channel is gone.")
    return refreshed


def _expired(integration: Integration) -> bool:
    expires = integration.token_expires_at
    return expires is not None and expires <= timezone.now()


def _with_credentials(integration: Integration, what: str, run: Callable[[Channel], Any]):
    """``run(channel)`` with the channel's credentials: refreshed first when expired,
    renewed once when the network calls them stale, and the channel marked for
    reconnecting when its grant is gone. Raises ChannelDisconnected or ToolFailed."""
    if integration.status == Integration.Status.NEEDS_RECONNECT:
        raise ChannelDisconnected(integration.last_error or "The channel needs reconnecting.")
    provider = get_provider(integration.provider)
    if _expired(integration):
        integration = _renewed(integration)
    try:
        try:
            return run(integration.as_channel())
        except ProviderError as error:
            if error.kind != ErrorKind.AUTH_EXPIRED:
                raise
        integration = _renewed(integration)
        try:
            return run(integration.as_channel())
        except ProviderError as error:
            if error.kind == ErrorKind.AUTH_EXPIRED:
                # Refused again right after a renewal: the grant itself is gone.
                error.kind = ErrorKind.AUTH_REVOKED
            raise
    except ProviderError as error:
        if error.kind == ErrorKind.AUTH_REVOKED:
            integration_set_status(
                integration=integration,
                status=Integration.Status.NEEDS_RECONNECT,
                error=error.text or error.user_message,
            )
            raise ChannelDisconnected(error.user_message) from error
        logger.info(
            "%s of channel %s refused: %s %s",
            what,
            integration.pk,
            error.kind,
            error.network_code,
        )
        raise ToolFailed(error.user_message, error) from error
    except (ToolFailed, ChannelDisconnected, ToolInputError):
        raise
    except Exception:  # a network's odd answer must not become a 500
        logger.exception("%s of channel %s failed unexpectedly", what, integration.pk)
        network = provider.network_name or provider.display_name
        raise ToolFailed(f"{network} answered in a way we did not understand.") from None


def integration_run_tool(*, integration: Integration, name: str, data: Any) -> Any:
    """The APIs call this for a channel of the caller's organization (channels:read
    checked by the view); returns the tool's output.

    Raises ToolNotFound, ToolInputError (before anything is sent), ChannelDisconnected
    (the channel needs reconnecting) or ToolFailed (the network refused or failed)."""
    try:
        provider = get_provider(integration.provider)
    except LookupError:
        raise ToolNotFound(name) from None
    tool = provider.tool(name)
    if tool is None:
        raise ToolNotFound(name)
    tool.clean(data)  # bad input is answered before the network is asked anything
    output = _with_credentials(
        integration, f"tool {name}", lambda channel: provider.run_tool(channel, name, data)
    )
    _keep(integration, tool, output)
    return output


def _keep(integration: Integration, tool: Tool, output: Any) -> None:
    """Bring the channel's kept copy of what ``tool`` answers up to date (nothing when the
    tool keeps nothing), and the cached choices read from it."""
    key = tool.stores or tool.adds_to
    if not key:
        return
    with transaction.atomic():
        row = Integration.objects.select_for_update().filter(pk=integration.pk).first()
        if row is None:
            return
        meta = dict(row.meta)
        if tool.stores:
            meta[key] = output
        else:
            kept = meta.get(key)
            # With no list kept (never read), one new entry is not the account's list.
            if not isinstance(kept, list) or not isinstance(output, dict):
                return
            same = str(output.get("id") or "")
            meta[key] = [e for e in kept if not (isinstance(e, dict) and str(e.get("id")) == same)]
            meta[key].append(output)
        row.meta = meta
        row.save(update_fields=["meta", "updated_at"])
    integration.meta = meta
    provider = get_provider(integration.provider)
    for spec in provider.settings_fields:
        source = spec.options
        if source is None or source.stored != key:
            continue
        if provider.tool(source.tool).stores == key:
            cache.set(_options_key(integration, spec.name), meta[key], OPTIONS_CACHE_SECONDS)
        else:
            cache.delete(_options_key(integration, spec.name))


@dataclass
class SettingOptions:
    """A setting's choices for one channel, as the composer offers them."""

    options: list[dict]  # [{"value", "label"}]
    source: OptionSource
    # Why these are the channel's kept copy and not the network's answer now ("" if fresh).
    note: str = ""


def _options_key(integration: Integration, name: str) -> str:
    return f"setting-options:{integration.pk}:{name}"


def _source(integration: Integration, name: str):
    try:
        provider = get_provider(integration.provider)
    except LookupError:
        raise ToolNotFound(name) from None
    source = provider.option_source(name)
    if source is None:
        raise ToolNotFound(name)
    return provider, source


def kept_setting_options(*, integration: Integration, name: str) -> SettingOptions | None:
    """The composer calls this for a channel of the person's organization; the choices of
    setting ``name`` known without asking the network (the cache, or the copy the channel
    keeps), or None. Raises ToolNotFound for a setting without an option source."""
    provider, source = _source(integration, name)
    # A kept copy is refreshed with every look-up (``_keep``), so it is as fresh as the
    # cache and costs no query; the cache serves the choices nothing keeps.
    answer = integration.meta.get(source.stored) if source.stored else None
    if answer in (None, [], {}):
        answer = cache.get(_options_key(integration, name))
    if answer in (None, [], {}):
        return None
    return SettingOptions(provider.option_list(name, answer), source)


def integration_setting_options(
    *, integration: Integration, name: str, query: str = "", fresh: bool = False
) -> SettingOptions:
    """The composer calls this for a channel of the person's organization (posts.edit
    checked by the view); the choices of setting ``name``, asked of the network unless a
    recent answer is cached (``fresh`` asks anyway), filtered by ``query``.

    When the network cannot be asked, the channel's kept copy is answered with a ``note``
    saying so; with no copy, raises ChannelDisconnected or ToolFailed. Raises ToolNotFound
    for a setting without an option source."""
    provider, source = _source(integration, name)
    key = _options_key(integration, name)
    answer = None if fresh else cache.get(key)
    if answer is None:
        try:
            answer = _with_credentials(
                integration,
                f"choices of {name}",
                lambda channel: provider.run_tool(channel, source.tool, {}),
            )
        except (ToolFailed, ChannelDisconnected) as error:
            kept = integration.meta.get(source.stored) if source.stored else None
            if kept in (None, [], {}):
                raise
            note = (
                f"{provider.network_label} could not be asked just now ({error}); these are "
                "the choices it gave before."
            )
            return SettingOptions(provider.option_list(name, kept, query), source, note)
        _keep(integration, provider.tool(source.tool), answer)
        cache.set(key, answer, OPTIONS_CACHE_SECONDS)
    return SettingOptions(provider.option_list(name, answer, query), source)


def integration_recent_posts(*, integration: Integration) -> list[RemoteRef]:
    """The APIs call this for a channel of the caller's organization (posts:read checked
    by the view); the channel's newest posts on the network ([] where the network cannot
    list them), for matching a post that went out without an id. Raises
    ChannelDisconnected or ToolFailed."""
    try:
        provider = get_provider(integration.provider)
    except LookupError:
        return []
    return _with_credentials(integration, "recent posts", provider.recent_posts)
