from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organizations.models import AuditEvent
from tests.factories import OrganizationFactory
from tests.organizations.conftest import url

pytestmark = pytest.mark.django_db


def event(org, action="member.removed", actor_email="ada@example.com", at=None, **fields):
    return AuditEvent.objects.create(
        organization=org,
        action=action,
        actor_email=actor_email,
        created_at=at or datetime(2024, 7, 1, 10, 0, tzinfo=UTC),
        **fields,
    )


def shown(response) -> list[str]:
    return [e.action for e in response.context["page_obj"].object_list]


# -- Access -----------------------------------------------------------------------------
def test_outsider_cannot_read_the_audit_log(client_for, org, outsider):
    assert client_for(outsider).get(url("audit", org)).status_code == 404


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_editors_and_viewers_cannot_read_the_audit_log(client_for, org, role, request):
    user = request.getfixturevalue(role)
    assert client_for(user).get(url("audit", org)).status_code == 403


def test_admin_reads_the_audit_log(client_for, org, admin):
    event(org)
    response = client_for(admin).get(url("audit", org))
    assert response.status_code == 200
    assert shown(response) == ["member.removed"]


def test_empty_log_shows_the_empty_state(client_for, org, admin):
    response = client_for(admin).get(url("audit", org))
    assert b"Nothing recorded yet" in response.content


def test_other_organizations_events_are_not_shown(client_for, org, admin):
    event(OrganizationFactory(), action="organization.deleted")
    event(None, action="account.password_changed")
    response = client_for(admin).get(url("audit", org))
    assert shown(response) == []


# -- What a row says --------------------------------------------------------------------
def test_times_are_shown_in_the_viewers_zone_and_name_it(client_for, org, admin):
    admin.timezone = "Asia/Tokyo"
    admin.save()
    event(org, at=datetime(2024, 7, 1, 10, 0, tzinfo=UTC))
    text = client_for(admin).get(url("audit", org)).content.decode()
    assert "1 Jul 2024, 19:00:00" in text
    assert 'Time <span class="muted">(Asia/Tokyo)</span>' in text


def test_a_row_shows_actor_target_details_and_ip(client_for, org, admin):
    event(
        org,
        action="organization.updated",
        actor_email="grace@example.com",
        target_type="organization",
        target_repr="Acme Corp",
        details={"name": ["Acme", "Acme Corp"]},
        ip_address="203.0.113.9",
    )
    text = client_for(admin).get(url("audit", org)).content.decode()
    assert "grace@example.com" in text
    assert 'Acme Corp <span class="muted">(organization)</span>' in text
    assert "Acme → Acme Corp" in text
    assert "203.0.113.9" in text


def test_a_real_rename_appears_in_the_log(client_for, org, admin):
    client = client_for(admin)
    client.post(url("settings", org), {"name": "Acme Corp", "timezone": "Europe/Paris"})
    response = client.get(url("audit", org))
    assert shown(response) == ["organization.updated"]
    assert response.context["page_obj"].object_list[0].actor_email == admin.email


# -- Filters ----------------------------------------------------------------------------
def test_action_choices_come_from_the_actions_present(client_for, org, admin):
    event(org, action="member.removed")
    event(org, action="member.role_changed")
    event(org, action="invitation.created")
    choices = client_for(admin).get(url("audit", org)).context["form"].fields["action"].choices
    assert choices == [
        ("", "All actions"),
        ("Invitation", [("invitation.", "All invitation events"), ("invitation.created",) * 2]),
        (
            "Member",
            [
                ("member.", "All member events"),
                ("member.removed",) * 2,
                ("member.role_changed",) * 2,
            ],
        ),
    ]


def test_filtering_by_action_prefix(client_for, org, admin):
    event(org, action="member.removed")
    event(org, action="member.role_changed")
    event(org, action="invitation.created")
    response = client_for(admin).get(url("audit", org), {"action": "member."})
    assert sorted(shown(response)) == ["member.removed", "member.role_changed"]


