"""Helpers for the Mastodon tests: fixtures with the fake's URL filled in, request capture."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import requests
from werkzeug import Response

from integrations.providers.base import Channel
from tests.providers.bluesky.support import Recorder, closing_server

__all__ = ["Recorder", "as_response", "channel", "closing_server", "load", "respond"]

HERE = Path(__file__).parent
TOKEN = "ZA-Yj3aBD8U8Cm7lKUp-lm9O9BmDgdhHzDeqsY8tlL0"
ACCOUNT_ID = "109302436954721982"


def load(name: str, base: str = "https://social.example") -> dict:
    text = (HERE / "fixtures" / f"{name}.json").read_text()
    text = text.replace("{base}", base).replace("{host}", urlsplit(base).netloc)
    return json.loads(text)


def respond(name: str, base: str = "https://social.example") -> Response:
    data = load(name, base)
    body = data["body"] if isinstance(data["body"], str) else json.dumps(data["body"])
    headers = {"Content-Type": "application/json", **data.get("headers", {})}
    return Response(body, status=data["status"], headers=headers)


def as_response(name: str, **headers: str) -> requests.Response:
    data = load(name)
    response = requests.Response()
    response.status_code = data["status"]
    body = data["body"] if isinstance(data["body"], str) else json.dumps(data["body"])
    response._content = body.encode()
    response.headers.update({"Content-Type": "application/json", **data["headers"], **headers})
    return response


def channel(base: str, **meta) -> Channel:
    return Channel(
        external_id=ACCOUNT_ID,
        username="@alice@social.example",
        credentials={"access_token": TOKEN},
        meta={"instance": base, "account_id": ACCOUNT_ID, **meta},
    )
