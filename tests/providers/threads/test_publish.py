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
from tests.providers.conftest import dropped_handler, fixture_response, slow_handler
from tests.providers.threads.conftest import HERE

TOKEN = "THAA-secret-long-lived-token"
USER = "1234567890"
CONTAINER = "17889615691921648"
POST = "18012345678901234"
PERMALINK = "https://www.threads.com/@threadsapitestuser/post/DAbc123xyz"


@pytest.fixture
def channel():
    return Channel(USER, {"access_token": TOKEN}, username="threadsapitestuser")


def image(url="https://cdn.test/a.jpg", alt=""):
    return MediaItem("image/jpeg", 10, lambda: b"", filename="a.jpg", public_url=url, alt_text=alt)


def video(url="https://cdn.test/v.mp4"):
    return MediaItem("video/mp4", 10, lambda: b"", filename="v.mp4", public_url=url)


def form_recorder(store, name):
    def handler(request):
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        store.append(request.form.to_dict())
        return fixture_response(HERE, name)

    return handler


def expect_status(httpserver, name, container=CONTAINER):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{container}",
        method="GET",
        query_string={"fields": "status,error_message"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).respond_with_response(fixture_response(HERE, name))


def expect_commit(httpserver, forms, handler=None):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads_publish", method="POST"
    ).respond_with_handler(handler or form_recorder(forms, "published"))


def expect_permalink(httpserver, name="permalink"):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{POST}",
        method="GET",
        query_string={"fields": "permalink"},
    ).respond_with_response(fixture_response(HERE, name))


def test_text_post(provider, httpserver, channel):
    containers, commits = [], []
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_handler(form_recorder(containers, "container"))
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, commits)
    expect_permalink(httpserver)
    request = PublishRequest("p1", "Hello Threads")
    result = provider.publish(channel, request)
    assert containers == [{"text": "Hello Threads", "media_type": "TEXT"}]
    assert commits == [{"creation_id": CONTAINER}]
    assert request.progress["container"] == CONTAINER
    assert (result.ref.id, result.ref.url) == (POST, PERMALINK)


def test_reply_names_the_previous_item(provider, httpserver, channel):
    containers = []
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_handler(form_recorder(containers, "container"))
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    provider.publish(
        channel,
        PublishRequest(
            "p2", "second", reply_to=RemoteRef("18000000000000001"), root=RemoteRef("1")
        ),
    )
    assert containers[0]["reply_to_id"] == "18000000000000001"


def test_image_post_passes_the_public_url(provider, httpserver, channel):
    containers = []
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_handler(form_recorder(containers, "container"))
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    provider.publish(channel, PublishRequest("p", "pic", media=[image(alt="A cat")]))
    assert containers == [
        {
            "text": "pic",
            "media_type": "IMAGE",
            "image_url": "https://cdn.test/a.jpg",
            "alt_text": "A cat",
        }
    ]


def test_video_waits_until_the_container_is_finished(provider, httpserver, channel):
    containers = []
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_handler(form_recorder(containers, "container"))
    expect_status(httpserver, "status_in_progress")
    expect_status(httpserver, "status_in_progress")
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    provider.publish(channel, PublishRequest("p", "clip", media=[video()]))
    assert containers[0]["media_type"] == "VIDEO"
    assert containers[0]["video_url"] == "https://cdn.test/v.mp4"


def test_carousel_creates_children_then_the_carousel(provider, httpserver, channel):
    forms = []
    for index in range(2):
        httpserver.expect_ordered_request(
            f"/g/v1.0/{USER}/threads", method="POST"
        ).respond_with_handler(
            lambda r, i=index: (forms.append(r.form.to_dict()), Response(f'{{"id": "c{i}"}}'))[1]
        )
    expect_status(httpserver, "status_finished", "c0")
    expect_status(httpserver, "status_finished", "c1")
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_handler(form_recorder(forms, "container"))
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    request = PublishRequest("p", "two", media=[image("https://cdn.test/1.jpg"), video()])
    provider.publish(channel, request)
    assert forms == [
        {
            "is_carousel_item": "true",
            "media_type": "IMAGE",
            "image_url": "https://cdn.test/1.jpg",
        },
        {
            "is_carousel_item": "true",
            "media_type": "VIDEO",
            "video_url": "https://cdn.test/v.mp4",
        },
        {"text": "two", "media_type": "CAROUSEL", "children": "c0,c1"},
    ]
    assert request.progress["children"] == ["c0", "c1"]


def test_container_error_rejects_with_the_reason(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_response(fixture_response(HERE, "container"))
    expect_status(httpserver, "status_error")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "clip", media=[video()]))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "Unsupported media format" in caught.value.user_message
    assert not any(r.path.endswith("threads_publish") for r, _ in httpserver.log)


