from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations import events
from organizations.models import AuditEvent, Event, Organization
from organizations.permissions import Role
from organizations.services import audit_record
from postiz.tasks import heartbeat
from tests.factories import InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "admin:organizations_organization_changelist",
    "admin:organizations_membership_changelist",
    "admin:organizations_invitation_changelist",
    "admin:organizations_auditevent_changelist",
    "admin:organizations_event_changelist",
    "admin:postiz_workerheartbeat_changelist",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # These tests make many accounts and never check a password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client_for, superuser):
    return client_for(superuser)


@pytest.fixture
def many_rows(org, owner):
    """Enough rows of everything that one query per row would show in the counts."""
    for _ in range(6):
        membership = MembershipFactory(role=Role.EDITOR)
        MembershipFactory(organization=membership.organization, role=Role.VIEWER)
        InvitationFactory(organization=membership.organization)
        audit_record(
            action="organization.updated",
            actor=membership.user,
            organization=membership.organization,
            target=membership.organization,
        )
    InvitationFactory(organization=org, expires_at=timezone.now() - timedelta(days=1))
    heartbeat()
    for n in range(6):
        events.record("post.failed", organization_id=org.pk, post_id=n, dispatch=False)


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_each_changelist_loads_for_staff_in_a_bounded_number_of_queries(
    staff_client, many_rows, django_assert_max_num_queries, url_name
):
    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse(url_name))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url_name", "query"),
    [
        ("admin:organizations_organization_changelist", "deleted=no&q=acme"),
        ("admin:organizations_organization_changelist", "deleted=yes"),
        ("admin:organizations_invitation_changelist", "status=pending"),
        ("admin:organizations_invitation_changelist", "status=expired"),
        ("admin:organizations_membership_changelist", "role=owner"),
        ("admin:organizations_auditevent_changelist", "action=organization.updated"),
        ("admin:organizations_event_changelist", "told=no&name=post.failed"),
        ("admin:organizations_event_changelist", "told=yes&q=acme"),
    ],
)
def test_changelist_filters_and_search_work(staff_client, many_rows, url_name, query):
    response = staff_client.get(f"{reverse(url_name)}?{query}")
    assert response.status_code == 200
    assert "errornote" not in response.content.decode()


def test_organization_list_shows_member_counts(staff_client, org, owner, member):
    response = staff_client.get(reverse("admin:organizations_organization_changelist"))
    row = next(r for r in response.context["cl"].result_list if r.pk == org.pk)
    assert row.member_count == 2


def test_organization_page_lists_members_in_a_bounded_number_of_queries(
    staff_client, org, owner, member, viewer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        response = staff_client.get(
            reverse("admin:organizations_organization_change", args=[org.pk])
        )
    assert response.status_code == 200
    assert owner.email in response.content.decode()


def test_renaming_an_organization_in_the_admin_goes_through_the_service_and_is_audited(
    staff_client, superuser, org, owner
):
    url = reverse("admin:organizations_organization_change", args=[org.pk])
    data = {
        "name": "Acme Renamed",
        "timezone": "America/New_York",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = staff_client.post(url, data)

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.timezone, org.slug) == ("Acme Renamed", "America/New_York", "acme")
    event = AuditEvent.objects.get(organization=org, action="organization.updated")
    assert event.actor == superuser
    assert event.details["name"] == ["Acme", "Acme Renamed"]


def test_organizations_cannot_be_added_or_deleted_in_the_admin(staff_client, org):
    assert staff_client.get(reverse("admin:organizations_organization_add")).status_code == 403
    url = reverse("admin:organizations_organization_delete", args=[org.pk])
    assert staff_client.post(url, {"post": "yes"}).status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()


def test_the_audit_log_admin_offers_no_add_change_or_delete(staff_client, org, owner):
    event = audit_record(action="organization.updated", actor=owner, organization=org)
    changelist = staff_client.get(reverse("admin:organizations_auditevent_changelist"))
    model_admin = changelist.context["cl"].model_admin
    request = changelist.wsgi_request

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, event)
    assert not model_admin.has_delete_permission(request, event)
    assert "delete_selected" not in model_admin.get_actions(request)
    add_url = reverse("admin:organizations_auditevent_add")
    assert staff_client.get(add_url).status_code == 403
    change_url = reverse("admin:organizations_auditevent_change", args=[event.pk])
    page = staff_client.get(change_url)
    assert page.status_code == 200  # readable
    assert 'name="_save"' not in page.content.decode()
    assert staff_client.post(change_url, {"action": "tampered"}).status_code == 403
    delete_url = reverse("admin:organizations_auditevent_delete", args=[event.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "organization.updated"


def test_memberships_and_invitations_are_read_only_in_the_admin(staff_client, org, owner):
    invitation = InvitationFactory(organization=org)
    membership = owner.memberships.get()
    for url in (
        reverse("admin:organizations_membership_change", args=[membership.pk]),
        reverse("admin:organizations_invitation_change", args=[invitation.pk]),
    ):
        assert staff_client.post(url, {"role": Role.VIEWER}).status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


@pytest.mark.parametrize("url_name", ["admin:index", *CHANGELISTS])
def test_a_member_who_is_not_staff_is_sent_to_the_admin_login(client_for, owner, url_name):
    response = client_for(owner).get(reverse(url_name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_staff_can_tell_waiting_events_from_the_admin(staff_client, org, owner):
    from integrations.models import Integration
    from posts.models import Notification
    from tests.posts.helpers import make_post

    channel = Integration.objects.create(
        organization=org, provider="mastodon", external_id="1", name="Acme on Mastodon"
    )
    post = make_post(channel, "stuck")
    events.record("post.failed", organization_id=org.pk, post_id=post.pk, dispatch=False)
    waiting = Event.objects.get()
    response = staff_client.post(
        reverse("admin:organizations_event_changelist"),
        {"action": "tell_waiting_events", "_selected_action": [waiting.pk]},
        follow=True,
    )
    assert "1 waiting event told." in response.content.decode()
    assert Event.objects.get().dispatched_at is not None
    assert Notification.objects.filter(user=owner, post=post).count() == 1
    # Told once: telling again tells nobody twice.
    staff_client.post(
        reverse("admin:organizations_event_changelist"),
        {"action": "tell_waiting_events", "_selected_action": [waiting.pk]},
    )
    assert Notification.objects.filter(user=owner, post=post).count() == 1
