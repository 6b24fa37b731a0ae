"""Measuring and cleaning files at upload: image metadata stripping, thumbnails, video
inspection (PyAV) and poster frames. Nothing here touches the database or storage."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import BinaryIO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError


def _pyav():
    """PyAV, imported when a video is first measured (its FFmpeg libraries add about 20 MB
    to a process, which the web, publisher and worker processes need not all carry);
    None on a deployment without it, which falls back to ffprobe."""
    try:
        import av
    except ImportError:  # pragma: no cover
        return None
    return av


logger = logging.getLogger("postiz.media")

THUMBNAIL_SIZE = 400
CHUNK = 1024 * 1024
FFPROBE_SECONDS = 30

# What survives re-encoding: colour and transparency. EXIF (GPS, camera, serial numbers),
# XMP, IPTC and comments do not.
_KEPT_INFO = ("icc_profile", "transparency")
_PILLOW_FORMAT = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}


class ImageProblem(ValueError):
    """The image could not be read; the message says so in a person's words."""


@dataclass
class CleanImage:
    data: bytes
    width: int
    height: int
    thumbnail: bytes


def _clean_copy(frame: Image.Image) -> Image.Image:
    copy = frame.copy()
    copy.info = {key: frame.info[key] for key in _KEPT_INFO if key in frame.info}
    return copy


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        # Checked before decoding: a small file can unpack to gigabytes of pixels.
        if image.width * image.height > Image.MAX_IMAGE_PIXELS:
            raise ImageProblem(
                _(
                    "The image has too many pixels to process (%(width)s x %(height)s); "
                    "scale it down and try again."
                )
                % {"width": image.width, "height": image.height}
            )
        image.load()
    except ImageProblem:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageProblem(
            _("The image has too many pixels to process; scale it down and try again.")
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem(_("The image is damaged or incomplete; export it again.")) from exc
    return image


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.info = {}
    if thumb.mode not in ("RGB", "RGBA"):
        transparent = "transparency" in image.info or "A" in thumb.mode
        thumb = thumb.convert("RGBA" if transparent else "RGB")
    thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80)
    return out.getvalue()


def clean_image(data: bytes, mime_type: str) -> CleanImage:
    """Re-encode an image in its own format without its metadata; keep animation."""
    image = _open(data)
    fmt = _PILLOW_FORMAT[mime_type]
    out = io.BytesIO()
    if getattr(image, "is_animated", False) and getattr(image, "n_frames", 1) > 1:
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            durations.append(frame.info.get("duration", 100))
            frames.append(_clean_copy(frame))
        first = frames[0]
        options = {"save_all": True, "append_images": frames[1:], "duration": durations}
        if "loop" in image.info:
            options["loop"] = image.info["loop"]
        if fmt == "WEBP":
            options["quality"] = 90
        first.save(out, fmt, **options)
        shown = frames[0]
    else:
        # The EXIF orientation tag goes with the rest of EXIF, so turn the pixels first.
        shown = _clean_copy(ImageOps.exif_transpose(image))
        options = {}
        if fmt == "JPEG":
            options = {"quality": 92, "optimize": True}
            if shown.mode not in ("RGB", "L", "CMYK"):
                shown = shown.convert("RGB")
        elif fmt == "WEBP":
            options = {"quality": 90}
        if "icc_profile" in shown.info:
            options["icc_profile"] = shown.info["icc_profile"]
        if "transparency" in shown.info and fmt in ("PNG", "GIF"):
            options["transparency"] = shown.info["transparency"]
        shown.save(out, fmt, **options)
    return CleanImage(
        data=out.getvalue(),
        width=shown.width,
        height=shown.height,
        thumbnail=_thumbnail(shown),
    )


@dataclass
class VideoFacts:
    """What was measured of a video; ``None`` (or "") where it could not be."""

    width: int | None = None
    height: int | None = None
    duration: float | None = None
    frame_rate: float | None = None
    codec: str = ""
    # A JPEG of the picture about a second in (or the first frame), for the library.
    poster: bytes | None = None


class VideoProblem(ValueError):
    """The video could not be read; the message says so in a person's words."""


POSTER_SECONDS = 1.0
# Frames decoded at most while looking for the poster: a long stretch without a keyframe
# must not keep the upload busy decoding.
POSTER_MAX_FRAMES = 120


