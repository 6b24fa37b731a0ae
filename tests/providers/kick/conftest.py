import json
from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.kick import KickProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
TOKEN = json.loads((HERE / "fixtures" / "token.json").read_text())["body"]
BEARER = {"Authorization": f"Bearer {TOKEN['access_token']}"}
CHAT = "/api/public/v1/chat"


def reply(name):
    return fixture_response(HERE, name)


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "KICK_CLIENT_ID": "01JKICKCLIENT",
        "KICK_CLIENT_SECRET": "kick-client-secret",
    }
    point(settings, httpserver, "kick", auth="/id", api="/api")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield KickProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(
        "4377088",
        {"access_token": TOKEN["access_token"], "refresh_token": TOKEN["refresh_token"]},
        username="acmeworkshop",
    )
