"""Sending a listmonk campaign against a local fake, and settling unclear answers."""

import json

import pytest

from integrations.providers.base import (
    ErrorKind,
    MediaItem,
    ProviderError,
    PublishRequest,
    RemoteRef,
)
from integrations.providers.listmonk import ListmonkProvider
from tests.providers.conftest import assert_no_secret, drain, slow_handler
from tests.providers.listmonk.support import AUTH, TOKEN, listmonk_channel, reply

CAMPAIGNS = "/api/campaigns"
STATUS = "/api/campaigns/42/status"


@pytest.fixture
def provider():
    return ListmonkProvider()


@pytest.fixture
def channel(httpserver):
    return listmonk_channel(httpserver.url_for("/").rstrip("/"))


def request_for(text="Launch day at Acme", media=(), **settings):
    return PublishRequest(
        post_id="p1",
        key="1d0b8e6a-2f4c-4b5a-9e3d-7c6f5a4b3e21",
        text=text,
        media=list(media),
        settings={"lists": "3, 5", "subject": "Launch day", **settings},
    )


def image():
    return MediaItem("image/png", 7, lambda: b"\x89PNG...", filename="lamp.png", alt_text="Lamp")


def sent(httpserver, method, path):
    return [r for r, _ in httpserver.log if r.method == method and r.path == path]


def test_a_campaign_is_created_then_started_and_links_to_listmonk(
    provider, httpserver, channel, captured_logs
):
    httpserver.expect_ordered_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("campaign_created")
    )
    httpserver.expect_ordered_request(STATUS, method="PUT").respond_with_response(
        reply("campaign_running")
    )
    request = request_for(from_email="Acme <news@acme.example>", template_id="1", tags=["launch"])
    result = provider.publish(channel, request)
    httpserver.check_assertions()
    [create] = sent(httpserver, "POST", CAMPAIGNS)
    assert create.headers["Authorization"] == AUTH
    assert json.loads(create.data) == {
        "name": "Launch day",
        "subject": "Launch day",
        "lists": [3, 5],
        "type": "regular",
        "content_type": "markdown",
        "body": "Launch day at Acme",
        "messenger": "email",
        "from_email": "Acme <news@acme.example>",
        "template_id": 1,
        "tags": ["launch"],
    }
    [start] = sent(httpserver, "PUT", STATUS)
    assert json.loads(start.data) == {"status": "running"}
    assert request.progress["listmonk_campaign"] == "42"
    assert result.ref.id == "42"
    assert result.ref.url == f"{channel.meta['url']}/admin/campaigns/42"
    assert result.ref.extra == {"status": "running"}
    assert_no_secret(captured_logs, TOKEN)


def test_a_scheduled_campaign_carries_its_send_time(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("campaign_created")
    )
    httpserver.expect_request(STATUS, method="PUT").respond_with_response(
        reply("campaign_scheduled")
    )
    provider.publish(
        channel,
        request_for(send="scheduled", send_at="2027-01-05T09:00:00+01:00", content_type="html"),
    )
    [create] = sent(httpserver, "POST", CAMPAIGNS)
    body = json.loads(create.data)
    assert body["send_at"] == "2027-01-05T09:00:00+01:00"
    assert body["content_type"] == "html"
    assert json.loads(sent(httpserver, "PUT", STATUS)[0].data) == {"status": "scheduled"}


def test_a_draft_campaign_is_created_and_never_started(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("campaign_created")
    )
    httpserver.expect_request("/api/campaigns/42", method="GET").respond_with_response(
        reply("campaign_created")
    )
    result = provider.publish(channel, request_for(send="draft"))
    assert sent(httpserver, "PUT", STATUS) == []
    assert result.ref.extra == {"status": "draft"}


def test_images_are_uploaded_once_and_placed_after_the_text(provider, httpserver, channel):
    httpserver.expect_request("/api/media", method="POST").respond_with_response(
        reply("media_uploaded")
    )
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("campaign_created")
    )
    httpserver.expect_request(STATUS, method="PUT").respond_with_response(reply("campaign_running"))
    request = request_for(media=[image()])
    provider.publish(channel, request)
    [upload] = sent(httpserver, "POST", "/api/media")
    assert upload.files["file"].filename == "lamp.png"
    body = json.loads(sent(httpserver, "POST", CAMPAIGNS)[0].data)["body"]
    assert body == "Launch day at Acme\n\n![Lamp](https://lists.acme.example/uploads/lamp.png)"
    assert request.progress["listmonk_images"] == [
        ["https://lists.acme.example/uploads/lamp.png", "Lamp"]
    ]


