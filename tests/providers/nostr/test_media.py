"""Media through a NIP-96 server: discovery, NIP-98 signed uploads, URLs and imeta tags."""

import base64
import hashlib
import json
import time

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
)
from integrations.providers.nostr import NostrProvider
from tests.providers.streaming import streamed_only

from .relay import valid
from .test_connect import PUBKEY
from .test_keys import NSEC, NSEC_HEX

UPLOAD_PATH = "/api/v2/nip96/upload"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 1500
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x03" * 3000


@pytest.fixture
def provider():
    p = NostrProvider()
    p.timeout = (2, 2)
    return p


@pytest.fixture
def server(httpserver):
    return httpserver.url_for("").rstrip("/")


def document(server):
    return {
        "api_url": server + UPLOAD_PATH,
        "download_url": server + "/i",
        "supported_nips": [94, 96, 98],
        "content_types": ["image/*", "video/*"],
        "plans": {"free": {"name": "Free", "is_nip98_required": True, "max_byte_size": 26214400}},
    }


def uploaded(server, digest, mime, **extra):
    """A NIP-96 success answer, as nostr.build sends it (201, nip94_event tags)."""
    ext = mime.split("/")[1]
    tags = [["url", f"{server}/i/{digest}.{ext}"], ["ox", digest], ["x", digest], ["m", mime]]
    tags += [[key, value] for key, value in extra.items()]
    body = {"status": "success", "message": "Upload successful.", "nip94_event": {"tags": tags}}
    return Response(json.dumps(body), status=201, content_type="application/json")


class Uploads:
    """The media server's upload route: checks nothing itself, keeps what it received."""

    def __init__(self, server, *answers):
        self.server = server
        self.answers = list(answers)
        self.calls: list[dict] = []

    def __call__(self, request):
        upload = request.files["file"]
        data = upload.read()
        header = request.headers.get("Authorization", "")
        self.calls.append(
            {
                "scheme": header.split(" ", 1)[0],
                "auth": json.loads(base64.b64decode(header.split(" ", 1)[1])),
                "url": request.url,
                "method": request.method,
                "filename": upload.filename,
                "part_type": upload.content_type,
                "data": data,
                "form": dict(request.form),
            }
        )
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            return answer
        digest = hashlib.sha256(data).hexdigest()
        return uploaded(self.server, digest, request.form["content_type"])


def channel(relay_url, server, **meta):
    return Channel(
        external_id=PUBKEY,
        credentials={"private_key": NSEC_HEX},
        meta={
            "pubkey": PUBKEY,
            "relays": [relay_url],
            "media_server": server,
            "nip96": {"api_url": server + UPLOAD_PATH, "max_byte_size": 26214400},
            **meta,
        },
    )


def media():
    return [
        MediaItem(
            "image/png", len(PNG), lambda: PNG, "cat.png", width=1200, height=800, alt_text="A cat"
        ),
        # read() fails the test: the video is hashed and sent from its stream in pieces.
        streamed_only(MP4, filename="surf.mp4", largest=1024 * 1024),
    ]


def post(text="gm with pictures", **kwargs):
    return PublishRequest(post_id="post-1", text=text, **kwargs)


# -- connecting --------------------------------------------------------------------------
def test_connect_discovers_the_media_servers_upload_address_and_limits(
    provider, relays, httpserver, server
):
    httpserver.expect_request("/.well-known/nostr/nip96.json").respond_with_json(document(server))
    relay = relays()
    grant = provider.authenticate(
        {"private_key": NSEC, "relays": relay.url, "media_server": server + "/"}
    )
    assert grant.meta["media_server"] == server
    assert grant.meta["nip96"] == {
        "api_url": server + UPLOAD_PATH,
        "content_types": ["image/*", "video/*"],
        "max_byte_size": 26214400,
    }


