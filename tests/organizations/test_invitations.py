from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from organizations.models import AuditEvent, Invitation
from organizations.permissions import Role
from tests.factories import InvitationFactory, UserFactory
from tests.organizations.conftest import invitation_path, messages_of, url

pytestmark = pytest.mark.django_db


def send(client, org, email="newcomer@example.com", role="editor", capture=None):
    with capture(execute=True):
        return client.post(url("invitations", org), {"email": email, "role": role}, follow=True)


# -- The page ---------------------------------------------------------------------------
def test_outsider_cannot_see_invitations(client_for, org, outsider):
    assert client_for(outsider).get(url("invitations", org)).status_code == 404


def test_editor_cannot_see_invitations(client_for, org, editor):
    assert client_for(editor).get(url("invitations", org)).status_code == 403


def test_editor_cannot_invite(client_for, org, editor):
    response = client_for(editor).post(
        url("invitations", org), {"email": "x@example.com", "role": "viewer"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_admin_sees_the_empty_state(client_for, org, admin):
    response = client_for(admin).get(url("invitations", org))
    assert response.status_code == 200
    assert b"No open invitations" in response.content


def test_open_invitations_are_listed_with_their_status(client_for, org, admin, owner):
    InvitationFactory(organization=org, email="fresh@example.com", invited_by=owner)
    InvitationFactory(
        organization=org,
        email="stale@example.com",
        expires_at=timezone.now() - timedelta(hours=1),
    )
    InvitationFactory(organization=org, email="gone@example.com", revoked_at=timezone.now())
    InvitationFactory(email="elsewhere@example.com")
    response = client_for(admin).get(url("invitations", org))
    text = response.content.decode()
    assert "No open invitations" not in text
    assert 'badge-success">Pending<' in text
    assert 'badge-warning">Expired<' in text
    assert owner.display_name in text
    assert "gone@example.com" not in text
    assert "elsewhere@example.com" not in text
    assert "(Europe/Paris)" in text


# -- Inviting ---------------------------------------------------------------------------
def test_inviting_sends_an_email_whose_link_works(
    client_for, client, org, admin, django_capture_on_commit_callbacks
):
    response = send(client_for(admin), org, capture=django_capture_on_commit_callbacks)
    assert "Invitation sent to newcomer@example.com." in messages_of(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.com"]
    assert "Acme" in message.subject
    page = client.get(invitation_path(message))
    assert page.status_code == 200
    assert b"Join Acme" in page.content
    invitation = Invitation.objects.get()
    assert (invitation.role, invitation.invited_by) == (Role.EDITOR, admin)
    assert AuditEvent.objects.filter(organization=org, action="invitation.created").exists()


def test_an_invitation_is_written_in_the_language_its_reader_chose(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    UserFactory(email="lea@example.com", language="fr")
    admin.language = "de"
    admin.save()
    send(
        client_for(admin), org, email="lea@example.com", capture=django_capture_on_commit_callbacks
    )
    send(
        client_for(admin), org, email="new@example.com", capture=django_capture_on_commit_callbacks
    )
    by_reader = {message.to[0]: message for message in mail.outbox}
    # Someone with an account here reads their own language; a newcomer the inviter's.
    assert by_reader["lea@example.com"].body.startswith("Bonjour,")
    assert "vous invite à rejoindre Acme sur Postiz" in by_reader["lea@example.com"].body
    assert by_reader["new@example.com"].body.startswith("Hallo,")
    assert "zu Acme auf Postiz eingeladen" in by_reader["new@example.com"].subject


def test_admin_is_not_offered_the_owner_role(client_for, org, admin):
    response = client_for(admin).get(url("invitations", org))
    offered = [value for value, _ in response.context["form"].fields["role"].choices]
    assert offered == [Role.ADMIN, Role.EDITOR, Role.VIEWER, Role.CLIENT]


def test_admin_cannot_invite_an_owner(client_for, org, admin, django_capture_on_commit_callbacks):
    response = send(
        client_for(admin), org, role="owner", capture=django_capture_on_commit_callbacks
    )
    assert response.context["form"].errors["role"]
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_owner_can_invite_an_owner(client_for, org, owner, django_capture_on_commit_callbacks):
    send(client_for(owner), org, role="owner", capture=django_capture_on_commit_callbacks)
    assert Invitation.objects.get().role == Role.OWNER


def test_a_second_pending_invitation_to_the_same_address_is_refused(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    send(client_for(admin), org, capture=django_capture_on_commit_callbacks)
    response = send(
        client_for(admin),
        org,
        email="NewComer@example.com",
        capture=django_capture_on_commit_callbacks,
    )
    assert "already has a pending invitation" in response.context["form"].errors["email"][0]
    assert Invitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_an_expired_invitation_can_be_replaced_by_a_new_one(
    client_for, org, admin, django_capture_on_commit_callbacks
):
    old = InvitationFactory(
        organization=org, email="newcomer@example.com", expires_at=timezone.now()
    )
    send(client_for(admin), org, capture=django_capture_on_commit_callbacks)
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1


def test_inviting_an_existing_member_is_refused(
    client_for, org, admin, editor, django_capture_on_commit_callbacks
):
    response = send(
        client_for(admin),
        org,
        email=editor.email.upper(),
        capture=django_capture_on_commit_callbacks,
    )
    assert "already a member of Acme" in response.context["form"].errors["email"][0]
    assert not Invitation.objects.exists()


def test_an_invalid_address_is_a_form_error(client_for, org, admin):
    response = client_for(admin).post(url("invitations", org), {"email": "nope", "role": "editor"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not Invitation.objects.exists()


# -- Resending and revoking -------------------------------------------------------------
def test_outsider_cannot_resend_or_revoke(client_for, org, outsider):
    invitation = InvitationFactory(organization=org)
    client = client_for(outsider)
    assert client.post(url("invitation_resend", org, invitation.pk)).status_code == 404
    assert client.post(url("invitation_revoke", org, invitation.pk)).status_code == 404


def test_editor_cannot_resend_or_revoke(client_for, org, editor):
    invitation = InvitationFactory(organization=org)
    client = client_for(editor)
    assert client.post(url("invitation_resend", org, invitation.pk)).status_code == 403
    assert client.post(url("invitation_revoke", org, invitation.pk)).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_another_organizations_invitation_is_not_found(client_for, org, admin):
    invitation = InvitationFactory()
    client = client_for(admin)
    assert client.post(url("invitation_revoke", org, invitation.pk)).status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_resending_mails_a_new_link_and_the_old_one_stops_working(
    client_for, client, org, admin, invite, django_capture_on_commit_callbacks
):
    invitation = invite()
    old_path = invitation_path(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(url("invitation_resend", org, invitation.pk), follow=True)
    assert any("A new link was sent" in m for m in messages_of(response))
    assert len(mail.outbox) == 2
    new_path = invitation_path(mail.outbox[1])
    assert new_path != old_path
    old = client.get(old_path)
    assert old.status_code == 400
    assert b"replaced by a newer one" in old.content
    assert client.get(new_path).status_code == 200


def test_resending_an_expired_invitation_gives_it_a_new_week(client_for, org, admin):
    invitation = InvitationFactory(organization=org, expires_at=timezone.now())
    client_for(admin).post(url("invitation_resend", org, invitation.pk))
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_revoking_stops_the_link(client_for, client, org, admin, invite):
    invitation = invite()
    path = invitation_path(mail.outbox[0])
    response = client_for(admin).post(url("invitation_revoke", org, invitation.pk), follow=True)
    assert "The invitation to newcomer@example.com was withdrawn." in messages_of(response)
    page = client.get(path)
    assert page.status_code == 400
    assert b"withdrawn" in page.content
    assert b"newcomer@example.com" not in client_for(admin).get(url("invitations", org)).content


def test_revoking_twice_says_so(client_for, org, admin):
    invitation = InvitationFactory(organization=org, revoked_at=timezone.now())
    response = client_for(admin).post(url("invitation_revoke", org, invitation.pk), follow=True)
    assert messages_of(response) == ["This invitation was already used or withdrawn."]


def test_an_accepted_invitation_cannot_be_resent(client_for, org, admin):
    invitation = InvitationFactory(
        organization=org, accepted_at=timezone.now(), accepted_by=UserFactory()
    )
    response = client_for(admin).post(url("invitation_resend", org, invitation.pk), follow=True)
    assert messages_of(response) == ["Only a pending or expired invitation can be sent again."]
