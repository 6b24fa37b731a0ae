import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Response

from integrations.providers.base import Channel
from integrations.providers.gmb import GoogleBusinessProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent
TOKEN = "ya29.a0AfB_channel-access"
REFRESH = "1//0gChannelRefresh"
ACCOUNT = "accounts/106029376340395932001"
LOCATION = "locations/4352806333531136502"
PARENT = f"/api/v4/{ACCOUNT}/{LOCATION}"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "GMB_CLIENT_ID": "123-gmb.apps.googleusercontent.com",
        "GMB_CLIENT_SECRET": "GOCSPX-gmb-secret",
    }
    point(
        settings,
        httpserver,
        "gmb",
        auth="/o/oauth2/v2/auth",
        token="/token",
        accounts="/acct",
        info="/info",
        api="/api",
    )


def recorded(name: str, **subst: str) -> dict:
    """A recorded answer with its ``{placeholders}`` filled (``now``: this moment)."""
    text = (HERE / "fixtures" / f"{name}.json").read_text()
    subst.setdefault("now", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    for key, value in subst.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def reply(name: str, **subst: str) -> Response:
    data = recorded(name, **subst)
    body = data.get("body", "")
    if not isinstance(body, str):
        body = json.dumps(body)
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data.get("status", 200), headers=headers)


@pytest.fixture
def provider(settings, httpserver):
    configure(settings, httpserver)
    yield GoogleBusinessProvider()
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(
        "4352806333531136502",
        {"access_token": TOKEN, "refresh_token": REFRESH},
        username="Invalidenstraße 1, Berlin",
        meta={"account": ACCOUNT, "location": LOCATION},
    )
