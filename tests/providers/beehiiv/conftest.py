from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.beehiiv import BeehiivProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
KEY = "bh_live_Q2w3E4r5T6y7U8i9O0pA1sD2fG3hJ4kL"
PUB = "pub_6c4e1f2a-8b3d-4e5f-9a0b-1c2d3e4f5a6b"
POSTS = f"/api/v2/publications/{PUB}/posts"
BEARER = {"Authorization": f"Bearer {KEY}"}


def reply(name):
    return fixture_response(HERE, name)


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "beehiiv", api="/api")
    yield BeehiivProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(PUB, {"api_key": KEY}, username="Acme Weekly")
