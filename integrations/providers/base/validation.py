"""The validator every network shares: its text limit, its media rules (data, in
``MediaRules``) and its settings fields, checked as pure functions.

``Provider.validate`` calls them with the network's declaration (and the channel's own
limits where a server sets them, as a Mastodon instance does); a network adds its quirks
by extending ``validate``, ``validate_item`` or ``validate_media`` and calling these.
"""

from __future__ import annotations

from collections.abc import Iterable

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
        issues.append(Issue("text_required", "Write something to post.", item=index))
    if limit is not None and length > limit:
        issues.append(
            Issue(
                "text_too_long",
                f"{name} allows {limit} characters; this has {length}.",
                item=index,
                limit=limit,
                actual=length,
            )
        )
    return issues


def check_media(index: int, media: list[MediaItem], rules: MediaRules, *, name: str) -> list[Issue]:
    """The files of thread item ``index`` against the network's media rules."""
    if media and rules.max_count == 0:
        return [Issue("media_count", f"{name} posts cannot carry media.", "media", item=index)]
    issues: list[Issue] = []
    if len(media) > rules.max_count:
        issues.append(
            Issue(
                "media_count",
                f"{name} allows at most {rules.max_count} files per post.",
                "media",
                item=index,
                limit=rules.max_count,
                actual=len(media),
            )
        )
    if index == 0 and len(media) < rules.min_count:
        issues.append(
            Issue("media_required", f"{name} needs media on this post.", "media", item=index)
        )
    for file in media:
        issues += _check_file(index, file, rules, name)
    videos = [m for m in media if m.is_video]
    if videos and len(media) > 1 and rules.video_alone:
        issues.append(
            Issue("media_mix", f"On {name} a video must be posted on its own.", "media", item=index)
        )
    elif videos and len(videos) < len(media) and not rules.allow_mixed:
        issues.append(
            Issue("media_mix", f"{name} does not mix images and videos.", "media", item=index)
        )
    return issues


def _check_file(index: int, file: MediaItem, rules: MediaRules, name: str) -> list[Issue]:
    issues: list[Issue] = []
    if rules.requires_public_url and not file.public_url:
        issues.append(
            Issue(
                "media_url",
                f"{name} fetches {file.filename} from a public address, and it has none. "
                "Store media where the network can reach it (see the README, media).",
                "media",
                item=index,
            )
        )
    if rules.mime_types and file.mime_type not in rules.mime_types:
        allowed = ", ".join(rules.mime_types)
        issues.append(
            Issue(
                "media_type",
                f"{name} does not accept {file.mime_type} files (allowed: {allowed}).",
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
                f"{file.filename} is {_mb(file.size)}; {name} allows {_mb(cap)}.",
                "media",
                item=index,
                limit=cap,
                actual=file.size,
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
            f"{key} is not a {name} setting; it will be ignored.",
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
                    Issue("setting_required", f"Choose {spec.label or spec.name}.", spec.name)
                )
            continue
        if spec.type == "enum" and value not in spec.choices:
            issues.append(
                Issue(
                    "setting_invalid",
                    f"{spec.name} must be one of: {', '.join(spec.choices)}.",
                    spec.name,
                )
            )
        elif spec.type == "bool" and not isinstance(value, bool):
            issues.append(
                Issue("setting_invalid", f"{spec.name} must be true or false.", spec.name)
            )
        elif spec.max_length and isinstance(value, str) and len(value) > spec.max_length:
            issues.append(
                Issue(
                    "setting_invalid",
                    f"{spec.name} allows {spec.max_length} characters.",
                    spec.name,
                    limit=spec.max_length,
                    actual=len(value),
                )
            )
    return issues


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"
