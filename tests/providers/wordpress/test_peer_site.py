"""Against a real WordPress 6.1 (Debian's package) with MariaDB, on 127.0.0.1.

Peer test: `make peers` installs the packages; without them these tests are skipped with
the reason (and fail under POSTIZ_REQUIRE_PEERS, as in CI). Each test writes posts of its
own (their slugs carry fresh keys), so they share the site the run started.
"""

import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.utils import timezone
from PIL import Image
from werkzeug import Response

from integrations.models import Integration
from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.wordpress import WordPressProvider, slug_for
from posts.states import State
from tests.factories import ChannelFactory
from tests.posts.test_networks_end_to_end import fresh, publish_due, write

pytestmark = [pytest.mark.peer_wordpress, pytest.mark.django_db]

CONNECT = "/o/acme/channels/connect/wordpress/"


def png(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def image(name="lamp.png", alt="A brass lamp") -> MediaItem:
    data = png()
    return MediaItem("image/png", len(data), lambda: data, name, 64, 48, alt_text=alt)


def request_for(text="We open the doors at nine.", media=(), **settings) -> PublishRequest:
    return PublishRequest(
        post_id="peer",
        key=str(uuid.uuid4()),
        text=text,
        media=list(media),
        settings={"title": "Launch day at Acme", **settings},
    )


def connected(site, who="admin"):
    provider = WordPressProvider()
    login, password = site.auth(who)
    grant = provider.authenticate({"url": site.url, "username": login, "app_password": password})
    (account,) = provider.accounts(grant)
    channel = Integration(
        provider="wordpress",
        external_id=account.external_id,
        credentials=dict(grant.credentials),
        meta=account.meta,
    ).as_channel()
    return provider, channel


def on_site(site, post_id) -> dict:
    response = site.rest("GET", f"/wp/v2/posts/{post_id}", params={"context": "edit"})
    assert response.ok, response.text
    return response.json()


def with_slug(site, slug) -> list[dict]:
    response = site.rest("GET", "/wp/v2/posts", params={"slug": slug, "status": "any"})
    assert response.ok, response.text
    return response.json()


def slug_of(item, title) -> str:
    return slug_for(PublishRequest("", "", key=str(item.key), settings={"title": title}))


def test_a_site_connects_through_the_channel_pages(wp_site, org, owner, client_for):
    login, password = wp_site.auth()
    response = client_for(owner).post(
        CONNECT, {"url": wp_site.url, "username": login, "app_password": password}
    )

    assert response.status_code == 302, response.content[:800]
    channel = Integration.objects.get(organization=org, provider="wordpress")
    assert channel.name == "Acme Field Notes"
    assert channel.external_id == f"{wp_site.url}#{wp_site.admin['id']}"
    assert channel.meta["rest_root"] == f"{wp_site.url}/wp-json/"
    assert channel.meta["can_publish"] is True
    assert channel.credentials["app_password"] == password


def test_a_wrong_password_is_refused_by_the_real_site(wp_site, org, owner, client_for):
    response = client_for(owner).post(
        CONNECT, {"url": wp_site.url, "username": "editor", "app_password": "abcd" * 6}
    )
    assert response.status_code == 400
    assert b"did not accept the username and application password" in response.content
    assert not Integration.objects.exists()


def test_a_post_goes_out_with_its_featured_image_categories_and_tags(wp_site):
    provider, channel = connected(wp_site)
    request = request_for(
        text="We open the doors at nine.\n\nFish & chips after.",
        media=[image(), image("desk.png", "")],
        categories=["Field Reports", 1],
        tags=["Launch", "Acme & Co"],
        excerpt="Doors at nine",
    )
    result = provider.publish(channel, request)

    post = on_site(wp_site, result.ref.id)
    assert post["status"] == "publish"
    assert post["title"]["raw"] == "Launch day at Acme"
    assert post["slug"] == slug_for(request)
    assert result.ref.url == post["link"] == f"{wp_site.url}/{post['slug']}/"
    assert post["content"]["raw"].startswith(
        "<p>We open the doors at nine.</p><p>Fish &amp; chips after.</p><figure"
    )
    assert post["excerpt"]["raw"] == "Doors at nine"
    featured = wp_site.rest("GET", f"/wp/v2/media/{post['featured_media']}").json()
    assert featured["alt_text"] == "A brass lamp" and featured["media_type"] == "image"
    assert (
        featured["source_url"] in post["content"]["raw"]
        or len(request.progress["wordpress_media"]) == 2
    )
    names = {
        c["id"]: c["name"]
        for c in wp_site.rest("GET", "/wp/v2/categories", params={"per_page": 100}).json()
    }
    assert sorted(names[i] for i in post["categories"]) == ["Field Reports", "Uncategorized"]
    tags = {t["id"]: t["name"] for t in wp_site.rest("GET", "/wp/v2/tags").json()}
    assert sorted(tags[i] for i in post["tags"]) == ["Acme &amp; Co", "Launch"]

    # The look-up tools list what the post used, names as people wrote them.
    assert {"Field Reports", "Uncategorized"} <= {c["name"] for c in provider.categories(channel)}
    assert {"Acme & Co", "Launch"} <= {t["name"] for t in provider.tags(channel)}


def test_a_page_gets_a_featured_image_fetched_from_its_address(wp_site, httpserver):
    httpserver.expect_request("/cover").respond_with_data(
        png((30, 30, 200)), content_type="image/png"
    )
    provider, channel = connected(wp_site)
    result = provider.publish(
        channel, request_for(type="page", main_image=httpserver.url_for("/cover"))
    )

    page = wp_site.rest("GET", f"/wp/v2/pages/{result.ref.id}", params={"context": "edit"}).json()
    assert page["status"] == "publish" and page["type"] == "page"
    featured = wp_site.rest("GET", f"/wp/v2/media/{page['featured_media']}").json()
    assert featured["mime_type"] == "image/png" and featured["source_url"].endswith("/cover.png")


def test_a_scheduled_post_waits_on_the_site_for_its_time(wp_site):
    provider, channel = connected(wp_site)
    when = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    result = provider.publish(channel, request_for(status="future", date=when.isoformat()))

    post = on_site(wp_site, result.ref.id)
    assert post["status"] == "future"
    assert post["date_gmt"] == when.strftime("%Y-%m-%dT%H:%M:%S")


def test_a_draft_stays_a_draft_and_is_found_by_its_slug(wp_site):
    provider, channel = connected(wp_site)
    request = request_for(status="draft")
    result = provider.publish(channel, request)

    assert on_site(wp_site, result.ref.id)["status"] == "draft"
    found = provider.find_existing(channel, request)
    assert (found.id, found.extra["status"]) == (result.ref.id, "draft")
    assert provider.find_existing(channel, request_for(status="draft")) is None


def test_the_real_sites_refusals_are_classified(wp_site):
    provider, contributor = connected(wp_site, "contributor")
    assert contributor.meta["can_publish"] is False
    with pytest.raises(ProviderError) as caught:
        provider.publish(contributor, request_for())
    assert (caught.value.kind, caught.value.network_code) == (
        ErrorKind.PERMISSION_DENIED,
        "rest_cannot_publish",
    )
    # A contributor may still write a draft for review.
    drafted = provider.publish(contributor, request_for(status="pending"))
    assert on_site(wp_site, drafted.ref.id)["status"] == "pending"

    provider, channel = connected(wp_site)
    tool = MediaItem("application/x-msdownload", 4, lambda: b"MZ\x90\x00", "tool.exe")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[tool]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")
    assert caught.value.network_code == "rest_upload_sideload_error"


def test_a_site_without_pretty_permalinks_is_found_and_posted_to(wp_plain_site):
    assert requests.get(f"{wp_plain_site.url}/wp-json/", timeout=10).status_code == 404
    provider, channel = connected(wp_plain_site)
    assert channel.meta["rest_root"] == f"{wp_plain_site.url}/index.php?rest_route=/"

    request = request_for(tags=["Plain"])
    result = provider.publish(channel, request)
    post = on_site(wp_plain_site, result.ref.id)
    assert post["status"] == "publish" and result.ref.url == f"{wp_plain_site.url}/?p={post['id']}"
    assert provider.find_existing(channel, request).id == result.ref.id


# -- An unclear answer, settled against the real site ------------------------------------
@pytest.fixture
def gateway(httpserver, wp_site):
    """A proxy in front of the site, as a reverse proxy is: it passes requests on, except
    that the post's creation can be made to lose its answer (502 after the site made
    it) or never reach the site (502 before)."""
    modes = {"create": "pass"}

    def handle(request):
        creating = request.method == "POST" and request.path.endswith("/wp/v2/posts")
        if creating and modes["create"] == "lost-before":
            return Response("<html><h1>502 Bad Gateway</h1></html>", 502)
        upstream = requests.request(
            request.method,
            wp_site.url + request.full_path.rstrip("?"),
            data=request.get_data(),
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            timeout=60,
        )
        if creating and modes["create"] == "lost-after":
            return Response("<html><h1>502 Bad Gateway</h1></html>", 502)
        headers = {"Content-Type": upstream.headers.get("Content-Type", "application/json")}
        return Response(upstream.content, upstream.status_code, headers=headers)

    httpserver.expect_request("/wp-json/wp/v2/posts", method="POST").respond_with_handler(handle)
    httpserver.expect_request("/wp-json/wp/v2/posts", method="GET").respond_with_handler(handle)
    return modes


def _channel_behind(gateway_url, wp_site, org):
    login, password = wp_site.auth()
    return ChannelFactory(
        organization=org,
        provider="wordpress",
        external_id=f"{wp_site.url}#{wp_site.admin['id']}",
        name="Acme Field Notes",
        credentials={"username": login, "app_password": password},
        meta={
            "url": gateway_url,
            "rest_root": f"{gateway_url}/wp-json/",
            "can_publish": True,
            "can_upload": True,
            "canonical_meta": "",
        },
    )


def test_a_post_whose_answer_was_lost_is_found_on_the_site_and_never_sent_twice(
    wp_site, gateway, httpserver, org, owner
):
    gateway["create"] = "lost-after"
    channel = _channel_behind(httpserver.url_for("").rstrip("/"), wp_site, org)
    post = write(owner, channel, ["We open the doors at nine."], settings={"title": "Lost"})

    assert [o.state for o in publish_due()] == [State.SCHEDULED]
    item = post.items.get()
    [on_the_site] = with_slug(
        wp_site, slug_for(PublishRequest("", "", key=str(item.key), settings={"title": "Lost"}))
    )
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.PUBLISHED]
    assert fresh(post).remote_url == on_the_site["link"]
    creates = [r for r, _ in httpserver.log if r.method == "POST"]
    assert len(creates) == 1
    assert len(with_slug(wp_site, on_the_site["slug"])) == 1


def test_a_post_that_never_reached_the_site_is_unconfirmed_not_resent(
    wp_site, gateway, httpserver, org, owner
):
    gateway["create"] = "lost-before"
    channel = _channel_behind(httpserver.url_for("").rstrip("/"), wp_site, org)
    post = write(owner, channel, ["Nobody saw this."], settings={"title": "Never arrived"})

    publish_due()
    later = publish_due(now=timezone.now() + timedelta(minutes=1))

    assert [o.state for o in later] == [State.UNCONFIRMED]
    assert len([r for r, _ in httpserver.log if r.method == "POST"]) == 1
    item = post.items.get()
    assert with_slug(wp_site, slug_of(item, "Never arrived")) == []
