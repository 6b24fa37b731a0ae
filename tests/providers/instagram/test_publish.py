import json

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from tests.providers.conftest import (
    assert_no_secret,
    dropped_handler,
    fixture_response,
    slow_handler,
)
from tests.providers.instagram.conftest import HERE

TOKEN = "EAAGpage-token-101"
IG = "17841400000000001"
CONTAINER = "17889455560051444"
MEDIA = "17920238422030506"
PERMALINK = "https://www.instagram.com/p/DAbCdEfGhIj/"


@pytest.fixture
def channel():
    return Channel(IG, {"access_token": TOKEN}, username="acmebakery")


def image(url="https://cdn.test/a.jpg", alt=""):
    return MediaItem("image/jpeg", 10, lambda: b"", filename="a.jpg", public_url=url, alt_text=alt)


def video(url="https://cdn.test/v.mp4"):
    return MediaItem("video/mp4", 10, lambda: b"", filename="v.mp4", public_url=url)


def recorder(store, name, base="/g"):
    def handler(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        store.append(request.form.to_dict())
        return fixture_response(HERE, name)

    return handler


def expect_quota(httpserver, name="publishing_limit", base="/g"):
    httpserver.expect_ordered_request(
        f"{base}/v24.0/{IG}/content_publishing_limit",
        query_string={"fields": "config,quota_usage"},
    ).respond_with_response(fixture_response(HERE, name))


def expect_container(httpserver, store, name="container", base="/g"):
    httpserver.expect_ordered_request(
        f"{base}/v24.0/{IG}/media", method="POST"
    ).respond_with_handler(recorder(store, name))


def expect_status(httpserver, name, container=CONTAINER, base="/g"):
    httpserver.expect_ordered_request(
        f"{base}/v24.0/{container}",
        method="GET",
        query_string={"fields": "status_code,status"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).respond_with_response(fixture_response(HERE, name))


def expect_commit(httpserver, store, handler=None, base="/g"):
    httpserver.expect_ordered_request(
        f"{base}/v24.0/{IG}/media_publish", method="POST"
    ).respond_with_handler(handler or recorder(store, "published"))


def expect_permalink(httpserver, base="/g"):
    httpserver.expect_ordered_request(
        f"{base}/v24.0/{MEDIA}", query_string={"fields": "permalink"}
    ).respond_with_response(fixture_response(HERE, "permalink"))


def commits(httpserver):
    return [r for r, _ in httpserver.log if r.path.endswith("/media_publish")]


def test_photo_with_collaborators_and_location(provider, httpserver, channel):
    containers, published = [], []
    expect_quota(httpserver)
    expect_container(httpserver, containers)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, published)
    expect_permalink(httpserver)
    request = PublishRequest(
        "p",
        "Fresh bread #bakery",
        media=[image(alt="A loaf on a board")],
        settings={
            "post_type": "post",
            "collaborators": [{"label": "@flourco"}, {"label": "ovenpals"}],
            "location_id": "110843418940484",
        },
    )
    result = provider.publish(channel, request)
    assert containers == [
        {
            "caption": "Fresh bread #bakery",
            "collaborators": '["flourco", "ovenpals"]',
            "location_id": "110843418940484",
            "image_url": "https://cdn.test/a.jpg",
            "alt_text": "A loaf on a board",
        }
    ]
    assert published == [{"creation_id": CONTAINER}]
    assert request.progress["container"] == CONTAINER
    assert (result.ref.id, result.ref.url) == (MEDIA, PERMALINK)


def test_carousel_makes_children_then_the_carousel(provider, httpserver, channel):
    forms = []
    expect_quota(httpserver)
    for child in ("c0", "c1"):
        httpserver.expect_ordered_request(
            f"/g/v24.0/{IG}/media", method="POST"
        ).respond_with_handler(
            lambda r, c=child: (
                forms.append(r.form.to_dict()),
                Response(json.dumps({"id": c}), content_type="application/json"),
            )[1]
        )
    expect_status(httpserver, "status_finished", "c0")
    expect_status(httpserver, "status_in_progress", "c1")
    expect_status(httpserver, "status_finished", "c1")
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    request = PublishRequest("p", "Two", media=[image("https://cdn.test/1.jpg"), video()])
    provider.publish(channel, request)
    assert forms == [
        {"is_carousel_item": "true", "image_url": "https://cdn.test/1.jpg"},
        {"is_carousel_item": "true", "media_type": "VIDEO", "video_url": "https://cdn.test/v.mp4"},
        {"caption": "Two", "media_type": "CAROUSEL", "children": "c0,c1"},
    ]
    assert request.progress["children"] == ["c0", "c1"]


def test_a_carousel_video_still_processing_pends_on_it_and_resumes_with_the_same_children(
    provider, httpserver, channel
):
    provider.poll_attempts = 1
    forms = []
    expect_quota(httpserver)
    for child in ("c0", "c1"):
        httpserver.expect_ordered_request(
            f"/g/v24.0/{IG}/media", method="POST"
        ).respond_with_handler(
            lambda r, c=child: (
                forms.append(r.form.to_dict()),
                Response(json.dumps({"id": c}), content_type="application/json"),
            )[1]
        )
    expect_status(httpserver, "status_finished", "c0")
    expect_status(httpserver, "status_in_progress", "c1")
    request = PublishRequest("p", "Two", media=[image("https://cdn.test/1.jpg"), video()])
    result = provider.publish(channel, request)
    assert result.state == "pending" and result.handle == "c1"
    assert request.progress == {"children": ["c0", "c1"]}

    # Once the video is ready, the next send makes the carousel from the same children.
    expect_quota(httpserver)
    expect_status(httpserver, "status_finished", "c0")
    expect_status(httpserver, "status_finished", "c1")
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    result = provider.publish(channel, request)
    assert result.ref.id == MEDIA
    assert [f.get("media_type") for f in forms] == [None, "VIDEO", "CAROUSEL"]
    assert len(commits(httpserver)) == 1


def test_one_video_is_a_reel_and_may_be_a_trial(provider, httpserver, channel):
    forms = []
    expect_quota(httpserver)
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_in_progress")
    expect_status(httpserver, "status_in_progress")
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    settings = {"post_type": "post", "is_trial_reel": True, "graduation_strategy": "SS_PERFORMANCE"}
    provider.publish(channel, PublishRequest("p", "Clip", media=[video()], settings=settings))
    assert forms == [
        {
            "caption": "Clip",
            "media_type": "REELS",
            "video_url": "https://cdn.test/v.mp4",
            "share_to_feed": "true",
            "trial_params": '{"graduation_strategy": "SS_PERFORMANCE"}',
        }
    ]


@pytest.mark.parametrize(
    ("item", "fields"),
    [
        (image(), {"image_url": "https://cdn.test/a.jpg"}),
        (video(), {"video_url": "https://cdn.test/v.mp4"}),
    ],
)
def test_story(provider, httpserver, channel, item, fields):
    forms = []
    expect_quota(httpserver)
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    provider.publish(
        channel, PublishRequest("p", "", media=[item], settings={"post_type": "story"})
    )
    assert forms == [{"media_type": "STORIES", **fields}]


def test_first_comment_goes_on_the_published_media(provider, httpserver, channel):
    forms = []
    httpserver.expect_ordered_request(
        f"/g/v24.0/{MEDIA}/comments", method="POST"
    ).respond_with_handler(recorder(forms, "comment"))
    root = RemoteRef(MEDIA, PERMALINK)
    result = provider.publish(channel, PublishRequest("c", "First comment", root=root))
    assert forms == [{"message": "First comment"}]
    assert (result.ref.id, result.ref.url) == ("17858893269000001", PERMALINK)


def test_container_error_rejects_with_metas_reason_and_never_publishes(
    provider, httpserver, channel
):
    expect_quota(httpserver)
    expect_container(httpserver, [])
    expect_status(httpserver, "status_error")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[video()]))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "Unsupported video format" in caught.value.user_message
    assert commits(httpserver) == []


