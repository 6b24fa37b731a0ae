"""Ghost's look-ups: tags and newsletters for the composer."""

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.ghost import GhostProvider
from tests.providers.ghost.support import ghost_channel, reply


@pytest.fixture
def channel(httpserver):
    return ghost_channel(httpserver.url_for("/").rstrip("/"))


def test_the_sites_tags_are_listed(httpserver, channel):
    httpserver.expect_request("/ghost/api/admin/tags/").respond_with_response(reply("tags"))
    provider = GhostProvider()
    assert provider.run_tool(channel, "tags", {}) == [
        {"id": "6740b1c29c2b3e0001f49a10", "name": "News", "slug": "news"},
        {"id": "6740b1c29c2b3e0001f49a11", "name": "Workshop", "slug": "workshop"},
    ]
    assert httpserver.log[0][0].args["limit"] == "all"


def test_active_newsletters_are_offered_by_slug(httpserver, channel):
    httpserver.expect_request("/ghost/api/admin/newsletters/").respond_with_response(
        reply("newsletters")
    )
    provider = GhostProvider()
    assert provider.run_tool(channel, "newsletters", {}) == [
        {"id": "6740b1c29c2b3e0001f49a01", "name": "Acme Weekly", "slug": "default-newsletter"}
    ]
    assert httpserver.log[0][0].args["filter"] == "status:active"
    assert provider.options("newsletter", channel) == [
        {"value": "default-newsletter", "label": "Acme Weekly"}
    ]


def test_a_plan_without_integrations_says_so(httpserver, channel):
    httpserver.expect_request("/ghost/api/admin/tags/").respond_with_response(reply("host_limit"))
    with pytest.raises(ProviderError) as caught:
        GhostProvider().run_tool(channel, "tags", {})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "plan" in caught.value.user_message
