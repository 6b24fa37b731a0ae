import pytest

from organizations.models import AuditEvent
from tests.organizations.conftest import url

pytestmark = pytest.mark.django_db


def test_outsider_cannot_see_the_settings(client_for, org, outsider):
    assert client_for(outsider).get(url("settings", org)).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_settings(client, org):
    response = client.get(url("settings", org))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_viewer_sees_the_settings_read_only(client_for, org, viewer):
    response = client_for(viewer).get(url("settings", org))
    assert response.status_code == 200
    assert response.context["form"] is None
    assert b"Europe/Paris" in response.content
    assert b'<form method="post" novalidate>' not in response.content


def test_viewer_cannot_rename_the_organization(client_for, org, viewer):
    response = client_for(viewer).post(url("settings", org), {"name": "Mine", "timezone": "UTC"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.name == "Acme"


def test_editor_cannot_change_the_time_zone(client_for, org, editor):
    response = client_for(editor).post(
        url("settings", org), {"name": "Acme", "timezone": "Asia/Tokyo"}
    )
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.timezone == "Europe/Paris"


def test_admin_renames_the_organization_and_it_is_audited(client_for, org, admin):
    response = client_for(admin).post(
        url("settings", org), {"name": "Acme Corp", "timezone": "Europe/Paris"}
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Acme Corp"
    event = AuditEvent.objects.get(organization=org, action="organization.updated")
    assert event.actor == admin
    assert event.details == {"name": ["Acme", "Acme Corp"]}


def test_time_zone_change_is_saved_and_audited(client_for, org, owner):
    client_for(owner).post(url("settings", org), {"name": "Acme", "timezone": "America/Denver"})
    org.refresh_from_db()
    assert org.timezone == "America/Denver"
    event = AuditEvent.objects.get(organization=org, action="organization.updated")
    assert event.details == {"timezone": ["Europe/Paris", "America/Denver"]}


def test_saving_unchanged_settings_records_nothing(client_for, org, owner):
    client_for(owner).post(url("settings", org), {"name": "Acme", "timezone": "Europe/Paris"})
    assert not AuditEvent.objects.filter(organization=org).exists()


def test_an_invalid_time_zone_is_a_form_error_and_nothing_changes(client_for, org, admin):
    response = client_for(admin).post(
        url("settings", org), {"name": "Renamed", "timezone": "Europe/Atlantis"}
    )
    assert response.status_code == 200
    assert (
        "Europe/Atlantis is not a time zone we know"
        in (response.context["form"].errors["timezone"][0])
    )
    org.refresh_from_db()
    assert (org.name, org.timezone) == ("Acme", "Europe/Paris")
    assert not AuditEvent.objects.filter(organization=org).exists()


def test_danger_zone_is_shown_to_owners_only(client_for, org, owner, admin):
    delete_url = url("delete", org).encode()
    assert delete_url in client_for(owner).get(url("settings", org)).content
    assert delete_url not in client_for(admin).get(url("settings", org)).content


def test_sidebar_shows_only_the_sections_the_role_allows(client_for, org, viewer, admin):
    def labels(user):
        response = client_for(user).get(url("settings", org))
        return [item["label"] for item in response.context["settings_nav"]]

    assert labels(viewer) == ["General", "Members"]
    assert labels(admin) == [
        "General",
        "Members",
        "Invitations",
        "Audit log",
        "API keys",
        "OAuth apps",
        "Webhooks",
        "RSS feeds",
        "Short links",
        "Signatures",
        "Sets",
        "Tags",
    ]
