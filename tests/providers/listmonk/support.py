"""Shared pieces of the listmonk tests: a channel on the local fake and its token."""

from pathlib import Path

from integrations.providers.base import Channel
from tests.providers.conftest import fixture_response

HERE = Path(__file__).parent
USER = "postiz"
TOKEN = "Zq8vT1xJc4mN7pR2sW5yB9dF3gH6kL0a"
AUTH = f"token {USER}:{TOKEN}"


def reply(name):
    return fixture_response(HERE, name)


def listmonk_channel(origin: str) -> Channel:
    return Channel(
        f"{origin}#{USER}",
        {"api_user": USER, "api_token": TOKEN},
        username=f"{USER}@lists.acme.example",
        meta={"url": origin},
    )
