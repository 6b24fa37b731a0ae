"""Small helpers about the incoming request, shared by every app."""

from django.conf import settings


def client_ip(request) -> str | None:
    """The caller's address; X-Forwarded-For is trusted only behind a declared proxy."""
    if request is None:
        return None
    if getattr(settings, "USE_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def absolute_url(path: str) -> str:
    """An absolute URL on this instance, for emails and jobs that have no request."""
    return settings.SITE_URL + path
