"""What the long-form networks (dev.to, Hashnode, Medium) read the same way from a post's
settings: its tags, its cover image, the id of a chosen publication, and whether an
article on the network is this post (the marker looked for after an unclear answer).

Settings come from the composer, the public API (``{"value": …, "label": …}`` entries, as
Postiz clients send them) and CSV imports, so each helper accepts those shapes.
"""

from __future__ import annotations

import re


def tag_names(value) -> list[str]:
    """``["python", {"value": "django"}]`` or ``"python, django"`` → ``["python", "django"]``."""
    if isinstance(value, str):
        value = value.split(",")
    names = []
    for entry in value or []:
        if isinstance(entry, dict):
            entry = entry.get("value") or entry.get("label") or entry.get("name") or ""
        name = str(entry).strip().lstrip("#").strip()
        if name and name not in names:
            names.append(name)
    return names


def image_url(value) -> str:
    """A cover image given as an address or as a library entry ``{"path": …}``."""
    if isinstance(value, dict):
        value = value.get("path") or value.get("url") or value.get("value") or ""
    return str(value or "").strip()


def chosen_id(value) -> str:
    """A chosen publication or organization: an id, or ``{"value": id, "label": …}``."""
    if isinstance(value, dict):
        value = value.get("value") or value.get("id") or ""
    return str(value or "").strip()


def is_web_address(value: str) -> bool:
    return bool(re.match(r"^https?://[^\s/]+\S*$", value or ""))


def same_text(a: str, b: str) -> bool:
    """Whether two article bodies are the same once the network's own reformatting of
    whitespace and line endings is left aside."""
    return " ".join((a or "").split()) == " ".join((b or "").split())
