"""Channel pictures, kept here: a small copy of each channel's avatar in media storage, so
pages never load it from the network's servers (which would tell each network who looks at
the calendar, and when).

The network's address is fetched once, through the SSRF-guarded session (every redirect
hop vetted, the address it vetted is the one it connects to), within a size and time
budget; only JPEG, PNG, GIF and WebP pictures are read (by their bytes, with Pillow), and the
copy is a 128 px square WebP under a random name in ``channel-pictures/``. It is served
at /integrations/pictures/<name> (``views.channel_picture``): the random name is the
only key, as for media files.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

from integrations.providers.base import USER_AGENT
from postiz.http import absolute_url
from postiz.ssrf import UnsafeURL, guarded_session

FOLDER = "channel-pictures"
SIDE = 128  # pixels: twice the largest size a page shows a channel picture at
MAX_BYTES = 5_000_000
MAX_PIXELS = 25_000_000  # decoded size, checked before decoding (a "pixel bomb")
TIMEOUT = (3.05, 5)  # seconds to connect, and between two reads
TOTAL_SECONDS = 10
FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})
NAME = re.compile(r"[A-Za-z0-9_-]{16,80}\.webp")
_CHUNK = 64 * 1024


class PictureError(Exception):
    """The picture could not be kept; the message says why (for the log)."""


def fetch(url: str) -> bytes:
    """The picture at ``url``, as the network sends it (at most MAX_BYTES of an image)."""
    parts = urlsplit(url or "")
    allowed = ("https", "http") if settings.POSTIZ_ALLOW_PRIVATE_URLS else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise PictureError("not an https address")
    deadline = time.monotonic() + TOTAL_SECONDS
    try:
        with guarded_session() as session:
            session.headers["User-Agent"] = USER_AGENT
            response = session.get(
                url,
                stream=True,
                timeout=TIMEOUT,
                headers={"Accept": "image/webp,image/png,image/jpeg,image/gif;q=0.9"},
            )
            with response:
                if response.status_code != 200:
                    raise PictureError(f"the server answered {response.status_code}")
                kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if kind and not kind.startswith("image/"):
                    raise PictureError(f"not an image ({kind})")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > MAX_BYTES:
                    raise PictureError(f"too large ({declared} bytes)")
                received = bytearray()
                for chunk in response.iter_content(_CHUNK):
                    received += chunk
                    if len(received) > MAX_BYTES:
                        raise PictureError("too large")
                    if time.monotonic() > deadline:
                        raise PictureError("sent too slowly")
                return bytes(received)
    except PictureError:
        raise
    except UnsafeURL as error:
        raise PictureError(str(error)) from None
    except Exception as error:  # a picture must never break a connect, a check or a job
        raise PictureError(f"could not be fetched ({type(error).__name__})") from None


def shrink(data: bytes) -> bytes:
    """A SIDE by SIDE WebP of the picture's first frame, upright, cropped to a square."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise PictureError(f"not a picture we read ({image.format})")
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise PictureError(f"too many pixels ({width} by {height})")
            if image.format == "JPEG":
                image.draft("RGB", (SIDE * 2, SIDE * 2))  # decode at a fraction of the size
            image.seek(0)
            frame = ImageOps.exif_transpose(image).convert("RGBA")
            square = ImageOps.fit(frame, (SIDE, SIDE), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            square.save(out, "WEBP", quality=85, method=4)
            return out.getvalue()
    except PictureError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as error:
        raise PictureError(f"not a readable picture ({type(error).__name__})") from None


def save(data: bytes) -> str:
    """Store a shrunk picture; returns its name (random, the only key to it)."""
    stored = default_storage.save(f"{FOLDER}/{secrets.token_urlsafe(24)}.webp", ContentFile(data))
    return stored.rsplit("/", 1)[-1]


def url(name: str) -> str:
    """The stored picture's address, as pages and the APIs give it."""
    return absolute_url(reverse("integrations_picture", args=[name]))


def open_stored(name: str):
    """The stored picture's file, or None for a name that is not one of ours."""
    if not NAME.fullmatch(name or ""):
        return None
    path = f"{FOLDER}/{name}"
    try:
        return default_storage.open(path, "rb")
    except (FileNotFoundError, OSError):
        return None


def delete(name: str) -> None:
    if NAME.fullmatch(name or ""):
        with contextlib.suppress(OSError):
            default_storage.delete(f"{FOLDER}/{name}")