def test_slow_processing_is_resumed_with_the_same_container(provider, httpserver, channel):
    provider.poll_attempts = 2
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_response(fixture_response(HERE, "container"))
    expect_status(httpserver, "status_in_progress")
    expect_status(httpserver, "status_in_progress")
    request = PublishRequest("p", "clip", media=[video()])
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert request.progress["container"] == CONTAINER
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    assert provider.publish(channel, request).ref.id == POST
    assert len([r for r, _ in httpserver.log if r.path == f"/g/v1.0/{USER}/threads"]) == 1


def test_expired_container_is_dropped_so_a_retry_prepares_a_new_one(provider, httpserver, channel):
    expect_status(httpserver, "status_expired")
    request = PublishRequest("p", "x", progress={"container": CONTAINER})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert "container" not in request.progress


def test_permalink_failure_does_not_fail_the_post(provider, httpserver, channel):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_response(fixture_response(HERE, "container"))
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver, "transient_2")
    result = provider.publish(channel, PublishRequest("p", "x"))
    assert (result.ref.id, result.ref.url) == (POST, "")


def test_media_without_public_url_is_rejected_before_any_call(provider, httpserver, channel):
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", media=[image(url="")]))
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert httpserver.log == []


def test_expired_token_on_commit(provider, httpserver, channel):
    expect_status(httpserver, "status_finished")
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads_publish", method="POST"
    ).respond_with_response(fixture_response(HERE, "expired_190"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", progress={"container": CONTAINER}))
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


# -- unknown outcomes -------------------------------------------------------------------
dropping = dropped_handler(b'{"id": "18', length=40)
slow = slow_handler(lambda _: fixture_response(HERE, "published"), 0.8)


HANDLERS = pytest.mark.parametrize(
    "handler",
    [slow, lambda r: fixture_response(HERE, "bad_gateway"), dropping],
    ids=["read-timeout", "502", "connection-closed"],
)


@HANDLERS
def test_unknown_commit_checks_the_container_and_adopts_the_post(
    provider, httpserver, channel, handler
):
    provider.timeout = (1, 0.5)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [], handler)
    request = PublishRequest("p", "Launch  day is here", progress={"container": CONTAINER})
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    # Reconcile: the container says PUBLISHED, so the post is found among recent threads.
    expect_status(httpserver, "status_published")
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads",
        method="GET",
        query_string={
            "fields": "id,text,timestamp,permalink",
            "limit": "25",
        },
    ).respond_with_response(fixture_response(HERE, "user_threads"))
    found = provider.find_existing(channel, request)
    assert (found.id, found.url) == (POST, PERMALINK)
    commits = [r for r, _ in httpserver.log if r.path.endswith("threads_publish")]
    assert len(commits) == 1


@HANDLERS
def test_unknown_commit_with_unpublished_container_is_safe_to_commit_again(
    provider, httpserver, channel, handler
):
    provider.timeout = (1, 0.5)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [], handler)
    request = PublishRequest("p", "x", progress={"container": CONTAINER})
    with pytest.raises(ProviderError):
        provider.publish(channel, request)
    expect_status(httpserver, "status_finished")
    assert provider.find_existing(channel, request) is None


def test_a_retry_after_the_container_was_published_does_not_commit_again(
    provider, httpserver, channel
):
    expect_status(httpserver, "status_published")
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, PublishRequest("p", "x", progress={"container": CONTAINER}))
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert not any(r.path.endswith("threads_publish") for r, _ in httpserver.log)


def test_no_token_in_any_log_record(provider, httpserver, channel, captured_logs):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_response(fixture_response(HERE, "container"))
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, [])
    expect_permalink(httpserver)
    provider.publish(channel, PublishRequest("p", "x"))
    text = "\n".join(r.getMessage() for r in captured_logs.records)
    assert "threads_publish" in text
    assert TOKEN not in text


def test_token_endpoints_keep_secrets_out_of_every_log_line(provider, httpserver, captured_logs):
    # Meta documents these two calls with the token and app secret in the query string; our
    # log line names the path only, and urllib3 (which prints queries) stays above DEBUG.
    httpserver.expect_ordered_request("/g/oauth/access_token").respond_with_response(
        fixture_response(HERE, "token_short")
    )
    httpserver.expect_ordered_request("/g/access_token").respond_with_response(
        fixture_response(HERE, "token_long")
    )
    httpserver.expect_ordered_request("/g/refresh_access_token").respond_with_response(
        fixture_response(HERE, "token_refreshed")
    )
    provider.exchange_code(code="c", redirect_uri="r")
    provider.refresh(Channel(USER, {"access_token": TOKEN}))
    ours = [r.getMessage() for r in captured_logs.records if r.name.startswith("postiz")]
    assert len(ours) == 3
    # werkzeug is the fake network's own access log of what it received.
    lines = [r.getMessage() for r in captured_logs.records if r.name != "werkzeug"]
    for secret in (TOKEN, "THQVJ-short-secret", "THAA-long-secret", "threads-app-secret"):
        assert not any(secret in line for line in lines)
