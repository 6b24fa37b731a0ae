from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from accounts.models import User
from organizations.models import AuditEvent, Membership, Organization
from organizations.permissions import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def createorganization(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("createorganization", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_new_owner_gets_an_account_with_a_verified_address_and_no_password():
    out, err = createorganization(
        "--owner", "Ana@Example.com", "--name", "Acme Studio", "--timezone", "Europe/Lisbon"
    )

    assert out == "acme-studio\n"
    organization = Organization.objects.get(slug="acme-studio")
    assert organization.name == "Acme Studio"
    assert organization.timezone == "Europe/Lisbon"
    user = User.objects.get(email="ana@example.com")
    assert not user.has_usable_password()
    assert user.timezone == "Europe/Lisbon"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("ana@example.com", True, True)
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == Role.OWNER
    assert AuditEvent.objects.filter(organization=organization, action="organization.created")
    assert "password reset" in err.lower() or "forgot your password" in err.lower()


def test_the_first_account_created_this_way_is_the_instance_admin():
    createorganization("--owner", "first@example.com", "--name", "One")
    createorganization("--owner", "second@example.com", "--name", "Two")

    assert User.objects.get(email="first@example.com").is_superuser
    assert not User.objects.get(email="second@example.com").is_superuser


def test_a_password_given_for_a_new_owner_is_set():
    createorganization(
        "--owner", "bo@example.com", "--name", "Bo", "--password", "a long unusual phrase 42"
    )

    assert User.objects.get(email="bo@example.com").check_password("a long unusual phrase 42")


def test_an_existing_user_becomes_owner_and_keeps_their_password_and_zone():
    user = UserFactory(email="cy@example.com", timezone="Asia/Tokyo", verified_email=False)
    user.set_password("old password kept")
    user.save()

    out, _err = createorganization(
        "--owner", "CY@example.com", "--name", "Cy Co", "--password", "ignored pass phrase"
    )

    organization = Organization.objects.get(slug=out.strip())
    assert organization.timezone == "Asia/Tokyo"  # the owner's zone when none is given
    assert Membership.objects.get(organization=organization, user=user).role == Role.OWNER
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.check_password("old password kept")
    assert EmailAddress.objects.get(user=user).verified


def test_a_taken_name_gets_the_next_free_slug_and_stdout_is_only_that_slug():
    createorganization("--owner", "dee@example.com", "--name", "Same")
    out, _err = createorganization("--owner", "dee@example.com", "--name", "Same")

    assert out == "same-2\n"
    assert Organization.objects.filter(memberships__user__email="dee@example.com").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--owner", "not-an-email", "--name", "X"], "not a valid email"),
        (["--owner", "x@example.com", "--name", "   "], "name"),
        (["--owner", "x@example.com", "--name", "X", "--timezone", "Mars/Olympus"], "time zone"),
        (["--owner", "x@example.com", "--name", "X" * 101], "100 characters"),
        (["--owner", "x@example.com", "--name", "X", "--password", "password"], "--password"),
    ],
)
def test_bad_input_is_a_command_error_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        createorganization(*args)

    assert not User.objects.exists()
    assert not Organization.objects.exists()
    assert not EmailAddress.objects.exists()
    assert not AuditEvent.objects.exists()
