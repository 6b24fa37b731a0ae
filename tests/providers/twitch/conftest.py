import json
from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.twitch import TwitchProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
TOKEN = json.loads((HERE / "fixtures" / "token.json").read_text())["body"]
CLIENT_ID = "twitch-client-id-hof5gwx0su6o"
HELIX = {"Authorization": f"Bearer {TOKEN['access_token']}", "Client-Id": CLIENT_ID}
MESSAGES = "/api/helix/chat/messages"
ANNOUNCEMENTS = "/api/helix/chat/announcements"


def reply(name):
    return fixture_response(HERE, name)


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "TWITCH_CLIENT_ID": CLIENT_ID,
        "TWITCH_CLIENT_SECRET": "twitch-client-secret",
    }
    point(settings, httpserver, "twitch", auth="/id", api="/api")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield TwitchProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(
        "141981764",
        {"access_token": TOKEN["access_token"], "refresh_token": TOKEN["refresh_token"]},
        username="twitchdev",
    )
