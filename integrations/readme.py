"""The README's "Networks" section (how to set each network up), rendered for the
instance's administrators, so the Channels page can link to the very text that explains
a network that is not configured yet.

The README is the one place this is written; only the little Markdown that section uses
is understood here: paragraphs, a table, indented code, `code`, **bold**, *emphasis*,
[links](https://…) and <https://…>. Everything is escaped first."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SECTION = "### Networks"

_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EM = re.compile(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_AUTOLINK = re.compile(r"&lt;(https?://[^\s&]+)&gt;")


def _inline(text: str) -> str:
    """Escaped text with code spans, emphasis and links; code spans are left alone."""
    parts = _CODE.split(escape(text))
    out = []
    for index, part in enumerate(parts):
        if index % 2:
            out.append(f"<code>{part}</code>")
            continue
        part = _LINK.sub(r'<a href="\2" rel="noopener noreferrer">\1</a>', part)
        part = _AUTOLINK.sub(r'<a href="\1" rel="noopener noreferrer">\1</a>', part)
        part = _BOLD.sub(r"<strong>\1</strong>", part)
        part = _EM.sub(r"<em>\1</em>", part)
        out.append(part)
    return "".join(out)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _table(lines: list[str], anchors: dict[str, str]) -> str:
    head, rows = _cells(lines[0]), [_cells(line) for line in lines[2:]]
    html = ['<div class="table-wrap"><table class="setup-table"><thead><tr>']
    html += [f'<th scope="col">{_inline(cell)}</th>' for cell in head]
    html.append("</tr></thead><tbody>")
    for cells in rows:
        anchor = anchors.get(cells[0].casefold())
        html.append(f'<tr id="network-{escape(anchor)}">' if anchor else "<tr>")
        html.append(f'<th scope="row">{_inline(cells[0])}</th>')
        html += [f"<td>{_inline(cell)}</td>" for cell in cells[1:]]
        html.append("</tr>")
    html.append("</tbody></table></div>")
    return "".join(html)


def render(markdown: str, anchors: dict[str, str]) -> SafeString:
    """The section's blocks as HTML; a table row whose first cell names a network (by
    ``anchors``: its name, casefolded, to its identifier) gets the id network-<identifier>."""
    blocks: list[list[str]] = [[]]
    for line in markdown.splitlines():
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    html = []
    for block in filter(None, blocks):
        if block[0].startswith("|"):
            html.append(_table(block, anchors))
        elif all(line.startswith("    ") for line in block):
            code = "\n".join(line[4:] for line in block)
            html.append(f"<pre><code>{escape(code)}</code></pre>")
        elif block[0].startswith("- "):
            items, current = [], []
            for line in block:
                if line.startswith("- ") and current:
                    items.append(" ".join(current))
                    current = []
                current.append(line[2:] if line.startswith("- ") else line.strip())
            items.append(" ".join(current))
            html.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        else:
            html.append(f"<p>{_inline(' '.join(line.strip() for line in block))}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece was escaped above


@lru_cache(maxsize=1)
def _read(path: str, mtime: float) -> str:
    return Path(path).read_text(encoding="utf-8")


def networks_section() -> str:
    """The Markdown of the README's Networks section ("" when the README is missing)."""
    path = Path(settings.BASE_DIR) / "README.md"
    try:
        text = _read(str(path), path.stat().st_mtime)
    except OSError:
        return ""
    lines = text.splitlines()
    try:
        start = lines.index(SECTION) + 1
    except ValueError:
        return ""
    end = next(
        (i for i in range(start, len(lines)) if lines[i].startswith(("## ", "### "))),
        len(lines),
    )
    return "\n".join(lines[start:end])
