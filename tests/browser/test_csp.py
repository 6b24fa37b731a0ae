"""The content security policy fits the pages: the main pages, used a little (htmx
fragments, popovers, the media picker), report no violation in the browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.posts.test_calendar_fixtures import post_at
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db(transaction=True)

# Recorded before any page script runs (Playwright's init scripts are not page scripts, so
# the policy does not apply to them).
_LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def _watch(page) -> list[str]:
    seen: list[str] = []
    page.context.add_init_script(_LISTEN)
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return seen


def _violations(page, console: list[str]) -> list[str]:
    return console + page.evaluate("window.__csp || []")


@pytest.fixture
def busy(org):
    acme = channel(org, "mastodon", name="Acme on Mastodon")
    now = timezone.now()
    post_at(acme, now + timedelta(hours=1), text="Coming up")
    post_at(acme, now - timedelta(hours=1), text="It broke", state="failed", error_message="No")
    return acme


def test_the_main_pages_break_no_rule_of_the_policy(org, berliner, busy, page_for):
    page = page_for(berliner)
    console = _watch(page)
    slug = org.slug
    checked = {}

    page.goto(reverse("posts:calendar", args=[slug]))
    page.locator(".cal-post summary").first.click()
    checked["calendar"] = _violations(page, console)

    page.goto(reverse("posts:new", args=[slug]))
    page.locator(f"#channel-{busy.pk}").check()
    page.locator("#composer-channel-tabs", has_text="Acme on Mastodon").wait_for()
    page.locator("#item-0-text").fill("Hello")
    page.locator("#item-0-text").press("End")
    page.get_by_text("Ready for Mastodon").wait_for()
    checked["composer"] = _violations(page, console)

    for name, url in (
        ("media", reverse("media:library", args=[slug])),
        ("channels", reverse("integrations:list", args=[slug])),
        ("settings", reverse("organizations:settings", args=[slug])),
        ("tags", reverse("posts:tags", args=[slug])),
        ("failures", reverse("posts:failures", args=[slug])),
        ("profile", reverse("profile")),
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        checked[name] = _violations(page, console)

    assert {name: found for name, found in checked.items() if found} == {}


def test_the_sign_in_page_and_the_api_docs_break_no_rule_of_the_policy(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    console = _watch(page)
    response = page.goto(reverse("account_login"))
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("wrong")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert _violations(page, console) == []

    page.goto("/api/docs")
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for()
    assert _violations(page, console) == []
    context.close()
