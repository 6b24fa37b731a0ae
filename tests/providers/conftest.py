"""Networks are faked at the HTTP boundary by a real local server (pytest-httpserver).

``point(settings, httpserver, "x", api="/2", upload="/upload")`` sends the provider's named
endpoints to the fake, each under its own path prefix.
"""

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug import Response


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def point(settings, httpserver, identifier: str, **prefixes: str) -> None:
    endpoints = dict(settings.PROVIDER_ENDPOINTS)
    endpoints[identifier] = {
        name: httpserver.url_for(prefix).rstrip("/") for name, prefix in prefixes.items()
    }
    settings.PROVIDER_ENDPOINTS = endpoints


def fixture_response(directory: Path, name: str) -> Response:
    """A recorded response ``{status, headers, body}`` as the network documents it."""
    data = json.loads((directory / "fixtures" / f"{name}.json").read_text())
    body = data.get("body", "")
    if not isinstance(body, str):
        body = json.dumps(body)
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data.get("status", 200), headers=headers)


def slow_handler(respond: Callable, seconds: float = 1.0) -> Callable:
    """A handler that answers only after ``seconds``: past the read timeout the tests set
    (``provider.timeout = (1, 0.5)``), so the client gives up after sending."""

    def handler(request):
        time.sleep(seconds)
        return respond(request)

    return handler


def dropped_handler(start: bytes, *, status: int = 200, length: int = 200) -> Callable:
    """A handler whose connection drops mid-response: ``start`` is sent, then an abort."""

    def handler(request):
        def body():
            yield start
            raise ConnectionAbortedError("dropped mid-response")

        return Response(body(), status=status, headers={"Content-Length": str(length)})

    return handler


def truncated_handler(start: bytes, *, status: int = 200, length: int = 400) -> Callable:
    """A handler that closes the connection after ``start``, short of its Content-Length."""

    def handler(request):
        def body():
            yield start

        return Response(body(), status=status, headers={"Content-Length": str(length)})

    return handler


def drain(httpserver, count: int = 1) -> None:
    """Let a slow handler finish, so its log entry does not leak into the next test."""
    deadline = time.monotonic() + 3
    while len(httpserver.log) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def assert_no_secret(logs, *secrets: str) -> None:
    """No secret in any log line; the fake server's own access log (werkzeug) is the
    test's side, not ours."""
    for record in logs.records:
        if record.name == "werkzeug":
            continue
        line = record.getMessage()
        for secret in secrets:
            assert secret not in line


@pytest.fixture
def captured_logs(caplog):
    """Every log record while the test runs, for 'no token in any log line' checks."""
    caplog.set_level(logging.DEBUG)
    return caplog
