"""AI writing help in a real browser: a rewrite streams in beside the text, Cancel stops
it (and the server stops reading from the AI), and only Accept changes the post."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.posts.assist_fake import MODEL, FakeAI
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rewrite_streams_can_be_cancelled_and_is_applied_only_on_accept(
    org, berliner, page_for, settings, httpserver, axe
):
    ai = FakeAI(httpserver)
    settings.AI_BASE_URL = ai.base_url
    settings.AI_MODEL = MODEL
    settings.AI_API_KEY = ""
    mastodon = channel(org, "mastodon", name="Acme on Mastodon")
    page = page_for(berliner)
    page.goto("/o/acme/posts/new/")
    page.locator(f"#channel-{mastodon.pk}").check()
    page.locator("#composer-channel-tabs", has_text="Acme on Mastodon").wait_for()
    text = page.locator("#item-0-text")
    text.fill("We ship on Friday")

    # A slow answer: its first words show while it is still being written.
    ai.pieces = ["Fresh", " words", *[f" more{n}" for n in range(60)]]
    ai.pause = 0.25
    rewrite = page.get_by_role("button", name="Rewrite for Mastodon (Acme on Mastodon)")
    rewrite.click()
    output = page.locator("#assist-output")
    expect(output).to_contain_text("Fresh words")
    expect(page.locator("#assist-status")).to_have_text("Writing…")
    expect(page.get_by_role("button", name="Accept")).to_be_disabled()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#assist-status")).to_have_text("Stopped. Nothing was changed.")
    assert text.input_value() == "We ship on Friday"
    assert ai.closed_early.wait(10), "the server kept reading from the AI after Cancel"
    assert ai.sent < 62

    # A complete answer is shown with its check, and still changes nothing by itself.
    ai.pieces = ["Shipping", " on Friday!"]
    ai.pause = 0
    rewrite.click()
    expect(page.locator("#assist-status")).to_contain_text("Done.")
    expect(output).to_have_text("Shipping on Friday!")
    expect(page.locator("#assist-check")).to_have_text("19 / 500 characters on Mastodon: it fits.")
    assert text.input_value() == "We ship on Friday"
    assert axe(page) == []
    page.get_by_role("button", name="Accept").click()
    expect(text).to_have_value("Shipping on Friday!")
    expect(page.locator("#assist-result")).to_be_hidden()
    assert "for Mastodon" in ai.prompt()
