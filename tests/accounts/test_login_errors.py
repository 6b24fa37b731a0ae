"""A failed sign-in's message is tied to the fields it is about, for screen readers."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_failed_sign_in_marks_both_fields_invalid_and_described_by_the_error(client):
    UserFactory(email="grace@example.com")
    response = client.post(
        reverse("account_login"), {"login": "grace@example.com", "password": "wrong"}
    )
    html = response.content.decode()
    assert '<div id="form-errors" data-error-summary>' in html
    assert html.count('aria-invalid="true"') == 2
    described = re.findall(r'aria-describedby="([^"]*)"', html)
    assert [d for d in described if "form-errors" in d.split()] == described
    assert len(described) == 2


def test_a_fresh_sign_in_form_marks_nothing_invalid(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "aria-invalid" not in html and "form-errors" not in html


def test_the_header_menus_keep_their_visible_names(client_for, owner, org):
    html = client_for(owner).get(reverse("posts:calendar", args=[org.slug])).content.decode()
    assert 'aria-label="Switch organization"' not in html
    assert '<span class="visually-hidden">Switch organization: </span>Acme</summary>' in html
    assert '<span class="visually-hidden">Your account: </span>' in html
