import pytest
from django.urls import reverse

from organizations.models import AuditEvent, Invitation, Membership, Organization
from tests.factories import InvitationFactory
from tests.organizations.conftest import messages_of, url

pytestmark = pytest.mark.django_db


def test_outsider_cannot_see_the_delete_page(client_for, org, outsider):
    assert client_for(outsider).get(url("delete", org)).status_code == 404
    assert (
        client_for(outsider).post(url("delete", org), {"confirm_name": "Acme"}).status_code == 404
    )


def test_admin_cannot_delete_the_organization(client_for, org, admin):
    assert client_for(admin).get(url("delete", org)).status_code == 403
    response = client_for(admin).post(url("delete", org), {"confirm_name": "Acme"})
    assert response.status_code == 403
    org.refresh_from_db()
    assert org.deleted_at is None


def test_delete_page_names_what_goes(client_for, org, owner, editor, viewer):
    InvitationFactory(organization=org)
    response = client_for(owner).get(url("delete", org))
    assert response.status_code == 200
    text = response.content.decode()
    assert "3 members lose access" in text
    assert "1 open invitation is withdrawn" in text
    assert "channels, scheduled posts and media stop being accessible" in text
    assert "Type Acme to confirm" in text


def test_deleting_requires_the_exact_name(client_for, org, owner):
    response = client_for(owner).post(url("delete", org), {"confirm_name": "acme"})
    assert response.status_code == 200
    assert (
        "Type the organization's name, Acme" in response.context["form"].errors["confirm_name"][0]
    )
    org.refresh_from_db()
    assert org.deleted_at is None


def test_owner_deletes_the_organization_softly(client_for, org, owner, editor):
    invitation = InvitationFactory(organization=org)
    response = client_for(owner).post(url("delete", org), {"confirm_name": "Acme"}, follow=True)
    assert response.redirect_chain[0] == (reverse("home"), 302)
    assert "Acme was deleted." in messages_of(response)
    org = Organization.objects.get(pk=org.pk)  # the row is kept
    assert org.deleted_at is not None
    assert Membership.objects.filter(organization=org).count() == 2
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert AuditEvent.objects.filter(organization=org, action="organization.deleted").exists()


@pytest.mark.parametrize("name", ["settings", "members", "leave", "audit", "invitations", "delete"])
def test_a_deleted_organizations_pages_answer_404_to_its_former_members(
    client_for, org, owner, name
):
    client_for(owner).post(url("delete", org), {"confirm_name": "Acme"})
    assert client_for(owner).get(url(name, org)).status_code == 404


def test_a_deleted_organizations_calendar_answers_404(client_for, org, owner, editor):
    client_for(owner).post(url("delete", org), {"confirm_name": "Acme"})
    calendar = reverse("posts:calendar", args=[org.slug])
    assert client_for(editor).get(calendar).status_code == 404
    assert client_for(owner).get(calendar).status_code == 404


def test_an_empty_confirmation_is_a_form_error(client_for, org, owner):
    response = client_for(owner).post(url("delete", org), {})
    assert response.context["form"].errors["confirm_name"]
    org.refresh_from_db()
    assert org.deleted_at is None
