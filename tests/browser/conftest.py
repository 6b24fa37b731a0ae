"""Browser tests: the real pages in Debian's Chromium, driven by Playwright, against the
app served by a live server.

Without a Chromium on the machine these tests are skipped with the reason; CI installs one
(``make browser``) and sets POSTIZ_REQUIRE_PEERS, which turns a missing browser into a
failure so the check never silently disappears."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's synchronous API runs an event loop in this thread; the ORM calls the tests
# make between browser steps are ordinary blocking calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium() -> str | None:
    return os.environ.get("POSTIZ_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = _chromium()
    if path is None:
        if os.environ.get("POSTIZ_REQUIRE_PEERS"):
            pytest.fail("Chromium is required (run `make browser`).")
        pytest.skip("Chromium is not installed (run `make browser`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def berliner(owner):
    """The organization's owner, who lives in Berlin."""
    owner.timezone = "Europe/Berlin"
    owner.save(update_fields=["timezone"])
    return owner


@pytest.fixture
def page_for(browser, live_server, client):
    """A browser page signed in as ``user`` (the session cookie of a test client login);
    ``width=390`` is a phone."""
    contexts = []

    def make(user, *, zone="Europe/Berlin", width=1400, height=900, locale="en-GB"):
        client.force_login(user)
        context = browser.new_context(
            base_url=live_server.url,
            timezone_id=zone,
            locale=locale,
            viewport={"width": width, "height": height},
            has_touch=width <= 600,
        )
        host = live_server.url.split("://", 1)[1].split(":", 1)[0]
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "domain": host,
                    "path": "/",
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def snapshot():
    """``snapshot(page, name)`` saves a screenshot under $POSTIZ_SCREENSHOTS when it is set
    (to look at what a test saw); otherwise it does nothing."""
    folder = os.environ.get("POSTIZ_SCREENSHOTS")

    def take(page, name: str) -> None:
        if folder:
            os.makedirs(folder, exist_ok=True)
            page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=False)

    return take
