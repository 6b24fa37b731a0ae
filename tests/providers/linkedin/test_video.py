"""Video posts: initializeUpload → PUT each byte range → finalizeUpload → poll → /rest/posts."""

import json

import pytest
from werkzeug import Response

from integrations.providers.base import ErrorKind, ProviderError, PublishRequest
from tests.providers.conftest import drain, fixture_response, slow_handler
from tests.providers.linkedin.conftest import HERE
from tests.providers.linkedin.test_publish import BASE_BODY, REST, SHARE
from tests.providers.streaming import streamed_only

VIDEO = "urn:li:video:C5F10AQGKQg_6y2a4sQ"
VIDEO_PATH = f"/b/rest/videos/{VIDEO}"
ENCODED_PATH = "/b/rest/videos/urn%3Ali%3Avideo%3AC5F10AQGKQg_6y2a4sQ"
# The fixture's two byte ranges: 0-4194303 and 4194304-6058952.
SIZE = 6058953
DATA = bytes(range(256)) * (SIZE // 256) + bytes(range(SIZE % 256))
ETAGS = ["/ambry-video/signedId/part-0-etag", "/ambry-video/signedId/part-1-etag"]


@pytest.fixture(autouse=True)
def no_wait(provider, page_provider):
    provider.video_poll_interval = 0
    page_provider.video_poll_interval = 0


def video(data=DATA):
    # read() fails the test and no read may exceed LinkedIn's 4 MB part: every test here
    # proves the video goes out one byte range at a time from the stored file.
    return streamed_only(data, filename="clip.mp4", largest=4 * 1024 * 1024)


def expect_initialize(httpserver, owner, size=SIZE, ranges=None):
    body = json.loads((HERE / "fixtures" / "video_initialize.json").read_text())["body"]
    instructions = body["value"]["uploadInstructions"]
    if ranges is not None:
        instructions[:] = [{"firstByte": a, "lastByte": b} for a, b in ranges]
    for index, instruction in enumerate(instructions):
        instruction["uploadUrl"] = httpserver.url_for(f"/up/{index}") + f"?ut=token{index}"
    httpserver.expect_ordered_request(
        "/b/rest/videos",
        method="POST",
        query_string={"action": "initializeUpload"},
        headers=REST,
        json={
            "initializeUploadRequest": {
                "owner": owner,
                "fileSizeBytes": size,
                "uploadCaptions": False,
                "uploadThumbnail": False,
            }
        },
    ).respond_with_json(body)


def expect_part(httpserver, index, puts, respond=None):
    def handler(request):
        puts.append(
            {
                "index": index,
                "query": request.args.get("ut"),
                "authorization": request.headers.get("Authorization"),
                "content_type": request.headers.get("Content-Type"),
                "length": int(request.headers.get("Content-Length", -1)),
                "body": request.get_data(),
            }
        )
        if respond is not None:
            return respond(request)
        return Response("", status=201, headers={"ETag": ETAGS[index]})

    httpserver.expect_ordered_request(f"/up/{index}", method="PUT").respond_with_handler(handler)


def expect_finalize(httpserver, etags=ETAGS):
    httpserver.expect_ordered_request(
        "/b/rest/videos",
        method="POST",
        query_string={"action": "finalizeUpload"},
        headers=REST,
        json={
            "finalizeUploadRequest": {
                "video": VIDEO,
                "uploadToken": "",
                "uploadedPartIds": list(etags),
            }
        },
    ).respond_with_data("", status=200)


def expect_status(httpserver, name, uris=None):
    def handler(request):
        if uris is not None:
            uris.append(request.environ["REQUEST_URI"])
        return fixture_response(HERE, name)

    httpserver.expect_ordered_request(VIDEO_PATH, method="GET", headers=REST).respond_with_handler(
        handler
    )


def expect_post(httpserver, bodies, respond=None):
    def handler(request):
        bodies.append(request.get_json())
        return respond(request) if respond else fixture_response(HERE, "post_created")

    httpserver.expect_ordered_request(
        "/b/rest/posts", method="POST", headers=REST
    ).respond_with_handler(handler)


def calls(httpserver, path, method="POST", action=None):
    return [
        r
        for r, _ in httpserver.log
        if r.path == path and r.method == method and (action is None or r.args["action"] == action)
    ]


# -- the whole flow -----------------------------------------------------------------------
def test_page_video_post_sends_every_step_exactly(page_provider, httpserver, page):
    puts, uris, bodies = [], [], []
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, puts)
    expect_part(httpserver, 1, puts)
    expect_finalize(httpserver)
    expect_status(httpserver, "video_processing", uris)
    expect_status(httpserver, "video_available", uris)
    expect_post(httpserver, bodies)
    request = PublishRequest(
        "p1", "Watch (this)", media=[video()], settings={"video_title": "Launch film"}
    )

    result = page_provider.publish(page, request)

    # Each part is its own byte range of the file, pre-signed: no token, raw bytes.
    assert [(p["index"], p["query"], p["length"]) for p in puts] == [
        (0, "token0", 4194304),
        (1, "token1", SIZE - 4194304),
    ]
    assert puts[0]["body"] == DATA[:4194304] and puts[1]["body"] == DATA[4194304:]
    assert {p["authorization"] for p in puts} == {None}
    assert {p["content_type"] for p in puts} == {"application/octet-stream"}
    # The URN is one percent-encoded path segment.
    assert uris == [ENCODED_PATH, ENCODED_PATH]
    assert bodies == [
        {
            "author": "urn:li:organization:2414183",
            "commentary": "Watch \\(this\\)",
            **BASE_BODY,
            "content": {"media": {"id": VIDEO, "title": "Launch film"}},
        }
    ]
    assert result.ref.id == SHARE
    assert request.progress["video"]["urn"] == VIDEO
    assert request.progress["video"]["etags"] == ETAGS
    assert request.progress["video"]["finalized"] is True
    assert request.progress["video"]["available"] is True


