"""A video post: service token, upload to the video service, job polling, then the record."""

import json
import time

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest
from integrations.providers.bluesky import BlueskyProvider
from tests.providers.conftest import point
from tests.providers.streaming import streamed_only

from .support import DID, Recorder, channel, respond

ACCESS = "eyJhY2Nlc3M.eyJvbGQ.c2ln"
SERVICE_TOKEN = "eyJzZXJ2aWNl.eyJ1cGxvYWQ.c2ln"
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 4000
JOB = "f5b1b3c6-0b3a-4c8e-9c3e-3d6e1c0f7a21"
BLOB = {
    "$type": "blob",
    "ref": {"$link": "bafkreihzqcd6yvlyq5yhpwkrzvbxl2zqv4pbgacomgdmcw7wcmtdmpfsqi"},
    "mimeType": "video/mp4",
    "size": 3872,
}


def job(state, **extra):
    return {"jobId": JOB, "did": DID, "state": state, **extra}


def answer(body, status=200):
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def provider(settings, httpserver):
    point(settings, httpserver, "bluesky", video="/video")
    p = BlueskyProvider()
    p.video_poll_interval = 0
    return p


@pytest.fixture
def pds(httpserver):
    return httpserver.url_for("").rstrip("/")


def clip(**kwargs):
    defaults = {"width": 1080, "height": 1920, "alt_text": "A dog surfing", "duration": 12.0}
    # read() fails the test: the video service gets the file streamed, never read whole.
    return streamed_only(MP4, filename="surf.mp4", **{**defaults, **kwargs})


def post(**kwargs):
    return PublishRequest(post_id="post-1", text="Watch this", media=[clip()], **kwargs)


def created(request):
    return respond("create_record", rkey=request.get_json()["rkey"])


def expect_flow(httpserver, *polls):
    auth = Recorder(answer({"token": SERVICE_TOKEN}))
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.getServiceAuth", method="GET"
    ).respond_with_handler(auth)
    upload = Recorder(answer(job("JOB_STATE_CREATED")))
    httpserver.expect_ordered_request(
        "/video/xrpc/app.bsky.video.uploadVideo", method="POST"
    ).respond_with_handler(upload)
    status = Recorder(*polls)
    for _ in polls:
        httpserver.expect_ordered_request(
            "/video/xrpc/app.bsky.video.getJobStatus", method="GET"
        ).respond_with_handler(status)
    return auth, upload, status


def test_a_video_is_processed_by_the_video_service_then_embedded(provider, httpserver, pds):
    auth, upload, status = expect_flow(
        httpserver,
        answer({"jobStatus": job("JOB_STATE_ENCODING", progress=40)}),
        answer({"jobStatus": job("JOB_STATE_COMPLETED", blob=BLOB)}),
    )
    commit = Recorder(created)
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.repo.createRecord", method="POST"
    ).respond_with_handler(commit)
    request = post()
    before = int(time.time())

    provider.publish(channel(pds), request)

    httpserver.check_assertions()
    # 1. A service token for the PDS, allowed to upload blobs, for 30 minutes.
    [call] = auth.calls
    assert call["headers"]["Authorization"] == f"Bearer {ACCESS}"
    port = pds.rsplit(":", 1)[1]
    assert call["args"]["aud"] == f"did:web:127.0.0.1%3A{port}"
    assert call["args"]["lxm"] == "com.atproto.repo.uploadBlob"
    assert before + 1800 <= int(call["args"]["exp"]) <= int(time.time()) + 1800
    # 2. The raw bytes to the video service, named, for our DID, with the service token.
    [call] = upload.calls
    assert call["args"] == {"did": DID, "name": "surf.mp4"}
    assert call["headers"]["Authorization"] == f"Bearer {SERVICE_TOKEN}"
    assert call["headers"]["Content-Type"] == "video/mp4"
    assert call["data"] == MP4
    # 3. The job, polled until it holds the blob (no sign-in needed there).
    assert [c["args"] for c in status.calls] == [{"jobId": JOB}, {"jobId": JOB}]
    assert "Authorization" not in status.calls[0]["headers"]
    # 4. The record embeds the blob.
    assert commit.calls[0]["json"]["record"]["embed"] == {
        "$type": "app.bsky.embed.video",
        "video": BLOB,
        "alt": "A dog surfing",
        "aspectRatio": {"width": 1080, "height": 1920},
    }
    assert request.progress["video_blob"] == BLOB
    assert request.progress["video_job"] == JOB