def test_a_relay_that_delegates_its_nip96_document_is_followed(provider, relays, httpserver):
    server = httpserver.url_for("").rstrip("/")
    httpserver.expect_ordered_request("/.well-known/nostr/nip96.json").respond_with_json(
        {"api_url": "", "delegated_to_url": server + "/files"}
    )
    httpserver.expect_ordered_request("/files/.well-known/nostr/nip96.json").respond_with_json(
        {"api_url": server + "/files/upload"}
    )
    grant = provider.authenticate(
        {"private_key": NSEC, "relays": relays().url, "media_server": server}
    )
    assert grant.meta["nip96"] == {"api_url": server + "/files/upload"}


def test_an_unreachable_media_server_does_not_stop_the_connection(provider, relays):
    grant = provider.authenticate(
        {"private_key": NSEC, "relays": relays().url, "media_server": "http://127.0.0.1:9"}
    )
    assert grant.meta["media_server"] == "http://127.0.0.1:9"
    assert "nip96" not in grant.meta


def test_a_media_server_must_be_an_https_address(provider, relays):
    with pytest.raises(ProviderError) as caught:
        provider.authenticate(
            {"private_key": NSEC, "relays": relays().url, "media_server": "ftp://nostr.build"}
        )
    assert caught.value.field == "media_server"
    assert "https://" in caught.value.user_message


def test_the_media_server_field_is_optional(provider):
    field = next(f for f in provider.credential_fields() if f.name == "media_server")
    assert (field.label, field.type, field.required) == ("Media server", "url", False)


# -- publishing --------------------------------------------------------------------------
def test_files_are_uploaded_with_nip98_auth_then_linked_with_imeta(
    provider, relays, httpserver, server
):
    relay = relays()
    uploads = Uploads(server)
    httpserver.expect_request(UPLOAD_PATH, method="POST").respond_with_handler(uploads)
    request = post(media=media())
    before = int(time.time())

    result = provider.publish(channel(relay.url, server), request)

    assert len(uploads.calls) == 2
    for call, data, mime, name in zip(
        uploads.calls, (PNG, MP4), ("image/png", "video/mp4"), ("cat.png", "surf.mp4"), strict=True
    ):
        auth = call["auth"]
        assert call["scheme"] == "Nostr"
        assert valid(auth) and auth["pubkey"] == PUBKEY
        assert (auth["kind"], auth["content"]) == (27235, "")
        assert auth["tags"] == [
            ["u", server + UPLOAD_PATH],
            ["method", "POST"],
            ["payload", hashlib.sha256(data).hexdigest()],
        ]
        assert call["url"] == server + UPLOAD_PATH and call["method"] == "POST"
        assert before <= auth["created_at"] <= int(time.time())
        assert (call["filename"], call["part_type"], call["data"]) == (name, mime, data)
    assert uploads.calls[0]["form"] == {"content_type": "image/png", "alt": "A cat"}
    assert uploads.calls[1]["form"] == {"content_type": "video/mp4"}

    [note] = relay.received
    png_url = f"{server}/i/{hashlib.sha256(PNG).hexdigest()}.png"
    mp4_url = f"{server}/i/{hashlib.sha256(MP4).hexdigest()}.mp4"
    assert valid(note) and note["kind"] == 1
    assert note["content"] == f"gm with pictures\n\n{png_url}\n{mp4_url}"
    assert note["tags"] == [
        ["imeta", f"url {png_url}", "m image/png", "alt A cat", "dim 1200x800"],
        ["imeta", f"url {mp4_url}", "m video/mp4"],
    ]
    assert result.ref.id == note["id"]
    assert request.progress["media"]["0"]["url"] == png_url


def test_a_media_only_note_is_just_the_urls_and_the_servers_dimensions_are_used(
    provider, relays, httpserver, server
):
    relay = relays()
    digest = hashlib.sha256(MP4).hexdigest()
    uploads = Uploads(server, uploaded(server, digest, "video/mp4", dim="1080x1920"))
    httpserver.expect_request(UPLOAD_PATH).respond_with_handler(uploads)
    provider.publish(channel(relay.url, server), post("", media=media()[1:]))
    url = f"{server}/i/{digest}.mp4"
    assert relay.received[0]["content"] == url
    assert relay.received[0]["tags"] == [["imeta", f"url {url}", "m video/mp4", "dim 1080x1920"]]


