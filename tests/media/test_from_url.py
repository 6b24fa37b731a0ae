"""Uploading from an address: https only, every hop checked against private addresses,
size capped while streaming, slow servers given up on."""

import datetime
import ipaddress
import ssl
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pytest_httpserver import HTTPServer
from werkzeug import Response

from media.models import MediaFile
from media.services import MediaError, media_upload_from_url
from tests.internet import FakeInternet
from tests.media import files

PUBLIC_ADDRESS = "93.184.215.14"
PUBLIC_HOST = "files.example"


def fetch(org, user, url):
    return media_upload_from_url(organization=org, actor=user, url=url)


# -- Plain http, as allowed in tests (POSTIZ_ALLOW_PRIVATE_URLS is on) ----------------------
def test_file_at_an_address_is_stored_with_its_name_and_source(org, editor, httpserver):
    # The server calls it text/html; the bytes say JPEG, and the bytes win.
    httpserver.expect_request("/photos/beach day.jpg").respond_with_data(
        files.jpeg(gps=True), content_type="text/html"
    )
    url = httpserver.url_for("/photos/beach%20day.jpg")
    media = fetch(org, editor, url)
    assert (media.name, media.kind, media.mime_type) == ("beach day.jpg", "image", "image/jpeg")
    assert media.source_url == url
    assert media.thumbnail
    assert (media.width, media.height) == (640, 480)


def test_redirects_are_followed_and_the_final_name_is_kept(org, editor, httpserver):
    httpserver.expect_request("/share/abc").respond_with_response(
        Response(status=302, headers={"Location": "/files/logo.png"})
    )
    httpserver.expect_request("/files/logo.png").respond_with_data(files.png())
    media = fetch(org, editor, httpserver.url_for("/share/abc"))
    assert media.name == "logo.png"
    assert media.mime_type == "image/png"


def test_more_than_three_redirects_are_refused(org, editor, httpserver):
    for hop in range(4):
        httpserver.expect_request(f"/hop{hop}").respond_with_response(
            Response(status=301, headers={"Location": f"/hop{hop + 1}"})
        )
    httpserver.expect_request("/hop4").respond_with_data(files.png())
    with pytest.raises(MediaError, match="redirected more than 3 times"):
        fetch(org, editor, httpserver.url_for("/hop0"))
    assert not MediaFile.objects.exists()


def test_an_error_answer_is_reported_with_its_status(org, editor, httpserver):
    httpserver.expect_request("/gone.jpg").respond_with_data("Not here", status=404)
    with pytest.raises(MediaError, match="answered 404"):
        fetch(org, editor, httpserver.url_for("/gone.jpg"))


def test_a_web_page_is_refused_before_it_is_downloaded(org, editor, httpserver):
    httpserver.expect_request("/post").respond_with_data(files.HTML * 100, content_type="image/png")
    with pytest.raises(MediaError) as refused:
        fetch(org, editor, httpserver.url_for("/post"))
    assert "not a type Postiz accepts" in refused.value.message
    assert "opens the file itself" in refused.value.message


def test_a_declared_size_over_every_limit_is_refused_at_once(org, editor, httpserver, settings):
    settings.POSTIZ_MEDIA_MAX_IMAGE_MB = settings.POSTIZ_MEDIA_MAX_DOCUMENT_MB = 1
    settings.POSTIZ_MEDIA_MAX_VIDEO_MB = 2
    httpserver.expect_request("/movie.mp4").respond_with_data(files.mp4(3 * 1024 * 1024))
    with pytest.raises(MediaError, match="the largest file Postiz takes is 2 MB"):
        fetch(org, editor, httpserver.url_for("/movie.mp4"))


def test_an_undeclared_size_is_capped_while_streaming(org, editor, httpserver, settings):
    settings.POSTIZ_MEDIA_MAX_IMAGE_MB = 1
    sent = []

    def endless_jpeg(request):
        def body():
            yield b"\xff\xd8\xff\xe0" + b"\0" * 60
            for _ in range(64):  # 4 MB if nobody stops reading
                sent.append(1)
                yield b"\0" * 65536

        return Response(body(), mimetype="image/jpeg")

    httpserver.expect_request("/stream.jpg").respond_with_handler(endless_jpeg)
    with pytest.raises(MediaError, match="larger than 1 MB, the most Postiz takes for images"):
        fetch(org, editor, httpserver.url_for("/stream.jpg"))
    assert not MediaFile.objects.exists()


def test_a_server_that_does_not_answer_in_time_is_given_up_on(org, editor, settings):
    settings.POSTIZ_MEDIA_FETCH_TIMEOUT = 0.5
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def slow(request):
        time.sleep(2)
        return Response(files.png(), mimetype="image/png")

    server.expect_request("/slow.png").respond_with_handler(slow)
    server.start()
    try:
        # The server would answer after 2 s; the fetch gives up before.
        with pytest.raises(MediaError, match=r"did not answer within 0\.5 seconds"):
            fetch(org, editor, server.url_for("/slow.png"))
        assert not MediaFile.objects.exists()
    finally:
        server.stop()


