"""Connecting a WordPress site with an application password, against a local fake that
answers as a real WordPress 6.1 did."""

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, ProviderError
from integrations.providers.wordpress import WordPressProvider, route_url, site_address
from tests.providers.conftest import assert_no_secret
from tests.providers.wordpress.support import APP_PASSWORD, BASIC, USERNAME, reply, wp_channel

FIELDS = {"username": USERNAME, "app_password": APP_PASSWORD}


@pytest.fixture
def provider():
    return WordPressProvider()


@pytest.fixture
def origin(httpserver):
    return httpserver.url_for("/").rstrip("/")


def site_answers(httpserver, origin, *, me="user_me", schema="posts_schema"):
    """The pretty-permalink site: its home page names /wp-json/, which answers."""
    httpserver.expect_request("/", method="GET").respond_with_response(reply("home_page", origin))
    httpserver.expect_request("/wp-json/wp/v2/users/me").respond_with_response(reply(me, origin))
    httpserver.expect_request("/wp-json/").respond_with_response(reply("site_index", origin))
    httpserver.expect_request("/wp-json/wp/v2/posts", method="OPTIONS").respond_with_response(
        reply(schema, origin)
    )


def test_the_site_address_is_taken_as_people_paste_it():
    assert site_address("blog.acme.example") == "https://blog.acme.example"
    assert site_address("https://acme.example/blog/wp-admin/post-new.php") == (
        "https://acme.example/blog"
    )
    assert site_address("http://acme.example/wp-json/wp/v2") == "http://acme.example"
    assert site_address("ftp://acme.example") == ""


def test_routes_go_under_the_root_the_site_named():
    assert route_url("https://a.example/wp-json/", "/wp/v2/posts") == (
        "https://a.example/wp-json/wp/v2/posts"
    )
    assert route_url("https://a.example/index.php?rest_route=/", "/wp/v2/posts") == (
        "https://a.example/index.php?rest_route=/wp/v2/posts"
    )


def test_connect_finds_the_api_from_the_sites_link_and_reads_who_posts(
    provider, httpserver, origin, captured_logs
):
    site_answers(httpserver, origin)
    grant = provider.authenticate({"url": origin + "/wp-admin/", **FIELDS})

    me = next(r for r, _ in httpserver.log if r.path == "/wp-json/wp/v2/users/me")
    assert me.args["context"] == "edit"
    assert me.headers["Authorization"] == BASIC
    assert grant.credentials == FIELDS
    assert grant.meta["rest_root"] == origin + "/wp-json/"
    assert grant.meta["can_publish"] is True and grant.meta["can_upload"] is True
    assert grant.meta["canonical_meta"] == ""  # core WordPress exposes none
    (account,) = provider.accounts(grant)
    assert account.external_id == f"{origin}#1"
    assert account.name == "Acme Field Notes"
    assert account.username.startswith("editor@127.0.0.1:")
    assert_no_secret(captured_logs, APP_PASSWORD, BASIC.split()[1])


def test_a_site_without_pretty_permalinks_is_reached_through_rest_route(
    provider, httpserver, origin
):
    httpserver.expect_request("/", method="GET", query_string="").respond_with_response(
        reply("plain_home_page", origin)
    )
    httpserver.expect_request("/wp-json/wp/v2/users/me").respond_with_response(
        reply("plain_wp_json", origin)
    )
    asked = []

    def api(request):
        asked.append(request.args["rest_route"])
        route = request.args["rest_route"]
        if request.method == "OPTIONS":
            return reply("posts_schema", origin)
        return reply("plain_user_me" if route.endswith("/me") else "site_index", origin)

    httpserver.expect_request("/index.php").respond_with_handler(api)
    grant = provider.authenticate({"url": origin, **FIELDS})

    assert grant.meta["rest_root"] == origin + "/index.php?rest_route=/"
    assert asked == ["/wp/v2/users/me", "/", "/wp/v2/posts"]


