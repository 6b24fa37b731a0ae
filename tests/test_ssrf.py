"""Addresses people give us never lead the server to private or local hosts."""

import pytest

from integrations.models import InstanceApp, Integration
from integrations.providers.base import Phase
from integrations.providers.mastodon import MastodonProvider
from postiz.ssrf import UnsafeURL, check_url
from tests.providers.conftest import httpserver_listen_address  # noqa: F401


@pytest.fixture
def guarded(settings):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False  # as in production


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/",
        "https://localhost/",
        "https://10.1.2.3/",
        "https://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0.0.0.0/",
        "file:///etc/passwd",
        "gopher://example.com/",
    ],
)
def test_private_local_and_odd_addresses_are_refused(guarded, url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_a_public_address_is_allowed(guarded):
    check_url("https://93.184.215.14/")  # a literal: no DNS needed
    check_url("wss://93.184.215.14/")


@pytest.mark.django_db
def test_a_mastodon_instance_on_this_machine_is_refused_before_any_request(
    guarded, httpserver, org, owner, client_for
):
    response = client_for(owner).post(
        "/o/acme/channels/connect/mastodon/", {"instance_url": httpserver.url_for("/")}
    )
    assert response.status_code == 400
    assert b"private or local address" in response.content
    assert httpserver.log == []  # nothing was fetched
    assert not InstanceApp.objects.exists() and not Integration.objects.exists()


@pytest.mark.django_db
def test_a_bluesky_service_at_a_metadata_address_is_refused(guarded, org, owner, client_for):
    response = client_for(owner).post(
        "/o/acme/channels/connect/bluesky/",
        {
            "service": "http://169.254.169.254",
            "identifier": "a.example.com",
            "app_password": "abcd-efgh-ijkl-mnop",
        },
    )
    assert response.status_code == 400
    assert not Integration.objects.exists()


def test_an_endpoint_the_operator_configured_is_trusted(guarded, settings, httpserver):
    settings.PROVIDER_ENDPOINTS = {"mastodon": {"api": httpserver.url_for("").rstrip("/")}}
    httpserver.expect_request("/ping").respond_with_data("ok")
    provider = MastodonProvider()
    assert provider.request("GET", httpserver.url_for("/ping"), phase=Phase.READ).text == "ok"


def test_a_person_given_address_is_not_followed_through_redirects(httpserver):
    httpserver.expect_request("/hop").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/"}
    )
    response = MastodonProvider().request("GET", httpserver.url_for("/hop"), phase=Phase.READ)
    assert response.status_code == 302
    assert [entry[0].path for entry in httpserver.log] == ["/hop"]  # the hop was not taken
