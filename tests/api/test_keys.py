"""API keys: made on the settings page or the command line, shown once, stored as a keyed
hash, found by their key id."""

import hashlib
import importlib
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from organizations.models import ALL_SCOPES, ApiKey, AuditEvent
from organizations.services import api_key_authenticate, api_key_touch
from tests.api.helpers import make_key

pytestmark = pytest.mark.django_db

URL = "/o/acme/settings/api-keys/"


KEY_SHAPE = re.compile(r"^ptz_([a-z0-9]{12})_([A-Za-z0-9]{43})$")


def _stored_text(key) -> str:
    """Everything the database holds about ``key``: its row and its audit events."""
    row = ApiKey.objects.filter(pk=key.pk).values()
    events = AuditEvent.objects.filter(organization=key.organization).values()
    return str(list(row)) + str(list(events))


def test_a_new_key_reads_prefix_key_id_secret_and_only_a_keyed_hash_is_stored(org, owner):
    key, raw = make_key(org, actor=owner)
    shape = KEY_SHAPE.match(raw)
    assert shape, raw
    key_id, secret = shape.groups()
    assert key.key_id == key_id and key.prefix == f"ptz_{key_id}"
    stored = _stored_text(key)
    assert secret not in stored and raw not in stored
    # Not a plain hash a stolen database could test guesses against: it is keyed.
    assert hashlib.sha256(raw.encode()).hexdigest() not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() not in stored


def test_keys_differ_and_never_start_like_oauth_tokens(org):
    raws = [make_key(org, name=f"k{n}")[1] for n in range(5)]
    assert len({KEY_SHAPE.match(r).group(1) for r in raws}) == 5
    assert not any(r.startswith("pos_") for r in raws)


def test_a_key_stops_working_when_the_server_pepper_changes(org, settings):
    _key, raw = make_key(org)
    assert api_key_authenticate(raw_key=raw) is not None
    settings.POSTIZ_API_KEY_PEPPER = "another-pepper"
    assert api_key_authenticate(raw_key=raw) is None


def test_without_a_pepper_setting_the_secret_key_keys_the_hash(org, settings):
    settings.POSTIZ_API_KEY_PEPPER = ""
    _key, raw = make_key(org)
    assert api_key_authenticate(raw_key=raw) is not None
    settings.SECRET_KEY = "a-different-secret-key-" + "x" * 40
    assert api_key_authenticate(raw_key=raw) is None


def test_a_new_key_works_on_both_surfaces(org):
    _key, raw = make_key(org)
    compat = Client(HTTP_AUTHORIZATION=raw).get("/public/v1/is-connected")
    assert compat.status_code == 200 and compat.json() == {"connected": True}
    native = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert native.status_code == 200


def test_the_right_key_id_with_a_wrong_secret_is_refused(org):
    _key, raw = make_key(org)
    secret = KEY_SHAPE.match(raw).group(2)
    forged = raw[: -len(secret)] + ("A" if secret[0] != "A" else "B") + secret[1:]
    compat = Client(HTTP_AUTHORIZATION=forged).get("/public/v1/is-connected")
    assert compat.status_code == 401 and compat.json() == {"msg": "Invalid API key"}
    native = Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get("/api/v1/me")
    assert native.status_code == 401
    assert api_key_authenticate(raw_key=raw[:-1]) is None


def _legacy_key(org, raw: str) -> ApiKey:
    """A key as the earlier code stored it: no key id, a plain SHA-256 of the whole key."""
    return ApiKey.objects.create(
        organization=org,
        name="made last year",
        prefix=raw[:10],
        key_hash=hashlib.sha256(raw.encode()).hexdigest(),
        scopes=list(ALL_SCOPES),
    )


def test_a_key_made_before_key_ids_keeps_working_after_the_migration(org):
    raw = "ptz_" + "Zq-3_" + "k" * 38  # the earlier shape: token_urlsafe(32)
    legacy = _legacy_key(org, raw)
    new, new_raw = make_key(org)
    importlib.import_module(
        "organizations.migrations.0003_api_key_ids_and_peppered_hashes"
    ).rekey_legacy_keys(django_apps, None)
    legacy.refresh_from_db()
    assert legacy.key_id is None
    assert hashlib.sha256(raw.encode()).hexdigest() not in _stored_text(legacy)
    assert api_key_authenticate(raw_key=raw) == legacy
    assert Client(HTTP_AUTHORIZATION=raw).get("/public/v1/is-connected").status_code == 200
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 200
    assert api_key_authenticate(raw_key=raw[:-1] + "j") is None
    # The migration leaves keys that have a key id alone.
    assert api_key_authenticate(raw_key=new_raw) == new