def test_member_video_in_one_part_without_title(provider, httpserver, member):
    data = b"\x00\x00\x00\x18ftypmp42" + b"v" * 100
    puts, bodies = [], []
    expect_initialize(
        httpserver, "urn:li:person:782bbtaQ", size=len(data), ranges=[(0, len(data) - 1)]
    )
    expect_part(httpserver, 0, puts)
    expect_finalize(httpserver, ETAGS[:1])
    expect_status(httpserver, "video_available")
    expect_post(httpserver, bodies)

    provider.publish(member, PublishRequest("p1", "clip", media=[video(data)]))

    assert [(p["length"], p["body"]) for p in puts] == [(len(data), data)]
    assert bodies[0]["content"] == {"media": {"id": VIDEO}}


# -- retries reuse the progress ---------------------------------------------------------------
def test_retry_after_unknown_commit_does_not_upload_the_video_again(
    page_provider, httpserver, page
):
    puts, bodies = [], []
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, puts)
    expect_part(httpserver, 1, puts)
    expect_finalize(httpserver)
    expect_status(httpserver, "video_available")
    expect_post(httpserver, bodies, lambda _: fixture_response(HERE, "bad_gateway"))
    expect_post(httpserver, bodies)
    request = PublishRequest("p1", "Watch", media=[video()])

    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, request)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert request.progress["video"]["available"] is True

    result = page_provider.publish(page, request)

    assert result.ref.id == SHARE
    assert len(calls(httpserver, "/b/rest/videos", action="initializeUpload")) == 1
    assert len(puts) == 2
    assert bodies[0] == bodies[1]
    assert bodies[1]["content"] == {"media": {"id": VIDEO}}


def test_saved_video_is_posted_without_any_upload_call(page_provider, httpserver, page):
    bodies = []
    expect_post(httpserver, bodies)
    request = PublishRequest(
        "p1",
        "Watch",
        media=[video(b"x" * 10)],
        progress={"video": {"urn": VIDEO, "size": 10, "finalized": True, "available": True}},
    )
    page_provider.publish(page, request)
    assert [r.path for r, _ in httpserver.log] == ["/b/rest/posts"]
    assert bodies[0]["content"] == {"media": {"id": VIDEO}}


def test_failed_part_is_transient_and_the_retry_resumes_at_that_part(
    page_provider, httpserver, page
):
    puts, bodies = [], []
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, puts)
    expect_part(httpserver, 1, puts, lambda _: Response("Service Unavailable", status=503))
    request = PublishRequest("p1", "Watch", media=[video()])

    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert request.progress["video"]["urn"] == VIDEO
    assert request.progress["video"]["etags"] == ETAGS[:1]
    assert not calls(httpserver, "/b/rest/posts")

    expect_part(httpserver, 1, puts)
    expect_finalize(httpserver)
    expect_status(httpserver, "video_available")
    expect_post(httpserver, bodies)
    page_provider.publish(page, request)

    assert [p["index"] for p in puts] == [0, 1, 1]
    assert len(calls(httpserver, "/b/rest/videos", action="initializeUpload")) == 1
    assert bodies[0]["content"] == {"media": {"id": VIDEO}}


