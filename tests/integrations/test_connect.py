"""Connect flows through the pages, against real providers faked at the HTTP boundary."""

import base64
import hashlib
import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client

from integrations.connect import STATES_KEY
from integrations.models import Integration
from organizations.models import AuditEvent
from organizations.permissions import Role
from tests.factories import MembershipFactory

from .conftest import recorded, reply

pytestmark = pytest.mark.django_db

BLUESKY_PASSWORD = "abcd-efgh-ijkl-mnop"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


# -- OAuth (X, with PKCE) ---------------------------------------------------------------
def _start_x(client, slug="acme"):
    response = client.post(f"/o/{slug}/channels/connect/x/")
    assert response.status_code == 302, response.content[:500]
    location = urlsplit(response["Location"])
    return location, {k: v[0] for k, v in parse_qs(location.query).items()}


def _expect_x_login(httpserver, captured):
    def token(request):
        captured.append(dict(request.form))
        return reply("x", "token")

    httpserver.expect_request("/x-api/2/oauth2/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/x-api/2/users/me").respond_with_response(reply("x", "users_me"))


def test_oauth_connect_binds_state_and_pkce_and_creates_the_channel(
    x_network, org, owner, client_for, settings
):
    client = client_for(owner)
    location, params = _start_x(client)
    assert location.path == "/x-auth"
    assert params["redirect_uri"] == settings.SITE_URL + "/integrations/x/callback/"
    assert params["code_challenge_method"] == "S256"
    stored = client.session[STATES_KEY][params["state"]]
    assert stored["organization_id"] == org.pk and stored["provider"] == "x"
    digest = hashlib.sha256(stored["verifier"].encode()).digest()
    assert params["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    captured = []
    _expect_x_login(x_network, captured)
    response = client.get(
        "/integrations/x/callback/", {"state": params["state"], "code": "the-code"}
    )

    channel = Integration.objects.get(organization=org, provider="x")
    assert response.status_code == 302
    assert response["Location"] == f"/o/acme/channels/{channel.pk}/"
    assert captured[0]["code"] == "the-code"
    assert captured[0]["code_verifier"] == stored["verifier"]
    assert channel.external_id == "2244994945" and channel.name == "X Developers"
    assert channel.credentials["refresh_token"] == "x-refresh-bbb222"
    assert channel.token_expires_at is not None and "tweet.write" in channel.scopes
    assert channel.connected_by == owner
    assert AuditEvent.objects.filter(action="channel.connected", target_id=str(channel.pk))


def test_a_state_from_another_session_is_refused(x_network, org, owner, client_for):
    _, params = _start_x(client_for(owner))
    other = client_for(owner)  # same person, another browser
    response = other.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert response.status_code == 400
    assert b"not valid in this browser session" in response.content
    assert not Integration.objects.exists()
    assert len(x_network.log) == 0  # the code was never exchanged


def test_a_state_is_used_once(x_network, org, owner, client_for):
    client = client_for(owner)
    _, params = _start_x(client)
    _expect_x_login(x_network, [])
    first = client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert first.status_code == 302
    again = client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert again.status_code == 400
    assert b"already used" in again.content
    assert Integration.objects.count() == 1


def test_an_expired_state_is_refused_with_a_way_to_start_again(
    x_network, org, owner, client_for, settings
):
    client = client_for(owner)
    _, params = _start_x(client)
    session = client.session
    entries = session[STATES_KEY]
    entries[params["state"]]["created"] = time.time() - settings.POSTIZ_CONNECT_STATE_SECONDS - 1
    session[STATES_KEY] = entries
    session.save()

    response = client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})

    assert response.status_code == 400
    assert b"expired" in response.content
    assert b"Back to channels" in response.content
    assert not Integration.objects.exists()


def test_a_state_for_another_network_is_refused(x_network, org, owner, client_for):
    client = client_for(owner)
    _, params = _start_x(client)
    response = client.get(
        "/integrations/bluesky/callback/", {"state": params["state"], "code": "c"}
    )
    assert response.status_code == 400
    assert b"another network" in response.content
    assert not Integration.objects.exists()


def test_someone_who_lost_the_right_to_manage_channels_cannot_finish(x_network, org, client_for):
    membership = MembershipFactory(organization=org, role=Role.ADMIN)
    client = client_for(membership.user)
    _, params = _start_x(client)
    membership.role = Role.VIEWER
    membership.save()
    response = client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert response.status_code == 403
    assert not Integration.objects.exists()


def test_a_refused_login_on_the_network_is_explained(x_network, org, owner, client_for):
    client = client_for(owner)
    _, params = _start_x(client)
    response = client.get(
        "/integrations/x/callback/", {"state": params["state"], "error": "access_denied"}
    )
    assert response.status_code == 400
    assert b"did not connect the account" in response.content
    assert b"/o/acme/channels/connect/x/" in response.content


