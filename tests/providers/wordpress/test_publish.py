"""Publishing a WordPress post against a local fake answering as a real WordPress 6.1, and
settling unclear answers by the post's slug."""

import json

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.wordpress import WordPressProvider, slug_for, upload_name
from tests.providers.conftest import assert_no_secret, drain, slow_handler
from tests.providers.wordpress.support import APP_PASSWORD, BASIC, reply, wp_channel

POSTS = "/wp-json/wp/v2/posts"
MEDIA = "/wp-json/wp/v2/media"
CATEGORIES = "/wp-json/wp/v2/categories"
TAGS = "/wp-json/wp/v2/tags"
KEY = "8f2b8d4e-4c51-4d8e-9b0a-6b9c9d1e2f30"


@pytest.fixture
def provider():
    return WordPressProvider()


@pytest.fixture
def origin(httpserver):
    return httpserver.url_for("/").rstrip("/")


@pytest.fixture
def channel(origin):
    return wp_channel(origin)


def image(name="lamp.png", alt="A brass lamp"):
    return MediaItem("image/png", 7, lambda: b"\x89PNG...", filename=name, alt_text=alt)


def request_for(text="Launch day at Acme\n\nThree colours.", media=(), **settings):
    return PublishRequest(
        post_id="p1",
        key=KEY,
        text=text,
        media=list(media),
        settings={"title": "Launch day at Acme", **settings},
    )


def sent(httpserver, path, method="POST"):
    return [r for r, _ in httpserver.log if r.path == path and r.method == method]


def sent_post(httpserver) -> dict:
    [request] = sent(httpserver, POSTS)
    assert request.headers["Authorization"] == BASIC
    return json.loads(request.data)


def test_the_slug_carries_the_items_key_and_nothing_a_retry_changes():
    assert slug_for(request_for()) == "launch-day-at-acme-8f2b8d4e4c"
    assert slug_for(request_for(title="")) == "launch-day-at-acme-three-colours-8f2b8d4e4c"
    assert slug_for(request_for(title="Café ☕")) == "cafe-8f2b8d4e4c"


def test_a_post_goes_out_with_its_featured_image_categories_and_tags(
    provider, httpserver, channel, origin, captured_logs
):
    uploads = []

    def upload(request):
        uploads.append(request)
        return reply("media_created", origin)

    httpserver.expect_request(MEDIA, method="POST").respond_with_handler(upload)
    # "Field Reports" exists (found by a search); "Launch & Co" is new and created.
    httpserver.expect_request(CATEGORIES, method="GET").respond_with_response(
        reply("categories", origin, edit=lambda b: b.append({"id": 2, "name": "Field Reports"}))
    )
    httpserver.expect_request(TAGS, method="GET").respond_with_response(
        reply("tags_search_empty", origin)
    )
    httpserver.expect_request(TAGS, method="POST").respond_with_response(
        reply("tag_created", origin)
    )
    httpserver.expect_request(POSTS, method="POST").respond_with_response(
        reply("post_created", origin)
    )
    request = request_for(
        media=[image(), image("desk.png", "")],
        categories=["field reports", 1],
        tags="Launch & Co, 7",
        excerpt="Doors at nine",
    )
    result = provider.publish(channel, request)

    first = uploads[0]
    assert first.headers["Content-Type"] == "image/png"
    assert first.headers["Content-Disposition"] == 'attachment; filename="lamp.png"'
    assert first.args.to_dict() == {"alt_text": "A brass lamp"}
    assert first.get_data() == b"\x89PNG..."
    assert len(uploads) == 2 and "alt_text" not in uploads[1].args
    [search] = sent(httpserver, TAGS, "GET")
    assert search.args["search"] == "Launch & Co"
    assert json.loads(sent(httpserver, TAGS)[0].data) == {"name": "Launch & Co"}
    source = f"{origin}/wp-content/uploads/2026/12/dot.png"
    assert sent_post(httpserver) == {
        "title": "Launch day at Acme",
        "content": "<p>Launch day at Acme</p><p>Three colours.</p>"
        f'<figure class="wp-block-image"><img src="{source}" alt=""></figure>',
        "status": "publish",
        "slug": "launch-day-at-acme-8f2b8d4e4c",
        "featured_media": 4,
        "categories": [2, 1],
        "tags": [3, 7],
        "excerpt": "Doors at nine",
    }
    assert result.ref.id == "5"
    assert result.ref.url == f"{origin}/launch-day-at-acme-k3y9x2m4q7/"
    assert request.progress["wordpress_media"][0][0] == 4
    assert request.progress["wordpress_terms"] == {
        "categories": {"field reports": 2},
        "tags": {"Launch & Co": 3},
    }
    assert_no_secret(captured_logs, APP_PASSWORD, BASIC.split()[1])


