"""/mcp over HTTP: the handshake, the refusals before any tool runs (no key, a bad key, a
GET), and what an agent sees of the tools."""

from __future__ import annotations

import json

import httpx2
import pytest

from integrations.models import Integration
from tests.mcp.conftest import run_async

pytestmark = pytest.mark.django_db(transaction=True)

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "curl", "version": "1"},
    },
}
ACCEPT = {"Accept": "application/json, text/event-stream"}


def test_agent_initializes_and_sees_every_tool_with_documented_inputs(agent):
    async def work(session):
        return await session.list_tools()

    tools = {tool.name: tool for tool in agent.run(work).tools}
    assert {
        "list_channels",
        "get_channel_rules",
        "find_next_slot",
        "create_post",
        "update_post",
        "delete_post",
        "list_posts",
        "get_post",
        "upload_media_from_url",
        "get_post_analytics",
        "get_channel_analytics",
    } <= set(tools)
    for tool in tools.values():
        assert tool.description, tool.name
        for name, field in tool.input_schema.get("properties", {}).items():
            assert field.get("description"), f"{tool.name}.{name} has no description"
    assert tools["list_posts"].annotations.read_only_hint is True
    assert tools["delete_post"].annotations.destructive_hint is True


def test_initialize_answers_the_server_and_its_instructions(mcp_url, key):
    response = httpx2.post(
        mcp_url, json=INITIALIZE, headers={**ACCEPT, "Authorization": f"Bearer {key[1]}"}
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["serverInfo"]["name"] == "Postiz"
    assert "list_channels" in result["instructions"]
    assert "mcp-session-id" not in response.headers  # stateless: no session to keep


def test_request_without_key_is_401_pointing_at_the_resource_metadata(mcp_url):
    response = httpx2.post(mcp_url, json=INITIALIZE, headers=ACCEPT)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'resource_metadata="' in challenge
    assert '/.well-known/oauth-protected-resource"' in challenge
    assert "invalid_token" not in challenge
    assert "Authorization: Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize("sent", ["Bearer pz_not-a-key", "Bearer pos_unknown-token"])
def test_unknown_key_is_401_invalid_token(mcp_url, sent):
    response = httpx2.post(mcp_url, json=INITIALIZE, headers={**ACCEPT, "Authorization": sent})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_revoked_key_is_refused(mcp_url, key, owner):
    from organizations.services import api_key_revoke

    api_key_revoke(key=key[0], actor=owner)
    response = httpx2.post(
        mcp_url, json=INITIALIZE, headers={**ACCEPT, "Authorization": f"Bearer {key[1]}"}
    )
    assert response.status_code == 401


def test_get_is_405_as_the_spec_asks_of_a_server_without_event_stream(mcp_url, key):
    response = httpx2.get(
        mcp_url,
        headers={"Accept": "text/event-stream", "Authorization": f"Bearer {key[1]}"},
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_a_tool_error_is_a_result_with_is_error_never_an_http_error(mcp_url, key):
    call = {
        "jsonrpc": "2.0",
        "id": 2,
        "method": "tools/call",
        "params": {"name": "get_post", "arguments": {"post_id": "not-a-uuid"}},
    }
    response = httpx2.post(
        mcp_url,
        json=call,
        headers={
            **ACCEPT,
            "Authorization": f"Bearer {key[1]}",
            "MCP-Protocol-Version": "2025-11-25",
        },
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["isError"] is True
    assert "not found" in result["content"][0]["text"]


def test_the_channel_rules_resource_reads_one_channel(agent, channel):
    async def work(session):
        templates = await session.list_resource_templates()
        read = await session.read_resource(f"postiz://channels/{channel.public_id}/rules")
        return templates, read

    templates, read = agent.run(work)
    assert [t.uri_template for t in templates.resource_templates] == [
        "postiz://channels/{channel_id}/rules"
    ]
    assert '"max_length": 500' in read.contents[0].text


def test_the_plan_posts_prompt_guides_an_agent_to_drafts(agent):
    async def work(session):
        listed = await session.list_prompts()
        got = await session.get_prompt("plan_posts", {"subject": "our spring sale"})
        return listed, got

    listed, got = agent.run(work)
    assert [p.name for p in listed.prompts] == ["plan_posts"]
    text = got.messages[0].content.text
    assert "our spring sale" in text
    assert 'action "draft"' in text


def test_a_client_of_the_newest_revision_works_without_a_handshake(mcp_url, key, channel):
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async def main():
        headers = {"Authorization": f"Bearer {key[1]}"}
        async with create_mcp_http_client(headers=headers) as http:
            transport = streamable_http_client(mcp_url, http_client=http)
            async with Client(transport, mode="2026-07-28") as client:
                result = await client.call_tool("list_channels", {})
                return client.protocol_version, result

    version, result = run_async(main)
    assert version == "2026-07-28"
    assert not result.is_error
    assert str(channel.public_id) in result.content[0].text


def test_an_unexpected_failure_is_a_tool_error_not_a_500(agent, channel, monkeypatch):
    from postiz.mcp_server import tools

    def broken(integration):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(tools, "_rules", broken)
    failed, text = agent.call("list_channels")
    assert failed
    assert "Something failed on our side" in text
    assert "fire" not in text


def test_a_key_over_its_request_rate_is_told_when_to_retry(mcp_url, key):
    key[0].request_rate = 1
    key[0].save(update_fields=["request_rate"])
    headers = {**ACCEPT, "Authorization": f"Bearer {key[1]}"}
    assert httpx2.post(mcp_url, json=INITIALIZE, headers=headers).status_code == 200
    refused = httpx2.post(mcp_url, json=INITIALIZE, headers=headers)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1


@pytest.mark.django_db(transaction=False)
def test_processes_that_only_build_links_never_load_the_sdk():
    """The publisher and the job workers load the URLs (to build links); the SDK's ~30 MB
    of modules is for the web server alone."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, django; django.setup(); import postiz.urls; "
        "from django.urls import reverse; reverse('mcp'); "
        "print('mcp.server' in sys.modules, 'starlette' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "postiz.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.split()[-2:] == ["False", "False"]


def test_a_browser_page_of_another_site_is_refused(mcp_url, key, live_server):
    headers = {**ACCEPT, "Authorization": f"Bearer {key[1]}"}
    refused = httpx2.post(
        mcp_url, json=INITIALIZE, headers={**headers, "Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert "CSRF_TRUSTED_ORIGINS" in refused.json()["error"]["message"]
    same_site = httpx2.post(
        mcp_url, json=INITIALIZE, headers={**headers, "Origin": live_server.url}
    )
    assert same_site.status_code == 200


def test_a_channel_with_post_settings_answers_its_rules_and_their_schema(agent, org):
    x = Integration.objects.create(
        organization=org,
        provider="x",
        external_id="42",
        name="Acme on X",
        credentials={"access_token": "t"},
    )

    failed, tool = agent.call("get_channel_rules", {"channel_id": str(x.public_id)})
    assert not failed, tool
    assert "who_can_reply_post" in tool["rules"]["settings"]

    async def work(session):
        return await session.read_resource(f"postiz://channels/{x.public_id}/rules")

    read = agent.run(work)
    rules = json.loads(read.contents[0].text)
    assert "who_can_reply_post" in rules["rules"]["settings"]
    assert rules["settings_schema"]["properties"]["who_can_reply_post"]["title"] == "Who can reply"
