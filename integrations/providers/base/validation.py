"""The validator every network shares: its text limit, its media rules (data, in
``MediaRules``) and its settings fields, checked as pure functions.

``Provider.validate`` calls them with the network's declaration (and the channel's own
limits where a server sets them, as a Mastodon instance does); a network adds its quirks
by extending ``validate``, ``validate_item`` or ``validate_media`` and calling these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import formats
from django.utils.translation import gettext as _

from integrations.providers.base.data import (
    DraftItem,
    Issue,
    MediaItem,
    MediaRules,
    SettingField,
)


def check_text(
    index: int, item: DraftItem, *, name: str, limit: int | None, length: int
) -> list[Issue]:
    """Something to post, within ``limit`` characters as the network counts them."""
    issues: list[Issue] = []
    if not item.text.strip() and not item.media:
        issues.append(Issue("text_required", _("Write something to post."), item=index))
    if limit is not None and length > limit:
        issues.append(
            Issue(
                "text_too_long",
                _("%(network)s allows %(limit)d characters; this has %(length)d.")
                % {"network": name, "limit": limit, "length": length},
                item=index,
                limit=limit,
                actual=length,
            )
        )
    return issues


def check_media(index: int, media: list[MediaItem], rules: MediaRules, *, name: str) -> list[Issue]:
    """The files of thread item ``index`` against the network's media rules."""
    if media and rules.max_count == 0:
        return [
            Issue(
                "media_count",
                _("%(network)s posts cannot carry media.") % {"network": name},
                "media",
                item=index,
            )
        ]
    issues: list[Issue] = []
    if len(media) > rules.max_count:
        issues.append(
            Issue(
                "media_count",
                _("%(network)s allows at most %(count)d files per post.")
                % {"network": name, "count": rules.max_count},
                "media",
                item=index,
                limit=rules.max_count,
                actual=len(media),
            )
        )
    if index == 0 and len(media) < rules.min_count:
        issues.append(
            Issue(
                "media_required",
                _("%(network)s needs media on this post.") % {"network": name},
                "media",
                item=index,
            )
        )
    for file in media:
        issues += _check_file(index, file, rules, name)
    videos = [m for m in media if m.is_video]
    if videos and len(media) > 1 and rules.video_alone:
        issues.append(
            Issue(
                "media_mix",
                _("On %(network)s a video must be posted on its own.") % {"network": name},
                "media",
                item=index,
            )
        )
    elif videos and len(videos) < len(media) and not rules.allow_mixed:
        issues.append(
            Issue(
                "media_mix",
                _("%(network)s does not mix images and videos.") % {"network": name},
                "media",
                item=index,
            )
        )
    return issues


def _check_file(index: int, file: MediaItem, rules: MediaRules, name: str) -> list[Issue]:
    issues: list[Issue] = []
    if rules.requires_public_url and not file.public_url:
        issues.append(
            Issue(
                "media_url",
                _(
                    "%(network)s fetches %(file)s from a public address, and it has none. "
                    "Store media where the network can reach it (see the README, media)."
                )
                % {"network": name, "file": file.filename},
                "media",
                item=index,
            )
        )
    if rules.mime_types and file.mime_type not in rules.mime_types:
        allowed = ", ".join(rules.mime_types)
        issues.append(
            Issue(
                "media_type",
                _("%(network)s does not accept %(type)s files (allowed: %(allowed)s).")
                % {"network": name, "type": file.mime_type, "allowed": allowed},
                "media",
                item=index,
            )
        )
        return issues
    cap = rules.max_bytes_by_type.get(file.mime_type)
    if cap is None:
        cap = rules.max_video_bytes if file.is_video else rules.max_image_bytes
    if cap is not None and file.size > cap:
        issues.append(
            Issue(
                "media_size",
                _("%(file)s is %(size)s; %(network)s allows %(cap)s.")
                % {"file": file.filename, "size": _mb(file.size), "network": name, "cap": _mb(cap)},
                "media",
                item=index,
                limit=cap,
                actual=file.size,
            )
        )
    ratio = rules.video_ratio if file.is_video else rules.image_ratio if file.is_image else None
    issues += _check_ratio(index, file, ratio, name)
    if file.is_video:
        issues += _check_video(index, file, rules, name)
    return issues


