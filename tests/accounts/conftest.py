import re
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal import auth as totp_auth
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

SIGNUP_PASSWORD = "a long and quiet river 42"


def signup(client, **overrides):
    """Post the sign-up form as a person would fill it in."""
    data = {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
        "timezone": "Europe/London",
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def logout(client):
    return client.post(reverse("account_logout"))


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def link_in_last_email(path_fragment: str) -> str:
    """The path of the first link in the newest email whose path contains the fragment."""
    assert mail.outbox, "no email was sent"
    for url in re.findall(r"https?://\S+", mail.outbox[-1].body):
        path = urlsplit(url).path
        if path_fragment in path:
            return path
    raise AssertionError(f"no {path_fragment} link in: {mail.outbox[-1].body}")


@pytest.fixture
def totp_clock(monkeypatch):
    """allauth's TOTP check reads this clock, so codes do not depend on the wall clock."""
    clock = SimpleNamespace(now=1_900_000_000.0)
    monkeypatch.setattr(totp_auth, "time", SimpleNamespace(time=lambda: clock.now))

    def code(offset_periods: int = 0) -> str:
        counter = int(clock.now) // mfa_settings.TOTP_PERIOD + offset_periods
        return totp_auth.format_hotp_value(totp_auth.hotp_value(clock.secret, counter))

    clock.code = code
    clock.secret = None
    return clock
