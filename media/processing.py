"""Measuring and cleaning files at upload: image metadata stripping, thumbnails, video
probing. Nothing here touches the database or storage."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

logger = logging.getLogger("postiz.media")

THUMBNAIL_SIZE = 400
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
                f"The image has too many pixels to process ({image.width} x "
                f"{image.height}); scale it down and try again."
            )
        image.load()
    except ImageProblem:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageProblem(
            "The image has too many pixels to process; scale it down and try again."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageProblem("The image is damaged or incomplete; export it again.") from exc
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
    width: int | None = None
    height: int | None = None
    duration: float | None = None


def probe_video(path: str) -> VideoFacts:
    """Duration and size of a video through ffprobe, when this machine has it."""
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
    return VideoFacts(width=video.get("width"), height=video.get("height"), duration=duration)
