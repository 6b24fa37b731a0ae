"""One sign-in page and one health check, served in the process that forks web workers.

Django fills caches on its first requests: compiled templates, the database's features
and type adapters, the middleware's lazy parts, the page's translations. Served once in the
parent (gunicorn's master, the fork server of `make run`), every worker shares those pages
instead of building its own copy: 26 MB private per worker after its first requests
became 15 (bench/footprint.py measures the whole).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


def _host() -> str:
    from django.conf import settings

    site = urlsplit(settings.SITE_URL).hostname or "localhost"
    allowed = [host for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
    if site in settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS or not allowed:
        return site
    return allowed[0].lstrip(".")


def warm_up_web() -> None:
    """Never raises and leaves no connection open: the caller forks next."""
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connections
    from django.test import RequestFactory
    from django.urls import reverse

    from postiz.health import health

    secure = settings.SITE_URL.startswith("https:")
    factory = RequestFactory(HTTP_HOST=_host())
    try:
        # Through the whole handler: middleware, session, CSRF, a template rendered.
        response = WSGIHandler()(
            factory.get(reverse("account_login"), secure=secure).environ, lambda *args: None
        )
        b"".join(response)
        response.close()
        # The view alone: queries and JSON, without logging a 503 while nothing beats yet.
        health(factory.get("/health", secure=secure))
        # Not the MCP server's SDK (~30 MB of modules, bench/footprint.py): imported
        # here, every start would hold it; a web worker loads it on its first /mcp call.
    except Exception as error:  # a start is never stopped by its warm-up
        logger.debug("Warming up the web worker failed: %s", error)
    finally:
        connections.close_all()
