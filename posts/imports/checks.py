"""Checking one row of an uploaded file: its channels (this organization's only), its
time, its media (fetched into the library), its tags, then the composer's validator
(posts.services.validation) on the post it would make. Each problem says what to fix."""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext_noop

from billing.limits import LimitReached
from integrations.models import Integration
from integrations.selectors import integrations_for
from media.models import MediaFile
from organizations.models import Organization
from organizations.texts import Text, english
from posts.imports import formats, times
from posts.imports.models import ImportJob
from posts.services.validation import GENERAL, ChannelInput, ItemInput, post_validate


def problem(code: str, message: str | Text, column: str = "", severity: str = "error") -> dict:
    """A row's problem: its message in English (the API, exports), and kept as a sentence
    (``text``) when it is ours, so the import page says it in the reader's language."""
    found = {"code": code, "message": english(message), "column": column, "severity": severity}
    if isinstance(message, Text):
        found["text"] = message.stored()
    return found


class Channels:
    """The organization's live channels the acting member may see, found by id, public id,
    name or username: another customer's channel is an unknown channel to a limited
    member."""

    def __init__(self, organization: Organization):
        self.by_key: dict[str, list[Integration]] = {}
        for channel in integrations_for(organization=organization).order_by("pk"):
            keys = {str(channel.pk), str(channel.public_id), channel.name.strip().lower()}
            if channel.username:
                keys.add(channel.username.strip().lower())
                keys.add(channel.username.strip().lower().lstrip("@"))
            for key in keys:
                self.by_key.setdefault(key, []).append(channel)
        self.by_id = {c.pk: c for found in self.by_key.values() for c in found}

    def find(self, written: str) -> list[Integration] | None:
        key = written.strip().lower()
        found = self.by_key.get(key) or self.by_key.get(key.lstrip("@"))
        return found

    def resolve(self, written: list[str]) -> tuple[list[Integration], list[dict]]:
        chosen, problems = [], []
        for name in written:
            found = self.find(name)
            parts = [name]
            if found is None and "," in name:
                # "A, B": two channels, unless one channel is called that (checked above).
                parts = [p for p in (s.strip() for s in name.split(",")) if p]
            for part in parts:
                found = self.find(part)
                if not found:
                    problems.append(
                        problem(
                            "channel_unknown",
                            Text(
                                gettext_noop(
                                    "No channel “%(name)s” in this organization; write a "
                                    "channel's name or username as on the Channels page."
                                ),
                                name=part,
                            ),
                            "channels",
                        )
                    )
                elif len(found) > 1:
                    problems.append(
                        problem(
                            "channel_ambiguous",
                            Text(
                                gettext_noop(
                                    "Several channels are called “%(name)s”; write the "
                                    "username or the channel's id instead."
                                ),
                                name=part,
                            ),
                            "channels",
                        )
                    )
                elif found[0] not in chosen:
                    chosen.append(found[0])
        return chosen, problems


