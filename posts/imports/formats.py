"""Reading an uploaded CSV: its encoding, its separator, which tool wrote it, and each
row as the fields a post is made of.

Three layouts are recognised from the header row:

- ours (what the export writes): ``text, channels, date, time, timezone, media, tags,
  first_comment`` (``publish_at`` may replace date and time);
- a Hootsuite bulk-composer file: date and time, message, link (and media URL in newer
  templates), with or without a header row; it names no channel (Hootsuite asks for the
  channels when the file is uploaded, and so does this import);
- a Buffer export: ``Text``, ``Profile``/``Channel``, ``Scheduled At``, ``Image URL``,
  ``Tags``, ``Link``.

A file in none of these layouts is refused with the columns it would need.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_noop

from organizations.texts import Text
from posts.imports import times

MAX_ROWS = 10_000
MAX_BYTES = 20 * 1024 * 1024
# A cell holding several values (channels, media addresses, tags).
_SPLIT = re.compile(r"\s*(?:\r?\n|;|\|)\s*")
_SPLIT_LOOSE = re.compile(r"\s*(?:\r?\n|;|\||,)\s*")

TOO_LARGE = Text(gettext_noop("The file is larger than 20 MB; split it into smaller files."))

FORMAT_NAMES = {
    "postiz": "Postiz CSV",
    "hootsuite": "Hootsuite bulk composer file",
    "buffer": "Buffer export",
}


class FileProblem(Exception):
    """The file as a whole cannot be read; the message (a ``Text``, ``args[0]``) says what
    to change."""


@dataclass
class RawRow:
    """One row as written, before anything is looked up."""

    number: int
    text: str = ""
    channels: list[str] = field(default_factory=list)
    date: str = ""
    time: str = ""
    zone: str = ""
    media: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    first_comment: str = ""


@dataclass
class ReadFile:
    format: str
    encoding: str
    delimiter: str
    rows: list[RawRow]
    notes: list[str]
    has_channel_column: bool


def decode(data: bytes) -> tuple[str, str]:
    """The text of the file and the encoding it was read with: UTF-8 (with or without a
    byte-order mark), UTF-16 with its mark (Excel's "Unicode text"), else Windows-1252,
    which is what Excel on Windows writes for "CSV" and which maps (almost) every byte."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Five bytes are undefined in Windows-1252; "replace" shows them instead of failing.
    return data.decode("cp1252", errors="replace"), "windows-1252"


def _delimiter(text: str) -> str:
    sample = text[:32_768]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        first = sample.split("\n", 1)[0]
        counts = {d: first.count(d) for d in (",", ";", "\t")}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _norm(header: str) -> str:
    header = re.sub(r"\((required|optional)\)", "", header.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header).split())


# Header names (normalised) → the field they fill, per layout.
_POSTIZ = {
    "text": "text",
    "channels": "channels",
    "channel": "channels",
    "date": "date",
    "time": "time",
    "publish at": "date",
    "timezone": "zone",
    "time zone": "zone",
    "zone": "zone",
    "media": "media",
    "media urls": "media",
    "tags": "tags",
    "first comment": "first_comment",
}
_HOOTSUITE = {
    "date": "date",
    "date time": "date",
    "date and time": "date",
    "time": "time",
    "message": "text",
    "post text": "text",
    "text": "text",
    "link": "link",
    "url": "link",
    "media url": "media",
    "image url": "media",
}
_BUFFER = {
    "text": "text",
    "post": "text",
    "profile": "channels",
    "profiles": "channels",
    "channel": "channels",
    "account": "channels",
    "scheduled at": "date",
    "due at": "date",
    "posted at": "date",
    "date": "date",
    "time": "time",
    "timezone": "zone",
    "image url": "media",
    "image urls": "media",
    "media url": "media",
    "media urls": "media",
    "video url": "media",
    "tags": "tags",
    "link": "link",
    "first comment": "first_comment",
    "comment": "first_comment",
}


def _detect(header: list[str]) -> tuple[str, dict[int, str]] | None:
    names = [_norm(h) for h in header]
    present = set(names)

    def mapping(table):
        return {i: table[n] for i, n in enumerate(names) if n in table}

    if "text" in present and ("channels" in present or "publish at" in present):
        return "postiz", mapping(_POSTIZ)
    if {"scheduled at", "due at", "posted at", "profile", "image url"} & present and (
        {"text", "post"} & present
    ):
        return "buffer", mapping(_BUFFER)
    if {"message", "post text"} & present or (
        {"date", "date time", "date and time"} & present and "text" in present
    ):
        return "hootsuite", mapping(_HOOTSUITE)
    return None


