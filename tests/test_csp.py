"""The Content-Security-Policy header, and pages that need nothing it forbids: no inline
script, no inline style, no event-handler attributes (values travel in data- attributes)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from tests.posts.test_calendar_fixtures import channel, post_at, utc

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class _Inline(HTMLParser):
    """Collects what a strict policy would refuse."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            data = names.get("type", "") in ("application/json", "application/ld+json")
            self._script = "src" not in names and not data
        if "style" in names:
            self.found.append(f"<{tag} style=...>")
        self.found += [f"<{tag} {name}=...>" for name in names if name.startswith("on")]

    def handle_data(self, data):
        if self._script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}</script>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False


def _inline(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


def test_pages_carry_a_policy_that_allows_only_our_own_scripts_and_styles(client_for, owner, org):
    response = client_for(owner).get(reverse("posts:calendar", args=[org.slug]))
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


def test_the_sign_in_page_carries_the_policy_too(client):
    assert "script-src 'self'" in client.get(reverse("account_login"))["Content-Security-Policy"]


def test_no_template_writes_inline_script_style_or_handlers():
    offenders = {}
    for path in TEMPLATES.rglob("*.html"):
        found = _inline(path.read_text())
        if found:
            offenders[str(path.relative_to(TEMPLATES))] = found
    assert offenders == {}


def test_the_main_pages_render_nothing_inline(client_for, owner, org):
    acme = channel(org)
    post_at(acme, utc(2030, 3, 17, 14, 0), text="Soon")
    post_at(acme, utc(2030, 3, 17, 15, 0), text="Broken", state="failed", error_message="No")
    client = client_for(owner)
    slug = org.slug
    pages = [
        reverse("posts:calendar", args=[slug]) + "?date=2030-03-17",
        reverse("posts:calendar", args=[slug]) + "?view=list&date=2030-03-17",
        reverse("posts:calendar", args=[slug]) + "?view=month&date=2030-03-17",
        reverse("posts:new", args=[slug]),
        reverse("posts:failures", args=[slug]),
        reverse("posts:tags", args=[slug]),
        reverse("media:library", args=[slug]),
        reverse("integrations:list", args=[slug]),
        reverse("organizations:settings", args=[slug]),
        reverse("profile"),
        "/api/docs",
    ]
    offenders = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        if found := _inline(response.content.decode()):
            offenders[url] = found
    assert offenders == {}
