"""The tenancy answer comes before anything else, POST-only views included."""

import pytest

from tests.factories import InvitationFactory
from tests.organizations.conftest import membership_of, url

pytestmark = pytest.mark.django_db

POST_ONLY = ["member_role", "member_remove", "invitation_resend", "invitation_revoke"]


def args_for(name, org, owner):
    if name.startswith("member_"):
        return [membership_of(org, owner).pk]
    return [InvitationFactory(organization=org).pk]


@pytest.mark.parametrize("name", [*POST_ONLY, "leave"])
def test_outsider_gets_404_not_405_from_post_only_views(client_for, org, owner, outsider, name):
    extra = args_for(name, org, owner) if name != "leave" else []
    assert client_for(outsider).get(url(name, org, *extra)).status_code == 404


@pytest.mark.parametrize("name", POST_ONLY)
def test_a_too_low_role_gets_403_not_405_from_post_only_views(client_for, org, owner, editor, name):
    assert client_for(editor).get(url(name, org, *args_for(name, org, owner))).status_code == 403


@pytest.mark.parametrize("name", POST_ONLY)
def test_an_allowed_role_gets_405_from_a_get_to_a_post_only_view(
    client_for, org, owner, admin, name
):
    assert client_for(admin).get(url(name, org, *args_for(name, org, owner))).status_code == 405
