"""API keys: made on the settings page or the command line, shown once, stored hashed."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from organizations.models import ALL_SCOPES, ApiKey, AuditEvent
from organizations.services import api_key_authenticate, api_key_hash, api_key_touch
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

URL = "/o/acme/settings/api-keys/"


def test_a_new_key_is_stored_only_as_its_hash(org, owner):
    key, raw = make_key(org, actor=owner)
    assert raw.startswith("ptz_") and len(raw) > 40
    assert key.prefix == raw[:10]
    assert key.key_hash == api_key_hash(raw)
    assert raw not in str(list(ApiKey.objects.filter(pk=key.pk).values()))


def test_revoked_expired_and_unknown_keys_do_not_authenticate(org, owner):
    key, raw = make_key(org, actor=owner)
    assert api_key_authenticate(raw_key=raw) == key
    assert api_key_authenticate(raw_key=raw + "x") is None
    assert api_key_authenticate(raw_key="ptz_nothing") is None
    key.expires_at = timezone.now() - timedelta(seconds=1)
    key.save()
    assert api_key_authenticate(raw_key=raw) is None
    key.expires_at = None
    key.revoked_at = timezone.now()
    key.save()
    assert api_key_authenticate(raw_key=raw) is None


def test_a_key_of_a_deleted_organization_stops_working(org, owner):
    _key, raw = make_key(org, actor=owner)
    org.deleted_at = timezone.now()
    org.save()
    assert api_key_authenticate(raw_key=raw) is None


def test_last_used_is_written_at_most_once_a_minute(org, owner, django_assert_num_queries):
    key, _raw = make_key(org, actor=owner)
    with django_assert_num_queries(1):
        api_key_touch(key=key, ip="127.0.0.1")
    first = key.last_used_at
    with django_assert_num_queries(0):
        api_key_touch(key=key, ip="127.0.0.1")
    key.refresh_from_db()
    assert key.last_used_at == first and key.last_used_ip == "127.0.0.1"


def test_admin_creates_a_key_and_sees_it_once(org, admin, client_for):
    client = client_for(admin)
    response = client.post(URL, {"name": "n8n", "scopes": ["posts:read", "channels:read"]})
    assert response.status_code == 200
    key = ApiKey.objects.get(organization=org)
    assert key.scopes == ["posts:read", "channels:read"]
    assert key.created_by == admin
    page = response.content.decode()
    secret = page.split('id="new-api-key" type="text" readonly value="')[1].split('"')[0]
    assert api_key_authenticate(raw_key=secret) == key
    again = client.get(URL).content.decode()
    assert secret not in again and key.prefix in again
    assert AuditEvent.objects.filter(organization=org, action="apikey.created").count() == 1


def test_full_access_gives_every_scope(org, owner, client_for):
    client_for(owner).post(URL, {"name": "all", "full_access": "on"})
    assert ApiKey.objects.get(organization=org).scopes == list(ALL_SCOPES)


def test_a_key_without_a_name_or_scope_is_refused_with_a_reason(org, owner, client_for):
    response = client_for(owner).post(URL, {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()
    response = client_for(owner).post(URL, {"name": "x"})
    assert response.status_code == 400
    assert "Choose at least one scope" in response.content.decode()


def test_an_expiry_in_the_past_is_refused(org, owner, client_for):
    response = client_for(owner).post(
        URL, {"name": "old", "full_access": "on", "expires_on": "2001-01-01"}
    )
    assert response.status_code == 400
    assert "future" in response.content.decode()


def test_admin_revokes_a_key_and_it_is_audited(org, admin, client_for):
    key, raw = make_key(org, actor=admin)
    response = client_for(admin).post(f"{URL}{key.pk}/revoke/")
    assert response.status_code == 302
    assert api_key_authenticate(raw_key=raw) is None
    assert AuditEvent.objects.filter(organization=org, action="apikey.revoked").count() == 1


def test_editor_cannot_manage_keys(org, editor, client_for):
    assert client_for(editor).get(URL).status_code == 403
    assert client_for(editor).post(URL, {"name": "x", "full_access": "on"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_outsider_cannot_see_or_revoke_keys(org, owner, outsider, client_for):
    key, raw = make_key(org, actor=owner)
    assert client_for(outsider).get(URL).status_code == 404
    assert client_for(outsider).post(f"{URL}{key.pk}/revoke/").status_code == 404
    assert api_key_authenticate(raw_key=raw) == key


def test_a_key_of_another_organization_cannot_be_revoked_here(org, owner, client_for):
    from tests.factories import OrganizationFactory

    other_key, raw = make_key(OrganizationFactory())
    assert client_for(owner).post(f"{URL}{other_key.pk}/revoke/").status_code == 404
    assert api_key_authenticate(raw_key=raw) == other_key


def test_empty_state_explains_what_keys_are_for(org, owner, client_for):
    assert "No API keys yet" in client_for(owner).get(URL).content.decode()


def test_key_list_query_count_does_not_grow_with_keys(
    org, owner, client_for, django_assert_max_num_queries
):
    client = client_for(owner)
    client.get(URL)
    for n in range(15):
        make_key(org, actor=owner, name=f"k{n}")
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count("Revoke<span") == 15


def test_createapikey_prints_the_key_once(org):
    out, err = StringIO(), StringIO()
    call_command(
        "createapikey",
        "--organization",
        "acme",
        "--name",
        "deploy",
        "--scopes",
        "posts:read,media:write",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    key = api_key_authenticate(raw_key=raw)
    assert key.organization == org and key.scopes == ["posts:read", "media:write"]


def test_createapikey_refuses_unknown_scopes_and_organizations(org):
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("createapikey", "--organization", "acme", "--name", "x", "--scopes", "nope")
    with pytest.raises(CommandError, match="No organization"):
        call_command("createapikey", "--organization", "zzz", "--name", "x")
