"""What every native view shares."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.limits import LimitReached
from postiz.api import (
    ApiKeyAuthentication,
    HasScope,
    IdempotencyConflict,
    OrganizationAPIMixin,
    body_fingerprint,
    idempotency_begin,
    idempotency_finish,
    idempotency_key_of,
    rate_hit,
)
from postiz.http import loads_json
from postiz.parsers import JSONParser


class PaymentRequired(exceptions.APIException):
    status_code = 402
    default_code = "quota_exceeded"


class Conflict(exceptions.APIException):
    status_code = 409
    default_code = "conflict"


class BadGateway(exceptions.APIException):
    status_code = 502
    default_code = "network_error"


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"


class Unprocessable(exceptions.APIException):
    status_code = 422
    default_code = "idempotency_key_reused"


class CompactJSONRenderer(JSONRenderer):
    """The standard library's C encoder straight to bytes; DRF's encoder only for values
    it cannot encode (a list of 200 posts renders in a fraction of the time)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        try:
            return json.dumps(
                data, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
        except (TypeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)


class NativeView(OrganizationAPIMixin, APIView):
    """Key-authenticated, scoped, rate-limited; errors are RFC 9457 problem details."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    renderer_classes = [CompactJSONRenderer]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    problem_details = True
    # {"GET": "posts:read", ...}; None = any valid key.
    scopes: dict[str, str | None] = {}
    rate_headers: dict = {}

    def scope_for(self, method: str) -> str | None:
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return self.scopes.get(method)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = request.auth
        result = rate_hit(f"key-req:{key.pk}", limit=key.request_rate, window_seconds=60)
        self.rate_headers = result.headers()
        if not result.allowed:
            raise exceptions.Throttled(wait=result.reset)
        if request.method == "POST" and getattr(self, "creates", True):
            created = rate_hit(f"key-create:{key.pk}", limit=key.create_rate, window_seconds=3600)
            if not created.allowed:
                self.rate_headers = created.headers()
                raise exceptions.Throttled(wait=created.reset)

    def handle_exception(self, exc):
        if isinstance(exc, LimitReached):
            exc = PaymentRequired(exc.api_body()["message"])
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in self.rate_headers.items():
            response[name] = value
        return response


# -- Idempotency ------------------------------------------------------------------------
def _multipart_fingerprint(request) -> str:
    digest = hashlib.sha256()
    for name in sorted(request.data.keys()):
        digest.update(name.encode())
        value = request.data.get(name)
        if hasattr(value, "chunks"):
            for chunk in value.chunks():
                digest.update(chunk)
            value.seek(0)
        else:
            digest.update(str(value).encode())
    return digest.hexdigest()


def idempotent(method):
    """Same Idempotency-Key and body → the stored answer, nothing created twice (4.5)."""

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        try:
            idem = idempotency_key_of(request)
        except IdempotencyConflict as conflict:
            raise exceptions.ValidationError({"Idempotency-Key": conflict.message}) from None
        if idem is None:
            return method(self, request, *args, **kwargs)
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            fingerprint = _multipart_fingerprint(request)
        else:
            fingerprint = body_fingerprint(request.body, content_type)
        where = {
            "key": request.auth,
            "method": request.method,
            "path": request.path,
            "idem_key": idem,
        }
        try:
            stored = idempotency_begin(body_hash=fingerprint, **where)
        except IdempotencyConflict as conflict:
            if conflict.status == 422:
                raise Unprocessable(conflict.message) from None
            raise Conflict(conflict.message) from None
        if stored is not None:
            replay = HttpResponse(
                bytes(stored.body),
                status=stored.status,
                content_type=stored.headers.get("Content-Type", "application/json"),
            )
            for name, value in stored.headers.items():
                if name != "Content-Type":
                    replay[name] = value
            replay["Idempotent-Replayed"] = "true"
            return replay
        try:
            response = method(self, request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        response = self.finalize_response(request, response, *args, **kwargs)
        response.render()
        idempotency_finish(
            status=response.status_code, headers=response, body=response.content, **where
        )
        return response

    return wrapper


# -- ETags --------------------------------------------------------------------------------
def etag_of(*parts) -> str:
    raw = "|".join(str(p) for p in parts)
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def check_if_match(request, current: str) -> None:
    """412 when If-Match names another version; 428 when it is required and missing."""
    sent = request.headers.get("If-Match")
    if sent is None:
        if settings.API_REQUIRE_IF_MATCH:
            raise PreconditionRequired("Send If-Match with the ETag you last read.")
        return
    tags = {t.strip() for t in sent.split(",")}
    if "*" not in tags and current not in tags:
        raise PreconditionFailed(
            "The resource changed since you read it; GET it again and reapply your change."
        )


def with_etag(request, body, tag: str, status_code: int = 200):
    if request.method == "GET" and tag in {
        t.strip() for t in request.headers.get("If-None-Match", "").split(",")
    }:
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
    else:
        response = Response(body, status=status_code)
    response["ETag"] = tag
    return response


# -- Cursor pages -------------------------------------------------------------------------
def page_limit(request) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 200:
        raise exceptions.ValidationError({"limit": "Use a whole number from 1 to 200."})
    return int(raw)


def _filters_hash(filters: dict) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:12]


def encode_cursor(values: list, filters: dict) -> str:
    raw = json.dumps({"v": values, "f": _filters_hash(filters)}, default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(request, filters: dict) -> list | None:
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        data = loads_json(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        values, bound = data["v"], data["f"]
    except (ValueError, KeyError, TypeError):
        raise exceptions.ValidationError({"cursor": "This cursor is not one we gave."}) from None
    if bound != _filters_hash(filters):
        raise exceptions.ValidationError(
            {"cursor": "This cursor belongs to other filters; start again without it."}
        )
    return values


def id_page(request, queryset, serialize, filters: dict) -> Response:
    """A page of ``queryset`` in id order: ``{"data": [...], "next_cursor": str|null}``."""
    limit = page_limit(request)
    after = decode_cursor(request, filters)
    if after:
        queryset = queryset.filter(pk__gt=int(after[0]))
    rows = list(queryset.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor([rows[-1].pk], filters) if more else None
    return Response({"data": [serialize(r) for r in rows], "next_cursor": cursor})
