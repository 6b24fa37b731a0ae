"""Custom-instance OAuth (Mastodon) and account selection (LinkedIn pages), through the
pages, against the real providers faked at the HTTP boundary."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from integrations.connect import PENDING_KEY
from integrations.models import InstanceApp, Integration
from tests.factories import OrganizationFactory

from .conftest import point, recorded, reply

pytestmark = pytest.mark.django_db

APP_SECRET = recorded("mastodon", "app")["body"]["client_secret"]


# -- Mastodon ---------------------------------------------------------------------------
@pytest.fixture
def instance(httpserver):
    """A Mastodon server: its instance description and app registration."""
    registrations = []

    def apps(request):
        registrations.append(request.get_json())
        return reply("mastodon", "app")

    httpserver.expect_request("/api/v2/instance").respond_with_response(
        reply("mastodon", "instance_v2")
    )
    httpserver.expect_request("/api/v1/apps", method="POST").respond_with_handler(apps)
    origin = httpserver.url_for("/").rstrip("/")
    return origin, registrations


def _start_mastodon(client, origin):
    response = client.post("/o/acme/channels/connect/mastodon/", {"instance_url": origin})
    assert response.status_code == 302, response.content[:800]
    location = urlsplit(response["Location"])
    return location, {k: v[0] for k, v in parse_qs(location.query).items()}


def _expect_token(httpserver, name="token", forms=None):
    def token(request):
        if forms is not None:
            forms.append(dict(request.form))
        return reply("mastodon", name)

    httpserver.expect_request("/oauth/token", method="POST").respond_with_handler(token)
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_response(
        reply("mastodon", "verify_credentials")
    )


def test_mastodon_registers_an_app_once_per_server_and_connects(
    httpserver, instance, org, owner, client_for
):
    origin, registrations = instance
    client = client_for(owner)
    location, params = _start_mastodon(client, origin)
    assert location.path == "/oauth/authorize"
    assert registrations[0]["redirect_uris"].endswith("/integrations/mastodon/callback/")
    app = InstanceApp.objects.get(provider="mastodon", instance_url=origin)
    assert params["client_id"] == app.client_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM integrations_instanceapp WHERE id = %s", [app.pk])
        assert APP_SECRET not in cursor.fetchone()[0]

    forms = []
    _expect_token(httpserver, forms=forms)
    response = client.get(
        "/integrations/mastodon/callback/", {"state": params["state"], "code": "abc"}
    )

    assert response.status_code == 302, response.content[:800]
    channel = Integration.objects.get(organization=org, provider="mastodon")
    assert forms[0]["client_secret"] == APP_SECRET and forms[0]["code"] == "abc"
    assert channel.credentials["access_token"]
    assert channel.meta["instance"] == origin

    _start_mastodon(client, origin)  # a second connect reuses the registration
    assert len(registrations) == 1


def test_a_server_that_forgot_our_app_gets_a_new_registration_and_a_new_login(
    httpserver, instance, org, owner, client_for
):
    origin, registrations = instance
    client = client_for(owner)
    _, params = _start_mastodon(client, origin)
    httpserver.expect_request("/oauth/token").respond_with_response(
        reply("mastodon", "invalid_client")
    )

    response = client.get(
        "/integrations/mastodon/callback/", {"state": params["state"], "code": "abc"}
    )

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/oauth/authorize"
    assert len(registrations) == 2
    assert not Integration.objects.exists()


def test_an_address_that_is_not_a_mastodon_server_is_explained(httpserver, org, owner, client_for):
    httpserver.expect_request("/api/v2/instance").respond_with_data("<html>blog</html>")
    httpserver.expect_request("/api/v1/instance").respond_with_data("<html>blog</html>")
    response = client_for(owner).post(
        "/o/acme/channels/connect/mastodon/", {"instance_url": httpserver.url_for("/")}
    )
    assert response.status_code == 400
    assert b"does not look like a Mastodon server" in response.content
    assert not InstanceApp.objects.exists() and not Integration.objects.exists()


# -- LinkedIn pages: one login, several accounts ----------------------------------------
@pytest.fixture
def linkedin(settings, httpserver):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "LINKEDIN_CLIENT_ID": "li-client-id",
        "LINKEDIN_CLIENT_SECRET": "li-client-secret",
    }
    point(settings, httpserver, "linkedin-page", auth="/a", token="/t", api="/b")
    httpserver.expect_request("/t", method="POST").respond_with_response(
        reply("linkedin", "token_page")
    )
    httpserver.expect_request("/b/rest/organizationAcls").respond_with_response(
        reply("linkedin", "organization_acls")
    )
    httpserver.expect_request("/b/rest/organizations").respond_with_response(
        reply("linkedin", "organizations")
    )
    return httpserver


def _login_linkedin_pages(client):
    start = client.post("/o/acme/channels/connect/linkedin-page/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    return client.get("/integrations/linkedin-page/callback/", {"state": state, "code": "c"})


def test_a_login_with_several_pages_asks_which_to_add(linkedin, org, owner, client_for):
    client = client_for(owner)
    response = _login_linkedin_pages(client)
    assert response.status_code == 302 and "/channels/select/" in response["Location"]
    token = recorded("linkedin", "token_page")["body"]["access_token"]
    sealed = str(client.session[PENDING_KEY])
    assert token not in sealed  # the grant waits encrypted

    page = client.get(response["Location"])
    assert b"Devtestco" in page.content and b"Example Corp" in page.content
    assert not Integration.objects.exists()

    empty = client.post(response["Location"], {})
    assert empty.status_code == 400 and b"Tick at least one" in empty.content

    done = client.post(response["Location"], {"accounts": ["5583111"]})
    assert done.status_code == 302
    channel = Integration.objects.get()
    assert (channel.provider, channel.external_id, channel.name) == (
        "linkedin-page",
        "5583111",
        "Example Corp",
    )
    assert channel.credentials["access_token"] == token
    assert client.get(response["Location"]).status_code == 400  # used up


def test_a_pending_selection_belongs_to_its_organization(linkedin, org, owner, client_for):
    client = client_for(owner)
    select_url = _login_linkedin_pages(client)["Location"]
    token = select_url.rstrip("/").rsplit("/", 1)[-1]
    other = OrganizationFactory(slug="other")
    from tests.factories import MembershipFactory

    MembershipFactory(organization=other, user=owner, role="owner")
    response = client.post(f"/o/other/channels/select/{token}/", {"accounts": ["5583111"]})
    assert response.status_code == 400
    assert not Integration.objects.exists()