def test_an_expired_container_is_replaced_by_a_new_one_and_published(provider, httpserver, channel):
    forms, published = [], []
    expect_status(httpserver, "status_expired")
    expect_quota(httpserver)
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, published)
    expect_permalink(httpserver)
    request = PublishRequest(
        "p", "x", media=[image()], progress={"container": CONTAINER, "children": ["c0"]}
    )
    result = provider.publish(channel, request)
    # The expired container was never published; the new one was, once.
    assert forms == [{"caption": "x", "image_url": "https://cdn.test/a.jpg"}]
    assert published == [{"creation_id": CONTAINER}]
    assert result.ref.id == MEDIA
    assert "children" not in request.progress


# -- a reel Instagram processes for longer than publish waits --------------------------------
def reel_request():
    return PublishRequest("p", "Clip", media=[video()], settings={"post_type": "post"})


def test_a_reel_still_processing_after_the_short_wait_is_handed_back_pending(
    provider, httpserver, channel
):
    provider.poll_attempts = 3
    forms = []
    expect_quota(httpserver)
    expect_container(httpserver, forms)
    for _ in range(3):
        expect_status(httpserver, "status_in_progress")
    saved = []
    request = reel_request()
    request.checkpoint = lambda progress: saved.append(dict(progress))
    marked = []
    request.on_commit = lambda progress: marked.append(dict(progress))

    result = provider.send(channel, request)

    assert result.state == "pending" and result.handle == CONTAINER
    assert request.progress["container"] == CONTAINER
    assert saved == [{"container": CONTAINER}]  # kept before the wait
    assert marked == [] and commits(httpserver) == []  # nothing published


