"""The text of a feed's posts: HTML summaries made plain, and the template filled in.

A template may use exactly these placeholders; any other is refused when the feed is
saved, with a message naming it:

    {title}    the entry's title, as plain text
    {link}     the entry's address (made absolute against the feed's address)
    {summary}  its summary (or description), HTML turned into plain text
    {author}   its author's name, when the feed gives one

``{{`` and ``}}`` write a literal brace."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _

PLACEHOLDERS = ("title", "link", "summary", "author")
PLACEHOLDER_HELP = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
DEFAULT_TEMPLATE = "{title}\n\n{link}"
TEMPLATE_MAX = 5000
# A summary longer than this is cut at a word and ended with "…": feeds that put the whole
# article in the description would otherwise make every post too long for every network.
SUMMARY_MAX = 500

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")

_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "table",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "figure",
    "figcaption",
    "header",
    "footer",
}
_SKIP = {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}


class TemplateError(ValueError):
    """The template cannot be used; the message says what to change."""


def template_check(template: str) -> str:
    """The template, unchanged, or TemplateError naming an unknown or broken placeholder."""
    template = template or ""
    if not template.strip():
        raise TemplateError(
            _("Write the post's text; it may use %(placeholders)s.")
            % {"placeholders": PLACEHOLDER_HELP}
        )
    if len(template) > TEMPLATE_MAX:
        raise TemplateError(
            _("Keep the template under %(count)s characters.") % {"count": f"{TEMPLATE_MAX:,}"}
        )
    for match in _TOKEN.finditer(template):
        piece = match.group(0)
        if piece in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            raise TemplateError(
                _(
                    "A brace is not closed. Placeholders look like {title}; write {{ or }} "
                    "for a brace itself."
                )
            )
        if name.strip() not in PLACEHOLDERS:
            raise TemplateError(
                _(
                    "%(piece)s is not a placeholder we know. Use %(placeholders)s (write {{ or "
                    "}} for a brace itself)."
                )
                % {"piece": "{" + name + "}", "placeholders": PLACEHOLDER_HELP}
            )
    return template


def render(template: str, values: dict[str, str]) -> str:
    """The template with each placeholder replaced; blank lines left by empty values go."""

    def replace(match: re.Match) -> str:
        piece = match.group(0)
        if piece == "{{":
            return "{"
        if piece == "}}":
            return "}"
        name = (match.group(1) or "").strip()
        return values.get(name, "") if name in PLACEHOLDERS else piece

    text = _TOKEN.sub(replace, template)
    # An empty {author} or {summary} would leave a run of empty lines behind.
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.splitlines()))
    return text.strip()


class _Plain(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def plain_text(value: str) -> str:
    """HTML (or text that may hold some) as plain text: paragraphs and line breaks kept,
    tags, scripts and styles gone, entities decoded, runs of spaces made one."""
    value = value or ""
    if "<" not in value:
        text = html.unescape(value)
    else:
        parser = _Plain()
        parser.feed(value)
        parser.close()
        # convert_charrefs has already decoded the entities of the text between tags.
        text = "".join(parser.parts)
    text = text.replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"\n\n(• )", r"\n\1", text)
    return text.strip()


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    """``text`` cut at the last word that fits, with "…", when longer than ``limit``."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    # Cut back to the last whole word, unless the cut already falls between two words.
    if not text[limit - 1].isspace() and space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-") + "…"