def test_a_retry_after_a_failed_commit_reuses_the_blob(provider, httpserver, pds):
    expect_flow(httpserver, answer({"jobStatus": job("JOB_STATE_COMPLETED", blob=BLOB)}))
    commit = Recorder(respond("rate_limited"), created)
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(commit)
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.RATE_LIMITED

    BlueskyProvider().publish(channel(pds), request)  # another worker, same progress

    httpserver.check_assertions()  # one token, one upload, one poll: nothing sent again
    embeds = [c["json"]["record"]["embed"]["video"] for c in commit.calls]
    assert embeds == [BLOB, BLOB]


def test_a_job_still_processing_is_retried_from_the_same_job(provider, httpserver, pds):
    provider.video_poll_attempts = 2
    encoding = answer({"jobStatus": job("JOB_STATE_ENCODING", progress=10)})
    expect_flow(httpserver, encoding, encoding)
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert request.progress["video_job"] == JOB
    assert "video_blob" not in request.progress
    httpserver.check_assertions()

    httpserver.clear()
    status = Recorder(answer({"jobStatus": job("JOB_STATE_COMPLETED", blob=BLOB)}))
    httpserver.expect_ordered_request(
        "/video/xrpc/app.bsky.video.getJobStatus"
    ).respond_with_handler(status)
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    provider.publish(channel(pds), request)
    httpserver.check_assertions()  # no second token, no second upload
    assert commit.calls[0]["json"]["record"]["embed"]["video"] == BLOB


def test_a_failed_job_is_content_rejected_with_the_jobs_message(provider, httpserver, pds):
    failed = job(
        "JOB_STATE_FAILED",
        error="Video is too long",
        failureCode="validation_failure",
        message="Video is too long; videos can be up to 3 minutes",
    )
    expect_flow(httpserver, answer({"jobStatus": failed}))
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert "Video is too long; videos can be up to 3 minutes" in caught.value.user_message
    assert caught.value.network_code == "validation_failure"
    assert caught.value.field == "media"
    assert "video_job" not in request.progress  # once edited, the video goes up afresh
    httpserver.check_assertions()  # and nothing was committed


def test_a_video_processed_before_is_used_from_the_already_exists_answer(provider, httpserver, pds):
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.getServiceAuth"
    ).respond_with_response(answer({"token": SERVICE_TOKEN}))
    httpserver.expect_ordered_request(
        "/video/xrpc/app.bsky.video.uploadVideo"
    ).respond_with_response(
        answer(
            job("JOB_STATE_COMPLETED", blob=BLOB, error="already_exists", message="exists"),
            409,
        )
    )
    commit = Recorder(created)
    httpserver.expect_ordered_request("/xrpc/com.atproto.repo.createRecord").respond_with_handler(
        commit
    )
    provider.publish(channel(pds), post())
    httpserver.check_assertions()
    assert commit.calls[0]["json"]["record"]["embed"]["video"] == BLOB


def test_an_expired_session_while_asking_for_the_service_token_asks_for_a_refresh(
    provider, httpserver, pds
):
    httpserver.expect_request("/xrpc/com.atproto.server.getServiceAuth").respond_with_response(
        respond("expired_token")
    )
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), post())
    assert caught.value.kind == ErrorKind.AUTH_EXPIRED


def test_a_video_service_outage_is_transient_before_send(provider, httpserver, pds):
    httpserver.expect_ordered_request(
        "/xrpc/com.atproto.server.getServiceAuth"
    ).respond_with_response(answer({"token": SERVICE_TOKEN}))
    httpserver.expect_ordered_request(
        "/video/xrpc/app.bsky.video.uploadVideo"
    ).respond_with_response(respond("bad_gateway"))
    request = post()
    with pytest.raises(ProviderError) as caught:
        provider.publish(channel(pds), request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert "video_job" not in request.progress
