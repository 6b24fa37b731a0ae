"""listmonk's look-ups: lists and campaign templates for the composer."""

import pytest

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.listmonk import ListmonkProvider
from tests.providers.listmonk.support import listmonk_channel, reply


@pytest.fixture
def channel(httpserver):
    return listmonk_channel(httpserver.url_for("/").rstrip("/"))


def test_lists_are_offered_by_id_with_their_names(httpserver, channel):
    httpserver.expect_request("/api/lists").respond_with_response(reply("lists"))
    assert ListmonkProvider().options("lists", channel) == [
        {"value": "3", "label": "Acme customers"},
        {"value": "5", "label": "Workshop news"},
    ]


def test_only_campaign_templates_are_offered(httpserver, channel):
    httpserver.expect_request("/api/templates").respond_with_response(reply("templates"))
    found = ListmonkProvider().run_tool(channel, "templates", {})
    assert found == [
        {"id": "1", "name": "Default campaign template", "default": True},
        {"id": "2", "name": "Default archive template", "default": False},
    ]


def test_an_api_user_without_the_permission_is_told_which(httpserver, channel):
    httpserver.expect_request("/api/lists").respond_with_response(reply("permission_denied"))
    with pytest.raises(ProviderError) as caught:
        ListmonkProvider().run_tool(channel, "lists", {})
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
    assert "campaigns:manage" in caught.value.user_message
