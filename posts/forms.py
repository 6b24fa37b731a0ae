"""The composer's form, read from a plain POST, and the small forms of signatures, sets,
tags and comments.

The composer works without script: every edit of the thread (add a reply, remove one,
move one up, customize a channel, attach a file) is a submit button named ``op`` whose
value says what to do, and the page comes back with the change applied and nothing
saved. Field names:

- ``channels``: the chosen channel ids;
- ``item-<n>-text``, ``item-<n>-media`` (repeated), ``item-<n>-delay``: the global thread;
- ``custom-<id>=1`` and ``c<id>-item-<n>-...``: a channel's own thread;
- ``s<id>-<setting>``: a channel's network settings;
- ``publish_date``, ``publish_time``, ``timezone``, ``repeat_every``, ``repeat_unit``,
  ``repeat_until``, ``tags`` (repeated), ``action``.
"""

from __future__ import annotations

import re
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations.providers import provider_classes
from integrations.providers.base import SettingField
from postiz.http import loads_json
from postiz.timezones import timezone_names
from posts.models import PostGroup
from posts.services.groups import ChannelInput, ItemInput, items_from_json
from posts.states import EDITABLE

_ITEM_TEXT = re.compile(r"^(?:c(\d+)-)?item-(\d+)-text$")
MAX_MEDIA_PER_ITEM = 10


def _int(value, default=None):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def thread_prefix(channel_id: int | None) -> str:
    return f"c{channel_id}-" if channel_id else ""


