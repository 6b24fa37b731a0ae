from django import template

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
