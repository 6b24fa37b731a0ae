import pytest
from django.urls import reverse

from organizations.models import AuditEvent, Membership, Organization
from organizations.permissions import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CREATE = "/o/new/"


def test_create_page_is_at_o_new():
    assert reverse("organization_create") == CREATE


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(CREATE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_time_zone_is_preselected_from_the_profile(client_for, outsider):
    outsider.timezone = "America/Sao_Paulo"
    outsider.save()
    response = client_for(outsider).get(CREATE)
    assert response.status_code == 200
    assert response.context["form"]["timezone"].value() == "America/Sao_Paulo"
    assert b'<option value="America/Sao_Paulo" selected>' in response.content


def test_creating_an_organization_makes_the_creator_its_owner_and_opens_its_calendar(
    client_for, outsider
):
    response = client_for(outsider).post(CREATE, {"name": "Blue Ocean", "timezone": "Asia/Tokyo"})
    organization = Organization.objects.get(name="Blue Ocean")
    assert response.status_code == 302
    assert response.url == reverse("posts:calendar", args=[organization.slug])
    assert organization.timezone == "Asia/Tokyo"
    membership = Membership.objects.get(organization=organization)
    assert (membership.user, membership.role) == (outsider, Role.OWNER)
    assert AuditEvent.objects.filter(organization=organization, action="organization.created")


def test_an_unknown_time_zone_is_a_form_error_and_creates_nothing(client_for, outsider):
    before = Organization.objects.count()
    response = client_for(outsider).post(CREATE, {"name": "Blue Ocean", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "not a time zone we know" in response.context["form"].errors["timezone"][0]
    assert Organization.objects.count() == before


def test_a_blank_name_is_a_form_error(client_for, outsider):
    response = client_for(outsider).post(CREATE, {"name": "  ", "timezone": "UTC"})
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Organization.objects.filter(created_by=outsider).exists()


def test_a_person_without_an_organization_is_told_why_they_see_the_create_page(client_for):
    loner = UserFactory()
    response = client_for(loner).get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == CREATE
    assert b"You are not in any organization" in response.content


def test_a_person_with_an_organization_does_not_see_the_empty_state(client_for, outsider):
    response = client_for(outsider).get(CREATE)
    assert b"You are not in any organization" not in response.content
