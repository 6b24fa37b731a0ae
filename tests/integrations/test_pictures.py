"""Channel pictures are copies kept in media storage: pages and API answers never load them
from the networks' servers (which would tell each network who looks at the calendar, and
when). The network's picture is fetched through the SSRF guard, within size and type
limits, and shrunk with Pillow; without a copy, the channel's initial shows."""

import importlib
import io
import json
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from PIL import Image
from werkzeug import Response

from integrations import pictures, services, tasks
from integrations.models import Integration
from integrations.providers.base import Account
from posts.calendar import zone_for
from tests.posts.test_calendar_fixtures import post_at

from .conftest import recorded

pytestmark = pytest.mark.django_db

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def jpeg(width=300, height=200, colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


def serve(httpserver, path: str, body: bytes, content_type="image/jpeg", status=200):
    seen = []

    def handler(request):
        seen.append(request.headers.get("User-Agent", ""))
        return Response(body, status=status, headers={"Content-Type": content_type})

    httpserver.expect_request(path).respond_with_handler(handler)
    return seen


def picture_path(url: str) -> str:
    assert url.startswith(f"{django_settings.SITE_URL}/integrations/pictures/"), url
    return url[len(django_settings.SITE_URL) :]


# -- Connecting ---------------------------------------------------------------------------
def test_connecting_keeps_a_small_copy_of_the_picture_that_every_page_shows(
    httpserver, org, owner, client_for, django_capture_on_commit_callbacks
):
    service = httpserver.url_for("/").rstrip("/")
    pds = service + "/pds"
    network_picture = httpserver.url_for("/cdn/avatar/alice.jpg")
    profile = recorded("bluesky", "get_profile")["body"]
    profile["avatar"] = network_picture
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(
        recorded("bluesky", "create_session", pds=pds)["body"]
    )
    httpserver.expect_request("/pds/xrpc/app.bsky.actor.getProfile").respond_with_json(profile)
    fetched = serve(httpserver, "/cdn/avatar/alice.jpg", jpeg())
    client = client_for(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/o/acme/channels/connect/bluesky/",
            {"service": service, "identifier": "alice.example.com", "app_password": "a-b-c-d"},
        )

    assert response.status_code == 302
    channel = Integration.objects.get(provider="bluesky")
    assert len(fetched) == 1 and fetched[0].startswith("Postiz/")
    path = picture_path(channel.avatar_url)
    served = Client().get(path)  # no session needed: the random name is the key
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert "immutable" in served["Cache-Control"]
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert (image.format, image.size) == ("WEBP", (pictures.SIDE, pictures.SIDE))

    when = timezone.now() + timedelta(hours=1)
    post_at(channel, when)
    # The week that holds the post in the owner's zone (late on a Sunday it is next week's).
    day = when.astimezone(zone_for(owner, channel.organization)).date()
    pages = {
        "channels": client.get("/o/acme/channels/"),
        "channel": client.get(f"/o/acme/channels/{channel.pk}/"),
        "calendar": client.get(f"/o/acme/calendar/?date={day}"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert path.encode() in page.content, f"the copy is not shown on the {name} page"
        assert network_picture.encode() not in page.content, f"{name} loads the network's"


def test_the_networks_address_is_never_shown_while_the_copy_is_made(
    org, owner, client_for, make_channel
):
    channel = make_channel(provider="bluesky", external_id=DID, name="Alice")
    services.integration_update_profile(
        integration=channel,
        account=Account(external_id=DID, name="Alice", avatar_url="https://cdn.example/a.jpg"),
    )
    page = client_for(owner).get("/o/acme/channels/").content.decode()
    assert "cdn.example" not in page
    assert 'channel-avatar-empty" aria-hidden="true">A<' in page


def test_a_changed_picture_replaces_the_copy_and_the_old_one_is_deleted(
    httpserver, org, make_channel, media_root, django_capture_on_commit_callbacks
):
    channel = make_channel(provider="bluesky", external_id=DID)
    serve(httpserver, "/one.jpg", jpeg(colour=(255, 0, 0)))
    serve(httpserver, "/two.jpg", jpeg(colour=(0, 0, 255)))
    with django_capture_on_commit_callbacks(execute=True):
        services.integration_update_profile(
            integration=channel,
            account=Account(external_id=DID, name="A", avatar_url=httpserver.url_for("/one.jpg")),
        )
    channel.refresh_from_db()
    first = channel.meta["picture_copy"]
    assert (media_root / "channel-pictures" / first).exists()

    # The same picture again: nothing is fetched.
    before = len(httpserver.log)
    with django_capture_on_commit_callbacks(execute=True):
        services.integration_update_profile(
            integration=channel,
            account=Account(external_id=DID, name="A", avatar_url=httpserver.url_for("/one.jpg")),
        )
    assert len(httpserver.log) == before

    with django_capture_on_commit_callbacks(execute=True):
        services.integration_update_profile(
            integration=channel,
            account=Account(external_id=DID, name="A", avatar_url=httpserver.url_for("/two.jpg")),
        )
    channel.refresh_from_db()
    second = channel.meta["picture_copy"]
    assert second != first
    assert channel.avatar_url.endswith(f"/integrations/pictures/{second}")
    assert (media_root / "channel-pictures" / second).exists()
    assert not (media_root / "channel-pictures" / first).exists()


# -- What is not kept -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "content_type", "why"),
    [
        (b"<html>a login page</html>", "text/html", "not an image"),
        (b"%PDF-1.7 not a picture", "image/png", "not a readable picture"),
        (b"GIF89a" + b"\0" * 20, "image/gif", "not a readable picture"),
    ],
)
def test_what_is_not_a_picture_is_not_kept_and_the_initial_shows(
    httpserver, org, owner, client_for, make_channel, caplog, body, content_type, why
):
    channel = make_channel(
        provider="bluesky",
        external_id=DID,
        name="Alice",
        meta={"avatar_source": httpserver.url_for("/a")},
    )
    serve(httpserver, "/a", body, content_type)

    assert services.integration_store_picture(integration_id=channel.pk) is False

    channel.refresh_from_db()
    assert channel.avatar_url == "" and "picture_copy" not in channel.meta
    assert channel.meta["picture_tried_at"] <= time.time()
    assert why in caplog.text
    page = client_for(owner).get("/o/acme/channels/").content.decode()
    assert 'channel-avatar-empty" aria-hidden="true">A<' in page


def test_a_picture_larger_than_the_limit_is_not_read_to_the_end(
    httpserver, org, make_channel, monkeypatch, caplog
):
    monkeypatch.setattr(pictures, "MAX_BYTES", 1000)
    channel = make_channel(meta={"avatar_source": httpserver.url_for("/big.jpg")})
    serve(httpserver, "/big.jpg", jpeg(2000, 2000) + b"\0" * 5000)
    assert services.integration_store_picture(integration_id=channel.pk) is False
    assert "too large" in caplog.text


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(
    httpserver, org, make_channel, caplog
):
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, "PNG")  # a few kilobytes, 36 million pixels
    channel = make_channel(meta={"avatar_source": httpserver.url_for("/bomb.png")})
    serve(httpserver, "/bomb.png", out.getvalue(), "image/png")
    assert services.integration_store_picture(integration_id=channel.pk) is False
    assert "too many pixels" in caplog.text


def test_a_picture_address_leading_to_this_machine_is_never_fetched(
    settings, httpserver, org, make_channel, caplog
):
    settings.POSTIZ_ALLOW_PRIVATE_URLS = False
    port = httpserver.port
    for address in (f"https://127.0.0.1:{port}/a.jpg", f"http://127.0.0.1:{port}/a.jpg"):
        channel = make_channel(external_id=address, meta={"avatar_source": address})
        assert services.integration_store_picture(integration_id=channel.pk) is False
    assert len(httpserver.log) == 0


def test_only_stored_picture_names_are_served(org):
    client = Client()
    for name in ("nope.webp", "..%2F..%2Fsecret_key", "a" * 40 + ".png"):
        assert client.get(f"/integrations/pictures/{name}").status_code == 404


# -- Channels whose picture is not copied yet ------------------------------------------------
def test_the_picture_job_copies_pictures_not_copied_yet_and_waits_a_day_after_a_failure(
    httpserver, org, make_channel
):
    waiting = make_channel(external_id="1", meta={"avatar_source": httpserver.url_for("/1.jpg")})
    failed_lately = make_channel(
        external_id="2",
        meta={"avatar_source": httpserver.url_for("/2.jpg"), "picture_tried_at": int(time.time())},
    )
    failed_long_ago = make_channel(
        external_id="3",
        meta={"avatar_source": httpserver.url_for("/3.jpg"), "picture_tried_at": 1},
    )
    make_channel(external_id="4", deleted_at=timezone.now(), meta={"avatar_source": "https://x/"})
    for number in (1, 2, 3):
        serve(httpserver, f"/{number}.jpg", jpeg())

    assert tasks.copy_channel_pictures() == {"copied": 2, "failed": 0}

    for channel in (waiting, failed_lately, failed_long_ago):
        channel.refresh_from_db()
    assert waiting.avatar_url and failed_long_ago.avatar_url
    assert failed_lately.avatar_url == ""
    assert tasks.copy_channel_pictures() == {"copied": 0, "failed": 0}


def test_the_picture_job_is_scheduled():
    from postiz.schedules import SCHEDULES

    assert any(s["func"] == "integrations.tasks.copy_channel_pictures" for s in SCHEDULES)


def test_pictures_saved_from_the_networks_before_move_aside_for_copies(org, make_channel):
    legacy = make_channel(external_id="1", avatar_url="https://pbs.twimg.com/a_normal.jpg")
    ours = make_channel(
        external_id="2", avatar_url=f"{django_settings.SITE_URL}/integrations/pictures/x.webp"
    )
    module = importlib.import_module(
        "integrations.migrations.0003_channel_pictures_from_the_networks_are_copied"
    )
    module.forwards(apps, None)
    legacy.refresh_from_db()
    ours.refresh_from_db()
    assert legacy.avatar_url == ""
    assert legacy.meta["avatar_source"] == "https://pbs.twimg.com/a_normal.jpg"
    assert ours.avatar_url.endswith("/x.webp") and "avatar_source" not in ours.meta
    assert json.dumps(legacy.meta)  # still plain JSON


def test_a_channel_page_without_a_picture_shows_the_initial(org, owner, client_for, make_channel):
    channel = make_channel(name="Zeta news", avatar_url="")
    page = client_for(owner).get(f"/o/acme/channels/{channel.pk}/").content.decode()
    assert 'channel-avatar-empty" aria-hidden="true">Z<' in page
