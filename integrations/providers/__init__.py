"""The registry of networks: one module per network, each registering one Provider class.

``get_provider("bluesky")`` returns a fresh instance (with its own HTTP session).
"""

from __future__ import annotations

from importlib import import_module

from integrations.providers.base import Provider

# Module names under integrations.providers. A module defines one Provider subclass per
# variant of its network (linkedin: member and page; discord: webhook and bot).
PROVIDER_MODULES = (
    "bluesky",
    "mastodon",
    "discord",
    "slack",
    "telegram",
    "nostr",
    "x",
    "linkedin",
    "threads",
    "reddit",
    "lemmy",
    "pinterest",
    "gmb",
    "youtube",
    "facebook",
    "instagram",
    "tiktok",
    "tiktok_business",
    "devto",
    "hashnode",
    "medium",
    "ghost",
    "listmonk",
    "tumblr",
    "twitch",
    "kick",
    "farcaster",
    "moltbook",
    "whop",
    "skool",
    "wordpress",
    "dribbble",
    "vk",
    "beehiiv",
    "mewe",
)

_registry: dict[str, type[Provider]] | None = None


def _load() -> dict[str, type[Provider]]:
    global _registry
    if _registry is None:
        registry: dict[str, type[Provider]] = {}
        for module_name in PROVIDER_MODULES:
            module = import_module(f"integrations.providers.{module_name}")
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, Provider)
                    and value is not Provider
                    and value.__module__ == module.__name__
                    and getattr(value, "identifier", None)
                ):
                    registry[value.identifier] = value
        _registry = dict(sorted(registry.items()))
    return _registry


def provider_classes() -> dict[str, type[Provider]]:
    return _load()


def get_provider(identifier: str) -> Provider:
    try:
        return _load()[identifier]()
    except KeyError:
        raise LookupError(f"No provider called {identifier!r}") from None


def is_provider(identifier: str) -> bool:
    return identifier in _load()
