"""Running a channel's look-up tools (``Provider.tools``) and other reads of the network
for the APIs (the channel's recent posts, to match a post that went out without an id).

A tool runs with the channel's own credentials: an expired token is refreshed first
(``integration_refresh``, under the channel's lock), a token the network calls stale is
refreshed once and the tool run once more, and a grant the network no longer accepts
marks the channel for reconnecting, as publishing does. Callers have already found the
channel through a selector scoped to the organization, so another organization's channel
never reaches this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from integrations.models import Integration
from integrations.providers import get_provider
from integrations.providers.base import (
    Channel,
    ErrorKind,
    ProviderError,
    RemoteRef,
    Tool,
    ToolInputError,
)
from integrations.services import TRANSIENT_KINDS, integration_refresh, integration_set_status

logger = logging.getLogger("postiz.integrations")

__all__ = [
    "ChannelDisconnected",
    "ToolFailed",
    "ToolInputError",
    "ToolNotFound",
    "integration_recent_posts",
    "integration_run_tool",
    "integration_tools",
]


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
                error=error.user_message,
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
    return _with_credentials(
        integration, f"tool {name}", lambda channel: provider.run_tool(channel, name, data)
    )


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
