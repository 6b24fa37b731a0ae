"""LinkedIn Page's companies tool: the organizations the member administers."""

import pytest

from integrations.providers.base import Channel
from integrations.providers.linkedin import LinkedInPageProvider
from tests.posts.e2e.fakes import FakeNetwork, answer
from tests.providers.linkedin.conftest import TOKEN, configure


@pytest.fixture
def fake(settings, httpserver):
    configure(settings, httpserver)
    return FakeNetwork(httpserver)


def test_companies_are_the_approved_administrator_organizations(fake):
    fake.on("GET", r"/b/rest/organizationAcls", answer("linkedin", "organization_acls"))
    fake.on("GET", r"/b/rest/organizations", answer("linkedin", "organizations"))
    page = Channel("2414183", {"access_token": TOKEN}, meta={"urn": "urn:li:organization:2414183"})
    output = LinkedInPageProvider().run_tool(page, "companies", {})
    assert output == [
        {
            "id": "2414183",
            "name": "Devtestco",
            "vanityName": "devtestco",
            "urn": "urn:li:organization:2414183",
            "url": "https://www.linkedin.com/company/devtestco",
        },
        {
            "id": "5583111",
            "name": "Example Corp",
            "vanityName": "example-corp",
            "urn": "urn:li:organization:5583111",
            "url": "https://www.linkedin.com/company/example-corp",
        },
    ]
    acls = fake.calls[0]
    assert acls.args == {"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}
    assert acls.headers["Authorization"] == f"Bearer {TOKEN}"
    assert acls.headers["Linkedin-Version"]
