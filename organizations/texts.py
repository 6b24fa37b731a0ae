"""Sentences written now and read later, in the reader's language.

A notification, a post's error or an import note is written by a background job, in no
one's language, and read days later by people who each chose their own. Such a sentence is
kept as a ``Text``: its English source (the catalog's msgid) and its values. The English
rendering goes in the record's text column (what the API, webhooks, search and the admin
show), ``Text.stored()`` in a JSON column beside it, and pages call ``say()`` to draw it
in the language of whoever is looking.

    from django.utils.translation import gettext_noop
    from organizations.texts import Text

    message = Text(gettext_noop("%(network)s refused the image: %(reason)s"),
                   network="Bluesky", reason=detail)
    post.error_message, post.error_text = message.english(), message.stored()
    ...
    {{ post.error_display }}   # say(post.error_text, post.error_message)

``gettext_noop`` only marks the msgid for ``manage.py messages``; the translation happens
in ``str()``. Values may be Texts themselves (a network's refusal inside a notification)
and are rendered in the same language; other values (names, a network's own words) are
shown as they are. Counted sentences are made with ``Text.ngettext(singular, plural,
count, **values)`` (``ngettext``; the call's name is what extraction looks for).
Templates written with braces (the networks' error tables: ``{name}``, and
``{message|words}`` for "the value, or these words when it is empty") take ``braces=True``.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation


class Text:
    """A sentence to be said in the language active when it is turned into a string."""

    __slots__ = ("braces", "count", "msgid", "params", "plural")

    def __init__(
        self,
        msgid: str,
        /,
        *,
        plural: str = "",
        count: int | None = None,
        braces: bool = False,
        **params,
    ):
        self.msgid = str(msgid)
        self.plural = str(plural or "")
        self.count = count
        self.braces = braces
        self.params = params

    def __str__(self) -> str:
        if self.plural:
            pattern = translation.ngettext(self.msgid, self.plural, self.count or 0)
        else:
            pattern = translation.gettext(self.msgid)
        # Numbers stay numbers (a catalog may say %(part)d); anything else is its text.
        values = {
            key: value if isinstance(value, (int, float)) else str(value)
            for key, value in self.params.items()
        }
        if self.braces:
            return fill(pattern, values)
        if self.count is not None:
            values.setdefault("count", self.count)
        if not values:
            return pattern
        try:
            return pattern % values
        except (KeyError, TypeError, ValueError):
            # A catalog whose placeholders drifted must not hide the message: English.
            source = self.plural if self.plural and self.count != 1 else self.msgid
            try:
                return source % values
            except (KeyError, TypeError, ValueError):
                return source

    @classmethod
    def ngettext(cls, singular: str, plural: str, count: int, /, **params) -> Text:
        """A counted sentence: ``Text.ngettext("%(count)s post", "%(count)s posts", n)``.
        Named so that ``manage.py messages`` extracts both forms as one plural entry (a
        ``plural=`` written with ``gettext_noop`` would be two unrelated msgids)."""
        return cls(singular, plural=plural, count=count, **params)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def __eq__(self, other) -> bool:
        if isinstance(other, Text):
            return self.stored() == other.stored()
        return NotImplemented

    __hash__ = None  # mutable params

    def english(self) -> str:
        """The sentence in the instance's source language, for text columns and logs."""
        with translation.override("en"):
            return str(self)

    def stored(self) -> dict[str, Any]:
        """What a JSON column keeps; ``Text.restore`` reads it back."""
        data: dict[str, Any] = {"msgid": self.msgid}
        if self.braces:
            data["braces"] = True
        if self.plural:
            data["plural"] = self.plural
            data["count"] = self.count
        if self.params:
            data["params"] = {
                key: value.stored() if isinstance(value, Text) else _plain(value)
                for key, value in self.params.items()
            }
        return data

    @classmethod
    def restore(cls, data) -> Text | None:
        """The Text kept by ``stored()``; None for anything else (old rows, hand edits)."""
        if not isinstance(data, dict) or not isinstance(data.get("msgid"), str):
            return None
        params = {}
        raw = data.get("params") or {}
        if not isinstance(raw, dict):
            return None
        for key, value in raw.items():
            nested = cls.restore(value) if isinstance(value, dict) else None
            params[str(key)] = nested if nested is not None else value
        count = data.get("count")
        return cls(
            data["msgid"],
            plural=data.get("plural") or "",
            count=count if isinstance(count, int) else None,
            braces=data.get("braces") is True,
            **params,
        )


def joined(separator: str, parts) -> Text | str:
    """Sentences said one after the other (a list of changes): a Text whose parts are each
    said in the reader's language. Its pattern has no words, so it needs no translation."""
    parts = list(parts)
    if not parts:
        return ""
    pattern = separator.replace("%", "%%").join(f"%(p{n})s" for n in range(len(parts)))
    return Text(pattern, **{f"p{n}": part for n, part in enumerate(parts)})


_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|([^{}]*))?\}")


def fill(template: str, values) -> str:
    """``{name}`` and ``{name|words}`` (the words when the value is empty) from values."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1)) or m.group(2) or ""), template)


def _plain(value):
    """JSON keeps strings and numbers; anything else is kept as its text."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def english(message: str | Text) -> str:
    """A message's text for a record's text column: Texts in English, strings as given."""
    return message.english() if isinstance(message, Text) else str(message)


def stored(message: str | Text | None) -> dict | None:
    """A message's JSON for a record's translatable column (None for plain strings, which
    are shown as they are: a person's words, a network's answer)."""
    return message.stored() if isinstance(message, Text) else None


def say(data, fallback: str = "") -> str:
    """The stored sentence in the active language; ``fallback`` (the record's text column)
    when nothing translatable was kept."""
    text = Text.restore(data)
    return str(text) if text is not None else fallback
