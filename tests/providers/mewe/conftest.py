import json
from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.mewe import MeweProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
TOKEN = json.loads((HERE / "fixtures" / "token.json").read_text())["body"]["apiToken"]
ME = json.loads((HERE / "fixtures" / "me.json").read_text())["body"]
APP_ID = "mewe-app-7f3a"
API_KEY = "mewe-key-1b9c5e7d"
AUTH = {"X-App-Id": APP_ID, "Authorization": f"Bearer {TOKEN}"}
GROUP = "55f9dd29e4b050c69e693558"
TIMELINE = "/api/dev/me/post"
GROUP_POST = f"/api/dev/group/{GROUP}/post"


def reply(name):
    return fixture_response(HERE, name)


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "MEWE_APP_ID": APP_ID,
        "MEWE_API_KEY": API_KEY,
    }
    point(settings, httpserver, "mewe", web="/", api="/api/dev", login="/login")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield MeweProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(ME["userId"], {"access_token": TOKEN}, username=ME["handle"])