def test_an_empty_address_asks_for_one(org, editor):
    with pytest.raises(MediaError, match="Enter the address"):
        fetch(org, editor, "  ")


# -- As in production: https only, private addresses refused ------------------------------
@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for files.example, 127.0.0.1 and localhost, trusted by
    the test client."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName(PUBLIC_HOST),
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def public_https_server(certificate, settings, monkeypatch):
    """An https server on the internet, as far as the fetch can tell: files.example
    resolves to a public address, and connections to that address reach this server.
    Any other host, including ``localhost``, resolves for real."""
    cert_path, key_path = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server_names = []  # the TLS server name (SNI) each client asked for
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.server_names = server_names
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", cert_path)
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    internet = FakeInternet(monkeypatch)
    internet.name(PUBLIC_HOST, PUBLIC_ADDRESS)
    internet.route(PUBLIC_ADDRESS, server.port, server.port)
    server.internet = internet
    yield server
    server.clear()
    server.stop()


def public(server: HTTPServer, path: str) -> str:
    return f"https://{PUBLIC_HOST}:{server.port}{path}"


def test_a_public_https_address_is_fetched(org, editor, public_https_server):
    public_https_server.expect_request("/deck.pdf").respond_with_data(files.pdf())
    media = fetch(org, editor, public(public_https_server, "/deck.pdf"))
    assert media.mime_type == "application/pdf"


def test_the_fetch_connects_to_the_vetted_address_and_tls_names_the_host(
    org, editor, public_https_server
):
    public_https_server.expect_request("/deck.pdf").respond_with_data(files.pdf())
    fetch(org, editor, public(public_https_server, "/deck.pdf"))

    internet = public_https_server.internet
    assert internet.lookups == [PUBLIC_HOST]  # resolved once
    assert internet.dials == [(PUBLIC_ADDRESS, public_https_server.port)]
    # The certificate (which does not name the address) was checked against the host.
    assert public_https_server.server_names == [PUBLIC_HOST]
    (request, _), *_ = public_https_server.log
    assert request.headers["Host"] == f"{PUBLIC_HOST}:{public_https_server.port}"
    assert request.headers["Accept-Encoding"] == "identity"


def test_a_host_that_answers_loopback_the_second_time_is_still_fetched_from_its_vetted_address(
    org, editor, public_https_server, certificate
):
    # A rebinding DNS server: public for the check, this machine for anyone asking again.
    cert_path, key_path = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    internal = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    internal.start()
    try:
        internal.expect_request("/secret.png").respond_with_data(files.png())
        internet = public_https_server.internet
        internet.name(PUBLIC_HOST, PUBLIC_ADDRESS, "127.0.0.1")
        internet.route(PUBLIC_ADDRESS, internal.port, public_https_server.port)
        public_https_server.expect_request("/secret.png").respond_with_data(files.pdf())

        media = fetch(org, editor, f"https://{PUBLIC_HOST}:{internal.port}/secret.png")

        assert media.mime_type == "application/pdf"  # what the vetted address served
        assert internal.log == []
    finally:
        internal.stop()


def test_a_redirect_to_a_private_address_is_refused(org, editor, public_https_server):
    target = f"https://localhost:{public_https_server.port}/internal/secret.png"
    public_https_server.expect_request("/innocent.png").respond_with_response(
        Response(status=302, headers={"Location": target})
    )
    public_https_server.expect_request("/internal/secret.png").respond_with_data(files.png())
    with pytest.raises(MediaError, match="localhost points to a private or local address"):
        fetch(org, editor, public(public_https_server, "/innocent.png"))
    # The private address was never asked.
    assert [r.path for r, _ in public_https_server.log] == ["/innocent.png"]
    assert not MediaFile.objects.exists()


def test_a_redirect_to_the_cloud_metadata_address_is_refused(org, editor, public_https_server):
    public_https_server.expect_request("/avatar.png").respond_with_response(
        Response(status=302, headers={"Location": "https://169.254.169.254/latest/meta-data/"})
    )
    with pytest.raises(MediaError, match="private or local address"):
        fetch(org, editor, public(public_https_server, "/avatar.png"))


def test_plain_http_is_refused_outside_tests(org, editor, settings, httpserver):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    with pytest.raises(MediaError, match=r"is not an https:// address"):
        fetch(org, editor, "http://cdn.example.com/photo.jpg")
    assert httpserver.log == []


def test_a_private_https_address_is_refused(org, editor, public_https_server):
    with pytest.raises(MediaError, match="points to a private or local address"):
        fetch(org, editor, f"https://localhost:{public_https_server.port}/x.png")
    assert public_https_server.log == []
