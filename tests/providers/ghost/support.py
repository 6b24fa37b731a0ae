"""Shared pieces of the Ghost tests: a channel on the local fake and its key."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

from integrations.providers.base import Channel
from tests.providers.conftest import fixture_response

HERE = Path(__file__).parent
KEY_ID = "6740b1c29c2b3e0001f49b77"
SECRET = "5d1f0c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10"
KEY = f"{KEY_ID}:{SECRET}"


def reply(name):
    return fixture_response(HERE, name)


def ghost_channel(origin: str) -> Channel:
    return Channel(
        "https://blog.acme.example",
        {"admin_api_key": KEY},
        username="blog.acme.example",
        meta={"url": origin},
    )


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def token_claims(header: str) -> tuple[dict, dict]:
    """The header and claims of a request's ``Authorization: Ghost <token>``, after
    checking its signature with the key's secret as Ghost does."""
    scheme, token = header.split(" ", 1)
    assert scheme == "Ghost"
    head, claims, signature = token.split(".")
    expected = hmac.new(bytes.fromhex(SECRET), f"{head}.{claims}".encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(_unb64(signature), expected)
    return json.loads(_unb64(head)), json.loads(_unb64(claims))
