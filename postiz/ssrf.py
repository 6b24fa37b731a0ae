"""A guard for every server-side request to an address a person gave us.

A Mastodon instance, a Bluesky PDS, a Lemmy server, a Nostr relay or media server, a
webhook: the server fetches them, so without a guard anyone could make it reach this
machine, the private network or a cloud metadata service. ``check_url`` resolves the host
and refuses any address that is not public. POSTIZ_ALLOW_PRIVATE_URLS lifts the rule
(for tests and for instances that deliberately talk to a private server).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

ALLOWED_SCHEMES = {"http", "https", "ws", "wss"}


class UnsafeURL(ValueError):
    """The address may not be fetched; the message says why, in words a person can use."""


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """Raise UnsafeURL unless every address the host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise UnsafeURL(f"{url} is not a web address we can use.")
    if getattr(settings, "POSTIZ_ALLOW_PRIVATE_URLS", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(f"{parts.hostname} could not be found.") from None
    if not infos or not all(_is_public(info[4][0]) for info in infos):
        raise UnsafeURL(
            f"{parts.hostname} points to a private or local address, which Postiz does "
            "not connect to."
        )