@dataclass
class ComposerState:
    """Everything the composer shows and submits, independent of where it came from."""

    channel_ids: list[int] = field(default_factory=list)
    items: list[ItemInput] = field(default_factory=lambda: [ItemInput("")])
    custom: dict[int, list[ItemInput]] = field(default_factory=dict)
    settings: dict[int, dict] = field(default_factory=dict)
    publish_date: str = ""
    publish_time: str = ""
    zone: str = "UTC"
    repeat_every: str = ""
    repeat_unit: str = ""
    repeat_until: str = ""
    tag_ids: list[int] = field(default_factory=list)
    action: str = "draft"
    errors: dict[str, str] = field(default_factory=dict)
    # The date and time are a suggestion the person has not changed (they follow the
    # chosen channels' next free slot); ``when_note`` says where the suggestion came from.
    when_suggested: bool = False
    when_note: str = ""

    # -- reading ------------------------------------------------------------------------
    @classmethod
    def from_post(cls, data, providers: dict[int, str]) -> ComposerState:
        """``providers`` maps the organization's channel ids to their network, so each
        channel's settings are read by its network's declared fields."""
        state = cls()
        state.channel_ids = list(dict.fromkeys(_int(v) for v in data.getlist("channels")))
        state.channel_ids = [c for c in state.channel_ids if c]
        threads: dict[int | None, dict[int, ItemInput]] = {}
        for key in data:
            match = _ITEM_TEXT.match(key)
            if not match:
                continue
            channel_id = int(match[1]) if match[1] else None
            index = int(match[2])
            prefix = f"{thread_prefix(channel_id)}item-{index}-"
            media = [m for m in (_int(v) for v in data.getlist(prefix + "media")) if m]
            media = list(dict.fromkeys(media))[:MAX_MEDIA_PER_ITEM]
            alt_texts = {
                m: data.get(f"{prefix}alt-{m}", "").strip()[:1500]
                for m in media
                if data.get(f"{prefix}alt-{m}", "").strip()
            }
            threads.setdefault(channel_id, {})[index] = ItemInput(
                text=data.get(key, "").replace("\r\n", "\n"),
                media_ids=media,
                delay_minutes=max(_int(data.get(prefix + "delay"), 0) or 0, 0),
                alt_texts=alt_texts,
            )

        def ordered(channel_id):
            found = threads.get(channel_id, {})
            return [found[i] for i in sorted(found)]

        state.items = ordered(None) or [ItemInput("")]
        for channel_id in state.channel_ids:
            if data.get(f"custom-{channel_id}") == "1":
                state.custom[channel_id] = ordered(channel_id) or [ItemInput("")]
            state.settings[channel_id] = _read_settings(data, channel_id, providers)
        state.publish_date = data.get("publish_date", "").strip()
        state.publish_time = data.get("publish_time", "").strip()
        state.zone = data.get("timezone", "").strip() or "UTC"
        state.repeat_every = data.get("repeat_every", "").strip()
        state.repeat_unit = data.get("repeat_unit", "").strip()
        state.repeat_until = data.get("repeat_until", "").strip()
        state.tag_ids = [t for t in (_int(v) for v in data.getlist("tags")) if t]
        state.action = data.get("action", "draft")
        state.when_suggested = data.get("when_suggested") == "1"
        return state

    @classmethod
    def from_group(cls, group: PostGroup) -> ComposerState:
        posts = list(group.posts.all())
        state = cls(
            channel_ids=[p.integration_id for p in posts if p.state in EDITABLE]
            or [p.integration_id for p in posts],
            items=items_from_json(group.content) or [ItemInput("")],
            zone=group.timezone,
            repeat_every=str(group.repeat_every or ""),
            repeat_unit=group.repeat_unit,
            repeat_until=group.repeat_until.isoformat() if group.repeat_until else "",
            tag_ids=[t.pk for t in group.tags.all()],
        )
        for post in posts:
            state.settings[post.integration_id] = dict(post.settings)
            if post.customized:
                state.custom[post.integration_id] = [
                    ItemInput(
                        text=item.content,
                        media_ids=[a.media_id for a in item.attachments.all()],
                        delay_minutes=item.delay_minutes,
                        alt_texts={
                            a.media_id: a.alt_text for a in item.attachments.all() if a.alt_text
                        },
                    )
                    for item in post.items.all()
                ] or [ItemInput("")]
        when = next((p.publish_at for p in posts if p.publish_at), None)
        if when is not None:
            local = when.astimezone(ZoneInfo(group.timezone))
            state.publish_date = local.date().isoformat()
            state.publish_time = local.strftime("%H:%M")
        return state

    @classmethod
    def from_set(cls, content: dict, zone: str) -> ComposerState:
        state = cls(zone=zone)
        state.channel_ids = [c for c in (_int(v) for v in content.get("channels", [])) if c]
        state.items = items_from_json(content.get("content", [])) or [ItemInput("")]
        for key, values in (content.get("settings") or {}).items():
            if _int(key) and isinstance(values, dict):
                state.settings[_int(key)] = dict(values)
        return state

    # -- editing (the ``op`` buttons) ---------------------------------------------------
    def thread(self, channel_id: int | None) -> list[ItemInput]:
        return self.custom.get(channel_id, self.items)

    def apply(self, op: str, data) -> str:
        """Apply one edit; returns where to move the focus (an element id) or ''."""
        parts = op.split(":")
        verb = parts[0]
        channel_id = _int(parts[1]) if len(parts) > 1 and parts[1] else None
        index = _int(parts[2], 0) if len(parts) > 2 else 0
        if channel_id and channel_id not in self.custom and verb not in ("customize",):
            channel_id = None
        thread = self.thread(channel_id)
        prefix = thread_prefix(channel_id)
        if verb == "add":
            thread.append(ItemInput(""))
            return f"{prefix}item-{len(thread) - 1}-text"
        if verb == "remove" and len(thread) > 1 and 0 <= index < len(thread):
            del thread[index]
            return f"{prefix}item-{max(index - 1, 0)}-text"
        if verb == "up" and 0 < index < len(thread):
            thread[index - 1], thread[index] = thread[index], thread[index - 1]
            return f"{prefix}item-{index - 1}-text"
        if verb == "customize" and channel_id:
            self.custom[channel_id] = deepcopy(self.items)
            return f"c{channel_id}-item-0-text"
        if verb == "global" and channel_id:
            self.custom.pop(channel_id, None)
            return "item-0-text"
        if verb == "attach" and 0 <= index < len(thread):
            media_id = _int(data.get(f"{prefix}item-{index}-add-media"))
            item = thread[index]
            if media_id and media_id not in item.media_ids:
                item.media_ids.append(media_id)
            return f"{prefix}item-{index}-text"
        if verb == "detach" and 0 <= index < len(thread) and len(parts) > 3:
            media_id = _int(parts[3])
            thread[index].media_ids = [m for m in thread[index].media_ids if m != media_id]
            return f"{prefix}item-{index}-text"
        return ""

    # -- writing ------------------------------------------------------------------------
    def publish_at(self) -> datetime | None:
        """The chosen local date and time in ``zone`` as an aware instant, or None.

        A time in the spring-forward gap moves forward by the gap (02:30 → 03:30); in the
        autumn overlap the first of the two is meant."""
        if not self.publish_date and not self.publish_time:
            return None
        # Half a choice is what the form holds between two fields, not a mistake.
        if not self.publish_time:
            self.errors["publish_at"] = _("Choose a time as well.")
            return None
        if not self.publish_date:
            self.errors["publish_at"] = _("Choose a date as well.")
            return None
        try:
            day = date.fromisoformat(self.publish_date)
            hour, minute = (int(p) for p in self.publish_time.split(":")[:2])
            at = time(hour, minute)
        except ValueError:
            self.errors["publish_at"] = _(
                "Give the date as YYYY-MM-DD and the time as HH:MM, e.g. 2026-05-04 09:30."
            )
            return None
        if self.zone not in timezone_names():
            self.errors["timezone"] = f"{self.zone} is not a time zone we know."
            return None
        return datetime.combine(day, at, tzinfo=ZoneInfo(self.zone))

    def repeat(self) -> tuple[int | None, str, date | None]:
        if not self.repeat_unit:
            return None, "", None
        until = None
        if self.repeat_until:
            try:
                until = date.fromisoformat(self.repeat_until)
            except ValueError:
                self.errors["repeat_until"] = _("Give the last repeat as a date (YYYY-MM-DD).")
        return _int(self.repeat_every, 0), self.repeat_unit, until

    def channel_inputs(self) -> list[ChannelInput]:
        return [
            ChannelInput(
                integration_id=channel_id,
                items=deepcopy(self.custom[channel_id]) if channel_id in self.custom else None,
                settings=dict(self.settings.get(channel_id, {})),
            )
            for channel_id in self.channel_ids
        ]

    def service_kwargs(self) -> dict:
        """What post_group_create / post_group_update / post_validate take."""
        every, unit, until = self.repeat()
        return {
            "content": deepcopy(self.items),
            "channels": self.channel_inputs(),
            "action": self.action,
            "publish_at": self.publish_at(),
            "timezone": self.zone,
            "tags": list(self.tag_ids),
            "repeat_every": every,
            "repeat_unit": unit,
            "repeat_until": until,
        }

    def as_set(self) -> dict:
        """What a saved set keeps: channels, the global thread and each channel's settings."""
        return {
            "channels": list(self.channel_ids),
            "content": [
                {"text": i.text, "media": list(i.media_ids), "delay_minutes": i.delay_minutes}
                for i in self.items
            ],
            "settings": {str(k): v for k, v in self.settings.items() if v},
        }