def test_a_scheduled_post_is_sent_as_future_with_its_time_in_utc(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(POSTS).respond_with_response(reply("post_future", origin))
    result = provider.publish(
        channel, request_for(status="future", date="2031-01-05T10:00:00+01:00")
    )
    post = sent_post(httpserver)
    assert (post["status"], post["date_gmt"]) == ("future", "2031-01-05T09:00:00")
    assert result.ref.extra["status"] == "future"


def test_a_draft_stays_a_draft(provider, httpserver, channel, origin):
    httpserver.expect_request(POSTS).respond_with_response(reply("post_draft", origin))
    result = provider.publish(channel, request_for(status="draft"))
    assert sent_post(httpserver)["status"] == "draft"
    assert result.ref.url == f"{origin}/?p=7"


def test_a_canonical_url_goes_into_the_field_the_site_exposes(provider, httpserver, origin):
    httpserver.expect_request(POSTS).respond_with_response(reply("post_created", origin))
    channel = wp_channel(origin, canonical_meta="_seo_canonical_url")
    provider.publish(channel, request_for(canonical_url="https://acme.example/launch"))
    assert sent_post(httpserver)["meta"] == {"_seo_canonical_url": "https://acme.example/launch"}


def test_a_site_without_pretty_permalinks_gets_every_request_by_rest_route(
    provider, httpserver, origin
):
    routes = []

    def api(request):
        routes.append((request.method, request.args["rest_route"]))
        return reply("plain_post_created", origin)

    httpserver.expect_request("/index.php").respond_with_handler(api)
    channel = wp_channel(origin, rest_root=f"{origin}/index.php?rest_route=/")
    result = provider.publish(channel, request_for())
    assert routes == [("POST", "/wp/v2/posts")]
    assert result.ref.url == f"{origin}/?p=4"


def test_an_image_uploaded_before_and_terms_found_before_are_not_asked_again(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(POSTS).respond_with_response(reply("post_created", origin))
    request = request_for(media=[image()], tags=["Launch & Co"])
    request.progress["wordpress_media"] = [[4, f"{origin}/a.png", "Lamp"]]
    request.progress["wordpress_terms"] = {"tags": {"Launch & Co": 3}}
    provider.publish(channel, request)
    assert [r.path for r, _ in httpserver.log] == [POSTS]
    assert sent_post(httpserver)["tags"] == [3]


def test_a_term_the_search_missed_is_taken_from_wordpresss_answer(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(CATEGORIES, method="GET").respond_with_response(
        reply("tags_search_empty", origin)
    )
    httpserver.expect_request(CATEGORIES, method="POST").respond_with_response(
        reply("term_exists", origin)
    )
    httpserver.expect_request(POSTS).respond_with_response(reply("post_created", origin))
    provider.publish(channel, request_for(categories=["Field Reports"]))
    assert sent_post(httpserver)["categories"] == [2]


def test_a_file_type_the_site_refuses_points_at_the_media(provider, httpserver, channel, origin):
    httpserver.expect_request(MEDIA).respond_with_response(reply("upload_bad_type", origin))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[image()]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")
    assert "not allowed to upload this file type" in caught.value.user_message
    assert sent(httpserver, POSTS) == []


def test_a_user_who_may_not_upload_is_told_so(provider, httpserver, channel, origin):
    httpserver.expect_request(MEDIA).respond_with_response(reply("upload_forbidden", origin))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[image()]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.PERMISSION_DENIED, "media")


def test_a_contributor_publishing_is_told_to_choose_draft(provider, httpserver, channel, origin):
    httpserver.expect_request(POSTS).respond_with_response(reply("cannot_publish", origin))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.field) == (ErrorKind.PERMISSION_DENIED, "status")
    assert "draft" in caught.value.user_message


def test_an_invalid_time_is_shown_on_the_date(provider, httpserver, channel, origin):
    httpserver.expect_request(POSTS).respond_with_response(reply("invalid_date", origin))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(status="future", date="2031-01-05T09:00:00Z"))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "date")
    assert "Invalid date." in caught.value.user_message


