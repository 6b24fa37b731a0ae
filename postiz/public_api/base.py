"""What every compatible view shares: ``CompatView``.

A compatible route is a ``CompatView`` subclass with one method per HTTP method, its
``scopes`` and ``extend_schema`` documentation (``compat_schema``). The base class keeps
the contract's transport rules (spec 2.1 to 2.3): the key in ``Authorization`` (raw or
``Bearer``) with its exact 401 and 403 bodies, JSON bodies read whatever their declared
type (at most COMPAT_MAX_JSON_BODY bytes), a JSON 404 for a method the route does not
have, and every refusal in the contract's shapes (``transport``).
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from billing.limits import LimitReached
from integrations import selectors as channel_selectors
from integrations.models import Customer, Integration
from postiz.api import (
    ApiKeyRefused,
    ApiKeyUser,
    CompactJSONRenderer,
    IdempotencyConflict,
    OrganizationAPIMixin,
    key_for_request,
)
from postiz.http import DATABASE_DOWN, JSONTooDeep, json_text_problem, loads_json
from postiz.public_api.transport import (
    CompatError,
    fail,
    invalid,
    json_response,
    msg,
    route_not_found,
    server_error,
    validation,
)
from posts import selectors as post_selectors
from posts.models import Post

logger = logging.getLogger("postiz.public_api")


def public_uuid(value) -> uuid.UUID | None:
    """An id from a path, query or body as a UUID; None when it cannot be one."""
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


TAG = "Postiz-compatible /public/v1"

_AUTH_BODIES = {
    "missing": "No API Key found",
    "invalid": "Invalid API key",
    "oauth": "Invalid OAuth token",
}


class CompatKeyAuthentication(BaseAuthentication):
    """The key in ``Authorization``, raw or after ``Bearer``; refusals in 2.2's bodies."""

    def authenticate(self, request):
        try:
            key = key_for_request(request._request)
        except ApiKeyRefused as refused:
            raise fail(401, _AUTH_BODIES[refused.code]) from None
        return ApiKeyUser(key), key


class CompatScope(BasePermission):
    """The view's ``scopes[method]`` must be on the key (None: any valid key)."""

    def has_permission(self, request, view):
        scope = view.scopes.get(request.method)
        if scope and not request.auth.has_scope(scope):
            raise fail(403, f"Missing scope: {scope}")
        return True


class CompatJSONParser(BaseParser):
    """The body as JSON whatever its declared type (never a 415)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = loads_json(stream.read())
        except JSONTooDeep:
            raise invalid("The request body is nested too deeply to read.") from None
        except (ValueError, UnicodeDecodeError):
            raise invalid("The request body is not valid JSON.") from None
        found = json_text_problem(data)
        if found:
            where, why = found
            raise invalid(f"{where} {why}")
        return data


class CompatRenderer(CompactJSONRenderer):
    charset = "utf-8"  # application/json; charset=utf-8, on every answer


class JSONWhateverAsked(BaseContentNegotiation):
    """JSON in and out, whatever Content-Type and Accept say."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class RouteNotFound(Exception):
    """A method the route does not have: the contract's 404, before the key is read."""


class CompatSchema(AutoSchema):
    """Every compatible route under its own tag, named after its path."""

    def get_tags(self):
        return [TAG]

    def get_operation_id(self):
        name = self.path.removeprefix("/public/v1/").replace("/", "_")
        return f"compat_{self.method.lower()}_{name.replace('{', '').replace('}', '')}"

    def get_description(self):
        scope = self.view.scopes.get(self.method) or "any"
        text = f"Scope: `{scope}`. Also served under `/api/public/v1`."
        more = super().get_description()
        return f"{text}\n\n{more}" if more else text


def flatten_errors(detail, path: str = "") -> list[str]:
    """A serializer's errors as the contract's messages: ``posts.0.value must ...``."""
    if isinstance(detail, dict):
        found = []
        for name, value in detail.items():
            if name == api_settings.NON_FIELD_ERRORS_KEY:
                inner = path
            else:
                inner = f"{path}.{name}" if path else str(name)
            found += flatten_errors(value, inner)
        return found
    if isinstance(detail, list):
        found = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                found += flatten_errors(value, f"{path}.{index}" if path else str(index))
            else:
                found += flatten_errors(value, path)
        return found
    return [f"{path} {detail}" if path else str(detail)]


