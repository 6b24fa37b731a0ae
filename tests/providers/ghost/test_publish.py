"""Publishing a Ghost article against a local fake, and settling unclear answers."""

import json

import pytest

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.ghost import GhostProvider
from tests.providers.conftest import assert_no_secret, drain, slow_handler
from tests.providers.ghost.support import SECRET, ghost_channel, reply, token_claims

POSTS = "/ghost/api/admin/posts/"
UPLOAD = "/ghost/api/admin/images/upload/"


@pytest.fixture
def provider():
    return GhostProvider()


@pytest.fixture
def channel(httpserver):
    return ghost_channel(httpserver.url_for("/").rstrip("/"))


def image(name="lamp.png", alt="A brass lamp"):
    return MediaItem("image/png", 7, lambda: b"\x89PNG...", filename=name, alt_text=alt)


def request_for(text="Launch day at Acme\n\nThree colours.", media=(), **settings):
    return PublishRequest(
        post_id="p1",
        key="8f2b8d4e-4c51-4d8e-9b0a-6b9c9d1e2f30",
        text=text,
        media=list(media),
        settings={"title": "Launch day", **settings},
    )


def sent_post(httpserver) -> tuple[dict, dict]:
    [(request, _)] = [(r, s) for r, s in httpserver.log if r.path == POSTS and r.method == "POST"]
    token_claims(request.headers["Authorization"])
    return dict(request.args), json.loads(request.data)["posts"][0]


def test_an_article_goes_out_with_its_feature_image_tags_and_canonical_url(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_ordered_request(UPLOAD, method="POST").respond_with_response(
        reply("image_uploaded")
    )
    httpserver.expect_ordered_request(UPLOAD, method="POST").respond_with_response(
        reply("image_uploaded")
    )
    httpserver.expect_ordered_request(POSTS, method="POST").respond_with_response(
        reply("post_created")
    )
    result = provider.publish(
        channel,
        request_for(
            media=[image(), image("desk.png", "")],
            tags=["News", "news", {"value": "Workshop"}],
            canonical_url="https://acme.example/launch",
            excerpt="Our lamp",
        ),
    )
    httpserver.check_assertions()
    upload = httpserver.log[0][0]
    assert upload.form.to_dict() == {"purpose": "image", "ref": "lamp.png"}
    assert upload.files["file"].filename == "lamp.png"
    params, post = sent_post(httpserver)
    assert params == {"source": "html"}
    url = "https://blog.acme.example/content/images/2026/12/lamp.png"
    assert post == {
        "title": "Launch day",
        "html": "<p>Launch day at Acme</p><p>Three colours.</p>"
        f'<figure class="kg-card kg-image-card"><img src="{url}" alt=""></figure>',
        "status": "published",
        "feature_image": url,
        "feature_image_alt": "A brass lamp",
        "tags": [{"name": "News"}, {"name": "Workshop"}],
        "canonical_url": "https://acme.example/launch",
        "custom_excerpt": "Our lamp",
    }
    assert result.state == "published"
    assert result.ref.id == "6753a4f29c2b3e0001f4a2c7"
    assert result.ref.url == "https://blog.acme.example/launch-day/"
    assert_no_secret(captured_logs, SECRET)


def test_line_breaks_are_kept_and_html_is_escaped(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    provider.publish(channel, request_for(text="Fish & chips\n<b>now</b>"))
    assert sent_post(httpserver)[1]["html"] == "<p>Fish &amp; chips<br>&lt;b&gt;now&lt;/b&gt;</p>"


def test_text_written_as_html_is_sent_as_it_is(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    provider.publish(channel, request_for(text="<h2>Launch</h2><p>Today</p>"))
    assert sent_post(httpserver)[1]["html"] == "<h2>Launch</h2><p>Today</p>"


def test_a_scheduled_post_is_emailed_to_the_chosen_newsletter(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    provider.publish(
        channel,
        request_for(
            status="scheduled",
            published_at="2027-01-05T09:00:00+01:00",
            newsletter="default-newsletter",
            email_segment="status:-free",
        ),
    )
    params, post = sent_post(httpserver)
    assert params == {
        "source": "html",
        "newsletter": "default-newsletter",
        "email_segment": "status:-free",
    }
    assert post["status"] == "scheduled"
    assert post["published_at"] == "2027-01-05T09:00:00+01:00"


def test_a_draft_is_kept_in_ghost_and_never_emailed(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    provider.publish(channel, request_for(status="draft", newsletter="default-newsletter"))
    params, post = sent_post(httpserver)
    assert params == {"source": "html"} and post["status"] == "draft"


def test_an_image_uploaded_before_is_not_uploaded_again(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    request = request_for(media=[image()])
    request.progress["ghost_images"] = [["https://blog.acme.example/content/a.png", "Lamp"]]
    provider.publish(channel, request)
    assert [r.path for r, _ in httpserver.log] == [POSTS]
    assert sent_post(httpserver)[1]["feature_image"] == "https://blog.acme.example/content/a.png"


def test_a_refused_image_points_at_the_media(provider, httpserver, channel):
    httpserver.expect_request(UPLOAD).respond_with_response(reply("unsupported_image"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[image()]))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "media")
    assert "valid image" in caught.value.user_message


def test_an_upload_that_fails_on_the_server_is_retried_without_doubt(provider, httpserver, channel):
    httpserver.expect_request(UPLOAD).respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for(media=[image()]))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND


def test_a_too_long_title_is_shown_on_the_title(provider, httpserver, channel):
    httpserver.expect_request(POSTS).respond_with_response(reply("title_too_long"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "title")
    assert "255" in caught.value.user_message


def test_a_server_error_on_the_post_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS).respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_post_answer_without_an_id_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS).respond_with_response(reply("post_created_no_id"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_no_answer_after_the_post_was_sent_leaves_its_outcome_unknown(
    provider, httpserver, channel
):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(POSTS).respond_with_handler(
        slow_handler(lambda request: reply("post_created"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_rate_limit_waits_what_ghost_says(provider, httpserver, channel):
    httpserver.expect_request(POSTS).respond_with_response(reply("rate_limited"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.retry_after) == (ErrorKind.RATE_LIMITED, 120)


def test_after_an_unclear_answer_the_post_is_found_by_its_title(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("posts_recent"))
    found = provider.find_existing(channel, request_for())
    request = httpserver.log[0][0]
    assert request.args["order"] == "created_at desc"
    assert found.id == "6753a4f29c2b3e0001f4a2c7"
    assert found.url == "https://blog.acme.example/launch-day/"


def test_a_post_with_another_title_or_canonical_url_is_not_taken_for_ours(
    provider, httpserver, channel
):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("posts_recent"))
    assert provider.find_existing(channel, request_for(title="Other")) is None
    assert (
        provider.find_existing(channel, request_for(canonical_url="https://acme.example/x")) is None
    )


def test_the_newest_posts_are_listed_for_matching_by_hand(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("posts_recent"))
    refs = provider.recent_posts(channel)
    assert [r.id for r in refs] == ["6753a4f29c2b3e0001f4a2c7", "67511c0a9c2b3e0001f4a0b2"]
