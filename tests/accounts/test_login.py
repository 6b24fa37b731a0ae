import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from organizations.models import AuditEvent
from tests.accounts.conftest import is_logged_in, link_in_last_email, login, logout
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not the password at all"
NEW_PASSWORD = "a brand new sentence 7"


def _per_key_limit(spec: str) -> int:
    """The number in "5/5m/key" from a rate-limit spec such as "5/5m/key,20/m/ip"."""
    for rate in spec.split(","):
        amount, _period, *per = rate.strip().split("/")
        if per == ["key"]:
            return int(amount)
    raise AssertionError(f"no per-key limit in {spec!r}")


def test_login_with_email_and_password_gets_in(client):
    user = UserFactory(email="grace@example.com")

    response = login(client, "Grace@Example.com")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_with_a_wrong_password_does_not_get_in(client):
    UserFactory(email="grace@example.com")

    response = login(client, "grace@example.com", WRONG)

    assert response.status_code == 200
    assert not is_logged_in(client)
    assert b"not correct" in response.content


def test_after_too_many_failed_logins_even_the_right_password_is_refused(client):
    UserFactory(email="grace@example.com")
    limit = _per_key_limit(django_settings.ACCOUNT_RATE_LIMITS["login_failed"])

    for _attempt in range(limit):
        response = login(client, "grace@example.com", WRONG)
        assert response.status_code == 200
        assert b"Too many failed login attempts" not in response.content

    response = login(client, "grace@example.com", PASSWORD)

    assert response.status_code == 200
    assert not is_logged_in(client)
    assert b"Too many failed login attempts. Try again later." in response.content


def test_failed_logins_for_one_account_do_not_lock_another(client):
    UserFactory(email="grace@example.com")
    other = UserFactory(email="ada@example.com")
    limit = _per_key_limit(django_settings.ACCOUNT_RATE_LIMITS["login_failed"])
    for _attempt in range(limit):
        login(client, "grace@example.com", WRONG)

    login(client, "ada@example.com")

    assert client.session["_auth_user_id"] == str(other.pk)


def test_too_many_login_requests_from_one_address_get_allauths_429(client, settings):
    UserFactory(email="grace@example.com")
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for _attempt in range(3):
        assert login(client, "grace@example.com", WRONG).status_code == 200

    response = login(client, "grace@example.com", PASSWORD)

    assert response.status_code == 429
    assert not is_logged_in(client)


def test_password_change_takes_the_new_password_and_is_audited(client):
    user = UserFactory(email="grace@example.com")
    login(client, "grace@example.com")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert user.password.startswith("argon2")
    event = AuditEvent.objects.get(action="account.password_changed")
    assert event.actor == user
    assert event.organization is None
    logout(client)
    assert login(client, "grace@example.com", PASSWORD).status_code == 200
    assert not is_logged_in(client)
    login(client, "grace@example.com", NEW_PASSWORD)
    assert is_logged_in(client)


def test_password_change_with_a_wrong_current_password_changes_nothing(client):
    user = UserFactory(email="grace@example.com")
    login(client, "grace@example.com")

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": WRONG, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_changed").exists()


def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    user = UserFactory(email="grace@example.com")

    response = client.post(reverse("account_reset_password"), {"email": "grace@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert mail.outbox[-1].to == ["grace@example.com"]
    reset_path = link_in_last_email("/password/reset/key/")
    # allauth moves the key out of the URL into the session, then shows the form.
    form_page = client.get(reset_path, follow=True)
    assert form_page.status_code == 200
    set_path = form_page.redirect_chain[-1][0]
    response = client.post(set_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_from_key_done")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(
        action="account.password_reset", actor=user, organization=None
    ).exists()
    login(client, "grace@example.com", NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_link_works_only_once(client):
    UserFactory(email="grace@example.com")
    client.post(reverse("account_reset_password"), {"email": "grace@example.com"})
    reset_path = link_in_last_email("/password/reset/key/")
    set_path = client.get(reset_path, follow=True).redirect_chain[-1][0]
    client.post(set_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    again = client.get(reset_path, follow=True)

    assert again.context["token_fail"] is True


def test_password_reset_for_an_unknown_address_looks_the_same_as_for_a_known_one(client):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert "/password/reset/key/" not in mail.outbox[-1].body


def _per_ip_limit(spec: str) -> int:
    for rate in spec.split(","):
        amount, _period, *per = rate.strip().split("/")
        if per in (["ip"], []):
            return int(amount)
    raise AssertionError(f"no per-address limit in {spec!r}")


def _fail_from(client, address: str) -> None:
    """As many failed sign-ins from ``address`` as the per-address limit allows, each for
    another account, so only the per-address limit can be reached."""
    limit = _per_ip_limit(django_settings.ACCOUNT_RATE_LIMITS["login_failed"])
    for attempt in range(limit):
        client.post(
            reverse("account_login"),
            {"login": f"someone{attempt}@example.com", "password": WRONG},
            HTTP_X_FORWARDED_FOR=address,
        )


def _login_from(address: str, email: str):
    client = Client(HTTP_X_FORWARDED_FOR=address)
    client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    return client


def test_behind_the_proxy_failures_from_one_person_do_not_lock_out_another(client, settings):
    settings.USE_X_FORWARDED_FOR = True  # every request arrives from the proxy, 127.0.0.1
    grace = UserFactory(email="grace@example.com")
    _fail_from(client, "203.0.113.7")

    assert is_logged_in(_login_from("198.51.100.4", "grace@example.com"))
    # The address that failed is still held back, even with the right password.
    assert not is_logged_in(_login_from("203.0.113.7", grace.email))


def test_behind_the_proxy_only_the_address_the_proxy_wrote_counts(client, settings):
    settings.USE_X_FORWARDED_FOR = True
    UserFactory(email="grace@example.com")
    # A client writing its own X-Forwarded-For gets the proxy's entry appended after it.
    for attempt in range(_per_ip_limit(django_settings.ACCOUNT_RATE_LIMITS["login_failed"])):
        client.post(
            reverse("account_login"),
            {"login": f"someone{attempt}@example.com", "password": WRONG},
            HTTP_X_FORWARDED_FOR=f"10.9.9.{attempt}, 203.0.113.7",
        )

    assert not is_logged_in(_login_from("1.2.3.4, 203.0.113.7", "grace@example.com"))


def test_without_a_trusted_proxy_x_forwarded_for_cannot_dodge_the_limit(client, settings):
    settings.USE_X_FORWARDED_FOR = False
    UserFactory(email="grace@example.com")
    _fail_from(client, "203.0.113.7")

    assert not is_logged_in(_login_from("198.51.100.4", "grace@example.com"))
