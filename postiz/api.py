"""The API machinery shared by every app.

- tenancy for API views (``OrganizationAPIMixin``: the key or the URL names the
  organization, querysets are built only from it);
- API keys: reading the ``Authorization`` header (raw key or ``Bearer``), scopes;
- fixed-window rate counters kept in the database, so every server process shares them;
- ``Idempotency-Key`` handling for creating requests (``idempotent``, on a view method
  of either surface);
- time and ids on the wire (``iso_ms``, ``parse_timestamp``, ``organization_id``) and
  the compact JSON renderer;
- the error shapes: RFC 9457 problem details for the native ``/api/v1`` views, and
  ``{"error": {...}}`` for the session-authenticated views that predate them.

The two HTTP surfaces built on this live in ``postiz.native_api`` (``/api/v1``) and
``postiz.public_api`` (``/public/v1``, Postiz-compatible).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse
from django.utils import timezone
from rest_framework import exceptions, generics, permissions, views
from rest_framework.authentication import BaseAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.views import exception_handler as drf_exception_handler

from billing import limits as plan_limits
from organizations import selectors
from organizations.models import ApiIdempotencyRecord, ApiKey
from organizations.oauth import ACCESS_TOKEN_PREFIX, oauth_token_authenticate
from organizations.services import api_key_authenticate, api_key_touch
from postiz.http import client_ip, loads_json


# -- Time and ids on the wire ------------------------------------------------------------
def iso_ms(value: datetime | None) -> str | None:
    """UTC with milliseconds and ``Z``: ``2030-01-15T12:00:00.000Z``."""
    if value is None:
        return None
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="milliseconds")[:23] + "Z"


def organization_id(organization) -> str:
    """The organization's id in every body of both APIs (organizationId, orgId): its public
    UUID, like every other id there (never the slug, which names pages, nor the pk)."""
    return str(organization.public_id)


def parse_timestamp(value) -> datetime | None:
    """ISO-8601 with or without fraction, ``Z`` or offset; no offset = UTC; a bare date
    = 00:00 UTC. None when it cannot be read."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # Year 9999 west of UTC (or year 1 east of it) has no UTC datetime. It is kept in
        # its own offset: comparisons still work, and the date range check refuses it.
        return parsed


# -- API keys ----------------------------------------------------------------------------
class ApiKeyRefused(Exception):
    """Why a request carries no usable key: ``missing``, ``invalid`` or ``oauth``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def raw_key_from(request) -> str:
    value = (request.META.get("HTTP_AUTHORIZATION") or "").strip()
    # One key string serves both surfaces: "Bearer <key>" and the raw key are the same.
    if value[:7].lower() == "bearer ":
        value = value[7:].strip()
    return value


def key_for_request(request) -> ApiKey:
    """The usable key of the request, or ``ApiKeyRefused`` saying why there is none."""
    raw = raw_key_from(request)
    if not raw:
        raise ApiKeyRefused("missing")
    # On an instance that bills, the plan check below reads the organization's
    # subscription and plan: read with the key, in the same query.
    related = ("organization__subscription__plan",) if plan_limits.enabled() else ()
    if raw.startswith(ACCESS_TOKEN_PREFIX):
        # An OAuth app's token acts through the person's consent, an ApiKey row like any
        # key's (organization, member, scopes), so every route handles it as a key.
        key = oauth_token_authenticate(raw_token=raw, related=related)
        if key is None:
            raise ApiKeyRefused("oauth")
    else:
        key = api_key_authenticate(raw_key=raw, related=related)
        if key is None:
            raise ApiKeyRefused("invalid")
    # A plan without the API answers 402 (billing.middleware), on both surfaces.
    plan_limits.require_api(key.organization)
    api_key_touch(key=key, ip=client_ip(request))
    return key


class ApiKeyUser:
    """Stands for the program holding a key; services receive ``key.created_by``."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    pk = None

    def __init__(self, key: ApiKey):
        self.key = key

    def __str__(self):
        if self.key.is_oauth_grant:
            return self.key.name  # "OAuth app <name>"
        return f"API key {self.key.prefix}"


class ApiKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>`` (or the raw key) for the native API."""

    def authenticate(self, request):
        try:
            key = key_for_request(request)
        except ApiKeyRefused as error:
            if error.code == "missing":
                return None
            raise exceptions.AuthenticationFailed(
                "This API key is unknown, revoked or expired."
                if error.code == "invalid"
                else "This OAuth access token is unknown, revoked or expired.",
                code="invalid_key",
            ) from None
        return ApiKeyUser(key), key

    def authenticate_header(self, request):
        # RFC 9728: where an OAuth client finds how to get a token for this API.
        metadata = request.build_absolute_uri("/.well-known/oauth-protected-resource/api/v1")
        return f'Bearer realm="api", resource_metadata="{metadata}"'


class HasScope(permissions.BasePermission):
    """The view's ``required_scopes[method]`` (or ``required_scope``) must be on the key."""

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            raise exceptions.NotAuthenticated("Send your API key: Authorization: Bearer <key>.")
        scope = view.scope_for(request.method)
        if scope and not key.has_scope(scope):
            raise InsufficientScope(scope)
        return True


class InsufficientScope(exceptions.PermissionDenied):
    default_code = "insufficient_scope"

    def __init__(self, scope: str):
        super().__init__(f"This key lacks the {scope} scope.", code="insufficient_scope")
        self.scope = scope


# -- Rate limits ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RateResult:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends
    allowed: bool

    def headers(self) -> dict[str, str]:
        values = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }
        if not self.allowed:
            values["Retry-After"] = str(max(self.reset, 1))
        return values


_RATE_SQL = """
INSERT INTO organizations_apiratecounter (bucket, window_start, count) VALUES (%s, %s, 1)
ON CONFLICT (bucket, window_start)
DO UPDATE SET count = organizations_apiratecounter.count + 1
RETURNING count
"""


def rate_hit(bucket: str, *, limit: int, window_seconds: int, count: bool = True) -> RateResult:
    """Counts one request in ``bucket``'s current fixed window (one UPSERT, shared by every
    process). With ``count=False`` it only reads where the bucket stands."""
    epoch = int(timezone.now().timestamp())
    start = epoch - epoch % window_seconds
    reset = start + window_seconds - epoch
    window_start = datetime.fromtimestamp(start, tz=UTC)
    if count:
        # One statement, one round trip. The counters' table is UNLOGGED (migration 0004):
        # its commits do not wait for the disk, and a crash forgets only the current
        # windows, which costs a few extra requests, not data.
        with connection.cursor() as cursor:
            cursor.execute(_RATE_SQL, [bucket, window_start])
            used = cursor.fetchone()[0]
            if used == 1:
                # First hit of a new window: the bucket's older windows are no longer read.
                cursor.execute(
                    "DELETE FROM organizations_apiratecounter"
                    " WHERE bucket = %s AND window_start < %s",
                    [bucket, window_start],
                )
    else:
        from organizations.models import ApiRateCounter

        row = ApiRateCounter.objects.filter(bucket=bucket, window_start=window_start).first()
        used = row.count if row else 0
    return RateResult(
        limit=limit,
        remaining=max(limit - used, 0),
        reset=reset,
        allowed=used <= limit,
    )


# -- Idempotency ---------------------------------------------------------------------------
IDEMPOTENCY_HEADER = "HTTP_IDEMPOTENCY_KEY"


