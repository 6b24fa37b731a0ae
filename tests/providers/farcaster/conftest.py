from pathlib import Path

import pytest

from integrations.providers.base import Channel
from integrations.providers.farcaster import FarcasterProvider
from tests.providers.conftest import fixture_response, point

HERE = Path(__file__).parent
API_KEY = "NEYNAR-7F3A-41C2-9B8E-5D6A0C1E2F34"
SIGNER = "19d0c5fd-9b33-4a48-a0e2-bc7b0555baec"
KEY_HEADER = {"x-api-key": API_KEY}
CAST = "/api/v2/farcaster/cast"


def reply(name):
    return fixture_response(HERE, name)


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "farcaster", api="/api")
    yield FarcasterProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(
        "194372",
        {"api_key": API_KEY, "signer_uuid": SIGNER},
        username="acmeworkshop",
        meta={"fid": "194372"},
    )
