import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_organization_shows_the_product_404_page(owner, client_for):
    response = client_for(owner).get("/o/does-not-exist/calendar/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_a_form_posted_without_its_csrf_token_is_refused_with_advice(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert b"This form has expired" in response.content