class IdempotencyConflict(Exception):
    """``status`` 409 (first request still running), 422 (other body) or 400 (bad key)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def idempotency_key_of(request) -> str | None:
    value = request.META.get(IDEMPOTENCY_HEADER)
    if value is None:
        return None
    if not value or len(value) > 255 or not value.isprintable() or not value.isascii():
        raise IdempotencyConflict(
            400, "Idempotency-Key must be 1 to 255 printable ASCII characters."
        )
    return value


def body_fingerprint(body: bytes, content_type: str) -> str:
    """SHA-256 of canonical JSON (key order and spacing do not matter), else of the bytes."""
    if "json" in (content_type or "") or not content_type.startswith("multipart/"):
        try:
            canonical = json.dumps(
                loads_json(body or b"null"), sort_keys=True, separators=(",", ":")
            ).encode()
            return hashlib.sha256(canonical).hexdigest()
        except ValueError:
            pass
    return hashlib.sha256(body).hexdigest()


def idempotency_begin(*, key: ApiKey, method: str, path: str, idem_key: str, body_hash: str):
    """Claims (key, method, path, Idempotency-Key). Returns None when this request is the
    first (it must then call ``idempotency_finish``), or the stored record to replay."""
    ttl = timedelta(hours=getattr(settings, "API_IDEMPOTENCY_HOURS", 24))
    stale_in_flight = timedelta(minutes=10)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                ApiIdempotencyRecord.objects.create(
                    api_key=key, method=method, path=path, key=idem_key, body_hash=body_hash
                )
            return None
        except IntegrityError:
            record = ApiIdempotencyRecord.objects.filter(
                api_key=key, method=method, path=path, key=idem_key
            ).first()
            if record is None:
                continue
            age = timezone.now() - record.created_at
            if age > ttl or (record.status is None and age > stale_in_flight):
                # Expired, or left behind by a process that died mid-request.
                record.delete()
                continue
            if record.body_hash != body_hash:
                raise IdempotencyConflict(
                    422, "Idempotency-Key was used with a different request body"
                ) from None
            if record.status is None:
                raise IdempotencyConflict(
                    409, "A request with this Idempotency-Key is still being processed"
                ) from None
            return record
    raise IdempotencyConflict(409, "A request with this Idempotency-Key is still being processed")


_REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def idempotency_finish(
    *, key: ApiKey, method: str, path: str, idem_key: str, status: int, headers, body: bytes
) -> None:
    """Stores the answer, or frees the key when the answer may not be replayed (5xx, 429)."""
    records = ApiIdempotencyRecord.objects.filter(
        api_key=key, method=method, path=path, key=idem_key, status__isnull=True
    )
    if status >= 500 or status == 429:
        records.delete()
        return
    kept = {name: headers[name] for name in _REPLAYED_HEADERS if name in headers}
    records.update(status=status, headers=kept, body=body)


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
    """A creating DRF view method of either surface: the same Idempotency-Key and body →
    the stored answer, nothing created twice (spec 4.5). The key's problems are raised as
    IdempotencyConflict, which each surface answers in its own shape."""

    @wraps(method)
    def wrapper(self, request, *args, **kwargs):
        idem = idempotency_key_of(request)
        if idem is None:
            return method(self, request, *args, **kwargs)
        content_type = request.content_type or ""
        if content_type.startswith("multipart/"):
            fingerprint = _multipart_fingerprint(request)
        else:
            fingerprint = body_fingerprint(request.body, content_type)
        where = {"key": request.auth, "method": request.method, "path": request.path}
        stored = idempotency_begin(body_hash=fingerprint, idem_key=idem, **where)
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
        if hasattr(response, "render"):  # a DRF Response; refusals may be plain ones
            response.render()
        idempotency_finish(
            status=response.status_code,
            headers=response,
            body=response.content,
            idem_key=idem,
            **where,
        )
        return response

    return wrapper


def idempotency_cleanup() -> int:
    """The daily housekeeping job may call this; drops records past their lifetime."""
    ttl = timedelta(hours=getattr(settings, "API_IDEMPOTENCY_HOURS", 24))
    deleted, _ = ApiIdempotencyRecord.objects.filter(created_at__lt=timezone.now() - ttl).delete()
    return deleted


def rate_counters_cleanup() -> int:
    """The daily housekeeping job may call this; drops windows that ended a day ago (a
    bucket's old windows also go when its next window starts)."""
    from organizations.models import ApiRateCounter

    cutoff = timezone.now() - timedelta(days=1)
    deleted, _ = ApiRateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted


# -- Rendering ---------------------------------------------------------------------------
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


# -- Error shapes --------------------------------------------------------------------------
_PROBLEM_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def _flatten_errors(detail, prefix="") -> list[dict]:
    rows = []
    if isinstance(detail, dict):
        for name, value in detail.items():
            field = f"{prefix}.{name}" if prefix else str(name)
            rows.extend(_flatten_errors(value, "" if field == "non_field_errors" else field))
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                rows.extend(_flatten_errors(value, f"{prefix}[{index}]"))
            else:
                rows.extend(_flatten_errors(value, prefix))
    else:
        rows.append(
            {
                "field": prefix or None,
                "code": getattr(detail, "code", "invalid"),
                "message": str(detail),
            }
        )
    return rows


def problem(status: int, detail: str, *, code: str = "", errors=None, **extra) -> dict:
    """An RFC 9457 problem body."""
    body = {
        "type": f"about:blank#{code}" if code else "about:blank",
        "title": _PROBLEM_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
    }
    body.update(extra)
    return body


def exception_handler(exc, context):
    """Native views answer problem details; older views ``{"error": {code, message, details}}``."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    view = context.get("view")
    if getattr(view, "problem_details", False):
        if isinstance(exc, exceptions.ValidationError):
            body = problem(
                400,
                "The request has errors; see errors.",
                code="invalid",
                errors=_flatten_errors(exc.detail),
            )
        else:
            codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
            code = codes if isinstance(codes, str) else "error"
            detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
            extra = {"scope": exc.scope} if isinstance(exc, InsufficientScope) else {}
            body = problem(response.status_code, str(detail), code=code, **extra)
        response.data = body
        response.content_type = "application/problem+json"
        return response
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        code, message, details = "invalid", "The request has errors; see details.", detail
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        message = detail.get("detail", str(detail)) if isinstance(detail, dict) else str(detail)
        details = None
    response.data = {"error": {"code": code, "message": str(message), "details": details}}
    return response


class OrganizationAPIMixin:
    """Resolves the organization once per request; querysets are built only from it.

    With an API key (``request.auth.organization``) the key names the organization; with a
    session the URL's ``org_slug`` does. Outsiders get 404, too-low roles get 403.
    Subclasses implement ``get_organization_queryset(organization)``; they may not
    override ``get_queryset``, so no queryset can skip the tenant filter.
    """

    permission_required = "organization.view"
    organization = None
    membership = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must implement get_organization_queryset instead")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.organization, self.membership = self.resolve_tenant(request, kwargs)

    def resolve_tenant(self, request, kwargs):
        key_org = getattr(request.auth, "organization", None)
        if key_org is not None:
            if key_org.deleted_at is not None:
                raise exceptions.NotFound("No such organization.")
            # A key acts as the member who made it: their customer limitation, read now.
            key_org.acting_membership = request.auth.membership
            return key_org, None
        membership = selectors.membership_for(user=request.user, slug=kwargs.get("org_slug", ""))
        if membership is None:
            raise exceptions.NotFound("No such organization.")
        if not membership.can(self.permission_required):
            raise exceptions.PermissionDenied("Your role does not allow this.")
        membership.organization.acting_membership = membership
        return membership.organization, membership

    def get_queryset(self):
        if self.organization is None:
            raise exceptions.NotFound("No such organization.")
        return self.get_organization_queryset(self.organization)

    def get_organization_queryset(self, organization):
        raise NotImplementedError


class OrganizationAPIView(OrganizationAPIMixin, views.APIView):
    pass


class OrganizationListAPIView(OrganizationAPIMixin, generics.ListAPIView):
    pass