class CompatView(OrganizationAPIMixin, APIView):
    """One compatible route: ``scopes`` maps each method to the scope it needs."""

    scopes: dict[str, str | None] = {}
    # Whether the route's POST or PUT carries a JSON body (read before the method runs,
    # so a bad body is a 400 whatever the route does); False for multipart routes.
    reads_json = True
    authentication_classes = [CompatKeyAuthentication]
    permission_classes = [CompatScope]
    parser_classes = [CompatJSONParser]
    renderer_classes = [CompatRenderer]
    content_negotiation_class = JSONWhateverAsked
    schema = CompatSchema()
    extra_headers: dict = {}

    @property
    def default_response_headers(self):
        return {}

    @property
    def actor(self):
        """Who the services record as acting: the key's creator."""
        return self.request.auth.created_by

    def initial(self, request, *args, **kwargs):
        method = request.method.lower()
        if request.method.upper() not in self.scopes or not hasattr(self, method):
            raise RouteNotFound
        self.extra_headers = {}
        super().initial(request, *args, **kwargs)
        if self.reads_json and request.method in ("POST", "PUT"):
            limit = settings.COMPAT_MAX_JSON_BODY
            declared = request.META.get("CONTENT_LENGTH") or ""
            if declared.isdigit() and int(declared) > limit:
                raise fail(413, "Request body too large")
            if len(request.body) > limit:  # read once: Idempotency-Key hashes it too
                raise fail(413, "Request body too large")
            request.data  # noqa: B018 (parsed now: a bad body is a 400 before anything)

    def handle_exception(self, exc):
        if isinstance(exc, CompatError):
            response = exc.response
        elif isinstance(exc, RouteNotFound):
            response = route_not_found(self.request)
        elif isinstance(exc, LimitReached):
            response = json_response(exc.api_body(), 402)
        elif isinstance(exc, IdempotencyConflict):
            response = msg(exc.status, exc.message)
        elif isinstance(exc, exceptions.ValidationError):
            response = validation(flatten_errors(exc.detail))
        elif isinstance(exc, exceptions.APIException):
            response = msg(exc.status_code, str(exc.detail))
        elif isinstance(exc, DATABASE_DOWN):
            raise exc  # the database is down: a 503 (postiz.middleware), not a 500
        else:
            request = self.request
            logger.exception("Unhandled error on %s %s", request.method, request.path)
            response = server_error()
        # Rate-limit headers go on every answer of a throttled route, refusals included.
        for name, value in self.extra_headers.items():
            response.setdefault(name, value)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in self.extra_headers.items():
            response.setdefault(name, value)
        return response

    def validated(self, serializer_class, **context):
        """The request body through ``serializer_class`` (refusals in the contract's
        shapes), with the organization in its context."""
        serializer = serializer_class(
            data=self.request.data, context={"organization": self.organization, **context}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def query(self, serializer_class):
        """The query string through ``serializer_class`` (refusals in the contract's
        shapes)."""
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


MESSAGE = {"type": "object", "properties": {"msg": {"type": "string"}}, "required": ["msg"]}
VALIDATION = {
    "type": "object",
    "properties": {
        "statusCode": {"type": "integer"},
        "message": {"type": "array", "items": {"type": "string"}},
        "error": {"type": "string"},
    },
    "required": ["statusCode", "message", "error"],
}
_WORDS = {
    400: "Refused by a rule of this route",
    401: "No API key, or an unknown, revoked or expired one",
    402: "Over a plan limit",
    403: "The key lacks the route's scope",
    404: "Not found (or another organization's)",
    409: "Conflicts with the current state",
    413: "Too large",
    422: "Idempotency-Key reused with another body",
    429: "Too many requests",
    501: "Not available on this server",
    502: "The network failed",
}


def compat_schema(summary: str, answer, *, status: int = 200, errors=(), **kwargs):
    """``extend_schema`` for a compatible route: its answer and the refusals it may give
    (each ``{"msg": ...}`` unless given as ``(status, schema)``), besides the 400, 401 and
    403 every route may answer."""
    responses = {status: answer, 401: OpenApiResponse(MESSAGE, _WORDS[401])}
    responses[403] = OpenApiResponse(MESSAGE, _WORDS[403])
    responses[400] = OpenApiResponse(VALIDATION, "Invalid request")
    for error in errors:
        code, schema = error if isinstance(error, tuple) else (error, MESSAGE)
        if code == 400:
            schema = {"anyOf": [VALIDATION, schema]}
        responses[code] = OpenApiResponse(schema, _WORDS.get(code, "Refused"))
    return extend_schema(summary=summary, responses=responses, **kwargs)


# -- Readers of ids in paths and queries ----------------------------------------------------
def find_channel(view: CompatView, public_id) -> Integration:
    """One of the organization's channels; anyone else's is 404 Integration not found."""
    found = public_uuid(public_id)
    channel = (
        channel_selectors.integrations_for(organization=view.organization)
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if channel is None:
        raise fail(404, "Integration not found")
    return channel


def find_customer(view: CompatView, public_id) -> Customer:
    """A customer named in a query (``customer``, ``group``): an id that is not one of the
    organization's, whatever its form, is an unknown customer (404)."""
    found = public_uuid(public_id)
    customer = (
        channel_selectors.customers_for(organization=view.organization)
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if customer is None:
        raise fail(404, "Customer not found")
    return customer


def find_post(view: CompatView, public_id) -> Post:
    """One of the organization's posts, with its group and channel (404 Post not found)."""
    found = public_uuid(public_id)
    post = (
        post_selectors.posts_for(organization=view.organization)
        .select_related("group", "integration")
        .filter(public_id=found)
        .first()
        if found
        else None
    )
    if post is None:
        raise fail(404, "Post not found")
    return post
