"""Small helpers about the incoming request, shared by every app."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The caller's address: the one the reverse proxy saw when USE_X_FORWARDED_FOR says
    there is one, else the connecting address. The audit log, API keys and the sign-in
    rate limits (accounts.adapters) all read it here."""
    if request is None:
        return None
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw to what the client sent: only the last
        # entry is the proxy's word; anything before it is whatever the client wrote.
        address = _valid_ip(forwarded.rsplit(",", 1)[-1])
        if address:
            return address
    return request.META.get("REMOTE_ADDR") or None


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def absolute_url(path: str) -> str:
    """An absolute URL on this instance, for emails and jobs that have no request."""
    return settings.SITE_URL + path
