"""The Channels page in the browser: every network's logo and the channel's picture load
from this site (the picture is the copy kept here, never the network's), under the content
security policy, and the page passes axe-core."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from integrations import pictures
from tests.posts.test_groups import channel

pytestmark = pytest.mark.django_db(transaction=True)

_LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def test_the_channels_page_shows_logos_and_the_kept_picture_from_this_site(
    settings, tmp_path, live_server, org, berliner, page_for, axe, snapshot
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url
    out = io.BytesIO()
    Image.new("RGB", (300, 300), (20, 120, 220)).save(out, "JPEG")
    name = pictures.save(pictures.shrink(out.getvalue()))
    ours = channel(org, "bluesky", name="Acme on Bluesky", avatar_url=pictures.url(name))
    channel(org, "mastodon", name="Acme on Mastodon")  # no picture: its initial

    page = page_for(berliner)
    page.context.add_init_script(_LISTEN)
    page.goto(reverse("integrations:list", args=[org.slug]))
    page.wait_for_load_state("load")
    snapshot(page, "channels")

    # Avatars load lazily (loading="lazy"): a busy machine may fire "load" before they are
    # fetched. Ask for each now and wait until it is decoded, or has failed.
    page.evaluate(
        """() => Promise.all(Array.from(document.images).map((img) => {
            img.loading = "eager";
            return img.decode().catch(() => null);
        }))"""
    )
    images = page.evaluate(
        """() => Array.from(document.images).map((img) => ({
            src: img.currentSrc, ok: img.complete && img.naturalWidth > 0 }))"""
    )
    broken = [image["src"] for image in images if not image["ok"]]
    assert broken == []
    sources = {image["src"] for image in images}
    assert pictures.url(name) in sources
    assert any(src.endswith("/static/img/networks/bluesky.svg") for src in sources)
    assert all(src.startswith(live_server.url) for src in sources), sources
    assert page.locator(".channel-avatar-empty", has_text="A").count() >= 1
    assert page.evaluate("window.__csp") == []
    assert axe(page) == []
    assert ours.avatar_url.startswith(live_server.url)


def test_the_network_setup_page_reads_well_for_administrators(
    org, berliner, page_for, axe, snapshot
):
    berliner.is_staff = True
    berliner.save()
    page = page_for(berliner)
    page.context.add_init_script(_LISTEN)
    page.goto(reverse("integrations:list", args=[org.slug]))
    page.get_by_role("link", name="How to set up X").click()
    page.wait_for_url("**/integrations/setup/#network-x")
    snapshot(page, "network-setup")
    assert page.locator("#network-x").is_visible()
    assert page.evaluate("window.__csp") == []
    assert axe(page) == []
