"""The closing reply (``thread_finisher``): one more reply after a thread's last item."""

import json

import pytest
from werkzeug import Response

from integrations.providers.base import (
    Channel,
    ErrorKind,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from tests.providers.conftest import fixture_response, slow_handler
from tests.providers.threads.conftest import HERE
from tests.providers.threads.test_publish import (
    CONTAINER,
    PERMALINK,
    POST,
    TOKEN,
    USER,
    expect_permalink,
    expect_status,
)

CLOSING_CONTAINER = "17889615691929999"
CLOSING_POST = "18012345678909999"
FINISHER = {"active_thread_finisher": True, "thread_finisher": "Thanks for reading"}
CLOSING_FORM = {"text": "Thanks for reading", "reply_to_id": POST, "media_type": "TEXT"}


@pytest.fixture
def channel():
    return Channel(USER, {"access_token": TOKEN}, username="threadsapitestuser")


def graph(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def expect_container(httpserver, forms, container=CONTAINER, respond=None):
    def handler(request):
        forms.append(request.form.to_dict())
        return respond(request) if respond else graph({"id": container})

    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="POST"
    ).respond_with_handler(handler)


def expect_commit(httpserver, commits, post=POST, respond=None):
    def handler(request):
        commits.append(request.form["creation_id"])
        return respond(request) if respond else graph({"id": post})

    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads_publish", method="POST"
    ).respond_with_handler(handler)


def expect_closing_status(httpserver, status="FINISHED"):
    httpserver.expect_ordered_request(
        f"/g/v1.0/{CLOSING_CONTAINER}",
        method="GET",
        query_string={"fields": "status,error_message"},
    ).respond_with_response(graph({"status": status, "id": CLOSING_CONTAINER}))


def expect_item(httpserver, forms, commits):
    """The item itself: its container, ready, committed, its link read."""
    expect_container(httpserver, forms)
    expect_status(httpserver, "status_finished")
    expect_commit(httpserver, commits)
    expect_permalink(httpserver)


def last_item(**settings) -> PublishRequest:
    return PublishRequest(
        "p2", "Launch day is here", settings={**FINISHER, **settings}, ends_thread=True
    )


def test_the_last_item_is_followed_by_the_closing_reply_to_it(provider, httpserver, channel):
    forms, commits = [], []
    expect_item(httpserver, forms, commits)
    expect_container(httpserver, forms, CLOSING_CONTAINER)
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, CLOSING_POST)

    result = provider.publish(channel, last_item())

    assert forms == [{"text": "Launch day is here", "media_type": "TEXT"}, CLOSING_FORM]
    assert commits == [CONTAINER, CLOSING_CONTAINER]
    # The post is the item; the closing reply is only noted beside it.
    assert (result.ref.id, result.ref.url) == (POST, PERMALINK)
    assert result.raw["closing_reply"] == CLOSING_POST


@pytest.mark.parametrize(
    "request_",
    [
        PublishRequest("p1", "Launch day is here", settings=FINISHER),  # not the last item
        last_item(active_thread_finisher=False),
        last_item(thread_finisher="   "),
    ],
    ids=["earlier-item", "switched-off", "blank"],
)
def test_no_closing_reply_unless_the_item_ends_the_thread_with_one_switched_on(
    provider, httpserver, channel, request_
):
    forms, commits = [], []
    expect_item(httpserver, forms, commits)

    provider.publish(channel, request_)

    assert commits == [CONTAINER]
    assert [form.get("reply_to_id") for form in forms] == [None]


def test_a_blip_on_the_closing_reply_is_retried_without_posting_the_item_again(
    provider, httpserver, channel
):
    forms, commits = [], []
    expect_item(httpserver, forms, commits)
    expect_container(httpserver, forms, respond=lambda r: fixture_response(HERE, "transient_2"))
    request = last_item()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND

    # The retry: only the closing reply goes out, still replying to the live item.
    expect_container(httpserver, forms, CLOSING_CONTAINER)
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, CLOSING_POST)
    result = provider.publish(channel, request)

    assert forms[1:] == [CLOSING_FORM, CLOSING_FORM]
    assert commits == [CONTAINER, CLOSING_CONTAINER]
    assert (result.ref.id, result.raw["closing_reply"]) == (POST, CLOSING_POST)