def test_revoked_expired_and_unknown_keys_do_not_authenticate(org, owner):
    key, raw = make_key(org, actor=owner)
    assert api_key_authenticate(raw_key=raw) == key
    assert api_key_authenticate(raw_key=raw + "x") is None
    assert api_key_authenticate(raw_key="ptz_nothing") is None
    assert api_key_authenticate(raw_key=f"ptz_{'a' * 12}_{'B' * 43}") is None
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


def test_two_processes_reading_a_key_at_once_write_its_last_use_once(org, owner):
    key, raw = make_key(org, actor=owner)
    seen_by_one = api_key_authenticate(raw_key=raw)
    seen_by_other = api_key_authenticate(raw_key=raw)
    api_key_touch(key=seen_by_one, ip="10.0.0.1")
    api_key_touch(key=seen_by_other, ip="10.0.0.2")
    key.refresh_from_db()
    assert key.last_used_at == seen_by_one.last_used_at and key.last_used_ip == "10.0.0.1"


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
    assert KEY_SHAPE.match(raw), raw
    key = api_key_authenticate(raw_key=raw)
    assert key.organization == org and key.scopes == ["posts:read", "media:write"]
    # The log line names the key by its public part only.
    assert key.prefix in err.getvalue() and raw not in err.getvalue()


def test_createapikey_refuses_unknown_scopes_and_organizations(org):
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command("createapikey", "--organization", "acme", "--name", "x", "--scopes", "nope")
    with pytest.raises(CommandError, match="No organization"):
        call_command("createapikey", "--organization", "zzz", "--name", "x")


def test_a_billed_key_is_read_with_its_plan_in_one_query_and_nothing_is_cached(
    org, settings, django_assert_num_queries, rf
):
    from billing.limits import LimitReached
    from billing.models import Plan, Subscription
    from postiz.api import ApiKeyRefused, key_for_request

    settings.STRIPE_SECRET_KEY = "sk_test_only_makes_billing_enforced"
    paid = Plan.objects.filter(api_access=True).first()
    subscription = Subscription.objects.create(
        organization=org,
        plan=paid,
        stripe_subscription_id="sub_1",
        price_id="price_1",
        interval="month",
        status="active",
    )
    key, raw = make_key(org)
    key.last_used_at = timezone.now()  # its last use was just written: no write now
    key.save()
    request = rf.get("/public/v1/is-connected", HTTP_AUTHORIZATION=raw)
    with django_assert_num_queries(1):
        assert key_for_request(request) == key  # the key, its organization and plan
    # A lapsed subscription counts from the very next request.
    subscription.status = "canceled"
    subscription.save()
    with pytest.raises(LimitReached):
        key_for_request(request)
    key.revoked_at = timezone.now()
    key.save()
    with pytest.raises(ApiKeyRefused):
        key_for_request(request)


# -- The scopes Postiz clients need ---------------------------------------------------------
def test_the_key_page_preselects_the_scopes_a_postiz_client_needs(org, owner, client_for):
    from organizations.models import CLIENT_SCOPES

    page = client_for(owner).get(URL).content.decode()
    for scope in ALL_SCOPES:
        box = page.split(f'value="{scope}"')[1].split(">")[0]
        assert ("checked" in box) == (scope in CLIENT_SCOPES), scope
    assert "channels:read" in CLIENT_SCOPES and "webhooks:manage" not in CLIENT_SCOPES
    assert "Preselected: what Postiz clients" in page


def test_a_key_made_with_the_preselected_scopes_passes_a_postiz_clients_checks(
    org, owner, client_for
):
    from django.test import Client

    from organizations.models import CLIENT_SCOPES

    response = client_for(owner).post(URL, {"name": "postiz CLI", "scopes": list(CLIENT_SCOPES)})
    secret = response.content.decode().split('readonly value="')[1].split('"')[0]
    cli = Client(HTTP_AUTHORIZATION=secret)
    for path in (
        "/public/v1/is-connected",
        "/public/v1/integrations",
        "/public/v1/groups",
        "/public/v1/posts?startDate=2030-01-01&endDate=2030-01-02",
        "/public/v1/notifications",
    ):
        assert cli.get(path).status_code == 200, path


def test_a_key_without_channels_read_hears_which_scope_is_missing_and_the_page_says_so(
    org, owner, client_for
):
    from django.test import Client

    _key, raw = make_key(org, actor=owner, scopes=["posts:read", "posts:write"])
    refused = Client(HTTP_AUTHORIZATION=raw).get("/public/v1/integrations")
    assert refused.status_code == 403
    assert refused.json() == {"msg": "Missing scope: channels:read"}
    native = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/channels")
    assert native.status_code == 403 and native.json()["scope"] == "channels:read"
    assert "channels:read" in native.json()["detail"]
    page = client_for(owner).get(URL).content.decode()
    assert "Postiz clients call this key invalid: it lacks channels:read." in page