def _check_ratio(
    index: int, file: MediaItem, ratio: tuple[float, float] | None, name: str
) -> list[Issue]:
    if not ratio or not file.width or not file.height:
        return []
    narrowest, widest = ratio
    actual = file.width / file.height
    # A hair of tolerance: 1080x1350 is 4:5 even though 1080/1350 rounds differently.
    if narrowest - 0.01 <= actual <= widest + 0.01:
        return []
    # Whole sentences per kind of file and advice, so each language words them its own way.
    if file.is_video:
        if actual > widest:
            text = _(
                "%(file)s is %(ratio)s (%(size)s); %(network)s takes videos from %(narrowest)s "
                "to %(widest)s. Crop it narrower."
            )
        else:
            text = _(
                "%(file)s is %(ratio)s (%(size)s); %(network)s takes videos from %(narrowest)s "
                "to %(widest)s. Crop it wider."
            )
    elif actual > widest:
        text = _(
            "%(file)s is %(ratio)s (%(size)s); %(network)s takes images from %(narrowest)s "
            "to %(widest)s. Crop it narrower."
        )
    else:
        text = _(
            "%(file)s is %(ratio)s (%(size)s); %(network)s takes images from %(narrowest)s "
            "to %(widest)s. Crop it wider."
        )
    return [
        Issue(
            "media_ratio",
            text
            % {
                "file": file.filename,
                "ratio": _ratio(actual),
                "size": f"{file.width}\u00d7{file.height}",
                "network": name,
                "narrowest": _ratio(narrowest),
                "widest": _ratio(widest),
            },
            "media",
            item=index,
            limit=round(widest if actual > widest else narrowest, 3),
            actual=round(actual, 3),
        )
    ]


def _check_video(index: int, file: MediaItem, rules: MediaRules, name: str) -> list[Issue]:
    issues: list[Issue] = []
    seconds = file.duration
    if seconds is not None and rules.max_video_seconds and seconds > rules.max_video_seconds:
        issues.append(
            Issue(
                "media_duration",
                _("%(file)s lasts %(duration)s; %(network)s takes videos up to %(max)s. Trim it.")
                % {
                    "file": file.filename,
                    "duration": _clock(seconds),
                    "network": name,
                    "max": _clock(rules.max_video_seconds),
                },
                "media",
                item=index,
                limit=rules.max_video_seconds,
                actual=seconds,
            )
        )
    if seconds is not None and rules.min_video_seconds and seconds < rules.min_video_seconds:
        issues.append(
            Issue(
                "media_duration",
                _("%(file)s lasts %(duration)s; %(network)s needs videos of at least %(min)s.")
                % {
                    "file": file.filename,
                    "duration": _clock(seconds),
                    "network": name,
                    "min": _clock(rules.min_video_seconds),
                },
                "media",
                item=index,
                limit=rules.min_video_seconds,
                actual=seconds,
            )
        )
    if file.width and file.height:
        size = f"{file.width}\u00d7{file.height}"
        low, high = rules.min_video_dimensions, rules.max_video_dimensions
        if low and (file.width < low[0] or file.height < low[1]):
            issues.append(
                Issue(
                    "media_dimensions",
                    _("%(file)s is %(size)s pixels; %(network)s needs videos of at least %(min)s.")
                    % {
                        "file": file.filename,
                        "size": size,
                        "network": name,
                        "min": f"{low[0]}\u00d7{low[1]}",
                    },
                    "media",
                    item=index,
                )
            )
        if high and (file.width > high[0] or file.height > high[1]):
            issues.append(
                Issue(
                    "media_dimensions",
                    _(
                        "%(file)s is %(size)s pixels; %(network)s takes videos of at most "
                        "%(max)s. Export it smaller."
                    )
                    % {
                        "file": file.filename,
                        "size": size,
                        "network": name,
                        "max": f"{high[0]}\u00d7{high[1]}",
                    },
                    "media",
                    item=index,
                )
            )
    rate, bounds = file.frame_rate, rules.video_frame_rate
    if rate and bounds:
        lowest, highest = bounds
        if highest is not None and rate > highest + 0.01:
            issues.append(
                Issue(
                    "media_frame_rate",
                    _(
                        "%(file)s plays at %(rate)s; %(network)s takes videos of at most "
                        "%(max)s. Export it at %(max)s or less."
                    )
                    % {
                        "file": file.filename,
                        "rate": _fps(rate),
                        "network": name,
                        "max": _fps(highest),
                    },
                    "media",
                    item=index,
                    limit=highest,
                    actual=rate,
                )
            )
        if lowest is not None and rate < lowest - 0.01:
            issues.append(
                Issue(
                    "media_frame_rate",
                    _("%(file)s plays at %(rate)s; %(network)s needs at least %(min)s.")
                    % {
                        "file": file.filename,
                        "rate": _fps(rate),
                        "network": name,
                        "min": _fps(lowest),
                    },
                    "media",
                    item=index,
                    limit=lowest,
                    actual=rate,
                )
            )
    if file.codec and rules.video_codecs and file.codec not in rules.video_codecs:
        allowed = _(" or ").join(_codec(c) for c in rules.video_codecs)
        issues.append(
            Issue(
                "media_codec",
                _(
                    "%(file)s is encoded as %(codec)s; %(network)s takes %(allowed)s video. "
                    "Export it as %(target)s and upload it again."
                )
                % {
                    "file": file.filename,
                    "codec": _codec(file.codec),
                    "network": name,
                    "allowed": allowed,
                    "target": _codec(rules.video_codecs[0]),
                },
                "media",
                item=index,
            )
        )
    return issues


