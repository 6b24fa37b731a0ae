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


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/google/login/",
        "/accounts/github/login/",
        "/accounts/google/login/callback/?code=x&state=y",
        "/accounts/github/login/callback/?code=x&state=y",
    ],
)
def test_a_sign_in_provider_that_is_not_configured_is_our_404(settings, client, path):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    for response in (client.get(path), client.post(path.split("?")[0])):
        assert response.status_code == 404
        assert b"We could not find that page" in response.content


def test_a_configured_sign_in_provider_still_starts_its_flow(settings, client):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {"APPS": [{"client_id": "id", "secret": "s"}], "SCOPE": ["user:email"]}
    }
    response = client.post("/accounts/github/login/")
    assert response.status_code == 302
    assert response["Location"].startswith("https://github.com/login/oauth/authorize")


def test_a_nul_in_a_page_query_is_a_400_naming_the_parameter(org, owner, client_for):
    response = client_for(owner).get(f"/o/{org.slug}/calendar/", {"customer": "\x00"})
    assert response.status_code == 400
    assert "The field “customer” contains a NUL character" in response.content.decode()


def test_a_nul_in_a_posts_text_is_a_400_naming_the_field_and_nothing_is_saved(
    org, owner, client_for
):
    from posts.models import Post
    from tests.posts.test_composer import form
    from tests.posts.test_groups import channel

    response = client_for(owner).post(
        f"/o/{org.slug}/posts/new/", form(channel(org), text="Hello\x00", action="draft")
    )
    assert response.status_code == 400
    assert "The field “item-0-text” contains a NUL character" in response.content.decode()
    assert not Post.objects.exists()


def test_a_network_setting_nested_too_deeply_is_not_a_server_error(org, owner, client_for):
    from posts.models import Post
    from tests.posts.test_composer import form
    from tests.posts.test_groups import channel

    x = channel(org, "x")
    data = form(x, action="draft", **{f"s{x.pk}-article_cover": "[" * 100_000})
    for path in (f"/o/{org.slug}/posts/new/", f"/o/{org.slug}/posts/validate/"):
        assert client_for(owner).post(path, data).status_code < 500
    assert Post.objects.count() <= 1


def test_a_field_that_cannot_be_stored_is_named_in_the_readers_language(org, owner, client_for):
    response = client_for(owner).get(
        f"/o/{org.slug}/calendar/", {"customer": "\x00"}, HTTP_ACCEPT_LANGUAGE="de"
    )
    assert response.status_code == 400
    assert "Das Feld „customer“ enthält ein NUL-Zeichen" in response.content.decode()
