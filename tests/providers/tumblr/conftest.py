import json
from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.tumblr import TumblrProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
TOKEN = json.loads((HERE / "fixtures" / "token.json").read_text())["body"]
BEARER = {"Authorization": f"Bearer {TOKEN['access_token']}"}
POSTS = "/api/v2/blog/acmeworkshop/posts"


def reply(name):
    return fixture_response(HERE, name)


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "TUMBLR_CLIENT_ID": "tumblr-consumer-key",
        "TUMBLR_CLIENT_SECRET": "tumblr-consumer-secret",
    }
    point(settings, httpserver, "tumblr", auth="/www", api="/api")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield TumblrProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(
        "t:Qm3pX9vK2sL7cN4hB8dR1w",
        {"access_token": TOKEN["access_token"], "refresh_token": TOKEN["refresh_token"]},
        username="acmeworkshop",
        meta={"blog": "acmeworkshop"},
    )
