"""Lookup tools on both surfaces. Compatible (spec 2.7): integration-settings lists
each network's tools, integration-trigger runs one with the channel's token and answers the
contract's errors. Native: settings-schema lists them, POST channels/{id}/tools/{name}
runs one."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integrations.models import Integration
from tests.api.helpers import make_key
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.conftest import point

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake(httpserver):
    return FakeNetwork(httpserver)


@pytest.fixture
def masto(org, fake):
    return Integration.objects.create(
        organization=org,
        provider="mastodon",
        external_id="109",
        name="Acme on Mastodon",
        credentials={"access_token": "masto-token"},
        meta={"instance": fake.origin, "account_id": "109"},
    )


def _trigger(api, channel, body):
    return api.post(
        f"/public/v1/integration-trigger/{channel.public_id}", body, content_type="application/json"
    )


def test_integration_settings_list_the_networks_tools_with_their_inputs(api, masto, x_channel):
    tools = api.get(f"/public/v1/integration-settings/{masto.public_id}").json()["output"]["tools"]
    assert tools == [
        {
            "methodName": "mention",
            "description": tools[0]["description"],
            "dataSchema": [
                {
                    "key": "query",
                    "type": "string",
                    "description": "A name or handle, e.g. alice or alice@example",
                }
            ],
        }
    ]
    body = api.get(f"/public/v1/integration-settings/{x_channel.public_id}").json()["output"]
    assert [t["methodName"] for t in body["tools"]] == ["lists", "communities"]


def test_a_tool_answers_201_with_its_output(api, masto, fake):
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "accounts_search"))
    response = _trigger(api, masto, {"methodName": "mention", "data": {"query": "alice"}})
    assert response.status_code == 201, response.content
    output = response.json()["output"]
    assert [row["id"] for row in output] == ["109302", "110555"]
    assert fake.calls[0].headers["Authorization"] == "Bearer masto-token"


def test_an_unknown_tool_is_tool_not_found(api, masto, fake):
    response = _trigger(api, masto, {"methodName": "boards"})
    assert response.status_code == 404 and response.json() == {"msg": "Tool not found"}
    assert fake.calls == []


def test_bad_input_is_a_400_in_the_validation_shape(api, masto, fake):
    response = _trigger(api, masto, {"methodName": "mention", "data": {"query": ["x"]}})
    assert response.status_code == 400
    assert response.json() == {
        "statusCode": 400,
        "message": ["query must be a string"],
        "error": "Bad Request",
    }
    missing = _trigger(api, masto, {"methodName": "mention"})
    assert missing.json()["message"] == ["query is required"]
    assert fake.calls == []


def test_another_organizations_channel_is_an_unknown_integration(api, other_org, fake):
    theirs = Integration.objects.create(
        organization=other_org,
        provider="mastodon",
        external_id="7",
        name="Theirs",
        credentials={"access_token": "their-token"},
        meta={"instance": fake.origin},
    )
    response = _trigger(api, theirs, {"methodName": "mention", "data": {"query": "a"}})
    assert response.status_code == 404 and response.json() == {"msg": "Integration not found"}
    assert fake.calls == []


def test_a_channel_that_needs_reconnecting_is_a_409(api, masto, fake):
    Integration.objects.filter(pk=masto.pk).update(status=Integration.Status.NEEDS_RECONNECT)
    response = _trigger(api, masto, {"methodName": "mention", "data": {"query": "a"}})
    assert response.status_code == 409
    assert response.json() == {"msg": "Channel disconnected due to expired token"}


def test_a_revoked_grant_disconnects_the_channel_and_answers_409(api, masto, fake):
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "unauthorized"))
    response = _trigger(api, masto, {"methodName": "mention", "data": {"query": "a"}})
    assert response.status_code == 409
    masto.refresh_from_db()
    assert masto.status == Integration.Status.NEEDS_RECONNECT


def test_a_network_failure_is_a_502_saying_what_the_network_answered(api, masto, fake):
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "rate_limited"))
    response = _trigger(api, masto, {"methodName": "mention", "data": {"query": "a"}})
    assert response.status_code == 502
    body = response.json()
    assert body["msg"] == "Unexpected error" and "slow down" in body["detail"]


def test_an_expired_token_is_refreshed_before_the_tool_runs(api, org, fake, settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "X_CLIENT_ID": "x-client-id",
        "X_CLIENT_SECRET": "x-client-secret",
    }
    point(settings, httpserver, "x", auth="/a", api="/b", upload="/u")
    channel = Integration.objects.create(
        organization=org,
        provider="x",
        external_id="2244994945",
        name="Acme on X",
        credentials={"access_token": "old", "refresh_token": "x-refresh-old"},
        token_expires_at=timezone.now() - timedelta(minutes=5),
    )
    fake.on("POST", r"/b/2/oauth2/token", answer("x", "token_rotated"))
    fake.on("GET", r"/b/2/users/2244994945/owned_lists", answer("x", "owned_lists"))
    response = _trigger(api, channel, {"methodName": "lists"})
    assert response.status_code == 201, response.content
    channel.refresh_from_db()
    [call] = fake.sent("GET", r"/b/2/users/2244994945/owned_lists")
    assert call.headers["Authorization"] == f"Bearer {channel.credentials['access_token']}"
    assert channel.credentials["access_token"] != "old"


def test_a_key_without_channels_read_may_not_run_tools(org, masto):
    _key, raw = make_key(org, scopes=["posts:read"])
    response = Client(HTTP_AUTHORIZATION=raw).post(
        f"/public/v1/integration-trigger/{masto.public_id}",
        {"methodName": "mention", "data": {"query": "a"}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {"msg": "Missing scope: channels:read"}


# -- Native: /api/v1/channels/{id}/tools/{name} -----------------------------------------
def _native(raw):
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_native_schema_lists_the_tools_and_a_tool_runs_there_too(key, masto, fake):
    native = _native(key[1])
    schema = native.get(f"/api/v1/channels/{masto.public_id}/settings-schema").json()
    assert [t["methodName"] for t in schema["tools"]] == ["mention"]
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "accounts_search"))
    url = f"/api/v1/channels/{masto.public_id}/tools/mention"
    response = native.post(url, {"query": "alice"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["output"]] == ["109302", "110555"]


def test_native_tool_errors_are_problem_details(key, masto, fake, other_org):
    native = _native(key[1])
    url = f"/api/v1/channels/{masto.public_id}/tools"
    unknown = native.post(f"{url}/boards", {}, content_type="application/json")
    assert unknown.status_code == 404 and unknown["Content-Type"] == "application/problem+json"
    bad = native.post(f"{url}/mention", {}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "query"
    fake.on("GET", r"/api/v1/accounts/search", answer("mastodon", "rate_limited"))
    failed = native.post(f"{url}/mention", {"query": "a"}, content_type="application/json")
    assert failed.status_code == 502 and "slow down" in failed.json()["detail"]
    Integration.objects.filter(pk=masto.pk).update(status=Integration.Status.NEEDS_RECONNECT)
    gone = native.post(f"{url}/mention", {"query": "a"}, content_type="application/json")
    assert gone.status_code == 409 and gone.json()["type"].endswith("channel_disconnected")
    theirs = Integration.objects.create(
        organization=other_org, provider="mastodon", external_id="7", name="Theirs"
    )
    foreign = native.post(
        f"/api/v1/channels/{theirs.public_id}/tools/mention",
        {"query": "a"},
        content_type="application/json",
    )
    assert foreign.status_code == 404
    _key, narrow = make_key(masto.organization, scopes=["posts:read"])
    refused = _native(narrow).post(
        f"{url}/mention", {"query": "a"}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["scope"] == "channels:read"