def test_part_timeout_is_transient_and_posts_nothing(page_provider, httpserver, page):
    page_provider.upload_timeout = (1, 0.5)
    puts = []
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, puts)
    expect_part(
        httpserver,
        1,
        puts,
        slow_handler(lambda _: Response("", status=201, headers={"ETag": ETAGS[1]}), 0.8),
    )
    request = PublishRequest("p1", "Watch", media=[video()])

    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, request)

    drain(httpserver, 3)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert request.progress["video"]["etags"] == ETAGS[:1]
    assert "finalized" not in request.progress["video"]
    assert not calls(httpserver, "/b/rest/posts")


def test_failed_finalize_is_transient_and_the_retry_finalizes_without_uploading(
    page_provider, httpserver, page
):
    puts, bodies = [], []
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, puts)
    expect_part(httpserver, 1, puts)
    httpserver.expect_ordered_request(
        "/b/rest/videos", method="POST", query_string={"action": "finalizeUpload"}
    ).respond_with_response(fixture_response(HERE, "bad_gateway"))
    request = PublishRequest("p1", "Watch", media=[video()])

    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND

    expect_finalize(httpserver)
    expect_status(httpserver, "video_available")
    expect_post(httpserver, bodies)
    page_provider.publish(page, request)
    assert len(puts) == 2
    assert bodies[0]["content"] == {"media": {"id": VIDEO}}


# -- processing -------------------------------------------------------------------------------
def test_processing_failure_is_rejected_with_a_clear_message(page_provider, httpserver, page):
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, [])
    expect_part(httpserver, 1, [])
    expect_finalize(httpserver)
    expect_status(httpserver, "video_processing")
    expect_status(httpserver, "video_processing_failed")
    request = PublishRequest("p1", "Watch", media=[video()])

    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, request)

    assert caught.value.kind == ErrorKind.CONTENT_REJECTED
    assert caught.value.network_code == "PROCESSING_FAILED"
    assert caught.value.field == "media"
    assert "could not process the video" in caught.value.user_message
    assert not calls(httpserver, "/b/rest/posts")
    # That upload is dead: a later attempt starts a new one.
    assert "video" not in request.progress


def test_still_processing_is_transient_and_the_retry_only_polls(page_provider, httpserver, page):
    page_provider.video_poll_attempts = 2
    bodies = []
    expect_initialize(httpserver, "urn:li:organization:2414183")
    expect_part(httpserver, 0, [])
    expect_part(httpserver, 1, [])
    expect_finalize(httpserver)
    expect_status(httpserver, "video_processing")
    expect_status(httpserver, "video_processing")
    request = PublishRequest("p1", "Watch", media=[video()])

    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, request)
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert caught.value.retry_after == 60
    assert request.progress["video"]["finalized"] is True
    assert not calls(httpserver, "/b/rest/posts")

    expect_status(httpserver, "video_available")
    expect_post(httpserver, bodies)
    page_provider.publish(page, request)
    assert len(calls(httpserver, "/b/rest/videos")) == 2  # one initialize, one finalize
    assert bodies[0]["content"] == {"media": {"id": VIDEO}}


def test_instructions_that_do_not_cover_the_file_are_transient(page_provider, httpserver, page):
    expect_initialize(httpserver, "urn:li:organization:2414183", ranges=[(0, 4194303)])
    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, PublishRequest("p1", "Watch", media=[video()]))
    assert caught.value.kind == ErrorKind.TRANSIENT_BEFORE_SEND
    assert not any(r.path.startswith("/up/") for r, _ in httpserver.log)


def test_video_upload_forbidden_for_the_page_role(page_provider, httpserver, page):
    httpserver.expect_request("/b/rest/videos", method="POST").respond_with_json(
        {
            "message": "Accessing this video resource is forbidden. "
            "Please check your permissions for this resource",
            "status": 403,
        },
        status=403,
    )
    with pytest.raises(ProviderError) as caught:
        page_provider.publish(page, PublishRequest("p1", "Watch", media=[video()]))
    assert caught.value.kind == ErrorKind.PERMISSION_DENIED
