"""Addresses people give us never lead the server to private or local hosts."""

import socket

import pytest
from pytest_httpserver import HTTPServer

from integrations.models import InstanceApp, Integration
from integrations.providers.base import Phase
from integrations.providers.mastodon import MastodonProvider
from postiz.ssrf import UnsafeURL, check_url, guarded_session, pinned_socket
from posts import webhooks
from tests.internet import FakeInternet
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


# -- The guarded session: connects to what it vetted ------------------------------------
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture
def public_site():
    """A server standing for a public host: the fake internet routes to it."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def internet(monkeypatch):
    return FakeInternet(monkeypatch)


def test_a_second_dns_answer_cannot_send_the_request_to_this_machine(
    guarded, internet, httpserver, public_site
):
    # httpserver stands for a service on this machine; the name answers public first.
    httpserver.expect_request("/secret").respond_with_data("internal")
    public_site.expect_request("/secret").respond_with_data("public")
    internet.name("rebind.example", PUBLIC_ADDRESS, "127.0.0.1")
    internet.route(PUBLIC_ADDRESS, httpserver.port, public_site.port)

    with guarded_session() as session:
        response = session.get(f"http://rebind.example:{httpserver.port}/secret")

    assert response.text == "public"
    assert httpserver.log == []
    assert internet.lookups == ["rebind.example"]  # resolved once
    assert internet.dials == [(PUBLIC_ADDRESS, httpserver.port)]
    (request, _), *_ = public_site.log
    assert request.headers["Host"] == f"rebind.example:{httpserver.port}"
    assert request.headers["Accept-Encoding"] == "identity"


def test_a_redirect_to_this_machine_is_refused_before_it_is_followed(
    guarded, internet, httpserver, public_site
):
    httpserver.expect_request("/admin").respond_with_data("internal")
    public_site.expect_request("/go").respond_with_data(
        "", status=302, headers={"Location": f"http://127.0.0.1:{httpserver.port}/admin"}
    )
    internet.name("site.example", PUBLIC_ADDRESS)
    internet.route(PUBLIC_ADDRESS, 80, public_site.port)

    with guarded_session() as session, pytest.raises(UnsafeURL, match="private or local"):
        session.get("http://site.example/go")

    assert [r.path for r, _ in public_site.log] == ["/go"]
    assert httpserver.log == []


def test_a_host_with_one_private_address_among_public_ones_is_refused(guarded, monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_ADDRESS, port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(UnsafeURL, match="private or local"):
        check_url("https://mixed.example/")


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@example.com/",
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://100.64.0.1/",  # carrier-grade NAT
        "https://[fd00:ec2::254]/",  # AWS metadata over IPv6
        "https://[::ffff:169.254.169.254]/",
    ],
)
def test_credentials_metadata_names_and_shared_ranges_are_refused(guarded, url):
    with pytest.raises(UnsafeURL):
        check_url(url)


def test_this_machine_is_reachable_when_private_addresses_are_allowed(settings, httpserver):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = True  # as in tests with a local file server
    httpserver.expect_request("/file").respond_with_data("ok")
    with guarded_session() as session:
        assert session.get(httpserver.url_for("/file")).text == "ok"


def test_a_webhook_to_a_private_address_is_refused_for_good_when_it_is_sent(guarded, internet):
    # Public when the webhook was saved; the name now points at this machine.
    internet.name("hooks.example", "127.0.0.1")

    attempt = webhooks.send(
        url="https://hooks.example/hook",
        secret="s",
        event="post.published",
        event_id="1",
        payload={},
    )

    assert (attempt.delivered, attempt.permanent) == (False, True)
    assert "private or local address" in attempt.error
    assert internet.dials == []


def test_a_networks_server_a_person_gave_is_reached_at_the_address_that_was_vetted(
    guarded, internet, httpserver, public_site
):
    # A Mastodon server someone connected: its name answers public to the guard, then
    # this machine; the provider's request still goes to the public address.
    httpserver.expect_request("/api/v1/instance").respond_with_json({"uri": "internal"})
    public_site.expect_request("/api/v1/instance").respond_with_json({"uri": "social.example"})
    internet.name("rebind.example", PUBLIC_ADDRESS, "127.0.0.1")
    internet.route(PUBLIC_ADDRESS, httpserver.port, public_site.port)

    provider = MastodonProvider()
    url = f"http://rebind.example:{httpserver.port}/api/v1/instance"
    response = provider.request("GET", url, phase=Phase.READ)

    assert response.json() == {"uri": "social.example"}
    assert httpserver.log == []
    assert internet.lookups == ["rebind.example"]  # resolved once
    assert internet.dials == [(PUBLIC_ADDRESS, httpserver.port)]
    (request, _), *_ = public_site.log
    assert request.headers["User-Agent"] == provider.session.headers["User-Agent"]


# -- IPv6 forms that carry an IPv4 address ------------------------------------------------
IPV6_FORMS_OF_PRIVATE_IPV4 = [
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the metadata service
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64: where it leads is the operator's choice
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::127.0.0.1",  # IPv4-compatible loopback
    "::a9fe:a9fe",  # IPv4-compatible metadata address
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "::ffff:100.64.0.1",  # IPv4-mapped carrier-grade NAT
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
]


@pytest.mark.parametrize("address", IPV6_FORMS_OF_PRIVATE_IPV4)
def test_an_ipv6_literal_that_embeds_a_private_ipv4_address_is_refused(guarded, address):
    with pytest.raises(UnsafeURL, match="private or local"):
        check_url(f"https://[{address}]/")


@pytest.mark.parametrize("address", IPV6_FORMS_OF_PRIVATE_IPV4)
def test_a_name_resolving_to_an_ipv6_form_of_a_private_ipv4_is_never_dialled(
    guarded, internet, address
):
    internet.name("embedded.example", address)

    with guarded_session() as session, pytest.raises(UnsafeURL, match="private or local"):
        session.get("http://embedded.example/latest/meta-data/")
    with pytest.raises(UnsafeURL, match="private or local"):
        pinned_socket("wss://embedded.example/", timeout=1)

    assert internet.dials == []


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::5db8:d70e",  # NAT64 of 93.184.215.14: IPv6-only hosts reach IPv4 this way
        "2002:5db8:d70e::1",  # 6to4 of the same public address
        "::ffff:93.184.215.14",
        "2606:4700:4700::1111",
    ],
)
def test_an_ipv6_address_of_a_public_host_is_allowed(guarded, address):
    check_url(f"https://[{address}]/")