def test_an_upload_that_fails_on_the_server_is_retried_without_doubt(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(MEDIA).respond_with_response(reply("bad_gateway", origin))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[image()]))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_a_server_error_on_the_post_leaves_its_outcome_unknown(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(POSTS).respond_with_response(reply("bad_gateway", origin))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(sent(httpserver, POSTS)) == 1


def test_no_answer_after_the_post_was_sent_leaves_its_outcome_unknown(
    provider, httpserver, channel, origin
):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(POSTS).respond_with_handler(
        slow_handler(lambda request: reply("post_created", origin))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_after_an_unclear_answer_the_post_is_found_by_its_slug(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(
        reply("posts_by_slug", origin)
    )
    found = provider.find_existing(channel, request_for())
    [asked] = sent(httpserver, POSTS, "GET")
    assert asked.args.to_dict() == {
        "slug": "launch-day-at-acme-8f2b8d4e4c",
        "status": "any",
        "context": "edit",
        "_fields": "id,link,status,slug",
    }
    assert (found.id, found.url, found.extra["status"]) == ("7", f"{origin}/?p=7", "draft")


def test_a_slug_the_site_does_not_have_is_not_found(provider, httpserver, channel, origin):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(
        reply("posts_by_slug_empty", origin)
    )
    assert provider.find_existing(channel, request_for()) is None


def test_a_post_is_named_by_its_id_or_its_short_link(provider, channel):
    ref = provider.ref_for_id(channel, "https://fieldnotes.acme.example/?p=42")
    assert (ref.id, ref.url) == ("42", f"{channel.meta['url']}/?p=42")
    assert provider.ref_for_id(channel, " 42 ").id == "42"


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_a_page_goes_to_the_pages_route_without_categories(provider, httpserver, channel, origin):
    httpserver.expect_request("/wp-json/wp/v2/pages", method="POST").respond_with_response(
        reply("post_created", origin)
    )
    provider.publish(channel, request_for(type="page"))
    [request] = sent(httpserver, "/wp-json/wp/v2/pages")
    body = json.loads(request.data)
    assert body["status"] == "publish" and "categories" not in body
    assert sent(httpserver, POSTS) == []


def test_a_featured_image_given_by_its_address_is_fetched_and_uploaded(
    provider, httpserver, channel, origin
):
    httpserver.expect_request("/images/cover.png").respond_with_data(
        PNG_BYTES, content_type="application/octet-stream"
    )
    uploads = []

    def upload(request):
        uploads.append(request)
        return reply("media_created", origin)

    httpserver.expect_request(MEDIA, method="POST").respond_with_handler(upload)
    httpserver.expect_request(POSTS, method="POST").respond_with_response(
        reply("post_created", origin)
    )
    provider.publish(channel, request_for(main_image={"path": f"{origin}/images/cover.png"}))

    # Sniffed from its bytes, whatever the server said it was.
    assert uploads[0].headers["Content-Type"] == "image/png"
    assert uploads[0].headers["Content-Disposition"] == 'attachment; filename="cover.png"'
    assert uploads[0].get_data() == PNG_BYTES
    assert sent_post(httpserver)["featured_media"] == 4


def test_a_featured_image_address_that_gives_no_image_points_at_the_setting(
    provider, httpserver, channel, origin
):
    httpserver.expect_request("/images/cover.png").respond_with_data("<html>", status=200)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(main_image=f"{origin}/images/cover.png"))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "main_image")
    httpserver.clear_log()
    httpserver.expect_request("/images/gone.png").respond_with_data("", status=404)
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(main_image=f"{origin}/images/gone.png"))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "main_image")
    assert sent(httpserver, POSTS) == []


def test_the_tools_list_every_page_of_the_sites_terms(provider, httpserver, channel, origin):
    pages = []

    def listing(request):
        pages.append(request.args["page"])
        body = [{"id": 3, "name": "Launch &amp; Co", "slug": "launch-co", "count": 2}]
        if request.args["page"] == "2":
            body = [{"id": 9, "name": "Workshop", "slug": "workshop", "count": 0}]
        return Response(
            json.dumps(body), headers={"Content-Type": "application/json", "X-WP-TotalPages": "2"}
        )

    httpserver.expect_request(TAGS, method="GET").respond_with_handler(listing)
    httpserver.expect_request(CATEGORIES, method="GET").respond_with_response(
        reply("categories", origin)
    )
    assert provider.tags(channel) == [
        {"id": "3", "name": "Launch & Co", "slug": "launch-co", "count": 2},
        {"id": "9", "name": "Workshop", "slug": "workshop", "count": 0},
    ]
    assert pages == ["1", "2"]
    assert provider.categories(channel) == [
        {"id": "1", "name": "Uncategorized", "slug": "uncategorized", "count": 1}
    ]


def test_a_file_is_named_with_its_types_extension_which_wordpress_goes_by():
    assert upload_name("cover", "image/png") == "cover.png"
    assert upload_name("Lamp photo.JPG", "image/jpeg") == "Lamp-photo.JPG"
    assert upload_name("../etc/passwd", "image/gif") == "etc-passwd.gif"


def test_the_post_is_looked_for_under_the_slug_it_was_sent_with_after_an_edit(
    provider, httpserver, channel, origin
):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(
        reply("bad_gateway", origin)
    )
    request = request_for()
    with pytest.raises(ProviderError):
        provider.publish(channel, request)
    sent_slug = json.loads(sent(httpserver, POSTS)[0].data)["slug"]
    assert request.progress["wordpress_slug"] == sent_slug

    httpserver.expect_request(POSTS, method="GET").respond_with_response(
        reply("posts_by_slug_empty", origin)
    )
    edited = request_for(title="Launch day at Acme, doors at nine")
    edited.progress = request.progress
    provider.find_existing(channel, edited)
    assert sent(httpserver, POSTS, "GET")[0].args["slug"] == sent_slug
