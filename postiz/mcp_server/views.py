"""``/mcp``: the Model Context Protocol endpoint (Streamable HTTP, stateless, JSON answers).

What happens here before the SDK sees a request: only POST is served (the spec's answer
to a GET, for a server that opens no event stream, is 405; there are no sessions to
DELETE); a browser's request from another site is refused (403, the spec's Origin
check); the API key is read exactly as the APIs read it (``postiz.api.key_for_request``,
so whatever it accepts works here too), and a request without a usable one is refused
with 401 and ``WWW-Authenticate`` pointing at the protected resource metadata, which is
how MCP clients learn to authenticate; the key's per-minute budget is counted like the
native API's. The key rides with the request to the tools (``postiz.mcp_server.tools``).
"""

from __future__ import annotations

import json
import logging
import time

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from billing.limits import LimitReached
from postiz.api import ApiKeyRefused, key_for_request, rate_hit
from postiz.http import absolute_url
from postiz.mcp_server.bridge import serve_once

logger = logging.getLogger("postiz.mcp")

RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"

# JSON-RPC error codes of the answers given here, before any message is read.
_SERVER_ERROR = -32000
_INTERNAL_ERROR = -32603


def _error(status: int, message: str, *, code: int = _SERVER_ERROR, headers=None) -> HttpResponse:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _unauthorized(refusal: ApiKeyRefused) -> HttpResponse:
    challenge = f'Bearer resource_metadata="{absolute_url(RESOURCE_METADATA_PATH)}"'
    if refusal.code == "missing":
        message = "Send your API key: Authorization: Bearer <key>."
    else:
        # RFC 6750: a token was sent and cannot be used.
        challenge += ', error="invalid_token"'
        message = "This API key is unknown, revoked or expired."
    return _error(401, message, headers={"WWW-Authenticate": challenge})


def _scope_of(request, body: bytes) -> dict:
    headers = [
        (name[5:].replace("_", "-").lower().encode("latin-1"), str(value).encode("latin-1"))
        for name, value in request.META.items()
        if name.startswith("HTTP_")
    ]
    for meta, name in (("CONTENT_TYPE", b"content-type"), ("CONTENT_LENGTH", b"content-length")):
        if request.META.get(meta):
            headers.append((name, str(request.META[meta]).encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": "",
        "headers": headers,
        "client": (request.META.get("REMOTE_ADDR") or "", 0),
        "server": (request.get_host(), 0),
    }


def _origin_allowed(request, origin: str) -> bool:
    """A browser's request comes from this site or an origin trusted like it; clients
    that are not browsers send no Origin."""
    from django.conf import settings

    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    return origin == f"{request.scheme}://{request.get_host()}"


@csrf_exempt
def mcp_endpoint(request):
    if request.method != "POST":
        # Stateless JSON mode: no server-sent event stream to open with GET, no session
        # to end with DELETE.
        return _error(
            405,
            "This MCP server answers POST only (Streamable HTTP, no event stream).",
            headers={"Allow": "POST"},
        )
    origin = request.headers.get("Origin")
    if origin and not _origin_allowed(request, origin):
        # The spec's defence against DNS rebinding: a page of another site must not reach
        # a server on the visitor's network through their browser.
        return _error(
            403,
            f"Requests from {origin} are not allowed; add it to CSRF_TRUSTED_ORIGINS.",
        )
    try:
        key = key_for_request(request)
    except ApiKeyRefused as refusal:
        return _unauthorized(refusal)
    except LimitReached as error:
        return _error(402, error.message)
    organization = key.organization
    if organization.deleted_at is not None:
        return _unauthorized(ApiKeyRefused("invalid"))
    rate = rate_hit(f"key-req:{key.pk}", limit=key.request_rate, window_seconds=60)
    if not rate.allowed:
        return _error(
            429,
            f"Too many requests: this key may send {rate.limit} a minute; try again in "
            f"{max(rate.reset, 1)} seconds.",
            headers=rate.headers(),
        )
    # A key acts as the member who made it: their customer limitation, read now.
    organization.acting_membership = key.membership
    # The SDK is ~30 MB of modules: only processes that serve /mcp load it (the web
    # server's parent does, before forking: postiz.warmup), never the publisher or the
    # job workers, which load the URLs to build links.
    from postiz.mcp_server.tools import Caller, asgi_app

    body = request.body
    started = time.perf_counter()
    try:
        status, headers, content = serve_once(
            asgi_app(),
            scope=_scope_of(request, body),
            body=body,
            context=Caller(key=key, organization=organization, request=request),
        )
    except Exception:
        logger.exception("MCP request failed")
        return _error(500, "Internal error; the error is logged.", code=_INTERNAL_ERROR)
    logger.debug("MCP request served in %.1f ms", (time.perf_counter() - started) * 1000)
    response = HttpResponse(content, status=status)
    for name, value in headers:
        if name.lower() != b"content-length":
            response[name.decode("latin-1")] = value.decode("latin-1")
    for name, value in rate.headers().items():
        response[name] = value
    return response
