"""The main pages pass axe-core's WCAG 2 A/AA rules, in the browser, and keep the keyboard
and screen-reader promises axe cannot see: focus after a form is sent, errors tied to their
fields, hidden things hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from tests.posts.test_calendar_fixtures import post_at
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db(transaction=True)


def _pages(org):
    slug = org.slug
    return {
        "calendar": reverse("posts:calendar", args=[slug]),
        "calendar-list": reverse("posts:calendar", args=[slug]) + "?view=list",
        "composer": reverse("posts:new", args=[slug]),
        "media": reverse("media:library", args=[slug]),
        "channels": reverse("integrations:list", args=[slug]),
        "settings": reverse("organizations:settings", args=[slug]),
        "failures": reverse("posts:failures", args=[slug]),
        "profile": reverse("profile"),
    }


@pytest.fixture
def busy_org(org):
    acme = channel(org, "mastodon", name="Acme on Mastodon")
    now = timezone.now()
    post_at(acme, now + timedelta(hours=2), text="Coming up")
    post_at(acme, now - timedelta(hours=2), text="It broke", state="failed", error_message="No.")
    post_at(
        acme,
        now - timedelta(hours=5),
        text="Out",
        state="published",
        published_at=now - timedelta(hours=5),
    )
    return org


@pytest.mark.parametrize(
    "name",
    [
        "calendar",
        "calendar-list",
        "composer",
        "media",
        "channels",
        "settings",
        "failures",
        "profile",
    ],
)
def test_the_page_passes_axe(name, busy_org, berliner, page_for, axe):
    page = page_for(berliner)
    page.goto(_pages(busy_org)[name])
    assert axe(page) == []


@pytest.fixture
def anonymous_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_failed_sign_in_is_tied_to_its_fields_and_takes_the_focus(anonymous_page, axe):
    UserFactory(email="grace@example.com")
    page = anonymous_page
    page.goto(reverse("account_login"))
    assert axe(page) == []
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password").fill("not the password at all")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()

    error = page.locator("#form-errors")
    assert "not correct" in error.inner_text()
    for field in (page.get_by_label("Email"), page.get_by_label("Password")):
        assert field.get_attribute("aria-invalid") == "true"
        assert "form-errors" in field.get_attribute("aria-describedby").split()
    # The focus is on the first field the error concerns, which reads the error.
    assert page.evaluate("document.activeElement.name") == "login"
    assert axe(page) == []


def test_after_scheduling_the_focus_is_on_the_message(org, berliner, page_for):
    acme = channel(org, "mastodon", name="Acme on Mastodon")
    page = page_for(berliner)
    page.goto(reverse("posts:new", args=[org.slug]) + f"?channel={acme.pk}")
    page.locator("#item-0-text").fill("Focus goes to what happened")
    page.locator("#item-0-text").press("End")
    schedule = page.get_by_role("button", name="Schedule", exact=True)
    page.get_by_text("Ready for Mastodon").wait_for()
    with page.expect_navigation():
        schedule.click()
    focused = page.evaluate("document.activeElement.textContent")
    assert "Scheduled for" in focused
    assert page.evaluate("document.activeElement.matches('[data-messages]')")


def test_the_header_menus_are_named_by_what_they_show(org, berliner, page_for):
    page = page_for(berliner)
    page.goto(reverse("posts:calendar", args=[org.slug]))
    switcher = page.locator("details.org-switcher > summary")
    assert "Acme" in switcher.inner_text()
    assert switcher.get_attribute("aria-label") is None
    name = page.evaluate(
        "el => el.textContent.replace(/\\s+/g, ' ').trim()", switcher.element_handle()
    )
    assert name == "Switch organization: Acme"


def test_the_api_docs_pass_axe(anonymous_page, axe, snapshot):
    page = anonymous_page
    page.goto("/api/docs")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator(".opblock").first.wait_for()
    snapshot(page, "api-docs")
    assert axe(page) == []
    # An operation opened, with its parameters and responses.
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for()
    assert axe(page) == []


def test_at_phone_width_nothing_slides_sideways_out_of_sight(busy_org, berliner, page_for):
    page = page_for(berliner, width=390, height=800)
    offenders = {}
    for name, url in _pages(busy_org).items():
        page.goto(url)
        found = page.evaluate(
            """() => {
                const width = document.documentElement.clientWidth;
                const out = [];
                if (document.documentElement.scrollWidth > width) out.push("the page");
                // Controls past the right edge, unless inside a table's own scrolling box.
                document.querySelectorAll("a, button, input, select, textarea, summary")
                    .forEach((el) => {
                        const box = el.getBoundingClientRect();
                        if (!box.width || el.closest(".table-wrap")) return;
                        if (box.right > width + 1) out.push(el.tagName + " " + el.textContent);
                    });
                return out;
            }"""
        )
        if found:
            offenders[name] = found
    assert offenders == {}
