"""GET /public/v1/social/:provider answers the network's own sign-in address (spec 2.7):
its state is kept on the server, so the callback accepts it in whatever browser the person
opens it, once, while they are signed in as a member who may connect channels."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache

from integrations.connect import DETACHED_PREFIX
from integrations.models import InstanceApp, Integration
from organizations.permissions import Role
from tests.factories import MembershipFactory
from tests.integrations.conftest import reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_network(settings, httpserver):
    from tests.providers.conftest import point

    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "X_CLIENT_ID": "x-client-id",
        "X_CLIENT_SECRET": "x-client-secret",
    }
    point(settings, httpserver, "x", auth="/x-auth", api="/x-api", upload="/x-upload")
    return httpserver


def _sign_in_address(api, provider="x", **query):
    response = api.get(f"/public/v1/social/{provider}", query)
    assert response.status_code == 200, response.content
    url = urlsplit(response.json()["url"])
    return url, {k: v[0] for k, v in parse_qs(url.query).items()}


def _expect_x_login(httpserver):
    httpserver.expect_request("/x-api/2/oauth2/token", method="POST").respond_with_response(
        reply("x", "token")
    )
    httpserver.expect_request("/x-api/2/users/me").respond_with_response(reply("x", "users_me"))


def test_the_answer_is_the_networks_sign_in_address_and_its_callback_connects(
    api, x_network, org, owner, client_for, settings
):
    url, params = _sign_in_address(api)
    assert url.path == "/x-auth"
    assert params["client_id"] == "x-client-id"
    assert params["redirect_uri"] == settings.SITE_URL + "/integrations/x/callback/"
    assert params["code_challenge_method"] == "S256" and params["code_challenge"]
    _expect_x_login(x_network)
    browser = client_for(owner)  # the person, in a browser the API client never saw
    response = browser.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    channel = Integration.objects.get(organization=org, provider="x")
    assert response.status_code == 302 and response["Location"] == f"/o/acme/channels/{channel.pk}/"
    assert channel.connected_by == owner
    again = browser.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert again.status_code == 400 and b"already used" in again.content


def test_the_state_connects_nothing_for_someone_who_may_not_connect_channels(
    api, x_network, org, client_for, outsider
):
    _, params = _sign_in_address(api)
    viewer = MembershipFactory(organization=org, role=Role.VIEWER).user
    refused = client_for(viewer).get(
        "/integrations/x/callback/", {"state": params["state"], "code": "c"}
    )
    assert refused.status_code == 403
    _, params = _sign_in_address(api)
    stranger = client_for(outsider).get(
        "/integrations/x/callback/", {"state": params["state"], "code": "c"}
    )
    assert stranger.status_code == 400
    assert not Integration.objects.exists() and len(x_network.log) == 0


def test_an_expired_state_is_refused(api, x_network, owner, client_for, settings):
    _, params = _sign_in_address(api)
    key = DETACHED_PREFIX + params["state"]
    entry = cache.get(key)
    entry["created"] = time.time() - settings.POSTIZ_CONNECT_STATE_SECONDS - 1
    cache.set(key, entry)
    response = client_for(owner).get(
        "/integrations/x/callback/", {"state": params["state"], "code": "c"}
    )
    assert response.status_code == 400 and b"expired" in response.content
    assert not Integration.objects.exists()


def test_a_custom_instance_network_signs_in_on_the_server_asked_for(
    api, httpserver, org, owner, client_for
):
    origin = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/api/v2/instance").respond_with_response(
        reply("mastodon", "instance_v2")
    )
    httpserver.expect_request("/api/v1/apps", method="POST").respond_with_response(
        reply("mastodon", "app")
    )
    url, params = _sign_in_address(api, "mastodon", instance=origin)
    assert f"{url.scheme}://{url.netloc}" == origin and url.path == "/oauth/authorize"
    app = InstanceApp.objects.get(provider="mastodon", instance_url=origin)
    assert params["client_id"] == app.client_id
    httpserver.expect_request("/oauth/token", method="POST").respond_with_response(
        reply("mastodon", "token")
    )
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_response(
        reply("mastodon", "verify_credentials")
    )
    response = client_for(owner).get(
        "/integrations/mastodon/callback/", {"state": params["state"], "code": "abc"}
    )
    assert response.status_code == 302, response.content[:500]
    assert Integration.objects.get(organization=org, provider="mastodon").meta["instance"] == origin


def test_networks_that_connect_with_a_form_or_are_not_configured_say_so(api, settings):
    for form_network in ("bluesky", "telegram", "nostr", "lemmy", "discord"):
        response = api.get(f"/public/v1/social/{form_network}")
        assert response.status_code == 400
        assert response.json() == {
            "msg": "This integration cannot be connected through the public API"
        }
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "X_CLIENT_ID": ""}
    response = api.get("/public/v1/social/x")
    assert response.status_code == 400 and "X_CLIENT_ID" in response.json()["msg"]


def test_a_refresh_must_name_a_channel_of_that_network(api, x_network, channel):
    response = api.get(f"/public/v1/social/x?refresh={channel.public_id}")
    assert response.status_code == 400
    assert response.json() == {"msg": "That channel is not on X"}
