"""Finding the links in a post's text and putting the short ones in their place.

One pattern does both, so the text built on a retry is the text built the first time:
``shorten_text`` replaces exactly the links ``links_in`` found, from the saved map.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# An http(s) address up to whitespace, quotes or angle brackets; punctuation that ends a
# sentence (or closes a parenthesis the link did not open) is not part of it.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}\u00bb\u201d\u2019*_"


def _trim(url: str) -> str:
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # Wikipedia-style links keep their closing parenthesis
        url = url[:-1]
    return url


def _spans(text: str):
    for match in _URL.finditer(text or ""):
        url = _trim(match.group(0))
        parts = urlsplit(url)
        if parts.hostname and "." in parts.hostname:
            yield match.start(), match.start() + len(url), url


def links_in(text: str, *, skip_hosts: frozenset[str] = frozenset()) -> list[str]:
    """The distinct links of ``text`` in order of appearance, but for those on a host in
    ``skip_hosts`` (short links already, ours or the shortener's)."""
    found = []
    for _, _, url in _spans(text):
        host = (urlsplit(url).hostname or "").lower()
        if host in skip_hosts or url in found:
            continue
        found.append(url)
    return found


def shorten_text(text: str, short: dict[str, str] | None) -> str:
    """``text`` with each link found in it replaced by its short URL in ``short``; links
    without one are left as written."""
    if not short or not text:
        return text
    pieces, last = [], 0
    for start, end, url in _spans(text):
        if url in short:
            pieces.append(text[last:start])
            pieces.append(short[url])
            last = end
    pieces.append(text[last:])
    return "".join(pieces)


def has_links(text: str) -> bool:
    """Cheap: could ``text`` hold a link at all?"""
    return bool(text) and _URL.search(text) is not None