def test_a_retry_reuses_uploaded_files_and_resends_the_same_note(
    provider, relays, httpserver, server
):
    relay = relays()
    outage = Response("<html>502 Bad Gateway</html>", status=502, content_type="text/html")
    uploads = Uploads(server, None, outage)
    httpserver.expect_request(UPLOAD_PATH).respond_with_handler(uploads)
    request = post(media=media())

    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url, server), request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert list(request.progress["media"]) == ["0"]
    assert "event" not in request.progress and relay.received == []

    NostrProvider().publish(channel(relay.url, server), request)  # another worker
    assert [c["filename"] for c in uploads.calls] == ["cat.png", "surf.mp4", "surf.mp4"]
    event = request.progress["event"]

    relay.mode = "reject"
    relay.reject_with = "error: database busy"
    with pytest.raises(ProviderError):
        provider.publish(channel(relay.url, server), request)
    assert len(uploads.calls) == 3  # nothing uploaded again
    assert relay.received == [event, event]  # the very same signed note


def test_an_oversized_file_is_content_rejected(provider, relays, httpserver, server):
    too_large = Response(
        json.dumps({"status": "error", "message": "File too large, max 25 MB"}),
        status=413,
        content_type="application/json",
    )
    httpserver.expect_request(UPLOAD_PATH).respond_with_handler(Uploads(server, too_large))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relays().url, server), post(media=media()[:1]))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.field == "media"
    assert "max 25 MB" in caught.value.user_message


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (500, ErrorKind.TRANSIENT_BEFORE_SEND),
        (503, ErrorKind.TRANSIENT_BEFORE_SEND),
        (400, ErrorKind.CONTENT_REJECTED),
        (401, ErrorKind.PERMISSION_DENIED),
        (402, ErrorKind.PERMISSION_DENIED),
        (429, ErrorKind.RATE_LIMITED),
    ],
)
def test_upload_errors_are_classified(provider, relays, httpserver, server, status, kind):
    error = Response(
        json.dumps({"status": "error", "message": "no"}),
        status=status,
        content_type="application/json",
    )
    httpserver.expect_request(UPLOAD_PATH).respond_with_handler(Uploads(server, error))
    relay = relays()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relay.url, server), post(media=media()[:1]))
    assert caught.value.kind == kind
    assert relay.received == []


def test_an_answer_without_a_url_is_transient(provider, relays, httpserver, server):
    empty = Response(json.dumps({"status": "success"}), status=201, content_type="application/json")
    httpserver.expect_request(UPLOAD_PATH).respond_with_handler(Uploads(server, empty))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(relays().url, server), post(media=media()[:1]))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_without_the_discovery_document_publishing_discovers_it_first(
    provider, relays, httpserver, server
):
    httpserver.expect_ordered_request("/.well-known/nostr/nip96.json").respond_with_json(
        document(server)
    )
    uploads = Uploads(server)
    httpserver.expect_ordered_request(UPLOAD_PATH).respond_with_handler(uploads)
    relay = relays()
    bare = channel(relay.url, server)
    del bare.meta["nip96"]
    provider.publish(bare, post(media=media()[:1]))
    httpserver.check_assertions()
    assert len(uploads.calls) == 1 and len(relay.received) == 1


def test_the_private_key_never_reaches_a_log_line(
    provider, relays, httpserver, server, captured_logs
):
    httpserver.expect_request(UPLOAD_PATH).respond_with_handler(Uploads(server))
    provider.publish(channel(relays().url, server), post(media=media()))
    logged = "\n".join(r.getMessage() for r in captured_logs.records)
    assert NSEC_HEX not in logged and NSEC not in logged
