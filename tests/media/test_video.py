"""Videos entering the library: measured (length, dimensions, frame rate, codec, size),
given a poster frame, refused when unplayable, stored without being read whole, and shown
with their facts on the library page, the detail page, the composer and the API."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from media.models import MediaFile
from media.services import MediaError, media_as_item, media_upload
from tests.api.helpers import make_key
from tests.media import files

pytestmark = pytest.mark.django_db

# How a 2 s, 320 by 240, 10 fps H.264 clip is described (with a multiplication sign).
FACTS = "0:02 · 320\u00d7240 · 10 fps · H.264"


def upload(org, user, data, filename="clip.mp4"):
    return media_upload(organization=org, actor=user, file=data, filename=filename)


def poster_of(media) -> Image.Image:
    with media.thumbnail.open("rb") as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


# -- Measuring --------------------------------------------------------------------------
def test_an_h264_video_is_measured_when_it_enters_the_library(org, editor):
    media = upload(org, editor, files.video(2, width=320, height=240, fps=25))
    assert media.kind == "video" and media.mime_type == "video/mp4"
    assert (media.width, media.height) == (320, 240)
    assert media.duration == 2.0
    assert media.frame_rate == 25.0
    assert media.codec == "h264"
    assert media.size == len(files.video(2, width=320, height=240, fps=25))


def test_an_mpeg4_mov_is_measured_too(org, editor):
    media = upload(org, editor, files.video(1, fps=30, codec="mpeg4", container="mov"), "a.mov")
    assert media.mime_type == "video/quicktime"
    assert (media.duration, media.frame_rate, media.codec) == (1.0, 30.0, "mpeg4")


def test_a_phone_video_turned_by_its_rotation_is_measured_upright(org, editor):
    media = upload(org, editor, files.video(1, width=64, height=48, rotation=90))
    assert (media.width, media.height) == (48, 64)
    assert poster_of(media).size == (48, 64)


def test_the_poster_is_a_jpeg_of_the_picture_one_second_in(org, editor):
    # Frame n is coloured (n * 23 % 256, 120, 60); at 10 fps, 1 s in is frame 10.
    media = upload(org, editor, files.video(2, fps=10))
    assert media.thumbnail.name.endswith(".jpg")
    poster = poster_of(media)
    assert poster.format == "JPEG"
    red = poster.convert("RGB").getpixel((poster.width // 2, poster.height // 2))[0]
    assert abs(red - 230) < 20, red


def test_a_video_shorter_than_a_second_gets_its_first_frame_as_poster(org, editor):
    media = upload(org, editor, files.video(0.5, fps=10))
    red = poster_of(media).convert("RGB").getpixel((32, 24))[0]
    assert red < 20, red


def test_a_large_video_poster_is_at_most_400_pixels(org, editor):
    media = upload(org, editor, files.video(1, width=1280, height=720, fps=10))
    assert poster_of(media).size == (400, 225)


@pytest.mark.parametrize(
    "data",
    [files.broken_video(), files.mp4(), files.mov()],
    ids=["noise-after-header", "no-movie", "empty-quicktime"],
)
def test_a_video_that_cannot_be_played_is_refused_and_nothing_is_kept(org, editor, settings, data):
    with pytest.raises(MediaError) as refused:
        upload(org, editor, data, "holiday.mp4")
    assert refused.value.message.startswith("holiday.mp4: ")
    assert "damaged or incomplete" in refused.value.message
    assert "export it again" in refused.value.message.lower()
    assert not MediaFile.objects.exists()
    stored = [p for p in (settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []


def test_a_sound_only_file_is_refused_as_holding_no_picture(org, editor):
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as output:
        stream = output.add_stream("aac", rate=8000)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        frame.sample_rate = 8000
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for packet in [*stream.encode(frame), *stream.encode()]:
            output.mux(packet)
    with pytest.raises(MediaError, match="holds no video picture"):
        upload(org, editor, out.getvalue(), "podcast.mp4")


# -- Never whole in memory ----------------------------------------------------------------
class BoundedReads(io.BytesIO):
    """An upload that refuses any read of more than ``limit`` bytes at once, the way a
    large video must never be read."""

    limit = 256 * 1024

    def read(self, size=-1):
        if size is None or size < 0 or size > self.limit:
            raise AssertionError(f"read({size}) would load the upload whole")
        return super().read(size)


def test_a_large_video_upload_is_read_measured_hashed_and_stored_in_bounded_pieces(org, editor):
    import hashlib

    from django.core.files import File

    data = files.video(1, padding=3 * 1024 * 1024)
    media = media_upload(organization=org, actor=editor, file=File(BoundedReads(data)))
    assert media.duration == 1.0 and media.codec == "h264"
    assert media.sha256 == hashlib.sha256(data).hexdigest()
    with media.file.open("rb") as stored:
        assert stored.read() == data


def test_upload_from_an_address_measures_the_video(org, editor, httpserver):
    from media.services import media_upload_from_url

    httpserver.expect_request("/v/launch.mp4").respond_with_data(
        files.video(2, fps=24), content_type="video/mp4"
    )
    media = media_upload_from_url(
        organization=org, actor=editor, url=httpserver.url_for("/v/launch.mp4")
    )
    assert (media.duration, media.frame_rate, media.codec) == (2.0, 24.0, "h264")
    assert media.thumbnail


def test_providers_get_the_measured_facts(org, editor):
    media = upload(org, editor, files.video(2, width=96, height=64, fps=15))
    item = media_as_item(media)
    assert item.is_video
    assert (item.width, item.height, item.duration) == (96, 64, 2.0)
    assert (item.frame_rate, item.codec, item.size) == (15.0, "h264", media.size)


# -- Shown where people look ------------------------------------------------------------
def test_the_library_page_upload_answers_and_shows_the_video_facts(org, editor, client_for):
    client = client_for(editor)
    response = client.post(
        reverse("media:upload", args=[org.slug]),
        {"file": SimpleUploadedFile("launch.mp4", files.video(2, width=320, height=240))},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()["files"][0]
    assert (body["duration"], body["frame_rate"], body["codec"]) == (2.0, 10.0, "h264")
    assert body["thumbnail_url"].endswith(".jpg")
    assert FACTS in body["html"]

    library = client.get(reverse("media:library", args=[org.slug])).text
    assert FACTS in library
    media = MediaFile.objects.get()
    detail = client.get(reverse("media:detail", args=[org.slug, media.pk])).text
    assert f'poster="{media.thumbnail.url}"' in detail
    for fact in ("<dt>Length</dt><dd>0:02 (2 s)</dd>", "<dt>Frame rate</dt><dd>10 fps</dd>"):
        assert fact in detail
    assert "<dt>Codec</dt><dd>H.264</dd>" in detail
    assert "<dt>Dimensions</dt><dd>320\u00d7240 px</dd>" in detail
    picker = client.get(reverse("media:picker", args=[org.slug])).text
    assert f'data-facts="{FACTS}"' in picker


def test_a_video_larger_than_djangos_memory_limit_is_measured_from_its_temporary_file(
    org, editor, client_for, settings
):
    # Past FILE_UPLOAD_MAX_MEMORY_SIZE Django spools the upload to disk; it is inspected
    # and stored from there.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    data = files.video(2, fps=24, padding=3 * 1024 * 1024)
    response = client_for(editor).post(
        reverse("media:upload", args=[org.slug]),
        {"file": SimpleUploadedFile("big.mp4", data)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    media = MediaFile.objects.get()
    assert (media.size, media.duration, media.frame_rate) == (len(data), 2.0, 24.0)
    assert media.thumbnail


def test_an_unmeasured_video_says_so_instead_of_guessing(org, editor, client_for):
    media = MediaFile.objects.create(
        organization=org,
        file="org/x/old.mp4",
        name="old.mp4",
        kind="video",
        mime_type="video/mp4",
        size=1000,
    )
    detail = client_for(editor).get(reverse("media:detail", args=[org.slug, media.pk])).text
    assert '<dt>Frame rate</dt><dd class="muted">Not measured</dd>' in detail
    assert '<dt>Codec</dt><dd class="muted">Not measured</dd>' in detail


def test_the_composer_chip_shows_an_attached_video_facts(org, editor, client_for):
    from posts.models import PostItemMedia
    from tests.factories import ChannelFactory
    from tests.posts.helpers import make_post

    channel = ChannelFactory(organization=org, provider="mastodon")
    media = upload(org, editor, files.video(2, width=320, height=240))
    post = make_post(channel, "Launch")
    PostItemMedia.objects.create(item=post.items.get(position=0), media=media)
    post.group.content = [{"text": "Launch", "media": [media.pk]}]
    post.group.save(update_fields=["content"])
    page = client_for(editor).get(reverse("posts:edit", args=[org.slug, post.group_id]))
    assert page.status_code == 200
    assert f"{FACTS} · " in page.text


def test_the_api_media_resource_gives_the_video_facts_and_poster(org, owner):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {make_key(org, actor=owner)[1]}")
    created = client.post(
        "/api/v1/media", {"file": SimpleUploadedFile("launch.mp4", files.video(2, fps=30))}
    )
    assert created.status_code == 201, created.content
    body = client.get(created["Location"]).json()
    assert body["kind"] == "video"
    assert (body["width"], body["height"], body["duration"]) == (64, 48, 2.0)
    assert (body["frame_rate"], body["codec"]) == (30.0, "h264")
    assert body["size"] == MediaFile.objects.get().size
    assert body["thumbnail_url"].startswith("http") and body["thumbnail_url"].endswith(".jpg")
    corrupt = client.post(
        "/api/v1/media", {"file": SimpleUploadedFile("bad.mp4", files.broken_video())}
    )
    assert corrupt.status_code == 400
    assert "damaged or incomplete" in corrupt.content.decode()


def test_the_admin_lists_video_facts(org, editor, client):
    from tests.factories import UserFactory

    media = upload(org, editor, files.video(2, width=320, height=240))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    admin_client = client
    listing = admin_client.get(reverse("admin:media_mediafile_changelist")).text
    assert FACTS in listing
    change = admin_client.get(reverse("admin:media_mediafile_change", args=[media.pk])).text
    assert "Frame rate" in change and "h264" in change


# -- Checked in the composer, not at publish time ------------------------------------------
def test_the_composer_refuses_a_measured_video_a_network_would_refuse(org, editor):
    from datetime import timedelta

    from django.utils import timezone

    from posts.services.groups import ChannelInput, ItemInput, post_validate
    from tests.factories import ChannelFactory

    linkedin = ChannelFactory(organization=org, provider="linkedin", credentials={"a": "t"})
    mastodon = ChannelFactory(organization=org, provider="mastodon", credentials={"a": "t"})
    # Above LinkedIn's 75 KB floor, so only the length is wrong.
    teaser = files.video(2, width=320, height=240, padding=100_000)
    short = upload(org, editor, teaser, "teaser.mp4")
    issues = post_validate(
        organization=org,
        content=[ItemInput("Teaser", media_ids=[short.pk])],
        channels=[ChannelInput(linkedin.pk), ChannelInput(mastodon.pk)],
        action="schedule",
        publish_at=timezone.now() + timedelta(hours=2),
    )
    [issue] = issues[linkedin.pk]
    assert issue.code == "media_duration"
    assert issue.message == "teaser.mp4 lasts 0:02; LinkedIn needs videos of at least 0:03."
    assert issues[mastodon.pk] == []


def test_a_stored_video_reaches_a_network_streamed_from_storage(org, editor, httpserver):
    import requests

    from integrations.providers.base.multipart import multipart_body

    data = files.video(1, padding=512 * 1024)
    item = media_as_item(upload(org, editor, data, "launch.mp4"))
    item.read = None  # a provider that loaded the whole video would fail here
    received = {}

    def raw(request):
        received["raw"] = (request.headers.get("Content-Length"), request.get_data())
        return "ok"

    def form(request):
        received["form"] = (request.form.to_dict(), request.files["file"].read())
        return "ok"

    httpserver.expect_request("/raw", method="PUT").respond_with_handler(raw)
    httpserver.expect_request("/form", method="POST").respond_with_handler(form)
    with item.open() as stream:
        requests.put(httpserver.url_for("/raw"), data=stream, timeout=5)
    with multipart_body(fields={"alt": "Launch"}, files=[("file", item)]) as body:
        requests.post(
            httpserver.url_for("/form"),
            data=body,
            headers={"Content-Type": body.content_type},
            timeout=5,
        )
    assert received["raw"] == (str(len(data)), data)
    assert received["form"] == ({"alt": "Launch"}, data)