def test_filtering_by_one_action(client_for, org, admin):
    event(org, action="member.removed")
    event(org, action="member.role_changed")
    response = client_for(admin).get(url("audit", org), {"action": "member.role_changed"})
    assert shown(response) == ["member.role_changed"]


def test_an_action_not_in_the_log_is_a_filter_error(client_for, org, admin):
    event(org, action="member.removed")
    response = client_for(admin).get(url("audit", org), {"action": "billing."})
    assert response.context["form"].errors["action"]


def test_filtering_by_actor_email(client_for, org, admin):
    event(org, action="member.removed", actor_email="ada@example.com")
    event(org, action="invitation.created", actor_email="grace@example.com")
    response = client_for(admin).get(url("audit", org), {"actor": "GRACE@"})
    assert shown(response) == ["invitation.created"]


def test_dates_are_days_in_the_viewers_zone(client_for, org, admin):
    # admin is in Europe/Paris (UTC+1 in March before the change): 10 March starts 23:00 UTC.
    event(org, action="a.before", at=datetime(2024, 3, 9, 22, 30, tzinfo=UTC))
    event(org, action="a.start", at=datetime(2024, 3, 9, 23, 30, tzinfo=UTC))
    event(org, action="a.end", at=datetime(2024, 3, 10, 22, 30, tzinfo=UTC))
    event(org, action="a.after", at=datetime(2024, 3, 10, 23, 30, tzinfo=UTC))
    response = client_for(admin).get(
        url("audit", org), {"date_from": "2024-03-10", "date_to": "2024-03-10"}
    )
    assert shown(response) == ["a.end", "a.start"]


def test_a_date_range_that_ends_before_it_starts_is_a_form_error(client_for, org, admin):
    response = client_for(admin).get(
        url("audit", org), {"date_from": "2024-03-10", "date_to": "2024-03-01"}
    )
    assert response.context["form"].errors["date_to"]


def test_no_match_shows_a_filtered_empty_state(client_for, org, admin):
    event(org, actor_email="ada@example.com")
    response = client_for(admin).get(url("audit", org), {"actor": "nobody"})
    assert b"No events match these filters" in response.content


# -- Pages ------------------------------------------------------------------------------
def test_the_log_is_paginated_by_50_and_pages_keep_the_filters(client_for, org, admin):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(120):
        event(org, action="member.removed", at=start + timedelta(minutes=n))
    event(org, action="invitation.created")
    client = client_for(admin)
    first = client.get(url("audit", org), {"action": "member."})
    assert len(first.context["page_obj"].object_list) == 50
    assert first.context["page_obj"].paginator.num_pages == 3
    assert "?action=member.&amp;page=2" in first.content.decode()
    last = client.get(url("audit", org), {"action": "member.", "page": 3})
    assert len(last.context["page_obj"].object_list) == 20
    assert set(shown(last)) == {"member.removed"}


def test_the_audit_page_query_count_does_not_grow_with_rows(
    client_for, org, admin, django_assert_max_num_queries
):
    client = client_for(admin)
    event(org, details={"n": 1})
    client.get(url("audit", org))  # warm the session
    with CaptureQueriesContext(connection) as one_row:
        client.get(url("audit", org))
    for n in range(60):
        event(org, action=f"member.n{n % 5}", details={"n": n}, ip_address="198.51.100.1")
    with django_assert_max_num_queries(len(one_row)):
        response = client.get(url("audit", org))
    assert len(response.context["page_obj"].object_list) == 50
    with django_assert_max_num_queries(12):
        client.get(url("audit", org), {"action": "member.", "page": 2})


def test_filter_fields_are_labelled_and_typed_for_the_browser(client_for, org, admin):
    text = client_for(admin).get(url("audit", org)).content.decode()
    for field, kind in (("actor", "search"), ("date_from", "date"), ("date_to", "date")):
        assert f'<label for="id_{field}">' in text
        assert f'<input type="{kind}" name="{field}"' in text