def test_check_status_polls_the_container_and_never_publishes(provider, httpserver, channel):
    expect_status(httpserver, "status_in_progress")
    expect_status(httpserver, "status_finished")
    expect_status(httpserver, "status_expired")
    expect_status(httpserver, "status_published")
    assert provider.check_status(channel, CONTAINER) is None
    for _ in range(3):
        # FINISHED, EXPIRED, PUBLISHED: publish goes on (commits, remakes, or finds it).
        result = provider.check_status(channel, CONTAINER)
        assert result.state == "ready" and result.handle == CONTAINER
    assert commits(httpserver) == []


def test_a_container_instagram_could_not_process_is_its_verdict_with_its_words(
    provider, httpserver, channel
):
    expect_status(httpserver, "status_error")
    with pytest.raises(ProviderError) as caught:
        provider.check_status(channel, CONTAINER)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED and caught.value.verdict
    assert "2207026: Unsupported video format" in caught.value.user_message


def test_a_ready_container_resumes_and_is_published_once(provider, httpserver, channel):
    published = []
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, published)
    expect_permalink(httpserver)
    request = reel_request()
    request.progress["container"] = CONTAINER
    marked = []
    request.on_commit = lambda progress: marked.append(len(published))
    result = provider.send(channel, request)
    assert published == [{"creation_id": CONTAINER}]
    assert marked == [0]  # the commit was marked right before media_publish
    assert result.ref == RemoteRef(id=MEDIA, url=PERMALINK)


def test_the_daily_limit_used_up_waits_without_making_a_container(provider, httpserver, channel):
    expect_quota(httpserver, "publishing_limit_reached")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image()]))
    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert caught.value.retry_after == 3600
    assert "50 of its 50" in caught.value.user_message
    assert not any(r.method == "POST" for r, _ in httpserver.log)


def test_the_publishing_limit_tool(provider, httpserver, channel):
    expect_quota(httpserver)
    assert provider.run_tool(channel, "publishing_limit", {}) == {
        "used": 2,
        "limit": 50,
        "windowHours": 24,
    }


def test_media_not_ready_on_publish_is_retried_with_the_same_container(
    provider, httpserver, channel
):
    expect_status(httpserver, "status_finished")
    httpserver.expect_ordered_request(
        f"/g/v24.0/{IG}/media_publish", method="POST"
    ).respond_with_response(fixture_response(HERE, "not_ready_9007"))
    request = PublishRequest("p", "x", media=[image()], progress={"container": CONTAINER})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    expect_status(httpserver, "status_finished")
    published = []
    expect_commit(httpserver, published)
    expect_permalink(httpserver)
    assert provider.publish(channel, request).ref.id == MEDIA
    assert published == [{"creation_id": CONTAINER}]


def test_a_retry_after_the_container_was_published_does_not_publish_again(
    provider, httpserver, channel
):
    expect_status(httpserver, "status_published")
    with pytest.raises(ProviderError) as caught:
        provider.publish(
            channel, PublishRequest("p", "x", media=[image()], progress={"container": CONTAINER})
        )
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert commits(httpserver) == []