def test_a_campaign_created_before_is_started_not_created_again(provider, httpserver, channel):
    httpserver.expect_request(STATUS, method="PUT").respond_with_response(reply("campaign_running"))
    request = request_for()
    request.progress["listmonk_campaign"] = "42"
    provider.publish(channel, request)
    assert sent(httpserver, "POST", CAMPAIGNS) == []


def test_a_lost_answer_to_the_creation_is_safe_to_retry(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(reply("bad_gateway"))
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert sent(httpserver, "PUT", STATUS) == []


def test_a_creation_answered_without_an_id_is_safe_to_retry(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("campaign_no_id")
    )
    request = request_for()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert "listmonk_campaign" not in request.progress
    assert sent(httpserver, "PUT", STATUS) == []


def test_lists_without_subscribers_point_at_the_lists(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("no_subscribers")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request_for())
    assert (caught.value.kind, caught.value.field) == (ErrorKind.CONTENT_REJECTED, "lists")


def test_a_server_error_on_the_start_leaves_its_outcome_unknown(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="POST").respond_with_response(
        reply("campaign_created")
    )
    httpserver.expect_request(STATUS, method="PUT").respond_with_response(reply("bad_gateway"))
    request = request_for()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert request.progress["listmonk_campaign"] == "42"


def test_no_answer_to_the_start_leaves_its_outcome_unknown(provider, httpserver, channel):
    provider.timeout = (1, 0.5)
    request = request_for()
    request.progress["listmonk_campaign"] = "42"
    httpserver.expect_request(STATUS, method="PUT").respond_with_handler(
        slow_handler(lambda r: reply("campaign_running"))
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel, request)
    drain(httpserver)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_a_start_refused_because_it_already_started_is_adopted(provider, httpserver, channel):
    httpserver.expect_request(STATUS, method="PUT").respond_with_response(reply("already_started"))
    httpserver.expect_request("/api/campaigns/42", method="GET").respond_with_response(
        reply("campaign_running")
    )
    request = request_for()
    request.progress["listmonk_campaign"] = "42"
    result = provider.publish(channel, request)
    assert result.ref.id == "42" and result.ref.extra == {"status": "running"}


def test_after_an_unclear_start_a_running_campaign_is_found(provider, httpserver, channel):
    httpserver.expect_request("/api/campaigns/42", method="GET").respond_with_response(
        reply("campaign_running")
    )
    request = request_for()
    request.progress["listmonk_campaign"] = "42"
    assert provider.find_existing(channel, request).id == "42"


def test_after_an_unclear_start_a_campaign_still_in_draft_is_not_taken_as_sent(
    provider, httpserver, channel
):
    httpserver.expect_request("/api/campaigns/42", method="GET").respond_with_response(
        reply("campaign_created")
    )
    request = request_for()
    request.progress["listmonk_campaign"] = "42"
    assert provider.find_existing(channel, request) is None
    assert provider.find_existing(channel, request_for()) is None  # never created


def test_a_deleted_campaign_is_not_found(provider, httpserver, channel):
    httpserver.expect_request("/api/campaigns/42").respond_with_response(
        reply("campaign_not_found")
    )
    request = request_for()
    request.progress["listmonk_campaign"] = "42"
    assert provider.find_existing(channel, request) is None


def test_opens_and_clicks_are_read_from_the_campaign(provider, httpserver, channel):
    httpserver.expect_request("/api/campaigns/42").respond_with_response(reply("campaign_finished"))
    metrics = provider.post_metrics(channel, [RemoteRef("42")])
    assert metrics["42"].values == {"views": 655, "clicks": 87}


def test_release_ids_and_recent_campaigns_link_to_listmonk(provider, httpserver, channel):
    httpserver.expect_request(CAMPAIGNS, method="GET").respond_with_response(
        reply("campaigns_recent")
    )
    origin = channel.meta["url"]
    assert [r.id for r in provider.recent_posts(channel)] == ["42", "41"]
    ref = provider.ref_for_id(channel, f"{origin}/admin/campaigns/42")
    assert (ref.id, ref.url) == ("42", f"{origin}/admin/campaigns/42")
