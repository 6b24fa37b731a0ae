import time
from datetime import timedelta
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.adapters import INVITATION_SESSION_KEY
from accounts.models import User
from organizations import services
from organizations.models import AuditEvent, Membership
from organizations.permissions import Role
from tests.factories import PASSWORD, InvitationFactory, UserFactory
from tests.organizations.conftest import invitation_path, messages_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long and unusual passphrase 42"


def accept_path(invitation):
    return reverse("invitation_accept", args=[services.invitation_token(invitation)])


def sign_up(client, email):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "name": "New Comer",
            "timezone": "Europe/Berlin",
        },
        follow=True,
    )


def assert_refused(response, message, org):
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Membership.objects.filter(organization=org).count() == 1  # the owner only


# -- Anonymous visitors -----------------------------------------------------------------
def test_anonymous_visitor_without_an_account_is_offered_sign_up(client, org, owner, invite):
    invite(email="newcomer@example.com", role="viewer")
    response = client.get(invitation_path(mail.outbox[0]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Acme" in text and "viewer" in text and owner.display_name in text
    signup = urlsplit(response.context["signup_url"])
    assert signup.path == reverse("account_signup")
    assert parse_qs(signup.query) == {"email": ["newcomer@example.com"]}
    assert response.context["signup_url"] in text.replace("&amp;", "&")
    session = client.session
    assert session[INVITATION_SESSION_KEY] == invitation_path(mail.outbox[0]).split("/")[2]
    assert session["account_verified_email"] == "newcomer@example.com"


def test_anonymous_visitor_with_an_account_is_asked_to_sign_in(client, org, owner, invite):
    person = UserFactory(email="known@example.com")
    invite(email=person.email)
    path = invitation_path(mail.outbox[0])
    response = client.get(path)
    assert response.status_code == 200
    login = urlsplit(response.context["login_url"])
    assert login.path == reverse("account_login")
    assert parse_qs(login.query) == {"next": [path]}
    assert b"Sign in to accept" in response.content
    assert INVITATION_SESSION_KEY not in client.session


def test_anonymous_post_is_sent_to_sign_in(client, org, owner, invite):
    invite()
    path = invitation_path(mail.outbox[0])
    response = client.post(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert Membership.objects.filter(organization=org).count() == 1


@pytest.mark.parametrize("signup_closed", [False, True])
def test_new_person_signs_up_from_the_invitation_and_joins_without_a_team_of_their_own(
    client, settings, org, owner, invite, signup_closed
):
    settings.POSTIZ_DISABLE_SIGNUP = signup_closed
    invite(email="newcomer@example.com", role="viewer")
    client.get(invitation_path(mail.outbox[0]))
    response = sign_up(client, "newcomer@example.com")
    user = User.objects.get(email="newcomer@example.com")
    assert [(m.organization, m.role) for m in Membership.objects.filter(user=user)] == [
        (org, Role.VIEWER)
    ]
    assert EmailAddress.objects.get(user=user).verified
    assert response.redirect_chain[-1][0] == reverse("posts:calendar", args=[org.slug])
    assert AuditEvent.objects.filter(organization=org, action="invitation.accepted").exists()


def test_sign_up_stays_closed_without_an_invitation(client, settings):
    settings.POSTIZ_DISABLE_SIGNUP = True
    sign_up(client, "nobody@example.com")
    assert not User.objects.filter(email="nobody@example.com").exists()


def test_existing_person_signs_in_and_accepts(client, org, owner, invite):
    person = UserFactory(email="known@example.com")
    invite(email=person.email, role="admin")
    path = invitation_path(mail.outbox[0])
    login = client.get(path).context["login_url"]
    response = client.post(login, {"login": person.email, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == path
    assert response.context["email_matches"] is True
    response = client.post(path, follow=True)
    assert response.redirect_chain[0] == (reverse("posts:calendar", args=[org.slug]), 302)
    assert "Welcome to Acme. You joined as admin." in messages_of(response)
    assert Membership.objects.get(organization=org, user=person).role == Role.ADMIN


# -- Links that cannot be used ----------------------------------------------------------
def test_a_tampered_link_is_refused(client_for, org, owner, invite):
    invite(email="known@example.com")
    person = UserFactory(email="known@example.com")
    path = invitation_path(mail.outbox[0])
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    client = client_for(person)
    assert_refused(client.get(tampered), "not valid", org)
    assert_refused(client.post(tampered), "not valid", org)


def test_garbage_in_place_of_a_token_is_a_400_not_a_500(client, org, owner):
    response = client.get(reverse("invitation_accept", args=["not-a-token"]))
    assert_refused(response, "not valid", org)


def test_an_invitation_past_its_expiry_is_refused(client_for, org, owner):
    person = UserFactory()
    invitation = InvitationFactory(
        organization=org, email=person.email, expires_at=timezone.now() - timedelta(minutes=1)
    )
    response = client_for(person).get(accept_path(invitation))
    assert_refused(response, "expired", org)


def test_a_link_signed_longer_ago_than_the_invitation_lifetime_is_refused(
    client_for, settings, org, owner
):
    person = UserFactory()
    invitation = InvitationFactory(organization=org, email=person.email)
    long_ago = time.time() - (settings.POSTIZ_INVITATION_DAYS + 1) * 86400
    with mock.patch("django.core.signing.time") as clock:
        clock.time.return_value = long_ago
        path = accept_path(invitation)
    # The row still says "valid": only the signature's age refuses it.
    assert invitation.status == "pending"
    client = client_for(person)
    assert_refused(client.get(path), "expired", org)
    assert_refused(client.post(path), "expired", org)


def test_a_link_works_only_once(client_for, org, owner, invite):
    person = UserFactory(email="newcomer@example.com")
    invite()
    path = invitation_path(mail.outbox[0])
    client = client_for(person)
    assert client.post(path).status_code == 302
    second = client.get(path)
    assert second.status_code == 400
    assert b"already been used" in second.content
    assert Membership.objects.filter(organization=org, user=person).count() == 1


def test_a_used_link_does_not_let_someone_else_in(client, client_for, org, owner, invite):
    person = UserFactory(email="newcomer@example.com")
    invite()
    path = invitation_path(mail.outbox[0])
    client_for(person).post(path)
    response = client.get(path)
    assert response.status_code == 400
    assert INVITATION_SESSION_KEY not in client.session


def test_a_revoked_invitation_is_refused(client_for, org, owner, invite):
    person = UserFactory(email="newcomer@example.com")
    invitation = invite()
    services.invitation_revoke(
        invitation=invitation, actor_membership=Membership.objects.get(user=owner)
    )
    response = client_for(person).post(invitation_path(mail.outbox[0]))
    assert_refused(response, "withdrawn", org)


def test_the_old_link_is_refused_after_a_resend(
    client_for, org, owner, invite, django_capture_on_commit_callbacks
):
    person = UserFactory(email="newcomer@example.com")
    invitation = invite()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(
            invitation=invitation, actor_membership=Membership.objects.get(user=owner)
        )
    client = client_for(person)
    assert_refused(client.post(invitation_path(mail.outbox[0])), "replaced by a newer one", org)
    assert client.post(invitation_path(mail.outbox[1])).status_code == 302


def test_an_invitation_to_a_deleted_organization_is_refused(client_for, org, owner, invite):
    person = UserFactory(email="newcomer@example.com")
    invite()
    path = invitation_path(mail.outbox[0])
    services.organization_delete(organization=org, actor=owner, confirm_name="Acme")
    response = client_for(person).get(path)
    assert response.status_code == 400
    assert b"no longer exists" in response.content


def test_signed_in_with_another_address_names_both_and_offers_sign_out(
    client_for, org, owner, invite
):
    someone_else = UserFactory(email="other@example.com")
    invite(email="newcomer@example.com")
    path = invitation_path(mail.outbox[0])
    client = client_for(someone_else)
    response = client.get(path)
    assert response.status_code == 200
    text = response.content.decode()
    assert "sent to <strong>newcomer@example.com</strong>" in text
    assert "signed in as <strong>other@example.com</strong>" in text
    assert f'action="{reverse("account_logout")}"' in text
    assert "Accept and join" not in text
    refused = client.post(path)
    assert_refused(refused, "other@example.com", org)
    assert "newcomer@example.com" in refused.content.decode()
