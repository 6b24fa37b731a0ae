import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User
from organizations.models import Membership
from organizations.permissions import Role
from tests.accounts.conftest import (
    SIGNUP_PASSWORD,
    is_logged_in,
    link_in_last_email,
    login,
    signup,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_signup_sends_a_confirmation_link_and_logs_in_only_after_it_is_followed(client):
    response = signup(client)

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not is_logged_in(client)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ada@example.com"]
    confirm_path = link_in_last_email("/confirm-email/")

    # Before confirming, the password alone does not get in.
    response = login(client, "ada@example.com", SIGNUP_PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not is_logged_in(client)

    # Confirmation is a POST (a mail scanner fetching the link confirms nothing).
    assert client.get(confirm_path).status_code == 200
    assert not EmailAddress.objects.get(email="ada@example.com").verified
    response = client.post(confirm_path)

    assert response.status_code == 302
    assert EmailAddress.objects.get(email="ada@example.com").verified
    assert is_logged_in(client)
    assert client.session["_auth_user_id"] == str(User.objects.get(email="ada@example.com").pk)


def test_signup_stores_an_argon2_hash_the_name_and_the_chosen_time_zone(client):
    signup(client, timezone="America/Sao_Paulo")

    user = User.objects.get(email="ada@example.com")
    assert user.password.startswith("argon2")
    assert user.check_password(SIGNUP_PASSWORD)
    assert user.name == "Ada Lovelace"
    assert user.timezone == "America/Sao_Paulo"


def test_signup_gives_the_new_person_a_team_they_own(client):
    signup(client, timezone="Asia/Tokyo")

    user = User.objects.get(email="ada@example.com")
    membership = Membership.objects.select_related("organization").get(user=user)
    assert membership.role == Role.OWNER
    assert membership.organization.name == "Ada Lovelace's team"
    assert membership.organization.timezone == "Asia/Tokyo"


def test_signup_lowercases_the_email_address(client):
    signup(client, email="Ada@Example.COM")

    assert User.objects.filter(email="ada@example.com").exists()
    assert EmailAddress.objects.filter(email="ada@example.com").exists()


def test_first_account_on_the_instance_becomes_superuser_and_later_ones_do_not(client):
    signup(client, email="first@example.com")
    signup(client, email="second@example.com")

    first = User.objects.get(email="first@example.com")
    second = User.objects.get(email="second@example.com")
    assert first.is_superuser and first.is_staff
    assert not second.is_superuser and not second.is_staff


def test_signup_after_existing_accounts_grants_no_admin_rights(client):
    UserFactory()

    signup(client)

    user = User.objects.get(email="ada@example.com")
    assert not user.is_superuser and not user.is_staff


def test_signup_with_an_invalid_email_shows_an_error_and_creates_nothing(client):
    response = signup(client, email="ada-at-example.com")

    assert response.status_code == 200
    assert "Enter a valid email address." in response.context["form"].errors["email"]
    assert b"Enter a valid email address." in response.content
    assert not User.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("second_email", ["ada@example.com", "Ada@Example.com"])
def test_signup_with_a_taken_email_shows_an_error_and_creates_nothing(client, second_email):
    UserFactory(email="ada@example.com")

    response = signup(client, email=second_email, name="Someone Else")

    assert response.status_code == 200
    errors = response.context["form"].errors["email"]
    assert errors == [
        "An account with this email address already exists. Sign in, or reset your "
        "password if you have forgotten it."
    ]
    assert b"An account with this email address already exists." in response.content
    assert User.objects.count() == 1
    assert EmailAddress.objects.count() == 1
    assert not Membership.objects.exists()
    assert mail.outbox == []


def test_signup_with_an_unknown_time_zone_shows_an_error_and_creates_nothing(client):
    response = signup(client, timezone="Mars/Olympus_Mons")

    assert response.status_code == 200
    assert response.context["form"].errors["timezone"] == [
        "Mars/Olympus_Mons is not a time zone we know. Pick one from the list, e.g. Europe/Paris."
    ]
    assert not User.objects.exists()


def test_signup_page_asks_for_name_and_a_browser_detected_time_zone(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_name">Your name</label>' in html
    assert '<select name="timezone"' in html
    select = html[html.index('<select name="timezone"') :].split(">", 1)[0]
    assert "data-detect-timezone" in select
    assert '<option value="Europe/Paris">Europe/Paris</option>' in html
    assert list(response.context["form"].fields)[:5] == [
        "name",
        "email",
        "password1",
        "password2",
        "timezone",
    ]


def test_closed_signup_shows_the_closed_page_and_creates_no_account(client, settings):
    settings.POSTIZ_DISABLE_SIGNUP = True

    page = client.get(reverse("account_signup"))
    response = signup(client)

    assert b"Sign-up is closed" in page.content
    assert b"Sign-up is closed" in response.content
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    assert not User.objects.exists()
    assert mail.outbox == []


def test_open_signup_does_not_show_the_closed_page(client, settings):
    settings.POSTIZ_DISABLE_SIGNUP = False

    response = client.get(reverse("account_signup"))

    assert b"Sign-up is closed" not in response.content
    assert "account/signup.html" in [t.name for t in response.templates]
