"""Post content between Postiz clients and us: they send HTML, networks get text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _Text(HTMLParser):
    """Post HTML (what Postiz clients send) as the plain text networks receive."""

    _BREAKS = {"br"}
    _BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BREAKS:
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag):
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(value: str) -> str:
    """Post content as Postiz clients send it (HTML) as the text we store and show."""
    if "<" not in value:
        return html.unescape(value) if "&" in value else value
    parser = _Text()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
