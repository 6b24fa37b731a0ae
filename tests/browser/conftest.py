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


# -- axe-core (bundled in the axe-playwright-python package, so nothing is fetched) ------
def _axe_source() -> str | None:
    try:
        import axe_playwright_python
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
    with open(path, encoding="utf-8") as file:
        return file.read()


# WCAG 2.0-2.2 A and AA, best practices, and the experimental rules (label-content-name-
# mismatch, which Lighthouse reports, is one of them).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice", "experimental"]


@pytest.fixture(scope="session")
def axe_source():
    source = _axe_source()
    if source is None:
        if os.environ.get("POSTIZ_REQUIRE_PEERS"):
            pytest.fail("axe-core is required (pip install -e '.[dev]').")
        pytest.skip("axe-core is not installed (pip install -e '.[dev]').")
    return source


@pytest.fixture
def axe(axe_source):
    """``axe(page)`` runs axe-core's WCAG 2 A/AA rules (and best practices) on the page and
    returns its violations as "rule: target" lines, empty when there are none."""

    def run(page, *, exclude_rules=()) -> list[str]:
        # Evaluated from the test, not as a <script> in the page: the page's content
        # security policy rightly refuses scripts it did not list.
        page.evaluate(f"() => {{ if (!window.axe) {{ {axe_source}\n window.axe = axe; }} }}")
        result = page.evaluate(
            """async ([tags, excluded]) => {
                const rules = {};
                excluded.forEach((id) => { rules[id] = { enabled: false }; });
                return await window.axe.run(document, {
                    runOnly: { type: "tag", values: tags },
                    rules: rules,
                    resultTypes: ["violations"],
                });
            }""",
            [AXE_TAGS, list(exclude_rules)],
        )
        return [
            f"{violation['id']}: {node['target']} {node.get('failureSummary', '')[:200]}"
            for violation in result["violations"]
            for node in violation["nodes"]
        ]

    return run