def _looks_like_date(cell: str) -> bool:
    return times.split_date_time(cell.strip())[0] is not None


def read(data: bytes, *, date_order: str = "auto") -> ReadFile:
    """Every row of the file, or FileProblem when the file as a whole cannot be used."""
    if not data.strip():
        raise FileProblem(Text(gettext_noop("The file is empty.")))
    if len(data) > MAX_BYTES:
        raise FileProblem(TOO_LARGE)
    text, encoding = decode(data)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = list(reader)
    except csv.Error as error:
        raise FileProblem(
            Text(gettext_noop("The file is not a CSV file we can read (%(error)s)."), error=error)
        ) from None
    # Blank lines (and lines of empty cells) are not rows.
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if any(c.strip() for c in line)]
    if not numbered:
        raise FileProblem(Text(gettext_noop("The file has no rows.")))
    notes = []
    header = numbered[0][1]
    detected = _detect(header)
    if detected is None and header and _looks_like_date(header[0]):
        # Hootsuite's classic bulk file has no header: date, message, link.
        detected = ("hootsuite", {0: "date", 1: "text", 2: "link"})
        body = numbered
        notes.append(
            Text(
                gettext_noop(
                    "The file has no header row: its columns were read as date, message, link."
                )
            )
        )
    else:
        body = numbered[1:]
    if detected is None:
        raise FileProblem(
            Text(
                gettext_noop(
                    "The columns were not recognised. Use the header row text, channels, date, "
                    "time, timezone, media, tags, first_comment (what the export writes), or "
                    "upload the file Hootsuite's bulk composer or Buffer's export gave you. The "
                    "header read was: %(header)s"
                ),
                header=", ".join(h for h in header if h)[:300],
            )
        )
    layout, columns = detected
    if "text" not in columns.values():
        raise FileProblem(Text(gettext_noop("The file has no column with the text of the posts.")))
    if len(body) > MAX_ROWS:
        raise FileProblem(
            Text(
                gettext_noop(
                    "The file has %(rows)s rows; import at most %(limit)s at a time (split the "
                    "file)."
                ),
                rows=f"{len(body):,}",
                limit=f"{MAX_ROWS:,}",
            )
        )
    rows = []
    for number, line in body:
        cells: dict[str, str] = {}
        for index, name in columns.items():
            if index < len(line) and line[index].strip():
                value = line[index].strip() if name != "text" else line[index].strip("\r\n")
                cells[name] = f"{cells[name]}\n{value}" if name in cells else value
        rows.append(_row(number, cells))
    if delimiter != ",":
        separated = {
            ";": gettext_noop("Columns are separated by semicolons."),
            "\t": gettext_noop("Columns are separated by tabs."),
        }
        notes.append(Text(separated[delimiter]))
    if encoding == "windows-1252":
        notes.append(
            Text(gettext_noop("The file is not UTF-8; it was read as Windows-1252 (Excel's CSV)."))
        )
    return ReadFile(
        format=layout,
        encoding=encoding,
        delimiter=delimiter,
        rows=rows,
        notes=notes,
        has_channel_column="channels" in columns.values(),
    )


def _unquote(text: str) -> str:
    # The export quotes a cell a spreadsheet would run as a formula ('=, '+, '-, '@).
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _row(number: int, cells: dict[str, str]) -> RawRow:
    text = _unquote(cells.get("text", ""))
    link = cells.get("link", "")
    if link and link not in text:
        # Hootsuite and Buffer keep the link apart; a post carries it in its text.
        text = f"{text.rstrip()} {link}".strip()
    return RawRow(
        number=number,
        text=text,
        channels=split_channels(cells.get("channels", "")),
        date=cells.get("date", ""),
        time=cells.get("time", ""),
        zone=cells.get("zone", ""),
        media=[u for u in re.split(r"[\s,;|]+", cells.get("media", "")) if u],
        tags=[_unquote(t) for t in _SPLIT_LOOSE.split(cells.get("tags", "")) if t],
        first_comment=_unquote(cells.get("first_comment", "")),
    )


def split_channels(cell: str) -> list[str]:
    """Several channels per cell, one a line or separated by ``;`` or ``|``. A comma may
    be part of a channel's name, so the lookup splits on commas only what matches no
    channel whole."""
    cell = cell.strip()
    if not cell:
        return []
    return [p for p in _SPLIT.split(cell) if p]
