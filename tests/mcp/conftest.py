"""The MCP server is tested over HTTP against a running server (pytest-django's live
server thread, the same WSGI handler gunicorn runs) with the SDK's own client."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from integrations.models import Integration
from tests.api.helpers import make_key


def run_async(main):
    """Runs a client coroutine on a thread of its own: a browser test's Playwright may have
    left an event loop running on the main thread, where anyio.run refuses to start one."""
    with ThreadPoolExecutor(max_workers=1) as runner:
        return runner.submit(anyio.run, main).result()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def mcp_url(live_server):
    return live_server.url + "/mcp"


@pytest.fixture
def key(org, owner):
    """A full-access key of ``org``: (ApiKey, raw secret)."""
    return make_key(org, actor=owner)


@pytest.fixture
def channel(org):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        username="@acme@social.example",
        credentials={"access_token": "t"},
        meta={"instance": "https://social.example", "account_id": "109"},
        posting_times=["09:00", "17:00"],
        timezone="Europe/Paris",
    )


class Agent:
    """An MCP client session with a key, driven from a synchronous test."""

    def __init__(self, url: str, raw_key: str):
        self.url = url
        self.raw_key = raw_key

    def run(self, work):
        async def main():
            headers = {"Authorization": f"Bearer {self.raw_key}"}
            async with (
                create_mcp_http_client(headers=headers) as http,
                streamable_http_client(self.url, http_client=http) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                return await work(session)

        return run_async(main)

    def call(self, name: str, arguments: dict | None = None):
        """(is_error, answer): the tool's JSON answer, or its error text."""

        async def work(session):
            return await session.call_tool(name, arguments or {})

        result = self.run(work)
        text = "".join(part.text for part in result.content if part.type == "text")
        if result.is_error:
            return True, text
        return False, json.loads(text)


@pytest.fixture
def agent(mcp_url, key):
    return Agent(mcp_url, key[1])


@pytest.fixture
def agent_for(mcp_url):
    def make(raw_key: str) -> Agent:
        return Agent(mcp_url, raw_key)

    return make