def _read_settings(data, channel_id: int, providers: dict[int, str]) -> dict:
    """A channel's network settings, converted by the provider's declared field types.
    Unknown provider: nothing. Empty values are left out (the network's default)."""
    provider = provider_classes().get(providers.get(channel_id, ""))
    if provider is None:
        return {}
    values = {}
    for spec in provider.settings_fields:
        key = f"s{channel_id}-{spec.name}"
        if spec.type == "bool":
            if data.get(f"{key}-present"):
                values[spec.name] = data.get(key) in ("on", "true", "1")
            continue
        raw = data.get(key, "")
        value = _convert_setting(spec, raw)
        if value not in (None, "", [], {}):
            values[spec.name] = value
    return values


def _convert_setting(spec: SettingField, raw: str):
    raw = (raw or "").strip()
    if not raw:
        return None
    if spec.type == "int":
        return _int(raw, raw)  # a non-number is kept so the validator names it
    if spec.type == "list":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if spec.type == "object":
        try:
            return loads_json(raw)
        except ValueError:  # unreadable, or nested too deeply to read
            return raw
    return raw


# -- Small forms ------------------------------------------------------------------------
class SignatureForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    content = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Added at the end of the first part of a post."),
    )
    is_default = forms.BooleanField(
        required=False,
        label=gettext_lazy("Add it to every new post"),
        help_text=gettext_lazy(
            "One signature can be the default; choosing this one replaces the other."
        ),
    )


class TagForm(forms.Form):
    name = forms.CharField(max_length=50, label=gettext_lazy("Name"))
    color = forms.CharField(
        max_length=7,
        label=gettext_lazy("Colour"),
        initial="#5b4bdb",
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class RenameForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))


class CommentForm(forms.Form):
    body = forms.CharField(
        max_length=5000, label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 3})
    )
