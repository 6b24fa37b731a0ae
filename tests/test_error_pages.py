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


def test_rate_limited_sign_in_answers_429_with_advice(settings, client):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    client.post("/accounts/login/", {"login": "a@example.com", "password": "x"})
    response = client.post("/accounts/login/", {"login": "a@example.com", "password": "x"})
    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_login_page_offers_sign_up_only_when_it_is_open(settings, client):
    assert b"Create an account" in client.get("/accounts/login/").content
    settings.POSTIZ_DISABLE_SIGNUP = True
    assert b"Create an account" not in client.get("/accounts/login/").content


def test_account_pages_keep_the_main_navigation_of_the_last_organization(org, owner, client_for):
    client = client_for(owner)
    client.get(f"/o/{org.slug}/calendar/")
    response = client.get("/accounts/profile/")
    assert f'href="/o/{org.slug}/channels/"'.encode() in response.content
