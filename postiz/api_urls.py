from django.urls import path

from organizations import api as organizations_api

urlpatterns = [
    path("organizations", organizations_api.OrganizationList.as_view(), name="api_organizations"),
    path(
        "o/<slug:org_slug>/members",
        organizations_api.MemberList.as_view(),
        name="api_members",
    ),
]