def test_a_failed_code_exchange_shows_the_networks_message_and_saves_nothing(
    x_network, org, owner, client_for
):
    client = client_for(owner)
    _, params = _start_x(client)
    x_network.expect_request("/x-api/2/oauth2/token").respond_with_response(
        reply("x", "token_invalid_client")
    )
    response = client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert response.status_code == 400
    assert b"X_CLIENT_ID" in response.content  # the provider's own message
    assert not Integration.objects.exists()


def test_a_network_answering_garbage_is_a_message_not_a_500(x_network, org, owner, client_for):
    client = client_for(owner)
    _, params = _start_x(client)
    x_network.expect_request("/x-api/2/oauth2/token").respond_with_data(
        "<html>oops</html>", status=200, content_type="text/html"
    )
    response = client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})
    assert response.status_code == 400
    assert not Integration.objects.exists()


def test_a_network_without_its_settings_is_shown_as_not_configured(org, owner, client_for):
    owner.is_staff = True  # the instance's administrator, who can set them
    owner.save()
    response = client_for(owner).get("/o/acme/channels/")
    assert b"Not configured" in response.content
    assert b"X_CLIENT_ID" in response.content
    start = client_for(owner).post("/o/acme/channels/connect/x/", follow=True)
    assert b"not configured on this instance: set X_CLIENT_ID" in start.content


def test_reconnecting_updates_the_same_channel_and_keeps_its_settings(
    x_network, org, owner, client_for, make_channel
):
    channel = make_channel(
        name="Our X",
        posting_times=["08:15"],
        preferences={"premium": True},
        status=Integration.Status.NEEDS_RECONNECT,
        last_error="revoked",
    )
    client = client_for(owner)
    _, params = _start_x(client)
    _expect_x_login(x_network, [])
    client.get("/integrations/x/callback/", {"state": params["state"], "code": "c"})

    assert Integration.objects.count() == 1
    channel.refresh_from_db()
    assert channel.status == Integration.Status.ACTIVE and channel.last_error == ""
    assert channel.posting_times == ["08:15"] and channel.preferences == {"premium": True}
    assert channel.credentials["access_token"] == "x-access-aaa111"
    assert AuditEvent.objects.filter(action="channel.reconnected", target_id=str(channel.pk))


# -- Credential form (Bluesky) ----------------------------------------------------------
def _bluesky_form(httpserver, **overrides):
    return {
        "service": httpserver.url_for("/").rstrip("/"),
        "identifier": "alice.example.com",
        "app_password": BLUESKY_PASSWORD,
        **overrides,
    }


def test_bluesky_connects_with_an_app_password_and_stores_it_encrypted(
    httpserver, org, owner, client_for, caplog
):
    caplog.set_level(logging.DEBUG)
    pds = httpserver.url_for("/pds").rstrip("/")
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        reply("bluesky", "create_session", pds=pds)
    )
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_response(
        reply("bluesky", "get_profile", pds=pds)
    )
    client = client_for(owner)
    form_page = client.get("/o/acme/channels/connect/bluesky/")
    assert b'type="password"' in form_page.content

    response = client.post("/o/acme/channels/connect/bluesky/", _bluesky_form(httpserver))

    channel = Integration.objects.get(organization=org, provider="bluesky")
    assert response.status_code == 302
    assert channel.external_id == DID
    assert channel.credentials["app_password"] == BLUESKY_PASSWORD
    access = recorded("bluesky", "create_session")["body"]["accessJwt"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_integration WHERE id = %s", [channel.pk])
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert BLUESKY_PASSWORD not in raw and access not in raw
    page = client.get(f"/o/acme/channels/{channel.pk}/")
    assert BLUESKY_PASSWORD.encode() not in page.content and access.encode() not in page.content
    assert b"app_password" in page.content  # the names of what is stored, not the values
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert BLUESKY_PASSWORD not in logged and access not in logged


def test_a_wrong_app_password_is_explained_and_nothing_is_saved(httpserver, org, owner, client_for):
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        reply("bluesky", "authentication_required")
    )
    response = client_for(owner).post(
        "/o/acme/channels/connect/bluesky/", _bluesky_form(httpserver)
    )
    assert response.status_code == 400
    assert b"app password" in response.content
    assert BLUESKY_PASSWORD.encode() not in response.content  # never rendered back
    assert not Integration.objects.exists()


def test_a_garbage_answer_to_a_credential_login_is_a_message(httpserver, org, owner, client_for):
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_data(
        "not json at all", status=200
    )
    response = client_for(owner).post(
        "/o/acme/channels/connect/bluesky/", _bluesky_form(httpserver)
    )
    assert response.status_code == 400
    assert b"form-errors" in response.content
    assert not Integration.objects.exists()


def test_an_unknown_network_is_not_found(org, owner, client_for):
    assert client_for(owner).get("/o/acme/channels/connect/myspace/").status_code == 404
    assert Client().get("/integrations/myspace/callback/").status_code == 302  # login first
