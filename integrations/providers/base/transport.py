"""A network's HTTP transport: one requests session with our User-Agent and explicit
(connect, read) timeouts, the SSRF guard for addresses a person gave, log lines without
secrets, and the commit checkpoint.

It sends and it classifies (through the classifier it was given); it never retries:
whether a retry is safe depends on the phase and the error kind, which is the publishing
engine's decision.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import requests
from django.conf import settings

from integrations.providers.base.classify import classify_exception
from integrations.providers.base.errors import ErrorKind, Phase, ProviderError
from integrations.providers.base.http import TIMEOUT, UPLOAD_TIMEOUT, USER_AGENT
from postiz.ssrf import UnsafeURL, guarded_session

logger = logging.getLogger("postiz.providers")

# Headers that carry the network's id for a request, logged to match its support's logs.
REQUEST_ID_HEADERS = ("x-request-id", "x-fb-trace-id", "x-li-uuid")


class Transport:
    """Sends one network's requests; see the module docstring."""

    def __init__(
        self,
        *,
        identifier: str,
        name: str,
        endpoints: Mapping[str, str],
        classify: Callable[[Phase, requests.Response], ProviderError | None],
        redact: Callable[[str], str],
    ):
        self.identifier = identifier  # names log lines and the operator's endpoint overrides
        self.name = name
        self.endpoints = endpoints
        self.classify = classify
        self.redact = redact
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self._person_session: requests.Session | None = None
        # (connect, read) seconds; tests shorten them to provoke timeouts.
        self.timeout = TIMEOUT
        self.upload_timeout = UPLOAD_TIMEOUT
        # Called before every COMMIT-phase request while a publish is being sent.
        self.checkpoint: Callable[[], None] | None = None

    def request(
        self,
        method: str,
        url: str,
        *,
        phase: Phase,
        timeout: tuple[float, float] | None = None,
        **kwargs,
    ) -> requests.Response:
        """Send one request; raise the classified ProviderError on any failure.

        An address outside the operator's configured endpoints (a person's server, a
        webhook, an upload URL a network handed back) passes the SSRF guard first and is
        fetched without following redirects, which could lead anywhere.

        While a publish is sent, a COMMIT-phase request first calls the checkpoint
        (``PublishRequest.before_commit``), so a crash mid-send leaves the progress known.
        """
        if phase == Phase.COMMIT and self.checkpoint is not None:
            self.checkpoint()
        session = self.session
        if not self.is_configured_endpoint(url):
            # Vetted by the session itself: the host is resolved once, checked, and the
            # connection goes to that very address.
            kwargs.setdefault("allow_redirects", False)
            session = self.person_session()
        try:
            response = session.request(method, url, timeout=timeout or self.timeout, **kwargs)
        except UnsafeURL as error:
            raise unsafe(error) from None
        except requests.RequestException as exc:
            logger.info(
                "%s %s %s failed: %s", self.identifier, method, self.redact(url), type(exc).__name__
            )
            raise classify_exception(phase, exc, self.name) from exc
        request_id = next(
            (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), ""
        )
        logger.info(
            "%s %s %s -> %s %s",
            self.identifier,
            method,
            self.redact(url),
            response.status_code,
            request_id,
        )
        error = self.classify(phase, response)
        if error is not None:
            raise error
        return response

    def is_configured_endpoint(self, url: str) -> bool:
        origin = _origin(url)
        overrides = settings.PROVIDER_ENDPOINTS.get(self.identifier, {})
        return any(
            origin == _origin(base) for base in (*self.endpoints.values(), *overrides.values())
        )

    def person_session(self) -> requests.Session:
        """The session for person-given addresses: it connects to the address the guard
        vetted, so a second DNS answer cannot lead the request to this machine."""
        if self._person_session is None:
            self._person_session = guarded_session()
        self._person_session.headers.update(self.session.headers)
        return self._person_session


def unsafe(error: UnsafeURL) -> ProviderError:
    """The guard's refusal of a private or local address, as a provider error."""
    return ProviderError(
        ErrorKind.PERMISSION_DENIED, str(error), network_code="unsafe_url", field="url"
    )


@functools.lru_cache(maxsize=4096)  # every request compares against the same endpoints
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
