"""OAuth 2 for third-party apps: an app registers (RFC 7591), a person approves it for one
organization on the consent page, the app signs in with PKCE and calls both APIs with a
pos_… token as it would with a key, until someone revokes it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, Application, RefreshToken

from organizations.models import ApiKey, AuditEvent, Membership, OAuthClient
from organizations.permissions import Role
from organizations.services import membership_remove
from tests.factories import ChannelFactory, MembershipFactory

pytestmark = pytest.mark.django_db

REDIRECT = "http://127.0.0.1:8765/callback"


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def register(name="Claude Desktop", redirect=REDIRECT) -> dict:
    """As an MCP client registers itself: a public client, PKCE only."""
    response = Client().post(
        "/oauth/register",
        data=json.dumps(
            {
                "client_name": name,
                "redirect_uris": [redirect],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def authorize_params(client_id, challenge, scope="posts:read channels:read", redirect=REDIRECT):
    return {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": scope,
        "state": "s-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }


def approve(browser, params, organization_slug) -> str:
    """Approves on the consent page; returns the code the app receives."""
    response = browser.post(
        "/oauth/authorize", {**params, "organization": organization_slug, "allow": "Authorize"}
    )
    assert response.status_code == 302, response.content
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == params["redirect_uri"]
    query = parse_qs(location.query)
    assert query["state"] == ["s-123"]
    return query["code"][0]


def exchange(client_id, code, verifier, redirect=REDIRECT):
    return Client().post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect,
            "client_id": client_id,
            "code_verifier": verifier,
        },
    )


def sign_in(user, org, scope="posts:read channels:read", client_for=None) -> dict:
    app = register()
    verifier, challenge = pkce()
    browser = Client()
    browser.force_login(user)
    code = approve(browser, authorize_params(app["client_id"], challenge, scope), org.slug)
    response = exchange(app["client_id"], code, verifier)
    assert response.status_code == 200, response.content
    return {**response.json(), "client_id": app["client_id"]}


def api(token, path, **headers):
    return Client().get(path, HTTP_AUTHORIZATION=token, **headers)


def test_an_app_registers_signs_in_with_pkce_calls_both_apis_refreshes_and_is_revoked(
    org, owner, outsider
):
    ChannelFactory(organization=org, name="Acme on Mastodon")
    app = register()
    verifier, challenge = pkce()
    browser = Client()
    browser.force_login(owner)
    params = authorize_params(app["client_id"], challenge)

    page = browser.get("/oauth/authorize", params)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Allow Claude Desktop to act for you?" in text
    assert "127.0.0.1:8765" in text  # where the person returns
    assert "Unverified app" in text  # it registered itself
    assert "Read posts" in text and "Read channels" in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert "Acme" in text

    code = approve(browser, params, org.slug)
    token = exchange(app["client_id"], code, verifier).json()
    assert token["access_token"].startswith("pos_")
    assert token["token_type"] == "Bearer"
    assert set(token["scope"].split()) == {"posts:read", "channels:read"}

    channels = api(token["access_token"], "/public/v1/integrations")
    assert channels.status_code == 200
    assert [row["name"] for row in channels.json()] == ["Acme on Mastodon"]
    posts = api(f"Bearer {token['access_token']}", "/api/v1/posts")
    assert posts.status_code == 200, posts.content

    refreshed = Client().post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": app["client_id"],
        },
    )
    assert refreshed.status_code == 200, refreshed.content
    new = refreshed.json()
    assert new["access_token"].startswith("pos_") and new["access_token"] != token["access_token"]
    assert api(token["access_token"], "/public/v1/integrations").status_code == 401
    assert api(new["access_token"], "/public/v1/integrations").status_code == 200

    revoked = Client().post(
        "/oauth/revoke", {"token": new["access_token"], "client_id": app["client_id"]}
    )
    assert revoked.status_code == 200
    refused = api(new["access_token"], "/public/v1/integrations")
    assert refused.status_code == 401
    assert refused.json() == {"msg": "Invalid OAuth token"}
    native = api(f"Bearer {new['access_token']}", "/api/v1/posts")
    assert native.status_code == 401

    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert {"oauth.granted", "oauth.token_issued"} <= actions


def test_tokens_are_stored_only_as_checksums(org, owner):
    token = sign_in(owner, org)
    stored = AccessToken.objects.get(postiz_binding__isnull=False)
    assert stored.token == ""
    assert stored.token_checksum == hashlib.sha256(token["access_token"].encode()).hexdigest()
    assert RefreshToken.objects.get().token == ""


def test_a_wrong_code_verifier_is_refused(org, owner):
    app = register()
    verifier, challenge = pkce()
    browser = Client()
    browser.force_login(owner)
    code = approve(browser, authorize_params(app["client_id"], challenge), org.slug)
    response = exchange(app["client_id"], code, pkce()[0])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.filter(postiz_binding__isnull=False).exists()
    assert verifier  # the right one stays with the app


def test_an_authorization_request_without_s256_is_refused(org, owner):
    app = register()
    browser = Client()
    browser.force_login(owner)
    params = authorize_params(app["client_id"], "x" * 43)
    del params["code_challenge"], params["code_challenge_method"]
    response = browser.get("/oauth/authorize", params)
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]
    plain = {**authorize_params(app["client_id"], "x" * 43), "code_challenge_method": "plain"}
    response = browser.post("/oauth/authorize", {**plain, "organization": org.slug, "allow": "1"})
    assert "code=" not in response.get("Location", "")


def test_a_redirect_uri_not_registered_is_refused_on_the_page(org, owner):
    app = register()
    browser = Client()
    browser.force_login(owner)
    params = authorize_params(app["client_id"], pkce()[1], redirect="https://evil.example/cb")
    response = browser.get("/oauth/authorize", params)
    assert response.status_code == 400
    assert "This sign-in cannot go on" in response.content.decode()
    assert "Location" not in response


def test_the_consent_page_asks_people_to_sign_in_first(org):
    app = register()
    response = Client().get("/oauth/authorize", authorize_params(app["client_id"], pkce()[1]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_denying_sends_the_app_back_with_access_denied(org, owner):
    app = register()
    browser = Client()
    browser.force_login(owner)
    params = authorize_params(app["client_id"], pkce()[1])
    response = browser.post("/oauth/authorize", {**params, "organization": org.slug})
    assert response.status_code == 302
    assert "error=access_denied" in response["Location"]
    assert not ApiKey.objects.filter(oauth_application__isnull=False).exists()


def test_approving_for_an_organization_the_person_is_not_in_is_404(org, owner, outsider):
    app = register()
    browser = Client()
    browser.force_login(outsider)
    params = authorize_params(app["client_id"], pkce()[1])
    response = browser.post(
        "/oauth/authorize", {**params, "organization": org.slug, "allow": "Authorize"}
    )
    assert response.status_code == 404
    assert not ApiKey.objects.filter(oauth_application__isnull=False).exists()


def test_a_person_in_two_organizations_picks_one_and_the_token_sees_only_it(org, owner, outsider):
    other = Membership.objects.get(user=outsider).organization
    MembershipFactory(organization=other, user=owner, role=Role.EDITOR)
    ChannelFactory(organization=org, name="Acme channel")
    theirs = ChannelFactory(organization=other, name="Other channel")
    token = sign_in(owner, other)["access_token"]
    names = [row["name"] for row in api(token, "/public/v1/integrations").json()]
    assert names == ["Other channel"]
    grant = ApiKey.objects.get(oauth_application__isnull=False)
    assert grant.organization == other and grant.membership.user == owner
    assert api(token, f"/public/v1/integration-settings/{theirs.public_id}").status_code == 200


def test_another_organizations_ids_answer_404_to_a_token(org, owner, outsider):
    foreign = ChannelFactory(organization=Membership.objects.get(user=outsider).organization)
    token = sign_in(owner, org)["access_token"]
    response = api(token, f"/public/v1/integration-settings/{foreign.public_id}")
    assert response.status_code == 404
    native = api(f"Bearer {token}", f"/api/v1/channels/{foreign.public_id}")
    assert native.status_code == 404


def test_a_missing_scope_answers_403(org, owner):
    token = sign_in(owner, org, scope="posts:read")["access_token"]
    response = api(token, "/public/v1/integrations")
    assert response.status_code == 403
    assert response.json() == {"msg": "Missing scope: channels:read"}


def test_an_app_gets_no_more_than_the_persons_role_allows(org, viewer):
    token = sign_in(viewer, org, scope="posts:read posts:write channels:read")
    assert token["scope"].split() == ["posts:read", "channels:read"]
    grant = ApiKey.objects.get(oauth_application__isnull=False)
    assert grant.scopes == ["posts:read", "channels:read"]
    # A role lowered later narrows the app too.
    grant.scopes = ["posts:read", "posts:write", "channels:read"]
    grant.save()
    assert not ApiKey.objects.get(pk=grant.pk).has_scope("posts:write")


def test_a_removed_members_tokens_are_refused(org, owner, editor):
    token = sign_in(editor, org)
    assert api(token["access_token"], "/public/v1/integrations").status_code == 200
    membership_remove(
        membership=Membership.objects.get(user=editor),
        actor_membership=Membership.objects.get(user=owner),
    )
    assert api(token["access_token"], "/public/v1/integrations").status_code == 401
    refreshed = Client().post(
        "/oauth/token",
        {
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_id": token["client_id"],
        },
    )
    assert refreshed.status_code in (400, 401)
    assert AuditEvent.objects.filter(action="oauth.revoked").exists()


def test_a_token_of_a_deleted_organization_is_refused(org, owner):
    from django.utils import timezone

    token = sign_in(owner, org)["access_token"]
    org.deleted_at = timezone.now()
    org.save()
    assert api(token, "/public/v1/integrations").status_code == 401


# -- Metadata ------------------------------------------------------------------------------
def test_authorization_server_metadata_names_our_endpoints_and_s256_only(db):
    data = Client().get("/.well-known/oauth-authorization-server").json()
    assert data["authorization_endpoint"].endswith("/oauth/authorize")
    assert data["token_endpoint"].endswith("/oauth/token")
    assert data["revocation_endpoint"].endswith("/oauth/revoke")
    assert data["registration_endpoint"].endswith("/oauth/register")
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert "posts:write" in data["scopes_supported"]
    assert "none" in data["token_endpoint_auth_methods_supported"]


@pytest.mark.parametrize("path", ["public/v1", "api/v1", "mcp"])
def test_protected_resource_metadata_names_each_api(db, path):
    data = Client().get(f"/.well-known/oauth-protected-resource/{path}").json()
    assert data["resource"] == f"http://testserver/{path}"
    assert data["authorization_servers"] == ["http://testserver"]
    assert "channels:read" in data["scopes_supported"]


def test_protected_resource_metadata_at_the_root_lists_the_three_apis(db):
    data = Client().get("/.well-known/oauth-protected-resource").json()
    assert data["resources"] == [
        "http://testserver/public/v1",
        "http://testserver/api/v1",
        "http://testserver/mcp",
    ]
    assert Client().get("/.well-known/oauth-protected-resource/admin").status_code == 404


# -- The organization's apps -----------------------------------------------------------
def test_an_admin_registers_an_app_and_sees_its_secret_once(org, admin, client_for):
    browser = client_for(admin)
    response = browser.post(
        "/o/acme/settings/oauth-apps/",
        {"name": "Dashboard", "redirect_uris": "https://dash.example/cb", "confidential": "on"},
    )
    assert response.status_code == 200
    secret = response.context["created"]["secret"]
    assert secret and secret in response.content.decode()
    application = Application.objects.get(name="Dashboard")
    assert application.client_secret != secret  # stored hashed
    assert OAuthClient.objects.get(application=application).organization == org
    again = browser.get("/o/acme/settings/oauth-apps/").content.decode()
    assert secret not in again and "Dashboard" in again
    assert AuditEvent.objects.filter(action="oauth_app.created", organization=org).exists()


def test_registering_an_app_says_what_to_fix(org, admin, client_for):
    response = client_for(admin).post(
        "/o/acme/settings/oauth-apps/",
        {"name": "Dashboard", "redirect_uris": "http://dash.example/cb"},
    )
    assert response.status_code == 400
    assert "use https (plain http only for localhost)" in response.content.decode()


def test_a_registered_app_is_verified_renamed_and_deleted(org, admin, owner, client_for):
    browser = client_for(admin)
    browser.post(
        "/o/acme/settings/oauth-apps/",
        {"name": "Dashboard", "redirect_uris": REDIRECT},
    )
    client = OAuthClient.objects.get()
    verifier, challenge = pkce()
    person = client_for(owner)
    params = authorize_params(client.application.client_id, challenge)
    assert "Unverified app" not in person.get("/oauth/authorize", params).content.decode()
    code = approve(person, params, org.slug)
    token = exchange(client.application.client_id, code, verifier).json()["access_token"]

    browser.post(f"/o/acme/settings/oauth-apps/{client.pk}/rename/", {"name": "Reports"})
    assert Application.objects.get().name == "Reports"
    assert ApiKey.objects.get(oauth_application__isnull=False).name == "OAuth app Reports"
    browser.post(f"/o/acme/settings/oauth-apps/{client.pk}/delete/")
    assert not Application.objects.exists()
    assert api(token, "/public/v1/integrations").status_code == 401
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"oauth_app.renamed", "oauth_app.deleted", "oauth.revoked"} <= actions


def test_an_editor_cannot_register_apps(org, editor, client_for):
    browser = client_for(editor)
    assert browser.get("/o/acme/settings/oauth-apps/").status_code == 403
    response = browser.post(
        "/o/acme/settings/oauth-apps/", {"name": "X", "redirect_uris": REDIRECT}
    )
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_outsiders_cannot_see_or_touch_the_organizations_apps(org, admin, outsider, client_for):
    client_for(admin).post(
        "/o/acme/settings/oauth-apps/", {"name": "Dashboard", "redirect_uris": REDIRECT}
    )
    client = OAuthClient.objects.get()
    browser = client_for(outsider)
    assert browser.get("/o/acme/settings/oauth-apps/").status_code == 404
    assert browser.post(f"/o/acme/settings/oauth-apps/{client.pk}/delete/").status_code == 404
    # Their own organization's page does not reach another organization's app either.
    own = Membership.objects.get(user=outsider).organization.slug
    response = browser.post(f"/o/{own}/settings/oauth-apps/{client.pk}/delete/")
    assert response.status_code == 404
    assert Application.objects.exists()


def test_admins_see_and_revoke_the_organizations_grants(
    org, admin, editor, outsider, client_for, django_assert_max_num_queries
):
    token = sign_in(editor, org)["access_token"]
    sign_in(editor, org)
    browser = client_for(admin)
    with django_assert_max_num_queries(12):
        page = browser.get("/o/acme/settings/oauth-apps/")
    assert page.content.decode().count("<td>Claude Desktop</td>") == 2
    grant = ApiKey.objects.filter(oauth_application__isnull=False).first()
    assert (
        client_for(outsider)
        .post(f"/o/acme/settings/oauth-apps/grants/{grant.pk}/revoke/")
        .status_code
        == 404
    )
    assert (
        client_for(editor)
        .post(f"/o/acme/settings/oauth-apps/grants/{grant.pk}/revoke/")
        .status_code
        == 403
    )
    for grant in ApiKey.objects.filter(oauth_application__isnull=False):
        browser.post(f"/o/acme/settings/oauth-apps/grants/{grant.pk}/revoke/")
    assert api(token, "/public/v1/integrations").status_code == 401


def test_grants_are_not_listed_as_api_keys(org, owner, client_for):
    sign_in(owner, org)
    page = client_for(owner).get("/o/acme/settings/api-keys/").content.decode()
    assert "OAuth app Claude Desktop" not in page and "pos_oauth" not in page


# -- A person's approved apps ------------------------------------------------------------
def test_a_person_sees_their_approved_apps_and_revokes_one(
    org, owner, outsider, client_for, django_assert_max_num_queries
):
    token = sign_in(owner, org)["access_token"]
    api(token, "/public/v1/integrations")
    browser = client_for(owner)
    with django_assert_max_num_queries(10):
        page = browser.get("/accounts/apps/")
    text = page.content.decode()
    assert "Claude Desktop" in text and "Acme" in text and "Read channels" in text
    assert "never" not in text  # it was used just now
    grant = ApiKey.objects.get(oauth_application__isnull=False)
    assert client_for(outsider).post(f"/accounts/apps/{grant.pk}/revoke/").status_code == 404
    assert api(token, "/public/v1/integrations").status_code == 200
    browser.post(f"/accounts/apps/{grant.pk}/revoke/")
    assert api(token, "/public/v1/integrations").status_code == 401
    assert not RefreshToken.objects.filter(revoked__isnull=True).exists()
    assert "No apps" in browser.get("/accounts/apps/").content.decode()


# -- The Postiz CLI's device sign-in -----------------------------------------------------
def poll(device_code):
    return Client().post(
        "/oauth/cli/device/token",
        data=json.dumps({"device_code": device_code}),
        content_type="application/json",
    )


def test_the_cli_device_sign_in_gives_a_token_for_the_organization_chosen(org, owner):
    ChannelFactory(organization=org, name="Acme on Mastodon")
    started = Client().post("/oauth/cli/device/code", content_type="application/json")
    assert started.status_code == 200
    device = started.json()
    assert device["verification_uri"].endswith("/oauth/cli/device")
    assert device["expires_in"] == 600 and device["interval"] >= 1
    assert poll(device["device_code"]).json() == {"error": "authorization_pending"}

    browser = Client()
    browser.force_login(owner)
    page = browser.get("/oauth/cli/device", {"code": device["user_code"]})
    assert page.status_code == 200
    assert device["user_code"] in page.content.decode()
    assert "Allow Postiz CLI to act for you?" in page.content.decode()
    done = browser.post(
        "/oauth/cli/device", {"code": device["user_code"], "organization": org.slug, "allow": "1"}
    )
    assert "Postiz CLI is signed in to Acme" in done.content.decode()

    answer = poll(device["device_code"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["access_token"].startswith("pos_")
    assert body["organization_id"] == str(org.public_id)
    assert body["api_url"]
    listed = api(body["access_token"], "/public/v1/integrations")
    assert [row["name"] for row in listed.json()] == ["Acme on Mastodon"]
    # The device code is spent with the token.
    assert poll(device["device_code"]).json()["error"] == "invalid_grant"


def test_a_denied_cli_sign_in_gets_no_token(org, owner):
    device = Client().post("/oauth/cli/device/code").json()
    browser = Client()
    browser.force_login(owner)
    browser.post("/oauth/cli/device", {"code": device["user_code"], "organization": org.slug})
    assert poll(device["device_code"]).json() == {"error": "access_denied"}
    assert not AccessToken.objects.filter(postiz_binding__isnull=False).exists()


def test_the_cli_page_says_when_a_code_is_unknown_and_refuses_other_organizations(
    org, owner, outsider
):
    browser = Client()
    browser.force_login(outsider)
    unknown = browser.get("/oauth/cli/device", {"code": "ABCD-EFGH"})
    assert unknown.status_code == 404
    assert "No sign-in waits for the code" in unknown.content.decode()
    device = Client().post("/oauth/cli/device/code").json()
    refused = browser.post(
        "/oauth/cli/device", {"code": device["user_code"], "organization": org.slug, "allow": "1"}
    )
    assert refused.status_code == 404
    assert poll(device["device_code"]).json() == {"error": "authorization_pending"}


# -- Admin ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "admin:organizations_oauthclient_changelist",
        "admin:oauth2_provider_application_changelist",
        "admin:oauth2_provider_accesstoken_changelist",
        "admin:oauth2_provider_refreshtoken_changelist",
        "admin:organizations_apikey_changelist",
    ],
)
def test_admin_lists_apps_and_tokens_without_showing_tokens(org, owner, client_for, name):
    from django.urls import reverse

    from tests.factories import UserFactory

    token = sign_in(owner, org)
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    page = staff.get(reverse(name))
    assert page.status_code == 200
    text = page.content.decode()
    assert token["access_token"] not in text and token["refresh_token"] not in text
    grant = ApiKey.objects.get(oauth_application__isnull=False)
    detail = staff.get(reverse("admin:organizations_apikey_change", args=[grant.pk]))
    assert "Claude Desktop" in detail.content.decode()


def test_approving_needs_the_consent_pages_csrf_token(org, owner):
    app = register()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    params = authorize_params(app["client_id"], pkce()[1])
    response = browser.post("/oauth/authorize", {**params, "organization": org.slug, "allow": "1"})
    assert response.status_code == 403
    assert not ApiKey.objects.filter(oauth_application__isnull=False).exists()


def test_a_401_of_the_native_api_says_where_its_oauth_metadata_is(db):
    response = Client().get("/api/v1/posts")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", '
        'resource_metadata="http://testserver/.well-known/oauth-protected-resource/api/v1"'
    )


def test_approval_prompt_auto_still_shows_the_consent_page(org, owner):
    sign_in(owner, org)
    app_id = Application.objects.get().client_id
    browser = Client()
    browser.force_login(owner)
    params = {**authorize_params(app_id, pkce()[1]), "approval_prompt": "auto"}
    page = browser.get("/oauth/authorize", params)
    assert page.status_code == 200
    assert "Allow Claude Desktop to act for you?" in page.content.decode()


def test_an_app_set_to_skip_the_page_gets_no_code(org, owner):
    app = register()
    Application.objects.filter(client_id=app["client_id"]).update(skip_authorization=True)
    browser = Client()
    browser.force_login(owner)
    response = browser.get("/oauth/authorize", authorize_params(app["client_id"], pkce()[1]))
    assert response.status_code == 302
    assert "error=access_denied" in response["Location"]
    assert "code=" not in response["Location"]


def test_an_app_is_named_as_itself_on_the_native_api(org, owner):
    token = sign_in(owner, org)["access_token"]
    me = api(f"Bearer {token}", "/api/v1/me").json()
    assert me["key"]["name"] == "OAuth app Claude Desktop"
    assert me["organization"]["slug"] == "acme"
    assert set(me["key"]["scopes"]) == {"posts:read", "channels:read"}


def test_one_address_may_register_only_so_many_apps_an_hour(db, settings):
    from oauth2_provider.models import get_application_model

    settings.POSTIZ_OAUTH_REGISTRATIONS_PER_HOUR = 3
    body = json.dumps(
        {
            "client_name": "Busy bot",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
        }
    )
    client = Client(REMOTE_ADDR="203.0.113.7")
    codes = [
        client.post("/oauth/register", data=body, content_type="application/json").status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    refused = client.post("/oauth/register", data=body, content_type="application/json")
    assert refused.json()["error"] == "slow_down"
    assert int(refused["Retry-After"]) >= 1
    assert get_application_model().objects.filter(name="Busy bot").count() == 3
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert (
        other.post("/oauth/register", data=body, content_type="application/json").status_code == 201
    )
