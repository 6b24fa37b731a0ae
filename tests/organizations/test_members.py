import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import AuditEvent, Membership
from organizations.permissions import Role
from tests.factories import MembershipFactory
from tests.organizations.conftest import membership_of, messages_of, url

pytestmark = pytest.mark.django_db


def role_url(org, user):
    return url("member_role", org, membership_of(org, user).pk)


def remove_url(org, user):
    return url("member_remove", org, membership_of(org, user).pk)


def change_role(client, org, user, role):
    prefix = f"m{membership_of(org, user).pk}"
    return client.post(role_url(org, user), {f"{prefix}-role": role}, follow=True)


# -- The list ---------------------------------------------------------------------------
def test_outsider_cannot_see_the_members(client_for, org, outsider):
    assert client_for(outsider).get(url("members", org)).status_code == 404


def test_viewer_sees_every_member_without_controls(client_for, org, owner, editor, viewer):
    response = client_for(viewer).get(url("members", org))
    assert response.status_code == 200
    text = response.content.decode()
    for person in (owner, editor, viewer):
        assert person.email in text
    assert "Change role" not in text
    assert ">Remove<" not in text
    assert "Leave organization" in text


def test_admin_gets_controls_for_non_owners_only(client_for, org, owner, admin, editor):
    response = client_for(admin).get(url("members", org))
    rows = {row["membership"].user: row for row in response.context["rows"]}
    assert rows[owner]["role_form"] is None and not rows[owner]["can_remove"]
    assert rows[editor]["role_form"] is not None and rows[editor]["can_remove"]
    assert not rows[admin]["can_remove"]  # they leave instead
    offered = [value for value, _ in rows[editor]["role_form"].fields["role"].choices]
    assert offered == [Role.ADMIN, Role.EDITOR, Role.VIEWER, Role.CLIENT]


def test_owner_may_make_someone_an_owner(client_for, org, owner, editor):
    response = client_for(owner).get(url("members", org))
    row = next(r for r in response.context["rows"] if r["membership"].user == editor)
    assert Role.OWNER in [value for value, _ in row["role_form"].fields["role"].choices]


def test_members_page_query_count_does_not_grow_with_members(
    client_for, org, owner, django_assert_max_num_queries
):
    client = client_for(owner)
    client.get(url("members", org))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url("members", org))
    MembershipFactory.create_batch(15, organization=org)
    with django_assert_max_num_queries(len(few)):
        response = client.get(url("members", org))
    assert len(response.context["rows"]) == 16


# -- Changing roles ---------------------------------------------------------------------
def test_outsider_cannot_change_a_role(client_for, org, outsider, editor):
    response = client_for(outsider).post(role_url(org, editor), {"role": "viewer"})
    assert response.status_code == 404


def test_editor_cannot_change_a_role(client_for, org, editor, viewer):
    response = change_role(client_for(editor), org, viewer, Role.ADMIN)
    assert response.status_code == 403
    assert membership_of(org, viewer).role == Role.VIEWER


def test_changing_a_role_is_post_only(client_for, org, admin, editor):
    assert client_for(admin).get(role_url(org, editor)).status_code == 405


def test_admin_changes_an_editors_role(client_for, org, admin, editor):
    response = change_role(client_for(admin), org, editor, Role.VIEWER)
    assert response.redirect_chain[0] == (url("members", org), 302)
    assert membership_of(org, editor).role == Role.VIEWER
    event = AuditEvent.objects.get(organization=org, action="member.role_changed")
    assert event.details == {"from": "editor", "to": "viewer"}