def test_a_closing_reply_that_keeps_failing_is_given_up_and_the_thread_stays_published(
    provider, httpserver, channel
):
    forms, commits = [], []
    expect_item(httpserver, forms, commits)
    blip = lambda r: fixture_response(HERE, "transient_2")  # noqa: E731
    expect_container(httpserver, forms, respond=blip)
    request = last_item()
    with pytest.raises(ProviderError):
        provider.publish(channel, request)
    expect_container(httpserver, forms, respond=blip)

    result = provider.publish(channel, request)

    assert result.ref.id == POST
    assert "temporary problem" in result.raw["closing_reply_error"]
    assert commits == [CONTAINER]
    # Settled: a later look-up adopts the item without calling the network.
    httpserver.clear_log()
    assert provider.find_existing(channel, request) == RemoteRef(POST, PERMALINK)
    assert httpserver.log == []


def test_a_refused_closing_reply_does_not_fail_the_live_thread(provider, httpserver, channel):
    forms, commits = [], []
    expect_item(httpserver, forms, commits)
    expect_container(httpserver, forms, CLOSING_CONTAINER)
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, respond=lambda r: fixture_response(HERE, "duplicate_506"))

    result = provider.publish(channel, last_item())

    assert result.ref.id == POST
    assert "duplicate" in result.raw["closing_reply_error"]


def test_an_unclear_closing_reply_is_checked_on_its_container_not_sent_twice(
    provider, httpserver, channel
):
    provider.timeout = (1, 0.5)
    forms, commits = [], []
    expect_item(httpserver, forms, commits)
    expect_container(httpserver, forms, CLOSING_CONTAINER)
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, respond=slow_handler(lambda r: graph({"id": CLOSING_POST})))
    request = last_item()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    # The engine looks before sending again: the reply's container was published.
    provider.timeout = (5, 5)  # only the commit had to outlive the short wait
    expect_closing_status(httpserver, "PUBLISHED")
    assert provider.find_existing(channel, request) == RemoteRef(POST, PERMALINK)
    assert commits == [CONTAINER, CLOSING_CONTAINER]


def test_an_unclear_closing_reply_not_yet_published_is_committed_again_alone(
    provider, httpserver, channel
):
    provider.timeout = (1, 0.5)
    forms, commits = [], []
    expect_item(httpserver, forms, commits)
    expect_container(httpserver, forms, CLOSING_CONTAINER)
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, respond=lambda r: fixture_response(HERE, "bad_gateway"))
    request = last_item()
    with pytest.raises(ProviderError):
        provider.publish(channel, request)

    provider.timeout = (5, 5)
    expect_closing_status(httpserver)
    assert provider.find_existing(channel, request) is None
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, CLOSING_POST)
    result = provider.publish(channel, request)

    assert commits == [CONTAINER, CLOSING_CONTAINER, CLOSING_CONTAINER]
    assert len(forms) == 2  # neither the item nor the reply was prepared twice
    assert result.raw["closing_reply"] == CLOSING_POST


def test_an_item_found_live_after_an_unclear_commit_still_gets_its_closing_reply(
    provider, httpserver, channel
):
    expect_status(httpserver, "status_published")
    httpserver.expect_ordered_request(
        f"/g/v1.0/{USER}/threads", method="GET"
    ).respond_with_response(fixture_response(HERE, "user_threads"))
    request = last_item()
    request.progress["container"] = CONTAINER

    # Found, but not finished: the engine sends again, and only the reply goes out.
    assert provider.find_existing(channel, request) is None
    forms, commits = [], []
    expect_container(httpserver, forms, CLOSING_CONTAINER)
    expect_closing_status(httpserver)
    expect_commit(httpserver, commits, CLOSING_POST)
    result = provider.publish(channel, request)

    assert forms == [CLOSING_FORM]
    assert commits == [CLOSING_CONTAINER]
    assert (result.ref.id, result.ref.url) == (POST, PERMALINK)
