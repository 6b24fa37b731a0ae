"""Publishing a beehiiv post against a local fake: the JSON body, the slug carrying the
item's key, beehiiv's refusals, and settling unclear answers by that slug."""

import json

import pytest

from integrations.providers.base import ErrorKind, MediaItem, ProviderError, PublishRequest
from integrations.providers.beehiiv import slug_for
from tests.providers.beehiiv.conftest import BEARER, KEY, POSTS, reply
from tests.providers.conftest import assert_no_secret, drain, slow_handler, truncated_handler

KEY_OF_ITEM = "8f2b8d4e-4c51-4d8e-9b0a-6b9c9d1e2f30"
POST_ID = "post_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


def request_for(text="Launch day at Acme\n\nSee you there & bring friends", media=(), **settings):
    settings.setdefault("title", "Launch day")
    return PublishRequest(
        post_id="p1", key=KEY_OF_ITEM, text=text, media=list(media), settings=settings
    )


def image(url="https://cdn.acme.example/lamp.png", alt="A brass lamp"):
    return MediaItem("image/png", 10, lambda: b"", public_url=url, alt_text=alt)


def creates(httpserver):
    return [r for r, _ in httpserver.log if r.method == "POST" and r.path == POSTS]


def created_then_read(httpserver):
    httpserver.expect_request(POSTS, method="POST", headers=BEARER).respond_with_response(
        reply("post_created")
    )
    httpserver.expect_request(f"{POSTS}/{POST_ID}", method="GET").respond_with_response(
        reply("post")
    )


def test_a_post_is_one_json_request_with_html_audience_tags_and_slug(
    provider, httpserver, channel, captured_logs
):
    created_then_read(httpserver)
    result = provider.publish(
        channel,
        request_for(
            media=[image()],
            subtitle="What we made this week",
            audience="premium",
            content_tags=["launch", "#lamps"],
            scheduled_at="2026-12-24T09:00:00+01:00",
        ),
    )
    [sent] = creates(httpserver)
    assert json.loads(sent.data) == {
        "title": "Launch day",
        "subtitle": "What we made this week",
        "body_content": "<p>Launch day at Acme</p><p>See you there &amp; bring friends</p>"
        '<p><img src="https://cdn.acme.example/lamp.png" alt="A brass lamp"></p>',
        "status": "confirmed",
        "scheduled_at": "2026-12-24T09:00:00+01:00",
        "recipients": {"web": {"tier_ids": ["premium"]}, "email": {"tier_ids": ["premium"]}},
        "web_settings": {"slug": "launch-day-8f2b8d4e4c51"},
        "content_tags": ["launch", "lamps"],
        "thumbnail_image_url": "https://cdn.acme.example/lamp.png",
    }
    assert (result.ref.id, result.ref.url) == (
        POST_ID,
        "https://acmeweekly.beehiiv.com/p/launch-day-8f2b8d4e4c51",
    )
    assert_no_secret(captured_logs, KEY)


def test_a_draft_goes_to_free_readers_by_default_and_has_no_public_address(
    provider, httpserver, channel
):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    httpserver.expect_request(f"{POSTS}/{POST_ID}").respond_with_response(reply("post"))
    provider.publish(channel, request_for(status="draft", scheduled_at="2026-12-24T09:00:00Z"))
    body = json.loads(creates(httpserver)[0].data)
    assert body["status"] == "draft" and "scheduled_at" not in body
    assert body["recipients"]["web"] == {"tier_ids": ["free"]}


def test_a_failed_read_back_leaves_the_post_published_without_an_address(
    provider, httpserver, channel
):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("post_created"))
    httpserver.expect_request(f"{POSTS}/{POST_ID}").respond_with_response(reply("bad_gateway"))
    result = provider.publish(channel, request_for())
    assert (result.state, result.ref.id, result.ref.url) == ("published", POST_ID, "")


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("unauthorized", ErrorKind.AUTH_REVOKED),
        ("enterprise_only", ErrorKind.PERMISSION_DENIED),
        ("publication_not_found", ErrorKind.NOT_FOUND),
        ("invalid_post", ErrorKind.CONTENT_REJECTED),
        ("rate_limited", ErrorKind.RATE_LIMITED),
    ],
)
def test_beehiivs_refusals_say_what_to_do(provider, httpserver, channel, fixture, kind):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply(fixture))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == kind
    assert "{" not in caught.value.user_message


def test_a_plan_without_the_endpoint_is_told_it_needs_enterprise(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("enterprise_only"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert "Enterprise" in caught.value.user_message


# -- three unclear answers: the post may exist; its slug is looked up before a resend ---
def test_no_answer_after_sending_leaves_the_outcome_unknown(provider, httpserver, channel):
    provider.timeout = (1, 0.5)
    httpserver.expect_request(POSTS, method="POST").respond_with_handler(
        slow_handler(lambda r: reply("post_created"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert len(creates(httpserver)) == 1


def test_a_502_on_the_create_leaves_the_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_connection_closed_mid_answer_leaves_the_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_handler(
        truncated_handler(b'{"data":{"id":"po', status=201)
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_an_answer_without_an_id_leaves_the_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="POST").respond_with_response(
        reply("post_created_no_id")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_after_an_unclear_answer_the_post_is_found_by_its_slug(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("posts_by_slug"))
    found = provider.find_existing(channel, request_for())
    assert found.id == POST_ID
    asked = httpserver.log[0][0].args
    assert asked["slugs[]"] == "launch-day-8f2b8d4e4c51" and asked["status"] == "all"


def test_another_items_post_is_never_taken_for_ours(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("posts_by_slug"))
    other = PublishRequest(
        post_id="p2",
        key="0aa1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b",
        text="x",
        settings={"title": "Launch day"},
    )
    assert provider.find_existing(channel, other) is None


def test_the_slug_carries_the_items_key_whatever_the_title():
    assert slug_for(request_for(title="Ünïcode café!")) == "unicode-cafe-8f2b8d4e4c51"
    assert slug_for(request_for(title="", text="")) == "8f2b8d4e4c51"


def test_recent_posts_and_release_ids(provider, httpserver, channel):
    httpserver.expect_request(POSTS, method="GET").respond_with_response(reply("posts_recent"))
    refs = provider.recent_posts(channel)
    assert [r.id for r in refs] == [POST_ID, "post_1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"]
    assert provider.ref_for_id(channel, f"see {POST_ID}").id == POST_ID


def test_web_views_email_opens_and_clicks_are_read_for_each_post(provider, httpserver, channel):
    from integrations.providers.base import RemoteRef

    httpserver.expect_request(f"{POSTS}/{POST_ID}").respond_with_response(reply("post_stats"))
    metrics = provider.post_metrics(channel, [RemoteRef(POST_ID), RemoteRef("not-a-post")])
    assert httpserver.log[0][0].args["expand[]"] == "stats"
    assert metrics == {POST_ID: metrics[POST_ID]}
    assert metrics[POST_ID].values == {"views": 655, "reach": 1012, "clicks": 274}


def test_a_deleted_post_has_no_metrics(provider, httpserver, channel):
    from integrations.providers.base import RemoteRef

    httpserver.expect_request(f"{POSTS}/{POST_ID}").respond_with_response(
        reply("publication_not_found")
    )
    assert provider.post_metrics(channel, [RemoteRef(POST_ID)]) == {}
