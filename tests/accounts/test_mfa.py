import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from organizations.models import AuditEvent
from tests.accounts.conftest import is_logged_in, login, logout
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "grace@example.com"


@pytest.fixture
def user():
    return UserFactory(email=EMAIL)


def _confirm_password(client):
    """allauth asks for the password again before security changes, even right after login."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def _activate_totp(client, totp_clock):
    """Sign in and switch on an authenticator app through allauth's own pages."""
    login(client, EMAIL)
    _confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    totp_clock.secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_clock.code()})
    assert response.status_code == 302, response.context["form"].errors
    return response


def _mfa_user(client, user, totp_clock):
    _activate_totp(client, totp_clock)
    logout(client)
    # The next sign-in happens one period later, so its code is a fresh one.
    totp_clock.now += 30
    return user


def test_activating_totp_first_asks_for_the_password_again(client, user):
    login(client, EMAIL)

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))


def test_activating_totp_creates_the_authenticator_and_recovery_codes(client, user, totp_clock):
    response = _activate_totp(client, totp_clock)

    assert response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    codes_page = client.get(response.url)
    assert codes_page.status_code == 200
    for code in codes_page.context["unused_codes"]:
        assert code in codes_page.content.decode()


def test_activating_totp_with_a_wrong_code_is_refused(client, user, totp_clock):
    login(client, EMAIL)
    _confirm_password(client)
    page = client.get(reverse("mfa_activate_totp"))
    totp_clock.secret = page.context["form"].secret

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_clock.code(2)})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not Authenticator.objects.filter(user=user).exists()


def test_password_alone_stops_at_the_two_factor_stage(client, user, totp_clock):
    _mfa_user(client, user, totp_clock)

    response = login(client, EMAIL)

    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    page = client.get(response.url)
    assert page.status_code == 200
    assert not is_logged_in(client)


def test_wrong_totp_code_is_refused(client, user, totp_clock):
    _mfa_user(client, user, totp_clock)
    login(client, EMAIL)

    response = client.post(reverse("mfa_authenticate"), {"code": totp_clock.code(3)})

    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Incorrect code."]
    assert not is_logged_in(client)


def test_right_totp_code_completes_the_sign_in(client, user, totp_clock):
    _mfa_user(client, user, totp_clock)
    login(client, EMAIL)

    response = client.post(reverse("mfa_authenticate"), {"code": totp_clock.code()})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_used_totp_code_cannot_be_replayed(client, user, totp_clock):
    _mfa_user(client, user, totp_clock)
    code = totp_clock.code()
    login(client, EMAIL)
    client.post(reverse("mfa_authenticate"), {"code": code})
    logout(client)
    login(client, EMAIL)

    response = client.post(reverse("mfa_authenticate"), {"code": code})

    assert response.status_code == 200
    assert not is_logged_in(client)


def test_a_recovery_code_works_once_and_not_twice(client, user, totp_clock):
    _mfa_user(client, user, totp_clock)
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(recovery).get_unused_codes()[0]

    login(client, EMAIL)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    logout(client)

    login(client, EMAIL)
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Incorrect code."]
    assert not is_logged_in(client)


def test_adding_and_removing_totp_is_audited_without_an_organization(
    client, user, totp_clock, django_capture_on_commit_callbacks
):
    # allauth announces a new authenticator only once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        _activate_totp(client, totp_clock)
    added = list(
        AuditEvent.objects.filter(action="account.mfa_added").values_list(
            "actor", "organization", "details"
        )
    )
    assert sorted(added, key=str) == [
        (user.pk, None, {"authenticator": "recovery_codes"}),
        (user.pk, None, {"authenticator": "totp"}),
    ]

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user).exists()
    removed = list(
        AuditEvent.objects.filter(action="account.mfa_removed").values_list(
            "actor", "organization", "details"
        )
    )
    assert sorted(removed, key=str) == [
        (user.pk, None, {"authenticator": "recovery_codes"}),
        (user.pk, None, {"authenticator": "totp"}),
    ]
