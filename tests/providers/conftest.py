"""Networks are faked at the HTTP boundary by a real local server (pytest-httpserver).

``point(settings, httpserver, "x", api="/2", upload="/upload")`` sends the provider's named
endpoints to the fake, each under its own path prefix.
"""

import json
import logging
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


@pytest.fixture
def captured_logs(caplog):
    """Every log record while the test runs, for 'no token in any log line' checks."""
    caplog.set_level(logging.DEBUG)
    return caplog
