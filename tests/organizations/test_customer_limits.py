"""Members and invitations limited to customers, and the Client role."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import CustomerAccess
from organizations import services
from organizations.models import AuditEvent, Invitation
from organizations.permissions import Role, role_can
from tests.customer_world import limit
from tests.factories import CustomerFactory, MembershipFactory, OrganizationFactory
from tests.organizations.conftest import membership_of, messages_of, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(org):
    return CustomerFactory(organization=org, name="Alpha")


@pytest.fixture
def bravo(org):
    return CustomerFactory(organization=org, name="Bravo")


def save_member(client, org, user, role, customers):
    prefix = f"m{membership_of(org, user).pk}"
    data = {f"{prefix}-role": role, f"{prefix}-customers": [c.pk for c in customers]}
    return client.post(url("member_role", org, membership_of(org, user).pk), data, follow=True)


def test_the_client_role_reviews_but_cannot_edit():
    assert role_can(Role.CLIENT, "organization.view")
    assert role_can(Role.CLIENT, "posts.review_as_client")
    assert not role_can(Role.CLIENT, "posts.edit")
    assert not role_can(Role.CLIENT, "members.view")


def test_a_limited_admin_loses_every_organization_wide_permission():
    assert role_can(Role.ADMIN, "members.manage")
    assert not role_can(Role.ADMIN, "members.manage", customer_limited=True)
    assert not role_can(Role.ADMIN, "webhooks.manage", customer_limited=True)
    assert role_can(Role.ADMIN, "posts.publish", customer_limited=True)


def test_admin_invites_a_client_for_one_customer(
    client_for, org, admin, alpha, bravo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            url("invitations", org),
            {"email": "client@example.com", "role": Role.CLIENT, "customers": [alpha.pk]},
            follow=True,
        )
    assert messages_of(response) == ["Invitation sent to client@example.com."]
    invitation = Invitation.objects.get(email="client@example.com")
    assert invitation.customer_limited
    assert "Limited to Alpha" in response.content.decode()
    event = AuditEvent.objects.get(action="invitation.created")
    assert event.details["customers"] == ["Alpha"]

    user = MembershipFactory(role=Role.OWNER).user
    user.email = "client@example.com"
    user.save()
    membership = services.invitation_accept(invitation=invitation, user=user)
    assert membership.role == Role.CLIENT and membership.customer_limited
    assert list(
        CustomerAccess.objects.filter(membership=membership).values_list("customer", flat=True)
    ) == [alpha.pk]


def test_a_client_invitation_without_a_customer_is_refused(client_for, org, admin, alpha):
    response = client_for(admin).post(
        url("invitations", org), {"email": "client@example.com", "role": Role.CLIENT}
    )
    assert "choose at least one customer" in response.content.decode()
    assert not Invitation.objects.filter(email="client@example.com").exists()


def test_another_organizations_customer_cannot_be_chosen(org, owner):
    foreign = CustomerFactory(organization=OrganizationFactory())
    with pytest.raises(Exception, match="customers"):
        services.invitation_create(
            organization=org,
            actor_membership=membership_of(org, owner),
            email="x@example.com",
            role=Role.EDITOR,
            customer_ids=[foreign.pk],
        )


def test_owner_limits_an_editor_and_it_is_audited(client_for, org, owner, editor, alpha, bravo):
    response = save_member(client_for(owner), org, editor, Role.EDITOR, [alpha, bravo])
    assert response.status_code == 200
    membership = membership_of(org, editor)
    assert membership.customer_limited
    assert "Alpha, Bravo" in response.content.decode()
    event = AuditEvent.objects.get(action="member.customers_changed")
    assert event.details["customers"] == ["Alpha", "Bravo"]

    save_member(client_for(owner), org, editor, Role.EDITOR, [])
    membership.refresh_from_db()
    assert not membership.customer_limited
    assert not CustomerAccess.objects.filter(membership=membership).exists()


def test_an_editor_becomes_a_client_only_with_a_customer(client_for, org, owner, editor, alpha):
    response = save_member(client_for(owner), org, editor, Role.CLIENT, [])
    assert membership_of(org, editor).role == Role.EDITOR
    assert any("at least one customer" in m for m in messages_of(response))
    save_member(client_for(owner), org, editor, Role.CLIENT, [alpha])
    assert membership_of(org, editor).role == Role.CLIENT


def test_an_owner_cannot_be_limited(client_for, org, owner, alpha):
    second = MembershipFactory(organization=org, role=Role.OWNER).user
    response = save_member(client_for(owner), org, second, Role.OWNER, [alpha])
    assert not membership_of(org, second).customer_limited
    assert any("whole organization" in m for m in messages_of(response))


def test_a_limited_admin_gets_403_on_the_members_page(client_for, org, admin, alpha):
    limit(membership_of(org, admin), alpha)
    assert client_for(admin).get(url("members", org)).status_code == 403


def test_outsider_cannot_change_a_members_customers(client_for, org, editor, outsider, alpha):
    response = save_member(client_for(outsider), org, editor, Role.EDITOR, [alpha])
    assert response.status_code == 404
    assert not membership_of(org, editor).customer_limited


def test_members_page_queries_do_not_grow_with_limited_members(client_for, org, owner, alpha):
    client = client_for(owner)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("members", org)).status_code == 200
        return len(queries)

    limit(MembershipFactory(organization=org), alpha)
    count()  # the first request also reads what the session caches
    few = count()
    for _ in range(5):
        limit(MembershipFactory(organization=org), alpha)
    assert count() == few


def test_a_limited_member_sees_only_their_own_api_keys(client_for, org, owner, admin, alpha):
    from organizations.services import api_key_create

    api_key_create(organization=org, actor=owner, name="Owner's robot", scopes=["posts:read"])
    limit(membership_of(org, admin), alpha)
    response = client_for(admin).get(url("apikeys", org))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Owner&#x27;s robot" not in text and "Owner's robot" not in text
    assert "webhooks:manage" not in text


def test_visible_customer_ids_says_none_for_everyone_and_the_ids_for_a_limited_member(
    org, editor, viewer, alpha, bravo
):
    from integrations.selectors import visible_customer_ids

    assert visible_customer_ids(membership_of(org, viewer)) is None
    limited = limit(membership_of(org, editor), alpha)
    assert visible_customer_ids(limited) == frozenset({alpha.pk})
    # Limited with no customer left (deleted): sees nothing, never everything.
    alpha.delete()
    assert visible_customer_ids(membership_of(org, editor)) == frozenset()
