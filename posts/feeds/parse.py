"""A feed's bytes as entries, read by feedparser (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, and the
broken feeds found in the wild), never fetched by it.

Each entry's identity (``Entry.key``) follows one rule, the same on every read:

1. its guid (RSS ``<guid>``, Atom ``<id>``) when it has one;
2. else its link;
3. else a hash of its title and date.

Reading the same feed again gives the same keys, whatever order the entries come in and
whatever else changed in them (a new summary, a new date when an entry is republished).
A guid that changes while the link stays is caught when the entry is recorded
(posts.feeds.services): an entry whose link is already known is the same entry, unless
several entries of the feed share that link (podcasts often link every episode to the
show's home page), where only the guid tells them apart."""

from __future__ import annotations

import calendar
import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
from django.utils.translation import gettext_noop

from organizations.texts import Text
from posts.feeds.text import plain_text

KEY_MAX = 300
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


class NotAFeed(ValueError):
    """The bytes are not a feed we can read; the message says what was found instead."""


@dataclass
class Entry:
    """What a post is made from, in plain text, with an absolute link."""

    key: str
    guid: str
    link: str
    title: str
    summary: str
    author: str
    published_at: datetime | None
    # Image addresses the entry names itself (enclosure, media:content, media:thumbnail).
    images: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    title: str
    entries: list[Entry]
    # True when the document was broken but still gave entries (feedparser's "bozo").
    malformed: bool = False


def _date(raw) -> datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(name)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _absolute(url: str, base: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        url = urljoin(base, url) if base else url
        return url if urlsplit(url).scheme in ("http", "https") else ""
    except ValueError:  # a broken [IPv6] host: not an address anything can use
        return ""


def _images(raw, base: str) -> list[str]:
    found = []
    for enclosure in raw.get("enclosures") or []:
        kind = (enclosure.get("type") or "").lower()
        if kind.startswith("image/"):
            found.append(enclosure.get("href") or enclosure.get("url") or "")
    for media in raw.get("media_content") or []:
        kind = (media.get("type") or "").lower()
        if kind.startswith("image/") or media.get("medium") == "image":
            found.append(media.get("url") or "")
    for thumbnail in raw.get("media_thumbnail") or []:
        found.append(thumbnail.get("url") or "")
    image = raw.get("image")
    if isinstance(image, dict):  # itunes:image on an episode
        found.append(image.get("href") or "")
    return list(dict.fromkeys(u for u in (_absolute(f, base) for f in found) if u))


def entry_key(*, guid: str, link: str, title: str, published_at: datetime | None) -> str:
    """The identity rule of the module docstring, as the string stored per entry."""
    if guid:
        key = "guid:" + guid
    elif link:
        key = "link:" + link
    else:
        stamp = published_at.isoformat() if published_at else ""
        key = "hash:" + hashlib.sha256(f"{title}\n{stamp}".encode()).hexdigest()
    if len(key) > KEY_MAX:
        # Long guids and links are kept whole elsewhere; the key only has to be the same
        # every time, so a digest stands in for the part that does not fit.
        digest = hashlib.sha256(key.encode()).hexdigest()
        key = key[: KEY_MAX - 65] + "#" + digest
    return key


def parse(data: bytes, *, url: str, content_type: str = "") -> Parsed:
    """The feed in ``data`` (as served from ``url``, which relative links resolve
    against); NotAFeed when no feed can be read from it."""
    # No base address is given to feedparser: it would resolve guids against it too, and
    # an entry's identity must not change when the feed moves. Links are made absolute
    # below, against the address the feed was served from.
    headers = {"content-type": content_type} if content_type else {}
    # A file object, never bytes or a string: given those, feedparser would open them as a
    # path or fetch them as a URL if they looked like one.
    # feedparser's HTML sanitizing and link resolving inside HTML are skipped: every HTML
    # field is turned into plain text here (posts.feeds.text.plain_text drops every tag,
    # script and style), and they take about half of its time on a big feed.
    result = feedparser.parse(
        io.BytesIO(data),
        response_headers=headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    raw_entries = result.get("entries") or []
    version = result.get("version") or ""
    if not raw_entries and (result.get("bozo") or not version):
        problem = result.get("bozo_exception")
        start = data[:200].lstrip().lower()
        if start.startswith((b"<!doctype html", b"<html")):
            raise NotAFeed(
                Text(
                    gettext_noop(
                        "The address gives a web page, not a feed. Use the page's RSS or Atom link."
                    )
                )
            )
        if problem:
            raise NotAFeed(
                Text(
                    gettext_noop("This is not an RSS or Atom feed we can read (%(problem)s)."),
                    problem=problem,
                )
            )
        raise NotAFeed(Text(gettext_noop("This is not an RSS or Atom feed we can read.")))
    base = url
    entries = []
    for raw in raw_entries:
        link = _absolute(raw.get("link", ""), base)
        guid = (raw.get("id") or "").strip()
        title = plain_text(raw.get("title", ""))[:500]
        summary_html = raw.get("summary") or ""
        if not summary_html:
            content = raw.get("content") or []
            summary_html = content[0].get("value", "") if content else ""
        published_at = _date(raw)
        entries.append(
            Entry(
                key=entry_key(guid=guid, link=link, title=title, published_at=published_at),
                guid=guid[:1000],
                link=link[:2000],
                title=title,
                summary=plain_text(summary_html),
                author=plain_text(raw.get("author", ""))[:200],
                published_at=published_at,
                images=_images(raw, base),
            )
        )
    title = plain_text((result.get("feed") or {}).get("title", ""))[:200]
    return Parsed(title=title, entries=entries, malformed=bool(result.get("bozo")))
