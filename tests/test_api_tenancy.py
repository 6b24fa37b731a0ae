"""The API base class seals tenants the same way the pages do."""

import pytest
from rest_framework.test import APIClient

from organizations.models import Membership
from postiz.api import OrganizationAPIView, OrganizationListAPIView
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_member_lists_the_members_of_their_organization(org, owner, viewer):
    response = api_for(viewer).get(f"/api/v1/o/{org.slug}/members")
    assert response.status_code == 200
    emails = {row["email"] for row in response.json()["results"]}
    assert emails == {owner.email, viewer.email}


def test_outsider_gets_404_with_the_error_shape(org, owner, outsider):
    response = api_for(outsider).get(f"/api/v1/o/{org.slug}/members")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_deleted_organization_answers_404(org, owner):
    from django.utils import timezone

    org.deleted_at = timezone.now()
    org.save(update_fields=["deleted_at"])
    assert api_for(owner).get(f"/api/v1/o/{org.slug}/members").status_code == 404


def test_anonymous_caller_is_refused(org):
    response = APIClient().get(f"/api/v1/o/{org.slug}/members")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_authenticated"


def test_my_organizations_lists_only_mine_with_my_role(org, admin, outsider):
    response = api_for(admin).get("/api/v1/organizations")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["slug"], row["role"]) for row in rows] == [(org.slug, "admin")]


def test_member_list_query_count_does_not_grow_with_members(
    org, owner, django_assert_max_num_queries
):
    for _ in range(25):
        MembershipFactory(organization=org)
    with django_assert_max_num_queries(6):
        response = api_for(owner).get(f"/api/v1/o/{org.slug}/members")
    assert len(response.json()["results"]) == Membership.objects.filter(organization=org).count()


def test_subclass_cannot_override_get_queryset():
    with pytest.raises(TypeError, match="get_organization_queryset"):

        class Leaky(OrganizationListAPIView):
            def get_queryset(self):
                return Membership.objects.all()


def test_view_with_a_permission_refuses_a_role_without_it(org, viewer, rf):
    class Secret(OrganizationAPIView):
        permission_required = "members.manage"

        def get(self, request, org_slug):
            return None

    from rest_framework.test import APIRequestFactory, force_authenticate

    request = APIRequestFactory().get("/")
    force_authenticate(request, user=viewer)
    response = Secret.as_view()(request, org_slug=org.slug)
    assert response.status_code == 403
