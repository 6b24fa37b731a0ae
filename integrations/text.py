"""Counting text the way each network counts it."""

from __future__ import annotations

import re
import unicodedata

import regex

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# A remote mention counts only its @user part on Mastodon.
_REMOTE_MENTION = re.compile(r"(?<![\w@])(@[\w.]+)@[\w.-]+\.[a-z]{2,}", re.IGNORECASE)


def codepoints(text: str) -> int:
    return len(text)


def graphemes(text: str) -> int:
    """Extended grapheme clusters (what a reader sees as one character), as Bluesky counts."""
    return len(regex.findall(r"\X", text))


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16(text: str) -> int:
    """UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def x_weighted(text: str) -> int:
    """twitter-text v3: NFC, a URL counts 23, emoji 2, CJK 2, Latin 1."""
    # Imported on first use: twitter-text compiles its emoji tables at import (about 0.7 s
    # and 10 MB), which a process that never counts a post for X should not pay.
    from twitter_text import parse_tweet

    return parse_tweet(unicodedata.normalize("NFC", text)).weightedLength


def mastodon(text: str, *, url_length: int = 23) -> int:
    """Code points, each URL as the instance's reserved length, remote mentions as @user."""
    text = _REMOTE_MENTION.sub(r"\1", text)
    return len(_URL.sub("x" * url_length, text))


def threads(text: str) -> int:
    """Code points, except that each emoji counts its UTF-8 byte length."""
    total = 0
    for cluster in regex.findall(r"\X", text):
        if regex.search(r"\p{Extended_Pictographic}", cluster):
            total += utf8_bytes(cluster)
        else:
            total += len(cluster)
    return total


COUNTERS = {
    "codepoints": codepoints,
    "graphemes": graphemes,
    "utf16": utf16,
    "utf8_bytes": utf8_bytes,
    "x_weighted": x_weighted,
    "mastodon": mastodon,
    "threads": threads,
}


def count(text: str, counter: str = "codepoints") -> int:
    return COUNTERS[counter](text)
