"""A guard for every server-side request to an address a person gave us.

A Mastodon instance, a Bluesky PDS, a Lemmy server, a Nostr relay or media server, a
webhook: the server fetches them, so without a guard anyone could make it reach this
machine, the private network or a cloud metadata service. ``check_url`` resolves the host
and refuses any address that is not public. POSTIZ_ALLOW_PRIVATE_URLS lifts the rule
(for tests and for instances that deliberately talk to a private server).

Checking is not enough on its own: if the connection resolved the name again, a DNS
server answering "public" to the check and "127.0.0.1" to the connection would get
through. ``guarded_session`` therefore connects to the very address it vetted, while TLS
still names (SNI) and verifies the certificate of the host the person gave.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext_noop
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from organizations.texts import Text

ALLOWED_SCHEMES = {"http", "https", "ws", "wss"}
DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
# Names of cloud metadata services; their addresses are link-local or private anyway,
# but a resolver could be told otherwise.
METADATA_HOSTS = {"metadata.google.internal", "metadata.goog"}
# What a pinned request remembers between ``send`` and the connection pool it picks.
_PIN = "_postiz_pinned_address"


class UnsafeURL(ValueError):
    """The address may not be fetched; the message says why, in words a person can use
    (in the language active when raised; ``text`` keeps it for a record read later)."""

    def __init__(self, message):
        self.text = message if isinstance(message, Text) else None
        super().__init__(str(message))


# IPv6 ranges that carry an IPv4 address in their low 32 bits: a packet to one of them
# reaches that IPv4 host (through a NAT64 gateway, or the host's own stack), so they are
# as public as the IPv4 address they hold. IPv4-mapped (::ffff:0:0/96) is read by
# ``ipv4_mapped`` below; 6to4 and Teredo carry theirs elsewhere (``sixtofour``, ``teredo``).
_IPV4_IN_LOW_BITS = (
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64, the well-known prefix (RFC 6052)
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated), and :: and ::1
)
# Local-use NAT64 (RFC 8215): the operator chooses where the IPv4 address sits, so what it
# leads to cannot be read from the address. Never public.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def _is_public_ipv4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_public_ipv4(ip)
    if ip.ipv4_mapped:
        return _is_public_ipv4(ip.ipv4_mapped)
    if ip in _LOCAL_NAT64:
        return False
    for network in _IPV4_IN_LOW_BITS:
        if ip in network:
            return _is_public_ipv4(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    embedded = []
    if ip.sixtofour:
        embedded.append(ip.sixtofour)
    if ip.teredo:
        embedded.extend(ip.teredo)  # the Teredo server and the client behind it
    return ip.is_global and not ip.is_multicast and all(map(_is_public_ipv4, embedded))


def _allow_private() -> bool:
    return bool(getattr(settings, "POSTIZ_ALLOW_PRIVATE_URLS", False))


def vet_url(url: str) -> list[str]:
    """Resolve the host once and return the addresses a connection may use; raise
    UnsafeURL if any of them is not public. Empty when private addresses are allowed
    (the connection then resolves the name itself, as usual)."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise UnsafeURL(Text(gettext_noop("%(url)s is not a web address we can use."), url=url))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(Text(gettext_noop("Remove the user name and password from the address.")))
    host = parts.hostname.rstrip(".")
    if _allow_private():
        return []
    if host in METADATA_HOSTS:
        raise UnsafeURL(
            Text(
                gettext_noop(
                    "%(host)s is a cloud metadata service, which Postiz does not connect to."
                ),
                host=host,
            )
        )
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeURL(Text(gettext_noop("%(host)s could not be found."), host=host)) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses or not all(_is_public(address) for address in addresses):
        raise UnsafeURL(
            Text(
                gettext_noop(
                    "%(host)s points to a private or local address, which Postiz does not "
                    "connect to."
                ),
                host=host,
            )
        )
    return addresses


def check_url(url: str) -> None:
    """Raise UnsafeURL unless every address the host resolves to is public."""
    vet_url(url)


class PinnedAdapter(HTTPAdapter):
    """Vets each request's host (every redirect hop is a request of its own) and connects
    to the vetted address, never to a second DNS answer. The Host header, the TLS server
    name and the certificate check keep the original host."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        addresses = vet_url(request.url)
        if not addresses:
            return super().send(request, stream, timeout, verify, cert, proxies)
        parts = urlsplit(request.url)
        request.headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
        for index, address in enumerate(addresses):
            setattr(request, _PIN, (address, parts.hostname.rstrip(".")))
            try:
                return super().send(request, stream, timeout, verify, cert, proxies)
            except requests.ConnectionError as error:
                # Nothing was sent when the connection could not be made: the next
                # vetted address may answer.
                if index == len(addresses) - 1 or not _never_connected(error):
                    raise
            finally:
                delattr(request, _PIN)
        raise AssertionError("unreachable")  # pragma: no cover

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        pinned = getattr(request, _PIN, None)
        if pinned is not None:
            address, host = pinned
            host_params["host"] = address
            if host_params["scheme"] == "https":
                pool_kwargs["server_hostname"] = host
                pool_kwargs["assert_hostname"] = host
        return host_params, pool_kwargs


def _never_connected(error: requests.ConnectionError) -> bool:
    if isinstance(error, requests.ConnectTimeout):
        return True
    cause = error.args[0] if error.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)


def guarded_session() -> requests.Session:
    """A session for addresses people give us: every request (and redirect hop) is vetted
    and connects to the vetted address; answers come uncompressed, so a size cap on the
    bytes read is a cap on the bytes kept."""
    session = requests.Session()
    adapter = PinnedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["Accept-Encoding"] = "identity"
    session.max_redirects = 3
    return session


def pinned_socket(url: str, *, timeout: float) -> socket.socket | None:
    """For a protocol that is not HTTP (a Nostr relay's WebSocket): a TCP connection to the
    address ``url``'s host was vetted at, for the client to speak over (TLS, if any, still
    names the original host). None when private addresses are allowed: the client then
    connects by itself. Raises UnsafeURL, or OSError when no vetted address answers."""
    addresses = vet_url(url)
    if not addresses:
        return None
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    error: OSError | None = None
    for address in addresses:
        try:
            return urllib3_connection.create_connection((address, port), timeout=timeout)
        except OSError as exc:  # nothing was sent: the next vetted address may answer
            error = exc
    raise error or OSError(f"{parts.hostname} did not answer.")
