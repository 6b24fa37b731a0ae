"""The wire rules of the compatible surface (spec section 2.1 to 2.3).

Clients of this surface splice base URLs with paths (``//public/v1/...``), send
``Content-Type: application/json`` on GET, and parse the body of every answer as JSON;
these rules keep them working.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from billing.limits import LimitReached
from organizations.models import ApiKey, Organization
from postiz.api import ApiKeyRefused, key_for_request
from postiz.http import DATABASE_DOWN, JSONTooDeep, json_text_problem, loads_json

logger = logging.getLogger("postiz.public_api")

PREFIXES = ("/public/v1", "/api/public/v1")
_SLASHES = re.compile(r"/{2,}")
JSON_TYPE = "application/json; charset=utf-8"


def is_compat_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in PREFIXES)


def json_response(body, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status=status,
        content_type=JSON_TYPE,
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def msg(status: int, text: str, headers: dict | None = None) -> HttpResponse:
    return json_response({"msg": text}, status, headers)


def validation(messages: list[str]) -> HttpResponse:
    return json_response(
        {"statusCode": 400, "message": list(messages), "error": "Bad Request"}, 400
    )


def route_not_found(request) -> HttpResponse:
    return json_response(
        {
            "statusCode": 404,
            "message": f"Cannot {request.method} {request.path}",
            "error": "Not Found",
        },
        404,
    )


def server_error() -> HttpResponse:
    return json_response({"statusCode": 500, "message": "Internal server error"}, 500)


class CompatError(Exception):
    """Raised by adapters to answer ``response`` at once."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def fail(status: int, text: str) -> CompatError:
    return CompatError(msg(status, text))


def invalid(*messages: str) -> CompatError:
    return CompatError(validation(list(messages)))


class CompatTransportMiddleware:
    """Under the compatible prefixes: collapse repeated slashes before URL resolution,
    and make sure every answer (Django's own 400/404/413/500 included) is JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        collapsed = _SLASHES.sub("/", path) if "//" in path else path
        if not is_compat_path(collapsed):
            return self.get_response(request)
        if collapsed != path:
            request.path_info = collapsed
            request.path = request.META.get("SCRIPT_NAME", "").rstrip("/") + collapsed
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        if status == 404:
            return route_not_found(request)
        if status == 413:
            return msg(413, "Request body too large")
        if status >= 500:
            return server_error()
        if status >= 400:
            return json_response(
                {"statusCode": status, "message": [response.reason_phrase], "error": "Bad Request"},
                status,
            )
        return response


@dataclass
class Call:
    """One authenticated compatible request, as the adapters see it."""

    request: object
    key: ApiKey
    data: dict | list | None = None
    extra_headers: dict = field(default_factory=dict)

    @property
    def organization(self) -> Organization:
        return self.key.organization

    @property
    def actor(self):
        return self.key.created_by

    def query(self, name: str, default=None):
        return self.request.GET.get(name, default)


@dataclass(frozen=True)
class Route:
    handler: Callable
    scope: str | None
    body: str = "json"  # json, multipart, none


def read_json(request):
    """The body as JSON whatever its declared type; empty = None. Raises CompatError."""
    limit = settings.COMPAT_MAX_JSON_BODY
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        raise fail(413, "Request body too large")
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise fail(413, "Request body too large")
    if not raw.strip():
        return None
    try:
        data = loads_json(raw)
    except JSONTooDeep:
        raise invalid("The request body is nested too deeply to read.") from None
    except (ValueError, UnicodeDecodeError):
        raise invalid("The request body is not valid JSON.") from None
    found = json_text_problem(data)
    if found:
        where, why = found
        raise invalid(f"{where} {why}")
    return data


_AUTH_BODIES = {
    "missing": "No API Key found",
    "invalid": "Invalid API key",
    "oauth": "Invalid OAuth token",
}


def compat_view(routes: dict[str, Route]):
    """One path, its methods: auth (2.2), scope, body parsing, JSON errors."""

    @csrf_exempt
    def view(request, **kwargs):
        route = routes.get(request.method)
        if route is None:
            return route_not_found(request)
        call = None
        try:
            try:
                key = key_for_request(request)
            except ApiKeyRefused as refused:
                return msg(401, _AUTH_BODIES[refused.code])
            if route.scope and not key.has_scope(route.scope):
                return msg(403, f"Missing scope: {route.scope}")
            call = Call(request=request, key=key)
            if route.body == "json":
                call.data = read_json(request)
            response = route.handler(call, **kwargs)
            for name, value in call.extra_headers.items():
                response[name] = value
            return response
        except LimitReached as error:
            return json_response(error.api_body(), 402)
        except CompatError as error:
            # Rate-limit headers go on every answer of a throttled route, refusals included.
            for name, value in (call.extra_headers if call else {}).items():
                error.response.setdefault(name, value)
            return error.response
        except DATABASE_DOWN:
            raise  # the database is down: a 503 (postiz.middleware), not a 500
        except Exception:
            logger.exception("Unhandled error on %s %s", request.method, request.path)
            return server_error()

    view.compat_routes = routes
    return view
