"""Look-up tools: what a provider lets people (and Postiz clients) look up on its network
with a channel's credentials, such as the subreddits to post to or the chats a bot can
post in.

A provider declares its tools as data (``Provider.tools``): each one names the method
clients call (``methodName`` on the public API), says what it gives, lists its inputs and
names the provider method that runs it. The method receives the channel and the checked
inputs as keyword arguments, and returns plain JSON data, typically a list of
``{"id", "name", ...}``; a network's refusal is raised as ``ProviderError`` like every
other request.

A tool whose answer the channel keeps (Pinterest's boards, TikTok's creator info, read
when the channel was connected) says so with ``stores`` (the answer replaces the kept
copy) or ``adds_to`` (the answer is one more entry of a kept list), so whoever runs it
keeps that copy current. A per-post setting names a tool as its ``OptionSource``: the
composer offers the tool's answer as the setting's choices (``Provider.options``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

INPUT_TYPES = ("string", "number", "boolean")


class ToolInputError(ValueError):
    """The inputs do not fit the tool's schema; ``messages`` says what to fix."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class ToolInput:
    """One input of a tool, as the public API's ``dataSchema`` describes it."""

    key: str
    type: str = "string"  # string, number, boolean
    description: str = ""
    required: bool = True
    max_length: int = 200

    def __post_init__(self):
        if self.type not in INPUT_TYPES:
            raise ValueError(f"tool input {self.key}: type must be one of {INPUT_TYPES}")

    def clean(self, value: Any) -> tuple[Any, str]:
        """(the value to pass on, "" or what is wrong with it)."""
        if self.type == "string":
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str):
                return None, _("%(key)s must be a string") % {"key": self.key}
            value = value.strip()
            if self.required and not value:
                return None, _("%(key)s should not be empty") % {"key": self.key}
            if len(value) > self.max_length:
                return None, _("%(key)s must be at most %(count)d characters") % {
                    "key": self.key,
                    "count": self.max_length,
                }
            return value, ""
        if self.type == "number":
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None, _("%(key)s must be a number") % {"key": self.key}
            return value, ""
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            return None, _("%(key)s must be a boolean") % {"key": self.key}
        return value, ""


@dataclass(frozen=True)
class Tool:
    """A look-up a provider offers: ``name`` is the public API's ``methodName``."""

    name: str
    description: str
    inputs: tuple[ToolInput, ...] = ()
    # The provider method that runs it; the tool's name when empty.
    method: str = ""
    # The channel ``meta`` key whose kept copy this tool's answer replaces, or the kept
    # list its answer (one ``{"id", ...}`` entry) joins; empty when nothing is kept.
    stores: str = ""
    adds_to: str = ""

    @property
    def method_name(self) -> str:
        return self.method or self.name

    def data_schema(self) -> list[dict]:
        """The inputs as the public API lists them (``dataSchema``)."""
        return [
            {
                "key": field.key,
                "type": field.type,
                "description": str(field.description)
                if field.required
                else _("%(description)s (optional)") % {"description": field.description},
            }
            for field in self.inputs
        ]

    def describe(self) -> dict:
        return {
            "methodName": self.name,
            "description": str(self.description),
            "dataSchema": self.data_schema(),
        }

    def clean(self, data: Any) -> dict:
        """The inputs this tool takes, checked; unknown keys are ignored (as everywhere on
        the public API). Raises ToolInputError naming every problem."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ToolInputError([_("data must be an object")])
        values: dict = {}
        problems: list[str] = []
        for field in self.inputs:
            value = data.get(field.key)
            if value is None or (isinstance(value, str) and not value.strip()):
                if field.required:
                    problems.append(_("%(key)s is required") % {"key": field.key})
                continue
            cleaned, problem = field.clean(value)
            if problem:
                problems.append(problem)
            else:
                values[field.key] = cleaned
        if problems:
            raise ToolInputError(problems)
        return values


@dataclass(frozen=True)
class OptionSource:
    """Where a setting's choices come from when they depend on the account: a tool of the
    provider, and how to read its answer (``SettingField.options``)."""

    tool: str
    # Each entry's key holding the value saved in the settings, and the one people read.
    value: str = "id"
    label: str = "name"
    # The key of the tool's answer holding the list (``privacy_level_options`` of TikTok's
    # creator info); empty when the answer is the list.
    within: str = ""
    # The channel ``meta`` key where a copy of the tool's answer is kept (read when the
    # network cannot be asked); empty when none is kept.
    stored: str = ""
    # A tool that makes a new choice (Pinterest's create_board), offered next to the list.
    create: str = ""
    # Labels of plain string entries (TikTok's privacy levels), as (value, label) pairs.
    labels: tuple[tuple[str, str], ...] = ()

    def entries(self, answer: Any) -> list[dict]:
        """The tool's answer as ``[{"value", "label"}]``, in the network's order; entries
        without a value are left out."""
        if self.within:
            answer = answer.get(self.within) if isinstance(answer, dict) else None
        labels = dict(self.labels)
        found: list[dict] = []
        for entry in answer if isinstance(answer, list) else []:
            if isinstance(entry, dict):
                value = entry.get(self.value)
                label = entry.get(self.label)
            else:
                value, label = entry, None
            if value in (None, ""):
                continue
            value = str(value)
            found.append({"value": value, "label": str(label or labels.get(value) or value)})
        return found
