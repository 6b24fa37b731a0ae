import json
from pathlib import Path

import pytest
from werkzeug import Response

from integrations.providers.base import Channel
from integrations.providers.vk import VKProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent
TOKEN = json.loads((HERE / "fixtures" / "token.json").read_text())["body"]
DEVICE = "dev-7f3a9c1e5b"
COMMUNITY = -228154012


def recorded(name: str, **subst: str) -> dict:
    text = (HERE / "fixtures" / f"{name}.json").read_text()
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def reply(name: str, **subst: str) -> Response:
    data = recorded(name, **subst)
    body = data["body"] if isinstance(data["body"], str) else json.dumps(data["body"])
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data["status"], headers=headers)


def method(name: str) -> str:
    return f"/api/method/{name}"


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "VK_CLIENT_ID": "51234567"}
    point(settings, httpserver, "vk", auth="/id", api="/api")


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield VKProvider()
    httpserver.check_assertions()


def credentials() -> dict:
    return {
        "access_token": TOKEN["access_token"],
        "refresh_token": TOKEN["refresh_token"],
        "device_id": DEVICE,
    }


@pytest.fixture
def community():
    return Channel(
        str(COMMUNITY), credentials(), username="acmeworkshop", meta={"owner_id": COMMUNITY}
    )


@pytest.fixture
def person():
    return Channel("743784474", credentials(), username="anna.acme", meta={"owner_id": 743784474})