class Media:
    """Media addresses fetched once per preview (and once per organization)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self.found: dict[str, tuple[int | None, str]] = {}

    def get(self, url: str) -> tuple[int | None, str]:
        if url not in self.found:
            self.found[url] = self._fetch(url)
        return self.found[url]

    def _fetch(self, url: str) -> tuple[int | None, str]:
        from media.services import MediaError, media_upload_from_url

        known = (
            MediaFile.objects.filter(
                organization=self.job.organization, source_url=url, deleted_at__isnull=True
            )
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        if known:
            return known, ""
        try:
            row = media_upload_from_url(
                organization=self.job.organization, actor=self.job.created_by, url=url
            )
        except MediaError as error:
            return None, error.message
        except LimitReached as error:
            return None, error.message
        return row.pk, ""


def row_key(values: dict) -> str:
    """What a row asks for, as a key: the same post to the same channels at the same time
    is the same row, whichever file it came in."""
    identity = [
        values.get("text", ""),
        sorted(values.get("channel_ids", [])),
        values.get("publish_at"),
        list(values.get("media", [])),
        sorted(t.lower() for t in values.get("tags", [])),
        values.get("first_comment", ""),
    ]
    return hashlib.sha256(json.dumps(identity, ensure_ascii=False).encode()).hexdigest()


def items_of(values: dict) -> list[ItemInput]:
    items = [ItemInput(values.get("text", ""), list(values.get("media_ids", [])))]
    if values.get("first_comment"):
        items.append(ItemInput(values["first_comment"]))
    return items


def check_row(
    raw: formats.RawRow,
    *,
    job: ImportJob,
    channels: Channels,
    tags: dict[str, int],
    media: Media,
    order: str,
    channel_column: bool,
) -> tuple[dict, list[dict]]:
    problems: list[dict] = []
    values: dict = {
        "text": raw.text,
        "channels": raw.channels,
        "media": raw.media,
        "tags": raw.tags,
        "first_comment": raw.first_comment,
    }
    if not raw.text.strip() and not raw.media:
        said = Text(gettext_noop("The row has no text."))
        problems.append(problem("text_required", said, "text"))
    if raw.channels:
        chosen, found_problems = channels.resolve(raw.channels)
        problems += found_problems
    else:
        chosen = [channels.by_id[c] for c in job.default_channels if c in channels.by_id]
        if not chosen:
            problems.append(
                problem(
                    "channel_required",
                    Text(gettext_noop("The row names no channel; fill its channels column"))
                    if channel_column
                    else Text(
                        gettext_noop(
                            "The file names no channel; choose the channels on the upload form"
                        )
                    ),
                    "channels",
                )
            )
    values["channel_ids"] = [c.pk for c in chosen]
    values["channel_names"] = [c.name for c in chosen]

    when = times.parse(raw.date, raw.time, raw.zone, fallback=job.timezone, order=order)
    if when.error:
        problems.append(problem(*when.error, column="date"))
    for code, message in when.warnings or []:
        problems.append(problem(code, message, "time", severity="warning"))
    values["publish_at"] = when.at.isoformat() if when.at else None
    values["zone"] = when.zone
    values["local"] = when.local

    media_ids = []
    for url in raw.media:
        pk, error = media.get(url)
        if pk is None:
            problems.append(
                problem(
                    "media_unreachable",
                    Text(
                        gettext_noop("%(url)s could not be added: %(reason)s"),
                        url=url,
                        reason=error,
                    ),
                    "media",
                )
            )
        else:
            media_ids.append(pk)
    values["media_ids"] = media_ids

    new_tags = [t for t in raw.tags if t.lower() not in tags]
    for name in new_tags:
        if len(name) > 50:
            said = Text(gettext_noop("Tag “%(name)s…” is over 50 characters."), name=name[:20])
            problems.append(problem("tag_invalid", said))
    if new_tags:
        problems.append(
            problem(
                "tag_new",
                Text(gettext_noop("New tags will be created: %(tags)s."), tags=", ".join(new_tags)),
                "tags",
                severity="warning",
            )
        )

    # The composer's validator, on what can be checked: only with channels and a time.
    unreachable = any(p["code"] == "media_unreachable" for p in problems)
    if chosen and when.at is not None and not unreachable:
        zone = when.zone if is_iana(when.zone) else job.timezone
        issues = post_validate(
            organization=job.organization,
            content=items_of(values),
            channels=[ChannelInput(c.pk) for c in chosen],
            action="schedule",
            publish_at=when.at,
            timezone=zone,
            tags=[tags[t.lower()] for t in raw.tags if t.lower() in tags],
        )
        names = {c.pk: c.name for c in chosen}
        for channel_id, found in issues.items():
            for issue in found:
                message = issue.message
                if channel_id != GENERAL:
                    message = f"{names.get(channel_id, '')}: {message}"
                column = issue.field if issue.field in ("text", "media") else ""
                if issue.item and issue.field == "text":
                    column = "first_comment"
                problems.append(problem(issue.code, message, column, issue.severity))
    return values, problems


def is_iana(name: str) -> bool:
    return name == "UTC" or ("/" in name and not name.startswith("UTC"))
