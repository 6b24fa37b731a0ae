"""The wire rules of the compatible surface (spec section 2.1 to 2.3).

Clients of this surface splice base URLs with paths (``//public/v1/...``), send
``Content-Type: application/json`` on GET, and parse the body of every answer as JSON;
these rules keep them working. The answers' bodies for errors are made here; the views'
base class (``postiz.public_api.base``) raises and renders them.
"""

from __future__ import annotations

import json
import re

from django.http import HttpResponse

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
    """Raised anywhere under a compatible view to answer ``response`` at once."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def fail(status: int, text: str) -> CompatError:
    """A route's own refusal: ``{"msg": text}``."""
    return CompatError(msg(status, text))


def invalid(*messages: str) -> CompatError:
    """A request that does not have the route's structure: the validation shape."""
    return CompatError(validation(list(messages)))


def post_rule(provider: str, name: str, message: str) -> CompatError:
    """A post's content, settings or media break a rule of its network."""
    return CompatError(
        json_response(
            {"statusCode": 400, "provider": provider, "name": name, "message": message}, 400
        )
    )


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
