import json
from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.dribbble import DribbbleProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
TOKEN = json.loads((HERE / "fixtures" / "token.json").read_text())["body"]
BEARER = {"Authorization": f"Bearer {TOKEN['access_token']}"}
SHOTS = "/api/v2/shots"


def reply(name):
    return fixture_response(HERE, name)


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "DRIBBBLE_CLIENT_ID": "drb-client-id",
        "DRIBBBLE_CLIENT_SECRET": "drb-client-secret",
    }
    point(settings, httpserver, "dribbble", auth="/www", api="/api")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    provider = DribbbleProvider()
    provider.poll_interval = 0
    yield provider
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel("1405112", {"access_token": TOKEN["access_token"]}, username="acmestudio")