def inspect_video(source: str | BinaryIO) -> VideoFacts:
    """Duration, dimensions, frame rate, codec and a poster frame of a video.

    ``source`` is a path or a seekable binary file; the container is read as it is
    parsed, never loaded whole. PyAV (FFmpeg's libraries, bundled in its wheels) does the
    reading; without it the ``ffprobe`` command is used when this machine has one, and
    without either the video is stored unmeasured. Raises ``VideoProblem`` when the file
    is not a video anyone could play."""
    av = _pyav()
    if av is None:
        return _probe_without_pyav(source)
    try:
        container = av.open(source, "r")
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise VideoProblem(_("The video is damaged or incomplete; export it again.")) from exc
    try:
        if not container.streams.video:
            raise VideoProblem(_("The file holds no video picture; export it again as a video."))
        stream = container.streams.video[0]
        facts = _stream_facts(container, stream)
        try:
            frame = _poster_frame(container, stream, facts.duration)
        except (av.FFmpegError, OSError, ValueError) as exc:
            raise VideoProblem(
                _(
                    "The video's pictures cannot be decoded; it is damaged or incomplete. "
                    "Export it again."
                )
            ) from exc
        if frame is None:
            raise VideoProblem(_("The video has no picture that can be shown; export it again."))
        rotation = int(getattr(frame, "rotation", 0) or 0) % 360
        if rotation in (90, 270) and facts.width and facts.height:
            # Phones store portrait video as landscape pictures plus a rotation; people
            # (and the networks' ratio rules) see it upright.
            facts.width, facts.height = facts.height, facts.width
        facts.poster = _poster_jpeg(frame.to_image(), rotation)
        return facts
    finally:
        container.close()


def _stream_facts(container, stream) -> VideoFacts:
    context = stream.codec_context
    duration = None
    if container.duration:
        duration = container.duration / 1_000_000  # AV_TIME_BASE: microseconds
    elif stream.duration and stream.time_base:
        duration = float(stream.duration * stream.time_base)
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return VideoFacts(
        width=context.width or None,
        height=context.height or None,
        duration=round(duration, 3) if duration else None,
        frame_rate=round(float(rate), 3) if rate else None,
        codec=(context.name or "")[:30],
    )


def _poster_frame(container, stream, duration: float | None):
    """The first frame at or after ~1 s when the video is that long, else the first."""
    av = _pyav()
    if duration and duration > POSTER_SECONDS:
        try:
            container.seek(int(POSTER_SECONDS * 1_000_000), backward=True, any_frame=False)
        except av.FFmpegError:
            container.seek(0)
        first = None
        for count, frame in enumerate(container.decode(stream)):
            first = first or frame
            if frame.time is None or frame.time >= POSTER_SECONDS or count >= POSTER_MAX_FRAMES:
                return frame
        if first is not None:
            return first
        container.seek(0)
    for frame in container.decode(stream):
        return frame
    return None


def _poster_jpeg(image: Image.Image, rotation: int) -> bytes:
    if rotation:
        # FFmpeg's rotation is counter-clockwise, as is Pillow's.
        image = image.rotate(rotation, expand=True)
    image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)
    return out.getvalue()


def _probe_without_pyav(source: str | BinaryIO) -> VideoFacts:
    if isinstance(source, str):
        return probe_video(source)
    if not shutil.which("ffprobe"):
        return VideoFacts()
    # A small upload kept in memory: ffprobe needs it on disk.
    with tempfile.NamedTemporaryFile(suffix=".video") as spool:
        while piece := source.read(CHUNK):
            spool.write(piece)
        spool.flush()
        return probe_video(spool.name)


def _rate(value: str | None) -> float | None:
    try:
        numerator, _slash, denominator = (value or "").partition("/")
        rate = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return round(rate, 3) if rate > 0 else None


def probe_video(path: str) -> VideoFacts:
    """Duration, size, frame rate and codec through ffprobe, when this machine has it
    (the fallback when PyAV is not installed)."""
    ffprobe = shutil.which("ffprobe")
    if not ffprobe:
        return VideoFacts()
    try:
        result = subprocess.run(
            [
                ffprobe,
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                path,
            ],
            capture_output=True,
            timeout=FFPROBE_SECONDS,
            check=True,
        )
        facts = json.loads(result.stdout)
    except (subprocess.SubprocessError, OSError, ValueError):
        # A video ffprobe cannot read is still stored; networks check it on upload.
        logger.warning("ffprobe could not read %s", path, exc_info=True)
        return VideoFacts()
    video = next((s for s in facts.get("streams", []) if s.get("codec_type") == "video"), {})
    duration = facts.get("format", {}).get("duration") or video.get("duration")
    try:
        duration = round(float(duration), 3) if duration is not None else None
    except ValueError:
        duration = None
    return VideoFacts(
        width=video.get("width"),
        height=video.get("height"),
        duration=duration,
        frame_rate=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        codec=str(video.get("codec_name") or "")[:30],
    )