def test_standalone_publishes_on_graph_instagram_and_renews_an_expired_token(
    standalone, httpserver, channel
):
    expect_status(httpserver, "status_finished", base="/ig")
    httpserver.expect_ordered_request(
        f"/ig/v24.0/{IG}/media_publish", method="POST"
    ).respond_with_response(fixture_response(HERE, "expired_190"))
    request = PublishRequest("p", "x", media=[image()], progress={"container": CONTAINER})
    with pytest.raises(ProviderError) as caught:
        standalone.publish(channel, request)
    # The engine refreshes once (ig_refresh_token) and publishes the same container again.
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED
    expect_status(httpserver, "status_finished", base="/ig")
    expect_commit(httpserver, [], base="/ig")
    expect_permalink(httpserver, base="/ig")
    assert standalone.publish(channel, request).ref.id == MEDIA


# -- unknown outcomes --------------------------------------------------------------------
HANDLERS = pytest.mark.parametrize(
    "handler",
    [
        slow_handler(lambda _: fixture_response(HERE, "published"), 0.8),
        lambda r: fixture_response(HERE, "bad_gateway"),
        dropped_handler(b'{"id": "1792', length=40),
    ],
    ids=["read-timeout", "502", "connection-closed"],
)


def unclear_commit(provider, httpserver, channel, handler, text="Launch  day is here"):
    provider.timeout = (1, 0.5)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [], handler)
    request = PublishRequest("p", text, media=[image()], progress={"container": CONTAINER})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    return request


@HANDLERS
def test_unclear_publish_with_a_published_container_adopts_the_post(
    provider, httpserver, channel, handler
):
    request = unclear_commit(provider, httpserver, channel, handler)
    expect_status(httpserver, "status_published")
    httpserver.expect_ordered_request(
        f"/g/v24.0/{IG}/media",
        method="GET",
        query_string={"fields": "id,caption,timestamp,permalink", "limit": "25"},
    ).respond_with_response(fixture_response(HERE, "recent_media"))
    found = provider.find_existing(channel, request)
    assert (found.id, found.url) == (MEDIA, PERMALINK)
    assert len(commits(httpserver)) == 1


@HANDLERS
def test_unclear_publish_with_an_unpublished_container_is_safe_to_publish_again(
    provider, httpserver, channel, handler
):
    request = unclear_commit(provider, httpserver, channel, handler)
    expect_status(httpserver, "status_finished")
    assert provider.find_existing(channel, request) is None
    # The engine publishes again: the very same container, which publishes only once.
    expect_status(httpserver, "status_finished")
    published = []
    expect_commit(httpserver, published)
    expect_permalink(httpserver)
    provider.timeout = (5, 30)
    assert provider.publish(channel, request).ref.id == MEDIA
    assert published == [{"creation_id": CONTAINER}]


@HANDLERS
def test_a_published_container_whose_post_is_not_listed_is_never_published_again(
    provider, httpserver, channel, handler
):
    request = unclear_commit(provider, httpserver, channel, handler)
    expect_status(httpserver, "status_published")
    httpserver.expect_ordered_request(f"/g/v24.0/{IG}/media").respond_with_response(
        fixture_response(HERE, "recent_media_other")
    )
    with pytest.raises(ProviderError) as caught:
        provider.find_existing(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert "check the account" in caught.value.user_message
    assert len(commits(httpserver)) == 1


@pytest.mark.parametrize(("listing", "found"), [("comments_list", True), ("comments_empty", False)])
def test_an_unclear_comment_is_looked_up_and_never_blindly_repeated(
    provider, httpserver, channel, listing, found
):
    httpserver.expect_ordered_request(
        f"/g/v24.0/{MEDIA}/comments", method="POST"
    ).respond_with_response(fixture_response(HERE, "bad_gateway"))
    request = PublishRequest("c", "First comment", root=RemoteRef(MEDIA))
    with pytest.raises(ProviderError):
        provider.publish(channel, request)
    httpserver.expect_ordered_request(
        f"/g/v24.0/{MEDIA}/comments", method="GET"
    ).respond_with_response(fixture_response(HERE, listing))
    if found:
        assert provider.find_existing(channel, request).id == "17858893269000001"
    else:
        with pytest.raises(ProviderError) as caught:
            provider.find_existing(channel, request)
        assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_no_token_in_any_log_record(provider, httpserver, channel, captured_logs):
    expect_quota(httpserver)
    expect_container(httpserver, [])
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    provider.publish(channel, PublishRequest("p", "x", media=[image()]))
    assert any("media_publish" in r.getMessage() for r in captured_logs.records)
    assert_no_secret(captured_logs, TOKEN)
