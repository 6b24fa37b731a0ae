from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as m:ss (or h:mm:ss), the way players show it."""
    if seconds is None:
        return ""
    total = round(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def short_type(media) -> str:
    """The format's short name for a badge: JPEG, MP4, PDF."""
    return {
        "image/jpeg": "JPEG",
        "image/png": "PNG",
        "image/gif": "GIF",
        "image/webp": "WebP",
        "video/mp4": "MP4",
        "video/quicktime": "MOV",
        "application/pdf": "PDF",
    }.get(media.mime_type, media.mime_type)


TIMES = "\u00d7"  # the multiplication sign the templates put between width and height
_CODEC_NAMES = {
    "h264": "H.264",
    "hevc": "HEVC",
    "h265": "HEVC",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4",
    "prores": "ProRes",
    "mjpeg": "Motion JPEG",
}


@register.filter
def codec_name(codec) -> str:
    """FFmpeg's codec name as people know it: h264 → H.264."""
    if not codec:
        return ""
    return _CODEC_NAMES.get(codec, codec.upper())


@register.filter
def frame_rate(rate) -> str:
    """Frames per second: 30 fps, 29.97 fps."""
    if not rate:
        return ""
    return _("%(rate)s fps") % {"rate": f"{float(rate):.2f}".rstrip("0").rstrip(".")}


@register.filter
def video_facts(media) -> str:
    """A video's measured facts on one line, as the library's cards show dimensions:
    0:12 · 1920 by 1080 (with a multiplication sign) · 30 fps · H.264."""
    parts = [
        duration(media.duration) if media.duration else "",
        f"{media.width}{TIMES}{media.height}" if media.width and media.height else "",
        frame_rate(media.frame_rate),
        codec_name(media.codec),
    ]
    return " · ".join(part for part in parts if part)
