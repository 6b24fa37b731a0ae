"""Channels tests use the real providers, faked at the HTTP boundary (pytest-httpserver)."""

import functools
import json
from datetime import timedelta
from pathlib import Path

import factory
import pytest
from django.utils import timezone
from werkzeug import Response

from tests.factories import ChannelFactory
from tests.providers.conftest import httpserver_listen_address, point  # noqa: F401

PROVIDERS = Path(__file__).parent.parent / "providers"

X_ACCESS = "x-access-old-111"
X_REFRESH = "x-refresh-old-222"


def recorded(network: str, name: str, **subst: str) -> dict:
    """A response recorded by the provider's own tests: {status, headers, body}."""
    text = (PROVIDERS / network / "fixtures" / f"{name}.json").read_text()
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def reply(network: str, name: str, **subst: str) -> Response:
    data = recorded(network, name, **subst)
    body = data["body"] if isinstance(data["body"], str) else json.dumps(data["body"])
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data["status"], headers=headers)


@pytest.fixture
def x_network(settings, httpserver):
    """X configured on this instance and pointed at the local fake."""
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "X_CLIENT_ID": "x-client-id",
        "X_CLIENT_SECRET": "x-client-secret",
    }
    point(settings, httpserver, "x", auth="/x-auth", api="/x-api", upload="/x-upload")
    return httpserver


class XChannelFactory(ChannelFactory):
    """An X account whose access token expires in five minutes (the refresh job's case)."""

    provider = "x"
    external_id = "2244994945"
    name = "X Developers"
    credentials = factory.LazyFunction(
        lambda: {"access_token": X_ACCESS, "refresh_token": X_REFRESH}
    )
    token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=5))


@pytest.fixture
def make_channel(org):
    """``XChannelFactory`` for ``org``: ``make_channel(provider="bluesky", ...)``."""
    return functools.partial(XChannelFactory, organization=org)