def test_a_member_of_another_organization_is_not_found(client_for, org, admin):
    stranger = MembershipFactory(role=Role.EDITOR)
    response = client_for(admin).post(url("member_role", org, stranger.pk), {"role": "viewer"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.role == Role.EDITOR


def test_admin_cannot_demote_an_owner(client_for, org, owner, admin):
    response = change_role(client_for(admin), org, owner, Role.EDITOR)
    assert "Only an owner can change or remove another owner." in messages_of(response)
    assert membership_of(org, owner).role == Role.OWNER


def test_admin_cannot_promote_someone_to_owner(client_for, org, admin, editor):
    response = change_role(client_for(admin), org, editor, Role.OWNER)
    assert messages_of(response) == ["Choose one of the roles you may give."]
    assert membership_of(org, editor).role == Role.EDITOR


def test_last_owner_cannot_be_demoted(client_for, org, owner):
    response = change_role(client_for(owner), org, owner, Role.ADMIN)
    assert any("last owner" in m for m in messages_of(response))
    assert membership_of(org, owner).role == Role.OWNER
    assert not AuditEvent.objects.filter(action="member.role_changed").exists()


def test_an_owner_can_step_down_when_there_is_another_owner(client_for, org, owner, editor):
    MembershipFactory(organization=org, role=Role.OWNER)
    change_role(client_for(owner), org, owner, Role.ADMIN)
    assert membership_of(org, owner).role == Role.ADMIN


# -- Removing ---------------------------------------------------------------------------
def test_outsider_cannot_remove_a_member(client_for, org, outsider, editor):
    assert client_for(outsider).post(remove_url(org, editor)).status_code == 404
    assert Membership.objects.filter(organization=org, user=editor).exists()


def test_editor_cannot_remove_a_member(client_for, org, editor, viewer):
    assert client_for(editor).post(remove_url(org, viewer)).status_code == 403
    assert Membership.objects.filter(organization=org, user=viewer).exists()


def test_admin_removes_an_editor(client_for, org, admin, editor):
    response = client_for(admin).post(remove_url(org, editor), follow=True)
    assert not Membership.objects.filter(organization=org, user=editor).exists()
    assert any("was removed" in m for m in messages_of(response))
    assert AuditEvent.objects.filter(organization=org, action="member.removed").exists()


def test_admin_cannot_remove_an_owner(client_for, org, owner, admin):
    response = client_for(admin).post(remove_url(org, owner), follow=True)
    assert "Only an owner can change or remove another owner." in messages_of(response)
    assert Membership.objects.filter(organization=org, user=owner).exists()


def test_last_owner_cannot_be_removed(client_for, org, owner, admin):
    # Only an owner may remove an owner, so the last owner could only remove themselves.
    for actor in (owner, admin):
        response = client_for(actor).post(remove_url(org, owner), follow=True)
        assert messages_of(response)
        assert membership_of(org, owner).role == Role.OWNER
    assert not AuditEvent.objects.filter(action__startswith="member.").exists()


def test_an_owner_removes_another_owner(client_for, org, owner):
    second = MembershipFactory(organization=org, role=Role.OWNER)
    client_for(second.user).post(remove_url(org, owner))
    assert not Membership.objects.filter(organization=org, user=owner).exists()


def test_removed_member_loses_access(client_for, org, admin, editor):
    client_for(admin).post(remove_url(org, editor))
    assert client_for(editor).get(reverse("posts:calendar", args=[org.slug])).status_code == 404


# -- Leaving ----------------------------------------------------------------------------
def test_outsider_cannot_leave_an_organization_they_are_not_in(client_for, org, outsider):
    assert client_for(outsider).post(url("leave", org)).status_code == 404


def test_leaving_is_post_only(client_for, org, editor):
    assert client_for(editor).get(url("leave", org)).status_code == 405


def test_viewer_can_leave(client_for, org, viewer):
    response = client_for(viewer).post(url("leave", org), follow=True)
    assert not Membership.objects.filter(organization=org, user=viewer).exists()
    assert "You left Acme." in messages_of(response)
    assert AuditEvent.objects.filter(organization=org, action="member.left").exists()


def test_leaving_the_last_organization_shows_the_create_page(client_for, org, editor):
    response = client_for(editor).post(url("leave", org), follow=True)
    assert response.redirect_chain[-1][0] == reverse("organization_create")
    assert b"You are not in any organization" in response.content


def test_last_owner_cannot_leave(client_for, org, owner, editor):
    response = client_for(owner).post(url("leave", org), follow=True)
    assert membership_of(org, owner).role == Role.OWNER
    assert response.redirect_chain[-1][0] == url("members", org)
    assert any("You are the last owner" in m for m in messages_of(response))


def test_a_second_owner_makes_leaving_possible(client_for, org, owner):
    MembershipFactory(organization=org, role=Role.OWNER)
    client_for(owner).post(url("leave", org))
    assert not Membership.objects.filter(organization=org, user=owner).exists()
