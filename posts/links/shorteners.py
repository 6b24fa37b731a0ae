"""The shorteners: the built-in one, Dub, Short.io and a self-hosted Kutt.

Each external one is a few requests over the providers' HTTP transport (our User-Agent,
timeouts, the SSRF guard for an address a person typed, such as their Kutt server) and an
error table read by the same classifier the networks use. Creating a link is a step
before anything of the post is sent (``Phase.UPLOAD``): whatever fails there, nothing
went out, so the engine may try again or fail the attempt cleanly.

The requests and answers, as the services document them:

- Dub: ``POST {DUB_API_URL}/links`` with ``Authorization: Bearer <key>`` and
  ``{"url", "domain"?}`` → the link ``{"id": "link_…", "shortLink": "https://…", …}``;
  clicks from ``GET /links/info?linkId=`` (the link's ``clicks``). Errors:
  ``{"error": {"code": "unauthorized" | "forbidden" | "exceeded_limit" | "bad_request" |
  "unprocessable_entity" | "rate_limit_exceeded" | …, "message", "doc_url"}}``.
- Short.io: ``POST {SHORTIO_API_URL}/links`` with ``authorization: <key>`` (no scheme)
  and ``{"originalURL", "domain"}`` → ``{"idString": "lnk_…", "shortURL",
  "secureShortURL", …}``; clicks from ``GET {SHORTIO_STATS_URL}/statistics/link/<idString>
  ?period=total`` (``humanClicks``, else ``totalClicks``). Errors: ``{"message",
  "error"?, "statusCode"?}``.
- Kutt (API v2): ``POST {kutt}/api/v2/links`` with ``X-API-KEY: <key>`` and
  ``{"target"}`` → 201 ``{"id": "<uuid>", "address", "link": "https://…", "target",
  "visit_count", …}``; clicks from ``GET /api/v2/links/<id>/stats`` (``visit_count``).
  Errors: ``{"error": "<message>"}`` (401 "Unauthorized.", 400 for an invalid target).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.base.classify import (
    SERVER_FAULT,
    ErrorTable,
    Rule,
    Said,
    classify,
)
from integrations.providers.base.errors import Phase
from integrations.providers.base.http import json_object
from integrations.providers.base.transport import Transport

# Codes of the built-in shortener: 8 characters of 62 (about 2.2e14 codes), drawn by the
# OS's CSPRNG, so a code cannot be guessed from another one and collisions are rare (the
# unique index catches them and a new code is drawn).
CODE_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class Made:
    """A link a shortener made."""

    short_url: str
    remote_id: str = ""
    code: str | None = None


@dataclass(frozen=True)
class Config:
    """Which shortener, and what it needs (resolved from the organization's settings and
    the environment by ``services.config_for``)."""

    kind: str
    api_key: str = ""
    domain: str = ""
    base_url: str = ""  # Kutt's instance; the built-in's public address


class Builtin:
    """Links on our own domain (``/l/<code>``): nothing to ask anyone."""

    name = "the built-in shortener"

    def __init__(self, config: Config):
        self.base = (config.base_url or settings.SHORTLINK_BASE_URL).rstrip("/")

    def skip_hosts(self) -> frozenset[str]:
        return frozenset({(urlsplit(self.base).hostname or "").lower()})

    def shorten(self, target: str) -> Made:
        code = new_code()
        return Made(short_url=f"{self.base}/l/{code}", code=code)

    def clicks(self, remote_id: str) -> int | None:
        return None  # counted as they happen, by the redirect


# -- The external shorteners --------------------------------------------------------------
def _read_dub(response: requests.Response, phase: Phase) -> Said:
    body = json_object(response, None)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return Said(
            response.status_code,
            code=str(error.get("code") or ""),
            message=str(error.get("message") or ""),
            body=body,
        )
    return Said(response.status_code, body=body)


def _read_message(response: requests.Response, phase: Phase) -> Said:
    """Short.io and Kutt: ``{"error": str}`` or ``{"message": str, "error"?: str}``."""
    body = json_object(response, None)
    if not isinstance(body, dict):
        return Said(response.status_code, body=None)
    message = body.get("message") or body.get("error") or ""
    code = body.get("error") if body.get("message") else ""
    return Said(
        response.status_code,
        code=str(code or "") if response.status_code >= 400 else "",
        message=str(message) if response.status_code >= 400 else "",
        body=body,
    )


def _rows(name: str) -> tuple[Rule, ...]:
    settings_hint = "Check the API key in the short-link settings."
    return (
        Rule(
            ErrorKind.AUTH_REVOKED,
            f"{name} refused our API key{{detail}} {settings_hint}",
            status=401,
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            f"{name} would not make the link: the plan's limit is reached{{detail}}",
            status=403,
            code="exceeded_limit",
        ),
        Rule(
            ErrorKind.PERMISSION_DENIED,
            f"{name} does not allow this API key to make links{{detail}} {settings_hint}",
            status=403,
        ),
        Rule(
            ErrorKind.RATE_LIMITED,
            f"{name} asked us to slow down; we will try again later.",
            status=429,
        ),
        Rule(
            ErrorKind.CONTENT_REJECTED,
            f"{name} refused to shorten a link of this post{{detail}}",
            status=(400, 409, 422),
        ),
        Rule(SERVER_FAULT, f"{name} had a server error ({{status}}).", status=range(500, 600)),
    )


class External:
    """What Dub, Short.io and Kutt share: the transport, the key and the error table."""

    name = ""
    identifier = ""
    reader = staticmethod(_read_message)

    def __init__(self, config: Config):
        self.config = config
        self.table = ErrorTable(rows=_rows(self.name), read=self.reader)
        key = config.api_key

        def redact(text: str) -> str:
            return text.replace(key, "[redacted]") if key else text

        self.transport = Transport(
            identifier=self.identifier,
            name=self.name,
            endpoints=self.endpoints(),
            classify=lambda phase, response: classify(
                self.table, phase, response, name=self.name, redact=redact
            ),
            redact=redact,
        )

    def endpoints(self) -> dict[str, str]:
        return {}

    def skip_hosts(self) -> frozenset[str]:
        return frozenset({self.config.domain.lower()} if self.config.domain else ())

    def _json(self, response: requests.Response) -> dict:
        body = json_object(response, None)
        if not isinstance(body, dict):
            raise ProviderError(
                ErrorKind.TRANSIENT_BEFORE_SEND,
                f"{self.name} answered with something we could not read.",
                network_code=str(response.status_code),
            )
        return body

    def _unreadable(self, field: str) -> ProviderError:
        return ProviderError(
            ErrorKind.TRANSIENT_BEFORE_SEND,
            f"{self.name} made the link but did not say its {field}.",
        )


class Dub(External):
    name = "Dub"
    identifier = "shortener-dub"
    reader = staticmethod(_read_dub)

    def endpoints(self) -> dict[str, str]:
        return {"api": settings.DUB_API_URL}

    def skip_hosts(self) -> frozenset[str]:
        return super().skip_hosts() | {"dub.sh"}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.config.api_key}"}

    def shorten(self, target: str) -> Made:
        body = {"url": target}
        if self.config.domain:
            body["domain"] = self.config.domain
        response = self.transport.request(
            "POST",
            f"{settings.DUB_API_URL.rstrip('/')}/links",
            phase=Phase.UPLOAD,
            json=body,
            headers=self._headers(),
        )
        data = self._json(response)
        if not data.get("shortLink"):
            raise self._unreadable("address")
        return Made(short_url=str(data["shortLink"]), remote_id=str(data.get("id") or ""))

    def clicks(self, remote_id: str) -> int | None:
        response = self.transport.request(
            "GET",
            f"{settings.DUB_API_URL.rstrip('/')}/links/info",
            phase=Phase.READ,
            params={"linkId": remote_id},
            headers=self._headers(),
        )
        value = self._json(response).get("clicks")
        return int(value) if isinstance(value, int | float) else None


class ShortIo(External):
    name = "Short.io"
    identifier = "shortener-shortio"

    def endpoints(self) -> dict[str, str]:
        return {"api": settings.SHORTIO_API_URL, "statistics": settings.SHORTIO_STATS_URL}

    def _headers(self) -> dict[str, str]:
        return {"authorization": self.config.api_key, "accept": "application/json"}

    def shorten(self, target: str) -> Made:
        response = self.transport.request(
            "POST",
            f"{settings.SHORTIO_API_URL.rstrip('/')}/links",
            phase=Phase.UPLOAD,
            json={"originalURL": target, "domain": self.config.domain},
            headers=self._headers(),
        )
        data = self._json(response)
        short = data.get("secureShortURL") or data.get("shortURL")
        if not short:
            raise self._unreadable("address")
        return Made(short_url=str(short), remote_id=str(data.get("idString") or data.get("id")))

    def clicks(self, remote_id: str) -> int | None:
        response = self.transport.request(
            "GET",
            f"{settings.SHORTIO_STATS_URL.rstrip('/')}/statistics/link/{quote(remote_id)}",
            phase=Phase.READ,
            params={"period": "total", "tz": "UTC"},
            headers=self._headers(),
        )
        data = self._json(response)
        # Human clicks where Short.io tells them apart, like our own bot filter.
        value = data.get("humanClicks", data.get("totalClicks"))
        return int(value) if isinstance(value, int | float) else None


class Kutt(External):
    name = "Kutt"
    identifier = "shortener-kutt"

    def endpoints(self) -> dict[str, str]:
        # The instance's own server (environment) is the operator's; one a person typed
        # in the settings page goes through the SSRF guard.
        return {"api": settings.KUTT_URL} if settings.KUTT_URL else {}

    def skip_hosts(self) -> frozenset[str]:
        return frozenset({(urlsplit(self.config.base_url).hostname or "").lower()})

    def _headers(self) -> dict[str, str]:
        return {"X-API-KEY": self.config.api_key}

    def _api(self) -> str:
        return f"{self.config.base_url.rstrip('/')}/api/v2"

    def shorten(self, target: str) -> Made:
        response = self.transport.request(
            "POST",
            f"{self._api()}/links",
            phase=Phase.UPLOAD,
            json={"target": target},
            headers=self._headers(),
        )
        data = self._json(response)
        if not data.get("link"):
            raise self._unreadable("address")
        return Made(short_url=str(data["link"]), remote_id=str(data.get("id") or ""))

    def clicks(self, remote_id: str) -> int | None:
        response = self.transport.request(
            "GET",
            f"{self._api()}/links/{quote(remote_id)}/stats",
            phase=Phase.READ,
            headers=self._headers(),
        )
        value = self._json(response).get("visit_count")
        return int(value) if isinstance(value, int | float) else None


KINDS = {"builtin": Builtin, "dub": Dub, "shortio": ShortIo, "kutt": Kutt}


def shortener_for(config: Config):
    """The shortener ``config`` names."""
    return KINDS[config.kind](config)
