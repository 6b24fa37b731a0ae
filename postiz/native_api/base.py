"""What every native view shares: ``NativeView`` (key auth and scopes, per-key rate
limits with ``X-RateLimit-*`` headers, problem details), ``idempotent`` for creating
POSTs, ETags and cursor pages. A new resource is a ``NativeView`` subclass with its
``scopes``, request serializers and an answer serializer in ``serializers``."""

from __future__ import annotations

import base64
import hashlib
import json

from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.limits import LimitReached
from postiz.api import (
    ApiKeyAuthentication,
    CompactJSONRenderer,
    HasScope,
    IdempotencyConflict,
    OrganizationAPIMixin,
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


# -- The OpenAPI document ------------------------------------------------------------------
class ProblemError(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The field, dotted; null: the body.")
    code = serializers.CharField()
    message = serializers.CharField()


class Problem(serializers.Serializer):
    """RFC 9457 problem details: what every native refusal answers
    (``postiz.api.problem``)."""

    type = serializers.CharField(help_text="about:blank, or about:blank#<code>.")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemError(many=True, help_text="One row per problem with the request.")
    scope = serializers.CharField(required=False, help_text="The scope the key lacks (403).")


class Page(serializers.Serializer):
    """The base of the cursor pages' documents: ``{"data": [...], "next_cursor"}``."""

    next_cursor = serializers.CharField(
        allow_null=True, help_text="Send as cursor for the next page; null on the last one."
    )


_PROBLEMS = {
    400: "The request has errors; see errors.",
    401: "No API key, or an unknown, revoked or expired one.",
    402: "Over a limit of the organization's plan.",
    403: "The key lacks the scope this route needs.",
    404: "Not found (or another organization's).",
    409: "Conflicts with the resource's current state (or the Idempotency-Key is in use).",
    412: "If-Match names another version; GET it again.",
    422: "The Idempotency-Key was used with another body.",
    428: "If-Match is required on this server and was not sent.",
    429: "Too many requests; see Retry-After and X-RateLimit-*.",
    502: "The network failed or refused.",
}


class NativeSchema(AutoSchema):
    """What the generator reads from a native view beside its ``extend_schema``: a DELETE
    answers 204 without a body, a page of rows is a list operation, and every operation
    may answer the problems of the key, its scope, its rate and the request."""

    def get_request_serializer(self):
        if self.method not in ("POST", "PUT", "PATCH"):
            return None
        return super().get_request_serializer()

    def get_response_serializers(self):
        if self.method == "DELETE":
            return {204: None}
        return super().get_response_serializers()

    def get_operation_id(self):
        operation_id = super().get_operation_id()
        if self.method == "GET" and _is_page(self._answer()):
            operation_id = operation_id.removesuffix("_retrieve") + "_list"
        return operation_id

    def _problem_codes(self) -> list[int]:
        # A view's ``schema_problems`` ({"POST": [502]}) adds what only it may answer.
        codes = [401, 403, 429]
        if self.method in ("POST", "PUT", "PATCH") or (
            self.method == "GET" and _is_page(self._answer())
        ):
            codes.append(400)
        if "{" in self.path:
            codes.append(404)
        if self.method in ("PUT", "PATCH", "DELETE"):
            codes += [409, 412, 428]  # the If-Match checks, and the resource's own rules
        if self.method == "POST" and getattr(self.view, "creates", True):
            codes += [402, 409, 422]  # plan limits and Idempotency-Key
        codes += getattr(self.view, "schema_problems", {}).get(self.method, [])
        return sorted(set(codes))

    def _answer(self):
        answer = self.get_response_serializers()
        return answer.get(200) if isinstance(answer, dict) else answer

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        ref = self.resolve_serializer(Problem, direction).ref
        for code in self._problem_codes():
            responses.setdefault(
                str(code),
                {
                    "content": {"application/problem+json": {"schema": ref}},
                    "description": _PROBLEMS.get(code, "Refused."),
                },
            )
        return responses


def _is_page(answer) -> bool:
    answer = type(answer) if isinstance(answer, serializers.BaseSerializer) else answer
    return isinstance(answer, type) and issubclass(answer, Page)


class NativeView(OrganizationAPIMixin, APIView):
    """Key-authenticated, scoped, rate-limited; errors are RFC 9457 problem details."""

    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasScope]
    renderer_classes = [CompactJSONRenderer]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    problem_details = True
    schema = NativeSchema()
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
        elif isinstance(exc, IdempotencyConflict):
            if exc.status == 400:
                exc = exceptions.ValidationError({"Idempotency-Key": exc.message})
            else:
                exc = (Unprocessable if exc.status == 422 else Conflict)(exc.message)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in self.rate_headers.items():
            response[name] = value
        return response


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


def id_page(request, queryset, answer, filters: dict) -> Response:
    """A page of ``queryset`` in id order, each row written by the ``answer`` serializer:
    ``{"data": [...], "next_cursor": str|null}``."""
    limit = page_limit(request)
    after = decode_cursor(request, filters)
    if after:
        queryset = queryset.filter(pk__gt=int(after[0]))
    rows = list(queryset.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = encode_cursor([rows[-1].pk], filters) if more else None
    return Response({"data": answer(rows, many=True).data, "next_cursor": cursor})
