"""Uploading: the type comes from the bytes, limits and quota hold, images lose their
metadata and gain a thumbnail."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from media.models import MediaFile
from media.services import MediaError, media_as_item, media_upload
from tests.media import files


def upload(org, user, data, filename):
    return media_upload(organization=org, actor=user, file=data, filename=filename)


@pytest.mark.parametrize(
    ("make", "extension", "kind", "mime"),
    [
        (files.jpeg, "jpg", "image", "image/jpeg"),
        (files.png, "png", "image", "image/png"),
        (files.animated_gif, "gif", "image", "image/gif"),
        (files.webp, "webp", "image", "image/webp"),
        (files.video, "mp4", "video", "video/mp4"),
        (lambda: files.video(container="mov"), "mov", "video", "video/quicktime"),
        (files.pdf, "pdf", "document", "application/pdf"),
    ],
)
def test_each_accepted_type_is_recognised_from_its_bytes(org, editor, make, extension, kind, mime):
    # The name lies on purpose: only the bytes decide.
    media = upload(org, editor, make(), "renamed.txt")
    assert (media.kind, media.mime_type) == (kind, mime)
    assert media.name == "renamed.txt"
    # The stored name carries the real type's extension, so storage serves the right type.
    assert media.file.name.endswith("." + extension)
    with media.file.open("rb") as stored:
        stored_bytes = stored.read()
    assert media.size == len(stored_bytes)
    assert media.sha256 == hashlib.sha256(stored_bytes).hexdigest()


def test_html_named_png_is_refused_naming_the_allowed_types(org, editor):
    with pytest.raises(MediaError) as refused:
        upload(org, editor, files.HTML, "cat.png")
    assert "cat.png is not a file type Postiz accepts" in refused.value.message
    assert "JPEG, PNG, GIF or WebP images, MP4 or MOV videos, and PDF" in refused.value.message
    assert not MediaFile.objects.exists()


def test_heic_image_in_an_ftyp_box_is_not_taken_for_video(org, editor):
    with pytest.raises(MediaError, match="not a file type"):
        upload(org, editor, files.heic(), "IMG_0001.mp4")


def test_empty_file_is_refused(org, editor):
    with pytest.raises(MediaError, match=r"empty\.jpg is empty"):
        upload(org, editor, b"", "empty.jpg")


def test_damaged_image_is_refused_with_a_clear_message(org, editor):
    truncated = files.jpeg()[:200]
    with pytest.raises(MediaError, match="damaged or incomplete"):
        upload(org, editor, truncated, "broken.jpg")
    assert not MediaFile.objects.exists()


@pytest.mark.parametrize("max_pixels", [100_000, 200_000])  # Pillow's own check, then ours
def test_image_with_too_many_pixels_is_refused_before_decoding(
    org, editor, monkeypatch, max_pixels
):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", max_pixels)
    with pytest.raises(MediaError, match=r"poster\.jpg: The image has too many pixels to process"):
        upload(org, editor, files.jpeg(640, 480), "poster.jpg")
    assert not MediaFile.objects.exists()


def test_without_pyav_video_facts_come_from_ffprobe_when_installed(
    org, editor, tmp_path, monkeypatch
):
    from media import processing

    monkeypatch.setattr(processing, "_pyav", lambda: None)
    # A stand-in ffprobe printing what the real one prints for a 1080p clip of 12.5 s.
    tool = tmp_path / "bin" / "ffprobe"
    tool.parent.mkdir()
    tool.write_text(
        "#!/bin/sh\n"
        "cat <<'JSON'\n"
        '{"streams": [{"index": 0, "codec_type": "audio", "duration": "12.48"},'
        ' {"index": 1, "codec_type": "video", "codec_name": "h264", "width": 1920,'
        ' "height": 1080, "avg_frame_rate": "30000/1001", "r_frame_rate": "30000/1001"}],'
        ' "format": {"duration": "12.500000", "format_name": "mov,mp4,m4a,3gp,3g2,mj2"}}\n'
        "JSON\n"
    )
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tool.parent}:/usr/bin:/bin")
    media = upload(org, editor, files.video(), "clip.mp4")
    assert (media.width, media.height, media.duration) == (1920, 1080, 12.5)
    assert (media.frame_rate, media.codec) == (29.97, "h264")
    assert not media.thumbnail  # ffprobe measures; the poster frame needs PyAV


def test_image_over_the_image_limit_is_refused_with_the_limit(org, editor, settings):
    settings.POSTIZ_MEDIA_MAX_IMAGE_MB = 1
    big = b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024)
    with pytest.raises(MediaError) as refused:
        upload(org, editor, big, "huge.jpg")
    assert "huge.jpg is 2 MB; images may be at most 1 MB" in refused.value.message
    assert not MediaFile.objects.exists()


def test_each_kind_has_its_own_limit(org, editor, settings):
    settings.POSTIZ_MEDIA_MAX_IMAGE_MB = 1
    settings.POSTIZ_MEDIA_MAX_DOCUMENT_MB = 1
    settings.POSTIZ_MEDIA_MAX_VIDEO_MB = 3
    video = upload(org, editor, files.video(padding=2 * 1024 * 1024), "long.mp4")
    assert video.size > 2 * 1024 * 1024
    with pytest.raises(MediaError, match="documents may be at most 1 MB"):
        upload(org, editor, files.pdf() + b"\0" * (1024 * 1024), "big.pdf")


def test_quota_refuses_the_upload_that_would_not_fit(org, editor, settings):
    settings.POSTIZ_MEDIA_QUOTA_MB = 1
    upload(org, editor, files.video(padding=700 * 1024), "first.mp4")
    with pytest.raises(MediaError) as refused:
        upload(org, editor, files.video(padding=400 * 1024), "second.mp4")
    assert "Acme has" in refused.value.message
    assert "of its 1 MB of storage" in refused.value.message
    assert "Delete files you no longer use" in refused.value.message
    assert MediaFile.objects.count() == 1


def test_quota_of_zero_means_unlimited(org, editor, settings):
    settings.POSTIZ_MEDIA_QUOTA_MB = 0
    settings.POSTIZ_MEDIA_MAX_VIDEO_MB = 5
    for n in range(3):
        upload(org, editor, files.video(padding=2 * 1024 * 1024), f"{n}.mp4")
    assert MediaFile.objects.count() == 3


def test_deleted_files_no_longer_count_against_the_quota(org, editor, settings):
    from media.services import media_delete

    settings.POSTIZ_MEDIA_QUOTA_MB = 1
    first = upload(org, editor, files.video(padding=700 * 1024), "first.mp4")
    media_delete(media_file=first, actor=editor)
    upload(org, editor, files.video(padding=700 * 1024), "second.mp4")


def test_gps_and_camera_exif_are_stripped_from_the_stored_jpeg(org, editor):
    original = files.jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get(files.GPS_IFD)
    media = upload(org, editor, original, "home.jpg")
    with media.file.open("rb") as stored:
        image = Image.open(stored)
        image.load()
    assert "exif" not in image.info
    assert dict(image.getexif()) == {}
    assert (media.width, media.height) == (640, 480) == image.size


def test_animated_gif_stays_animated_and_loses_its_comment(org, editor):
    media = upload(org, editor, files.animated_gif(frames=3), "dance.gif")
    with media.file.open("rb") as stored:
        image = Image.open(stored)
        assert image.format == "GIF"
        assert image.n_frames == 3
        assert "comment" not in image.info


def test_photo_turned_by_its_exif_orientation_is_stored_upright(org, editor):
    image = Image.new("RGB", (200, 100), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    media = upload(org, editor, out.getvalue(), "portrait.jpg")
    assert (media.width, media.height) == (100, 200)


def test_images_get_a_webp_thumbnail_at_most_400_pixels(org, editor):
    media = upload(org, editor, files.jpeg(1600, 900), "wide.jpg")
    with media.thumbnail.open("rb") as stored:
        thumb = Image.open(stored)
        assert thumb.format == "WEBP"
        assert thumb.size == (400, 225)


def test_without_pyav_or_ffprobe_a_video_is_stored_unmeasured_not_guessed(org, editor, monkeypatch):
    from media import processing

    monkeypatch.setattr(processing, "_pyav", lambda: None)
    monkeypatch.setenv("PATH", "/nonexistent")
    video = upload(org, editor, files.video(), "clip.mp4")
    assert video.size > 0
    assert (video.width, video.height, video.duration, video.frame_rate) == (None,) * 4
    assert video.codec == "" and not video.thumbnail


def test_documents_have_no_thumbnail(org, editor):
    assert not upload(org, editor, files.pdf(), "deck.pdf").thumbnail


def test_uploaded_file_object_is_streamed_like_a_browser_upload(org, editor):
    browser_file = SimpleUploadedFile("C:\\Users\\ada\\Pictures\\cat.png", files.png())
    media = media_upload(organization=org, actor=editor, file=browser_file)
    assert media.name == "cat.png"
    assert media.uploaded_by == editor
    assert (media.width, media.height) == (300, 200)


def test_media_as_item_gives_providers_the_bytes_and_an_absolute_url(org, editor, settings):
    settings.SITE_URL = "https://postiz.example.org"
    media = upload(org, editor, files.png(), "logo.png")
    media.alt_text = "Our logo"
    item = media_as_item(media)
    with media.file.open("rb") as stored:
        assert item.read() == stored.read()
    assert item.mime_type == "image/png" and item.is_image
    assert (item.width, item.height, item.size) == (300, 200, media.size)
    assert item.alt_text == "Our logo"
    assert media_as_item(media, alt_text="Override").alt_text == "Override"
    assert item.public_url.startswith("https://postiz.example.org/media/org/")
    assert item.filename == "logo.png"
