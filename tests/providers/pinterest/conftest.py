import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Response

from integrations.providers.base import Channel
from integrations.providers.pinterest import PinterestProvider
from tests.providers.conftest import point

HERE = Path(__file__).parent
TOKEN = "pina_AMA0channelaccess"
REFRESH = "pinr_AMA0channelrefresh"
BOARD = "549755885175"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def configure(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "PINTEREST_CLIENT_ID": "1484362",
        "PINTEREST_CLIENT_SECRET": "pinterest-app-secret",
    }
    point(settings, httpserver, "pinterest", auth="/www", api="/api")


def recorded(name: str, **subst: str) -> dict:
    """A recorded answer with its ``{placeholders}`` filled (``now``: this moment in
    Pinterest's zone-less UTC form)."""
    text = (HERE / "fixtures" / f"{name}.json").read_text()
    subst.setdefault("now", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
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
    instance = PinterestProvider()
    instance.media_poll_interval = 0
    yield instance
    httpserver.check_assertions()


@pytest.fixture
def channel():
    return Channel(
        "754056550823100002",
        {"access_token": TOKEN, "refresh_token": REFRESH},
        username="acmehome",
        meta={
            "boards": [
                {"id": BOARD, "name": "Summer Recipes", "privacy": "PUBLIC"},
                {"id": "549755885176", "name": "Workshop", "privacy": "SECRET"},
            ]
        },
    )