def check_settings(values: dict, fields: Iterable[SettingField], *, name: str) -> list[Issue]:
    """Per-post settings against the network's fields: required, enum, bool, length.

    Unknown keys are kept and ignored (public API rule), so they only warn;
    ``plug--<plug>--<field>`` keys belong to automations."""
    fields = tuple(fields)
    known = {f.name: f for f in fields}
    issues = [
        Issue(
            "setting_unknown",
            _("%(key)s is not a %(network)s setting; it will be ignored.")
            % {"key": key, "network": name},
            key,
            severity="warning",
        )
        for key in values
        if key not in known and key != "__type" and not key.startswith("plug--")
    ]
    for spec in fields:
        value = values.get(spec.name)
        if value in (None, "", [], {}):
            if spec.required:
                issues.append(
                    Issue(
                        "setting_required",
                        _("Choose %(setting)s.") % {"setting": spec.label or spec.name},
                        spec.name,
                    )
                )
            continue
        if spec.type == "enum" and value not in spec.choices:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("%(setting)s must be one of: %(choices)s.")
                    % {"setting": spec.name, "choices": ", ".join(spec.choices)},
                    spec.name,
                )
            )
        elif spec.type == "bool" and not isinstance(value, bool):
            issues.append(
                Issue(
                    "setting_invalid",
                    _("%(setting)s must be true or false.") % {"setting": spec.name},
                    spec.name,
                )
            )
        elif spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
            issues.append(
                Issue(
                    "setting_invalid",
                    _("%(setting)s allows %(count)d characters.")
                    % {"setting": spec.name, "count": spec.max_length},
                    spec.name,
                    limit=spec.max_length,
                    actual=len(value),
                )
            )
    return issues


def grouped(number: int) -> str:
    """A count as the reader's language writes it (5,000; 5 000; 5.000)."""
    return formats.number_format(number, force_grouping=True)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def _clock(seconds: float) -> str:
    """2:20, 1:02:03, or 0.5 s for what lasts less than a second."""
    if seconds < 1:
        return f"{seconds:g} s"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# Ratios people know by name, as width:height.
_NAMED_RATIOS = {
    "1:1": 1.0,
    "16:9": 16 / 9,
    "9:16": 9 / 16,
    "4:5": 4 / 5,
    "5:4": 5 / 4,
    "4:3": 4 / 3,
    "3:4": 3 / 4,
    "2:3": 2 / 3,
    "3:2": 3 / 2,
    "1.91:1": 1.91,
    "3:1": 3.0,
    "1:3": 1 / 3,
}


def _ratio(value: float) -> str:
    for label, named in _NAMED_RATIOS.items():
        if abs(value - named) < 0.005:
            return label

    def short(number: float) -> str:
        return f"{number:.2f}".rstrip("0").rstrip(".")

    return f"{short(value)}:1" if value >= 1 else f"1:{short(1 / value)}"


def _fps(rate: float) -> str:
    return f"{rate:.2f}".rstrip("0").rstrip(".") + " fps"


_CODEC_NAMES = {"h264": "H.264", "hevc": "HEVC (H.265)", "vp9": "VP9", "av1": "AV1"}


def _codec(codec: str) -> str:
    return _CODEC_NAMES.get(codec, codec.upper())