def test_a_redirect_to_the_sites_own_address_is_followed(provider, httpserver, origin):
    httpserver.expect_request("/old/", method="GET").respond_with_response(
        Response("", status=301, headers={"Location": origin + "/"})
    )
    site_answers(httpserver, origin)
    grant = provider.authenticate({"url": origin + "/old", **FIELDS})
    assert grant.meta["rest_root"] == origin + "/wp-json/"


def test_a_revoked_application_password_is_refused_with_what_to_do(provider, httpserver, origin):
    site_answers(httpserver, origin, me="not_logged_in")
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, **FIELDS})
    assert caught.value.kind == ErrorKind.AUTH_REVOKED
    assert "application password" in caught.value.user_message


def test_a_contributor_connects_but_is_known_not_to_publish_or_upload(provider, httpserver, origin):
    site_answers(httpserver, origin, me="contributor_me")
    grant = provider.authenticate({"url": origin, **FIELDS})
    assert grant.meta["can_publish"] is False and grant.meta["can_upload"] is False


def test_a_site_that_exposes_a_canonical_field_is_remembered(provider, httpserver, origin):
    def with_canonical(body):
        body["schema"]["properties"]["meta"]["properties"] = {
            "_seo_canonical_url": {"type": "string"}
        }

    httpserver.expect_request("/wp-json/wp/v2/posts", method="OPTIONS").respond_with_response(
        reply("posts_schema", origin, edit=with_canonical)
    )
    site_answers(httpserver, origin)
    grant = provider.authenticate({"url": origin, **FIELDS})
    assert grant.meta["canonical_meta"] == "_seo_canonical_url"


def test_an_address_that_is_not_wordpress_says_so(provider, httpserver, origin):
    httpserver.expect_request("/").respond_with_data("<html>Hello</html>", content_type="text/html")
    httpserver.expect_request("/wp-json/").respond_with_response(reply("plain_wp_json", origin))
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, **FIELDS})
    assert (caught.value.kind, caught.value.field) == (ErrorKind.NOT_FOUND, "url")
    assert "WordPress site" in caught.value.user_message


def test_an_empty_password_is_asked_for_before_any_request(provider, httpserver, origin):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate({"url": origin, "username": USERNAME, "app_password": " "})
    assert caught.value.field == "app_password"
    assert httpserver.log == []


def test_check_connection_reads_the_user_again_and_refresh_asks_for_a_new_password(
    provider, httpserver, origin
):
    site_answers(httpserver, origin)
    channel = wp_channel(origin)
    assert provider.fetch_profile(channel).name == "Acme Field Notes"
    assert provider.check_refreshes(channel) is False
    with pytest.raises(ProviderError) as caught:
        provider.refresh(channel)
    assert caught.value.kind == ErrorKind.AUTH_REVOKED


def test_a_rest_root_on_another_host_is_not_trusted_with_the_password(provider, httpserver, origin):
    httpserver.expect_request("/").respond_with_data(
        "<html></html>",
        content_type="text/html",
        headers={"Link": '<https://collector.example/wp-json/>; rel="https://api.w.org/"'},
    )
    httpserver.expect_request("/wp-json/").respond_with_response(reply("site_index", origin))
    httpserver.expect_request("/wp-json/wp/v2/users/me").respond_with_response(
        reply("user_me", origin)
    )
    httpserver.expect_request("/wp-json/wp/v2/posts", method="OPTIONS").respond_with_response(
        reply("posts_schema", origin)
    )
    grant = provider.authenticate({"url": origin, **FIELDS})
    assert grant.meta["rest_root"] == origin + "/wp-json/"


def test_a_page_without_the_link_header_names_its_api_in_a_link_tag(provider, httpserver, origin):
    # As a cache or proxy that drops Link headers leaves WordPress's page.
    tag = f'<link rel="https://api.w.org/" href="{origin}/index.php?rest_route=/&amp;x=1" />'
    httpserver.expect_request("/", method="GET").respond_with_data(
        f"<html><head>{tag}</head></html>", content_type="text/html; charset=UTF-8"
    )
    assert provider.discover(origin) == f"{origin}/index.php?rest_route=/&x=1"
